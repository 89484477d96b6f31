"""Memory per replica: weights by precision, KV cache per token, budget per device.

Formulas follow the LMI instance-type-selection guide, corrected for grouped-query
attention; both KV forms are kept so the app can reconcile its figures with the guide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lmi_explorer.models.reference.architecture import Architecture, state_bytes_per_sequence
from lmi_explorer.models.reference.backends import Backend, Precision
from lmi_explorer.models.reference.catalog import ModelSpec
from lmi_explorer.models.reference.hardware import Accelerator
from lmi_explorer.models.reference.model_architecture import architecture_of, routed_expert_params

#: Tokens per KV block: a windowed layer keeps its window plus the block the window may straddle
#: (vLLM ``SlidingWindowSpec.max_memory_usage_bytes``' "+1 block", currency-2026 §2.3)
BLOCK_TOKENS = 16


def weight_bytes(model: ModelSpec, precision: Precision) -> float:
    """Weights of one replica in bytes.

    ``W = P_quant × b_w + P_quant × scales + P_unquant × 2``, where embeddings and the LM
    head stay 16-bit in the quantized checkpoints (``precision.embeddings_16bit``); an
    experts-only format (``scope`` experts) quantizes the routed experts and nothing else.
    """
    if precision.scope == "experts":  # only the routed experts are in the format (gpt-oss MXFP4)
        quant = routed_expert_params(model)
        return quant * (precision.weight_bytes + precision.scale_bytes_per_weight) + (model.params - quant) * 2.0
    # never more 16-bit weights than the model has (a custom model with a huge vocabulary)
    unquant = min(model.embedding_params, model.params) if precision.embeddings_16bit else 0.0
    quant = model.params - unquant
    return quant * (precision.weight_bytes + precision.scale_bytes_per_weight) + unquant * 2.0


@dataclass(frozen=True, slots=True)
class KVLayout:
    """What one sequence holds in the cache of one device (or of the whole replica at ``tp`` 1).

    ``sequence_bytes(n) = full × n + Σ windowed_i × min(n, caps_i) + state``: layers that attend
    to every token grow with the sequence, sliding-window and chunked-local layers stop at their
    window when the engine frees what falls out of it, and linear-attention layers hold a fixed state.
    """

    full: float  # bytes per token on layers that keep every token
    windowed: tuple[float, ...]  # bytes per token on windowed layers, one entry per cap
    caps: tuple[int, ...]  # tokens each windowed entry keeps per sequence
    state: float  # bytes per sequence (linear-attention / state-space layers)

    def sequence_bytes(self, tokens: float) -> float:
        """Cache bytes of one sequence of ``tokens`` tokens."""
        return (
            self.full * tokens
            + sum(w * min(tokens, c) for w, c in zip(self.windowed, self.caps, strict=True))
            + self.state
        )

    @property
    def per_token_uncapped(self) -> float:
        """Bytes each token adds while every windowed layer still holds it."""
        return self.full + sum(self.windowed)


def window_caps(arch: Architecture) -> tuple[tuple[int, int, int], ...]:
    """(window W, tokens kept per sequence, layers) per distinct window of an architecture.

    Sliding layers keep ``W − 1 + BLOCK_TOKENS`` tokens, chunked-local ones ``C + BLOCK_TOKENS``
    (§2.3 with one block in flight), never more than a sequence has.
    """
    out: dict[tuple[int, int], int] = {}
    for g in arch.groups:
        if g.kind in ("sliding", "chunked") and g.count:
            kept = g.window - 1 + BLOCK_TOKENS if g.kind == "sliding" else g.window + BLOCK_TOKENS
            out[(g.window, kept)] = out.get((g.window, kept), 0) + g.count
    return tuple((w, kept, n) for (w, kept), n in sorted(out.items()))


def kv_layout(
    model: ModelSpec, kv_bytes: float, tp: int = 1, parallelism: str = "tensor", caps_windows: bool = True
) -> KVLayout:
    """The :class:`KVLayout` of one device of a ``tp``-way group (``tp`` 1: the whole replica).

    Tensor parallelism splits KV heads (at least one per device, §2.1) and the linear-attention state;
    an MLA latent is whole on every rank (§2.2). Pipeline sharding splits the layers instead.
    ``caps_windows`` False: the engine keeps every token on windowed layers too (§2.3, hybrid
    manager off), so they count as full layers.
    """
    arch = architecture_of(model)
    split = 1 if parallelism == "pipeline" else max(1, tp)
    share = 1.0 / tp if parallelism == "pipeline" else 1.0
    full = 0.0
    by_window: dict[int, float] = {}
    caps = {w: kept for w, kept, _ in window_caps(arch)}
    for g in arch.groups:
        if g.kind in ("linear", "mlp") or not g.count:
            continue
        per_token = g.count * (g.attention or arch.attention).kv_elements_per_token(split) * kv_bytes * share
        if g.kind == "full" or not caps_windows:
            full += per_token
        else:
            by_window[g.window] = by_window.get(g.window, 0.0) + per_token
    windows = tuple(sorted(by_window))
    state = state_bytes_per_sequence(arch, kv_bytes, split) * share
    return KVLayout(full, tuple(by_window[w] for w in windows), tuple(caps[w] for w in windows), state)


def kv_bytes_per_token(model: ModelSpec, kv_bytes: float = 2.0) -> float:
    """KV cache per token for the whole replica, GQA-aware: ``2 × L × n_kv × d × b_kv``.

    Latent attention (MLA) caches ``(kv_lora_rank + qk_rope_head_dim) × L × b_kv`` instead
    (currency-2026 §2.2, vLLM's MLA backends): one latent per token and layer, no per-head K and V.
    A model with windowed or linear-attention layers gives what each token adds while inside every
    window (see :func:`kv_layout` for what a whole sequence holds).
    """
    return kv_layout(model, kv_bytes).per_token_uncapped


def kv_bytes_per_token_guide(model: ModelSpec, kv_bytes: float = 2.0) -> float:
    """The LMI guide's form ``2 × b × L × hidden``: over-counts GQA models by n_q / n_kv."""
    return 2.0 * kv_bytes * model.layers * model.hidden_size


def kv_bytes_per_token_device(model: ModelSpec, tp: int, kv_bytes: float, parallelism: str) -> float:
    """KV bytes per token held by one device of a TP group (each holds at least one KV head)."""
    return kv_layout(model, kv_bytes, tp, parallelism).per_token_uncapped


def guide_kv_capacity_tokens(weights: float, device_bytes: float, devices: int, kv_per_token: float) -> float:
    """The guide's worked example: (aggregate memory − weights) / KV per token, no fraction or reserve."""
    return (device_bytes * devices - weights) / kv_per_token


def usable_kv_bytes_per_device(
    backend: Backend, acc: Accelerator, weights_per_device: float, engine_reserve: float | None = None
) -> float:
    """Memory left for KV cache on one device (negative: the weights do not fit).

    ``total`` mode (vLLM ``gpu_memory_utilization``, a fraction of the device's whole memory):
    ``mem × fraction − reserve − weights``, where the reserve is the engine's own profiled peak
    (``engine_reserve``: activation + non-torch memory, from ``data/backends/memory_reserve.csv``)
    when one applies and the accelerator's ``runtime_reserve_gib`` otherwise. The profiled reserve
    replaces the accelerator's, never adds to it: vLLM measures from a snapshot taken after the CUDA
    context exists, so the context sits in the ``1 − fraction`` headroom.
    ``free_after_weights`` (TensorRT-LLM ``kv_cache_free_gpu_mem_fraction``):
    ``(mem − reserve − weights) × fraction``, always with the accelerator's reserve.

    Parameters
    ----------
    backend : Backend
    acc : Accelerator
    weights_per_device : float
        Weight bytes one device holds.
    engine_reserve : float | None
        Bytes the engine's start-up profiling takes per device before the KV cache; None: none known.
    """
    return float(
        usable_kv_bytes(
            np.array([acc.memory_bytes], dtype=float),
            np.array([backend.memory_fraction], dtype=float),
            np.array([acc.reserve_bytes], dtype=float),
            np.array([math.nan if engine_reserve is None else engine_reserve], dtype=float),
            np.array([weights_per_device], dtype=float),
            np.array([backend.memory_mode == "free_after_weights"]),
        )[0]
    )


def usable_kv_bytes(
    memory: np.ndarray,
    fraction: np.ndarray,
    acc_reserve: np.ndarray,
    engine_reserve: np.ndarray,
    weights_per_device: np.ndarray,
    free_after_weights: np.ndarray,
) -> np.ndarray:
    """``usable_kv_bytes_per_device`` over arrays (one entry per configuration); NaN engine reserve = none known."""
    free = memory - acc_reserve - weights_per_device
    reserve = np.where(np.isnan(engine_reserve), acc_reserve, engine_reserve)
    return np.where(
        free_after_weights,
        np.where(free > 0, free * fraction, free),
        memory * fraction - reserve - weights_per_device,
    )


def valid_tensor_parallel(model: ModelSpec, backend: Backend, devices: int) -> list[int]:
    """TP degrees a backend can use on an instance with ``devices`` devices.

    GPU tensor parallelism needs t to divide the devices and the attention heads, KV heads (of
    every layer kind) to split evenly or replicate, and linear-attention heads to split evenly.
    NeuronX pads heads, so only its own candidate list
    applies (1, 2, 4, 8 and the whole instance; not 4 on 32 cores).
    """
    divisors = [t for t in range(1, devices + 1) if devices % t == 0]
    if backend.tp_rule == "any":
        return divisors
    if backend.tp_rule == "neuron":
        cands = {1, 2, 4, 8} | ({devices} if devices > 8 else set())
        if devices == 32:
            cands.discard(4)
        return sorted(t for t in cands if t in divisors)
    arch = architecture_of(model)
    kv_counts = {model.kv_heads} | {g.attention.kv_heads for g in arch.groups if g.attention is not None}
    # linear-attention heads split across ranks with no replication (vLLM shards the state by head)
    state_heads = {h for g in arch.groups if g.state is not None for h in (g.state.heads, g.state.key_heads) if h}
    out = []
    for t in divisors:
        if model.heads % t:
            continue
        if any(kv % t and t % kv for kv in kv_counts):
            continue
        if any(h % t for h in state_heads):
            continue
        out.append(t)
    return out
