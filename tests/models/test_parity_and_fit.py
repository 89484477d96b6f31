"""Estimate versus measured, and the efficiency fit: hand-checked rows, reasons, bounds, recovery."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lmi_explorer.models.calibration.fit import fit_measurements
from lmi_explorer.models.calibration.measurements import Measurement
from lmi_explorer.models.calibration.parity import BANDS, FIXED_LENGTH_CV, compare, summarise
from lmi_explorer.models.calibration.user import Calibration, FittedEfficiency
from lmi_explorer.models.estimate.loadtest import at_concurrency
from lmi_explorer.models.reference.backends import load_backends

RUN = Measurement(
    label="run c=16",
    model="meta-llama/Llama-3.1-8B",
    instance="g6e.2xlarge",
    backend="vllm",
    precision="bf16",
    tensor_parallel=1,
    concurrency=16,
    input_tokens=1000.0,
    output_tokens=200.0,
    ttft_s=0.16,
    tpot_ms=41.0,
    output_tokens_per_s=385.1,
)


def test_rows_match_the_load_test_what_if(make_scenario):
    s = make_scenario()
    frame = compare([RUN], s)
    assert list(frame["metric"]) == ["ttft_s", "tpot_ms", "output_tokens_per_s"]
    # the same question asked by hand: the measurement's model, lengths (fixed-length spread) and option
    by_hand = s.with_changes(
        model_id="meta-llama/Llama-3.1-8B",
        input_mean=1000,
        output_mean=200,
        input_cv=FIXED_LENGTH_CV,
        output_cv=FIXED_LENGTH_CV,
        instance_families=("g6e",),
        precisions=("bf16",),
        tensor_parallel=1,
    )
    row = at_concurrency(by_hand, 16, instance="g6e.2xlarge", backend="vllm").iloc[0]
    for _, r in frame.iterrows():
        assert r["estimated"] == pytest.approx(row[r["metric"]], rel=1e-12)
        assert r["error"] == pytest.approx(r["estimated"] / r["measured"] - 1, rel=1e-12)
        assert r["reason"] == "" and r["note"] == ""
    assert set(frame["accelerator"]) == {"l40s"}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"instance": None}, "instance not given"),
        ({"instance": "x9.huge"}, "instance 'x9.huge' is not in the hardware table"),
        ({"backend": None}, "backend not given"),
        ({"backend": "warp"}, "backend 'warp' is unknown"),
        ({"model": "meta-llama/Llama-3.1-70B", "instance": "g5.xlarge"}, "Weights need 131.4 GiB per device"),
        ({"tensor_parallel": 3}, "deployment.tensor_parallel: 3 does not divide"),
    ],
)
def test_no_estimate_gives_a_reason_not_a_zero(make_scenario, changes, reason):
    frame = compare([replace(RUN, **changes)], make_scenario())
    assert len(frame) == 3
    assert frame["estimated"].isna().all() and frame["error"].isna().all()
    assert frame["reason"].str.contains(reason, regex=False).all()


def test_missing_facts_are_assumed_and_said(make_scenario):
    m = replace(RUN, model=None, precision=None, tensor_parallel=None, input_tokens=None, instance="g5.12xlarge")
    frame = compare([m], make_scenario(model_id="meta-llama/Llama-3.1-8B"))
    note = frame["note"].iloc[0]
    assert "the load test did not record its model; the scenario's meta-llama/Llama-3.1-8B used" in note
    assert "precision not given; bf16 assumed" in note
    assert "prompt length not in the file; the scenario's 550 tokens used" in note
    assert "TP not given; TP 4 assumed" in note
    assert (frame["tensor_parallel"] == 4).all()


def test_summary_median_max_and_bands():
    frame = pd.DataFrame({"error": [0.10, -0.20, 0.40, math.nan, -0.05]})
    s = summarise(frame)
    assert (s.compared, s.not_estimated) == (4, 1)
    assert s.median_abs_error == pytest.approx(0.15)
    assert s.max_abs_error == pytest.approx(0.40)
    assert (s.within_inner_band, s.within_outer_band) == (2, 3)
    assert BANDS == (0.15, 0.35)


# --------------------------------------------------------------------------- fit

TRUE = FittedEfficiency("vllm", "l40s", eta_bw=0.62, eta_f=0.38, step_overhead_ms=6.0)


def synthetic(make_scenario, truth: FittedEfficiency, runs: list[tuple[int, float, float, int]], instance: str):
    """Measurements the estimator would produce with ``truth`` (lengths and TP vary)."""
    base = make_scenario(calibration=Calibration("truth", (RUN,), (truth,)))
    out = []
    for n, inp, outp, tp in runs:
        m = replace(
            RUN,
            label=f"c={n} {inp:g}/{outp:g} tp{tp}",
            concurrency=n,
            input_tokens=inp,
            output_tokens=outp,
            tensor_parallel=tp,
            instance=instance,
        )
        row = compare([m], base).set_index("metric")["estimated"]
        out.append(
            replace(m, ttft_s=row["ttft_s"], tpot_ms=row["tpot_ms"], output_tokens_per_s=row["output_tokens_per_s"])
        )
    return out


def test_fit_recovers_known_factors_and_reduces_the_error(make_scenario):
    runs = [(1, 200, 200, 1), (8, 2000, 200, 1), (32, 1000, 300, 1), (64, 4000, 100, 1), (16, 500, 500, 1)]
    measured = synthetic(make_scenario, TRUE, runs, "g6e.2xlarge")
    report = fit_measurements(measured, make_scenario())
    (f,) = report.calibration.factors
    assert (f.backend, f.accelerator, f.points, f.eta_link) == ("vllm", "l40s", 15, None)
    assert f.eta_bw == pytest.approx(TRUE.eta_bw, rel=0.08)
    assert f.eta_f == pytest.approx(TRUE.eta_f, rel=0.08)
    assert f.step_overhead_ms == pytest.approx(TRUE.step_overhead_ms, abs=1.0)
    assert report.median_error_after < 0.02 < report.median_error_before
    assert f.median_error_after == pytest.approx(report.median_error_after, abs=1e-4)
    # the calibrated scenario reproduces the fit's "after" figures through the real what-if path
    after = compare(measured, make_scenario(calibration=report.calibration))
    assert np.allclose(after["estimated"], report.points["after"], rtol=1e-9)


def test_fit_learns_the_link_only_when_tp_varies(make_scenario):
    # the KV reads keep the shipped share of η_bw when the runs' contexts cannot tell them apart: so does the truth
    shipped = load_backends().efficiency_for("vllm", "a10g")
    kv = round(0.7 * shipped.kv_efficiency / shipped.eta_bw, 3)
    truth = FittedEfficiency("vllm", "a10g", eta_bw=0.7, eta_f=0.45, step_overhead_ms=5.0, eta_link=0.35, eta_kv=kv)
    runs = [(8, 1000, 200, 1), (8, 1000, 200, 2), (8, 1000, 200, 4), (32, 2000, 200, 4), (1, 500, 200, 2)]
    measured = [
        replace(m, model="meta-llama/Llama-3.1-8B") for m in synthetic(make_scenario, truth, runs, "g5.12xlarge")
    ]
    (f,) = fit_measurements(measured, make_scenario()).calibration.factors
    assert f.eta_link is not None and f.eta_link == pytest.approx(0.35, rel=0.25)
    same_tp = [m for m in measured if m.tensor_parallel == 4]
    (g,) = fit_measurements(same_tp, make_scenario()).calibration.factors
    assert g.eta_link is None


def test_fit_stays_within_bounds_when_asked_for_the_impossible(make_scenario):
    fast = replace(RUN, ttft_s=0.001, tpot_ms=0.5, output_tokens_per_s=50_000.0)  # far beyond the roofline
    slow = replace(RUN, label="slow", ttft_s=90.0, tpot_ms=5000.0, output_tokens_per_s=0.5)
    for m in (fast, slow):
        (f,) = fit_measurements([m], make_scenario()).calibration.factors
        assert 0.05 <= f.eta_bw <= 1.0 and 0.05 <= f.eta_f <= 1.0
        assert 0.0 <= f.step_overhead_ms <= 50.0
    (f,) = fit_measurements([fast], make_scenario()).calibration.factors
    assert (f.eta_bw, f.step_overhead_ms) == (1.0, 0.0)


def test_unplaceable_measurements_are_listed_not_fitted(make_scenario):
    report = fit_measurements([replace(RUN, instance=None), RUN], make_scenario())
    assert list(report.not_fitted["label"]) == ["run c=16"]
    assert "instance not given" in report.not_fitted["reason"].iloc[0]
    assert len(report.calibration.measurements) == 2 and len(report.calibration.factors) == 1


def test_runs_at_one_length_and_several_client_counts_fit_the_kv_reads(make_scenario):
    # the KV read of a step grows with the clients while the weights' does not: three runs at one length
    # tell η_kv from η_bw, and the fit lowers the error instead of keeping the shipped share of η_bw
    truth = FittedEfficiency("vllm", "l40s", eta_bw=0.8, eta_f=0.35, step_overhead_ms=3.0, eta_kv=0.7)
    runs = [(1, 550, 550, 1), (8, 550, 550, 1), (16, 550, 550, 1)]
    measured = synthetic(make_scenario, truth, runs, "g6e.xlarge")
    report = fit_measurements(measured, make_scenario())
    (f,) = report.calibration.factors
    # (at one length the per-sequence cost and the KV reads both grow with the clients: what the fit must
    # get right is the figures, not how it splits them)
    assert f.eta_kv is not None
    assert report.median_error_after < 0.02 < 0.1 < report.median_error_before
