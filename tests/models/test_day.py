"""A day's load with autoscaling: shapes, start-up time, and one simulated week against a fixed fleet."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmi_explorer.models import files
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.mix import day
from lmi_explorer.models.mix.day import (
    Autoscaling,
    DayProfile,
    load_day_profiles,
    plan_week,
    startup_seconds,
)

MINUTES = 168 * 60


def step_week() -> np.ndarray:
    """Factor 2 for the first 84 hours of the week, 0 for the last 84 (averages 1)."""
    return np.array([2.0] * 84 + [0.0] * 84)


def reference_week(rate_factors, mean_rps, capacity_rps, auto: Autoscaling, startup_s: float):
    """Instance by instance, minute by minute: a slow but obvious simulation to check the fast one against.

    Two weeks are run and the second is kept, so the fleet enters the week as it left it.
    """
    x = (np.arange(MINUTES) + 0.5) / 60
    rate = np.interp(x, np.arange(168) + 0.5, np.asarray(rate_factors) * mean_rps, period=168)
    per = capacity_rps * auto.target_utilisation
    ceiling = auto.max_instances or 10**9
    ready: list[float] = []  # the time (s) each live instance starts serving, oldest first
    billed = np.zeros(MINUTES)
    serving = np.zeros(MINUTES)
    for step in range(2 * MINUTES):
        m = step % MINUTES
        want = int(np.ceil(rate[m] / per - 1e-9))
        want = min(max(want, auto.floor), ceiling)
        if step == 0:
            ready = [-1e18] * want
        while len(ready) < want:
            ready.append(60.0 * step + startup_s)
        del ready[want:]  # the newest go first
        if step >= MINUTES:
            billed[m] = len(ready)
            serving[m] = sum(min(max((60.0 * step + 60 - r) / 60, 0.0), 1.0) for r in ready)
    late = np.maximum(rate - serving * capacity_rps, 0).sum()
    return billed, serving, (late / rate.sum() if rate.sum() else 0.0)


# -- shapes -------------------------------------------------------------------------------------------


def test_shipped_profiles_average_one_and_rank_by_peak():
    profiles = load_day_profiles()
    assert set(profiles) == {"business_hours", "follow_the_sun", "flat", "nightly_batch"}
    for profile in profiles.values():
        week = profile.week_factors()
        assert week.shape == (168,)
        assert week.mean() == pytest.approx(1.0, abs=1e-12)
    assert profiles["flat"].peak_to_average == pytest.approx(1.0)
    # three regions' business days overlap: a lower peak over the average than one time zone
    assert 1.0 < profiles["follow_the_sun"].peak_to_average < profiles["business_hours"].peak_to_average
    assert profiles["business_hours"].label == "Business hours"
    assert profiles["nightly_batch"].source.startswith("constructed")
    assert "08:00-18:00" in profiles["business_hours"].description


def test_week_is_five_weekdays_then_two_weekend_days():
    p = DayProfile("x", "X", (3.0,) * 24, (1.0,) * 24)
    week = p.week_factors()
    # (5 x 3 + 2 x 1) / 7 = 17/7 average, so weekdays are 3 x 7/17 and weekends 7/17
    assert week[: 5 * 24].tolist() == pytest.approx([21 / 17] * 120)
    assert week[120:].tolist() == pytest.approx([7 / 17] * 48)
    assert p.peak_to_average == pytest.approx(21 / 17)


def test_profile_refuses_wrong_length_and_all_zero():
    with pytest.raises(ValueError, match="24 hourly"):
        DayProfile("x", "X", (1.0,) * 23, (1.0,) * 24)
    with pytest.raises(ValueError, match="zero"):
        DayProfile("x", "X", (0.0,) * 24, (0.0,) * 24)


@pytest.mark.parametrize("relpath", ["traffic/day_profiles.csv", "backends/startup.csv"])
def test_every_row_cites_a_source_and_date(relpath):
    with (files.data_root() / relpath).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        assert row["source"].strip(), row
        assert row["as_of"].strip(), row


def test_profile_missing_its_weekend_is_named(tmp_path, monkeypatch):
    (tmp_path / "traffic").mkdir()
    header = "profile,day_kind,label,description," + ",".join(day.HOURS) + ",source,as_of\n"
    row = "solo,weekday,Solo,," + ",".join(["1"] * 24) + ",me,2026\n"
    (tmp_path / "traffic" / "day_profiles.csv").write_text(header + row, encoding="utf-8")
    monkeypatch.setattr(files, "data_root", lambda: tmp_path)
    load_day_profiles.cache_clear()
    try:
        with pytest.raises(DataError, match="'solo' needs a weekday and a weekend row"):
            load_day_profiles()
    finally:
        load_day_profiles.cache_clear()


# -- start-up -----------------------------------------------------------------------------------------


def test_startup_text_shows_the_working():
    t = startup_seconds(13.0, 7.0, "trtllm")
    # 181 s provisioning; 13 GiB / 0.2 GiB/s = 65 s; 7 B x 6 s/B = 42 s; 288 s = 4.8 min
    assert (t.provisioning_s, t.load_s, t.compile_s, t.total_s) == pytest.approx((181, 65, 42, 288))
    assert t.text == (
        "181 s provisioning + 13.0 GiB at 0.2 GiB/s = 65 s load"
        " + 7.0 B params × 6 s/B = 42 s TensorRT-LLM compile = 288 s (4.8 min)"
    )


def test_startup_without_compile_and_with_neuron():
    plain = startup_seconds(13.0, 7.0, None)
    assert plain.compile_s == 0 and plain.total_s == pytest.approx(246)
    assert "compile" not in plain.text
    # Llama-2 70B on Neuron: 70 B x 60 s/B = 4,200 s, the tutorial's "approximately 70 minutes"
    assert startup_seconds(0.0, 70.0, "neuron").compile_s == pytest.approx(4200)
    # the streaming loader: 128 GiB at 6.4 GiB/s = 20 s
    assert startup_seconds(128.0, 70.0, None, streaming_loader=True).load_s == pytest.approx(20)
    with pytest.raises(ValueError, match="Unknown compiled engine"):
        startup_seconds(1.0, 1.0, "onnx")


# -- the week -----------------------------------------------------------------------------------------


def test_flat_load_costs_the_same_autoscaled_and_fixed():
    # 3 req/s, 1 req/s per instance at 50 % target -> ceil(3 / 0.5) = 6 instances all week
    plan = plan_week(3.0, np.ones(168), 1.0, 2.0, Autoscaling(target_utilisation=0.5), startup_s=600)
    assert plan.fixed_instances == 6
    assert plan.fixed_monthly_usd == pytest.approx(6 * 2.0 * 730)  # $8,760
    assert plan.autoscaled_monthly_usd == pytest.approx(plan.fixed_monthly_usd)
    assert plan.saving_usd == pytest.approx(0)
    assert plan.late_share == 0
    assert plan.hourly_billed.tolist() == [6.0] * 168
    assert plan.hourly_rps.tolist() == pytest.approx([3.0] * 168)


def test_step_profile_by_hand():
    # 2 req/s for 84 h, then none; one instance serves 1 req/s at 100 % target; $1/h, 168 h a month.
    # The rate ramps over the hour between hour midpoints: going down, 30 minutes still want 2 instances
    # and 30 want 1; going up (Sunday night into Monday), 30 want 1 and 30 want 2. So 83 h at 2, 83 h at 1
    # (the minimum) and two ramp hours at 1.5: 166 + 83 + 3 = 252 instance-hours; fixed: 2 x 168 = 336.
    auto = Autoscaling(target_utilisation=1.0)
    plan = plan_week(1.0, step_week(), 1.0, 1.0, auto, startup_s=0, hours_per_month=168)
    assert plan.instance_hours_week == pytest.approx(252)
    assert plan.autoscaled_monthly_usd == pytest.approx(252)
    assert (plan.fixed_instances, plan.fixed_monthly_usd) == (2, pytest.approx(336))
    assert plan.saving_usd == pytest.approx(84)
    assert plan.hourly_billed.tolist() == [2.0] * 84 + [1.0] * 84
    assert plan.late_share == 0
    assert plan.peak_rps == 2.0
    # A 10-minute start-up: the second instance is ordered at ramp minute 30 but serves from minute 40.
    # In minutes 30-39 the rate is (k + 0.5)/30 req/s against 1 req/s served: (0.5 + ... + 9.5)/30 = 50/30
    # req/s-minutes late, i.e. 100 requests of the week's 604,800.
    slow = plan_week(1.0, step_week(), 1.0, 1.0, auto, startup_s=600, hours_per_month=168)
    assert slow.late_share == pytest.approx(100 / 604_800)
    assert slow.autoscaled_monthly_usd == pytest.approx(252)  # billed from the order, so no cheaper
    assert slow.hourly_serving[0] == pytest.approx(2 - 10 / 60)  # Monday 00:00-01:00: 10 minutes one short


def test_disabled_autoscaling_is_the_fixed_fleet():
    week = load_day_profiles()["business_hours"].week_factors()
    plan = plan_week(10.0, week, 1.0, 5.0, Autoscaling(enabled=False), startup_s=3600)
    assert plan.autoscaled_monthly_usd == pytest.approx(plan.fixed_monthly_usd)
    assert plan.late_share == 0
    assert plan.hourly_billed.tolist() == [float(plan.fixed_instances)] * 168


def test_scale_to_zero_saves_on_a_nightly_batch():
    week = load_day_profiles()["nightly_batch"].week_factors()
    kept = plan_week(2.0, week, 1.0, 5.0, Autoscaling(), startup_s=300)
    zero = plan_week(2.0, week, 1.0, 5.0, Autoscaling(scale_to_zero=True), startup_s=300)
    assert zero.autoscaled_monthly_usd < kept.autoscaled_monthly_usd < kept.fixed_monthly_usd
    assert zero.hourly_billed.min() == 0 and kept.hourly_billed.min() == 1
    # waking from zero, the first requests of the night wait for the first instance
    assert zero.late_share > kept.late_share


def test_a_maximum_caps_the_bill_and_makes_requests_late():
    week = load_day_profiles()["business_hours"].week_factors()
    free = plan_week(10.0, week, 1.0, 5.0, Autoscaling(), startup_s=0)
    capped = plan_week(10.0, week, 1.0, 5.0, Autoscaling(max_instances=20), startup_s=0)
    assert free.late_share == 0 and capped.late_share > 0
    assert capped.autoscaled_monthly_usd < free.autoscaled_monthly_usd
    assert capped.hourly_billed.max() == 20
    assert "requests arrive beyond the serving capacity" in capped.text


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="168 hourly factors"):
        plan_week(1.0, np.ones(24), 1.0, 1.0, Autoscaling(), 0)
    with pytest.raises(ValueError, match="capacity"):
        plan_week(1.0, np.ones(168), 0.0, 1.0, Autoscaling(), 0)
    with pytest.raises(ValueError, match="below the minimum"):
        Autoscaling(min_instances=3, max_instances=2)
    with pytest.raises(ValueError, match="utilisation"):
        Autoscaling(target_utilisation=0)


factor_weeks = st.lists(st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.0, 3.5]), min_size=168, max_size=168).filter(
    lambda f: sum(f) > 0
)
settings_ = st.builds(
    Autoscaling,
    min_instances=st.integers(0, 3),
    max_instances=st.sampled_from([0, 0, 4, 8]),
    target_utilisation=st.sampled_from([0.5, 0.7, 1.0]),
    scale_to_zero=st.booleans(),
).filter(lambda a: not a.max_instances or a.max_instances >= a.floor)


@settings(max_examples=8, deadline=None)
@given(factor_weeks, settings_, st.floats(0, 3000), st.sampled_from([1.0, 2.5]))
def test_matches_an_instance_by_instance_simulation(factors, auto, startup_s, mean_rps):
    plan = plan_week(mean_rps, np.array(factors), 1.0, 1.0, auto, startup_s)
    billed, serving, late = reference_week(factors, mean_rps, 1.0, auto, startup_s)
    assert plan.hourly_billed.tolist() == pytest.approx(billed.reshape(168, 60).mean(axis=1).tolist())
    assert plan.hourly_serving.tolist() == pytest.approx(serving.reshape(168, 60).mean(axis=1).tolist())
    assert plan.late_share == pytest.approx(late, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(factor_weeks, settings_, st.floats(0, 7200), st.floats(0, 7200))
def test_a_slower_startup_never_serves_fewer_requests_late(factors, auto, a, b):
    quick, slow = sorted((a, b))
    week = np.array(factors)
    late_quick = plan_week(2.0, week, 1.0, 1.0, auto, quick).late_share
    late_slow = plan_week(2.0, week, 1.0, 1.0, auto, slow).late_share
    assert late_slow >= late_quick - 1e-12


@settings(max_examples=40, deadline=None)
@given(factor_weeks, st.integers(0, 167), st.floats(1.0, 5.0), settings_)
def test_a_higher_peak_never_lowers_the_fixed_cost(factors, hour, raise_by, auto):
    week = np.array(factors)
    busier = week.copy()
    busier[int(np.argmax(week))] *= raise_by
    busier[hour] = max(busier[hour], week[hour])
    base = plan_week(3.0, week, 1.0, 4.0, auto, 0)
    peakier = plan_week(3.0, busier, 1.0, 4.0, auto, 0)
    assert peakier.fixed_monthly_usd >= base.fixed_monthly_usd
    assert peakier.peak_rps >= base.peak_rps
    # autoscaling never bills more than the peak-sized fleet
    assert base.autoscaled_monthly_usd <= base.fixed_monthly_usd + 1e-9
