"""AppState: the one source of truth — current scenario, its estimate and decision, undo history.

A thin Qt-free observer: panels call ``update(**changes)``; subscribers hear once per real
change. The window adapts it to Qt signals; tests use it directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lmi_explorer.models.decision import Decision, evaluate
from lmi_explorer.models.estimate import Estimate, estimate
from lmi_explorer.models.reference.pricing import PriceTable
from lmi_explorer.models.scenario import PriceList, Scenario, default_scenario

log = logging.getLogger(__name__)

Listener = Callable[["AppState"], None]
UNDO_LIMIT = 100


@dataclass
class AppState:
    """Scenario → estimate → decision, recomputed on change; listeners notified once per change."""

    scenario: Scenario = field(default_factory=default_scenario)
    estimate: Estimate | None = None
    decision: Decision | None = None
    error: str | None = None
    _listeners: list[Listener] = field(default_factory=list, repr=False)
    _undo: list[Scenario] = field(default_factory=list, repr=False)
    _redo: list[Scenario] = field(default_factory=list, repr=False)
    _group_start: Scenario | None = field(default=None, repr=False)
    _refined_for: Scenario | None = field(default=None, repr=False)
    #: the crossover what-if costs a few estimates; the window computes it after the inputs rest
    with_crossover: bool = True

    def __post_init__(self) -> None:
        self._recompute()

    # -- observers
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(state)`` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self)

    # -- changes
    def _recompute(self) -> None:
        try:
            self.estimate = estimate(self.scenario, self.prices)
            self.decision = evaluate(self.scenario, self.estimate, with_crossover=self.with_crossover)
            self._refined_for = self.scenario if self.with_crossover else None
            self.error = None
        except Exception as exc:  # the window must stay alive and say what went wrong
            log.exception("estimate failed")
            self.error = f"{type(exc).__name__}: {exc}"

    def update(self, **changes: object) -> bool:
        """Apply changes as one batch (validated); notify once, and only if something changed."""
        new = self.scenario.with_changes(**changes)
        return self.set_scenario(new)

    def set_scenario(self, new: Scenario, *, record: bool = True) -> bool:
        if new == self.scenario:
            return False
        if record and self._group_start is None:
            self._push_undo(self.scenario)
        self.scenario = new
        self._recompute()
        self._notify()
        return True

    @property
    def prices(self) -> PriceTable:
        """The price list in use (the scenario's own, or the bundled one)."""
        return self.scenario.prices()

    def set_prices(self, prices: PriceTable | None, mode: str | None = None) -> bool:
        """Use a user's price list (kept inside the scenario), or the bundled one with None.

        ``mode``: ``replace`` (only the list's prices) or ``override`` (its rows over the bundled
        ones); by default the table's own mode.
        """
        ref = (
            None
            if prices is None or prices.name == "bundled"
            else PriceList(prices.name, prices.content, mode or prices.mode)
        )
        return self.set_scenario(replace(self.scenario, price_list=ref))

    def refresh(self) -> None:
        """Recompute and notify."""
        self._recompute()
        self._notify()

    def refine(self) -> Decision | None:
        """The current decision with the crossover spread filled in (no notification: text only)."""
        if self.estimate is None or self.error:
            return self.decision
        if self._refined_for is self.scenario:
            return self.decision
        self.decision = evaluate(self.scenario, self.estimate, with_crossover=True)
        self._refined_for = self.scenario
        return self.decision

    # -- undo (a slider drag is one step: begin_group / end_group)
    def _push_undo(self, s: Scenario) -> None:
        self._undo.append(s)
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()

    def begin_group(self) -> None:
        """Start a run of changes that undo as one step (a slider drag)."""
        if self._group_start is None:
            self._group_start = self.scenario

    def end_group(self) -> None:
        start, self._group_start = self._group_start, None
        if start is not None and start != self.scenario:
            self._push_undo(start)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self.scenario)
        self.set_scenario(self._undo.pop(), record=False)
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self.scenario)
        self.set_scenario(self._redo.pop(), record=False)
        return True

    def reset_history(self) -> None:
        self._undo.clear()
        self._redo.clear()
