"""What ``update`` reports (False / PARTIAL / True), the sticky axis limits behind it, and export.

Ordinary slider steps must report PARTIAL (only ``dynamic_artists`` changed) so the live canvas can
blit; anything static (limits of static axes, categories count, legend, title, layout) must report
True. Charts never mark artists animated: a chart drawn on a plain Figure draws everything.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.artist import Artist
from matplotlib.backend_bases import ResizeEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from lmi_explorer.gui.charts.base import PARTIAL
from lmi_explorer.gui.charts.breakeven_chart import MIDDLE, BreakEvenChart, rate_range
from lmi_explorer.gui.charts.common import StickyLimit, StickyLogRange, nice_ceil, nice_floor
from lmi_explorer.gui.charts.cost_chart import CostChart
from lmi_explorer.gui.charts.decision_diagram import DecisionDiagram
from lmi_explorer.gui.charts.memory_chart import MemoryChart
from lmi_explorer.gui.charts.theme import LIGHT
from lmi_explorer.gui.charts.traffic_chart import TrafficChart
from lmi_explorer.gui.registry import TABS, resolve
from tests.charts.chart_data import data

#: every chart of the tab registry
CHARTS = [resolve(t.chart) for t in TABS]
#: charts that update in place while a slider moves (the traffic-mix ones redraw in full, at rest)
LIVE_CHARTS = [c for c in CHARTS if not getattr(c, "redraws_in_full", False)]
OTHER_MODEL = {"model_id": "meta-llama/Llama-2-70b-hf"}


def build(cls, size=(8.0, 4.5), **kwargs):
    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    return fig, cls(fig, LIGHT, **kwargs)


# ---------------------------------------------------------------------------- nice numbers, sticky limits


@pytest.mark.parametrize(
    ("value", "up", "down"),
    [
        (1.0, 1.0, 1.0),
        (1.01, 1.2, 1.0),
        (7.9, 8.0, 6.0),
        (8.01, 10.0, 8.0),
        (12_345, 15_000, 12_000),
        (0.0123, 0.015, 0.012),
        (999.9, 1000.0, 800.0),
    ],
)
def test_nice_numbers(value, up, down):
    assert nice_ceil(value) == pytest.approx(up)
    assert nice_floor(value) == pytest.approx(down)


def test_sticky_limit_moves_only_outside_its_band():
    lim = StickyLimit(grow=1.35, shrink=0.4)
    first = lim.fit(10.0)
    assert first == 15.0  # nice number at or above 10 × 1.35
    for need in (11.0, 14.9, 6.1, 15.0):  # inside [0.4 × 15, 15]: the limit (so the ticks) stays
        assert lim.fit(need) == first
    assert lim.fit(15.1) == 25.0  # data exceed it: grows to a nice number with room to grow further
    assert lim.fit(10.5) == 25.0
    assert lim.fit(9.9) == 15.0  # below 40 %: shrinks
    # a fresh limit never sits outside its own band (or it would move again on the next step)
    for need in np.geomspace(0.01, 1e6, 400):
        fresh = StickyLimit()
        value = fresh.fit(float(need))
        assert fresh.shrink * value <= need <= value
        assert fresh.fit(float(need)) == value


def test_sticky_limit_refuses_a_band_it_could_not_keep():
    with pytest.raises(ValueError, match="never settle"):
        StickyLimit(grow=2.0, shrink=0.4)
    with pytest.raises(ValueError, match="never settle"):
        StickyLogRange(margin=3.0, slack=4.0)


def test_sticky_log_range_moves_each_end_on_its_own():
    rng = StickyLogRange(margin=2.0, slack=6.0)
    lo, hi = rng.fit(1000.0, 50_000.0)
    assert lo <= 500.0
    assert hi >= 100_000.0
    assert rng.fit(900.0, 60_000.0) == (lo, hi)  # inside: unchanged
    lo2, hi2 = rng.fit(900.0, 3 * hi)
    assert lo2 == lo  # only the top moved
    assert hi2 >= 3 * hi
    lo3, hi3 = rng.fit(900.0, hi2 / 10)  # more than 6× unused room above: the top comes down
    assert lo3 == lo
    assert hi2 / 10 < hi3 < hi2


# ---------------------------------------------------------------------------- what update reports


# (chart, ordinary slider step from the default scenario); steps of the size one slider notch moves
ORDINARY = [
    (DecisionDiagram, {"input_cv": 0.48}),
    (CostChart, {"requests_per_s": 2.12}),
    (CostChart, {"output_mean": 578.0}),
    (MemoryChart, {"requests_per_s": 2.12}),
    (MemoryChart, {"input_cv": 0.48}),
    (TrafficChart, {"input_cv": 0.48}),
    (TrafficChart, {"output_mean": 578.0}),
    (BreakEvenChart, {"requests_per_s": 2.12}),
    (BreakEvenChart, {"output_mean": 578.0}),
]


@pytest.mark.parametrize(("cls", "step"), ORDINARY, ids=lambda v: v.__name__ if isinstance(v, type) else str(v))
def test_an_ordinary_step_is_partial(cls, step):
    _fig, chart = build(cls)
    assert chart.update(data()) is True  # the first update builds everything
    assert chart.update(data(**step)) == PARTIAL
    assert chart.update(data(**step)) is False  # nothing changed since


@pytest.mark.parametrize("cls", [CostChart, MemoryChart, BreakEvenChart, DecisionDiagram])
def test_another_model_is_a_full_redraw(cls):
    _fig, chart = build(cls)
    chart.update(data())
    assert chart.update(data(**OTHER_MODEL)) is True  # title (and more) changed


@pytest.mark.parametrize("cls", CHARTS)
def test_a_resize_is_a_full_redraw(cls):
    fig, chart = build(cls)
    chart.update(data())
    fig.set_size_inches(6.0, 3.5)
    assert chart.update(data(requests_per_s=2.12, input_cv=0.55)) is True


def test_decision_path_change_is_full_value_change_is_partial():
    _fig, chart = build(DecisionDiagram)
    chart.update(data())
    assert chart.update(data(input_cv=0.48)) == PARTIAL  # the same path, other numbers beside it
    # even traffic: the path goes to the compiled backend
    assert chart.update(data(input_cv=0.1, output_cv=0.1)) is True


@pytest.mark.parametrize("cls", LIVE_CHARTS)
def test_dynamic_artists_are_drawn_artists_of_the_figure(cls):
    fig, chart = build(cls)
    chart.update(data())
    dyn = chart.dynamic_artists()
    assert dyn
    assert all(isinstance(a, Artist) and a.get_figure(root=True) is fig for a in dyn)
    assert len({id(a) for a in dyn}) == len(dyn)
    assert not any(a.get_animated() for a in dyn)  # only the live canvas animates them


# ---------------------------------------------------------------------------- sticky limits in the charts


def test_cost_axis_keeps_its_limit_for_small_steps_and_moves_for_large_ones():
    _fig, chart = build(CostChart)
    chart.update(data())
    ylim = chart.ax.get_ylim()
    for rate in (2.12, 2.24, 2.0, 1.9):
        chart.update(data(requests_per_s=rate))
        assert chart.ax.get_ylim() == ylim
    chart.update(data(requests_per_s=100.0))  # costs far above the limit: it grows
    grown = chart.ax.get_ylim()[1]
    assert grown > ylim[1]
    tallest = max(b.get_height() for b in chart.bars.values() if b.get_visible())
    assert grown >= tallest * 1.25  # room for the 'recommended' label above the bars
    chart.update(data(requests_per_s=2.0))  # back below 40 % of it: it shrinks
    assert chart.ax.get_ylim()[1] < grown


def test_memory_limit_follows_the_device_not_the_rate():
    _fig, chart = build(MemoryChart)
    chart.update(data())
    ylim = chart.ax.get_ylim()
    for rate in (0.5, 1.0, 4.0, 8.0):
        assert chart.update(data(requests_per_s=rate)) in (False, PARTIAL)
        assert chart.ax.get_ylim() == ylim


def test_traffic_token_range_is_sticky_and_the_bins_span_it():
    _fig, chart = build(TrafficChart)
    chart.update(data())
    xlim = chart.axes[1].get_xlim()
    for mean in (578.0, 607.0, 523.0):
        chart.update(data(output_mean=mean))
        assert chart.axes[1].get_xlim() == xlim
        edges = chart.panels[1].steps[0].get_data().edges
        assert edges[0] == 0.0
        assert edges[-1] == pytest.approx(xlim[1])  # the bins cover the whole axis
    chart.update(data(output_mean=3000.0))
    assert chart.axes[1].get_xlim()[1] > xlim[1]


def test_break_even_range_follows_the_rate_only_out_of_its_middle_band():
    _fig, chart = build(BreakEvenChart)
    chart.update(data())  # 2 req/s: centred on it
    assert chart.ax.get_xlim() == pytest.approx((rate_range(2.0)[0], rate_range(2.0)[-1]))
    ylim = chart.ax.get_ylim()
    for rate in (2.5, 4.0, 8.0, 0.5):
        assert chart.update(data(requests_per_s=rate)) == PARTIAL  # within 2 / √20 … 2 × √20
        assert chart.ax.get_xlim() == pytest.approx((0.1, 40.0))
        assert chart.ax.get_ylim() == ylim
        assert chart.current_line.get_xdata()[0] == rate
    assert 2.0 * MIDDLE < 10.0
    assert chart.update(data(requests_per_s=10.0)) is True  # out of the band: recentred
    assert chart.ax.get_xlim() == pytest.approx((0.5, 200.0))


def test_break_even_subtitle_gives_the_costs_at_the_exact_rate():
    _fig, chart = build(BreakEvenChart)
    chart.update(data())
    chart.update(data(requests_per_s=2.5))  # not on the (kept) grid of rates
    est = data(requests_per_s=2.5).estimate
    best_full = est.best(full_precision=True)
    assert best_full is not None
    assert f"At 2.5 req/s: full precision ${best_full['monthly_usd']:,.0f}/mo" in chart.subtitle.text


# ---------------------------------------------------------------------------- export


def _png_pixels(fig: Figure) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, facecolor=fig.get_facecolor())
    buf.seek(0)
    return imread(buf)


@pytest.mark.parametrize("cls", LIVE_CHARTS)
def test_export_draws_the_dynamic_artists(cls):
    """A chart on a plain Figure (as export builds it) is not animated and saves every artist."""
    fig, chart = build(cls)
    chart.update(data())
    assert not any(a.get_animated() for a in fig.findobj())
    with_dynamic = _png_pixels(fig)
    for artist in chart.dynamic_artists():
        artist.set_visible(False)
    without = _png_pixels(fig)
    assert with_dynamic.shape == without.shape
    assert np.any(with_dynamic != without)  # the dynamic artists were in the export


def test_export_keeps_the_bars():
    """The cost chart exported after the same update shows the recommended bar's colour at its centre."""
    fig, chart = build(CostChart)
    d = data()
    chart.update(d)
    rec = d.decision.recommendation
    bar = chart.bar(rec.instance, rec.precision)
    img = _png_pixels(fig)  # savefig runs the layout: read the bar's place after it
    box = bar.get_window_extent()
    x, y = int(box.x0 + box.width / 2), int(img.shape[0] - (box.y0 + box.height / 2))
    colour = np.asarray(bar.get_facecolor()[:3])
    assert np.allclose(img[y, x, :3], colour, atol=0.02)


def test_resize_event_alone_refreshes_fonts_and_reports_a_full_redraw():
    fig, chart = build(CostChart)
    chart.update(data())
    fig.set_size_inches(4.0, 2.25)
    fig.canvas.callbacks.process("resize_event", ResizeEvent("resize_event", fig.canvas))
    fig.set_size_inches(8.0, 4.5)
    assert chart.update(data()) is True


@pytest.mark.parametrize("cls", CHARTS)
def test_a_new_theme_rebuilds_the_chart_on_the_same_figure(cls):
    """The window switches themes by clearing the figure and building the chart again: no warning, same output."""
    from lmi_explorer.gui.charts.theme import DARK

    fig, chart = build(cls)
    chart.update(data())
    fig.canvas.draw()
    fig.clear()
    again = cls(fig, DARK)
    assert again.update(data()) is True
    fig.canvas.draw()
    assert fig.get_facecolor()[:3] != (1.0, 1.0, 1.0)
