"""`lmi-explorer calibrate`: estimate vs measured before and after the fit, and the saved scenario."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from lmi_explorer.models.cli import main
from lmi_explorer.models.scenario import load, save

SAMPLES = Path(__file__).parent / "samples" / "measurements"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_calibrate_prints_before_after_and_saves(make_scenario, tmp_path):
    src = tmp_path / "s.json"
    save(make_scenario(model_id="meta-llama/Llama-3.1-8B"), src)
    out_file = tmp_path / "calibrated.json"
    code, out, err = run(
        "calibrate",
        str(src),
        "--measurements",
        str(SAMPLES / "vllm_bench_serve.json"),
        "--instance",
        "ml.g6e.2xlarge",
        "--backend",
        "vllm",
        "--precision",
        "bf16",
        "--out",
        str(out_file),
    )
    assert (code, err) == (0, "")
    assert "vllm_bench_serve c=16" in out and "Median |error|" in out and "vllm on l40s: η_bw" in out
    saved = load(out_file)
    assert saved.calibration is not None and len(saved.calibration.measurements) == 1
    assert [(f.backend, f.accelerator) for f in saved.calibration.factors] == [("vllm", "l40s")]


def test_calibrate_json_lists_what_could_not_be_compared(make_scenario, tmp_path):
    src = tmp_path / "s.json"
    save(make_scenario(), src)
    # the file's tokenizer (TheBloke/Llama-2-13B-fp16) is no catalog model: --model names the model run
    awscurl = str(SAMPLES / "awscurl_result.json")
    code, out, _ = run(
        "calibrate", str(src), "--measurements", awscurl, "--model", "meta-llama/Llama-2-13b-hf", "--format", "json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["factors"] == [] and doc["saved"] is None
    assert doc["not_fitted"][0]["reason"].startswith("instance not given")


def test_calibrate_bad_file_is_one_line_and_exit_2(make_scenario, tmp_path):
    src = tmp_path / "s.json"
    save(make_scenario(), src)
    bad = tmp_path / "bad.json"
    bad.write_text('{"completed": 0, "mean_ttft_ms": 1}')
    code, out, err = run("calibrate", str(src), "--measurements", str(bad))
    assert (code, out) == (2, "")
    assert (
        err == "lmi-explorer: bad.json: field 'completed' is 0; no request finished, so there is nothing to compare.\n"
    )
