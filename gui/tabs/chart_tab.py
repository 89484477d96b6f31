"""A tab holding one chart canvas: the base of every answer tab."""

from __future__ import annotations

from lmi_explorer.gui.canvas import PlotCanvas
from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import ChartTheme
from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)


class ChartTab(QWidget):
    """A tab holding one chart canvas."""

    def __init__(self, make_chart, theme: ChartTheme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = PlotCanvas(make_chart, theme)
        self.canvas.setMinimumSize(420, 260)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.canvas)

    def show_data(self, data: ChartInput) -> None:
        self.canvas.show_data(data)
