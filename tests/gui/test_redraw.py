"""Partial redraws (blitting) on the live canvases: ordinary slider steps redraw only the dynamic
artists, static changes redraw everything, and what reaches the screen is what a full draw shows."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage

from lmi_explorer.gui.canvas import CachedTextRenderer
from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.cost_chart import CostChart
from lmi_explorer.gui.charts.theme import DARK, LIGHT
from lmi_explorer.gui.charts.traffic_chart import TrafficChart
from tests.gui.canvas_waits import settled, show_tab

COST, MEMORY, TRAFFIC, BREAKEVEN = 1, 2, 3, 4


def step(w, field: str, notches: int = 1) -> None:
    """Move a traffic slider as the arrow keys do (one notch = 0.5 % of its range)."""
    slider = w.traffic_panel.sliders[field].slider
    action = slider.SliderAction.SliderSingleStepAdd if notches > 0 else slider.SliderAction.SliderSingleStepSub
    for _ in range(abs(notches)):
        slider.triggerAction(action)


def buffer(canvas) -> np.ndarray:
    return np.asarray(canvas.buffer_rgba()).copy()


def screen(canvas) -> np.ndarray:
    """What Qt paints for the canvas (the widget rendered through its paintEvent)."""
    img = canvas.grab().toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return arr[:, : img.width()].copy()


def full_redraw_buffer(canvas) -> np.ndarray:
    """The pixels a full redraw of the current state gives (the reference for partial redraws)."""
    canvas.draw()
    return buffer(canvas)


@pytest.mark.parametrize(
    ("tab", "field"),
    [(COST, "requests_per_s"), (MEMORY, "requests_per_s"), (BREAKEVEN, "requests_per_s"), (TRAFFIC, "input_cv")],
    ids=["cost-rate", "memory-rate", "breakeven-rate", "traffic-spread"],
)
def test_an_ordinary_step_is_one_partial_redraw_showing_the_new_state(make_window, qtbot, tab, field):
    """One notch: one redraw, a partial one; after it the buffer, and what Qt paints, equal a full redraw."""
    w = make_window()
    canvas = show_tab(w, qtbot, tab)
    before = buffer(canvas)
    draws, fulls = canvas.draw_count, canvas.full_draw_count
    step(w, field)
    qtbot.waitUntil(lambda: not canvas.redraw_pending, timeout=5000)
    qtbot.wait(20)
    assert canvas.draw_count == draws + 1  # one slider step, one redraw
    assert canvas.full_draw_count == fulls  # ... and a partial one
    after = buffer(canvas)
    assert np.any(after != before)  # the chart changed
    assert np.array_equal(screen(canvas), after)  # and that is what the widget shows
    assert np.array_equal(full_redraw_buffer(canvas), after)  # exactly what a full redraw draws


def test_the_histogram_beside_the_sliders_follows_each_step(make_window, qtbot):
    """One paint per slider step that changes the lengths, none for a rate step; its token axis grows."""
    w = make_window()
    hist = w.traffic_panel.histogram
    show_tab(w, qtbot, COST)
    qtbot.waitUntil(lambda: hist.paint_count >= 1, timeout=5000)
    paints, output = hist.paint_count, hist.shares[1].copy()
    step(w, "output_cv")
    qtbot.waitUntil(lambda: hist.paint_count > paints, timeout=5000)
    assert not np.allclose(hist.shares[1], output)  # the output spread changed its shares
    paints, top = hist.paint_count, hist.edges[-1]
    step(w, "requests_per_s")  # the rate does not change the lengths
    settled(qtbot, w.cost_tab.canvas)
    assert hist.paint_count == paints
    w.qstate.update(input_mean=8000.0)  # far longer prompts: the token axis must grow
    qtbot.waitUntil(lambda: hist.paint_count > paints, timeout=5000)
    assert hist.edges[-1] > top
    assert hist.bounds[0] <= hist.edges[-1]  # the bound stays on the axis


def test_big_jumps_are_full_redraws(make_window, qtbot):
    w = make_window()
    canvas = show_tab(w, qtbot, BREAKEVEN)
    fulls = canvas.full_draw_count
    w.qstate.update(requests_per_s=w.qstate.scenario.traffic.requests_per_s * 50)  # leaves the rate range
    qtbot.waitUntil(lambda: not canvas.redraw_pending, timeout=5000)
    assert canvas.full_draw_count == fulls + 1
    cost = show_tab(w, qtbot, COST)
    fulls = cost.full_draw_count
    w.qstate.update(model_id="meta-llama/Llama-2-70b-hf")  # another model: title, categories, limits
    qtbot.waitUntil(lambda: not cost.redraw_pending, timeout=5000)
    assert cost.full_draw_count == fulls + 1


def test_many_partial_steps_leave_no_trace(make_window, qtbot):
    """Up and down a slider on three tabs: no ghost bars, lines or texts from earlier steps."""
    w = make_window()
    for tab, field in ((COST, "requests_per_s"), (TRAFFIC, "output_mean"), (BREAKEVEN, "requests_per_s")):
        canvas = show_tab(w, qtbot, tab)
        fulls = canvas.full_draw_count
        # the steps are one drag: the slower what-ifs (asked once the inputs rest 300 ms) wait until it
        # ends, however slowly a loaded machine draws each step
        w.qstate.drag_started()
        for k in range(12):
            step(w, field, 1 if k < 8 else -1)
            qtbot.waitUntil(lambda c=canvas: not c.redraw_pending, timeout=5000)
        assert canvas.full_draw_count == fulls, w.tabs.tabText(tab)
        assert np.array_equal(full_redraw_buffer(canvas), buffer(canvas)), w.tabs.tabText(tab)
        w.qstate.drag_finished()
        settled(qtbot, canvas)


class _PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_blit_repaints_the_widget_at_once(make_window, qtbot, monkeypatch):
    """FigureCanvasQT.blit is QWidget.repaint: the partial redraw reaches the screen in the same call."""
    w = make_window()
    canvas = show_tab(w, qtbot, COST)
    counter = _PaintCounter()
    canvas.installEventFilter(counter)
    during: list[int] = []
    blit = canvas.blit

    def counted_blit(bbox=None):
        start = counter.count
        blit(bbox)
        during.append(counter.count - start)

    monkeypatch.setattr(canvas, "blit", counted_blit)
    step(w, "requests_per_s")
    qtbot.waitUntil(lambda: not canvas.redraw_pending, timeout=5000)
    canvas.removeEventFilter(counter)
    assert during == [1]


def test_hidden_tab_redraws_in_full_once_when_shown(make_window, qtbot):
    w = make_window()
    show_tab(w, qtbot, COST)
    memory = w.memory_tab.canvas
    draws, fulls = memory.draw_count, memory.full_draw_count
    for _ in range(3):
        step(w, "requests_per_s")
        qtbot.wait(10)
    assert memory.draw_count == draws  # hidden: nothing drawn
    w.tabs.setCurrentIndex(MEMORY)
    qtbot.waitUntil(lambda: memory.draw_count > draws, timeout=5000)
    qtbot.wait(30)
    assert (memory.draw_count, memory.full_draw_count) == (draws + 1, fulls + 1)  # one full redraw
    settled(qtbot, memory)
    fulls = memory.full_draw_count
    step(w, "requests_per_s")
    qtbot.waitUntil(lambda: not memory.redraw_pending, timeout=5000)
    assert memory.full_draw_count == fulls  # partial redraws resume after the full one


def test_resize_redraws_in_full_then_partial_again(make_window, qtbot):
    w = make_window()
    canvas = show_tab(w, qtbot, COST)
    fulls = canvas.full_draw_count
    w.resize(w.width() - 120, w.height() - 60)
    qtbot.waitUntil(lambda: canvas.full_draw_count > fulls, timeout=5000)
    settled(qtbot, canvas)
    fulls = canvas.full_draw_count
    step(w, "requests_per_s")
    qtbot.waitUntil(lambda: not canvas.redraw_pending, timeout=5000)
    assert canvas.full_draw_count == fulls
    assert np.array_equal(full_redraw_buffer(canvas), buffer(canvas))  # the new size, no old background


def test_theme_change_rebuilds_then_partial_again(make_window, qtbot):
    w = make_window()
    canvas = show_tab(w, qtbot, COST)
    old_chart = canvas.chart
    fulls = canvas.full_draw_count
    w.set_theme(DARK if w.theme != DARK else LIGHT)
    qtbot.waitUntil(lambda: canvas.full_draw_count > fulls, timeout=5000)
    assert canvas.chart is not old_chart
    settled(qtbot, canvas)
    fulls = canvas.full_draw_count
    step(w, "requests_per_s")
    qtbot.waitUntil(lambda: not canvas.redraw_pending, timeout=5000)
    assert canvas.full_draw_count == fulls
    assert np.array_equal(full_redraw_buffer(canvas), buffer(canvas))


def test_only_the_live_canvas_animates_artists(make_window, qtbot):
    """The window's chart has its dynamic artists animated; an export of the same data has none."""
    from lmi_explorer.gui.output.export import render

    w = make_window()
    canvas = show_tab(w, qtbot, COST)
    assert all(a.get_animated() for a in canvas.chart.dynamic_artists())
    st = w.qstate.state
    fig = render(ChartInput(st.estimate, st.decision), "cost", size=(8.0, 4.5))
    assert not any(a.get_animated() for a in fig.findobj())


@pytest.mark.parametrize("cls", [CostChart, TrafficChart])
def test_cached_text_draws_the_same_pixels(cls):
    """The live canvas's text cache changes the speed of drawing, not a single pixel."""
    from lmi_explorer.models.decision import evaluate
    from lmi_explorer.models.estimate import estimate
    from lmi_explorer.models.scenario import default_scenario

    s = default_scenario()
    est = estimate(s)
    d = ChartInput(est, evaluate(s, est))
    fig = Figure(figsize=(8.8, 5.5), dpi=100)
    FigureCanvasAgg(fig)
    cls(fig, LIGHT).update(d)
    fig.canvas.draw()  # layout once, then the same layout for both renderers
    fig.set_layout_engine("none")
    w, h = fig.bbox.size
    images = []
    for renderer in (RendererAgg(w, h, fig.dpi), CachedTextRenderer(w, h, fig.dpi), CachedTextRenderer(w, h, fig.dpi)):
        fig.draw(renderer)
        images.append(np.asarray(renderer.buffer_rgba()).copy())
    assert np.array_equal(images[0], images[1])  # first draw fills the cache
    assert np.array_equal(images[0], images[2])  # the second reads from it


@pytest.mark.skipif(
    __import__("lmi_explorer.gui.speedups", fromlist=["switched_off"]).switched_off(),
    reason="speed-ups switched off (LMI_NO_SPEEDUPS=1): the public path has no such cache",
)
def test_text_sizes_remembered_stay_bounded():
    """Labels that change with every slider step must not pile up in matplotlib's text-size cache."""
    import matplotlib.text as mtext

    from lmi_explorer.gui.canvas import TEXT_METRICS_CACHE

    fig = Figure(figsize=(4, 3), dpi=100)
    FigureCanvasAgg(fig)
    label = fig.text(0.1, 0.5, "")
    for i in range(TEXT_METRICS_CACHE + 300):
        label.set_text(f"saves {i} $/month")
        fig.canvas.draw()
    info = mtext._get_text_metrics_with_cache_impl.cache_info()
    assert info.maxsize == TEXT_METRICS_CACHE
    assert info.currsize <= TEXT_METRICS_CACHE
    label.set_text("saves 5 $/month")
    fig.canvas.draw()  # a size measured long ago was forgotten; measuring it again gives a hit next time
    fig.canvas.draw()
    assert mtext._get_text_metrics_with_cache_impl.cache_info().hits > info.hits
