"""A measurement's model is never re-labelled: a catalog model it names is estimated on that model, the
scenario's only when the tool recorded none (and the note says so), an unknown one is refused with the way out
(import its config, or --model on the command line)."""

from __future__ import annotations

import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from lmi_explorer.models.calibration.fit import fit_measurements
from lmi_explorer.models.calibration.importers import load_measurements
from lmi_explorer.models.calibration.measurements import UNKNOWN_MODEL, resolve_model
from lmi_explorer.models.calibration.parity import compare
from lmi_explorer.models.cli import main
from lmi_explorer.models.estimate.loadtest import at_concurrency
from lmi_explorer.models.reference.config_import import import_config
from lmi_explorer.models.scenario import load, save

SCENARIO_MODEL = "meta-llama/Llama-2-13b-hf"  # the default scenario's
OTHER = "meta-llama/Llama-3.1-8B"
CONFIG = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs" / "Qwen--Qwen3-0.6B.config.json"
HEADER = (
    "model,instance,backend,precision,tp,concurrency,input_tokens,output_tokens,ttft_s,tpot_ms,"
    "output_tokens_per_s,source,as_of\n"
)
REFUSED = (
    "model 'foo/bar' is not in the catalog: import its config.json (File ▸ Import model…) "
    "or name the model this run used (--model ID)"
)


def write_csv(path: Path, *models: str) -> Path:
    rows = [f"{m},g6e.2xlarge,vllm,bf16,1,16,1000,200,0.16,41.0,385.1,bench,2026-11" for m in models]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def by_label(frame, label: str):
    return frame[frame["label"] == label]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_default_scenario_model_is_the_one_the_tests_assume(make_scenario):
    assert make_scenario().model_id == SCENARIO_MODEL


# --------------------------------------------------------------------------- resolve_model


@pytest.mark.parametrize(
    ("name", "model_id", "note"),
    [
        (OTHER, OTHER, ""),
        ("META-LLAMA/llama-3.1-8b", OTHER, ""),
        ("Llama-3.1-8B", OTHER, ""),  # without its organisation
        ("huggingface/meta-llama/Llama-3.1-8B", OTHER, ""),
        ("/models/Llama-3.1-8B", OTHER, "model '/models/Llama-3.1-8B' taken as the catalog's meta-llama/Llama-3.1-8B"),
        ("Llama-2-13b-hf", SCENARIO_MODEL, ""),
    ],
)
def test_a_catalog_model_is_found_by_its_id_or_name(make_scenario, name, model_id, note):
    choice = resolve_model(name, make_scenario())
    assert (choice.model_id, choice.label, choice.note, choice.reason) == (model_id, model_id, note, "")
    assert choice.own == (model_id == SCENARIO_MODEL)


@pytest.mark.parametrize("name", [None, "", "  "])
def test_no_model_recorded_is_the_scenarios_and_said(make_scenario, name):
    choice = resolve_model(name, make_scenario())
    assert (choice.model_id, choice.own, choice.reason) == (SCENARIO_MODEL, True, "")
    assert choice.note == f"the load test did not record its model; the scenario's {SCENARIO_MODEL} used"


def test_an_unknown_model_has_a_reason_and_no_model(make_scenario):
    choice = resolve_model("foo/bar", make_scenario())
    assert (choice.model_id, choice.label, choice.own) == (None, "foo/bar", False)
    assert choice.reason == REFUSED == UNKNOWN_MODEL.format(name="foo/bar")


@pytest.mark.parametrize("name", ["foo/bar", "bar", "BAR", "custom"])
def test_the_scenarios_custom_model_is_found_by_its_name_or_id(make_scenario, name):
    spec = import_config(CONFIG.read_text(encoding="utf-8"), "bar").spec
    s = make_scenario(custom_model=spec, model_id=None)
    choice = resolve_model(name, s)
    assert (choice.model_id, choice.label, choice.own, choice.reason) == (None, "bar", True, "")


# --------------------------------------------------------------------------- comparison and fit


def test_a_csv_row_naming_an_unknown_model_is_refused_with_that_reason(make_scenario, tmp_path):
    runs = load_measurements(write_csv(tmp_path / "runs.csv", OTHER, "foo/bar"))
    assert [m.model for m in runs] == [OTHER, "foo/bar"]  # kept as the file wrote it
    frame = compare(runs, make_scenario())
    refused = by_label(frame, "runs row 3 c=16")
    assert len(refused) == 3
    assert (refused["reason"] == REFUSED).all()
    assert refused["estimated"].isna().all() and refused["error"].isna().all()
    assert (refused["model"] == "foo/bar").all()
    assert by_label(frame, "runs row 2 c=16")["estimated"].notna().all()  # the other row is compared
    report = fit_measurements(runs, make_scenario())
    assert report.not_fitted.to_dict("records") == [{"label": "runs row 3 c=16", "reason": REFUSED}]
    assert set(report.points["label"]) == {"runs row 2 c=16"}


def test_a_row_naming_another_catalog_model_is_estimated_on_that_model(make_scenario, tmp_path):
    s = make_scenario()
    runs = load_measurements(write_csv(tmp_path / "runs.csv", OTHER, ""))
    frame = compare(runs, s)
    other, own = by_label(frame, "runs row 2 c=16"), by_label(frame, "runs row 3 c=16")
    assert (other["model"] == OTHER).all() and (own["model"] == SCENARIO_MODEL).all()
    assert (other["reason"] == "").all() and (own["reason"] == "").all()
    # the same run, the same option: only the model differs, and so does the estimate
    ratio = other["estimated"].to_numpy() / own["estimated"].to_numpy()
    assert (abs(ratio - 1) > 0.05).all(), ratio
    by_hand = at_concurrency(
        s.with_changes(
            model_id=OTHER, input_mean=1000.0, output_mean=200.0, input_cv=0.05, output_cv=0.05, precisions=("bf16",)
        ),
        16,
        instance="g6e.2xlarge",
        backend="vllm",
        precision="bf16",
        tensor_parallel=1,
    ).iloc[0]
    for metric, est in zip(other["metric"], other["estimated"], strict=True):
        assert est == pytest.approx(float(by_hand[metric]), rel=1e-9)


def test_a_row_without_a_model_uses_the_scenarios_and_says_so(make_scenario, tmp_path):
    runs = load_measurements(write_csv(tmp_path / "runs.csv", ""))
    assert runs[0].model is None
    frame = compare(runs, make_scenario())
    assert (frame["model"] == SCENARIO_MODEL).all()
    assert frame["estimated"].map(math.isfinite).all()
    assert f"the load test did not record its model; the scenario's {SCENARIO_MODEL} used" in frame["note"].iloc[0]


def test_a_row_naming_the_imported_model_is_estimated_on_it(make_scenario, tmp_path):
    spec = import_config(CONFIG.read_text(encoding="utf-8"), "bar").spec
    runs = load_measurements(write_csv(tmp_path / "runs.csv", "foo/bar"))
    frame = compare(runs, make_scenario(custom_model=spec, model_id=None))
    assert (frame["model"] == "bar").all() and (frame["reason"] == "").all()
    assert frame["estimated"].map(math.isfinite).all()


# --------------------------------------------------------------------------- the command line


def test_calibrate_refuses_unknown_models_naming_the_rows_exit_2(make_scenario, tmp_path):
    src = tmp_path / "s.json"
    save(make_scenario(), src)
    csv = write_csv(tmp_path / "runs.csv", OTHER, "foo/bar", "foo/bar")
    code, out, err = run("calibrate", str(src), "--measurements", str(csv), "--out", str(tmp_path / "c.json"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("lmi-explorer: 2 run(s) name a model that is not in the catalog")
    assert "runs row 3 c=16 ('foo/bar'), runs row 4 c=16 ('foo/bar')" in err and "row 2" not in err
    assert "--model ID" in err and "--model-config CONFIG" in err
    assert not (tmp_path / "c.json").exists()


def test_calibrate_model_names_the_model_of_rows_with_an_unknown_or_no_model(make_scenario, tmp_path):
    src, out_file = tmp_path / "s.json", tmp_path / "c.json"
    save(make_scenario(), src)
    csv = write_csv(tmp_path / "runs.csv", OTHER, "foo/bar", "")
    args = ("calibrate", str(src), "--measurements", str(csv), "--model", "Qwen/Qwen3-8B", "--out", str(out_file))
    code, out, err = run(*args, "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["not_fitted"] == []
    saved = load(out_file).calibration
    assert saved is not None
    assert [m.model for m in saved.measurements] == [OTHER, "Qwen/Qwen3-8B", "Qwen/Qwen3-8B"]
    # a model the file names is kept; the one it replaced is said in the run's note
    assert saved.measurements[1].note == "the file names model 'foo/bar'; --model Qwen/Qwen3-8B used"
    frame = compare(saved.measurements, make_scenario())
    assert list(dict.fromkeys(frame["model"])) == [OTHER, "Qwen/Qwen3-8B"]
    assert "--model Qwen/Qwen3-8B used" in by_label(frame, "runs row 3 c=16")["note"].iloc[0]


def test_calibrate_model_must_be_known_itself(make_scenario, tmp_path):
    src = tmp_path / "s.json"
    save(make_scenario(), src)
    csv = write_csv(tmp_path / "runs.csv", "foo/bar")
    code, out, err = run("calibrate", str(src), "--measurements", str(csv), "--model", "foo/baz")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("lmi-explorer: --model foo/baz: not a catalog model")


def test_calibrate_model_config_compares_rows_naming_that_model(make_scenario, tmp_path):
    src = tmp_path / "s.json"
    save(make_scenario(), src)
    folder = tmp_path / "bar"
    folder.mkdir()
    (folder / "config.json").write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    csv = write_csv(tmp_path / "runs.csv", "foo/bar")
    code, out, _ = run(
        "calibrate",
        str(src),
        "--measurements",
        str(csv),
        "--model-config",
        str(folder / "config.json"),
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["not_fitted"] == [] and {p["label"] for p in doc["points"]} == {"runs row 2 c=16"}
