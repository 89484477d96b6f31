"""Traffic classes: one shared endpoint against one per class, and the scenario's week."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.files import data_root
from lmi_explorer.models.mix.classes import compare_split, shared_instances
from lmi_explorer.models.mix.week import scenario_week
from lmi_explorer.models.scenario import default_scenario, dumps, load, loads, to_dict
from lmi_explorer.models.scenario.mixture import Load, TrafficClass
from lmi_explorer.models.scenario.model import Traffic

DAY = np.array(([2.0] * 12 + [0.0] * 12) * 7)  # 2 req/s for 12 hours, then nothing
NIGHT = np.array(([0.0] * 12 + [2.0] * 12) * 7)


def test_shared_instances_by_hand():
    # A: 2 req/s, 1 req/s per replica; B: 1 req/s, 0.5 per replica -> 2/1 + 1/0.5 = 4 replicas of load;
    # at 80 % utilisation ceil(4 / 0.8) = 5 replicas, one per instance
    hourly = np.array([np.full(168, 2.0), np.full(168, 1.0)])
    capacity = np.array([[1.0], [0.5]])
    inst, load = shared_instances(hourly, capacity, np.array([1]), 0.8, 1)
    assert inst.tolist() == [5] and load[0, 0] == pytest.approx(4.0)
    # two replicas per instance: ceil(5 / 2) = 3 instances; an option that cannot serve B: -1
    inst, _ = shared_instances(hourly, np.array([[1.0, 1.0], [0.5, 0.0]]), np.array([2, 1]), 0.8, 1)
    assert inst.tolist() == [3, -1]


def test_day_and_night_classes_share_one_fleet_by_hand():
    # by day only A, by night only B: the shared fleet holds 2 replicas of load at once, ceil(2 / 0.8) = 3;
    # apart each needs ceil(2 / 0.8) = 3, so 6 in all: sharing halves the fleet
    inst, _ = shared_instances(np.array([DAY, NIGHT]), np.array([[1.0], [1.0]]), np.array([1]), 0.8, 1)
    assert inst.tolist() == [3]
    apart = [shared_instances(np.array([r]), np.array([[1.0]]), np.array([1]), 0.8, 1)[0][0] for r in (DAY, NIGHT)]
    assert apart == [3, 3]


def test_strict_shared_targets_make_separate_endpoints_cheaper_by_hand():
    # each class alone at its own targets: 1 req/s at 2 req/s per replica -> 0.5 replica of load,
    # ceil(0.5 / 0.8) = 1 instance each, 2 in all. Shared, both held to the stricter targets where a
    # replica serves only 0.5 req/s of either: 1/0.5 + 1/0.5 = 4 replicas of load, ceil(4 / 0.8) = 5
    one = np.full(168, 1.0)
    apart = sum(shared_instances(np.array([one]), np.array([[2.0]]), np.array([1]), 0.8, 1)[0][0] for _ in range(2))
    shared = shared_instances(np.array([one, one]), np.array([[0.5], [0.5]]), np.array([1]), 0.8, 1)[0][0]
    assert (apart, shared) == (2, 5)  # at the same price per instance, separate is 3 instances cheaper


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.01, 50), min_size=1, max_size=4),
    st.lists(st.floats(0.05, 20), min_size=1, max_size=4),
    st.floats(0.01, 50),
    st.floats(0.05, 20),
)
def test_adding_a_class_never_lowers_the_shared_fleet(rates, caps, new_rate, new_cap):
    k = min(len(rates), len(caps))
    hourly = np.array([np.full(168, r) for r in rates[:k]])
    cap = np.array([[c] for c in caps[:k]])
    before = shared_instances(hourly, cap, np.array([1]), 0.8, 1)[0][0]
    after = shared_instances(
        np.vstack([hourly, np.full(168, new_rate)]), np.vstack([cap, [[new_cap]]]), np.array([1]), 0.8, 1
    )[0][0]
    assert after >= before


def _two_classes(**main):
    return default_scenario().with_changes(traffic_name="Chat", **main)


def test_separate_endpoints_win_when_one_class_has_far_stricter_targets():
    # a small class needing 20 ms/token beside a big batch class happy at 200 ms/token: sharing holds
    # the big class to 20 ms/token too, which costs far more than two endpoints
    batch = Traffic(
        input_mean=1000,
        input_cv=0.1,
        output_mean=500,
        output_cv=0.1,
        requests_per_s=8.0,
        ttft_s=30.0,
        tpot_ms=200.0,
        preset="summarisation",
    )
    s = _two_classes(requests_per_s=0.2, tpot_ms=20.0).with_changes(other_classes=(TrafficClass("Batch", batch),))
    split = compare_split(s)
    assert split is not None
    assert split.choice == "separate"
    assert split.separate_usd < split.shared.monthly_usd
    assert split.saving_usd == pytest.approx(split.shared.monthly_usd - split.separate_usd)
    assert "one endpoint per class (2)" in split.summary


def test_the_shared_endpoint_wins_when_the_classes_take_turns():
    s = load(data_root() / "scenarios" / "mixed.json")
    split = compare_split(s)
    assert split.choice == "shared"
    assert split.shared_usd < split.separate_usd
    week = scenario_week(s, estimate(s), split)
    assert week is not None and len(week.endpoints) == 1
    assert week.monthly_usd == pytest.approx(split.shared_usd)
    assert week.autoscaled_monthly_usd < week.fixed_monthly_usd


def test_one_class_has_no_comparison_and_files_round_trip():
    assert compare_split(default_scenario()) is None
    s = load(data_root() / "scenarios" / "mixed.json")
    assert loads(dumps(s)) == s
    assert [c.name for c in s.classes()] == ["Support chatbot", "Nightly summarisation"]
    assert s.classes()[1].day_profile == "nightly_batch"


def test_old_files_open_as_one_class_with_the_peak_all_month():
    doc = to_dict(default_scenario())
    for key in ("traffic_name", "other_classes", "load"):
        del doc[key]
    doc["schema_version"] = 3
    s = loads(json.dumps(doc))
    assert s == default_scenario()
    assert len(s.classes()) == 1 and s.load == Load()
    assert scenario_week(s, estimate(s)) is None


def test_flat_profile_costs_the_same_autoscaled_and_fixed():
    s = default_scenario().with_changes(load=Load("flat", autoscaling=True))
    week = scenario_week(s, estimate(s))
    assert week is not None
    assert week.autoscaled_monthly_usd == pytest.approx(week.fixed_monthly_usd)
    assert week.late_share == 0


def test_bad_classes_are_refused_with_the_field():
    t = Traffic()
    with pytest.raises(DataError, match=r"other_classes\[1\].name: 'a' is used twice"):
        default_scenario().with_changes(other_classes=(TrafficClass("A", t), TrafficClass("a", t)))
    with pytest.raises(DataError, match=r"other_classes\[0\].traffic.tpot_ms"):
        default_scenario().with_changes(other_classes=(TrafficClass("A", Traffic(tpot_ms=-1)),))
    with pytest.raises(DataError, match=r"load\.day_profile: 'lunch' is unknown"):
        default_scenario().with_changes(load=Load("lunch"))
    with pytest.raises(DataError, match=r"load\.max_instances: 1 is below the minimum instances"):
        default_scenario().with_changes(min_instances=2, load=Load("flat", True, max_instances=1))
    doc = to_dict(default_scenario())
    doc["other_classes"] = [{"name": "x", "traffic": {"requests_per_s": "many"}}]
    with pytest.raises(DataError, match=r"other_classes\[0\].traffic.requests_per_s: expected a number"):
        loads(json.dumps(doc))


@settings(max_examples=8, deadline=None)
@given(st.floats(1.0, 4.0))
def test_a_higher_peak_never_lowers_the_mix_cost(factor):
    s = load(data_root() / "scenarios" / "mixed.json").with_changes(load=Load())
    base = compare_split(s).monthly_usd
    higher = compare_split(s.with_changes(peak_to_average=s.traffic.peak_to_average * factor)).monthly_usd
    assert higher >= base - 1e-6


def _cli(args):
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from lmi_explorer.models.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def test_cli_json_adds_classes_split_and_day_keeping_the_old_keys():
    path = str(data_root() / "scenarios" / "mixed.json")
    code, out, _ = _cli(["estimate", path, "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    assert {"recommendation", "options", "best_by_precision"} <= set(doc)
    assert [c["name"] for c in doc["classes"]] == ["Support chatbot", "Nightly summarisation"]
    assert doc["split"]["choice"] == "shared" and doc["split"]["saving_usd"] > 0
    assert doc["day"]["autoscaled_monthly_usd"] < doc["day"]["fixed_monthly_usd"]
    _, plain, _ = _cli(["estimate", "--format", "json"])
    assert "split" not in json.loads(plain) and "day" not in json.loads(plain)


def test_cli_csv_tables_and_sensitivity():
    path = str(data_root() / "scenarios" / "mixed.json")
    code, out, _ = _cli(["estimate", path, "--format", "csv", "--table", "day"])
    assert code == 0 and len(out.strip().splitlines()) == 169  # header + 168 hours
    code, out, _ = _cli(["estimate", path, "--format", "csv", "--table", "classes"])
    assert out.splitlines()[0].startswith("class,") and len(out.strip().splitlines()) == 3
    code, _, err = _cli(["estimate", "--format", "csv", "--table", "day"])
    assert code == 2 and "needs a day profile" in err
    code, out, _ = _cli(["estimate", "--format", "json", "--sensitivity"])
    bars = json.loads(out)["sensitivity"]["bars"]
    assert len(bars) == 7 and bars[0]["swing_usd"] >= bars[-1]["swing_usd"]


def test_a_drawn_shape_is_validated_and_priced():
    wd = tuple([1.0] * 8 + [4.0] * 10 + [1.0] * 6)
    s = default_scenario().with_changes(load=Load("custom", True, weekday=wd, weekend=(1.0,) * 24))
    week = scenario_week(s, estimate(s))
    assert week is not None and week.autoscaled_monthly_usd <= week.fixed_monthly_usd
    with pytest.raises(DataError, match=r"load\.weekday: a drawn day shape needs 24 hourly factors"):
        default_scenario().with_changes(load=Load("custom", weekday=(1.0,) * 3, weekend=(1.0,) * 24))
    with pytest.raises(DataError, match=r"every hour of the drawn shape is zero"):
        default_scenario().with_changes(load=Load("custom", weekday=(0.0,) * 24, weekend=(0.0,) * 24))
    doc = to_dict(s)
    doc["load"]["weekday"] = ["a"] * 24
    with pytest.raises(DataError, match=r"load\.weekday: expected a list of 24 hourly factors"):
        loads(json.dumps(doc))


def test_the_assumptions_list_the_mix_shapes_and_start_up_with_sources():
    from lmi_explorer.models.assumptions import assumptions
    from lmi_explorer.models.decision import evaluate

    s = load(data_root() / "scenarios" / "mixed.json")
    est = estimate(s)
    rows = assumptions(est, evaluate(s, est), s)
    items = {(a.topic, a.item): a for a in rows}
    assert ("Traffic mix", "Shared endpoint") in items
    assert items[("Day", "Shape: Nightly batch")].source.startswith("constructed")
    assert items[("Day", "Start-up: provisioning_s")].value.startswith("181 s")
    assert "as of 2026-06-16" in items[("Day", "Start-up: provisioning_s")].source
    assert not any(a.topic == "Day" for a in assumptions(estimate(default_scenario()), evaluate(default_scenario())))
