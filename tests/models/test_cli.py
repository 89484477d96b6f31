"""The command line as scripts use it: JSON keys, exit codes, one-line errors."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd

from lmi_explorer.models.cli import main
from lmi_explorer.models.scenario import save


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_estimate_json_has_the_documented_keys(make_scenario, tmp_path):
    path = tmp_path / "s.json"
    save(make_scenario(), path)
    code, out, _ = run("estimate", str(path), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc["recommendation"]) >= {
        "backend",
        "instance",
        "precision",
        "tensor_parallel",
        "instances",
        "monthly_usd",
    }
    assert doc["decision_path"][0] == "start"
    opt = doc["options"][0]
    assert set(opt) >= {
        "backend",
        "instance",
        "precision",
        "tensor_parallel",
        "fits",
        "reason",
        "weights_gib",
        "kv_bytes_per_token",
        "kv_capacity_tokens",
        "max_concurrency",
        "ttft_s",
        "tpot_ms",
        "requests_per_s_per_replica",
        "instances",
        "monthly_usd",
        "usd_per_million_tokens",
    }
    assert set(doc["best_by_precision"]) <= {"bf16", "fp8", "int8", "awq", "gptq"}
    assert doc["recommendation"]["monthly_usd"] > 0


def test_estimate_table_and_csv(make_scenario, tmp_path):
    path = tmp_path / "s.json"
    save(make_scenario(), path)
    code, out, _ = run("estimate", str(path))
    assert code == 0
    assert "Recommendation:" in out
    assert "Best option per precision" in out
    code, out, _ = run("estimate", str(path), "--format", "csv")
    frame = pd.read_csv(io.StringIO(out))
    assert {"backend", "instance", "monthly_usd"} <= set(frame.columns)
    assert not frame["reason"].dropna().str.startswith(("=", "+", "-", "@")).any()


def test_bad_input_is_one_line_and_exit_2(make_scenario, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "traffic": {"requests_per_s": -2}}')
    for args in (
        ("estimate", str(bad)),
        ("estimate", str(tmp_path / "missing.json")),
        ("estimate", "--format", "xml"),
        ("catalog", "gpus"),
    ):
        code, _out, err = run(*args)
        assert code == 2, args
        assert err.count("\n") == 1, err
        assert err.startswith("lmi-explorer: "), err
        assert "Traceback" not in err
    code, _, err = run("estimate", str(bad))
    assert "traffic.requests_per_s: -2 is out of range" in err


def test_catalog_lists(capsys):
    code, out, _ = run("catalog", "models", "--format", "json")
    assert code == 0
    assert len(json.loads(out)) >= 29
    code, out, _ = run("catalog", "instances")
    assert "p4d.24xlarge" in out
    code, out, _ = run("catalog", "backends", "--format", "csv")
    frame = pd.read_csv(io.StringIO(out))
    t5 = frame[frame["architecture"] == "T5ForConditionalGeneration"].iloc[0]
    assert pd.isna(t5["vllm"])  # no vLLM registry lists T5
    assert t5["lmi-dist"] == "v9–v14"
    llama = frame[frame["architecture"] == "LlamaForCausalLM"].iloc[0]
    assert llama["vllm"] == "v9+"
    code, out, _ = run("catalog", "releases", "--format", "json")
    releases = json.loads(out)
    assert releases[0]["lmi"] == "v29" and releases[0]["image"] == "djl-inference:0.38.0-lmi29.0.0-cu130"
    code, out, _ = run("catalog", "architectures", "--release", "15", "--format", "csv")
    listed = pd.read_csv(io.StringIO(out)).set_index("architecture")
    assert listed.loc["Qwen3ForCausalLM", "first_lmi"] == "v15"
    code, _, err = run("catalog", "architectures", "--release", "99")
    assert code == 2 and "unknown LMI release" in err


def test_every_subcommand_is_a_known_command_name():
    """The window's start-up tells commands from files by models.commands: every subcommand is there."""
    from lmi_explorer.models.cli import build_parser
    from lmi_explorer.models.commands import COMMANDS

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(sub.choices) <= set(COMMANDS)
