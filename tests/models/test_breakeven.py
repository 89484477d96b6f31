"""Break-even curves and crossover: hand-worked numbers and agreement with the estimate."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.breakeven import breakeven_curves, crossover_rate


def tiny_estimate(options: list[dict], *, peak=1.0, util=0.8, min_instances=1, hours=730.0) -> SimpleNamespace:
    """Just what breakeven_curves reads: the options by column and the traffic/deployment numbers."""
    scenario = SimpleNamespace(
        traffic=SimpleNamespace(peak_to_average=peak),
        deployment=SimpleNamespace(target_utilisation=util, min_instances=min_instances, hours_per_month=hours),
    )
    frame = pd.DataFrame(options)
    model = SimpleNamespace(checkpoint_precision="bf16")
    return SimpleNamespace(columns={c: frame[c].to_numpy() for c in frame}, scenario=scenario, model=model)


def option(precision: str, rps: float, per_instance: int, hourly: float, fits: bool = True) -> dict:
    return {
        "precision": precision,
        "fits": fits,
        "requests_per_s_per_replica": rps,
        "replicas_per_instance": per_instance,
        "hourly_usd": hourly,
    }


def test_hand_worked_costs_at_three_rates():
    est = tiny_estimate(
        [
            option("bf16", 2.5, 4, 7.09),  # g5.12xlarge-like: 4 replicas of 2.5 req/s
            option("awq", 1.0, 1, 1.0),  # small instance, 1 replica of 1 req/s
            option("awq", 50.0, 1, 100.0, fits=False),  # does not fit: ignored
            option("int8", 9.0, 1, math.nan),  # price unknown: ignored
        ]
    )
    c = breakeven_curves(est, np.array([0.5, 10.0, 40.0]))
    assert list(c.columns)[:3] == ["rate", "full_usd", "quantized_usd"]  # the likely ranges follow
    # 0.5 req/s: one replica each -> minimum one instance
    assert c.loc[0, "full_usd"] == pytest.approx(1 * 7.09 * 730)
    assert c.loc[0, "quantized_usd"] == pytest.approx(1 * 1.0 * 730)
    # 10 req/s: bf16 ceil(10 / 2) = 5 replicas -> ceil(5 / 4) = 2 instances; awq ceil(10 / 0.8) = 13
    assert c.loc[1, "full_usd"] == pytest.approx(2 * 7.09 * 730)
    assert c.loc[1, "quantized_usd"] == pytest.approx(13 * 1.0 * 730)
    # 40 req/s: bf16 20 replicas -> 5 instances; awq 50 instances
    assert c.loc[2, "full_usd"] == pytest.approx(5 * 7.09 * 730)
    assert c.loc[2, "quantized_usd"] == pytest.approx(50 * 1.0 * 730)


def test_peak_and_minimum_instances():
    est = tiny_estimate([option("bf16", 2.5, 4, 7.09)], peak=2.0, min_instances=3)
    c = breakeven_curves(est, np.array([1.0, 10.0]))
    # peak 2 req/s -> 1 replica -> 1 instance, raised to the minimum of 3
    assert c.loc[0, "full_usd"] == pytest.approx(3 * 7.09 * 730)
    # peak 20 req/s -> 10 replicas -> 3 instances
    assert c.loc[1, "full_usd"] == pytest.approx(3 * 7.09 * 730)
    assert c["quantized_usd"].isna().all()  # no quantized option at all


def test_curves_match_the_estimate_at_the_current_rate(make_scenario):
    for s in (make_scenario(), make_scenario(requests_per_s=7.0, peak_to_average=1.5, min_instances=2)):
        est = estimate(s)
        c = breakeven_curves(est, np.array([s.traffic.requests_per_s]))
        assert c.loc[0, "full_usd"] == pytest.approx(float(est.best(full_precision=True)["monthly_usd"]))
        assert c.loc[0, "quantized_usd"] == pytest.approx(float(est.best(full_precision=False)["monthly_usd"]))


def test_costs_never_fall_as_the_rate_rises(make_scenario):
    c = breakeven_curves(estimate(make_scenario()), np.geomspace(0.1, 40, 61))
    assert (np.diff(c["full_usd"]) >= 0).all()
    assert (np.diff(c["quantized_usd"]) >= 0).all()


def curves(full: list[float], quant: list[float], rates: list[float] | None = None) -> pd.DataFrame:
    rates = rates or [float(r) for r in range(1, len(full) + 1)]
    return pd.DataFrame({"rate": rates, "full_usd": full, "quantized_usd": quant})


def test_crossover_is_the_first_rate_where_quantized_becomes_cheaper():
    assert crossover_rate(curves([10, 10, 10, 10], [12, 11, 9, 8])) == 3.0
    # a tie keeps full precision ahead: the switch is where quantized is strictly cheaper
    assert crossover_rate(curves([10, 10, 10, 10], [12, 10, 10, 9])) == 4.0
    # only the first switch counts
    assert crossover_rate(curves([10, 10, 20, 20, 30], [12, 9, 21, 19, 31])) == 2.0
    # unsorted input is read in rate order
    assert crossover_rate(curves([10, 10, 10], [9, 11, 12], rates=[3.0, 1.0, 2.0])) == 3.0


def test_no_crossover():
    assert crossover_rate(curves([10, 10, 10], [11, 12, 13])) is None  # never cheaper
    assert crossover_rate(curves([10, 20, 30], [5, 6, 7])) is None  # cheaper from the start: no switch
    assert crossover_rate(curves([10, 20, 30], [5, 20, 29])) is None  # cheaper, a tie, cheaper again
    assert crossover_rate(curves([math.nan] * 3, [1, 2, 3])) is None  # no full-precision option
    assert crossover_rate(curves([1, 2, 3], [math.nan] * 3)) is None  # no quantized option
    assert crossover_rate(curves([], [])) is None


def test_crossover_on_a_real_estimate(make_scenario):
    # LMI v15: before vLLM's weight-only FP8 path on Ampere, fp8 needs an L4/L40S and bf16 is cheaper at low rates
    s = make_scenario(precisions=("bf16", "fp8"), lmi_release=15)
    rates = np.geomspace(0.1, 40, 61)
    c = breakeven_curves(estimate(s), rates)
    x = crossover_rate(c)
    assert x is not None
    i = int(np.searchsorted(rates, x))
    assert c.loc[i, "quantized_usd"] < c.loc[i, "full_usd"]
    before = c.loc[: i - 1]
    assert (before["full_usd"] <= before["quantized_usd"]).any()  # full precision was ahead somewhere below
