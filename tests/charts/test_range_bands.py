"""Likely-range bands: each encloses its curve, and its vertices are the low/high columns."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lmi_explorer.gui.charts.breakeven_chart import BreakEvenChart, rate_range
from lmi_explorer.gui.charts.loadtest_chart import LoadTestChart
from lmi_explorer.gui.charts.theme import LIGHT
from lmi_explorer.models.estimate.breakeven import breakeven_curves
from tests.charts.chart_data import data


def build(cls):
    fig = Figure(figsize=(10, 5))
    FigureCanvasAgg(fig)
    return cls(fig, LIGHT)


def band_edges(band, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lowest, highest) y of the band's vertices at each x."""
    verts = np.concatenate([p.vertices for p in band.get_paths()])
    lo = np.array([verts[np.isclose(verts[:, 0], v), 1].min() for v in x])
    hi = np.array([verts[np.isclose(verts[:, 0], v), 1].max() for v in x])
    return lo, hi


def test_load_test_bands_are_the_sweeps_low_and_high_and_enclose_each_line():
    chart = build(LoadTestChart)
    chart.update(data())
    assert chart.sweeps
    for i, w in enumerate(chart.sweeps):
        x = w.concurrency.astype(float)
        tpot_band, ttft_band = chart.bands[i]
        assert tpot_band.get_visible()
        assert ttft_band.get_visible()
        for band, line, low, high in (
            (tpot_band, chart.lines[i][0], w.tpot_ms_low, w.tpot_ms_high),
            (ttft_band, chart.lines[i][1], w.ttft_s_low, w.ttft_s_high),
        ):
            lo, hi = band_edges(band, x)
            assert lo == pytest.approx(low)
            assert hi == pytest.approx(high)
            y = np.asarray(line.get_ydata(), dtype=float)
            assert np.all(lo <= y)
            assert np.all(y <= hi)
    for tpot_band, ttft_band in chart.bands[len(chart.sweeps) :]:  # unused slots stay hidden
        assert not tpot_band.get_visible()
        assert not ttft_band.get_visible()


def test_load_test_bands_are_made_once_and_are_dynamic():
    chart = build(LoadTestChart)
    chart.update(data())
    first = [b for pair in chart.bands for b in pair]
    chart.update(data(requests_per_s=3.0))
    assert [b for pair in chart.bands for b in pair] == first  # the same artists, new vertices
    dynamic = chart.dynamic_artists()
    assert all(any(b is a for a in dynamic) for b in first)
    assert all(b.axes is not None for b in first)


def test_break_even_bands_are_the_curves_low_and_high_and_enclose_each_line():
    chart = build(BreakEvenChart)
    d = data()
    chart.update(d)
    rates = rate_range(float(d.estimate.scenario.traffic.requests_per_s))
    c = breakeven_curves(d.estimate, rates)
    for kind, band, line in (
        ("full", chart.full_band, chart.full_line),
        ("quantized", chart.quantized_band, chart.quantized_line),
    ):
        low = c[f"{kind}_usd_low"].to_numpy(dtype=float)
        high = c[f"{kind}_usd_high"].to_numpy(dtype=float)
        known = np.isfinite(low) & np.isfinite(high)
        assert known.any()
        # stepped ("post"): the band holds each rate's value from that rate up to the next one
        verts = np.concatenate([p.vertices for p in band.get_paths()])
        for r, lo_r, hi_r in zip(rates[known][:-1], low[known][:-1], high[known][:-1], strict=True):
            at = verts[np.isclose(verts[:, 0], r), 1]
            assert at.size
            assert np.isclose(at, lo_r).any()
            assert np.isclose(at, hi_r).any()
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.all(low[known] <= y[known] * (1 + 1e-12))
        assert np.all(y[known] <= high[known] * (1 + 1e-12))
    dynamic = chart.dynamic_artists()
    assert any(a is chart.full_band for a in dynamic)
    assert any(a is chart.quantized_band for a in dynamic)


def test_nothing_fits_hides_the_bands():
    from tests.charts.chart_data import NOFIT

    be = build(BreakEvenChart)
    be.update(data(**NOFIT))
    assert not be.full_band.get_visible()
    assert not be.quantized_band.get_visible()
    lt = build(LoadTestChart)
    lt.update(data(**NOFIT))
    assert not any(b.get_visible() for pair in lt.bands for b in pair)
