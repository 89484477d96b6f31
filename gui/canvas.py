"""PlotCanvas: a matplotlib canvas that hosts one chart and counts its draws.

Charts update their artists; the canvas redraws once per event-loop turn, and only while
visible — a hidden tab is marked stale and redrawn when shown.

Two kinds of redraw, chosen by what ``Chart.update`` returns (see :mod:`gui.charts.base`):

* full (``True``): the figure is drawn without the chart's dynamic artists (the canvas marks them
  animated; the chart classes never do, so export draws everything), that image is saved as the
  background, then the dynamic artists are drawn on top. Coalesced by ``draw_idle``.
* partial (``"partial"``): the background is restored, the dynamic artists are drawn, and the
  result is blitted to the widget (``QWidget.repaint``: on screen before the call returns).
  Coalesced the same way (a zero-ms single shot guarded by a pending flag); a full redraw pending
  in the same turn makes it unnecessary.

Axes among the dynamic artists (a category axis sorted by cost, an axis whose sticky limit moved)
change on far fewer steps than the bars and lines over them, so each gets a saved layer and is
redrawn only when its limits, ticks or labels changed.

``draw_count`` counts both (one slider step is one redraw), ``full_draw_count`` only full ones.

Text dominates drawing, and Agg shapes and rasterizes every run of text on every draw. Where the
``text-bitmaps`` speed-up is on (:mod:`gui.speedups`), the live canvas renders with its
``CachedTextRenderer``, which keeps the glyph bitmaps of recent texts: the same pixels (tested), a
fraction of the time for tick labels and titles that recur from step to step. Export draws on its own
Agg canvas and does not use it.

Layout is computed by the chart's layout engine (constrained layout) only when it can have
changed — first draw, resize, theme, or labels of a different length once the inputs rest —
and frozen in between: re-running it on every slider step would cost more than the drawing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from operator import methodcaller

from matplotlib.artist import Artist
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QSizePolicy, QWidget

from lmi_explorer.gui import speedups
from lmi_explorer.gui.charts.base import PARTIAL, Chart, ChartInput
from lmi_explorer.gui.charts.theme import ChartTheme

# the private matplotlib internals (the text cache, the bound on matplotlib's text-size cache) live in
# gui/speedups.py with their version allow-list; these two names stay importable from here
from lmi_explorer.gui.speedups import TEXT_METRICS_CACHE as TEXT_METRICS_CACHE
from lmi_explorer.gui.speedups import CachedTextRenderer as CachedTextRenderer

log = logging.getLogger(__name__)

#: how long the inputs must rest before labels that changed length get a fresh layout
RELAYOUT_MS = 350

speedups.install()  # matplotlib is imported now: its speed-ups can go in


class PlotCanvas(FigureCanvasQTAgg):
    """One figure, one chart; ``draw_count`` lets tests assert one draw per change."""

    # class-level defaults: matplotlib's own __init__ may already ask for a renderer or an idle draw
    _full_pending = False  # a full redraw is queued (draw_idle called, draw not yet run)
    _renderer_key: tuple | None = None

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
        self.draw_count = 0  # full and partial redraws
        self.full_draw_count = 0
        self.layout_count = 0
        self._pending: ChartInput | None = None
        self._last: ChartInput | None = None
        # blitting: the chart's dynamic artists, split into the axes among them and the rest; the
        # figure without any of them (background), and one saved image per dynamic axis (layers[k]:
        # the background with axes[0..k] drawn), so an axis is redrawn only when it changed
        self._dynamic: list[Artist] = []
        self._dynamic_ids: frozenset[int] = frozenset()
        self._axes: list[Axis] = []
        self._rest: list[Artist] = []
        self._background = None
        self._layers: list[object] = []
        self._layer_keys: list[tuple] = []
        self._blit_pending = False
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
            self._forget_backgrounds()
            self._dynamic = []
        return self._chart

    @property
    def redraw_pending(self) -> bool:
        """A full or partial redraw is queued for this event-loop turn (benchmarks wait for it)."""
        return self._full_pending or self._blit_pending

    @property
    def settled(self) -> bool:
        """No redraw queued and no relayout waiting for the inputs to rest (tests wait for this)."""
        return not self.redraw_pending and not self._relayout.isActive()

    # -- drawing
    def get_renderer(self) -> RendererAgg:
        """FigureCanvasAgg.get_renderer, with the renderer class :func:`gui.speedups.renderer_class` gives."""
        w, h = self.figure.bbox.size
        cls = speedups.renderer_class()
        key = w, h, self.figure.dpi, cls
        if self._renderer_key != key:
            self.renderer = cls(w, h, self.figure.dpi)
            self._renderer_key = key
        return self.renderer

    def draw_idle(self) -> None:
        """FigureCanvasQT.draw_idle (one full redraw in this event-loop turn), noting that one is queued."""
        self._full_pending = True
        super().draw_idle()

    def _signature(self) -> tuple:
        """Lengths of the visible texts: when these change, margins may need to change."""
        return tuple(len(t.get_text()) for t in self.figure_.findobj(Text) if t.get_visible() and t.get_text())

    def _forget_backgrounds(self) -> None:
        self._background = None
        self._layers, self._layer_keys = [], []

    def _mark_dynamic(self) -> None:
        """Animate the chart's dynamic artists (on this canvas only) so a figure draw skips them."""
        get = getattr(self._chart, "dynamic_artists", None)
        wanted = list(get()) if get is not None else []
        keep = {id(a) for a in wanted}
        for artist in self._dynamic:
            if id(artist) not in keep:
                artist.set_animated(False)  # no longer dynamic (e.g. replaced): draw with the figure again
        for artist in wanted:
            artist.set_animated(True)
        # the order a figure draw would use: by zorder, stable
        self._dynamic = sorted(wanted, key=methodcaller("get_zorder"))
        self._dynamic_ids = frozenset(keep)
        axes = [a for a in self._dynamic if isinstance(a, Axis)]
        rest = [a for a in self._dynamic if not isinstance(a, Axis)]
        if axes and rest and max(a.get_zorder() for a in axes) > min(a.get_zorder() for a in rest):
            axes, rest = [], self._dynamic  # an axis above other dynamic artists: no layer of its own
        self._axes, self._rest = axes, rest

    def _draw_dynamic(self, background_drawn: bool) -> None:
        """Draw the dynamic artists over the restored (or just drawn) static background.

        The dynamic axes are drawn first, each into a saved layer of its own: only the layers from the
        first changed axis up are redrawn, and changed axes move to the top of the stack, so an axis
        that changes often (a category axis re-sorted by cost) does not drag the others along. They
        change on far fewer steps than the bars and lines over them.
        """
        keys = [_axis_key(a) for a in self._axes]
        intact = 0
        while intact < min(len(keys), len(self._layer_keys)) and keys[intact] == self._layer_keys[intact]:
            intact += 1
        if intact:
            self.restore_region(self._layers[intact - 1])
        elif not background_drawn:
            self.restore_region(self._background)
        if intact < len(keys):
            # redraw the rest of the stack, unchanged axes first (among axes of equal zorder, which do not overlap)
            known = len(self._layer_keys)

            def changed_last(i: int) -> tuple[float, bool]:
                return self._axes[i].get_zorder(), i >= known or keys[i] != self._layer_keys[i]

            order = [*range(intact), *sorted(range(intact, len(keys)), key=changed_last)]
            self._axes = [self._axes[i] for i in order]
            keys = [keys[i] for i in order]
            del self._layers[intact:]
            for axis in self._axes[intact:]:
                self.figure_.draw_artist(axis)
                self._layers.append(self.copy_from_bbox(self.figure_.bbox))
            self._layer_keys = keys
        for artist in self._rest:
            self.figure_.draw_artist(artist)

    def draw(self) -> None:
        """Full redraw: static parts, saved as the background, then the dynamic artists on top."""
        self._full_pending = False
        self.draw_count += 1
        self.full_draw_count += 1
        self._blit_pending = False  # this draw shows the latest state of the dynamic artists too
        self._mark_dynamic()
        if self._needs_layout and self._engine is not None:
            self.figure_.set_layout_engine(self._engine)
            super().draw()
            self.figure_.set_layout_engine("none")
            self._needs_layout = False
            self.layout_count += 1
            self._layout_signature = self._signature()
        else:
            super().draw()
        self._forget_backgrounds()
        if self._dynamic:
            self._background = self.copy_from_bbox(self.figure_.bbox)
            # into the buffer before the paint event queued by the draw copies it to the screen
            self._draw_dynamic(background_drawn=True)

    def _request_partial(self) -> None:
        """Redraw only the dynamic artists, once per event-loop turn (like ``draw_idle``)."""
        if self._background is None:
            self.draw_idle()  # nothing to restore yet: the full draw draws the dynamic artists too
            return
        if self._full_pending or self._blit_pending:
            return  # a redraw is queued this turn; it will show the latest artists
        self._blit_pending = True
        QTimer.singleShot(0, self._partial_draw)

    def _partial_draw(self) -> None:
        if not self._blit_pending:
            return  # a full draw ran first and drew everything
        self._blit_pending = False
        if self._full_pending or self._background is None or self.width() <= 0 or self.height() <= 0:
            return
        current = self._chart.dynamic_artists() if hasattr(self._chart, "dynamic_artists") else []
        if len(current) != len(self._dynamic) or any(id(a) not in self._dynamic_ids for a in current):
            self.draw_idle()  # the chart swapped its artists without saying so: draw it all
            return
        self.draw_count += 1
        self._draw_dynamic(background_drawn=False)
        # Qt repaints now (QWidget.repaint); hidden, it is a no-op and the buffer is painted when shown
        self.blit(self.figure_.bbox)

    def _check_layout(self) -> None:
        if self._engine is not None and self._signature() != self._layout_signature:
            self._needs_layout = True
            self.draw_idle()

    def resizeEvent(self, event) -> None:
        self._needs_layout = True
        self._forget_backgrounds()  # the saved images have the old size
        super().resizeEvent(event)

    # -- data
    def _redraw(self, changed: object) -> None:
        if not changed:
            return
        if changed == PARTIAL:
            self._request_partial()
        else:
            self.draw_idle()
        self._relayout.start()

    def show_data(self, data: ChartInput) -> None:
        """Update the chart now if visible, else remember it for when the tab is shown."""
        self._last = data
        if not self.isVisible():
            self._pending = data
            return
        self._pending = None
        self._redraw(self.chart.update(data))

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
            self._forget_backgrounds()
            self._dynamic = []
        if self._last is not None:
            self._pending = self._last
            if self.isVisible():
                self.show_data(self._last)


def _axis_key(axis: Axis) -> tuple:
    """What an axis draws from: limits, locators and formatters (and their fixed labels), label text.

    Equal keys mean equal pixels, given the same figure layout (any layout change is a full redraw).
    Locators and formatters are compared by identity, plus the positions and labels of fixed ones:
    the charts replace them rather than re-parametrise them.
    """
    major, minor = axis.get_major_locator(), axis.get_minor_locator()
    fmt = axis.get_major_formatter()
    return (
        tuple(axis.get_view_interval()),
        axis.get_visible(),
        axis.label.get_text(),
        axis.label.get_visible(),
        id(major),
        tuple(getattr(major, "locs", ())),
        id(minor),
        id(fmt),
        tuple(getattr(fmt, "seq", ())),
        id(axis.get_minor_formatter()),
        axis.get_scale(),
    )
