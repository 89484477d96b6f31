"""PlotCanvas: a matplotlib canvas that hosts one chart and counts its draws.

Charts update their artists; the canvas redraws once per event-loop turn (``draw_idle``),
and only while visible — a hidden tab is marked stale and redrawn when shown.

Layout is computed by the chart's layout engine (constrained layout) only when it can have
changed — first draw, resize, theme, or labels of a different length once the inputs rest —
and frozen in between: re-running it on every slider step would cost more than the drawing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.charts.base import Chart, ChartInput
from gui.charts.theme import ChartTheme

log = logging.getLogger(__name__)

#: how long the inputs must rest before labels that changed length get a fresh layout
RELAYOUT_MS = 350


class PlotCanvas(FigureCanvasQTAgg):
    """One figure, one chart; ``draw_count`` lets tests assert one draw per change."""

    def __init__(
        self,
        make_chart: Callable[[Figure, ChartTheme], Chart],
        theme: ChartTheme,
        *,
        size: tuple[float, float] = (8.0, 4.5),
        parent: QWidget | None = None,
    ) -> None:
        self.figure_ = Figure(figsize=size, dpi=100)
        super().__init__(self.figure_)
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._make_chart = make_chart
        self.theme = theme
        self._chart: Chart | None = None  # built on first use: hidden tabs cost nothing at start-up
        self._engine = None
        self._needs_layout = True
        self._layout_signature: tuple = ()
        self.draw_count = 0
        self.layout_count = 0
        self._pending: ChartInput | None = None
        self._last: ChartInput | None = None
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(RELAYOUT_MS)
        self._relayout.timeout.connect(self._check_layout)

    @property
    def chart(self) -> Chart:
        if self._chart is None:
            self._chart = self._make_chart(self.figure_, self.theme)
            self._engine = self.figure_.get_layout_engine()
            self._needs_layout = True
        return self._chart

    # -- drawing
    def _signature(self) -> tuple:
        """Lengths of the visible texts: when these change, margins may need to change."""
        return tuple(len(t.get_text()) for t in self.figure_.findobj(Text) if t.get_visible() and t.get_text())

    def draw(self) -> None:
        self.draw_count += 1
        if self._needs_layout and self._engine is not None:
            self.figure_.set_layout_engine(self._engine)
            super().draw()
            self.figure_.set_layout_engine("none")
            self._needs_layout = False
            self.layout_count += 1
            self._layout_signature = self._signature()
        else:
            super().draw()

    def _check_layout(self) -> None:
        if self._engine is not None and self._signature() != self._layout_signature:
            self._needs_layout = True
            self.draw_idle()

    def resizeEvent(self, event) -> None:
        self._needs_layout = True
        super().resizeEvent(event)

    # -- data
    def show_data(self, data: ChartInput) -> None:
        """Update the chart now if visible, else remember it for when the tab is shown."""
        self._last = data
        if not self.isVisible():
            self._pending = data
            return
        self._pending = None
        if self.chart.update(data):
            self.draw_idle()
            self._relayout.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending is not None:
            data, self._pending = self._pending, None
            self.chart.update(data)
            self.draw_idle()
            self._relayout.start()

    def set_theme(self, theme: ChartTheme) -> None:
        """Rebuild the chart with another theme (system dark mode, presentation mode)."""
        if theme == self.theme:
            return
        self.theme = theme
        if self._chart is not None:
            self.figure_.set_layout_engine("none")
            self.figure_.clear()
            self._chart = None
        if self._last is not None:
            self._pending = self._last
            if self.isVisible():
                self.show_data(self._last)
