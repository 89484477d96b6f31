"""The option grid: which (backend, instance, precision, TP) combinations exist for a model.

Built once per model and deployment choice (not per traffic change), as flat numpy arrays,
so a slider drag only re-runs the traffic-dependent stages of the estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from lmi_explorer.models.estimate.memory import (
    KVLayout,
    kv_layout,
    usable_kv_bytes,
    valid_tensor_parallel,
    weight_bytes,
    window_caps,
)
from lmi_explorer.models.estimate.precisions import upcast_reason
from lmi_explorer.models.reference.backends import Backend, Efficiency, Support, SupportLevel, load_backends
from lmi_explorer.models.reference.catalog import ModelSpec
from lmi_explorer.models.reference.hardware import Accelerator, capable_names, load_hardware
from lmi_explorer.models.reference.memory_reserve import engine_reserve
from lmi_explorer.models.reference.model_architecture import architecture_of, routed_expert_params
from lmi_explorer.models.units import GIB

if TYPE_CHECKING:
    from lmi_explorer.models.calibration.user import FittedEfficiency

#: Why an option fails, furthest from fitting first: the decision names the furthest any option got.
FAIL_CAUSES = (
    "support",
    "accelerator",
    "precision",
    "hardware_precision",
    "tp",
    "weights",
    "kv",
    "ttft",
    "tpot",
    "platform",
    "price",
)

#: Share of an encoder-decoder model's parameters in the encoder (T5: about half).
ENCODER_SHARE = 0.5

#: Physics constants per configuration that do not depend on traffic.
#: per-configuration values collected by ``_assemble``, one tuple per configuration
_PAIR = (
    "kv_b",
    "reserve_bounds",
    "max_batch",
    "pipeline",
    "bandwidth",
    "eta_bw",
    "eta_kv",
    "eta_f",
    "step_s",
    "seq_s",
    "first_s",
    "link_latency_s",
    "link_bytes_s",
    "token_budget",
    "memory",
    "fraction",
    "acc_reserve",
    "free_after_weights",
    "weight_overhead",
)
STATIC_PHYSICS = (
    "weights",
    "weights_expert",
    "expert_hit",
    "kv_per_token",
    "params_prefill",
    "params_decode",
    "tp_speed",
    "tp_comm",
    "bandwidth",
    "flops",
    "eta_bw",
    "eta_kv",
    "eta_f",
    "step_s",
    "seq_s",
    "first_s",
    "link_latency_s",
    "link_bytes_s",
    "layers",
    "hidden",
    "attn_width",
    "token_budget",
)


@dataclass(frozen=True, eq=False)
class OptionGrid:
    """Rows (one per option) and configurations (one per backend × accelerator × precision × TP)."""

    # rows
    instance: np.ndarray
    instance_index: np.ndarray
    instances: tuple[str, ...]
    backend: np.ndarray
    backend_name: np.ndarray
    precision: np.ndarray
    tensor_parallel: np.ndarray
    config: np.ndarray  # index into configurations, -1 when the option fails before memory
    base_reason: np.ndarray
    base_cause: np.ndarray  # why an option fails before memory: one of FAIL_CAUSES, '' otherwise
    family: np.ndarray
    accelerator: np.ndarray
    devices: np.ndarray
    device_gib: np.ndarray
    reserve_gib: np.ndarray
    compiled: np.ndarray
    # configurations
    c_weights: np.ndarray
    c_weights_dev: np.ndarray
    c_usable_dev: np.ndarray
    c_room_dev: np.ndarray
    c_kv_total: np.ndarray
    c_kv_dev: np.ndarray
    c_reserve_bounds: np.ndarray
    c_reserve_dev: np.ndarray  # the reserve taken before the KV cache on each device (engine's or accelerator's)
    c_max_batch: np.ndarray
    c_continuous: np.ndarray
    c_tp: np.ndarray
    c_acc_name: tuple[str, ...]
    c_pair: np.ndarray  # (m,) index into ``pairs`` of each configuration
    pairs: tuple[tuple[str, str], ...]  # (backend, accelerator id) behind the configurations
    c_physics: dict[str, np.ndarray]
    # windowed layers and linear-attention state (memory.KVLayout per configuration; K windows)
    c_kv_win_dev: np.ndarray  # (m, K) bytes per token per device on windowed layers the engine caps
    c_state_dev: np.ndarray  # (m,) bytes per sequence per device
    kv_caps: np.ndarray  # (K,) tokens a capped windowed layer keeps per sequence
    c_kv_full_rep: np.ndarray  # (m,) whole-replica bytes per token on full layers (decode reads, every copy)
    c_kv_win_rep: np.ndarray  # (m, K) whole-replica bytes per token on windowed layers
    c_state_rep: np.ndarray  # (m,) whole-replica state bytes per sequence
    c_decode_bucket: np.ndarray  # (m,) smallest decode bucket of a static-shape engine (0: reads what it holds)
    windows: np.ndarray  # (K,) window W of each entry (attention reads at most W tokens)
    window_layers: np.ndarray  # (K,) layers with each window
    full_attention_layers: float  # layers attending to the whole context


def _wanted(family: str, is_neuron: bool, hardware: str, families: tuple[str, ...]) -> bool:
    if hardware == "gpu" and is_neuron:
        return False
    if hardware == "inferentia" and not is_neuron:
        return False
    return not families or family in families


@lru_cache(maxsize=64)
def option_grid(
    model: ModelSpec,
    lmi: int,
    hardware: str,
    families: tuple[str, ...],
    precisions: tuple[str, ...],
    tensor_parallel: int | None,
    kv_cache_dtype: str,
    only_backends: tuple[str, ...] = (),
    overrides: tuple[FittedEfficiency, ...] = (),
    gpu_memory_utilization: float | None = None,
    engine_limits: tuple[int | None, int | None] = (None, None),
) -> OptionGrid:
    """Every option for the model and deployment choices, with the reason where one fails early.

    ``only_backends`` narrows the grid (the decision's what-if questions ask about one backend).
    ``overrides`` are a scenario's fitted efficiency factors, used instead of the shipped ones for the
    (backend, accelerator) pairs they name; being an argument, they are part of the cache key.
    ``gpu_memory_utilization`` replaces the share of GPU memory vLLM and lmi-dist take (None: their default);
    ``engine_limits`` (requests at once, tokens per step) replace the backends' own (None: theirs).
    """
    bk = load_backends()
    hw = load_hardware()
    names = [
        n
        for n, inst in hw.instances.items()
        if _wanted(inst.family, hw.accelerators[inst.accelerator].is_neuron, hardware, families)
    ]
    out: list[tuple] = []  # (instance index, backend, precision, TP, configuration or -1, reason, cause) per row
    cfg_index: dict[tuple[str, str, str, int], int] = {}
    cfgs: list[dict] = []
    # (index, accelerator, devices) per candidate instance, by hardware kind: each backend walks its own
    by_kind: dict[bool, list[tuple[int, Accelerator, int]]] = {False: [], True: []}
    for i, name in enumerate(names):
        inst = hw.instances[name]
        acc = hw.accelerators[inst.accelerator]
        by_kind[acc.is_neuron].append((i, acc, inst.devices))
    for backend in bk.backends.values():
        if not backend.available(lmi) or (only_backends and backend.backend not in only_backends):
            continue
        support = bk.support_for(backend.backend, model, lmi)
        supported = support.level in (SupportLevel.SUPPORTED, SupportLevel.FALLBACK)
        # instances with the same accelerator and device count get the same rows: work them out once
        per_kind: dict[tuple[str, int], list[tuple]] = {}
        for i, acc, devices in by_kind[backend.hardware == "neuron"]:
            kind = (acc.accelerator, devices)
            entries = per_kind.get(kind)
            if entries is None:
                entries = per_kind[kind] = _rows_for(
                    model,
                    backend,
                    acc,
                    devices,
                    precisions,
                    tensor_parallel,
                    lmi,
                    support,
                    supported,
                    cfg_index,
                    cfgs,
                )
            head = (i, backend)
            out.extend([head + e for e in entries])
    cols = list(zip(*out, strict=True)) if out else [()] * 7
    rows = dict(zip(("inst", "backend", "prec", "tp", "cfg", "reason", "cause"), cols, strict=True))
    return _assemble(model, kv_cache_dtype, names, rows, cfgs, overrides, gpu_memory_utilization, engine_limits)


def _rows_for(
    model: ModelSpec,
    backend: Backend,
    acc: Accelerator,
    devices: int,
    precisions: tuple[str, ...],
    tensor_parallel: int | None,
    lmi: int,
    support: Support,
    supported: bool,
    cfg_index: dict,
    cfgs: list[dict],
) -> list[tuple]:
    """(precision, TP, configuration or -1, reason, cause) rows of one backend on one kind of instance."""
    bk = load_backends()
    tps = valid_tensor_parallel(model, backend, devices)
    if tensor_parallel is not None:
        tps = [t for t in tps if t == tensor_parallel]
    entries: list[tuple] = []
    upcasts = upcast_reasons(model, precisions)
    caps = bk.caps_windows(backend.backend, lmi)
    # the engine's own profiled reserve (activation + non-torch) where one is measured; None: the accelerator's
    profiled = engine_reserve(model, bk, backend.backend, lmi, acc.accelerator)
    plan = _precision_plan(bk, backend, acc, model.model_type, lmi, precisions)
    for pname, (hw_reason, hw_cause, compute) in zip(precisions, plan, strict=True):
        reason = ""
        cause = ""
        if not supported:
            reason, cause = support.reason, "support"
        elif hw_cause in ("accelerator", ""):
            if hw_cause:
                reason, cause = hw_reason, hw_cause
            elif upcast := upcasts[pname]:
                reason, cause = upcast, "precision"
            elif not tps:
                cause = "tp"
                if not tensor_parallel:
                    why = f"{model.heads} heads / {model.kv_heads} KV heads do not split over {devices} devices"
                elif tensor_parallel > devices or devices % tensor_parallel:
                    why = f"TP {tensor_parallel} does not fit the {devices} device(s) of this instance"
                else:
                    why = f"{model.heads} heads / {model.kv_heads} KV heads do not split over TP {tensor_parallel}"
                reason = f"No valid tensor-parallel degree: {why}."
        elif upcast := upcasts[pname]:
            reason, cause = upcast, "precision"
        else:
            reason, cause = hw_reason, hw_cause
        if reason:
            entries.append((pname, tensor_parallel or devices, -1, reason, cause))
            continue
        for t in tps:
            key = (backend.backend, acc.accelerator, pname, t)
            k = cfg_index.get(key)
            if k is None:
                k = cfg_index[key] = len(cfgs)
                cfgs.append(
                    {
                        "backend": backend,
                        "acc": acc,
                        "prec": bk.precisions[pname],
                        "tp": t,
                        "compute": compute,
                        "continuous": support.continuous_batching,
                        "caps_windows": caps,
                        "reserve": None if profiled is None else profiled.bytes_per_device(t),
                    }
                )
            entries.append((pname, t, k, "", ""))
    return entries


_PLAN_CACHE: dict[tuple, tuple[tuple[str, str, str], ...]] = {}


def _precision_plan(
    bk: Any, backend: Backend, acc: Accelerator, model_type: str, lmi: int, precisions: tuple[str, ...]
) -> tuple[tuple[str, str, str], ...]:
    """Per precision (reason, cause, compute) from reference data alone: the accelerator, the image's CUDA
    and the quantization table. Independent of the model's size, so kept across models (a new model
    re-uses it); ``cause`` '' means the precision runs, with its math at ``compute``.
    """
    key = (id(bk), backend.backend, acc.accelerator, model_type, lmi, precisions)
    hit = _PLAN_CACHE.get(key)
    if hit is not None:
        return hit
    cuda = bk.image_cuda(backend.backend, lmi) if acc.min_cuda else None
    pre = ""
    if not backend.runs_on(acc.architecture):
        pre = f"{backend.name} does not run on {acc.name}."
    elif cuda is not None and acc.min_cuda is not None and cuda < acc.min_cuda:
        pre = (
            f"{acc.name} needs CUDA {acc.min_cuda:g} or later; {backend.name}'s image in LMI v{lmi} "
            f"is built for CUDA {cuda:g}."
        )
    out: list[tuple[str, str, str]] = []
    for pname in precisions:
        if pre:
            out.append((pre, "accelerator", "fp16"))
            continue
        prec = bk.precisions[pname]
        method = bk.precision_method_for(backend.backend, pname, model_type, lmi)
        if method is None:
            out.append(
                (f"{backend.name} does not offer {prec.label} for '{model_type}' in LMI v{lmi}.", "precision", "fp16")
            )
            continue
        compute = method["compute"]
        if acc.peak(compute) is None and _falls_back(method, acc):
            compute = str(method["fallback"])  # weight-only kernels: 16-bit math
        if acc.peak(compute) is None:
            need = _hardware_need(method)
            out.append(
                (f"{prec.label} ({method['method']}) needs {need}; {acc.name} lacks it.", "hardware_precision", compute)
            )
            continue
        out.append(("", "", compute))
    result = _PLAN_CACHE[key] = tuple(out)
    return result


@lru_cache(maxsize=64)
def upcast_reasons(model: ModelSpec, precisions: tuple[str, ...]) -> dict[str, str]:
    """Why each precision is not offered for the model ('' where it is), worked out once per grid."""
    return {p: upcast_reason(model, p) for p in precisions}


def _attention_width(model: ModelSpec) -> float:
    """``n_q × (d_qk + d_v) / 2``: the prefill attention matmuls' width (QKᵀ at d_qk, AV at d_v).

    MLA computes attention at ``qk_nope + qk_rope`` per query head and ``v_head_dim`` per value head
    (DeepSeek-V3: 128 × (192 + 128) / 2), not at the latent width it caches.
    """
    a = architecture_of(model).attention
    if a.kind == "mla" and a.qk_nope_head_dim:
        return a.heads * (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_dim) / 2.0
    return a.heads * (a.head_dim + a.v_dim) / 2.0


def _falls_back(method: dict, acc: Accelerator) -> bool:
    """Whether a quantization row has weight-only kernels for this accelerator's architecture."""
    on = method.get("fallback_on")
    return bool(method.get("fallback")) and isinstance(on, str) and acc.architecture in on.split(";")


def _hardware_need(method: dict) -> str:
    """What hardware a quantization method needs, in words, for the reason an option fails."""
    on = method.get("fallback_on")
    return _need_text(str(method["compute"]), bool(method.get("fallback")), on if isinstance(on, str) else "")


@lru_cache(maxsize=64)
def _need_text(compute: str, fallback: bool, on: str) -> str:
    if compute == "fp8":
        need = f"an FP8-capable GPU ({capable_names('fp8')})"
    elif compute == "fp4":
        need = f"FP4 tensor cores ({capable_names('fp4')})"
    else:
        need = "int8 tensor cores (not on V100)"
    if fallback and on:
        need += f" or weight-only kernels ({on.replace(';', ', ').title()})"
    return need


def _assemble(
    model: ModelSpec,
    kv_cache_dtype: str,
    names: list[str],
    rows: dict,
    cfgs: list[dict],
    overrides: tuple[FittedEfficiency, ...] = (),
    gpu_memory_utilization: float | None = None,
    engine_limits: tuple[int | None, int | None] = (None, None),
) -> OptionGrid:
    bk = load_backends()
    hw = load_hardware()
    inst_objs = [hw.instances[n] for n in names]
    accs = [hw.accelerators[i.accelerator] for i in inst_objs]
    idx = np.array(rows["inst"], dtype=np.int64)
    backends = rows["backend"]

    def per_inst(values: list, dtype: Any = object) -> np.ndarray:
        arr = np.array(values, dtype=dtype)
        return arr[idx] if len(idx) else np.array([], dtype=dtype)

    m = len(cfgs)
    enc = ENCODER_SHARE if model.is_encoder_decoder else 0.0
    hit = model.experts_per_token / model.experts if model.experts > 1 else 1.0
    fitted = {(o.backend, o.accelerator): o for o in overrides}
    # what depends only on the backend and the accelerator, once per pair; per configuration only the
    # indices into it are collected (a Python loop per configuration is what a cold grid spends)
    pair_of: dict[tuple[str, str], int] = {}
    pair_rows: list[tuple] = []
    prec_of: dict[str, int] = {}
    prec_w: list[float] = []
    layout_of: dict[tuple[int, float, str, bool], KVLayout] = {}
    flops_of: dict[tuple[str, str], float | None] = {}
    rep = kv_layout(model, 2.0) if m else None
    rep_fp8 = kv_layout(model, 1.0) if m else None
    c_pair: list[int] = []
    c_prec: list[int] = []
    c_flops: list[float | None] = []
    c_reserve: list[float] = []
    acc_names: list[str] = []
    layouts: list[tuple[KVLayout, KVLayout]] = []  # (device, whole replica) per configuration
    for cfg in cfgs:
        backend, acc, prec, t = cfg["backend"], cfg["acc"], cfg["prec"], cfg["tp"]
        pk = (backend.backend, acc.accelerator)
        p = pair_of.get(pk)
        if p is None:
            p = pair_of[pk] = len(pair_rows)
            pair_rows.append(
                _pair_row(bk, hw, backend, acc, kv_cache_dtype, fitted.get(pk), gpu_memory_utilization, engine_limits)
            )
        kv_b = pair_rows[p][0]
        q = prec_of.get(prec.precision)
        if q is None:
            q = prec_of[prec.precision] = len(prec_w)
            prec_w.append(weight_bytes(model, prec))
        lay_key = (t, kv_b, backend.parallelism, cfg["caps_windows"])
        dev = layout_of.get(lay_key)
        if dev is None:
            dev = layout_of[lay_key] = kv_layout(model, kv_b, t, backend.parallelism, cfg["caps_windows"])
        layouts.append((dev, rep if kv_b == 2.0 else rep_fp8))  # type: ignore[arg-type]
        fk = (acc.accelerator, cfg["compute"])
        if fk not in flops_of:
            flops_of[fk] = acc.peak(cfg["compute"])
        c_flops.append(flops_of[fk])
        c_pair.append(p)
        c_prec.append(q)
        c_reserve.append(math.nan if cfg["reserve"] is None else cfg["reserve"])
        acc_names.append(acc.name)

    pcols = [np.array(col) for col in zip(*pair_rows, strict=True)] if pair_rows else [np.zeros(0)] * len(_PAIR)
    pc = dict(zip(_PAIR, pcols, strict=True))
    pi = np.array(c_pair, dtype=np.int64)
    tps = np.array([cfg["tp"] for cfg in cfgs], dtype=np.int64).reshape(m)
    engine_res = np.array(c_reserve, dtype=float).reshape(m)
    has_engine = ~np.isnan(engine_res)

    def f(key: str) -> np.ndarray:
        return np.asarray(pc[key][pi], dtype=float).reshape(m)

    weights = np.array(prec_w, dtype=float)[np.array(c_prec, dtype=np.int64)].reshape(m) if m else np.zeros(0)
    w_dev = weights * (1.0 + f("weight_overhead")) / np.maximum(tps, 1)
    mem, frac, acc_res = f("memory"), f("fraction"), f("acc_reserve")
    reserve_dev = np.where(has_engine, engine_res, acc_res)
    usable = usable_kv_bytes(
        mem, frac, acc_res, engine_res, w_dev, pc["free_after_weights"][pi].astype(bool) if m else np.zeros(0, bool)
    )
    room = mem * frac - reserve_dev  # before the weights: the device's share less the reserve in use
    kv_total = np.array([r.per_token_uncapped for _, r in layouts], dtype=float).reshape(m)
    kv_dev = np.array([d.full for d, _ in layouts], dtype=float).reshape(m)
    # each device reads its own cache: where TP exceeds the KV heads they are replicated (and an MLA latent
    # is whole on every rank), so a decode step reads more than one copy of the replica's cache
    dev_total = np.array([d.per_token_uncapped for d, _ in layouts], dtype=float).reshape(m)
    replication = np.where(kv_total > 0, dev_total * np.maximum(tps, 1) / np.where(kv_total > 0, kv_total, 1.0), 1.0)
    replication = np.maximum(replication, 1.0)
    pipeline = pc["pipeline"][pi].astype(bool) if m else np.zeros(0, dtype=bool)
    tp_speed = np.where(pipeline, 1, tps).astype(float)
    c = {
        "weights": weights * (1.0 - enc),
        "weights_expert": _expert_weights(model, cfgs, weights),
        "expert_hit": np.full(m, hit),
        "kv_per_token": kv_total * replication,
        "params_prefill": np.full(m, model.active_params * (enc if enc else 1.0)),
        "params_decode": np.full(m, model.active_params * (1.0 - enc)),
        "tp_speed": tp_speed,
        "tp_comm": tp_speed.copy(),
        "bandwidth": f("bandwidth"),
        "flops": np.array([np.nan if x is None else x for x in c_flops], dtype=float).reshape(m),
        "eta_bw": f("eta_bw"),
        "eta_kv": f("eta_kv"),
        "eta_f": f("eta_f"),
        "step_s": f("step_s"),
        "seq_s": f("seq_s"),
        "first_s": f("first_s"),
        "link_latency_s": f("link_latency_s"),
        "link_bytes_s": f("link_bytes_s"),
        "layers": np.full(m, float(model.layers)),
        "hidden": np.full(m, float(model.hidden_size)),
        "attn_width": np.full(m, _attention_width(model)),
        # an engine that does not chunk prompts batches whole prompts up to max(max_model_len, 2048)
        # tokens a step (vLLM V0's max_num_batched_tokens without chunked prefill)
        "token_budget": np.minimum(f("token_budget"), float(max(model.context, 2048))),
    }
    reserve_bounds = np.array(pc["reserve_bounds"][pi] if m else [], dtype=bool).reshape(m)
    max_batch = np.array(pc["max_batch"][pi] if m else [], dtype=np.int64).reshape(m)
    continuous = np.array([cfg["continuous"] for cfg in cfgs], dtype=bool).reshape(m)
    decode_bucket = np.array([cfg["backend"].decode_bucket_min or 0 for cfg in cfgs], dtype=float).reshape(m)
    arch = architecture_of(model)
    caps_info = window_caps(arch)
    k = len(caps_info)
    win_dev = np.zeros((m, k))
    win_rep = np.zeros((m, k))
    for i, (dev, rep) in enumerate(layouts if k else ()):
        if dev.windowed:
            win_dev[i] = dev.windowed
        win_rep[i] = rep.windowed
    return OptionGrid(
        instance=per_inst(names),
        instance_index=idx,
        instances=tuple(names),
        backend=np.array([b.backend for b in backends], dtype=object),
        backend_name=np.array([b.name for b in backends], dtype=object),
        precision=np.array(rows["prec"], dtype=object),
        tensor_parallel=np.array(rows["tp"], dtype=np.int64),
        config=np.array(rows["cfg"], dtype=np.int64),
        base_reason=np.array(rows["reason"], dtype=object),
        base_cause=np.array(rows["cause"], dtype=object),
        family=per_inst([i.family for i in inst_objs]),
        accelerator=per_inst([a.name for a in accs]),
        devices=per_inst([i.devices for i in inst_objs], np.int64),
        device_gib=per_inst([a.memory_bytes / GIB for a in accs], float),
        reserve_gib=per_inst([a.reserve_bytes / GIB for a in accs], float),
        compiled=np.array([b.compiled for b in backends], dtype=bool),
        c_weights=weights,
        c_weights_dev=w_dev,
        c_usable_dev=usable,
        c_room_dev=room,
        c_kv_total=kv_total,
        c_kv_dev=kv_dev,
        c_reserve_bounds=reserve_bounds,
        c_reserve_dev=reserve_dev,
        c_max_batch=max_batch,
        c_continuous=continuous,
        c_tp=tps,
        c_acc_name=tuple(acc_names),
        c_pair=pi,
        pairs=tuple(pair_of),
        c_physics=c,
        c_kv_win_dev=win_dev,
        c_state_dev=np.array([d.state for d, _ in layouts], dtype=float).reshape(m),
        kv_caps=np.array([kept for _, kept, _ in caps_info], dtype=float),
        c_kv_full_rep=np.array([r.full for _, r in layouts], dtype=float).reshape(m) * replication,
        c_kv_win_rep=win_rep * replication[:, None],
        c_state_rep=np.array([r.state for _, r in layouts], dtype=float).reshape(m) * replication,
        c_decode_bucket=decode_bucket,
        windows=np.array([w for w, _, _ in caps_info], dtype=float),
        window_layers=np.array([n for _, _, n in caps_info], dtype=float),
        full_attention_layers=float(arch.count("full")),
    )


def _expert_weights(model: ModelSpec, cfgs: list[dict], weights: np.ndarray) -> np.ndarray:
    """Bytes of each configuration's weights in routed experts (read only where the batch routes)."""
    experts = routed_expert_params(model)
    if not experts:
        return np.zeros(len(cfgs))
    per_weight = np.array(
        [
            p.weight_bytes + p.scale_bytes_per_weight if p.scope == "experts" else math.nan
            for p in (cfg["prec"] for cfg in cfgs)
        ],
        dtype=float,
    )
    share = np.where(np.isnan(per_weight), weights / model.params, per_weight)
    return np.minimum(experts * share, weights)


def engine_memory_fraction(backend: Backend, gpu_memory_utilization: float | None) -> float:
    """The share of device memory the engine takes: vLLM's and lmi-dist's own setting where one is given."""
    takes_total = backend.hardware == "gpu" and backend.memory_mode == "total" and backend.paged_kv
    if gpu_memory_utilization is not None and takes_total and not backend.compiled:
        return float(gpu_memory_utilization)
    return backend.memory_fraction


def engine_batch_limit(backend: Backend, gib: float, acc_name: str, setting: int | None) -> int:
    """Requests one copy runs at once: the scenario's ``max_batch_size`` where set, else the backend's default."""
    return int(setting) if setting is not None else backend.batch_limit(gib, acc_name)


def engine_step_budget(backend: Backend, gib: float, acc_name: str, setting: int | None) -> float:
    """Tokens per step: the scenario's ``max_num_batched_tokens`` where set and the backend chunks prompts."""
    default = backend.step_budget(gib, acc_name)
    return float(setting) if setting is not None and math.isfinite(default) else default


def _pair_row(
    bk: Any,
    hw: Any,
    backend: Backend,
    acc: Accelerator,
    kv_cache_dtype: str,
    own: FittedEfficiency | None,
    gpu_memory_utilization: float | None = None,
    engine_limits: tuple[int | None, int | None] = (None, None),
) -> tuple:
    """What a configuration takes from its backend and accelerator alone, in the order of ``_PAIR``."""
    eff = bk.efficiency_for(backend.backend, acc.accelerator) if own is None else _efficiency(own)
    link = hw.interconnects[acc.interconnect]
    link_eff = link.bandwidth_efficiency if eff.eta_link is None else eff.eta_link
    if own is not None and own.eta_link is not None:
        link_eff = own.eta_link
    gib = acc.memory_bytes / GIB
    return (
        1.0 if (kv_cache_dtype == "fp8" and acc.fp8_flops) else 2.0,
        backend.compiled or not backend.paged_kv,
        engine_batch_limit(backend, gib, acc.name, engine_limits[0]),
        backend.parallelism == "pipeline",
        acc.bandwidth_bytes_s,
        eff.eta_bw,
        eff.kv_efficiency,
        eff.eta_f,
        eff.step_overhead_s,
        eff.per_sequence_s,
        eff.first_token_extra_s,
        link.allreduce_latency_s,
        acc.link_bytes_s * link_eff,
        engine_step_budget(backend, gib, acc.name, engine_limits[1]),
        acc.memory_bytes,
        engine_memory_fraction(backend, gpu_memory_utilization),
        acc.reserve_bytes,
        backend.memory_mode == "free_after_weights",
        backend.weight_overhead,
    )


def _efficiency(f: FittedEfficiency) -> Efficiency:
    return Efficiency(
        f.eta_bw,
        f.eta_f,
        f.step_overhead_s,
        "fitted to the scenario's measurements",
        True,
        f.eta_link,
        f.eta_kv,
        None if f.seq_overhead_us is None else f.seq_overhead_us / 1e6,
        None if f.first_token_ms is None else f.first_token_ms / 1e3,
    )
