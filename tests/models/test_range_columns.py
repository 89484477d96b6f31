"""Likely ranges of the load-test and break-even figures: low ≤ figure ≤ high, and the spread by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.breakeven import breakeven_curves
from lmi_explorer.models.estimate.loadtest import (
    LOADTEST_COLUMNS,
    at_concurrency,
    concurrency_sweep,
    representative_options,
)
from lmi_explorer.models.estimate.precisions import full_precision
from lmi_explorer.models.estimate.ranges import spread_for
from lmi_explorer.models.reference.hardware import load_hardware

OPTION = {"instance": "g5.12xlarge", "backend": "vllm", "precision": "bf16", "tensor_parallel": 4}
RANGES = ("tpot_ms", "ttft_s")


def test_at_concurrency_keeps_its_columns_and_adds_the_ranges(make_scenario):
    frame = at_concurrency(make_scenario(), 16)
    assert list(frame.columns) == LOADTEST_COLUMNS
    assert LOADTEST_COLUMNS[:12] == [
        "backend",
        "instance",
        "precision",
        "tensor_parallel",
        "concurrency",
        "batch",
        "max_concurrency",
        "tpot_ms",
        "ttft_s",
        "e2e_latency_s",
        "output_tokens_per_s",
        "requests_per_s",
    ]
    for name in RANGES:
        assert (frame[f"{name}_low"] <= frame[name]).all()
        assert (frame[name] <= frame[f"{name}_high"]).all()


def test_at_concurrency_range_is_the_spread_applied_by_hand(make_scenario):
    row = at_concurrency(make_scenario(), 16, **OPTION).iloc[0]
    acc = load_hardware().instances["g5.12xlarge"].accelerator
    for name, metric in (("tpot_ms", "tpot_ms"), ("ttft_s", "ttft_ms")):
        sp = spread_for("vllm", acc, metric)
        # measured = estimate × exp(−error): the q90 error gives the low end
        assert row[f"{name}_low"] == pytest.approx(row[name] * math.exp(-sp.q90))
        assert row[f"{name}_high"] == pytest.approx(row[name] * math.exp(-sp.q10))


def test_sweep_ranges_enclose_the_curves_and_match_at_concurrency(make_scenario):
    s = make_scenario()
    sweeps = concurrency_sweep(s, representative_options(estimate(s)))
    assert sweeps
    for w in sweeps:
        for name in RANGES:
            low, mid, high = (getattr(w, f"{name}{k}") for k in ("_low", "", "_high"))
            assert low.shape == mid.shape == high.shape == w.concurrency.shape
            assert np.all(low <= mid)
            assert np.all(mid <= high)
    w = sweeps[0]
    i = int(np.nonzero(w.concurrency == 16)[0][0])
    row = at_concurrency(
        s, 16, instance=w.instance, backend=w.backend, precision=w.precision, tensor_parallel=w.tensor_parallel
    ).iloc[0]
    for name in RANGES:
        assert getattr(w, f"{name}_low")[i] == pytest.approx(row[f"{name}_low"])
        assert getattr(w, f"{name}_high")[i] == pytest.approx(row[f"{name}_high"])


def test_breakeven_ranges_bracket_the_curves(make_scenario):
    est = estimate(make_scenario())
    c = breakeven_curves(est, np.geomspace(0.1, 40, 25))
    assert list(c.columns)[:3] == ["rate", "full_usd", "quantized_usd"]
    for kind in ("full", "quantized"):
        low, mid, high = (c[f"{kind}_usd{k}"].to_numpy(dtype=float) for k in ("_low", "", "_high"))
        known = np.isfinite(mid)
        assert known.any()
        assert np.all(low[known] <= mid[known] * (1 + 1e-12))
        assert np.all(mid[known] <= high[known] * (1 + 1e-12))


def test_breakeven_range_is_each_options_cost_ratio_by_hand(make_scenario):
    """The full-precision band: the cheapest of every option's cost at the rate × its own monthly_usd_low/high
    ratio, worked out here from the options table."""
    est = estimate(make_scenario(instance_families=("g5",)))
    o = est.options
    full = full_precision(est.model)
    ok = o[(o["precision"] == full) & o["fits"] & o["monthly_usd"].notna()]
    assert len(ok) > 1
    rate = 3.0
    d = est.scenario.deployment
    peak = rate * est.scenario.traffic.peak_to_average
    reps = np.ceil(peak / (ok["requests_per_s_per_replica"] * d.target_utilisation))
    inst = np.maximum(d.min_instances, np.ceil(reps / np.maximum(ok["replicas_per_instance"], 1)))
    monthly = inst * ok["hourly_usd"] * d.hours_per_month
    want_low = (monthly * ok["monthly_usd_low"] / ok["monthly_usd"]).min()
    want_high = (monthly * ok["monthly_usd_high"] / ok["monthly_usd"]).min()
    got = breakeven_curves(est, np.array([rate])).iloc[0]
    assert got["full_usd"] == pytest.approx(monthly.min())
    assert got["full_usd_low"] == pytest.approx(want_low)
    assert got["full_usd_high"] == pytest.approx(want_high)
