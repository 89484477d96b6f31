"""A tab holding one chart canvas: the base of every answer tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.canvas import PlotCanvas
from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import ChartTheme

if TYPE_CHECKING:
    from lmi_explorer.gui.qt_state import QtState


class ChartTab(QWidget):
    """A tab holding one chart canvas; every answer tab is built as ``Tab(make_chart, theme, qstate)``."""

    def __init__(
        self, make_chart, theme: ChartTheme, qstate: QtState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.canvas = PlotCanvas(make_chart, theme)
        self.canvas.setMinimumSize(420, 260)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.canvas)

    def show_data(self, data: ChartInput) -> None:
        self.canvas.show_data(data)
