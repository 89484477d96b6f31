"""Architecture as one object, and importing a model from its config.json.

Worked values come from the rules in ``/work/shared/reference/currency-2026.md`` §2 (KV cache as
vLLM implements it); the named checkpoints' KV bytes per token are those of its §1.8 table, and
their published parameter counts are quoted from §1.2 / §1.3 where each is cited.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.architecture import (
    Architecture,
    Attention,
    LayerGroup,
    LinearState,
    MoE,
    kv_bytes_per_token,
    parameter_counts,
    state_bytes_per_sequence,
    window_tokens,
)
from lmi_explorer.models.reference.catalog import validate_spec
from lmi_explorer.models.reference.hf_config import parse_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"
REFERENCE = Path("/work/shared/reference/hf-configs")


def load(name: str):
    return parse_config((FIXTURES / f"{name}.config.json").read_text(), name=name)


# --- hand-worked synthetic architectures ------------------------------------------------------


def gqa(layers: int = 2, kv_heads: int = 4, head_dim: int = 128) -> Architecture:
    # hidden 1024 / 16 heads = 64, but head_dim is 128 (as Qwen3 and gpt-oss set it)
    return Architecture(Attention("gqa", 16, kv_heads, head_dim), (LayerGroup("full", layers),))


def test_gqa_head_dim_not_hidden_over_heads():
    # 2 layers x 4 KV heads x (128 K + 128 V) x 2 B = 4,096 B per token
    assert kv_bytes_per_token(gqa(), 1000) == 4096
    assert kv_bytes_per_token(gqa(), 1000, kv_bytes=1) == 2048  # fp8 KV


def test_gqa_tensor_parallel_split_and_one_head_floor():
    arch = gqa()
    assert kv_bytes_per_token(arch, 1000, tensor_parallel=2) == 2048  # 2 heads per device
    assert kv_bytes_per_token(arch, 1000, tensor_parallel=4) == 1024  # 1 head per device
    # TP 8 > 4 KV heads: each device still holds one (vLLM replicates, §2.1): 2 x 1 x 256 x 2
    assert kv_bytes_per_token(arch, 1000, tensor_parallel=8) == 1024


def test_mla_latent_not_split_by_tp():
    mla = Architecture(
        Attention("mla", 128, 128, 192, v_head_dim=128, kv_lora_rank=512, qk_rope_head_dim=64, qk_nope_head_dim=128),
        (LayerGroup("full", 3),),
    )
    # 3 layers x (512 + 64) x 2 B, no K/V factor, no head factor (§2.2)
    assert kv_bytes_per_token(mla, 10) == 3456
    assert kv_bytes_per_token(mla, 10, tensor_parallel=8) == 3456


def sliding_1_to_5(window: int = 4) -> Architecture:
    # 1 KV head x head_dim 8: (8 + 8) x 2 B = 32 B per token per layer
    return Architecture(Attention("gqa", 4, 1, 8), (LayerGroup("sliding", 5, window=window), LayerGroup("full", 1)))


def test_sliding_pattern_below_the_window():
    arch = sliding_1_to_5()
    # context 3 < W = 4: every layer holds every token: 6 x 32
    assert kv_bytes_per_token(arch, 3) == 192
    assert kv_bytes_per_token(arch, 4) == 192  # W - 1 + 1 decode token = 4 tokens kept


def test_sliding_pattern_above_the_window():
    arch = sliding_1_to_5()
    # context 100: full layer 32 B/token; 5 sliding layers keep 4 tokens: 5 x 32 x 4 / 100 = 6.4
    assert kv_bytes_per_token(arch, 100) == pytest.approx(38.4)
    assert kv_bytes_per_token(arch, 100, caps_windows=False) == 192  # hybrid manager off (§2.3)
    # prefill of 8 tokens per step: the window keeps W - 1 + 8 = 11 tokens
    assert kv_bytes_per_token(arch, 100, max_num_batched_tokens=8) == pytest.approx(32 + 5 * 32 * 11 / 100)


def test_chunked_window_and_arrays():
    arch = Architecture(Attention("gqa", 4, 1, 8), (LayerGroup("chunked", 3, window=8), LayerGroup("full", 1)))
    assert window_tokens(arch.groups[0]) == 9  # C + max_num_batched_tokens (§2.3)
    got = kv_bytes_per_token(arch, np.array([9.0, 90.0]))
    np.testing.assert_allclose(got, [128.0, 32 + 3 * 32 * 9 / 90])


def test_linear_state_gated_deltanet():
    # Qwen3.5-35B-A3B geometry (§1.5): conv (4 - 1) x (2 x 16 x 128 + 32 x 128) x 2 B = 49,152;
    # temporal 32 x 128 x 128 x 4 B (fp32) = 2,097,152
    state = LinearState("gated_deltanet", heads=32, head_dim=128, conv_kernel=4, key_heads=16, key_dim=128)
    arch = Architecture(Attention("gqa", 16, 2, 256), (LayerGroup("linear", 3, state=state), LayerGroup("full", 1)))
    assert state_bytes_per_sequence(arch) == 3 * (49_152 + 2_097_152)
    assert state_bytes_per_sequence(arch, tensor_parallel=2) == 3 * (49_152 + 2_097_152) / 2
    assert kv_bytes_per_token(arch, 10) == 2 * 512 * 2  # only the full-attention layer


def test_mamba2_state():
    # vLLM mamba2_state_shape: conv (kernel - 1, heads x head_dim + 2 x groups x state); temporal
    # (heads, head_dim, state), fp32 (§2.5). Nemotron-3-Nano: 64 x 64, 8 groups, state 128, kernel 4
    state = LinearState("mamba2", heads=64, head_dim=64, conv_kernel=4, state_size=128, n_groups=8)
    assert state.bytes_per_sequence() == 3 * (4096 + 2048) * 2 + 64 * 64 * 128 * 4


def test_layer_order_must_match_the_groups():
    groups = (LayerGroup("sliding", 2, window=4), LayerGroup("full", 1))
    arch = Architecture(Attention("gqa", 4, 1, 8), groups, order=(0, 1, 0))
    assert arch.layer_kinds() == ("sliding", "full", "sliding")
    assert Architecture(Attention("gqa", 4, 1, 8), groups).layer_kinds() == ("sliding", "sliding", "full")
    with pytest.raises(DataError, match="layer order"):
        Architecture(Attention("gqa", 4, 1, 8), groups, order=(0, 1, 1))


def test_parameter_counts_dense_and_moe_by_hand():
    dense = Architecture(Attention("mha", 2, 2, 2), (LayerGroup("full", 1),), tied_embeddings=True)
    # vocab 10 x hidden 4 (tied) + attention 4 x 4 x 4 + MLP 3 x 4 x 8 + norms (2 + 1) x 4
    assert parameter_counts(dense, 10, 4, 1, 8) == (40 + 64 + 96 + 12, 40 + 64 + 96 + 12)
    moe = Architecture(
        Attention("mha", 2, 2, 2),
        (LayerGroup("full", 2),),
        moe=MoE(experts=4, experts_per_token=1, moe_intermediate_size=2, moe_layers=1, shared_experts=1,
                shared_intermediate_size=2, dense_first_layers=1),
    )  # fmt: skip
    total, active = parameter_counts(moe, 10, 4, 2, 8)
    expert = 3 * 4 * 2
    # embed + head 80, attention 2 x 64, one dense MLP 96, MoE: 4 experts + 1 shared + router 4 x 4, norms 20
    assert total == 80 + 128 + 96 + (4 * expert + expert + 16) + 20
    assert active == total - 3 * expert
    with pytest.raises(DataError, match="num_hidden_layers"):
        parameter_counts(moe, 10, 4, 3, 8)


# --- properties --------------------------------------------------------------------------------

attention_st = st.builds(
    lambda kv, hd: Attention("gqa", kv * 4, kv, hd), st.integers(1, 16), st.sampled_from([64, 128, 256])
)
groups_st = st.lists(
    st.one_of(
        st.builds(lambda n: LayerGroup("full", n), st.integers(1, 8)),
        st.builds(lambda n, w: LayerGroup("sliding", n, window=w), st.integers(1, 8), st.integers(1, 8192)),
        st.builds(lambda n, w: LayerGroup("chunked", n, window=w), st.integers(1, 8), st.integers(1, 8192)),
    ),
    min_size=1,
    max_size=4,
)
arch_st = st.builds(lambda a, g: Architecture(a, tuple(g)), attention_st, groups_st)


@given(arch_st, st.integers(1, 500_000), st.integers(1, 500_000), st.sampled_from([1, 2, 4, 8]))
def test_kv_per_token_never_grows_with_context(arch, a, b, tp):
    short, long = sorted((a, b))
    assert kv_bytes_per_token(arch, long, tensor_parallel=tp) <= kv_bytes_per_token(arch, short, tensor_parallel=tp)


@given(arch_st, st.data())
def test_capped_equals_uncapped_within_the_window(arch, data):
    caps = [window_tokens(g) for g in arch.groups if g.kind in ("sliding", "chunked")]
    context = data.draw(st.integers(1, min(caps, default=10_000)))
    assert kv_bytes_per_token(arch, context) == pytest.approx(kv_bytes_per_token(arch, context, caps_windows=False))


@given(st.integers(1, 100), st.integers(1, 1024), st.integers(0, 128), st.sampled_from([1, 2, 4, 8, 16, 32]))
def test_mla_independent_of_tp(layers, rank, rope, tp):
    arch = Architecture(
        Attention("mla", 8, 8, 64, kv_lora_rank=rank, qk_rope_head_dim=rope), (LayerGroup("full", layers),)
    )
    assert kv_bytes_per_token(arch, 4096, tensor_parallel=tp) == layers * (rank + rope) * 2


@given(
    st.integers(1, 64), st.integers(1, 4), st.integers(1, 16), st.data(), st.integers(0, 2), st.booleans()
)  # fmt: skip
def test_active_never_exceeds_total(layers, dense_first, experts, data, shared, tied):
    k = data.draw(st.integers(1, experts))
    moe_layers = max(0, layers - dense_first)
    arch = Architecture(
        Attention("gqa", 8, 2, 64),
        (LayerGroup("full", layers),),
        moe=MoE(experts, k, 256, moe_layers, shared_experts=shared, shared_intermediate_size=256),
        tied_embeddings=tied,
    )
    total, active = parameter_counts(arch, 1000, 512, layers, 1024)
    assert 0 < active <= total


# --- importing config.json ------------------------------------------------------------------------


def every_config() -> list[Path]:
    files = sorted(FIXTURES.glob("*.config.json"))
    if REFERENCE.is_dir():
        files += sorted(REFERENCE.glob("*.config.json"))
    return files


# the one published config the importer refuses: DeciLM sets heads and FFN widths per layer
REFUSED = {"nvidia--Llama-3_3-Nemotron-Super-49B-v1"}


@pytest.mark.parametrize("path", every_config(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_config_parses_or_says_why(path):
    name = path.name.removesuffix(".config.json")
    if name in REFUSED:
        with pytest.raises(DataError, match="block_configs"):
            parse_config(path.read_text(), name=name)
        return
    model = parse_config(path.read_text(), name=name)
    assert model.arch.num_layers == model.layers == len(model.arch.layer_kinds())
    assert 0 < model.active_params <= model.params
    assert model.precision
    if not model.arch.modelled:
        assert model.arch.assumptions
    validate_spec(model.to_model_spec())


def test_reference_set_is_present_when_available():
    if not REFERENCE.is_dir():
        pytest.skip("the reference hf-configs folder is not on this machine")
    assert len(list(REFERENCE.glob("*.config.json"))) == 88


def test_unknown_model_type_and_missing_fields_are_data_errors():
    base = json.loads((FIXTURES / "Qwen--Qwen3-32B.config.json").read_text())
    with pytest.raises(DataError, match="model_type 't5'"):
        parse_config({**base, "model_type": "t5"})
    with pytest.raises(DataError, match="num_hidden_layers"):
        parse_config({k: v for k, v in base.items() if k != "num_hidden_layers"})
    with pytest.raises(DataError, match="num_attention_heads"):
        parse_config({**base, "num_attention_heads": "sixty-four"})
    with pytest.raises(DataError, match="not valid JSON"):
        parse_config("{not json")
    with pytest.raises(DataError, match="top level"):
        parse_config("[1, 2]")
    with pytest.raises(DataError, match="layer_types"):
        parse_config({**base, "layer_types": ["full_attention"]})
    with pytest.raises(DataError, match="block_configs"):
        parse_config({**base, "model_type": "nemotron-nas"})


# Published KV bytes per token (currency-2026.md §1.8, bf16) and parameter counts.
NAMED = [
    # Llama-3.3-70B has Llama-3.1-70B's geometry (§1.1); 70,553,706,496 parameters (num_parameters of a
    # config copy, data/catalog/models.csv, Llama-3.1-70B row)
    ("meta-llama--Meta-Llama-3.1-70B", 327_680, 70.554e9, None),
    # Qwen3-32B: §1.8 KV only (the references give no published parameter count beyond the name)
    ("Qwen--Qwen3-32B", 262_144, None, None),
    # Qwen3-235B-A22B: "235B (234B non-emb.) / 22B", model card (§1.2)
    ("Qwen--Qwen3-235B-A22B", 192_512, 235e9, 22e9),
    # DeepSeek-V3 / R1: "671B total parameters with 37B activated for each token", arXiv 2412.19437 (§1.3)
    ("deepseek-ai--DeepSeek-V3", 70_272, 671e9, 37e9),
    ("deepseek-ai--DeepSeek-R1", 70_272, 671e9, 37e9),
    # gpt-oss-120b: 117B / 5.1B, OpenAI model card (§1.2); KV: 18 full layers x 2,048 B = 36,864 + SW
    ("openai--gpt-oss-120b", 36_864, 117e9, 5.1e9),
    # Llama 4 Maverick: 400B / 17B, Meta blog (§1.2); KV: 12 global layers x 4,096 B = 49,152 + chunked
    ("meta-llama--Llama-4-Maverick-17B-128E-Instruct", 49_152, 400e9, 17e9),
]


@pytest.mark.parametrize(("name", "full_kv", "total", "active"), NAMED, ids=[n[0] for n in NAMED])
def test_named_checkpoints(name, full_kv, total, active):
    model = load(name)
    arch = model.arch
    assert arch.modelled
    # the part that grows with every token: the per-token KV far beyond every window
    far = 1e12
    assert kv_bytes_per_token(arch, far) == pytest.approx(full_kv, rel=1e-6)
    if total is not None:
        assert model.params == pytest.approx(total, rel=0.02)
    if active is not None:
        assert model.active_params == pytest.approx(active, rel=0.02)


def test_gpt_oss_sliding_part_is_bounded():
    arch = load("openai--gpt-oss-120b").arch
    assert (arch.count("sliding"), arch.count("full")) == (18, 18)
    assert arch.layer_kinds()[:4] == ("sliding", "full", "sliding", "full")  # layer_types alternate
    # at or below the 128-token window both halves hold every token: 2 x 36,864
    assert kv_bytes_per_token(arch, 128) == 73_728
    # beyond it the 18 SW layers keep 127 + 1 tokens (§1.8: "18 SW layers x 2,048 B x <= (127 + batched)")
    assert kv_bytes_per_token(arch, 131_072) == pytest.approx(36_864 + 36_864 * 128 / 131_072)
    assert kv_bytes_per_token(arch, 131_072, caps_windows=False) == 73_728


def test_llama4_chunked_local_either_way():
    arch = load("meta-llama--Llama-4-Maverick-17B-128E-Instruct").arch
    assert (arch.count("chunked"), arch.count("full")) == (36, 12)  # "3 local : 1 full" (§1.4)
    assert arch.layer_kinds()[:4] == ("chunked", "chunked", "chunked", "full")
    # §1.8: 49,152 with the hybrid allocator capping chunked layers, 196,608 without
    assert kv_bytes_per_token(arch, 8_000) == 196_608
    assert kv_bytes_per_token(arch, 1e9, caps_windows=False) == 196_608
    assert arch.moe is not None and arch.moe.moe_layers == 24  # interleave_moe_layer_step 2


def test_deepseek_mla_and_its_precision():
    model = load("deepseek-ai--DeepSeek-V3")
    assert model.arch.attention.kind == "mla"
    assert kv_bytes_per_token(model.arch, 4096, kv_bytes=1) == 35_136  # §1.8 fp8 KV
    assert kv_bytes_per_token(model.arch, 4096, tensor_parallel=8) == 70_272  # not split by TP
    assert model.precision == "fp8 e4m3 block 128x128"
    assert model.arch.moe is not None and model.arch.moe.moe_layers == 58  # 61 - 3 dense-first
    assert (model.heads, model.kv_heads, model.context) == (128, 128, 163_840)


def test_qwen3_235b_tp8_keeps_one_head_per_device():
    arch = load("Qwen--Qwen3-235B-A22B").arch
    # 4 KV heads at TP 8: one head per device, twice the ideal split (§2.1 note)
    assert kv_bytes_per_token(arch, 4096, tensor_parallel=8) == 192_512 / 4
    assert kv_bytes_per_token(arch, 4096, tensor_parallel=4) == 192_512 / 4


def test_gemma4_global_layers_and_vision():
    model = load("nvidia--Gemma-4-31B-IT-NVFP4")
    arch = model.arch
    assert (arch.count("sliding"), arch.count("full")) == (50, 10)
    # §1.8: 10 global x 4 KV x 512 x 4 = 81,920; 50 SW x 16,384 B capped at 1024
    assert kv_bytes_per_token(arch, 1e12) == pytest.approx(81_920)
    assert kv_bytes_per_token(arch, 1024) == 81_920 + 50 * 16_384
    assert any("attention_k_eq_v" in a for a in arch.assumptions)
    assert arch.vision is not None and model.precision == "nvfp4"
    assert model.tied_embeddings


def test_gemma3_27b_from_its_published_geometry():
    # Gemma-3-27B has no copy in hf-configs; these are its §1.1 values in config.json's field names
    cfg = {
        "architectures": ["Gemma3ForConditionalGeneration"],
        "model_type": "gemma3",
        "text_config": {
            "model_type": "gemma3_text", "num_hidden_layers": 62, "hidden_size": 5376, "intermediate_size": 21504,
            "num_attention_heads": 32, "num_key_value_heads": 16, "head_dim": 128, "vocab_size": 262144,
            "max_position_embeddings": 131072, "sliding_window": 1024, "sliding_window_pattern": 6,
        },
        "torch_dtype": "bfloat16",
    }  # fmt: skip
    model = parse_config(cfg, name="gemma-3-27b")
    arch = model.arch
    assert model.tied_embeddings  # Gemma's default when the file does not say (§1.1: tie = true)
    assert any("60 layer slots" in a for a in arch.assumptions)  # §2.4: 52 SW layers padded to 60
    # "Gemma-3-27b has 52 sliding window layers and 10 full attention layers" (§1.4, vLLM hybrid doc)
    assert (arch.count("sliding"), arch.count("full")) == (52, 10)
    assert kv_bytes_per_token(arch, 1e12) == pytest.approx(81_920)  # §1.8


def test_qwen35_linear_state():
    model = load("Qwen--Qwen3.5-35B-A3B")
    arch = model.arch
    assert (arch.count("linear"), arch.count("full")) == (30, 10)
    assert kv_bytes_per_token(arch, 4096) == 20_480  # §1.8
    # §1.8: 30 x (49,152 + 2,097,152) B ≈ 61 MiB per sequence
    assert state_bytes_per_sequence(arch) == 30 * (49_152 + 2_097_152)
    assert model.text_model_type == "qwen3_5_moe_text" and model.architecture.endswith("ConditionalGeneration")


def test_deepseek_v4_is_not_modelled_and_says_so():
    model = load("deepseek-ai--DeepSeek-V4-Flash")
    assert not model.arch.modelled
    assert "compress" in model.arch.assumptions[0]


def test_catalog_fields():
    model = load("Qwen--Qwen3-32B")
    spec = model.to_model_spec("Qwen/Qwen3-32B", family="Qwen3")
    assert (spec.architecture, spec.model_type, spec.layers, spec.hidden_size) == (
        "Qwen3ForCausalLM",
        "qwen3",
        64,
        5120,
    )
    assert (spec.heads, spec.kv_heads, spec.d_head, spec.vocab_size, spec.context) == (64, 8, 128, 151936, 40960)
    assert model.precision == "bf16" and spec.arch_class == "decoder-only"
    moe = load("Qwen--Qwen3-235B-A22B").to_model_spec()
    assert (moe.experts, moe.experts_per_token, moe.arch_class) == (128, 8, "mixture-of-experts")
    assert load("openai--gpt-oss-120b").precision == "mxfp4"
