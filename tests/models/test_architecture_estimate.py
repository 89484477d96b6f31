"""The estimate follows the architecture: latent attention, windowed layers, linear-attention state, MoE.

Hand-worked values use the published config.json files in tests/fixtures/hf_configs/ (copies of the
publishers' files, see its README) and, for Gemma 3 27B, the published values written out below.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.memory import BLOCK_TOKENS, kv_layout, valid_tensor_parallel, weight_bytes
from lmi_explorer.models.estimate.pipeline import memory_and_physics, scenario_grid
from lmi_explorer.models.estimate.precisions import full_precision, offered, upcast_reason
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.catalog import ModelSpec, canonical_config
from lmi_explorer.models.reference.hf_config import parse_config
from lmi_explorer.models.scenario.examples import default_scenario

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"

#: google/gemma-3-27b-it text_config as published (currency-2026 §1.1 / §1.4: 62 layers, 5 sliding : 1 global,
#: window 1024, 32 heads / 16 KV heads × 128; the vLLM hybrid-KV doc: "52 sliding window layers and 10 full")
GEMMA3_27B = {
    "architectures": ["Gemma3ForConditionalGeneration"],
    "model_type": "gemma3",
    "text_config": {
        "model_type": "gemma3_text",
        "num_hidden_layers": 62,
        "hidden_size": 5376,
        "intermediate_size": 21504,
        "num_attention_heads": 32,
        "num_key_value_heads": 16,
        "head_dim": 128,
        "vocab_size": 262208,
        "max_position_embeddings": 131072,
        "sliding_window": 1024,
        "sliding_window_pattern": 6,
    },
    "torch_dtype": "bfloat16",
}


def spec_of(config: dict, name: str, precision: str = "bf16") -> ModelSpec:
    parsed = parse_config(config, name=name)
    return replace(
        parsed.to_model_spec(model_id=name), config_json=canonical_config(config), checkpoint_precision=precision
    )


def fixture(name: str, precision: str = "bf16") -> ModelSpec:
    return spec_of(json.loads((FIXTURES / f"{name}.config.json").read_text()), name, precision)


GPT_OSS = fixture("openai--gpt-oss-120b", "mxfp4")
DEEPSEEK = fixture("deepseek-ai--DeepSeek-V3", "fp8")
QWEN35 = fixture("Qwen--Qwen3.5-35B-A3B")
MAVERICK = fixture("meta-llama--Llama-4-Maverick-17B-128E-Instruct")
GEMMA3 = spec_of(GEMMA3_27B, "gemma-3-27b-it")


@pytest.mark.parametrize("tp", [1, 2, 4, 8, 16])
def test_deepseek_v3_latent_is_70272_bytes_on_every_device(tp):
    # 61 layers × (kv_lora_rank 512 + qk_rope_head_dim 64) × 2 bytes, no K/V factor, not split by TP
    lay = kv_layout(DEEPSEEK, 2.0, tp)
    assert lay.full == 61 * (512 + 64) * 2 == 70_272
    assert lay.windowed == () and lay.state == 0
    assert kv_layout(DEEPSEEK, 1.0, tp).full == 35_136  # fp8 cache


def test_gpt_oss_120b_kv_at_4k_and_128k():
    # 18 full layers × 8 KV heads × 64 × (K + V) × 2 B = 36,864 B/token; 18 sliding layers the same per
    # token but kept for at most W − 1 + one block = 128 − 1 + 16 = 143 tokens
    lay = kv_layout(GPT_OSS, 2.0)
    assert lay.full == 18 * 8 * 64 * 2 * 2 == 36_864
    assert lay.windowed == (36_864,) and lay.caps == (128 - 1 + BLOCK_TOKENS,)
    assert lay.sequence_bytes(4096) == 36_864 * 4096 + 36_864 * 143 == 156_266_496
    assert lay.sequence_bytes(131_072) == 36_864 * 131_072 + 36_864 * 143 == 4_837_109_760
    # an engine without the hybrid manager keeps every token on the sliding layers too
    assert kv_layout(GPT_OSS, 2.0, caps_windows=False).sequence_bytes(4096) == 73_728 * 4096


def test_gemma3_27b_kv_at_4k_and_128k():
    # 10 full layers × 16 × 128 × 2 × 2 B = 81,920 B/token; 52 sliding × 8,192 = 425,984 B/token up to 1,039 tokens
    lay = kv_layout(GEMMA3, 2.0)
    assert lay.full == 81_920 and lay.windowed == (425_984,) and lay.caps == (1024 - 1 + 16,)
    assert lay.sequence_bytes(4096) == 81_920 * 4096 + 425_984 * 1039 == 778_141_696
    assert lay.sequence_bytes(131_072) == 81_920 * 131_072 + 425_984 * 1039 == 11_180_015_616
    # against plain attention on all 62 layers at 128k: 66.6 GB / 11.2 GB, 5.95× smaller
    plain = 62 * 16 * 128 * 4 * 131_072
    assert plain / lay.sequence_bytes(131_072) == pytest.approx(5.955, abs=0.001)


def test_linear_attention_state_is_per_sequence_and_split_by_tp():
    # Qwen3.5-35B-A3B: 10 full layers × 2 KV × 256 × 2 × 2 B = 20,480 B/token; 30 Gated DeltaNet layers hold
    # conv (4 − 1) × (2 × 16 × 128 + 32 × 128) × 2 B = 49,152 B and temporal 32 × 128 × 128 × 4 B = 2,097,152 B each
    lay = kv_layout(QWEN35, 2.0)
    assert lay.full == 20_480
    assert lay.state == 30 * (3 * 8192 * 2 + 32 * 128 * 128 * 4) == 64_389_120
    assert kv_layout(QWEN35, 2.0, 2).state == lay.state / 2
    assert lay.sequence_bytes(1) == 20_480 + 64_389_120  # one token already costs the state


def test_linear_heads_must_split_over_tp():
    vllm = load_backends().backends["vllm"]
    # 32 value heads, 16 key heads, 16 query heads, 2 KV heads (replicated past 2)
    assert valid_tensor_parallel(QWEN35, vllm, 8) == [1, 2, 4, 8]
    assert 32 not in valid_tensor_parallel(QWEN35, vllm, 32)


def test_weights_in_the_published_formats_match_the_checkpoints():
    ps = load_backends().precisions
    # gpt-oss model card: the gpt-oss-120b checkpoint is 60.8 GiB (experts MXFP4, the rest bf16)
    assert weight_bytes(GPT_OSS, ps["mxfp4"]) == pytest.approx(60.8 * 2**30, rel=0.03)
    # DeepSeek-V3 README: 685B on Hugging Face (671B main model + 14B MTP module) in block FP8 (1 byte each);
    # the main model alone is what is served
    assert weight_bytes(DEEPSEEK, ps["fp8"]) == pytest.approx(685e9, rel=0.03)
    assert weight_bytes(DEEPSEEK, ps["fp8"]) == pytest.approx(671e9, rel=0.01)


def test_full_precision_is_the_checkpoint_format_and_wider_ones_are_not_offered():
    chosen = ("bf16", "fp8", "awq")
    assert offered(GPT_OSS, chosen) == ("mxfp4", "fp8", "awq")
    assert offered(DEEPSEEK, chosen) == ("fp8", "awq")
    assert full_precision(GEMMA3) == "bf16" and offered(GEMMA3, chosen) == chosen
    assert "published in MXFP4" in upcast_reason(GPT_OSS, "fp8")
    assert upcast_reason(DEEPSEEK, "awq") == ""  # narrower than the checkpoint: offered
    assert upcast_reason(DEEPSEEK, "bf16") != ""


def _estimate(model: ModelSpec, **changes):
    return estimate(default_scenario().with_changes(custom_model=replace(model, custom=True), model_id=None, **changes))


def _fits(est, instance: str, precision: str, tp: int) -> bool:
    c = est.columns
    rows = (c["instance"] == instance) & (c["precision"] == precision) & (c["tensor_parallel"] == tp)
    rows &= c["backend"] == "vllm"
    assert rows.any(), (instance, precision, tp)
    return bool(np.asarray(c["fits"], dtype=bool)[rows].any())


def test_gpt_oss_120b_fits_one_80gb_gpu_and_deepseek_does_not_run_in_bf16():
    est = _estimate(GPT_OSS, precisions=("bf16",))
    assert set(est.columns["precision"]) == {"mxfp4"}
    assert _fits(est, "p5.4xlarge", "mxfp4", 1)  # one H100 80GB
    ds = _estimate(DEEPSEEK, precisions=("bf16", "awq"))
    assert "bf16" not in set(ds.columns["precision"])


def test_a_windowed_model_holds_more_requests_where_the_engine_frees_the_window():
    # LMI v15 ships vLLM 0.8.4 (no hybrid KV manager), v29 vLLM 0.28.0: same model, same memory
    old, new = _estimate(GEMMA3, lmi_release=15), _estimate(GEMMA3, lmi_release=29)

    def cap(est):
        c = est.columns
        rows = (c["instance"] == "g6e.12xlarge") & (c["backend"] == "vllm") & (c["precision"] == "bf16")
        return float(np.nanmax(np.asarray(c["kv_capacity_tokens"], dtype=float)[rows]))

    assert cap(new) > 2 * cap(old)


def test_prefill_of_a_windowed_model_does_less_attention():
    # a 30,000-token prompt: each of the 52 sliding layers sees n·W − W²/2 token pairs instead of n²/2
    s = default_scenario().with_changes(custom_model=replace(GEMMA3, custom=True), model_id=None)
    grid = scenario_grid(s)
    *_, ph = memory_and_physics(grid, GEMMA3.context, 30_000.0, 200.0, 30_000.0, 200.0)
    n, w = 30_000.0, 1024.0
    assert ph.attn_layers[ph.continuous] == pytest.approx(10 + 52 * (2 * n * w - w * w) / (n * n))
    *_, short = memory_and_physics(grid, GEMMA3.context, 800.0, 200.0, 800.0, 200.0)
    assert short.attn_layers[short.continuous] == pytest.approx(62.0)  # shorter than the window: all 62


KINDS = [GPT_OSS, DEEPSEEK, QWEN35, MAVERICK, GEMMA3]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(KINDS), st.integers(1, 500_000), st.integers(1, 500_000), st.sampled_from([1, 2, 4, 8]))
def test_cache_grows_with_the_sequence_and_never_beyond_full_length(model, n1, n2, tp):
    lo, hi = sorted((n1, n2))
    lay = kv_layout(model, 2.0, tp)
    assert lay.sequence_bytes(lo) <= lay.sequence_bytes(hi)
    assert lay.sequence_bytes(hi) <= kv_layout(model, 2.0, tp, caps_windows=False).sequence_bytes(hi)
    # a device of a TP group never holds more than the whole copy, and the group never less
    whole = kv_layout(model, 2.0).sequence_bytes(hi)
    assert lay.sequence_bytes(hi) <= whole + 1e-6
    assert lay.sequence_bytes(hi) * tp >= whole - 1e-6


@pytest.mark.parametrize("model", KINDS, ids=lambda m: m.name)
def test_more_output_never_raises_capacity_and_more_traffic_never_costs_less(model):
    short, longer = _estimate(model, output_mean=200), _estimate(model, output_mean=800)
    a = np.asarray(short.columns["requests_per_s_per_replica"], dtype=float)
    b = np.asarray(longer.columns["requests_per_s_per_replica"], dtype=float)
    both = ~np.isnan(a) & ~np.isnan(b)
    assert (b[both] <= a[both] * (1 + 1e-9)).all()
    low, high = _estimate(model, requests_per_s=1.0), _estimate(model, requests_per_s=8.0)
    if low.best() is not None and high.best() is not None:
        assert high.best()["monthly_usd"] >= low.best()["monthly_usd"]


def test_fp4_is_native_on_blackwell_weight_only_on_hopper_and_absent_on_volta():
    from lmi_explorer.models.reference.hardware import load_hardware

    hw = load_hardware()
    s = default_scenario().with_changes(precisions=("nvfp4",), model_id="meta-llama/Llama-2-70b-hf")
    grid = scenario_grid(s)
    flops = {}
    for k in np.flatnonzero(grid.backend == "vllm"):
        cfg = grid.config[k]
        if cfg >= 0:
            flops[grid.accelerator[k]] = grid.c_physics["flops"][cfg]
    b200, h100 = hw.accelerators["b200"], hw.accelerators["h100"]
    assert flops[b200.name] == b200.fp4_flops  # FP4 tensor cores
    assert flops[h100.name] == h100.fp16_flops  # W4A16 Marlin: 16-bit math on 4-bit weights
    reasons = {
        str(r) for r, a in zip(grid.base_reason, grid.accelerator, strict=True) if a.startswith("NVIDIA V100") and r
    }
    assert any("needs FP4 tensor cores" in r and "weight-only kernels (Ampere, Ada, Hopper)" in r for r in reasons)


def test_an_architecture_not_modelled_says_so_in_the_estimate():
    v4 = fixture("deepseek-ai--DeepSeek-V4-Flash", "fp8")
    est = _estimate(v4)
    assert any("not fully modelled" in n and "compress" in n for n in est.notes)
    assert not any("not fully modelled" in n for n in _estimate(GPT_OSS).notes)


@pytest.mark.parametrize(
    ("model_id", "instance", "precision", "tp", "fits"),
    [
        ("openai/gpt-oss-120b", "p5.4xlarge", "mxfp4", 1, True),  # card: "fits into a single 80GB GPU"
        ("openai/gpt-oss-20b", "g6.xlarge", "mxfp4", 1, True),  # one 24 GB L4
        ("Qwen/Qwen3-235B-A22B", "p5.48xlarge", "bf16", 8, True),  # 8 × H100 in bf16
        ("meta-llama/Llama-3.3-70B-Instruct", "g6e.xlarge", "bf16", 1, False),  # 141 GB of bf16 on one 48 GB L40S
    ],
)
def test_published_fit_facts(model_id, instance, precision, tp, fits):
    est = estimate(default_scenario().with_changes(model_id=model_id, precisions=("bf16",)))
    assert _fits(est, instance, precision, tp) is fits
    if not fits:
        c = est.columns
        rows = (c["instance"] == instance) & (c["backend"] == "vllm") & (c["tensor_parallel"] == tp)
        assert all(str(r).startswith("Weights need") for r in c["reason"][rows])


def test_what_one_request_holds_per_device_follows_the_layer_kinds():
    from lmi_explorer.models.units import GIB

    est = _estimate(DEEPSEEK, precisions=("bf16",))
    c = est.columns
    n = est.traffic.mean_input + est.traffic.mean_output
    rows = (c["backend"] == "vllm") & (c["tensor_parallel"] == 8) & np.asarray(c["fits"], dtype=bool)
    assert rows.any()
    # the latent is whole on every device: 70,272 B per token at TP 8 too, not an eighth of it
    assert np.allclose(c["kv_gib_per_request_device"][rows].astype(float), 70_272 * n / GIB)
    g = _estimate(GPT_OSS)
    gc = g.columns
    rows = (gc["backend"] == "vllm") & (gc["instance"] == "p5.4xlarge") & (gc["precision"] == "mxfp4")
    n = g.traffic.mean_input + g.traffic.mean_output
    want = (36_864 * n + 36_864 * min(n, 143)) / GIB
    assert np.allclose(gc["kv_gib_per_request_device"][rows].astype(float), want)
