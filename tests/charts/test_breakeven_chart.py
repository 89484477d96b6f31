"""Break-even chart: both cost curves around the current rate and the crossover where quantizing wins."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lmi_explorer.gui.charts.breakeven_chart import POINTS, BreakEvenChart, rate_range
from lmi_explorer.gui.charts.theme import LIGHT
from lmi_explorer.models.estimate.breakeven import breakeven_curves, crossover_rate
from tests.charts.chart_data import NOFIT, data

# LMI v15: before vLLM ran FP8 checkpoints weight-only on Ampere, so fp8 needs an L4 and bf16 leads at low rates
CROSSING = {"precisions": ("bf16", "fp8"), "lmi_release": 15}


@pytest.fixture
def chart() -> BreakEvenChart:
    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    return BreakEvenChart(fig, LIGHT)


def test_rates_span_a_twentieth_to_twenty_times_the_current_rate():
    r = rate_range(2.0)
    assert len(r) == POINTS
    assert r[0] == pytest.approx(0.1)
    assert r[-1] == pytest.approx(40.0)
    assert 2.0 in np.round(r, 12)


def test_lines_are_the_break_even_curves(chart):
    d = data()
    chart.update(d)
    rates = rate_range(2.0)
    c = breakeven_curves(d.estimate, rates)
    assert chart.full_line.get_xdata() == pytest.approx(rates)
    assert chart.full_line.get_ydata() == pytest.approx(c["full_usd"].to_numpy())
    assert chart.quantized_line.get_ydata() == pytest.approx(c["quantized_usd"].to_numpy())
    assert chart.full_line.get_drawstyle() == "steps-post"
    assert chart.current_line.get_xdata()[0] == 2.0
    assert chart.ax.get_xscale() == "log"
    assert chart.ax.get_xlim() == pytest.approx((0.1, 40.0))
    assert chart.ax.get_xlabel() == "Mean request rate (requests/s, log scale)"
    assert chart.ax.get_ylabel().startswith("Monthly cost (USD")
    # quantized is cheaper (or equal) everywhere here: no crossover, said in words
    assert chart.crossover is None
    assert not chart.crossover_marker.get_visible()
    assert "Quantized is cheaper or equal" in chart.subtitle.text
    full = d.estimate.best(full_precision=True)
    assert f"${float(full['monthly_usd']):,.0f}/mo" in chart.subtitle.text


def test_crossover_is_marked(chart):
    d = data(**CROSSING)
    chart.update(d)
    want = crossover_rate(breakeven_curves(d.estimate, rate_range(2.0)))
    assert want is not None
    assert chart.crossover == want
    assert chart.crossover_marker.get_visible()
    assert chart.crossover_marker.get_xdata()[0] == want
    assert chart.crossover_label.get_visible()
    assert f"from {want:.2g} req/s" in chart.crossover_label.get_text()
    assert "quantized becomes cheaper" in [t.get_text() for t in chart.legend.get_texts()]


def test_update_reuses_the_lines(chart):
    chart.update(data(**CROSSING))
    lines = (chart.full_line, chart.quantized_line, chart.current_line, chart.crossover_marker)
    assert chart.update(data(requests_per_s=5.0)) is True  # other precisions: no crossover, another legend
    assert (chart.full_line, chart.quantized_line, chart.current_line, chart.crossover_marker) == lines
    assert chart.current_line.get_xdata()[0] == 5.0
    # 5 req/s is within the middle band around 2 req/s (2 / √20 … 2 × √20): the range stays
    assert chart.ax.get_xlim() == pytest.approx((0.1, 40.0))
    assert not chart.crossover_marker.get_visible()
    assert "quantized becomes cheaper" not in [t.get_text() for t in chart.legend.get_texts()]
    # 20 req/s has left the band: the range recentres on it
    assert chart.update(data(requests_per_s=20.0)) is True
    assert chart.ax.get_xlim() == pytest.approx((1.0, 400.0))
    assert chart.full_line.get_xdata() == pytest.approx(rate_range(20.0))


def test_nothing_fits_shows_a_message(chart):
    chart.update(data(**NOFIT))
    assert chart.message.visible
    assert chart.message.text.startswith("Nothing fits")
    assert not chart.full_line.get_visible()
    assert not chart.quantized_line.get_visible()
    chart.update(data())
    assert not chart.message.visible
    assert chart.full_line.get_visible()
