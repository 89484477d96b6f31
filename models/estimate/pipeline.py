"""estimate(scenario) -> Estimate: every (backend, instance, precision, TP) option, priced.

Pure and cached on the frozen scenario, so redrawing with the same inputs costs nothing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from models.backends import Backend, BackendData, Precision, SupportLevel, load_backends
from models.catalog import ModelSpec
from models.estimate.cost import instances_needed, monthly_usd, replicas_needed, usd_per_million_tokens
from models.estimate.memory import (
    kv_bytes_per_token,
    kv_bytes_per_token_device,
    kv_bytes_per_token_guide,
    usable_kv_bytes_per_device,
    valid_tensor_parallel,
    weight_bytes,
)
from models.estimate.speed import Physics, operating_point
from models.hardware import Accelerator, Hardware, load_hardware
from models.pricing import PriceTable, load_prices
from models.scenario import Scenario
from models.traffic import TrafficShape, make_shape
from models.units import GIB

#: Share of an encoder-decoder model's parameters in the encoder (T5: ~half; see ESTIMATOR §notation).
ENCODER_SHARE = 0.5

OPTION_COLUMNS = [
    "backend",
    "backend_name",
    "instance",
    "family",
    "accelerator",
    "devices",
    "precision",
    "tensor_parallel",
    "replicas_per_instance",
    "fits",
    "reason",
    "weights_gib",
    "weights_gib_per_device",
    "device_gib",
    "reserve_gib_per_device",
    "usable_kv_gib_per_device",
    "kv_bytes_per_token",
    "kv_bytes_per_token_guide",
    "kv_capacity_tokens",
    "max_concurrency",
    "operating_concurrency",
    "limited_by",
    "ttft_s",
    "tpot_ms",
    "requests_per_s_per_replica",
    "output_tokens_per_s_per_replica",
    "replicas",
    "instances",
    "hourly_usd",
    "monthly_usd",
    "usd_per_million_tokens",
    "usd_per_million_output_tokens",
    "compiled",
    "continuous_batching",
    "share_beyond_bounds",
    "price_source",
]


@dataclass(frozen=True)
class TrafficStats:
    """What the traffic looks like to a server (tokens)."""

    shape: TrafficShape
    mean_input: float
    mean_output: float
    bound_input: float
    bound_output: float
    share_beyond: float
    spread: float


@dataclass(frozen=True)
class Estimate:
    """The answer for one scenario; ``options`` has one row per option (see OPTION_COLUMNS)."""

    scenario: Scenario
    model: ModelSpec
    traffic: TrafficStats
    options: pd.DataFrame
    prices: PriceTable
    elapsed_s: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def feasible(self) -> pd.DataFrame:
        """Options that fit and meet the targets, with a known price, cheapest first."""
        o = self.options
        ok = o[o["fits"] & o["monthly_usd"].notna()]
        return ok.sort_values(["monthly_usd", "devices", "tensor_parallel"], kind="stable")

    def best(
        self, *, precision: str | None = None, backend: str | None = None, full_precision: bool | None = None
    ) -> pd.Series | None:
        """Cheapest feasible option matching the filters, or None."""
        f = self.feasible
        if precision is not None:
            f = f[f["precision"] == precision]
        if backend is not None:
            f = f[f["backend"] == backend]
        if full_precision is not None:
            full = {p for p, v in load_backends().precisions.items() if v.full_precision}
            f = f[f["precision"].isin(full) == full_precision]
        return None if f.empty else f.iloc[0]

    def best_by_precision(self) -> dict[str, pd.Series]:
        out = {}
        for p in self.scenario.deployment.precisions:
            b = self.best(precision=p)
            if b is not None:
                out[p] = b
        return out

    def savings(self, backend: str | None = None) -> tuple[float, float] | None:
        """(dollars, share) saved per month by the best quantized over the best full-precision option."""
        full = self.best(full_precision=True, backend=backend)
        quant = self.best(full_precision=False, backend=backend)
        if full is None or quant is None:
            return None
        diff = float(full["monthly_usd"] - quant["monthly_usd"])
        return diff, diff / float(full["monthly_usd"])


def _hardware_ok(backend: Backend, acc: Accelerator) -> bool:
    return (backend.hardware == "neuron") == acc.is_neuron


def _wanted_instance(scenario: Scenario, hw: Hardware, name: str) -> bool:
    inst = hw.instances[name]
    acc = hw.accelerators[inst.accelerator]
    d = scenario.deployment
    if d.hardware == "gpu" and acc.is_neuron:
        return False
    if d.hardware == "inferentia" and not acc.is_neuron:
        return False
    return not d.instance_families or inst.family in d.instance_families


def traffic_stats(scenario: Scenario, model: ModelSpec) -> TrafficStats:
    t = scenario.traffic
    shape = make_shape(t.input_mean, t.input_cv, t.output_mean, t.output_cv, model.context)
    b_in, b_out = shape.bounds(scenario.deployment.bound_percentile)
    return TrafficStats(
        shape=shape,
        mean_input=shape.input.truncated_mean,
        mean_output=shape.output.truncated_mean,
        bound_input=b_in,
        bound_output=b_out,
        share_beyond=shape.share_beyond(b_in, b_out),
        spread=shape.spread,
    )


def _bucket(tokens: float, context: int) -> float:
    """Static-shape prefill bucket: next power of two from 128, capped at the context."""
    b = 128.0
    while b < tokens:
        b *= 2
    return float(min(b, context))


@dataclass
class _Config:
    """One physical replica configuration: (backend, accelerator, precision, TP).

    It is shared by every instance size with that accelerator, whatever its device count.
    """

    backend: Backend
    acc: Accelerator
    precision: Precision
    tp: int
    fits: bool
    reason: str
    weights: float
    weights_dev: float
    usable_dev: float
    kv_total: float
    kv_dev: float
    kv_cap: float
    bmax: int
    continuous: bool
    compute: str
    phys_index: int = -1


@dataclass
class _Row:
    """One option row before pricing: an instance and either a config or a reason."""

    instance: str
    backend: Backend
    precision: Precision
    tp: int
    config: _Config | None
    reason: str


def _build_config(
    scenario: Scenario,
    model: ModelSpec,
    ts: TrafficStats,
    backend: Backend,
    acc: Accelerator,
    prec: Precision,
    compute: str,
    continuous: bool,
    tp: int,
) -> _Config:
    """Memory fit of one replica configuration, with the reason when it does not fit."""
    d = scenario.deployment
    need = ts.bound_input + ts.bound_output
    kv_b = 1.0 if (d.kv_cache_dtype == "fp8" and acc.fp8_flops) else 2.0
    w = weight_bytes(model, prec)
    w_dev = w * (1.0 + backend.weight_overhead) / tp
    usable = usable_kv_bytes_per_device(backend, acc, w_dev)
    kv_dev = kv_bytes_per_token_device(model, tp, kv_b, backend.parallelism)
    cfg = _Config(
        backend=backend,
        acc=acc,
        precision=prec,
        tp=tp,
        fits=True,
        reason="",
        weights=w,
        weights_dev=w_dev,
        usable_dev=usable,
        kv_total=kv_bytes_per_token(model, kv_b),
        kv_dev=kv_dev,
        kv_cap=0.0,
        bmax=0,
        continuous=continuous,
        compute=compute,
    )
    if usable <= 0:
        cfg.fits = False
        room = acc.memory_bytes * backend.memory_fraction - acc.reserve_bytes
        cfg.reason = (
            f"Weights need {w_dev / GIB:.1f} GiB per device at TP {tp}, more than the "
            f"{room / GIB:.1f} GiB usable on {acc.name}."
        )
        return cfg
    cap = math.floor(usable / kv_dev)
    cfg.kv_cap = cap
    if cap < need:
        cfg.fits = False
        cfg.reason = (
            f"KV cache holds {cap:,} tokens at TP {tp}, less than one request at "
            f"p{d.bound_percentile * 100:g} ({need:,.0f} tokens)."
        )
        return cfg
    reserve_bounds = backend.compiled or not backend.paged_kv
    per_req = need if reserve_bounds else ts.mean_input + ts.mean_output
    cfg.bmax = max(1, min(backend.max_batch, int(cap // per_req)))
    return cfg


def _rows(
    scenario: Scenario, model: ModelSpec, ts: TrafficStats, bk: BackendData, hw: Hardware
) -> tuple[list[_Row], list[_Config]]:
    """Option rows for every wanted instance × backend × precision × valid TP."""
    d = scenario.deployment
    lmi = d.lmi_release
    instances = [hw.instances[n] for n in hw.instances if _wanted_instance(scenario, hw, n)]
    rows: list[_Row] = []
    configs: dict[tuple[str, str, str, int], _Config] = {}
    for backend in bk.backends.values():
        if not backend.available(lmi):
            continue
        support = bk.support_for(backend.backend, model, lmi)
        supported = support.level in (SupportLevel.SUPPORTED, SupportLevel.FALLBACK)
        tp_cache: dict[int, list[int]] = {}
        for inst in instances:
            acc = hw.accelerators[inst.accelerator]
            if not _hardware_ok(backend, acc):
                continue
            if inst.devices not in tp_cache:
                tps = valid_tensor_parallel(model, backend, inst.devices)
                if d.tensor_parallel is not None:
                    tps = [t for t in tps if t == d.tensor_parallel]
                tp_cache[inst.devices] = tps
            tps = tp_cache[inst.devices]
            for pname in d.precisions:
                prec = bk.precisions[pname]
                if not supported:
                    rows.append(_Row(inst.instance, backend, prec, inst.devices, None, support.reason))
                    continue
                method = bk.precision_method(backend.backend, pname, model, lmi)
                if method is None:
                    rows.append(
                        _Row(
                            inst.instance,
                            backend,
                            prec,
                            inst.devices,
                            None,
                            f"{backend.name} does not offer {prec.label} for '{model.model_type}' in LMI v{lmi}.",
                        )
                    )
                    continue
                compute = str(method["compute"])
                if acc.peak(compute) is None:
                    need_hw = (
                        "an Ada or Hopper GPU (L4, L40S, H100, H200)"
                        if compute == "fp8"
                        else "int8 tensor cores (not on V100)"
                    )
                    rows.append(
                        _Row(
                            inst.instance,
                            backend,
                            prec,
                            inst.devices,
                            None,
                            f"{prec.label} ({method['method']}) needs {need_hw}; {acc.name} lacks it.",
                        )
                    )
                    continue
                if not tps:
                    why = (
                        f"TP {d.tensor_parallel} is not valid here"
                        if d.tensor_parallel
                        else f"{model.heads} heads / {model.kv_heads} KV heads do not split over {inst.devices} devices"
                    )
                    rows.append(
                        _Row(
                            inst.instance,
                            backend,
                            prec,
                            d.tensor_parallel or inst.devices,
                            None,
                            f"No valid tensor-parallel degree: {why}.",
                        )
                    )
                    continue
                for t in tps:
                    key = (backend.backend, acc.accelerator, pname, t)
                    cfg = configs.get(key)
                    if cfg is None:
                        cfg = configs[key] = _build_config(
                            scenario, model, ts, backend, acc, prec, compute, support.continuous_batching, t
                        )
                    rows.append(_Row(inst.instance, backend, prec, t, cfg, cfg.reason))
    return rows, list(configs.values())


def _physics(model: ModelSpec, ts: TrafficStats, fit: list[_Config], bk: BackendData, hw: Hardware) -> Physics:
    """Arrays of per-configuration constants for the vectorised speed model."""
    n = len(fit)
    arr = {
        k: np.empty(n)
        for k in (
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
            "prefill_tokens",
            "decode_steps",
            "context",
            "useful_output",
        )
    }
    cont = np.empty(n, dtype=bool)
    enc = ENCODER_SHARE if model.is_encoder_decoder else 0.0
    hit = model.experts_per_token / model.experts if model.experts > 1 else 1.0
    eff_cache: dict[tuple[str, str], object] = {}
    for i, c in enumerate(fit):
        key = (c.backend.backend, c.acc.accelerator)
        eff = eff_cache.get(key)
        if eff is None:
            eff = eff_cache[key] = bk.efficiency_for(*key)
        link = hw.interconnects[c.acc.interconnect]
        bytes_per_weight = c.weights / model.params
        pipeline = c.backend.parallelism == "pipeline"
        arr["weights"][i] = c.weights * (1.0 - enc)
        arr["weights_expert"][i] = model.expert_params * bytes_per_weight
        arr["expert_hit"][i] = hit
        arr["kv_per_token"][i] = c.kv_total
        arr["params_prefill"][i] = model.active_params * (enc if enc else 1.0)
        arr["params_decode"][i] = model.active_params * (1.0 - enc)
        arr["tp_speed"][i] = 1 if pipeline else c.tp
        arr["tp_comm"][i] = 1 if pipeline else c.tp
        arr["bandwidth"][i] = c.acc.bandwidth_bytes_s
        arr["flops"][i] = c.acc.peak(c.compute)
        arr["eta_bw"][i] = eff.eta_bw  # type: ignore[attr-defined]
        arr["eta_f"][i] = eff.eta_f  # type: ignore[attr-defined]
        arr["step_s"][i] = eff.step_overhead_s  # type: ignore[attr-defined]
        arr["link_latency_s"][i] = link.allreduce_latency_s
        arr["link_bytes_s"][i] = c.acc.link_bytes_s * link.bandwidth_efficiency
        arr["layers"][i] = model.layers
        arr["hidden"][i] = model.hidden_size
        arr["attn_width"][i] = model.heads * model.d_head
        cont[i] = c.continuous
        if c.continuous:
            arr["prefill_tokens"][i] = ts.mean_input
            arr["decode_steps"][i] = ts.mean_output
            arr["context"][i] = ts.mean_input + ts.mean_output / 2
        else:
            bucket = _bucket(ts.bound_input, model.context)
            arr["prefill_tokens"][i] = bucket
            arr["decode_steps"][i] = ts.bound_output
            arr["context"][i] = bucket + ts.bound_output / 2
        arr["useful_output"][i] = ts.mean_output
    return Physics(continuous=cont, **arr)


def _price_of(prices: PriceTable, scenario: Scenario, instance: str) -> tuple[float | None, str]:
    d = scenario.deployment
    q = prices.quote(instance, d.region, d.platform, d.pricing_option, d.discount)
    return q.usd_per_hour, q.source


@lru_cache(maxsize=256)
def estimate(scenario: Scenario, prices: PriceTable | None = None) -> Estimate:
    """Every option for the scenario, with memory, latency, instance count and monthly cost."""
    started = time.perf_counter()
    prices = prices or load_prices()
    bk = load_backends()
    hw = load_hardware()
    model = scenario.model()
    ts = traffic_stats(scenario, model)
    t = scenario.traffic
    d = scenario.deployment
    rows, configs = _rows(scenario, model, ts, bk, hw)
    fit = [c for c in configs if c.fits]
    for i, c in enumerate(fit):
        c.phys_index = i
    ph = _physics(model, ts, fit, bk, hw)
    bmax = np.array([c.bmax for c in fit], dtype=np.int64)
    op = operating_point(ph, bmax, t.tpot_ms / 1000.0, t.ttft_s, d.target_utilisation)

    # per-config results (index -1 = no physics) -> per-row arrays by fancy indexing
    nfit = len(fit)
    x_fit = op.state.requests_per_s
    replicas_fit = np.where(op.concurrency > 0, replicas_needed(t.peak_rps, x_fit, d.target_utilisation), 0)
    miss_reason = []
    for i in range(nfit):
        if op.concurrency[i] > 0:
            miss_reason.append("")
        elif op.limited_by[i] == "tpot":
            miss_reason.append(
                f"Misses the TPOT target even with one request "
                f"({op.state.tpot_s[i] * 1000:.0f} ms/token > {t.tpot_ms:g})."
            )
        else:
            miss_reason.append(
                f"Misses the TTFT target even with one request ({op.state.ttft_s[i]:.2f} s > {t.ttft_s:g} s)."
            )
    limit_text = {
        "memory": "Concurrency limited by KV-cache memory or the backend's batch limit.",
        "tpot": "Concurrency limited by the TPOT target.",
        "ttft": "Concurrency limited by the TTFT target.",
    }

    price_cache: dict[str, tuple[float | None, str]] = {}
    n = len(rows)
    idx = np.full(n, -1, dtype=np.int64)
    cols: dict[str, list] = {
        k: []
        for k in (
            "backend",
            "backend_name",
            "instance",
            "family",
            "accelerator",
            "devices",
            "precision",
            "tensor_parallel",
            "reason",
            "weights",
            "weights_dev",
            "device_gib",
            "reserve_gib",
            "usable_dev",
            "kv_total",
            "kv_cap",
            "bmax",
            "hourly",
            "price_source",
            "compiled",
            "continuous",
            "fits_mem",
        )
    }
    kv_default = kv_bytes_per_token(model)
    for j, r in enumerate(rows):
        inst = hw.instances[r.instance]
        acc = hw.accelerators[inst.accelerator]
        c = r.config
        reason = r.reason
        if c is not None and c.fits:
            idx[j] = c.phys_index
            reason = miss_reason[c.phys_index] or limit_text.get(str(op.limited_by[c.phys_index]), "")
        if r.instance not in price_cache:
            price_cache[r.instance] = _price_of(prices, scenario, r.instance)
        hourly, psrc = price_cache[r.instance]
        cols["backend"].append(r.backend.backend)
        cols["backend_name"].append(r.backend.name)
        cols["instance"].append(r.instance)
        cols["family"].append(inst.family)
        cols["accelerator"].append(acc.name)
        cols["devices"].append(inst.devices)
        cols["precision"].append(r.precision.precision)
        cols["tensor_parallel"].append(r.tp)
        cols["reason"].append(reason)
        cols["weights"].append(c.weights if c else math.nan)
        cols["weights_dev"].append(c.weights_dev if c else math.nan)
        cols["device_gib"].append(acc.memory_bytes / GIB)
        cols["reserve_gib"].append(acc.reserve_bytes / GIB)
        cols["usable_dev"].append(max(c.usable_dev, 0.0) if c else math.nan)
        cols["kv_total"].append(c.kv_total if c else kv_default)
        cols["kv_cap"].append(c.kv_cap if c else 0.0)
        cols["bmax"].append(c.bmax if c else 0)
        cols["hourly"].append(math.nan if hourly is None else hourly)
        cols["price_source"].append(psrc)
        cols["compiled"].append(r.backend.compiled)
        cols["continuous"].append(c.continuous if c else False)
        cols["fits_mem"].append(bool(c and c.fits))

    has = idx >= 0
    safe = np.where(has, idx, 0)

    def pick(values: np.ndarray, fill: float = math.nan) -> np.ndarray:
        if nfit == 0:
            return np.full(n, fill)
        return np.where(has, values[safe], fill)

    conc = pick(op.concurrency.astype(float), 0).astype(np.int64)
    fits = has & (conc > 0)
    devices = np.array(cols["devices"], dtype=np.int64)
    tp_arr = np.array(cols["tensor_parallel"], dtype=np.int64)
    rpi = np.maximum(devices // np.maximum(tp_arr, 1), 1)
    replicas = np.where(fits, pick(replicas_fit, 0), 0).astype(np.int64)
    n_inst = np.where(fits, instances_needed(replicas, rpi, d.min_instances), 0).astype(np.int64)
    hourly = np.array(cols["hourly"], dtype=float)
    monthly = np.where(fits, monthly_usd(n_inst, hourly, d.hours_per_month), math.nan)
    reasons = cols["reason"]
    no_price = fits & np.isnan(hourly)
    for j in np.nonzero(no_price)[0]:
        reasons[j] = f"Price unknown for {cols['instance'][j]} in {d.region} on {d.platform}."
    x = np.where(fits, pick(x_fit), math.nan)
    compiled = np.array(cols["compiled"], dtype=bool)
    options = pd.DataFrame(
        {
            "backend": cols["backend"],
            "backend_name": cols["backend_name"],
            "instance": cols["instance"],
            "family": cols["family"],
            "accelerator": cols["accelerator"],
            "devices": devices,
            "precision": cols["precision"],
            "tensor_parallel": tp_arr,
            "replicas_per_instance": rpi,
            "fits": fits,
            "reason": reasons,
            "weights_gib": np.array(cols["weights"]) / GIB,
            "weights_gib_per_device": np.array(cols["weights_dev"]) / GIB,
            "device_gib": cols["device_gib"],
            "reserve_gib_per_device": cols["reserve_gib"],
            "usable_kv_gib_per_device": np.array(cols["usable_dev"]) / GIB,
            "kv_bytes_per_token": cols["kv_total"],
            "kv_bytes_per_token_guide": kv_bytes_per_token_guide(model),
            "kv_capacity_tokens": cols["kv_cap"],
            "max_concurrency": cols["bmax"],
            "operating_concurrency": conc,
            "limited_by": np.where(fits, pick(op.limited_by.astype(object) if nfit else np.zeros(0), ""), ""),
            "ttft_s": np.where(fits, pick(op.state.ttft_s), math.nan),
            "tpot_ms": np.where(fits, pick(op.state.tpot_s) * 1000.0, math.nan),
            "requests_per_s_per_replica": x,
            "output_tokens_per_s_per_replica": x * ts.mean_output,
            "replicas": replicas,
            "instances": n_inst,
            "hourly_usd": hourly,
            "monthly_usd": monthly,
            "usd_per_million_tokens": usd_per_million_tokens(
                monthly, t.requests_per_s, d.hours_per_month, ts.mean_input + ts.mean_output
            ),
            "usd_per_million_output_tokens": usd_per_million_tokens(
                monthly, t.requests_per_s, d.hours_per_month, ts.mean_output
            ),
            "compiled": compiled,
            "continuous_batching": cols["continuous"],
            "share_beyond_bounds": np.where(compiled, ts.share_beyond, 0.0),
            "price_source": cols["price_source"],
        },
        columns=OPTION_COLUMNS,
    )
    notes = []
    if d.kv_cache_dtype == "fp8":
        notes.append("fp8 KV cache applies only on FP8-capable parts (L4, L40S, H100, H200); others keep 16-bit.")
    return Estimate(
        scenario=scenario,
        model=model,
        traffic=ts,
        options=options,
        prices=prices,
        elapsed_s=time.perf_counter() - started,
        notes=tuple(notes),
    )
