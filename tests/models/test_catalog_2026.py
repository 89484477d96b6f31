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


def test_deepseek_r1_latent_attention_kv():
    from lmi_explorer.models.estimate.memory import kv_bytes_per_token_device

    m = load_catalog().get("deepseek-ai/DeepSeek-R1")
    # (kv_lora_rank 512 + qk_rope_head_dim 64) × 61 layers × 2 bytes, currency-2026 §1.8
    assert kv_bytes_per_token(m) == 576 * 61 * 2 == 70_272
    assert kv_bytes_per_token(m, 1.0) == 35_136  # fp8 KV
    for tp in (1, 2, 4, 8):  # every tensor-parallel rank holds the whole latent
        assert kv_bytes_per_token_device(m, tp, 2.0, "tensor") == 70_272
    assert kv_bytes_per_token_device(m, 4, 2.0, "pipeline") == 70_272 / 4
    # plain attention would have counted 2 × 61 × 128 heads × 56 per token: far more
    assert 2 * 61 * 128 * 56 * 2 / 70_272 > 10
    assert m.params / 1e9 == pytest.approx(671, rel=0.02)
    assert m.active_params / 1e9 == pytest.approx(37, rel=0.02)


def test_deepseek_r1_is_served_on_eight_gpus(make_scenario):
    dec = evaluate(make_scenario(model_id="deepseek-ai/DeepSeek-R1", platform="ec2"))
    r = dec.recommendation
    assert r.backend == "vllm" and r.tensor_parallel == 8


def test_a_custom_mla_model_round_trips_and_plain_files_do_not_change(tmp_path, make_scenario):
    from dataclasses import replace

    from lmi_explorer.models.scenario import dumps, load, save

    r1 = replace(load_catalog().get("deepseek-ai/DeepSeek-R1"), custom=True, model_id="custom")
    s = make_scenario(custom_model=r1, model_id=None)
    path = tmp_path / "mla.json"
    save(s, path)
    text = path.read_text()
    assert '"kv_lora_rank": 512' in text and '"qk_rope_head_dim": 64' in text
    back = load(path)
    assert back.model().kv_lora_rank == 512 and kv_bytes_per_token(back.model()) == 70_272
    plain = make_scenario(custom_model=replace(load_catalog().get("Qwen/Qwen3-8B"), custom=True), model_id=None)
    assert "kv_lora_rank" not in dumps(plain)
