"""Binding controls to the one AppState: view → model through ``update``, model → view blocked.

Panels write with :meth:`QtState.update` and refresh their widgets in ``refresh(scenario)``
with signals blocked, so a model-side change never echoes back as a user edit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer, Signal

from lmi_explorer.gui.process_memory import release_free_memory
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.state import AppState

log = logging.getLogger(__name__)


@contextmanager
def blocked(*widgets: QObject) -> Iterator[None]:
    """Set widgets from the model without emitting their change signals."""
    old = [w.blockSignals(True) for w in widgets]
    try:
        yield
    finally:
        for w, was in zip(widgets, old, strict=True):
            w.blockSignals(was)


class QtState(QObject):
    """Qt face of :class:`AppState`: ``changed`` fires once per real change; errors are reported."""

    changed = Signal()
    problem = Signal(str)  # a validation message for the status bar / inline label
    refined = Signal()  # the decision gained its slower what-if figures (text only, no chart)
    history_changed = Signal()  # undo/redo availability changed without a scenario change

    #: how long the inputs must rest before the slower what-if questions are asked
    REFINE_MS = 300

    def __init__(self, state: AppState | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state or AppState(with_crossover=False)
        self.state.with_crossover = False
        self._refine_timer = QTimer(self)
        self._refine_timer.setSingleShot(True)
        self._refine_timer.setInterval(self.REFINE_MS)
        self._refine_timer.timeout.connect(self._refine)
        self._unsub = self.state.subscribe(self._on_state_changed)
        self._dragging = 0
        self._refine_timer.start()

    def _on_state_changed(self, _state: AppState) -> None:
        self.changed.emit()
        self._refine_timer.start()

    def _refine(self) -> None:
        if self._dragging:
            self._refine_timer.start()
            return
        before = self.state.decision
        if self.state.refine() is not before:
            self.refined.emit()
        release_free_memory()  # the drag is over: what its steps freed goes back to the system

    def refine_now(self) -> None:
        """Ask the slow what-ifs at once (tests, export)."""
        self._refine_timer.stop()
        self._refine()

    @property
    def scenario(self):
        return self.state.scenario

    def update(self, **changes: object) -> bool:
        """Apply a user edit; an impossible value is refused with a message and changes nothing."""
        try:
            return self.state.update(**changes)
        except DataError as exc:
            self.problem.emit(str(exc))
            self.changed.emit()  # widgets snap back to the scenario's values
            return False

    def drag_started(self) -> None:
        """A slider drag is one undo step; the slow what-ifs wait until it ends."""
        self._dragging += 1
        self.state.begin_group()

    def drag_finished(self) -> None:
        self._dragging = max(0, self._dragging - 1)
        if self._dragging == 0:
            self.state.end_group()
            self.history_changed.emit()
            self._refine_timer.start()
