"""2026 catalog rows with plain (GQA) attention: their config facts, KV size and release support."""

from __future__ import annotations

import pytest

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate.memory import kv_bytes_per_token
from lmi_explorer.models.reference.backends import SupportLevel, load_backends
from lmi_explorer.models.reference.catalog import load_catalog


@pytest.mark.parametrize(
    ("model_id", "kv_bytes", "total_b", "active_b"),
    [
        # KV bytes per token at bf16, currency-2026 §1.8: layers × KV heads × head_dim × 4
        ("Qwen/Qwen3-8B", 36 * 8 * 128 * 4, 8.2, 8.2),
        ("Qwen/Qwen3-32B", 64 * 8 * 128 * 4, 32.8, 32.8),
        ("Qwen/Qwen3-30B-A3B", 48 * 4 * 128 * 4, 30.5, 3.3),
        ("Qwen/Qwen3-235B-A22B", 94 * 4 * 128 * 4, 235.0, 22.0),
        ("Qwen/Qwen3-Coder-480B-A35B-Instruct", 62 * 8 * 128 * 4, 480.0, 35.0),
        ("meta-llama/Llama-3.3-70B-Instruct", 80 * 8 * 128 * 4, 70.6, 70.6),
    ],
)
def test_config_facts_and_kv(model_id, kv_bytes, total_b, active_b):
    m = load_catalog().get(model_id)
    assert kv_bytes_per_token(m) == kv_bytes
    # published parameter counts (model cards), within 2 %
    assert m.params / 1e9 == pytest.approx(total_b, rel=0.02)
    assert m.active_params / 1e9 == pytest.approx(active_b, rel=0.02)


def test_qwen3_needs_lmi_v15():
    bk = load_backends()
    m = load_catalog().get("Qwen/Qwen3-32B")
    assert bk.support_for("vllm", m, 14).reason.endswith("Qwen3 needs LMI v15 or later (vLLM 0.8.4).")
    assert bk.support_for("vllm", m, 29).level == SupportLevel.SUPPORTED


def test_qwen3_moe_is_served_on_the_newest_release(make_scenario):
    dec = evaluate(make_scenario(model_id="Qwen/Qwen3-30B-A3B"))
    assert dec.recommendation.backend == "vllm"  # TensorRT-LLM's documented list has no qwen3_moe
    assert dec.recommendation.instance is not None
