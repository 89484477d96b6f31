"""What-if at a fixed concurrency, as a load generator reports it."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import numpy as np
import pytest

from lmi_explorer.models.cli import main
from lmi_explorer.models.estimate.loadtest import at_concurrency
from lmi_explorer.models.scenario import save


def test_keys_and_filters(make_scenario):
    frame = at_concurrency(
        make_scenario(), 16, instance="g5.12xlarge", backend="vllm", precision="bf16", tensor_parallel=4
    )
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["concurrency"] == 16
    assert row["batch"] == 16
    for key in ("tpot_ms", "ttft_s", "e2e_latency_s", "output_tokens_per_s", "requests_per_s"):
        assert row[key] > 0
    # a closed loop obeys Little's law within the model's approximations
    assert row["requests_per_s"] * row["e2e_latency_s"] == pytest.approx(16, rel=0.15)


def test_more_clients_more_throughput_slower_tokens(make_scenario):
    s = make_scenario()
    kw = {"instance": "g5.12xlarge", "backend": "vllm", "precision": "bf16", "tensor_parallel": 4}
    rows = [at_concurrency(s, n, **kw).iloc[0] for n in (1, 4, 16, 32)]
    tput = [r["output_tokens_per_s"] for r in rows]
    tpot = [r["tpot_ms"] for r in rows]
    assert np.all(np.diff(tput) > 0)
    assert np.all(np.diff(tpot) > 0)


def test_beyond_memory_requests_queue(make_scenario):
    row = at_concurrency(make_scenario(), 512, instance="g5.xlarge", backend="vllm", precision="awq").iloc[0]
    assert row["batch"] == row["max_concurrency"] < 512
    assert row["ttft_s"] > 10  # waiting for a free slot dominates


def test_command_line_json(make_scenario, tmp_path):
    path = tmp_path / "s.json"
    save(make_scenario(), path)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["estimate", str(path), "--concurrency", "8", "--backend", "vllm", "--format", "json"]) == 0
    doc = json.loads(out.getvalue())
    assert doc["concurrency"] == 8
    assert {"concurrency", "tpot_ms", "ttft_s", "e2e_latency_s", "output_tokens_per_s", "requests_per_s"} <= set(
        doc["options"][0]
    )
    assert {o["backend"] for o in doc["options"]} == {"vllm"}


def test_sweep_matches_single_points_and_marks_the_memory_limit(make_scenario):
    from lmi_explorer.models.estimate.loadtest import SWEEP_CONCURRENCY, concurrency_sweep

    s = make_scenario()
    opts = [("vllm", "g5.12xlarge", "bf16", 4), ("vllm", "g5.xlarge", "awq", 1), ("vllm", "nope.xlarge", "bf16", 1)]
    sweeps = concurrency_sweep(s, opts)
    assert [(w.instance, w.precision) for w in sweeps] == [("g5.12xlarge", "bf16"), ("g5.xlarge", "awq")]
    assert list(sweeps[0].concurrency) == list(SWEEP_CONCURRENCY) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    for w, opt in zip(sweeps, opts, strict=False):
        kw = dict(zip(("backend", "instance", "precision", "tensor_parallel"), opt, strict=True))
        for k in (0, 4, 9):
            row = at_concurrency(s, int(w.concurrency[k]), **kw).iloc[0]
            assert w.tpot_ms[k] == pytest.approx(row["tpot_ms"])
            assert w.ttft_s[k] == pytest.approx(row["ttft_s"])
            assert w.output_tokens_per_s[k] == pytest.approx(row["output_tokens_per_s"])
        assert w.max_concurrency == at_concurrency(s, 1, **kw).iloc[0]["max_concurrency"]
    # past the memory limit throughput stays flat and TTFT grows with the queue
    small = sweeps[1]
    beyond = small.concurrency > small.max_concurrency
    assert beyond.any()
    assert np.all(np.diff(small.ttft_s[beyond]) > 0)
    assert np.ptp(small.output_tokens_per_s[beyond]) == pytest.approx(0, abs=1e-9)
