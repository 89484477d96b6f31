"""A model's architecture as one object: attention, layer pattern, experts, vision tower.

What the estimator needs to size a replica beyond plain grouped-query attention: the KV bytes
per token of each kind of layer, the fixed per-sequence state of linear-attention layers, and
total / active parameter counts derived from the configuration.

Rules follow vLLM as summarised in ``/work/shared/reference/currency-2026.md``:

- §2.1 standard attention: K and V per KV head; under tensor parallelism each device holds
  ``max(1, kv_heads // tp)`` heads;
- §2.2 MLA: one latent of ``kv_lora_rank + qk_rope_head_dim`` per layer, no K/V factor, not
  split by TP;
- §2.3 / §2.4 sliding-window and chunked-local layers: the hybrid KV manager keeps
  ``sliding_window - 1 + max_num_batched_tokens`` (sliding) or
  ``attention_chunk_size + max_num_batched_tokens`` (chunked) tokens per sequence;
- §2.5 Mamba2 / Gated DeltaNet: a fixed state per sequence (conv state in the model dtype,
  temporal state in ``mamba_ssm_dtype``, fp32 in the published configs).

Nothing here is wired into the estimate yet; ``models/estimate/memory.py`` still uses plain GQA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lmi_explorer.models.errors import DataError

ATTENTION_KINDS = ("mha", "gqa", "mla")
LAYER_KINDS = ("full", "sliding", "chunked", "linear", "mlp")
STATE_KINDS = ("gated_deltanet", "mamba2")


@dataclass(frozen=True, slots=True)
class Attention:
    """Geometry of one attention kind.

    Parameters
    ----------
    kind : str
        ``"mha"`` (kv_heads == heads), ``"gqa"`` or ``"mla"`` (DeepSeek latent attention).
    heads, kv_heads : int
        Query heads and key/value heads (MLA: the config's value, meaningless for KV sizing).
    head_dim : int
        Width of one K head in elements; may differ from hidden / heads (Qwen3, gpt-oss, Gemma).
    v_head_dim : int
        Width of one V head; 0 means the same as ``head_dim``.
    kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, q_lora_rank : int
        MLA only: latent width, rotary part cached beside it, and the projection sizes.
    """

    kind: str
    heads: int
    kv_heads: int
    head_dim: int
    v_head_dim: int = 0
    kv_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    qk_nope_head_dim: int = 0
    q_lora_rank: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ATTENTION_KINDS:
            raise DataError(f"attention kind '{self.kind}': use one of {', '.join(ATTENTION_KINDS)}.")
        if self.heads < 1 or self.kv_heads < 1 or self.head_dim < 1:
            raise DataError("attention: heads, kv_heads and head_dim must be at least 1.")
        if self.kind == "mla" and self.kv_lora_rank < 1:
            raise DataError("attention: MLA needs kv_lora_rank (the latent width) of at least 1.")

    @property
    def v_dim(self) -> int:
        """Width of one V head in elements."""
        return self.v_head_dim or self.head_dim

    def kv_elements_per_token(self, tensor_parallel: int = 1) -> float:
        """Cached elements per token and layer held by one device.

        MLA: ``kv_lora_rank + qk_rope_head_dim`` on every device (§2.2). Otherwise
        ``max(1, kv_heads // tp) × (head_dim + v_head_dim)`` (§2.1, ``get_num_kv_heads``).
        """
        if self.kind == "mla":
            return float(self.kv_lora_rank + self.qk_rope_head_dim)
        heads = max(1, self.kv_heads // max(1, tensor_parallel))
        return float(heads * (self.head_dim + self.v_dim))

    def parameters(self, hidden: int) -> float:
        """Weights of one attention block (projections only; biases and norms left out)."""
        if self.kind == "mla":
            qk = self.qk_nope_head_dim + self.qk_rope_head_dim
            if self.q_lora_rank:
                q = hidden * self.q_lora_rank + self.q_lora_rank * self.heads * qk + self.q_lora_rank
            else:
                q = hidden * self.heads * qk
            kv_a = hidden * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank
            kv_b = self.kv_lora_rank * self.heads * (self.qk_nope_head_dim + self.v_dim)
            return float(q + kv_a + kv_b + self.heads * self.v_dim * hidden)
        q = hidden * self.heads * self.head_dim
        kv = hidden * self.kv_heads * (self.head_dim + self.v_dim)
        return float(q + kv + self.heads * self.v_dim * hidden)


@dataclass(frozen=True, slots=True)
class LinearState:
    """A linear-attention / state-space mixer's fixed per-sequence state (§2.5).

    Parameters
    ----------
    kind : str
        ``"gated_deltanet"`` (Qwen3.5/3.6) or ``"mamba2"`` (Nemotron-H).
    heads, head_dim : int
        Gated DeltaNet: value heads and value head dim. Mamba2: ``mamba_num_heads`` and
        ``mamba_head_dim``.
    key_heads, key_dim : int
        Gated DeltaNet only: key heads and key head dim.
    state_size, n_groups : int
        Mamba2 only: ``ssm_state_size`` and ``n_groups``.
    conv_kernel : int
        Short-convolution width; the conv state keeps ``conv_kernel - 1`` columns.
    ssm_dtype_bytes : int
        Bytes per element of the temporal (SSM) state: 4 for ``float32``, the published default.
    """

    kind: str
    heads: int
    head_dim: int
    conv_kernel: int
    key_heads: int = 0
    key_dim: int = 0
    state_size: int = 0
    n_groups: int = 0
    ssm_dtype_bytes: int = 4

    def __post_init__(self) -> None:
        if self.kind not in STATE_KINDS:
            raise DataError(f"linear state kind '{self.kind}': use one of {', '.join(STATE_KINDS)}.")

    @property
    def conv_dim(self) -> int:
        """Channels of the conv state (vLLM ``MambaStateShapeCalculator``)."""
        if self.kind == "gated_deltanet":
            return 2 * self.key_heads * self.key_dim + self.heads * self.head_dim
        return self.heads * self.head_dim + 2 * self.n_groups * self.state_size

    @property
    def temporal_elements(self) -> int:
        """Elements of the temporal state: (v_heads, k_dim, v_dim) or (heads, head_dim, state)."""
        if self.kind == "gated_deltanet":
            return self.heads * self.key_dim * self.head_dim
        return self.heads * self.head_dim * self.state_size

    def bytes_per_sequence(self, conv_bytes: float = 2.0, tensor_parallel: int = 1) -> float:
        """State of one layer for one sequence on one device, in bytes (conv + temporal)."""
        tp = max(1, tensor_parallel)
        conv = (self.conv_kernel - 1) * self.conv_dim / tp * conv_bytes
        return conv + self.temporal_elements / tp * self.ssm_dtype_bytes

    def parameters(self, hidden: int) -> float:
        """Weights of one mixer (input/output projections, conv, per-head scalars, norm)."""
        if self.kind == "gated_deltanet":
            k, v = self.key_heads * self.key_dim, self.heads * self.head_dim
            in_proj = hidden * (2 * k + 2 * v) + hidden * 2 * self.heads
            return float(in_proj + self.conv_dim * self.conv_kernel + 2 * self.heads + self.head_dim + v * hidden)
        inner = self.heads * self.head_dim
        in_proj = hidden * (2 * inner + 2 * self.n_groups * self.state_size + self.heads)
        return float(in_proj + self.conv_dim * (self.conv_kernel + 1) + 3 * self.heads + inner + inner * hidden)


@dataclass(frozen=True, slots=True)
class LayerGroup:
    """``count`` layers of one kind.

    Parameters
    ----------
    kind : str
        ``"full"`` (attends to the whole context), ``"sliding"`` (window ``window``),
        ``"chunked"`` (local chunks of ``window`` tokens, Llama 4), ``"linear"`` (a fixed state,
        ``state``) or ``"mlp"`` (a block with no token mixer, as in Nemotron-H's ``E`` blocks).
    window : int
        Sliding window W or chunk size C, in tokens.
    attention : Attention or None
        Geometry of these layers when it differs from the architecture's (Gemma 4 global layers).
    """

    kind: str
    count: int
    window: int = 0
    attention: Attention | None = None
    state: LinearState | None = None

    def __post_init__(self) -> None:
        if self.kind not in LAYER_KINDS:
            raise DataError(f"layer kind '{self.kind}': use one of {', '.join(LAYER_KINDS)}.")
        if self.count < 0:
            raise DataError("layer group: count must not be negative.")
        if self.kind in ("sliding", "chunked") and self.window < 1:
            raise DataError(f"{self.kind} layers need a window of at least 1 token.")
        if self.kind == "linear" and self.state is None:
            raise DataError("linear layers need their state geometry.")


@dataclass(frozen=True, slots=True)
class MoE:
    """Mixture-of-experts layout.

    Parameters
    ----------
    experts, experts_per_token : int
        Routed experts and how many each token uses.
    moe_intermediate_size : int
        FFN width of one routed expert.
    moe_layers : int
        Blocks with an expert FFN (the rest are dense: ``first_k_dense_replace``, Llama 4's
        ``interleave_moe_layer_step``).
    shared_experts, shared_intermediate_size : int
        Always-on experts and the FFN width of each.
    dense_first_layers : int
        Leading dense layers (DeepSeek ``first_k_dense_replace``); informative, already out of
        ``moe_layers``.
    latent_size : int
        Width the routed experts work at when it is not the hidden size (a latent MoE, with one
        down and one up projection per MoE block); 0 for the hidden size.
    """

    experts: int
    experts_per_token: int
    moe_intermediate_size: int
    moe_layers: int
    shared_experts: int = 0
    shared_intermediate_size: int = 0
    dense_first_layers: int = 0
    latent_size: int = 0

    def __post_init__(self) -> None:
        if self.experts < 1 or not 1 <= self.experts_per_token <= self.experts:
            raise DataError("experts_per_token: must be between 1 and the number of experts.")


@dataclass(frozen=True, slots=True)
class VisionTower:
    """A multimodal checkpoint's vision encoder, as far as its config describes it.

    Parameters
    ----------
    params : float
        Encoder parameters (count), estimated from layers and widths (no patch embedding).
    """

    layers: int
    hidden: int
    intermediate: int
    params: float


@dataclass(frozen=True, slots=True)
class Architecture:
    """Everything the estimator needs from an architecture.

    ``modelled`` is False when some part of the KV cache or state cannot be sized by the rules
    here; ``assumptions`` then says what was assumed in its place (and lists any smaller
    approximations even when ``modelled`` is True). ``order`` gives, layer by layer, the index
    of its group in ``groups`` (empty: the groups follow one another), for placing layers on
    pipeline stages.
    """

    attention: Attention
    groups: tuple[LayerGroup, ...]
    moe: MoE | None = None
    dense_mlp_layers: int = -1
    gated_mlp: bool = True
    tied_embeddings: bool = False
    vision: VisionTower | None = None
    modelled: bool = True
    assumptions: tuple[str, ...] = field(default=())
    order: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.groups or self.num_layers < 1:
            raise DataError("architecture: needs at least one layer.")
        if self.order and [self.order.count(i) for i in range(len(self.groups))] != [g.count for g in self.groups]:
            raise DataError("architecture: the layer order does not match the layer groups' counts.")

    def layer_kinds(self) -> tuple[str, ...]:
        """Kind of each layer, first to last."""
        order = self.order or tuple(i for i, g in enumerate(self.groups) for _ in range(g.count))
        return tuple(self.groups[i].kind for i in order)

    @property
    def num_layers(self) -> int:
        """All blocks, of every kind."""
        return sum(g.count for g in self.groups)

    @property
    def dense_layers(self) -> int:
        """Blocks with a dense FFN (default: every block without an expert FFN)."""
        if self.dense_mlp_layers >= 0:
            return self.dense_mlp_layers
        return self.num_layers - (self.moe.moe_layers if self.moe else 0)

    def count(self, kind: str) -> int:
        """Layers of one kind (``"full"``, ``"sliding"``, …)."""
        return sum(g.count for g in self.groups if g.kind == kind)


def window_tokens(group: LayerGroup, max_num_batched_tokens: int = 1) -> int:
    """Tokens a sliding or chunked layer keeps per sequence (§2.3).

    Sliding: ``W - 1 + max_num_batched_tokens``; chunked-local: ``C + max_num_batched_tokens``
    (vLLM ``SlidingWindowSpec`` / ``ChunkedLocalAttentionSpec``; the block rounding is left out).
    The default of one batched token is a decode step.
    """
    if group.kind == "sliding":
        return group.window - 1 + max_num_batched_tokens
    return group.window + max_num_batched_tokens


def kv_bytes_per_token(
    arch: Architecture,
    context_tokens: float,
    kv_bytes: float = 2,
    tensor_parallel: int = 1,
    caps_windows: bool = True,
    max_num_batched_tokens: int = 1,
) -> float:
    """KV bytes per token held by one device, averaged over a sequence of ``context_tokens``.

    Full-attention layers hold every token; sliding and chunked layers hold at most
    :func:`window_tokens` of them when ``caps_windows`` (vLLM's hybrid KV manager, §2.4), all of
    them otherwise (hybrid manager off: "regarded as full attention", §2.3). Linear layers hold
    no per-token KV (see :func:`state_bytes_per_sequence`). Block rounding and the hybrid
    manager's padding of unequal layer groups (§2.4) are left out.

    Parameters
    ----------
    context_tokens : float
        Sequence length in tokens (input + output); numpy arrays are accepted.
    kv_bytes : float
        Bytes per cached element: 2 for bf16/fp16, 1 for fp8.
    tensor_parallel : int
        TP degree: GQA heads split with at least one per device; MLA is not split (§2.2).
    max_num_batched_tokens : int
        Tokens scheduled per step, added to a window's cap (vLLM ``max_num_batched_tokens``).

    Returns
    -------
    float
        Bytes per token (per device); at short contexts the windows do not bind and the value
        equals the uncapped one.
    """
    full = 0.0
    windowed = 0.0
    for g in arch.groups:
        if g.kind in ("linear", "mlp") or g.count == 0:
            continue
        per_token = g.count * (g.attention or arch.attention).kv_elements_per_token(tensor_parallel) * kv_bytes
        if g.kind == "full" or not caps_windows:
            full += per_token
        else:
            cap = window_tokens(g, max_num_batched_tokens)
            windowed += per_token * _capped_share(context_tokens, cap)
    return full + windowed


def _capped_share(context_tokens: float, cap: int) -> float:
    """min(context, cap) / context, elementwise when given a numpy array."""
    ctx = np.maximum(np.asarray(context_tokens, dtype=float), 1e-9)
    share = np.minimum(ctx, cap) / ctx
    return float(share) if share.ndim == 0 else share


def state_bytes_per_sequence(arch: Architecture, kv_bytes: float = 2, tensor_parallel: int = 1) -> float:
    """Fixed state of the linear-attention / state-space layers for one sequence, in bytes.

    ``Σ layers × ((conv_kernel - 1) × conv_dim × kv_bytes + temporal × ssm_dtype_bytes) / tp``
    (§2.5, ``MambaSpec.page_size_bytes`` with ``mamba_cache_mode`` none and no speculative
    blocks). ``kv_bytes`` is the conv state's element size (vLLM ``mamba_cache_dtype``, the model
    dtype by default); the temporal state keeps the config's ``mamba_ssm_dtype``.
    """
    return sum(
        g.count * g.state.bytes_per_sequence(kv_bytes, tensor_parallel)
        for g in arch.groups
        if g.kind == "linear" and g.state is not None
    )


def parameter_counts(
    arch: Architecture,
    vocab: int,
    hidden: int,
    layers: int,
    intermediate: int,
    *,
    embedding_in_active: bool = True,
    extra_params: float = 0.0,
) -> tuple[float, float]:
    """Total and active parameters (counts) derived from the configuration.

    Embeddings (and an untied LM head), token mixers of every layer group, dense FFNs
    (``3 × hidden × intermediate`` gated, 2× ungated), routed and shared experts with their
    router, and RMSNorm weights. Biases, rotary tables and multi-token-prediction layers are
    left out. Active = total − the routed experts a token does not use − the vision tower.

    Parameters
    ----------
    vocab, hidden, layers, intermediate : int
        ``vocab_size``, ``hidden_size``, ``num_hidden_layers``, dense ``intermediate_size``.
    embedding_in_active : bool
        Count the input embedding among active parameters. Publishers differ: the published
        active counts of DeepSeek-V3 and Qwen3-235B-A22B are matched with it, gpt-oss's without.
    extra_params : float
        Parameters the layout cannot express (added to both counts).

    Returns
    -------
    tuple of float
        (total, active) parameter counts.
    """
    if layers != arch.num_layers:
        raise DataError(
            f"num_hidden_layers: {layers} layers, but the layer pattern has {arch.num_layers}; check the config."
        )
    embed = float(vocab * hidden)
    head = 0.0 if arch.tied_embeddings else embed
    mixers = 0.0
    for g in arch.groups:
        if g.kind == "linear" and g.state is not None:
            mixers += g.count * g.state.parameters(hidden)
        elif g.kind != "mlp":
            mixers += g.count * (g.attention or arch.attention).parameters(hidden)
    mats = 3 if arch.gated_mlp else 2
    dense = arch.dense_layers * mats * hidden * intermediate
    norms = (2 * layers + 1) * hidden
    routed = unused = 0.0
    if arch.moe is not None:
        m = arch.moe
        width = m.latent_size or hidden
        expert = mats * width * m.moe_intermediate_size
        shared = m.shared_experts * mats * hidden * m.shared_intermediate_size
        latent = 2 * hidden * m.latent_size
        routed = m.moe_layers * (m.experts * expert + shared + hidden * m.experts + latent)
        unused = m.moe_layers * (m.experts - m.experts_per_token) * expert
    vision = arch.vision.params if arch.vision else 0.0
    total = embed + head + mixers + dense + norms + routed + vision + extra_params
    active = total - unused - vision - (0.0 if embedding_in_active else embed)
    return total, active


__all__ = [
    "Architecture",
    "Attention",
    "LayerGroup",
    "LinearState",
    "MoE",
    "VisionTower",
    "kv_bytes_per_token",
    "parameter_counts",
    "state_bytes_per_sequence",
    "window_tokens",
]
