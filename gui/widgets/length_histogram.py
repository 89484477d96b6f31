"""The small length histogram beside the traffic sliders, painted with QPainter.

A live preview, redrawn on every slider step: painting it natively takes well under a millisecond,
where a matplotlib figure of the same size costs tens of milliseconds to build and to draw (a
visible share of the app's start-up). The slide-ready version is the Traffic tab's chart, which
uses the same bins and colours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from lmi_explorer.gui.charts.common import StickyLimit
from lmi_explorer.gui.charts.traffic_chart import BINS, HEADROOM, length_top, token_locator, tokens_tick

if TYPE_CHECKING:
    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme

INPUT_FILL_ALPHA = 0.45


def nice_ticks(top: float) -> list[float]:
    """The Traffic chart's token ticks from 0 up to ``top``."""
    if not (top > 0 and np.isfinite(top)):
        return [0.0]
    return [float(v) for v in token_locator().tick_values(0.0, top) if 0.0 <= v <= top * (1 + 1e-9)]


class LengthHistogram(QWidget):
    """Input (filled) and output (outline) length shares, the compiled bounds (dashed) and a token axis.

    ``shares``, ``edges`` and ``bounds`` hold what is drawn (for tests and the tooltip).
    """

    def __init__(self, theme: ChartTheme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.setMinimumHeight(120)
        self.setMaximumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("Input and output length distributions of this traffic")
        self._xlim = StickyLimit(grow=1.25)
        self._state: tuple | None = None
        self.edges = np.zeros(0)
        self.shares: list[np.ndarray] = []
        self.bounds: list[float] = []
        self.paint_count = 0

    def sizeHint(self) -> QSize:
        return QSize(320, 130)

    def set_theme(self, theme: ChartTheme) -> None:
        self.theme = theme
        self.update()

    def show_data(self, data: ChartInput) -> None:
        """Bins over the (sticky) token range for the scenario's traffic; repaints only on a change."""
        est = data.estimate
        ts = est.traffic
        state = (ts.shape, ts.bound_input, ts.bound_output)
        if state == self._state:
            return
        self._state = state
        dists = [ts.shape.input, ts.shape.output]
        self.bounds = [ts.bound_input, ts.bound_output]
        self.edges = np.linspace(0.0, self._xlim.fit(length_top(dists, self.bounds)), BINS + 1)
        self.shares = [d.density(self.edges) for d in dists]
        pct = f"p{est.scenario.deployment.bound_percentile * 100:g}"
        self.setToolTip(
            f"Input: mean {ts.mean_input:,.0f} tokens, spread {ts.shape.input.cv:.2f}\n"
            f"Output: mean {ts.mean_output:,.0f} tokens, spread {ts.shape.output.cv:.2f}\n"
            f"Dashed: the {pct} bounds a compiled backend is built for "
            f"({ts.bound_input:,.0f} in / {ts.bound_output:,.0f} out)"
        )
        self.update()

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event) -> None:
        self.paint_count += 1
        t = self.theme
        colours = [QColor(t.memory_colours["weights"]), QColor(t.memory_colours["kv"])]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)  # not fillRect: resolving its overloads builds Qt's 169 gradient presets
        p.setBrush(QColor(t.background))
        p.drawRect(self.rect())
        p.setBrush(Qt.BrushStyle.NoBrush)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.78))
        p.setFont(font)
        fm = QFontMetricsF(font)
        line = fm.height()
        pad = 4.0
        plot = QRectF(pad + 2, pad + line + 3, self.width() - 2 * pad - 4, self.height() - 2 * pad - 3 * line - 6)
        self._paint_legend(p, fm, colours, pad)
        if plot.width() < 20 or plot.height() < 10 or len(self.edges) < 2:
            p.end()
            return
        top_x = float(self.edges[-1])
        top_y = max(max((float(s.max()) for s in self.shares if len(s)), default=0.0), 1e-9) * HEADROOM

        def x_at(v: float) -> float:
            return plot.left() + plot.width() * v / top_x

        def y_at(v: float) -> float:
            return plot.bottom() - plot.height() * v / top_y

        for k, (share, colour) in enumerate(zip(self.shares, colours, strict=True)):
            path = QPainterPath(QPointF(x_at(self.edges[0]), plot.bottom()))
            for i, v in enumerate(share):
                path.lineTo(x_at(self.edges[i]), y_at(v))
                path.lineTo(x_at(self.edges[i + 1]), y_at(v))
            path.lineTo(x_at(self.edges[-1]), plot.bottom())
            if k == 0:  # input filled, output an outline on top: both stay visible where they coincide
                fill = QColor(colour)
                fill.setAlphaF(INPUT_FILL_ALPHA)
                p.fillPath(path, fill)
            else:
                p.setPen(QPen(colour, 1.3))
                p.drawPath(path)
        for bound, colour in zip(self.bounds, colours, strict=True):
            if 0 <= bound <= top_x:
                p.setPen(QPen(colour, 1.4, Qt.PenStyle.DashLine))
                p.drawLine(QPointF(x_at(bound), plot.top()), QPointF(x_at(bound), plot.bottom()))
        # token axis: baseline, ticks, labels, name
        p.setPen(QPen(QColor(t.muted), 1.0))
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        p.setPen(QColor(t.foreground))
        last_right = -1e9
        for v in nice_ticks(top_x):
            x = x_at(v)
            text = tokens_tick(v)
            w = fm.horizontalAdvance(text)
            left = min(max(x - w / 2, 0.0), self.width() - w)
            if left < last_right + 4:
                continue  # never overlap labels (a narrow panel)
            p.setPen(QPen(QColor(t.muted), 1.0))
            p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 2))
            p.setPen(QColor(t.foreground))
            p.drawText(QPointF(left, plot.bottom() + 3 + fm.ascent()), text)
            last_right = left + w
        name = "Tokens per request"
        p.drawText(
            QPointF(plot.center().x() - fm.horizontalAdvance(name) / 2, plot.bottom() + 4 + line + fm.ascent()), name
        )
        p.end()

    def _paint_legend(self, p: QPainter, fm: QFontMetricsF, colours: list[QColor], pad: float) -> None:
        """One row at the top right: a patch for input, a line for output, a dash for the bounds."""
        t = self.theme
        items = [("input", "patch", colours[0]), ("output", "line", colours[1]), ("bound", "dash", QColor(t.muted))]
        key_w, gap = 14.0, 10.0
        width = sum(key_w + 4 + fm.horizontalAdvance(label) for label, _, _ in items) + gap * (len(items) - 1)
        x = self.width() - pad - width
        y = pad + fm.height() / 2
        for label, kind, colour in items:
            if kind == "patch":
                fill = QColor(colour)
                fill.setAlphaF(0.6)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(fill)
                p.drawRect(QRectF(x, y - 4, key_w, 8))
                p.setBrush(Qt.BrushStyle.NoBrush)
            else:
                style = Qt.PenStyle.DashLine if kind == "dash" else Qt.PenStyle.SolidLine
                p.setPen(QPen(colour, 1.3, style))
                p.drawLine(QPointF(x, y), QPointF(x + key_w, y))
            x += key_w + 4
            p.setPen(QColor(t.foreground))
            p.drawText(QPointF(x, y - fm.height() / 2 + fm.ascent()), label)
            x += fm.horizontalAdvance(label) + gap
