"""Traffic chart: length distributions, the compiled bounds and the share of requests beyond them."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lmi_explorer.gui.charts.base import PARTIAL
from lmi_explorer.gui.charts.theme import LIGHT
from lmi_explorer.gui.charts.traffic_chart import BINS, TrafficChart
from tests.charts.chart_data import NOFIT, data


def build(size=(8, 4.5)) -> TrafficChart:
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return TrafficChart(fig, LIGHT)


def test_bound_and_mean_lines_sit_at_the_traffic_numbers():
    chart = build()
    d = data()
    chart.update(d)
    ts = d.estimate.traffic
    inp, out = chart.panels
    assert inp.bound_lines[0].get_xdata()[0] == ts.bound_input
    assert out.bound_lines[0].get_xdata()[0] == ts.bound_output
    assert inp.mean_lines[0].get_xdata()[0] == pytest.approx(ts.mean_input)
    assert out.mean_lines[0].get_xdata()[0] == pytest.approx(ts.mean_output)
    assert inp.bound_labels[0].get_text() == "p99 bound 1,408 tokens"
    assert chart.title_artist.get_text() == "Request lengths — 2.0 % of requests exceed the compiled bounds"


def test_histograms_are_the_log_normal_shares():
    chart = build()
    d = data()
    chart.update(d)
    ts = d.estimate.traffic
    for panel, dist, bound in zip(
        chart.panels, [ts.shape.input, ts.shape.output], [ts.bound_input, ts.bound_output], strict=True
    ):
        stairs = panel.steps[0].get_data()
        values, edges = stairs.values, stairs.edges
        assert len(values) == BINS
        assert edges[-1] >= max(dist.quantile(0.999), bound)
        assert np.asarray(values) == pytest.approx(dist.density(np.asarray(edges)))
        assert float(np.sum(values)) == pytest.approx(dist.cdf(edges[-1]), abs=1e-9)
        assert float(np.sum(values)) > 0.998
    ax = chart.axes[0]
    assert ax.get_xlabel() == "Tokens per request"
    assert ax.get_ylabel() == "Share of requests"


def test_update_resets_the_same_step_patches():
    chart = build()
    chart.update(data())
    steps = [p.steps[0] for p in chart.panels]
    bounds = [p.bound_lines[0] for p in chart.panels]
    old = np.asarray(steps[0].get_data()[0]).copy()
    assert chart.update(data(input_cv=0.9)) == PARTIAL  # the axes are dynamic on the full chart
    assert [p.steps[0] for p in chart.panels] == steps
    assert [p.bound_lines[0] for p in chart.panels] == bounds
    assert not np.allclose(np.asarray(steps[0].get_data()[0]), old)
    assert chart.update(data(input_cv=0.9)) is False


def test_traffic_is_drawn_even_when_nothing_fits():
    chart = build()
    d = data(**NOFIT)
    chart.update(d)
    assert chart.panels[0].bound_lines[0].get_xdata()[0] == d.estimate.traffic.bound_input
    assert float(np.sum(chart.panels[0].steps[0].get_data()[0])) > 0.99
