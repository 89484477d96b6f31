"""Token-length distributions: log-normal percentiles, truncation, share beyond bounds."""

from __future__ import annotations

import math

import pytest

from lmi_explorer.models.traffic import LengthDistribution, load_presets, make_shape


def test_lognormal_median_and_percentile_hand_worked():
    d = LengthDistribution(mean=1000, cv=0.5, upper=1e12)
    sigma = math.sqrt(math.log(1.25))  # 0.472380
    mu = math.log(1000) - sigma**2 / 2  # 6.796184
    assert d.quantile(0.5) == pytest.approx(math.exp(mu), rel=1e-9)
    assert d.quantile(0.5) == pytest.approx(894.43, abs=0.01)
    assert d.quantile(0.99) == pytest.approx(math.exp(mu + 2.3263479 * sigma), rel=1e-6)
    assert d.truncated_mean == pytest.approx(1000, rel=1e-6)


def test_zero_spread_is_a_fixed_length():
    d = LengthDistribution(500, 0.0, 4096)
    assert d.quantile(0.01) == d.quantile(0.99) == 500
    assert d.share_above(499) == 1.0
    assert d.share_above(500) == 0.0


def test_truncation_to_the_context():
    d = LengthDistribution(mean=3000, cv=1.0, upper=4095)
    assert d.truncated_mean < 3000
    assert d.quantile(0.999) <= 4095
    assert d.cdf(4095) == 1.0


def test_share_beyond_bounds_is_two_percent_at_p99_bounds():
    shape = make_shape(550, 0.47, 550, 0.47, 4096)
    b_in, b_out = shape.bounds(0.99)
    share = shape.share_beyond(b_in, b_out)
    # each side exceeds its p99 bound for ~1 % of requests (ceil rounds slightly down)
    assert 0.015 < share < 0.0201
    assert shape.spread == 0.47


def test_presets_cover_the_five_use_cases_and_cite_sources():
    presets = load_presets()
    assert set(presets) == {"chatbot", "codegen", "rag", "summarisation", "extraction"}
    assert presets["summarisation"].input_mean == 1000
    assert presets["summarisation"].output_mean == 500
    assert presets["chatbot"].input_cv > 0.3 > presets["summarisation"].input_cv
    assert all(p.source for p in presets.values())
