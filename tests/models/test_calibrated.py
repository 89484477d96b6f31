"""Calibration inside the scenario: schema 3, migration from 2, round trip, bounds, estimate and cache."""

from __future__ import annotations

import json

import pytest

from lmi_explorer.models.calibration.measurements import Measurement
from lmi_explorer.models.calibration.user import Calibration, FittedEfficiency, without_factors
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.loadtest import at_concurrency
from lmi_explorer.models.estimate.options import option_grid
from lmi_explorer.models.scenario import SCHEMA_VERSION, dumps, loads, to_dict

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
    source="run.json (vLLM bench serve)",
)
FIT = FittedEfficiency(
    "vllm",
    "l40s",
    eta_bw=0.6,
    eta_f=0.4,
    step_overhead_ms=4.0,
    eta_link=None,
    points=3,
    median_error_before=0.12,
    median_error_after=0.03,
)
CAL = Calibration(name="run.json", measurements=(RUN,), factors=(FIT,))


def test_schema_is_4_and_version_2_files_migrate(make_scenario):
    assert SCHEMA_VERSION == 4
    doc = to_dict(make_scenario())
    doc["schema_version"] = 2
    for key in ("calibration", "traffic_name", "other_classes", "load"):
        del doc[key]
    s = loads(json.dumps(doc))
    assert s.calibration is None
    assert json.loads(dumps(s))["schema_version"] == 4


def test_version_1_still_loads_and_newer_is_refused(make_scenario):
    doc = to_dict(make_scenario())
    for key in ("calibration", "price_list", "traffic_name", "other_classes", "load"):
        del doc[key]
    doc["schema_version"] = 1
    assert loads(json.dumps(doc)).calibration is None
    doc["schema_version"] = 5
    with pytest.raises(DataError, match="version 5, newer than this app understands"):
        loads(json.dumps(doc))


def test_calibration_round_trips(make_scenario):
    s = make_scenario(calibration=CAL)
    back = loads(dumps(s))
    assert back.calibration == CAL
    assert back == s
    assert json.loads(dumps(s))["calibration"]["factors"][0]["step_overhead_ms"] == 4.0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("eta_bw", 1.2, r"calibration.factors\[0\].eta_bw: 1.2 is out of range; it must be above 0 and at most 1"),
        ("eta_f", 0, r"calibration.factors\[0\].eta_f: 0 is out of range"),
        ("step_overhead_ms", 60, r"calibration.factors\[0\].step_overhead_ms: 60 is out of range"),
        ("step_overhead_ms", -1, r"step_overhead_ms: -1 is out of range; it must be at least 0"),
        ("eta_link", 1.5, r"calibration.factors\[0\].eta_link: 1.5 is out of range"),
        ("backend", "warp-drive", r"calibration.factors\[0\].backend: 'warp-drive' is unknown"),
        ("accelerator", "abacus", r"calibration.factors\[0\].accelerator: 'abacus' is unknown"),
    ],
)
def test_bad_factors_are_named(make_scenario, field, value, message):
    doc = to_dict(make_scenario(calibration=CAL))
    doc["calibration"]["factors"][0][field] = value
    with pytest.raises(DataError, match=message):
        loads(json.dumps(doc))


def test_bad_measurement_in_file_is_named(make_scenario):
    doc = to_dict(make_scenario(calibration=CAL))
    doc["calibration"]["measurements"][0]["concurrency"] = 0
    with pytest.raises(DataError, match=r"calibration.measurements\[0\]: 'concurrency' must be a whole number"):
        loads(json.dumps(doc))
    doc["calibration"]["measurements"][0] = {"label": "x", "concurrency": 2, "ttft_s": None}
    with pytest.raises(DataError, match=r"calibration.measurements\[0\]: no metric measured"):
        loads(json.dumps(doc))


def test_fitted_factors_drive_the_estimate_and_reset_restores_it(make_scenario):
    base = make_scenario(model_id="meta-llama/Llama-3.1-8B", precisions=("bf16",), instance_families=("g6e",))
    shipped = at_concurrency(base, 16, instance="g6e.2xlarge", backend="vllm")
    fitted = at_concurrency(base.with_changes(calibration=CAL), 16, instance="g6e.2xlarge", backend="vllm")
    reset = at_concurrency(
        base.with_changes(calibration=without_factors(CAL)), 16, instance="g6e.2xlarge", backend="vllm"
    )
    assert fitted["tpot_ms"].iloc[0] != pytest.approx(shipped["tpot_ms"].iloc[0])
    assert reset["tpot_ms"].iloc[0] == pytest.approx(shipped["tpot_ms"].iloc[0])
    # other backends keep the shipped factors
    other = estimate(base.with_changes(calibration=CAL)).options
    plain = estimate(base).options
    keep = other["backend"] != "vllm"
    assert other[keep]["tpot_ms"].equals(plain[keep]["tpot_ms"])


def test_rate_change_with_a_calibration_reuses_the_grid(make_scenario):
    s = make_scenario(calibration=CAL)
    estimate(s)
    before = option_grid.cache_info()
    estimate(s.with_changes(requests_per_s=7.0))
    after = option_grid.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 1
