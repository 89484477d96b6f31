"""estimate(scenario) -> Estimate: every (backend, instance, precision, TP) option, priced.

Pure and cached on the frozen scenario, so redrawing with the same inputs costs nothing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from lmi_explorer.models.estimate.cost import (
    instances_needed,
    monthly_usd,
    replicas_needed,
    usd_per_million_tokens,
)
from lmi_explorer.models.estimate.memory import kv_bytes_per_token_guide
from lmi_explorer.models.estimate.options import OptionGrid, option_grid, upcast_reasons
from lmi_explorer.models.estimate.precisions import full_precision, offered
from lmi_explorer.models.estimate.ranges import spread_for
from lmi_explorer.models.estimate.speed import OperatingPoint, Physics, operating_point
from lmi_explorer.models.reference.catalog import ModelSpec
from lmi_explorer.models.reference.hardware import capable_names, load_hardware
from lmi_explorer.models.reference.model_architecture import architecture_of
from lmi_explorer.models.reference.pricing import PriceTable
from lmi_explorer.models.scenario import Scenario
from lmi_explorer.models.traffic import TrafficShape, make_shape
from lmi_explorer.models.units import GIB

if TYPE_CHECKING:
    import pandas as pd

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
    "cause",
    "weights_gib",
    "weights_gib_per_device",
    "device_gib",
    "reserve_gib_per_device",
    "usable_kv_gib_per_device",
    "kv_bytes_per_token",
    "kv_bytes_per_token_guide",
    "kv_capacity_tokens",
    "kv_gib_per_request_device",
    "max_concurrency",
    "operating_concurrency",
    "limited_by",
    "ttft_s",
    "ttft_s_low",
    "ttft_s_high",
    "tpot_ms",
    "tpot_ms_low",
    "tpot_ms_high",
    "requests_per_s_per_replica",
    "output_tokens_per_s_per_replica",
    "replicas",
    "instances",
    "hourly_usd",
    "monthly_usd",
    "monthly_usd_low",
    "monthly_usd_high",
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


class OptionRow(dict):
    """One option's figures by column (like a row of ``Estimate.options``); ``name`` is its row number."""

    name: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self)


@dataclass(frozen=True)
class Estimate:
    """The answer for one scenario: one value per option in each of ``columns`` (see OPTION_COLUMNS).

    The views that draw the first window read the columns (numpy arrays); ``options`` and
    ``feasible`` are the same rows as pandas frames, built on first use.
    """

    scenario: Scenario
    model: ModelSpec
    traffic: TrafficStats
    columns: dict[str, np.ndarray]
    prices: PriceTable
    elapsed_s: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def options(self) -> pd.DataFrame:
        """Every option, one row each (computed once)."""
        import pandas as pd

        return pd.DataFrame(self.columns, columns=OPTION_COLUMNS)

    @property
    def option_count(self) -> int:
        return len(self.columns["backend"])

    @cached_property
    def feasible_rows(self) -> np.ndarray:
        """Row numbers of the options that fit and meet the targets with a known price, cheapest first
        (ties: fewer devices, then lower TP, then table order)."""
        c = self.columns
        ok = np.flatnonzero(c["fits"].astype(bool) & ~np.isnan(c["monthly_usd"].astype(float)))
        order = np.lexsort((c["tensor_parallel"][ok], c["devices"][ok], c["monthly_usd"][ok]))
        return ok[order]

    @cached_property
    def feasible(self) -> pd.DataFrame:
        """Options that fit and meet the targets, with a known price, cheapest first (computed once)."""
        return self.options.iloc[self.feasible_rows]

    def row(self, i: int) -> OptionRow:
        """The figures of option ``i`` (a row number of ``options``)."""
        out = OptionRow((k, v[i]) for k, v in self.columns.items())
        out.name = int(i)
        return out

    @cached_property
    def _feasible_keys(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = self.feasible_rows
        prec = self.columns["precision"][rows]
        return prec, self.columns["backend"][rows], prec == full_precision(self.model)

    def best(
        self,
        *,
        precision: str | None = None,
        backend: str | None = None,
        full_precision: bool | None = None,
        other_than: str | None = None,
    ) -> OptionRow | None:
        """Cheapest feasible option matching the filters (``other_than``: not on that backend), or None."""
        prec, back, is_full = self._feasible_keys
        mask = np.ones(len(prec), dtype=bool)
        if precision is not None:
            mask &= prec == precision
        if backend is not None:
            mask &= back == backend
        if other_than is not None:
            mask &= back != other_than
        if full_precision is not None:
            mask &= is_full == full_precision
        hits = np.flatnonzero(mask)
        return None if len(hits) == 0 else self.row(self.feasible_rows[hits[0]])

    def best_by_precision(self) -> dict[str, OptionRow]:
        out = {}
        for p in offered(self.model, self.scenario.deployment.precisions):
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


def bucketed_context(start: float, end: float, first: np.ndarray, compiled: float) -> np.ndarray:
    """Mean tokens a decode step attends over while the position runs from ``start`` to ``end``, when each
    step reads the smallest power-of-two bucket from ``first`` (capped at ``compiled``) that holds it.

    ``Σ_k bucket_k × |[start, end] ∩ (bucket_{k−1}, bucket_k]| / (end − start)``; ``start`` 128, ``end`` 4096
    and buckets 128…4096 give 2816 against a mean position of 2112.
    """
    first = np.maximum(np.asarray(first, dtype=float), 1.0)
    span = max(end - start, 1e-9)
    if end <= start:
        edges = np.maximum(first, 2.0 ** np.ceil(np.log2(max(start, 1.0))))
        return np.minimum(edges, compiled)
    total = np.zeros_like(first)
    lower = np.zeros_like(first)
    upper = first.copy()
    while True:
        top = np.minimum(upper, compiled)
        overlap = np.clip(np.minimum(end, top) - np.maximum(start, lower), 0.0, None)
        total = total + top * overlap
        done = top >= min(end, compiled)
        if done.all():
            break
        lower, upper = np.where(done, np.inf, top), np.where(done, np.inf, upper * 2.0)
    beyond = max(end - compiled, 0.0)  # positions past the compiled length (not reached in practice)
    return (total + compiled * beyond) / span


def _bucket(tokens: float, context: int) -> float:
    """Static-shape prefill bucket: next power of two from 128, capped at the context."""
    b = 128.0
    while b < tokens:
        b *= 2
    return float(min(b, context))


@dataclass(frozen=True, eq=False)
class _Performance:
    """Traffic-dependent results per configuration of a grid."""

    fits_memory: np.ndarray
    kv_cap: np.ndarray
    bmax: np.ndarray
    concurrency: np.ndarray  # B*, 0 where nothing meets the targets or it does not fit
    requests_per_s: np.ndarray
    ttft_s: np.ndarray
    tpot_s: np.ndarray
    limited_by: np.ndarray
    reason: np.ndarray
    cause: np.ndarray  # one of options.FAIL_CAUSES where an option fails, '' where it fits


def sequence_bytes(grid: OptionGrid, tokens: np.ndarray | float) -> np.ndarray:
    """Cache bytes one sequence of ``tokens`` holds on one device of each configuration.

    ``full × n + Σ windowed_k × min(n, cap_k) + state`` (memory.KVLayout): full layers grow with the
    sequence, capped windowed layers stop at their window, linear-attention layers hold a fixed state.
    """
    n = np.broadcast_to(np.asarray(tokens, dtype=float), grid.c_kv_dev.shape)
    out = grid.c_kv_dev * n + grid.c_state_dev
    if grid.kv_caps.size:
        out = out + (grid.c_kv_win_dev * np.minimum(n[:, None], grid.kv_caps[None, :])).sum(axis=1)
    return out


def _tokens_held(usable: np.ndarray, per_sequence: np.ndarray, tokens: np.ndarray | float) -> np.ndarray:
    """KV capacity in tokens of sequences this long: usable ÷ (bytes per sequence ÷ its tokens)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(usable > 0, np.floor(usable / (per_sequence / tokens)), 0.0)


def memory_and_physics(
    grid: OptionGrid, context: int, mean_in: float, mean_out: float, b_in: float, b_out: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Physics]:
    """Per configuration: fits in memory, KV capacity (tokens), concurrency limit; physics of those that fit.

    Capacity is counted in tokens of sequences of the bound length (windowed layers and a fixed
    linear-attention state make bytes per token depend on the length); the concurrency limit divides
    usable memory by what one sequence of the planned length holds.
    """
    need = b_in + b_out
    usable = grid.c_usable_dev
    cap = _tokens_held(usable, sequence_bytes(grid, need), need)
    fits = (usable > 0) & (cap >= need)
    per_req = np.where(grid.c_reserve_bounds, need, mean_in + mean_out)
    cap_per = (
        cap
        if not grid.kv_caps.size and not grid.c_state_dev.any()
        else _tokens_held(usable, sequence_bytes(grid, per_req), per_req)
    )
    bmax = np.where(fits, np.clip(np.floor(cap_per / per_req), 1, grid.c_max_batch), 0).astype(np.int64)
    idx = np.nonzero(fits)[0]
    cont = grid.c_continuous[idx]
    bucket = _bucket(b_in, context)
    prefill = np.where(cont, mean_in, bucket)
    ctx = np.where(cont, mean_in + mean_out / 2, bucket + b_out / 2)
    first = grid.c_decode_bucket[idx]
    if first.any():  # static-shape decode reads its whole bucket (engines that compile decode buckets)
        ctx = np.where(first > 0, bucketed_context(mean_in, mean_in + mean_out, first, min(need, context)), ctx)
    physics = {k: v[idx] for k, v in grid.c_physics.items()}
    if grid.kv_caps.size or grid.c_state_rep.any():
        physics["kv_per_token"] = _read_bytes_per_token(grid, idx, ctx)
    ph = Physics(
        **physics,
        attn_layers=_attention_layers(grid, prefill),
        continuous=cont,
        prefill_tokens=prefill,
        decode_steps=np.where(cont, mean_out, b_out),
        context=ctx,
        useful_output=np.full(len(idx), mean_out),
    )
    return fits, cap, bmax, idx, ph


@lru_cache(maxsize=64)
def row_spreads(grid: OptionGrid) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per option and metric, the (q10, q90) of log(estimate / measured) behind it (``ranges.spread_for``).

    Worked out per (backend, accelerator) pair of the configurations; options that fail before memory
    carry 0 (they have no figure to widen).
    """
    has = grid.config >= 0
    safe = np.where(has, grid.config, 0)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for metric in ("ttft_ms", "tpot_ms", "output_tokens_per_s"):
        sp = [spread_for(b, a, metric) for b, a in grid.pairs]
        lo = np.array([x.q10 for x in sp], dtype=float)[grid.c_pair] if sp else np.zeros(0)
        hi = np.array([x.q90 for x in sp], dtype=float)[grid.c_pair] if sp else np.zeros(0)
        out[metric] = (
            np.where(has, lo[safe], 0.0) if len(lo) else np.zeros(len(has)),
            np.where(has, hi[safe], 0.0) if len(hi) else np.zeros(len(has)),
        )
    return out


def _request_bytes(grid: OptionGrid, ts: TrafficStats) -> np.ndarray:
    """Cache bytes one request holds on one device of each configuration: the bound length where the
    backend reserves it (compiled, static KV), the mean length where it pages."""
    per_req = np.where(grid.c_reserve_bounds, ts.bound_input + ts.bound_output, ts.mean_input + ts.mean_output)
    return sequence_bytes(grid, per_req)


def _read_bytes_per_token(grid: OptionGrid, idx: np.ndarray, ctx: np.ndarray) -> np.ndarray:
    """Cache bytes a decode step reads per sequence, per token of context (whole replica).

    Full layers read every token, windowed layers at most their window W (whether or not the engine
    frees the rest), linear-attention layers read and write their state once each.
    """
    reads = grid.c_kv_full_rep[idx] * ctx + 2.0 * grid.c_state_rep[idx]
    if grid.windows.size:
        reads = reads + (grid.c_kv_win_rep[idx] * np.minimum(ctx[:, None], grid.windows[None, :])).sum(axis=1)
    return reads / np.maximum(ctx, 1.0)


def _attention_layers(grid: OptionGrid, tokens: np.ndarray) -> np.ndarray:
    """Layers' worth of causal attention a prefill of ``tokens`` does (``n²/2`` per full layer).

    A windowed layer attends to at most W earlier tokens: ``n·W − W²/2`` pairs instead of ``n²/2``;
    linear-attention layers do no quadratic attention.
    """
    n = np.maximum(tokens.astype(float), 1.0)
    layers = np.full(len(n), grid.full_attention_layers)
    for w, count in zip(grid.windows, grid.window_layers, strict=True):
        share = np.where(n <= w, 1.0, (2.0 * n * w - w * w) / (n * n))
        layers = layers + count * share
    return layers


#: Traffic states kept per grid set: a drag goes back and forth over a few, and one crossover search
#: (after the inputs rest) asks about a dozen. Each holds ~20 kB of arrays per 350 configurations.
PERFORMANCE_CACHE = 48


@lru_cache(maxsize=PERFORMANCE_CACHE)
def _performance(
    grid: OptionGrid,
    context: int,
    mean_in: float,
    mean_out: float,
    b_in: float,
    b_out: float,
    percentile: float,
    tpot_target_s: float,
    ttft_target_s: float,
    utilisation: float,
) -> _Performance:
    """Memory fit, concurrency limit and SLO operating point of every configuration."""
    need = b_in + b_out
    usable = grid.c_usable_dev
    fits, cap, bmax, idx, ph = memory_and_physics(grid, context, mean_in, mean_out, b_in, b_out)
    m = len(usable)
    op: OperatingPoint = operating_point(ph, bmax[idx], tpot_target_s, ttft_target_s, utilisation)
    conc = np.zeros(m, dtype=np.int64)
    x = np.full(m, math.nan)
    ttft = np.full(m, math.nan)
    tpot = np.full(m, math.nan)
    limited = np.full(m, "", dtype=object)
    conc[idx] = op.concurrency
    x[idx] = op.state.requests_per_s
    ttft[idx] = op.state.ttft_s
    tpot[idx] = op.state.tpot_s
    limited[idx] = op.limited_by
    reason = np.full(m, "", dtype=object)
    cause = np.full(m, "", dtype=object)
    limit_text = {
        "memory": "Concurrency limited by KV-cache memory or the backend's batch limit.",
        "tpot": "Concurrency limited by the TPOT target.",
        "ttft": "Concurrency limited by the TTFT target.",
    }
    ok = conc > 0
    for lim, text in limit_text.items():
        reason[ok & (limited == lim)] = text
    for k in np.flatnonzero(~ok):  # only the configurations that fail get a sentence of their own
        t = int(grid.c_tp[k])
        if usable[k] <= 0:
            cause[k] = "weights"
            reason[k] = (
                f"Weights need {grid.c_weights_dev[k] / GIB:.1f} GiB per device at TP {t}, more than the "
                f"{grid.c_room_dev[k] / GIB:.1f} GiB usable on {grid.c_acc_name[k]}."
            )
        elif not fits[k]:
            cause[k] = "kv"
            reason[k] = (
                f"KV cache holds {int(cap[k]):,} tokens at TP {t}, less than one request at "
                f"p{percentile * 100:g} ({need:,.0f} tokens)."
            )
        elif conc[k] == 0:
            if limited[k] == "tpot":
                cause[k] = "tpot"
                reason[k] = (
                    f"Misses the TPOT target even with one request ({tpot[k] * 1000:.0f} ms/token > "
                    f"{tpot_target_s * 1000:g})."
                )
            else:
                cause[k] = "ttft"
                reason[k] = f"Misses the TTFT target even with one request ({ttft[k]:.2f} s > {ttft_target_s:g} s)."
            limited[k] = ""
    return _Performance(
        fits,
        cap,
        bmax,
        conc,
        np.where(ok, x, math.nan),
        np.where(ok, ttft, math.nan),
        np.where(ok, tpot, math.nan),
        limited,
        reason,
        cause,
    )


@lru_cache(maxsize=64)
def _hourly(
    prices: PriceTable, instances: tuple[str, ...], region: str, platform: str, option: str, discount: float
) -> tuple[np.ndarray, np.ndarray]:
    """Hourly price (NaN = unknown) and its source, per instance of a grid."""
    hourly = np.full(len(instances), math.nan)
    source = np.empty(len(instances), dtype=object)
    for i, name in enumerate(instances):
        q = prices.quote(name, region, platform, option, discount)
        hourly[i] = math.nan if q.usd_per_hour is None else q.usd_per_hour
        source[i] = q.source
    return hourly, source


def scenario_grid(scenario: Scenario, only_backends: tuple[str, ...] = ()) -> OptionGrid:
    """The (cached) option grid of a scenario's model and deployment choices."""
    d = scenario.deployment
    return option_grid(
        scenario.model(),
        d.lmi_release,
        d.hardware,
        d.instance_families,
        offered(scenario.model(), d.precisions),
        d.tensor_parallel,
        d.kv_cache_dtype,
        only_backends,
        scenario.efficiency_overrides(),
        d.gpu_memory_utilization,
        (d.max_batch_size, d.max_num_batched_tokens),
    )


def _stages(scenario: Scenario, prices: PriceTable, only_backends: tuple[str, ...]) -> tuple:
    """The three cached stages: option grid, performance per configuration, hourly prices."""
    model = scenario.model()
    t = scenario.traffic
    d = scenario.deployment
    ts = traffic_stats(scenario, model)
    grid = scenario_grid(scenario, only_backends)
    perf = _performance(
        grid,
        model.context,
        ts.mean_input,
        ts.mean_output,
        ts.bound_input,
        ts.bound_output,
        d.bound_percentile,
        t.tpot_ms / 1000.0,
        t.ttft_s,
        d.target_utilisation,
    )
    hourly, source = _hourly(prices, grid.instances, d.region, d.platform, d.pricing_option, d.discount)
    return model, ts, grid, perf, hourly, source


#: Recent estimates kept (undo/redo, pinned scenarios, the crossover search). Each holds a ~1,000-row
#: options frame (~0.3 MB), so the cache is small: recomputing one costs a few milliseconds.
ESTIMATE_CACHE = 24


def estimate(scenario: Scenario, prices: PriceTable | None = None) -> Estimate:
    """Every option for the scenario's main traffic, with memory, latency, instance count and monthly cost.

    More traffic classes and the day's load do not change it (``models.mix`` uses them), so a
    scenario differing only there shares the cached estimate, whose ``scenario`` is the main class alone.
    """
    return _estimate(scenario.single_class(), prices)


@lru_cache(maxsize=ESTIMATE_CACHE)
def _estimate(scenario: Scenario, prices: PriceTable | None = None) -> Estimate:
    """Every option for the scenario, with memory, latency, instance count and monthly cost.

    Three cached stages: the option grid (model and deployment choices), performance (traffic
    lengths and targets) and cost (rate, prices, hours), so moving one slider redoes only the
    stages that depend on it.
    """
    started = time.perf_counter()
    prices = prices or scenario.prices()
    t = scenario.traffic
    d = scenario.deployment
    model, ts, grid, perf, hourly_i, source_i = _stages(scenario, prices, ())

    cfg = grid.config
    has = cfg >= 0
    safe = np.where(has, cfg, 0)
    n = len(cfg)

    def pick(values: np.ndarray, fill: Any = math.nan) -> np.ndarray:
        if len(values) == 0:
            return np.full(n, fill, dtype=object if isinstance(fill, str) else float)
        return np.where(has, values[safe], fill)

    conc = pick(perf.concurrency, 0).astype(np.int64)
    fits = has & (conc > 0)
    rpi = np.maximum(grid.devices // np.maximum(grid.tensor_parallel, 1), 1)
    x = np.where(fits, pick(perf.requests_per_s), math.nan)
    replicas = np.where(fits, replicas_needed(t.peak_rps, np.nan_to_num(x), d.target_utilisation), 0)
    n_inst = np.where(fits, instances_needed(replicas, rpi, d.min_instances), 0).astype(np.int64)
    hourly = hourly_i[grid.instance_index] if n else np.zeros(0)
    monthly = np.where(fits, monthly_usd(n_inst, hourly, d.hours_per_month), math.nan)
    reason = np.where(has, pick(perf.reason, ""), grid.base_reason)
    cause = np.where(has, pick(perf.cause, ""), grid.base_cause)
    no_price = fits & np.isnan(hourly)
    if no_price.any():
        reason = reason.copy()
        cause = cause.copy()
        cause[no_price] = "price"
        instances = load_hardware().instances
        for j in np.nonzero(no_price)[0]:
            if d.platform == "sagemaker" and not instances[grid.instance[j]].on_sagemaker:
                cause[j] = "platform"
                reason[j] = f"{grid.instance[j]} is not offered on SageMaker (EC2 only): choose EC2 to price it."
            else:
                reason[j] = f"Price unknown for {grid.instance[j]} in {d.region} on {d.platform}."
    # likely ranges: where measured figures lay for 80 % of the published points behind each option
    sp = row_spreads(grid)
    ttft = np.where(fits, pick(perf.ttft_s), math.nan)
    tpot = np.where(fits, pick(perf.tpot_s) * 1000.0, math.nan)
    x_lo, x_hi = x * np.exp(-sp["output_tokens_per_s"][1]), x * np.exp(-sp["output_tokens_per_s"][0])

    def monthly_at(rate: np.ndarray) -> np.ndarray:
        reps = np.where(fits, replicas_needed(t.peak_rps, np.nan_to_num(rate), d.target_utilisation), 0)
        inst = np.where(fits, instances_needed(reps, rpi, d.min_instances), 0)
        return np.where(fits, monthly_usd(inst, hourly, d.hours_per_month), math.nan)

    with np.errstate(divide="ignore", invalid="ignore"):
        monthly_low, monthly_high = monthly_at(x_hi), monthly_at(x_lo)
        per_m = usd_per_million_tokens(monthly, t.requests_per_s, d.hours_per_month, ts.mean_input + ts.mean_output)
        per_m_out = usd_per_million_tokens(monthly, t.requests_per_s, d.hours_per_month, ts.mean_output)
    columns: dict[str, np.ndarray] = {
        "backend": grid.backend,
        "backend_name": grid.backend_name,
        "instance": grid.instance,
        "family": grid.family,
        "accelerator": grid.accelerator,
        "devices": grid.devices,
        "precision": grid.precision,
        "tensor_parallel": grid.tensor_parallel,
        "replicas_per_instance": rpi,
        "fits": fits,
        "reason": reason,
        "cause": cause,
        "weights_gib": pick(grid.c_weights) / GIB,
        "weights_gib_per_device": pick(grid.c_weights_dev) / GIB,
        "device_gib": grid.device_gib,
        "reserve_gib_per_device": np.where(has, pick(grid.c_reserve_dev) / GIB, grid.reserve_gib),
        "usable_kv_gib_per_device": np.maximum(pick(grid.c_usable_dev), 0) / GIB,
        "kv_bytes_per_token": pick(grid.c_kv_total),
        "kv_bytes_per_token_guide": np.full(n, float(kv_bytes_per_token_guide(model))),
        "kv_capacity_tokens": pick(perf.kv_cap, 0.0),
        "kv_gib_per_request_device": pick(_request_bytes(grid, ts)) / GIB,
        "max_concurrency": pick(perf.bmax, 0).astype(np.int64),
        "operating_concurrency": conc,
        "limited_by": np.where(fits, pick(perf.limited_by, ""), ""),
        "ttft_s": ttft,
        "ttft_s_low": ttft * np.exp(-sp["ttft_ms"][1]),
        "ttft_s_high": ttft * np.exp(-sp["ttft_ms"][0]),
        "tpot_ms": tpot,
        "tpot_ms_low": tpot * np.exp(-sp["tpot_ms"][1]),
        "tpot_ms_high": tpot * np.exp(-sp["tpot_ms"][0]),
        "requests_per_s_per_replica": x,
        "output_tokens_per_s_per_replica": x * ts.mean_output,
        "replicas": replicas.astype(np.int64),
        "instances": n_inst,
        "hourly_usd": hourly,
        "monthly_usd": monthly,
        "monthly_usd_low": monthly_low,
        "monthly_usd_high": monthly_high,
        "usd_per_million_tokens": per_m,
        "usd_per_million_output_tokens": per_m_out,
        "compiled": grid.compiled,
        "continuous_batching": np.where(has, pick(grid.c_continuous.astype(float), 0.0) > 0, False),
        "share_beyond_bounds": np.where(grid.compiled, ts.share_beyond, 0.0),
        "price_source": source_i[grid.instance_index] if n else np.zeros(0, dtype=object),
    }
    notes = []
    arch = architecture_of(model)
    if not arch.modelled:
        notes.append(
            f"{model.name}: not fully modelled — {arch.assumptions[0]}. Its memory and speed rest on that "
            "assumption (see Assumptions)."
        )
    if d.kv_cache_dtype == "fp8":
        notes.append(f"fp8 KV cache applies only on FP8-capable parts ({capable_names('fp8')}); others keep 16-bit.")
    return Estimate(
        scenario=scenario,
        model=model,
        traffic=ts,
        columns=columns,
        prices=prices,
        elapsed_s=time.perf_counter() - started,
        notes=tuple(notes),
    )


def capacity_at(scenario: Scenario, configs: np.ndarray) -> np.ndarray:
    """Requests/s one replica serves within the scenario's targets, for some configurations of its grid.

    A lean what-if (no cost stage, no options frame) for the traffic mix's shared endpoint: ``configs``
    are indices into ``scenario_grid(scenario)``'s configurations (-1: none); 0 where a configuration
    does not fit or meets no concurrency.
    """
    model = scenario.model()
    t = scenario.traffic
    ts = traffic_stats(scenario, model)
    configs = np.asarray(configs, dtype=np.int64)
    args = (ts.mean_input, ts.mean_output, ts.bound_input, ts.bound_output)
    key = (t.tpot_ms / 1000.0, t.ttft_s, scenario.deployment.target_utilisation, configs.tobytes())
    return _capacity_at(scenario_grid(scenario), model.context, *args, *key).copy()


@lru_cache(maxsize=PERFORMANCE_CACHE)
def _capacity_at(
    grid: OptionGrid,
    context: int,
    mean_in: float,
    mean_out: float,
    b_in: float,
    b_out: float,
    tpot_s: float,
    ttft_s: float,
    utilisation: float,
    config_bytes: bytes,
) -> np.ndarray:
    configs = np.frombuffer(config_bytes, dtype=np.int64)
    fits, _cap, bmax, idx, ph = memory_and_physics(grid, context, mean_in, mean_out, b_in, b_out)
    pos = np.full(len(fits), -1, dtype=np.int64)
    pos[idx] = np.arange(len(idx))
    where = np.where(configs >= 0, pos[np.maximum(configs, 0)], -1)
    want = np.unique(where[where >= 0])
    out = np.zeros(len(configs))
    if not len(want):
        return out
    op = operating_point(ph.take(want), bmax[idx][want], tpot_s, ttft_s, utilisation)
    rate = np.where(op.concurrency > 0, op.state.requests_per_s, 0.0)
    lookup = np.zeros(len(idx))
    lookup[want] = rate
    out[where >= 0] = lookup[where[where >= 0]]
    return out


def cheapest_monthly(scenario: Scenario, backend: str, prices: PriceTable | None = None) -> float:
    """Cheapest feasible monthly cost of one backend (inf when none): a lean path for what-ifs."""
    t = scenario.traffic
    d = scenario.deployment
    _, _, grid, perf, hourly_i, _ = _stages(scenario, prices or scenario.prices(), (backend,))
    if len(grid.config) == 0:
        return math.inf
    has = grid.config >= 0
    safe = np.where(has, grid.config, 0)
    fits = has & (perf.concurrency[safe] > 0) if len(perf.concurrency) else np.zeros(len(has), dtype=bool)
    if not fits.any():
        return math.inf
    x = perf.requests_per_s[safe][fits]
    rpi = np.maximum(grid.devices[fits] // np.maximum(grid.tensor_parallel[fits], 1), 1)
    n_inst = instances_needed(replicas_needed(t.peak_rps, x, d.target_utilisation), rpi, d.min_instances)
    monthly = monthly_usd(n_inst, hourly_i[grid.instance_index[fits]], d.hours_per_month)
    monthly = monthly[~np.isnan(monthly)]
    return float(monthly.min()) if len(monthly) else math.inf


def clear_caches() -> None:
    """Forget every cached stage (for benchmarks that time a cold estimate)."""
    _estimate.cache_clear()
    _capacity_at.cache_clear()
    _performance.cache_clear()
    _hourly.cache_clear()
    option_grid.cache_clear()
    upcast_reasons.cache_clear()
    row_spreads.cache_clear()
