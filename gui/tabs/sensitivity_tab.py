"""The Sensitivity tab: the tornado, computed only when the tab is shown and the inputs rest.

Fourteen what-if estimates are too many for a slider step, so the tab waits until the inputs
have rested (and it is on screen) before asking them, then draws the bars.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QWidget

from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import ChartTheme
from lmi_explorer.gui.tabs.chart_tab import ChartTab

if TYPE_CHECKING:
    from lmi_explorer.gui.qt_state import QtState


class SensitivityTab(ChartTab):
    """A chart tab whose data gains its tornado once the inputs rest."""

    #: how long the inputs must rest before the what-ifs are asked (longer than a slider step)
    REST_MS = 400

    def __init__(
        self, make_chart, theme: ChartTheme, qstate: QtState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(make_chart, theme, qstate, parent)
        self._pending: ChartInput | None = None
        self._done_for: object = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.REST_MS)
        self._timer.timeout.connect(self.flush)

    def show_data(self, data: ChartInput) -> None:
        key = (data.full_scenario, id(data.estimate.prices), data.decision.split is not None)
        if key == self._done_for:
            return
        self._pending = data
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending is not None:
            self._timer.start()

    @Slot()
    def flush(self) -> None:
        """Compute the tornado for the latest data and draw it (also for tests and export)."""
        self._timer.stop()
        data, self._pending = self._pending, None
        if data is None:
            return
        from lmi_explorer.models.mix.sensitivity import tornado

        self._done_for = (data.full_scenario, id(data.estimate.prices), data.decision.split is not None)
        self.canvas.show_data(replace(data, tornado=tornado(data.full_scenario, data.estimate.prices)))
