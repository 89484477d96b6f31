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
    usable_kv_bytes_per_device,
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
_CFG_COLUMNS = (
    "w",
    "w_dev",
    "usable",
    "room",
    "kv_total",
    "kv_dev",
    "reserve_bounds",
    "max_batch",
    "continuous",
    "tp",
    "tp_speed",
    "bandwidth",
    "flops",
    "eta_bw",
    "eta_f",
    "step_s",
    "link_latency_s",
    "link_bytes_s",
    "token_budget",
    "reserve_dev",
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
    "eta_f",
    "step_s",
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
    c_physics: dict[str, np.ndarray]
    # windowed layers and linear-attention state (memory.KVLayout per configuration; K windows)
    c_kv_win_dev: np.ndarray  # (m, K) bytes per token per device on windowed layers the engine caps
    c_state_dev: np.ndarray  # (m,) bytes per sequence per device
    kv_caps: np.ndarray  # (K,) tokens a capped windowed layer keeps per sequence
    c_kv_full_rep: np.ndarray  # (m,) whole-replica bytes per token on full layers (decode reads)
    c_kv_win_rep: np.ndarray  # (m, K) whole-replica bytes per token on windowed layers
    c_state_rep: np.ndarray  # (m,) whole-replica state bytes per sequence
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
) -> OptionGrid:
    """Every option for the model and deployment choices, with the reason where one fails early.

    ``only_backends`` narrows the grid (the decision's what-if questions ask about one backend).
    ``overrides`` are a scenario's fitted efficiency factors, used instead of the shipped ones for the
    (backend, accelerator) pairs they name; being an argument, they are part of the cache key.
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
    return _assemble(model, kv_cache_dtype, names, rows, cfgs, overrides)


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
    runs = backend.runs_on(acc.architecture)
    cuda = bk.image_cuda(backend.backend, lmi) if acc.min_cuda else None
    # the engine's own profiled reserve (activation + non-torch) where one is measured; None: the accelerator's
    profiled = engine_reserve(model, bk, backend.backend, lmi, acc.accelerator)
    too_old = cuda is not None and acc.min_cuda is not None and cuda < acc.min_cuda
    for pname in precisions:
        prec = bk.precisions[pname]
        reason = ""
        cause = ""
        method = None
        if not supported:
            reason, cause = support.reason, "support"
        elif not runs:
            reason, cause = f"{backend.name} does not run on {acc.name}.", "accelerator"
        elif too_old:
            reason = (
                f"{acc.name} needs CUDA {acc.min_cuda:g} or later; {backend.name}'s image in LMI v{lmi} "
                f"is built for CUDA {cuda:g}."
            )
            cause = "accelerator"
        elif upcast := upcasts[pname]:
            reason, cause = upcast, "precision"
        else:
            method = bk.precision_method(backend.backend, pname, model, lmi)
            compute = method["compute"] if method else ""
            if method is not None and acc.peak(compute) is None and _falls_back(method, acc):
                compute = str(method["fallback"])  # weight-only kernels: 16-bit math
            if method is None:
                cause = "precision"
                reason = f"{backend.name} does not offer {prec.label} for '{model.model_type}' in LMI v{lmi}."
            elif acc.peak(compute) is None:
                cause = "hardware_precision"
                reason = f"{prec.label} ({method['method']}) needs {_hardware_need(method)}; {acc.name} lacks it."
            elif not tps:
                cause = "tp"
                if not tensor_parallel:
                    why = f"{model.heads} heads / {model.kv_heads} KV heads do not split over {devices} devices"
                elif tensor_parallel > devices or devices % tensor_parallel:
                    why = f"TP {tensor_parallel} does not fit the {devices} device(s) of this instance"
                else:
                    why = f"{model.heads} heads / {model.kv_heads} KV heads do not split over TP {tensor_parallel}"
                reason = f"No valid tensor-parallel degree: {why}."
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
                        "prec": prec,
                        "tp": t,
                        "compute": compute if method else "fp16",
                        "continuous": support.continuous_batching,
                        "caps_windows": caps,
                        "reserve": None if profiled is None else profiled.bytes_per_device(t),
                    }
                )
            entries.append((pname, t, k, "", ""))
    return entries


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
    # one pass collecting plain tuples (a numpy element write per value costs more than the arithmetic)
    acc_names = []
    rows_out: list[tuple] = []
    weights_of: dict[str, float] = {}
    layout_of: dict[tuple[int, float, str, bool], KVLayout] = {}
    pairs: dict[tuple[str, str], tuple] = {}  # what depends only on the backend and the accelerator
    layouts: list[tuple[KVLayout, KVLayout]] = []  # (device, whole replica) per configuration
    for cfg in cfgs:
        backend, acc, prec, t = cfg["backend"], cfg["acc"], cfg["prec"], cfg["tp"]
        pair = pairs.get((backend.backend, acc.accelerator))
        if pair is None:
            own = fitted.get((backend.backend, acc.accelerator))
            eff = bk.efficiency_for(backend.backend, acc.accelerator) if own is None else _efficiency(own)
            link = hw.interconnects[acc.interconnect]
            link_eff = link.bandwidth_efficiency if eff.eta_link is None else eff.eta_link
            if own is not None and own.eta_link is not None:
                link_eff = own.eta_link
            pair = pairs[(backend.backend, acc.accelerator)] = (
                1.0 if (kv_cache_dtype == "fp8" and acc.fp8_flops) else 2.0,
                acc.memory_bytes * backend.memory_fraction - acc.reserve_bytes,
                backend.compiled or not backend.paged_kv,
                backend.batch_limit(acc.memory_bytes / GIB, acc.name),
                backend.parallelism == "pipeline",
                acc.bandwidth_bytes_s,
                eff.eta_bw,
                eff.eta_f,
                eff.step_overhead_s,
                link.allreduce_latency_s,
                acc.link_bytes_s * link_eff,
                backend.step_budget(acc.memory_bytes / GIB, acc.name),
            )
        kv_b, room, reserve_bounds, max_batch, pipeline, bandwidth, eta_bw, eta_f, step_s = pair[:9]
        latency, link_bytes, budget = pair[9:]
        w = weights_of.get(prec.precision)
        if w is None:
            w = weights_of[prec.precision] = weight_bytes(model, prec)
        capped = cfg["caps_windows"]
        lay_key = (t, kv_b, backend.parallelism, capped)
        dev = layout_of.get(lay_key)
        if dev is None:
            dev = layout_of[lay_key] = kv_layout(model, kv_b, t, backend.parallelism, capped)
        rep_key = (1, kv_b, "tensor", True)
        rep = layout_of.get(rep_key)
        if rep is None:
            rep = layout_of[rep_key] = kv_layout(model, kv_b)
        kv_total = rep.per_token_uncapped
        kv_dev = dev.full
        layouts.append((dev, rep))
        w_dev = w * (1.0 + backend.weight_overhead) / t
        reserve = cfg["reserve"]
        rows_out.append(
            (  # in the order of _CFG_COLUMNS
                w,
                w_dev,
                usable_kv_bytes_per_device(backend, acc, w_dev, reserve),
                room if reserve is None else acc.memory_bytes * backend.memory_fraction - reserve,
                kv_total,
                kv_dev,
                reserve_bounds,
                max_batch,
                cfg["continuous"],
                t,
                1 if pipeline else t,
                bandwidth,
                acc.peak(cfg["compute"]),
                eta_bw,
                eta_f,
                step_s,
                latency,
                link_bytes,
                budget,
                acc.reserve_bytes if reserve is None else reserve,
            )
        )
        acc_names.append(acc.name)

    cols = dict(zip(_CFG_COLUMNS, zip(*rows_out, strict=True) if rows_out else ([],) * len(_CFG_COLUMNS), strict=True))

    def f(key: str) -> np.ndarray:
        return np.array(cols[key], dtype=float).reshape(m)

    weights = f("w")
    tp_speed = f("tp_speed")
    c = {
        "weights": weights * (1.0 - enc),
        "weights_expert": _expert_weights(model, cfgs, weights),
        "expert_hit": np.full(m, hit),
        "kv_per_token": f("kv_total"),
        "params_prefill": np.full(m, model.active_params * (enc if enc else 1.0)),
        "params_decode": np.full(m, model.active_params * (1.0 - enc)),
        "tp_speed": tp_speed,
        "tp_comm": tp_speed.copy(),
        "bandwidth": f("bandwidth"),
        "flops": f("flops"),
        "eta_bw": f("eta_bw"),
        "eta_f": f("eta_f"),
        "step_s": f("step_s"),
        "link_latency_s": f("link_latency_s"),
        "link_bytes_s": f("link_bytes_s"),
        "layers": np.full(m, float(model.layers)),
        "hidden": np.full(m, float(model.hidden_size)),
        "attn_width": np.full(m, _attention_width(model)),
        # an engine that does not chunk prompts batches whole prompts up to max(max_model_len, 2048)
        # tokens a step (vLLM V0's max_num_batched_tokens without chunked prefill)
        "token_budget": np.minimum(f("token_budget"), float(max(model.context, 2048))),
    }
    weights_dev = f("w_dev")
    usable = f("usable")
    room = f("room")
    kv_total_c = f("kv_total")
    kv_dev_c = f("kv_dev")
    reserve_bounds = np.array(cols["reserve_bounds"], dtype=bool).reshape(m)
    max_batch = np.array(cols["max_batch"], dtype=np.int64).reshape(m)
    continuous = np.array(cols["continuous"], dtype=bool).reshape(m)
    tps = np.array(cols["tp"], dtype=np.int64).reshape(m)
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
        c_weights_dev=weights_dev,
        c_usable_dev=usable,
        c_room_dev=room,
        c_kv_total=kv_total_c,
        c_kv_dev=kv_dev_c,
        c_reserve_bounds=reserve_bounds,
        c_reserve_dev=f("reserve_dev"),
        c_max_batch=max_batch,
        c_continuous=continuous,
        c_tp=tps,
        c_acc_name=tuple(acc_names),
        c_physics=c,
        c_kv_win_dev=win_dev,
        c_state_dev=np.array([d.state for d, _ in layouts], dtype=float).reshape(m),
        kv_caps=np.array([kept for _, kept, _ in caps_info], dtype=float),
        c_kv_full_rep=np.array([r.full for _, r in layouts], dtype=float).reshape(m),
        c_kv_win_rep=win_rep,
        c_state_rep=np.array([r.state for _, r in layouts], dtype=float).reshape(m),
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


def _efficiency(f: FittedEfficiency) -> Efficiency:
    return Efficiency(f.eta_bw, f.eta_f, f.step_overhead_s, "fitted to the scenario's measurements", True)
