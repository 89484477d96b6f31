"""The Load test tab: the sweep chart, and which options it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from lmi_explorer.gui.charts.theme import ChartTheme
from lmi_explorer.gui.tabs.chart_tab import ChartTab
from lmi_explorer.models.reference.backends import load_backends

if TYPE_CHECKING:
    from lmi_explorer.gui.qt_state import QtState


class LoadTestTab(ChartTab):
    """The load-test chart with a line saying which options it shows and a way back to the cheapest ones."""

    #: the user asked to show the cheapest options again
    cleared = Signal()

    def __init__(
        self, make_chart, theme: ChartTheme, qstate: QtState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(make_chart, theme, qstate, parent)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.clear_button = QPushButton("Show the cheapest options")
        self.clear_button.setToolTip("Forget the rows selected in the Cost table and load-test the cheapest options")
        self.clear_button.clicked.connect(self.cleared)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 0)
        bar.addWidget(self.hint, 1)
        bar.addWidget(self.clear_button)
        self.layout().insertLayout(0, bar)
        self.set_selection(())

    def set_selection(self, options: tuple) -> None:
        if options:
            bk = load_backends()

            def name(b: str, i: str, p: str, t: int) -> str:
                backend = bk.backends[b].name if b in bk.backends else b
                precision = bk.precisions[p].label if p in bk.precisions else p
                return f"{backend} · {i} · {precision} · TP{t}"

            names = "; ".join(name(*o) for o in options)
            self.hint.setText(f"Showing the options selected in the Cost table: {names}.")
        else:
            self.hint.setText(
                "Showing the cheapest options. Select up to four rows in the Cost table (Ctrl+2) to "
                "load-test those instead."
            )
        self.clear_button.setVisible(bool(options))
