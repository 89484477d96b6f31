"""Memory per replica: weights by precision, KV cache per token, budget per device.

Formulas follow the LMI instance-type-selection guide, corrected for grouped-query
attention; both KV forms are kept so the app can reconcile its figures with the guide.
"""

from __future__ import annotations

from lmi_explorer.models.reference.backends import Backend, Precision
from lmi_explorer.models.reference.catalog import ModelSpec
from lmi_explorer.models.reference.hardware import Accelerator


def weight_bytes(model: ModelSpec, precision: Precision) -> float:
    """Weights of one replica in bytes.

    ``W = P_quant × b_w + P_quant × scales + P_unquant × 2``, where embeddings and the LM
    head stay 16-bit in the quantized checkpoints (``precision.embeddings_16bit``).
    """
    # never more 16-bit weights than the model has (a custom model with a huge vocabulary)
    unquant = min(model.embedding_params, model.params) if precision.embeddings_16bit else 0.0
    quant = model.params - unquant
    return quant * (precision.weight_bytes + precision.scale_bytes_per_weight) + unquant * 2.0


def kv_bytes_per_token(model: ModelSpec, kv_bytes: float = 2.0) -> float:
    """KV cache per token for the whole replica, GQA-aware: ``2 × L × n_kv × d × b_kv``.

    Latent attention (MLA) caches ``(kv_lora_rank + qk_rope_head_dim) × L × b_kv`` instead
    (currency-2026 §2.2, vLLM's MLA backends): one latent per token and layer, no per-head K and V.
    """
    if model.kv_lora_rank:
        return float(model.kv_lora_rank + model.qk_rope_head_dim) * model.layers * kv_bytes
    return 2.0 * model.layers * model.kv_heads * model.d_head * kv_bytes


def kv_bytes_per_token_guide(model: ModelSpec, kv_bytes: float = 2.0) -> float:
    """The LMI guide's form ``2 × b × L × hidden``: over-counts GQA models by n_q / n_kv."""
    return 2.0 * kv_bytes * model.layers * model.hidden_size


def kv_bytes_per_token_device(model: ModelSpec, tp: int, kv_bytes: float, parallelism: str) -> float:
    """KV bytes per token held by one device of a TP group (each holds at least one KV head)."""
    if parallelism == "pipeline":
        return kv_bytes_per_token(model, kv_bytes) / tp
    if model.kv_lora_rank:  # MLA: every tensor-parallel rank holds the whole latent (§2.2)
        return kv_bytes_per_token(model, kv_bytes)
    heads = max(model.kv_heads / tp, 1.0)
    return 2.0 * model.layers * heads * model.d_head * kv_bytes


def guide_kv_capacity_tokens(weights: float, device_bytes: float, devices: int, kv_per_token: float) -> float:
    """The guide's worked example: (aggregate memory − weights) / KV per token, no fraction or reserve."""
    return (device_bytes * devices - weights) / kv_per_token


def usable_kv_bytes_per_device(backend: Backend, acc: Accelerator, weights_per_device: float) -> float:
    """Memory left for KV cache on one device (negative: the weights do not fit).

    ``total`` mode (vLLM ``gpu_memory_utilization``): ``mem × fraction − reserve − weights``.
    ``free_after_weights`` (TensorRT-LLM ``kv_cache_free_gpu_mem_fraction``):
    ``(mem − reserve − weights) × fraction``.
    """
    if backend.memory_mode == "free_after_weights":
        free = acc.memory_bytes - acc.reserve_bytes - weights_per_device
        return free * backend.memory_fraction if free > 0 else free
    return acc.memory_bytes * backend.memory_fraction - acc.reserve_bytes - weights_per_device


def valid_tensor_parallel(model: ModelSpec, backend: Backend, devices: int) -> list[int]:
    """TP degrees a backend can use on an instance with ``devices`` devices.

    GPU tensor parallelism needs t to divide the devices and the attention heads, and KV
    heads to split evenly or replicate. NeuronX pads heads, so only its own candidate list
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
    out = []
    for t in divisors:
        if model.heads % t:
            continue
        if model.kv_heads % t and t % model.kv_heads:
            continue
        out.append(t)
    return out
