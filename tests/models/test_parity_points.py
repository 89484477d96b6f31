"""The estimate-versus-measured view's points: shipped cases, imported runs, before and after a fit, caching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmi_explorer.models.calibration.cases import load_cases, predict
from lmi_explorer.models.calibration.fit import fit_measurements
from lmi_explorer.models.calibration.importers import load_measurements
from lmi_explorer.models.calibration.measurements import RunFacts
from lmi_explorer.models.calibration.parity import compare
from lmi_explorer.models.calibration.points import (
    accelerator_label,
    comparison_key,
    metric_points,
    parity_points,
    shipped_points,
)
from lmi_explorer.models.calibration.user import Calibration, without_factors

SAMPLES = Path(__file__).parent / "samples" / "measurements"
G6E = RunFacts(instance="g6e.2xlarge", backend="vllm", precision="bf16", tensor_parallel=1)


@pytest.fixture(scope="module")
def runs():
    return load_measurements(SAMPLES / "vllm_bench_serve.json", G6E) + load_measurements(SAMPLES / "measurements.csv")


def test_without_measurements_the_view_shows_the_shipped_published_cases(make_scenario, monkeypatch):
    import lmi_explorer.models.calibration.points as points

    monkeypatch.setattr(points, "_PUBLISHED", [])  # as in a new process: the load tests not compared yet
    points._shipped_view.cache_clear()
    p = parity_points(make_scenario())
    assert (p.origin, p.fitted, p.imported, p.pending) == ("shipped", False, False, True)
    cases = load_cases()
    assert len(p.frame) == len(cases) == 16
    # a prefill of one prompt is that prompt's time to first token, in seconds
    first = cases[0]
    assert first.metric == "prefill_ms"
    row = p.frame.iloc[0]
    assert row["metric"] == "ttft_s"
    assert row["measured"] == pytest.approx(first.measured / 1000)
    assert row["estimated"] == pytest.approx(predict(first) / 1000)
    assert "prefill of one 512-token prompt" in row["note"]
    assert set(p.frame["metric"]) <= {"ttft_s", "tpot_ms", "output_tokens_per_s"}
    assert p.frame["before"].isna().all()
    assert p.text().startswith("16 single-batch published cases: median error ")
    assert p.text().endswith("Comparing the published load tests…")
    assert shipped_points() is shipped_points()
    points._shipped_view.cache_clear()


def test_the_shipped_view_holds_every_published_load_test_once_compared(make_scenario):
    from lmi_explorer.models.calibration.published import published_parity

    p = parity_points(make_scenario(), wait_for_published=True)
    assert not p.pending and p.origin == "shipped"
    par = published_parity()
    assert len(p.frame) == len(par) + 16
    lt = p.frame[p.frame["origin"].isin(["load test", "other server"])]
    # times to first token in seconds like the rest of the view; the same errors as the parity report
    ttft = par[par["metric"] == "ttft_ms"]
    assert (lt["metric"] == "ttft_s").sum() == len(ttft)
    assert np.allclose(lt["error"].to_numpy(float), par["error"].to_numpy(float), equal_nan=True)
    shown = lt[lt["metric"] == "ttft_s"].iloc[0]
    assert shown["measured"] == pytest.approx(ttft.iloc[0]["measured"] / 1000)
    compared = int(np.isfinite(p.frame["error"].to_numpy(float)).sum())
    other = int((p.frame["origin"] == "other server").sum())
    assert other == int(par["reference"].sum()) > 0
    own = compared - int(np.isfinite(p.frame.loc[p.frame["origin"] == "other server", "error"].to_numpy(float)).sum())
    assert p.text().startswith(f"{own} published figures ({own - 16} from load tests of 2024–26 engines")
    assert "from other servers shown for reference, not counted" in p.text()
    # where a point has no estimate, the table says why
    missing = p.frame[~np.isfinite(p.frame["error"].to_numpy(float))]
    assert (missing["reason"].str.len() > 0).all()
    assert parity_points(make_scenario()) is p  # computed once per process


def test_imported_points_are_the_comparison_and_say_what_is_missing(make_scenario, runs):
    s = make_scenario(calibration=Calibration("samples", runs))
    p = parity_points(s)
    assert p.origin == "imported" and not p.fitted
    expected = compare(runs, s)
    assert list(p.frame["label"]) == list(expected["label"])
    assert np.allclose(p.frame["estimated"], expected["estimated"])
    assert len(p.frame) == 10  # 3 (vLLM) + 3 + 3 + 1 (CSV rows; the last has TPOT only)
    assert p.frame["source"].str.contains("vLLM bench serve").sum() == 3
    s_ = p.summary
    assert p.text() == (
        f"10 points: median error {s_.median_abs_error * 100:.0f} % with the shipped factors; "
        f"{s_.within_inner_band} of 10 within ±15 %, {s_.within_outer_band} within ±35 %."
    )
    assert len(metric_points(p, "tpot_ms")) == 4
    assert len(metric_points(p, "ttft_s")) == 3


def test_after_a_fit_both_estimates_are_kept_and_the_summary_says_before_and_after(make_scenario, runs):
    base = make_scenario(calibration=Calibration("samples", runs))
    report = fit_measurements(runs, base, name="samples")
    p = parity_points(base.with_changes(calibration=report.calibration))
    assert p.fitted
    assert np.allclose(p.frame["before"], compare(runs, base)["estimated"])
    assert np.allclose(p.frame["estimated"], report.points["after"])
    assert p.summary.median_abs_error == pytest.approx(report.median_error_after)
    assert p.summary_before is not None
    assert p.summary_before.median_abs_error == pytest.approx(report.median_error_before)
    before, after = round(report.median_error_before * 100), round(report.median_error_after * 100)
    assert p.text().startswith(f"10 points: median error {before} % → {after} % after the fit; ")
    # reset to the shipped factors: the same points, no "before"
    reset = parity_points(base.with_changes(calibration=without_factors(report.calibration)))
    assert not reset.fitted and reset.frame["before"].isna().all()


def test_the_comparison_is_not_repeated_for_inputs_it_does_not_read(make_scenario, runs):
    s = make_scenario(calibration=Calibration("samples", runs))
    first = parity_points(s)
    for changes in (
        {"requests_per_s": 7.0},
        {"tpot_ms": 20.0},
        {"input_cv": 0.9, "output_mean": 300.0},
        {"pricing_option": "savings_plan", "discount": 0.3},
        {"instance_families": ("g5",)},
    ):
        assert parity_points(s.with_changes(**changes)) is first, changes
    # the runs all give their lengths: the scenario's lengths do not matter; another LMI release does
    assert comparison_key(s.with_changes(input_mean=4000.0)) == comparison_key(s)
    assert comparison_key(s.with_changes(lmi_release=14)) != comparison_key(s)


def test_accelerator_labels_read_as_people_say_them():
    assert accelerator_label("a10g") == "A10G"
    assert accelerator_label("a100-40gb") == "A100 40GB"
    assert accelerator_label("inferentia2") == "Inferentia2"
    assert accelerator_label("mystery") == "mystery"
