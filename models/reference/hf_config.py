"""Read a Hugging Face ``config.json`` into an :class:`Architecture` and catalog fields.

Families and the fields read are those of the published configs copied in
``/work/shared/reference/hf-configs/`` (see its README); the rules behind each architecture are in
``/work/shared/reference/currency-2026.md`` §1 (configs) and §2 (KV cache as vLLM implements it).
A multimodal checkpoint's text model is read from its nested ``text_config``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.architecture import (
    Architecture,
    Attention,
    LayerGroup,
    LinearState,
    MoE,
    VisionTower,
    parameter_counts,
)
from lmi_explorer.models.reference.catalog import ModelSpec

# text model_type -> how its layers are read
GQA_TYPES = {
    "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "qwen3_vl_text",
    "qwen3_vl_moe_text", "phi3", "mimo", "minimax_m2", "llama4_text", "gpt_oss", "gemma2",
    "gemma3_text", "gemma4_text", "step3p7",
}  # fmt: skip
MLA_TYPES = {"deepseek_v3", "deepseek_v32", "kimi_k2", "glm_moe_dsa"}
LINEAR_TYPES = {"qwen3_5_text", "qwen3_5_moe_text", "nemotron_h"}
V4_KV = "DeepSeek-V4 compresses KV per layer (compress_ratios; vLLM's rule for it is not settled); sized as plain MLA"
# read as far as the fields allow, but their KV cache has a part these rules cannot size
UNMODELLED = {
    "deepseek_v4": V4_KV,
    "deepseek_ref": V4_KV,
    "kimi_linear": "Kimi Delta Attention layers (linear_attn_config.kda_layers): neither their state nor their "
    "weights are counted; KV counted on the full_attn_layers (MLA) only",
    "minimax_m3": "sparse attention (sparse_attention_config) is not modelled; sized as GQA on every layer",
    "mimo_v2_flash": "the hybrid_layer_pattern's sliding-window layers (own head geometry) are not modelled; "
    "sized as GQA on every layer",
}
# wrapper model_type -> text model_type when text_config omits it
WRAPPERS = {
    "gemma3": "gemma3_text", "llama4": "llama4_text", "mistral3": "mistral", "qwen3_vl": "qwen3_vl_text",
    "qwen3_vl_moe": "qwen3_vl_moe_text", "qwen3_5": "qwen3_5_text", "qwen3_5_moe": "qwen3_5_moe_text",
    "gemma4": "gemma4_text", "kimi_k25": "kimi_k2", "kimi_k3": "kimi_linear",
}  # fmt: skip
KNOWN = GQA_TYPES | MLA_TYPES | LINEAR_TYPES | set(UNMODELLED)
DTYPES = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32", "float8_e4m3fn": "fp8"}
WHAT_TO_DO = "check the file is the model's config.json, or enter the model by hand (Custom model…)"


@dataclass(frozen=True, slots=True)
class ParsedModel:
    """What a config.json says, in the catalog's terms.

    Parameters
    ----------
    params, active_params : float
        Total and per-token parameters (counts) derived by :func:`parameter_counts`.
    precision : str
        The checkpoint's own weight format: ``"bf16"``, ``"fp8 e4m3 block 128x128"``, ``"mxfp4"``,
        ``"nvfp4"``, ``"int4 group 32 (compressed-tensors pack-quantized)"``…
    """

    name: str
    architecture: str
    model_type: str
    text_model_type: str
    layers: int
    hidden_size: int
    intermediate_size: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab_size: int
    context: int
    experts: int
    experts_per_token: int
    tied_embeddings: bool
    precision: str
    params: float
    active_params: float
    arch: Architecture

    def to_model_spec(self, model_id: str = "", family: str = "") -> ModelSpec:
        """A :class:`ModelSpec` for the catalog (MLA: ``kv_heads`` as published, see ``arch``)."""
        moe = self.arch.moe is not None
        return ModelSpec(
            model_id=model_id or self.name,
            name=self.name,
            family=family or self.text_model_type,
            architecture=self.architecture,
            model_type=self.model_type,
            params_billion=self.params / 1e9,
            layers=self.layers,
            hidden_size=self.hidden_size,
            heads=self.heads,
            kv_heads=self.kv_heads,
            vocab_size=self.vocab_size,
            context=self.context,
            head_dim=self.head_dim,
            active_params_billion=self.active_params / 1e9 if moe else None,
            experts=self.experts,
            experts_per_token=self.experts_per_token,
            tied_embeddings=self.tied_embeddings,
            arch_class="mixture-of-experts" if moe else "decoder-only",
            notes="; ".join(self.arch.assumptions),
        )


class _Fields:
    """Typed reads of one config level, each failure a DataError naming the field."""

    def __init__(self, cfg: Mapping[str, Any], where: str) -> None:
        self.cfg = cfg
        self.where = where

    def has(self, key: str) -> bool:
        return self.cfg.get(key) is not None

    def int(self, *keys: str, default: int | None = None) -> int:
        for key in keys:
            value = self.cfg.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value or value < 0:
                raise DataError(f"{self.where}: '{key}' is {value!r}, not a whole number; {WHAT_TO_DO}.")
            return int(value)
        if default is not None:
            return default
        raise DataError(f"{self.where}: no '{keys[0]}' in the config; {WHAT_TO_DO}.")

    def list(self, key: str) -> list[Any]:
        value = self.cfg.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise DataError(f"{self.where}: '{key}' should be a list; {WHAT_TO_DO}.")
        return value


def _load(text_or_dict: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(text_or_dict, Mapping):
        return text_or_dict
    try:
        data = json.loads(text_or_dict)
    except (ValueError, TypeError) as exc:
        raise DataError(f"config.json: not valid JSON ({exc}); {WHAT_TO_DO}.") from None
    if not isinstance(data, dict):
        raise DataError(f"config.json: the top level should be an object, not {type(data).__name__}; {WHAT_TO_DO}.")
    return data


def parse_config(text_or_dict: str | bytes | Mapping[str, Any], name: str = "") -> ParsedModel:
    """Read a Hugging Face config.json (text or parsed) into a :class:`ParsedModel`.

    Raises
    ------
    DataError
        Unknown ``model_type`` or a missing / malformed field; the message names the field.
    """
    top = _load(text_or_dict)
    where = f"config.json{f' of {name}' if name else ''}"
    model_type = top.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        raise DataError(f"{where}: no 'model_type'; {WHAT_TO_DO}.")
    text = top.get("text_config")
    if text is not None and not isinstance(text, Mapping):
        raise DataError(f"{where}: 'text_config' should be an object; {WHAT_TO_DO}.")
    cfg: Mapping[str, Any] = text if text is not None else top
    text_type = cfg.get("model_type") if text is not None else model_type
    if not isinstance(text_type, str) or text_type not in KNOWN:
        text_type = WRAPPERS.get(model_type, text_type if isinstance(text_type, str) else model_type)
    if text_type == "nemotron-nas":
        raise DataError(
            f"{where}: model_type 'nemotron-nas' (DeciLM) sets heads and FFN widths per layer in "
            "'block_configs', which the importer does not read; enter the model by hand (Custom model…)."
        )
    if text_type not in KNOWN:
        known = ", ".join(sorted(KNOWN - set(UNMODELLED)))
        raise DataError(
            f"{where}: model_type '{text_type}' is not one the importer reads (it reads {known}); "
            "enter the model by hand (Custom model…)."
        )
    f = _Fields(cfg, f"{where}{' text_config' if text is not None else ''}")
    archs = top.get("architectures")
    architecture = archs[0] if isinstance(archs, list) and archs and isinstance(archs[0], str) else ""
    if not architecture:
        raise DataError(f"{where}: no 'architectures' list; {WHAT_TO_DO}.")

    if text_type == "nemotron_h" and not f.has("num_hidden_layers"):
        layers = len(f.list("layers_block_type")) or f.int("num_hidden_layers")
    else:
        layers = f.int("num_hidden_layers", "n_layers")
    hidden = f.int("hidden_size", "d_model")
    heads = f.int("num_attention_heads")
    kv_heads = f.int("num_key_value_heads", default=heads)
    if kv_heads < 1 or heads < 1:
        raise DataError(f"{f.where}: 'num_attention_heads' and 'num_key_value_heads' must be at least 1.")
    head_dim = f.int("head_dim", "attention_head_dim", default=max(1, hidden // heads))
    vocab = f.int("vocab_size")
    context = f.int("max_position_embeddings", "seq_length", default=0)
    if context == 0:
        raise DataError(f"{f.where}: no 'max_position_embeddings'; {WHAT_TO_DO}.")
    intermediate = f.int("intermediate_size", default=0)
    # Gemma configs tie the LM head unless they say otherwise (§1.1: Gemma-3 tie = true)
    tied_default = text_type in ("gemma2", "gemma3_text", "gemma4_text")
    tied = bool(cfg.get("tie_word_embeddings", top.get("tie_word_embeddings", tied_default)))
    notes: list[str] = []
    extra = 0.0

    if text_type in MLA_TYPES or text_type in ("deepseek_v4", "deepseek_ref", "kimi_linear"):
        attention = _mla(f, heads, kv_heads, head_dim, text_type)
    else:
        kind = "mha" if kv_heads == heads else "gqa"
        attention = Attention(kind, heads, kv_heads, head_dim)
    groups, gated, dense_layers, order = _groups(f, text_type, layers, attention, notes)
    moe = _moe(f, text_type, layers, intermediate)
    if moe is not None and dense_layers < 0 and text_type == "llama4_text":
        intermediate = f.int("intermediate_size_mlp", default=intermediate)
    if text_type == "minimax_m3":
        intermediate = f.int("dense_intermediate_size", default=intermediate)
    if text_type in ("qwen3_5_text", "qwen3_5_moe_text") and cfg.get("attn_output_gate"):
        # the query projection also yields the output gate (twice its width)
        extra += sum(g.count for g in groups if g.kind == "full") * hidden * heads * head_dim
    if text_type in ("deepseek_v32", "glm_moe_dsa"):
        notes.append("DSA indexer key cache (index_head_dim per token) not counted (its size rule is not verified)")
    if text_type == "gemma4_text" and cfg.get("attention_k_eq_v"):
        notes.append(
            "attention_k_eq_v: K and V both counted on global layers (sharing them may halve that; not verified)"
        )
    if moe is not None and text_type == "gemma4_text":
        notes.append("Gemma 4 MoE blocks sit beside a dense MLP; both counted")
    if cfg.get("moe_latent_size") or cfg.get("routed_expert_hidden_size"):
        notes.append("latent MoE: routed experts taken at moe_latent_size, shared expert and router at hidden_size")
    if f.int("num_nextn_predict_layers", default=0) or f.int("mtp_num_hidden_layers", default=0):
        notes.append("multi-token-prediction layers left out of the parameters and KV")
    if intermediate == 0 and (dense_layers > 0 or (dense_layers < 0 and (moe is None or moe.moe_layers < layers))):
        raise DataError(f"{f.where}: no 'intermediate_size' for the dense FFN layers; {WHAT_TO_DO}.")
    if moe is not None and text_type == "gemma4_text":
        dense_layers = layers
    vision = _vision(top.get("vision_config"))
    if vision is not None:
        notes.append("vision tower counted in the total from its config widths (estimate), not in the active")
    modelled = text_type not in UNMODELLED
    if not modelled:
        notes.insert(0, UNMODELLED[text_type])
    arch = Architecture(
        attention=attention,
        groups=groups,
        order=order,
        moe=moe,
        dense_mlp_layers=dense_layers,
        gated_mlp=gated,
        tied_embeddings=tied,
        vision=vision,
        modelled=modelled,
        assumptions=tuple(notes),
    )
    total, active = parameter_counts(
        arch, vocab, hidden, layers, intermediate, embedding_in_active=text_type != "gpt_oss", extra_params=extra
    )
    return ParsedModel(
        name=name or architecture,
        architecture=architecture,
        model_type=model_type,
        text_model_type=text_type,
        layers=layers,
        hidden_size=hidden,
        intermediate_size=intermediate,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=head_dim,
        vocab_size=vocab,
        context=context,
        experts=moe.experts if moe else 1,
        experts_per_token=moe.experts_per_token if moe else 1,
        tied_embeddings=tied,
        precision=checkpoint_precision(top, name),
        params=total,
        active_params=active,
        arch=arch,
    )


def _mla(f: _Fields, heads: int, kv_heads: int, head_dim: int, text_type: str) -> Attention:
    """MLA geometry (§1.3, §2.2); DeepSeek-V4 has no kv_lora_rank: its head_dim is the latent."""
    if text_type in ("deepseek_v4", "deepseek_ref"):
        return Attention(
            "mla", heads, kv_heads, head_dim, kv_lora_rank=head_dim, q_lora_rank=f.int("q_lora_rank", default=0)
        )
    rope = f.int("qk_rope_head_dim")
    nope = f.int("qk_nope_head_dim")
    return Attention(
        "mla",
        heads,
        kv_heads,
        nope + rope,
        v_head_dim=f.int("v_head_dim", default=nope),
        kv_lora_rank=f.int("kv_lora_rank"),
        qk_rope_head_dim=rope,
        qk_nope_head_dim=nope,
        q_lora_rank=f.int("q_lora_rank", default=0),
    )


def _groups(
    f: _Fields, text_type: str, layers: int, attention: Attention, notes: list[str]
) -> tuple[tuple[LayerGroup, ...], bool, int, tuple[int, ...]]:
    """Layer groups, whether the FFN is gated, the dense-FFN block count (-1: derive), layer order."""
    cfg = f.cfg
    window = f.int("sliding_window", default=0)
    if text_type == "nemotron_h":
        return _nemotron(f, layers, attention)
    types = f.list("layer_types")
    if types and len(types) != layers:
        raise DataError(f"{f.where}: 'layer_types' has {len(types)} entries for {layers} layers; {WHAT_TO_DO}.")
    if not types and text_type == "gemma2":
        types = ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(layers)]
    if not types and text_type == "gemma3_text":
        pattern = f.int("sliding_window_pattern", default=6)
        types = ["sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(layers)]
    if not types and text_type == "llama4_text" and f.has("attention_chunk_size"):
        # layers with RoPE are chunked-local, every 4th (NoPE) is global (§1.4: "3 local : 1 full")
        no_rope = f.list("no_rope_layers") or [int((i + 1) % 4 != 0) for i in range(layers)]
        types = ["chunked_attention" if r else "full_attention" for r in no_rope[:layers]]
    if text_type == "kimi_linear":
        full = (cfg.get("linear_attn_config") or {}).get("full_attn_layers") or []
        types = ["full_attention" if i + 1 in full else "kda" for i in range(layers)]
    if not types:
        uses_window = window and (
            text_type == "mistral"
            or (text_type in ("qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "mimo") and cfg.get("use_sliding_window"))
        )
        if window and not uses_window:
            notes.append(
                f"sliding_window {window} in the config not applied (read as sliding only for Mistral, and for "
                "Qwen2/Qwen3/MiMo with use_sliding_window); all layers full"
            )
        if uses_window and text_type != "mistral":
            notes.append("use_sliding_window: every layer taken as sliding (max_window_layers not applied)")
        types = ["sliding_attention" if uses_window else "full_attention"] * layers
    counts = {t: types.count(t) for t in dict.fromkeys(types)}
    groups: list[LayerGroup] = []
    for kind, n in counts.items():
        if kind == "full_attention":
            groups.append(LayerGroup("full", n, attention=_global_attention(f, text_type, attention)))
        elif kind == "sliding_attention":
            if window < 1:
                raise DataError(f"{f.where}: sliding layers but no 'sliding_window'; {WHAT_TO_DO}.")
            groups.append(LayerGroup("sliding", n, window=window))
        elif kind == "chunked_attention":
            groups.append(LayerGroup("chunked", n, window=f.int("attention_chunk_size")))
        elif kind == "linear_attention":
            groups.append(LayerGroup("linear", n, state=_gated_deltanet(f)))
        elif kind == "deepseek_sparse_attention":
            # GLM-5.2/5.3: MLA with the DSA indexer on every layer (§1.3)
            groups.append(LayerGroup("full", n))
        elif kind == "kda":
            # not sized (Kimi-K3 is read with modelled False): a block with no cache of its own
            groups.append(LayerGroup("mlp", n))
        else:
            raise DataError(f"{f.where}: layer type '{kind}' in 'layer_types' is not one the importer reads.")
    if text_type == "step3p7":
        notes.append("one head geometry taken for sliding and full layers (the config gives one)")
    full = sum(g.count for g in groups if g.kind == "full")
    local = sum(g.count for g in groups if g.kind in ("sliding", "chunked"))
    if full and local % full:
        slots = -(-local // full) * full
        notes.append(
            f"vLLM's hybrid KV manager groups layers {full} at a time, padding the {local} windowed layers "
            f"to {slots} layer slots (docs/design/hybrid_kv_cache_manager.md); the padding is not counted"
        )
    kinds = list(counts)
    return tuple(groups), True, -1, tuple(kinds.index(t) for t in types)


def _global_attention(f: _Fields, text_type: str, attention: Attention) -> Attention | None:
    """Gemma 4 global layers use their own KV heads and head width (§1.4)."""
    if text_type != "gemma4_text" or not f.has("global_head_dim"):
        return None
    kv = f.int("num_global_key_value_heads", default=attention.kv_heads)
    return Attention("gqa", attention.heads, kv, f.int("global_head_dim"))


def _gated_deltanet(f: _Fields) -> LinearState:
    """Qwen3.5/3.6 Gated DeltaNet state (§1.5, §2.5)."""
    ssm = DTYPES.get(str(f.cfg.get("mamba_ssm_dtype", "float32")), "fp32")
    return LinearState(
        "gated_deltanet",
        heads=f.int("linear_num_value_heads"),
        head_dim=f.int("linear_value_head_dim"),
        conv_kernel=f.int("linear_conv_kernel_dim"),
        key_heads=f.int("linear_num_key_heads"),
        key_dim=f.int("linear_key_head_dim"),
        ssm_dtype_bytes={"fp32": 4, "bf16": 2, "fp16": 2}.get(ssm, 4),
    )


def _nemotron_pattern(f: _Fields, layers: int) -> str:
    """One letter per block: ``hybrid_override_pattern``, or ``layers_block_type`` spelled out."""
    pattern = f.cfg.get("hybrid_override_pattern")
    blocks = f.list("layers_block_type")
    if pattern is None and blocks:
        letters = {"mamba": "M", "attention": "*", "moe": "E", "mlp": "-"}
        pattern = "".join(letters.get(str(b), "?") for b in blocks)
    if not isinstance(pattern, str) or len(pattern) != layers or set(pattern) - set("M*E-"):
        raise DataError(
            f"{f.where}: 'hybrid_override_pattern' (or 'layers_block_type') should give one of M, *, E, - "
            f"(mamba, attention, moe, mlp) per layer; {WHAT_TO_DO}."
        )
    return pattern


def _nemotron(
    f: _Fields, layers: int, attention: Attention
) -> tuple[tuple[LayerGroup, ...], bool, int, tuple[int, ...]]:
    """Nemotron-H blocks from ``hybrid_override_pattern``: M Mamba2, * attention, E MoE, - MLP."""
    pattern = _nemotron_pattern(f, layers)
    ssm = str(f.cfg.get("mamba_ssm_cache_dtype", "float32"))
    state = LinearState(
        "mamba2",
        heads=f.int("mamba_num_heads"),
        head_dim=f.int("mamba_head_dim"),
        conv_kernel=f.int("conv_kernel"),
        state_size=f.int("ssm_state_size"),
        n_groups=f.int("n_groups"),
        ssm_dtype_bytes=2 if ssm in ("bfloat16", "float16") else 4,
    )
    groups = (
        LayerGroup("linear", pattern.count("M"), state=state),
        LayerGroup("full", pattern.count("*"), attention=attention),
        LayerGroup("mlp", pattern.count("E") + pattern.count("-")),
    )
    gated = f.cfg.get("mlp_hidden_act") not in ("relu2",)
    order = tuple({"M": 0, "*": 1}.get(c, 2) for c in pattern)
    return groups, gated, pattern.count("-"), order


def _moe(f: _Fields, text_type: str, layers: int, intermediate: int) -> MoE | None:
    """Expert layout: routed, per token, shared, dense-first and interleaved layers (§1.2, §1.3)."""
    experts = f.int("num_local_experts", "num_experts", "n_routed_experts", default=0)
    if experts <= 1 or (text_type == "gemma4_text" and not f.cfg.get("enable_moe_block", True)):
        return None
    k = f.int("num_experts_per_tok", "experts_per_token", "top_k_experts", "num_experts_per_token")
    per_expert = f.int("moe_intermediate_size", default=intermediate)
    if text_type == "nemotron_h":
        moe_layers = _nemotron_pattern(f, layers).count("E")
        shared_width = f.int("moe_shared_expert_intermediate_size", default=0)
    else:
        dense_first = f.int("first_k_dense_replace", default=0)
        freq = f.cfg.get("moe_layer_freq")
        if isinstance(freq, list):
            # MiniMax-M3, MiMo-V2-Flash: one 0/1 flag per layer
            if len(freq) != layers:
                raise DataError(f"{f.where}: 'moe_layer_freq' has {len(freq)} entries for {layers} layers.")
            moe_layers = sum(1 for x in freq if x)
        else:
            step = f.int("interleave_moe_layer_step", "decoder_sparse_step", "moe_layer_freq", default=1)
            only_dense = {i for i in f.list("mlp_only_layers") if isinstance(i, int)}
            moe_layers = sum(
                1 for i in range(dense_first, layers) if i not in only_dense and step > 0 and (i + 1) % step == 0
            )
        if text_type == "llama4_text":
            shared_width = intermediate
        else:
            shared_width = f.int(
                "shared_expert_intermediate_size", "share_expert_dim", "shared_intermediate_size", default=per_expert
            )
    shared = f.int("n_shared_experts", "num_shared_experts", default=0)
    if text_type == "llama4_text" or (text_type.startswith("qwen3_5") and shared_width):
        shared = 1
    if shared_width == 0:
        shared = 0
    if k > experts:
        raise DataError(f"{f.where}: 'num_experts_per_tok' {k} exceeds the {experts} experts; {WHAT_TO_DO}.")
    return MoE(
        experts=experts,
        experts_per_token=k,
        moe_intermediate_size=per_expert,
        moe_layers=moe_layers,
        shared_experts=shared,
        shared_intermediate_size=shared_width,
        dense_first_layers=f.int("first_k_dense_replace", default=0),
        latent_size=f.int("moe_latent_size", "routed_expert_hidden_size", default=0),
    )


def _vision(cfg: Any) -> VisionTower | None:
    """Vision encoder size from its widths: ``layers × (4 h² + 2 h × intermediate)``."""
    if not isinstance(cfg, Mapping):
        return None
    v = _Fields(cfg, "config.json vision_config")
    layers = v.int("num_hidden_layers", "depth", default=0)
    hidden = v.int("hidden_size", default=0)
    inter = v.int("intermediate_size", default=4 * hidden)
    if not layers or not hidden:
        return None
    return VisionTower(layers, hidden, inter, float(layers * (4 * hidden * hidden + 2 * hidden * inter)))


def checkpoint_precision(top: Mapping[str, Any], name: str = "") -> str:
    """The checkpoint's own weight format from ``quantization_config`` or ``torch_dtype``."""
    nested = top.get("text_config")
    text: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
    q = top.get("quantization_config") or text.get("quantization_config")
    if isinstance(q, Mapping):
        method = str(q.get("quant_method") or "").lower()
        algo = str(q.get("quant_algo") or "").lower()
        if algo in ("nvfp4", "fp8", "mixed_precision"):
            return {"nvfp4": "nvfp4", "fp8": "fp8", "mixed_precision": "mixed (modelopt)"}[algo]
        if method == "fp8":
            fmt = str(q.get("fmt") or "e4m3").replace("float8_", "").replace("fn", "")
            block = q.get("weight_block_size")
            if isinstance(block, list) and len(block) == 2:
                return f"fp8 {fmt} block {block[0]}x{block[1]}"
            return f"fp8 {fmt}"
        if method == "mxfp4":
            return "mxfp4"
        if method == "compressed-tensors":
            for group in (q.get("config_groups") or {}).values():
                w = group.get("weights") if isinstance(group, Mapping) else None
                if isinstance(w, Mapping):
                    size = f" group {w['group_size']}" if w.get("group_size") else ""
                    kind = f"{w.get('type', 'int')}{w.get('num_bits', '')}{size}"
                    return f"{kind} (compressed-tensors {q.get('format', '')})"
            return "compressed-tensors"
        if method:
            return method
    dtype = top.get("torch_dtype") or top.get("dtype") or text.get("torch_dtype") or text.get("dtype")
    base = DTYPES.get(str(dtype), str(dtype) if dtype else "unspecified")
    if any(tag in name.upper() for tag in ("FP4", "FP8", "AWQ", "GPTQ", "INT4")):
        return f"{base} (config.json has no quantization_config; see the repository's hf_quant_config.json)"
    return base


__all__ = ["ParsedModel", "checkpoint_precision", "parse_config"]
