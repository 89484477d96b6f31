"""What a load generator would measure: each option at exactly N concurrent requests.

A closed loop of N clients (each sends, waits for the answer, sends again), the way vLLM's
serving benchmark, LLMPerf or awscurl report. Up to the backend's memory limit all N run in
one batch; beyond it the extra requests wait for a free slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate.pipeline import Estimate, memory_and_physics, scenario_grid, traffic_stats
from lmi_explorer.models.estimate.ranges import likely_range
from lmi_explorer.models.estimate.speed import Physics, batch_first_token, decode_step, steady_state
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.scenario import Scenario

LOADTEST_COLUMNS = [
    "backend",
    "instance",
    "precision",
    "tensor_parallel",
    "concurrency",
    "batch",
    "max_concurrency",
    "tpot_ms",
    "ttft_s",
    "e2e_latency_s",
    "output_tokens_per_s",
    "requests_per_s",
    "tpot_ms_low",
    "tpot_ms_high",
    "ttft_s_low",
    "ttft_s_high",
]


#: Concurrencies of the load-test view: powers of two from 1 to 512, as load generators sweep them.
SWEEP_CONCURRENCY = tuple(2**k for k in range(10))


@dataclass(frozen=True, slots=True)
class _Fitting:
    """The scenario's options that fit in memory, with their physics (shared by both entry points)."""

    rows: pd.DataFrame  # backend, instance, precision, tensor_parallel, config (options that fit)
    bmax: np.ndarray  # per fitting configuration: the memory limit on concurrent requests
    ph: Physics
    config_pos: dict[int, int]  # configuration index -> position in ``ph``/``bmax``
    mean_output: float
    kv_tokens: np.ndarray  # per fitting configuration: tokens its KV cache holds (a burst replay's limit)
    max_seqs: np.ndarray  # per fitting configuration: the engine's limit on running sequences


def _fitting(scenario: Scenario) -> _Fitting:
    model = scenario.model()
    ts = traffic_stats(scenario, model)
    grid = scenario_grid(scenario)
    _fits, cap, bmax, idx, ph = memory_and_physics(
        grid, model.context, ts.mean_input, ts.mean_output, ts.bound_input, ts.bound_output
    )
    rows = pd.DataFrame(
        {
            "backend": grid.backend,
            "instance": grid.instance,
            "precision": grid.precision,
            "tensor_parallel": grid.tensor_parallel,
            "config": grid.config,
        }
    )
    rows = rows[rows["config"].isin(idx)]
    return _Fitting(
        rows,
        bmax[idx],
        ph,
        {int(c): i for i, c in enumerate(idx)},
        ts.mean_output,
        np.asarray(cap, dtype=float)[idx],
        np.asarray(grid.c_max_batch)[idx],
    )


def _closed_loop(
    ph: Physics,
    bmax: np.ndarray,
    concurrency: np.ndarray,
    mean_output: float,
    all_at_once: np.ndarray | bool = False,
) -> dict[str, np.ndarray]:
    """Closed-loop figures for configurations × concurrencies (arrays shaped like ``concurrency``).

    Up to the memory limit all N run in one batch; the N − B requests beyond it wait for a slot,
    on average (N − B) / X. Where ``all_at_once`` (a fixed batch submitted together, one element per
    configuration or one for all), TTFT is the prefill of the whole batch
    (:func:`~models.estimate.speed.batch_first_token`) instead of the steady state's.
    """
    n = concurrency.astype(float)
    b = np.minimum(n, bmax if n.ndim == 1 else bmax[:, None])
    st = steady_state(ph, b, utilisation=0.0)  # a closed loop has no random arrivals to queue behind
    ttft = st.ttft_s
    together = np.asarray(all_at_once, dtype=bool)
    tpot_s = st.tpot_s
    if together.any() and n.ndim == 1:
        ttft = np.where(together, batch_first_token(ph, b), ttft)
        # a fixed batch decodes together once every prompt is in: its steps carry decodes only
        tpot_s = np.where(together, decode_step(ph, b), tpot_s)
    ttft = ttft + np.maximum(n - b, 0) / st.requests_per_s
    steps = ph.decode_steps if n.ndim == 1 else ph.decode_steps[:, None]
    return {
        "batch": b.astype(np.int64),
        "tpot_ms": tpot_s * 1000.0,
        "ttft_s": ttft,
        "e2e_latency_s": ttft + steps * tpot_s,
        "output_tokens_per_s": st.requests_per_s * mean_output,
        "requests_per_s": st.requests_per_s,
    }


def _accelerator_ids(instances: Sequence[str]) -> np.ndarray:
    """The accelerator id (the residuals' key) of each instance."""
    catalog = load_hardware().instances
    return np.array([catalog[i].accelerator for i in instances], dtype=object)


def _ranges(
    tpot_ms: np.ndarray, ttft_s: np.ndarray, backends: np.ndarray, accelerators: np.ndarray
) -> dict[str, np.ndarray]:
    """Likely TPOT and TTFT ranges (``ranges.likely_range``) of figures shaped (options,) or (options, N)."""
    shape = tpot_ms.shape
    per = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1
    b, a = np.repeat(backends, per), np.repeat(accelerators, per)
    out: dict[str, np.ndarray] = {}
    for name, values, metric in (("tpot_ms", tpot_ms, "tpot_ms"), ("ttft_s", ttft_s, "ttft_ms")):
        lo, hi = likely_range(values.reshape(-1), b, a, metric)
        out[f"{name}_low"], out[f"{name}_high"] = lo.reshape(shape), hi.reshape(shape)
    return out


def at_concurrency(
    scenario: Scenario,
    concurrency: int,
    *,
    instance: str | None = None,
    backend: str | None = None,
    precision: str | None = None,
    tensor_parallel: int | None = None,
    all_at_once: bool = False,
) -> pd.DataFrame:
    """Latency and throughput of one model copy of each matching option with ``concurrency`` clients
    (``all_at_once``: a fixed batch of that many submitted together, whose TTFT is the whole batch's prefill)."""
    if concurrency < 1:
        raise DataError(f"concurrency: {concurrency} must be at least 1.")
    f = _fitting(scenario)
    if f.rows.empty:
        return pd.DataFrame(columns=LOADTEST_COLUMNS)
    figures = _closed_loop(f.ph, f.bmax, np.full(len(f.bmax), concurrency), f.mean_output, all_at_once)
    per_config = pd.DataFrame({"config": list(f.config_pos), "max_concurrency": f.bmax, **figures})
    out = f.rows.merge(per_config, on="config", how="inner")
    for col, value in (
        ("instance", instance),
        ("backend", backend),
        ("precision", precision),
        ("tensor_parallel", tensor_parallel),
    ):
        if value is not None:
            out = out[out[col] == value]
    out.insert(4, "concurrency", concurrency)
    if out.empty:
        return out.reindex(columns=LOADTEST_COLUMNS).reset_index(drop=True)
    backends = out["backend"].to_numpy(dtype=object)
    spread = _ranges(
        out["tpot_ms"].to_numpy(dtype=float),
        out["ttft_s"].to_numpy(dtype=float),
        backends,
        _accelerator_ids(out["instance"].tolist()),
    )
    for col, values in spread.items():
        out[col] = values
    return out[LOADTEST_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class Sweep:
    """One option's load-test curves over ``concurrency`` (all arrays the same length)."""

    backend: str
    instance: str
    precision: str
    tensor_parallel: int
    max_concurrency: int  # the memory limit: beyond it requests wait for a free slot
    concurrency: np.ndarray
    tpot_ms: np.ndarray
    ttft_s: np.ndarray
    output_tokens_per_s: np.ndarray
    #: likely ranges (``ranges.likely_range`` for this backend × accelerator): where the measured figure
    #: lay for 80 % of the published points behind it
    tpot_ms_low: np.ndarray
    tpot_ms_high: np.ndarray
    ttft_s_low: np.ndarray
    ttft_s_high: np.ndarray


def concurrency_sweep(
    scenario: Scenario,
    options: Sequence[tuple[str, str, str, int]],
    concurrencies: Sequence[int] = SWEEP_CONCURRENCY,
) -> list[Sweep]:
    """Curves for the given (backend, instance, precision, TP) options; options that do not fit are left out.

    One vectorised pass over options × concurrencies, so the view can follow a slider.
    """
    f = _fitting(scenario)
    conc = np.asarray(concurrencies, dtype=np.int64)
    r = f.rows
    cols = (r[k].tolist() for k in ("backend", "instance", "precision", "tensor_parallel", "config"))
    config_of = {(b, i, p, int(t)): int(c) for b, i, p, t, c in zip(*cols, strict=True)}
    picked = [(opt, f.config_pos[config_of[opt]]) for opt in options if opt in config_of]
    if not picked:
        return []
    pos = np.array([p for _, p in picked])
    ph = f.ph.take(pos)
    bmax = f.bmax[pos]
    figures = _closed_loop(ph, bmax, np.broadcast_to(conc, (len(pos), len(conc))), f.mean_output)
    spread = _ranges(
        figures["tpot_ms"],
        figures["ttft_s"],
        np.array([opt[0] for opt, _ in picked], dtype=object),
        _accelerator_ids([opt[1] for opt, _ in picked]),
    )
    return [
        Sweep(
            *opt,
            max_concurrency=int(bmax[i]),
            concurrency=conc,
            tpot_ms=figures["tpot_ms"][i],
            ttft_s=figures["ttft_s"][i],
            output_tokens_per_s=figures["output_tokens_per_s"][i],
            tpot_ms_low=spread["tpot_ms_low"][i],
            tpot_ms_high=spread["tpot_ms_high"][i],
            ttft_s_low=spread["ttft_s_low"][i],
            ttft_s_high=spread["ttft_s_high"][i],
        )
        for i, (opt, _) in enumerate(picked)
    ]


#: Most options the load-test view draws at once (more lines would not be readable).
MAX_SWEEP_OPTIONS = 4


def representative_options(est: Estimate) -> list[tuple[str, str, str, int]]:
    """The options worth load-testing: the cheapest overall, cheapest full precision, cheapest quantized and
    the cheapest on another backend (distinct, at most four). When none meets the targets, the cheapest
    that fit in memory (the targets are what a load test would probe)."""
    picks = [est.best(), est.best(full_precision=True), est.best(full_precision=False)]
    first = picks[0]
    if first is not None:
        picks.append(est.best(other_than=str(first["backend"])))
    rows = [r for r in picks if r is not None]
    if not rows:
        o = est.options
        in_memory = o[o["max_concurrency"].fillna(0) > 0]
        if "monthly_usd" in in_memory:
            in_memory = in_memory.sort_values(["monthly_usd", "devices"], kind="stable", na_position="last")
        rows = [r for _, r in in_memory.head(MAX_SWEEP_OPTIONS).iterrows()]
    out: list[tuple[str, str, str, int]] = []
    for r in rows:
        key = (str(r["backend"]), str(r["instance"]), str(r["precision"]), int(r["tensor_parallel"]))
        if key not in out:
            out.append(key)
    return out[:MAX_SWEEP_OPTIONS]
