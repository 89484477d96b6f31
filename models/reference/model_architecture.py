"""The architecture of a catalog or custom model: one place the estimate, the TP rules and the views ask.

A model whose published config.json ships with it (catalog ``config`` column, or a custom model imported
from its config) is read from that file, layer pattern and all; any other model is plain attention
(GQA/MHA, or MLA when it carries a latent) on every layer, built from its fields.
"""

from __future__ import annotations

from functools import lru_cache

from lmi_explorer.models.reference.architecture import Architecture, Attention, LayerGroup, MoE
from lmi_explorer.models.reference.catalog import ModelSpec, config_text
from lmi_explorer.models.reference.hf_config import parse_config


@lru_cache(maxsize=256)
def architecture_of(spec: ModelSpec) -> Architecture:
    """The :class:`Architecture` the estimate sizes ``spec`` with."""
    if spec.has_config:
        return parse_config(config_text(spec), name=spec.name).arch
    return plain_architecture(spec)


@lru_cache(maxsize=256)
def routed_expert_params(spec: ModelSpec) -> float:
    """Parameters in routed experts (count): from the config's MoE layout when the model carries one,
    else from total and active counts (``ModelSpec.expert_params``).

    The layout is exact where the active count leaves the embeddings out (gpt-oss): the difference of
    the two counts would then put the embeddings among the experts.
    """
    arch = architecture_of(spec)
    m = arch.moe
    if not spec.has_config or m is None or not m.moe_intermediate_size:
        return spec.expert_params
    mats = 3 if arch.gated_mlp else 2
    return float(m.moe_layers * m.experts * mats * (m.latent_size or spec.hidden_size) * m.moe_intermediate_size)


def plain_architecture(spec: ModelSpec) -> Architecture:
    """Every layer full attention with the spec's geometry; MoE from its expert counts."""
    if spec.kv_lora_rank:
        attention = Attention(
            "mla",
            spec.heads,
            spec.kv_heads,
            spec.d_head,
            kv_lora_rank=spec.kv_lora_rank,
            qk_rope_head_dim=spec.qk_rope_head_dim,
        )
    else:
        attention = Attention("mha" if spec.kv_heads == spec.heads else "gqa", spec.heads, spec.kv_heads, spec.d_head)
    moe = None
    if spec.experts > 1:
        moe = MoE(spec.experts, spec.experts_per_token, 0, spec.layers)
    return Architecture(attention, (LayerGroup("full", spec.layers),), moe=moe, tied_embeddings=spec.tied_embeddings)


def attention_label(spec: ModelSpec) -> str:
    """Short text for pickers and the model panel: 'GQA', 'MLA', 'GQA + sliding window 128 (18 of 36)'."""
    arch = architecture_of(spec)
    base = arch.attention.kind.upper()
    n = arch.num_layers
    parts = [base]
    for kind, text in (("sliding", "sliding window"), ("chunked", "chunked local")):
        groups = [g for g in arch.groups if g.kind == kind]
        if groups:
            windows = "/".join(sorted({f"{g.window:,}" for g in groups}))
            parts.append(f"{text} {windows} ({sum(g.count for g in groups)} of {n} layers)")
    linear = [g for g in arch.groups if g.kind == "linear" and g.state is not None]
    if linear:
        kind = "Gated DeltaNet" if linear[0].state and linear[0].state.kind == "gated_deltanet" else "Mamba2"
        parts.append(f"{kind} ({sum(g.count for g in linear)} of {n} layers)")
    if arch.moe is not None:
        parts.append(f"MoE {arch.moe.experts_per_token}/{arch.moe.experts}")
    return " + ".join(parts)


__all__ = ["architecture_of", "attention_label", "plain_architecture", "routed_expert_params"]
