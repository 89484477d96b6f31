"""Fit efficiency factors to a scenario's load-test measurements, per backend × accelerator.

The same bounded, deterministic search as :func:`models.calibration.fit` (a coarse grid to find the
basin, then coordinate refinement; no SciPy), generalised from the published single-batch cases to
closed-loop load tests: the figures are computed exactly as :func:`models.loadtest.at_concurrency`
computes them, vectorised over the grid. Least squares on the log error, so a 20 % miss counts
the same on TTFT as on throughput.

A weak pull towards the shipped factors keeps what the measurements cannot tell apart (η_f when every
point is memory-bound, the link when TP never varies) where the shipped data put it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from lmi_explorer.models.calibration.measurements import Measurement
from lmi_explorer.models.calibration.parity import Placement, estimate_row, place
from lmi_explorer.models.calibration.user import (
    ETA_MAX,
    ETA_MIN,
    FIRST_MAX_MS,
    SEQ_MAX_US,
    STEP_MAX_MS,
    Calibration,
    FittedEfficiency,
)
from lmi_explorer.models.estimate.burst import Schedule, burst_figures
from lmi_explorer.models.estimate.speed import Physics
from lmi_explorer.models.reference.backends import Efficiency, load_backends
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.scenario import Scenario

#: Weight of the pull towards the shipped factors, per parameter (log ratio squared; step per 10 ms).
PRIOR_WEIGHT = 0.01
PRIOR_STEP_S = 0.010
_GRID_ETA = np.linspace(ETA_MIN, ETA_MAX, 20)
#: log error beyond which a miss counts linearly rather than squared (about ±10 %)
ROBUST_SCALE = 0.1
#: per-sequence overheads tried on the grid, seconds (0 to 40 µs per running sequence per step)
_GRID_SEQ_S = (0.0, 5e-6, 10e-6, 20e-6, 40e-6)
#: first-token costs tried on the grid, seconds
_GRID_FIRST_S = (0.0, 0.01, 0.02)
#: TTFT targets a group needs, and how much their prompt tokens (× batch) must differ, to fit that cost
FIRST_TARGETS, FIRST_SPREAD = 4, 8.0
#: a group's batches must differ this much (largest / smallest running sequences) before it is fitted
SEQ_BATCH_SPREAD = 8.0
#: width of the pull towards the shipped per-sequence overhead (seconds)
PRIOR_SEQ_S = 20e-6
#: η_kv as a share of η_bw tried on the grid (decode attention reaches at most the weights' efficiency)
_KV_SHARES = (1.0, 0.8, 0.6, 0.45, 0.35, 0.25)
#: figures a group needs before any factor beyond η_bw, η_f and the step overhead is fitted
MIN_FIGURES_EXTRA = 8
#: the points' KV reads per step (batch × decode context) must differ this much before η_kv is fitted apart
KV_CONTEXT_SPREAD = 4.0
_GRID_STEP_S = np.array([0.0, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, STEP_MAX_MS / 1000])
FIT_COLUMNS = [
    "label",
    "metric",
    "backend",
    "accelerator",
    "measured",
    "before",
    "after",
    "error_before",
    "error_after",
]


@dataclass(frozen=True)
class FitReport:
    """What :func:`fit_measurements` found.

    ``calibration`` goes into the scenario (``scenario.with_changes(calibration=report.calibration)``);
    ``points`` has one row per fitted figure with the estimate before (shipped factors) and after;
    ``not_fitted`` lists measurements the estimator could not place, with the reason.
    """

    calibration: Calibration
    points: pd.DataFrame
    not_fitted: pd.DataFrame
    median_error_before: float
    median_error_after: float


@dataclass(frozen=True, eq=False)
class _Group:
    """The fitted figures of one backend × accelerator, with their physics stacked for vector evaluation."""

    backend: str
    accelerator: str
    ph: Physics  # one element per point (measurement)
    bmax: np.ndarray
    concurrency: np.ndarray
    mean_output: np.ndarray
    link_raw: np.ndarray  # the device link's peak bytes/s, before the interconnect efficiency
    targets: list[tuple[int, str, float, str]]  # (point, metric, measured, label)
    tps: tuple[int, ...]
    all_at_once: np.ndarray  # per point: a fixed batch submitted together (TTFT = the whole batch's prefill)
    #: per point: the replay of a burst submitted at once (models.estimate.burst), or None
    bursts: tuple[Schedule | None, ...] = ()
    #: η_kv / η_bw kept where η_kv is not fitted on its own (the start's share: reads scale with the weights')
    kv_share: float = 1.0


def _point(
    m: Measurement, scenario: Scenario, place_for: Callable[[Measurement, Scenario], Placement] = place
) -> tuple[tuple | None, str]:
    """(backend, accelerator, physics, bmax, mean output, tp) of a measurement's option, or the reason."""
    from lmi_explorer.models.estimate.loadtest import _fitting

    shipped = replace(scenario, calibration=None)
    p = place_for(m, shipped)
    row, reason, _notes = estimate_row(m, p)
    if row is None or p.variant is None:
        return None, reason
    f = _fitting(p.variant)
    r = f.rows
    hit = r[
        (r["backend"] == p.backend)
        & (r["instance"] == p.instance)
        & (r["precision"] == p.precision)
        & (r["tensor_parallel"] == int(row["tensor_parallel"]))
    ]
    pos = f.config_pos[int(hit["config"].iloc[0])]
    ph = f.ph.take(np.array([pos]))
    return (p.backend, p.accelerator, ph, f.bmax[pos], f.mean_output, int(row["tensor_parallel"])), ""


def _stack(parts: list[Physics]) -> Physics:
    return Physics(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Physics)})


def _figures(g: _Group, theta: np.ndarray, exact: bool = True) -> dict[str, np.ndarray]:
    """Closed-loop figures for each parameter set (rows of ``theta``: η_bw, η_f, step s, η_link, η_kv) × point.

    A point replayed as a burst gets the replay's figures where ``exact``; the coarse grid (thousands of
    sets) takes the steady state for it instead, and the refinement and the reported figures the replay.
    """
    from lmi_explorer.models.estimate.loadtest import _closed_loop

    k, n = len(theta), len(g.bmax)
    ph = Physics(**{f.name: np.tile(getattr(g.ph, f.name), k) for f in fields(Physics)})
    ph.eta_bw = np.repeat(theta[:, 0], n)
    # η_kv NaN: tied to η_bw at the start's share (the points cannot tell KV reads from weight reads)
    ph.eta_kv = np.repeat(np.where(np.isnan(theta[:, 4]), theta[:, 0] * g.kv_share, theta[:, 4]), n)
    ph.eta_f = np.repeat(theta[:, 1], n)
    ph.step_s = np.repeat(theta[:, 2], n)
    ph.seq_s = np.repeat(theta[:, 5], n)
    ph.first_s = np.repeat(theta[:, 6], n)
    ph.link_bytes_s = np.tile(g.link_raw, k) * np.repeat(theta[:, 3], n)
    # _closed_loop's mean_output is annotated as a float but is used element-wise: it takes one per point too
    mean_output = np.tile(g.mean_output, k)
    out = _closed_loop(
        ph,
        np.tile(g.bmax, k),
        np.tile(g.concurrency, k),
        mean_output,  # type: ignore[arg-type]
        np.tile(g.all_at_once, k),
    )
    fig = {m: out[m].reshape(k, n) for m in ("ttft_s", "tpot_ms", "output_tokens_per_s")}
    if exact:
        for i, sched in enumerate(g.bursts):
            if sched is None:
                continue
            b = burst_figures(ph.take(np.arange(k) * n + i), sched)
            for m in fig:
                fig[m][:, i] = b[m]
    return fig


def _estimates(g: _Group, theta: np.ndarray, exact: bool = True) -> np.ndarray:
    """Estimated value of every target, per parameter set: shape (sets, targets)."""
    fig = _figures(g, theta, exact)
    return np.stack([fig[metric][:, i] for i, metric, _, _ in g.targets], axis=1)


def _cost(
    g: _Group,
    theta: np.ndarray,
    start: np.ndarray,
    fit_link: bool,
    fit_kv: bool = False,
    exact: bool = True,
    fit_seq: bool = False,
    fit_first: bool = False,
) -> np.ndarray:
    measured = np.array([t[2] for t in g.targets])
    est = _estimates(g, theta, exact)
    with np.errstate(divide="ignore", invalid="ignore"):
        resid = np.log(est / measured)
    r = np.where(np.isfinite(resid), resid, 50.0)
    # soft-L1 (pseudo-Huber): quadratic within ROBUST_SCALE, linear beyond, so a few points the model cannot
    # reach (an ambiguous source, another engine version) do not drag every other point's fit
    data = 2.0 * ROBUST_SCALE**2 * (np.sqrt(1.0 + (r / ROBUST_SCALE) ** 2) - 1.0)
    prior = (
        np.log(theta[:, 0] / start[0]) ** 2
        + np.log(theta[:, 1] / start[1]) ** 2
        + ((theta[:, 2] - start[2]) / PRIOR_STEP_S) ** 2
    )
    if fit_link:
        prior = prior + np.log(theta[:, 3] / start[3]) ** 2
    if fit_kv:
        prior = prior + np.log(theta[:, 4] / start[4]) ** 2
    if fit_seq:
        prior = prior + ((theta[:, 5] - start[5]) / PRIOR_SEQ_S) ** 2
    if fit_first:
        prior = prior + ((theta[:, 6] - start[6]) / PRIOR_STEP_S) ** 2
    return data.sum(axis=1) + PRIOR_WEIGHT * prior


def _crossed(grid: np.ndarray, column: int, values: tuple[float, ...]) -> np.ndarray:
    """The grid repeated once per value, with ``column`` set to that value."""
    out = np.vstack([grid] * len(values))
    out[:, column] = np.repeat(values, len(grid))
    return out


def _search(
    g: _Group,
    start: np.ndarray,
    fit_link: bool,
    fit_kv: bool = False,
    fit_seq: bool = False,
    fit_first: bool = False,
) -> np.ndarray:
    """Bounded minimum: grid over (η_bw, η_f, step) at the shipped link (and, where fitted, η_kv as a share
    of η_bw, the per-sequence overhead and the first token's fixed cost), then coordinate refinement."""
    lo = np.array([ETA_MIN, ETA_MIN, 0.0, ETA_MIN, ETA_MIN, 0.0, 0.0])
    hi = np.array([ETA_MAX, ETA_MAX, STEP_MAX_MS / 1000, ETA_MAX, ETA_MAX, SEQ_MAX_US / 1e6, FIRST_MAX_MS / 1000])
    bw, f, st = np.meshgrid(_GRID_ETA, _GRID_ETA, _GRID_STEP_S, indexing="ij")
    base = np.column_stack(
        [
            bw.ravel(),
            f.ravel(),
            st.ravel(),
            np.full(bw.size, start[3]),
            bw.ravel(),
            np.full(bw.size, start[5]),
            np.full(bw.size, start[6]),
        ]
    )
    if fit_kv:
        shares = [base.copy() for _ in _KV_SHARES]
        for b, share in zip(shares, _KV_SHARES, strict=True):
            b[:, 4] = np.maximum(b[:, 0] * share, ETA_MIN)
        base = np.vstack(shares)
    else:
        base[:, 4] = start[4]
    if fit_seq:
        base = _crossed(base, 5, _GRID_SEQ_S)
    if fit_first:
        base = _crossed(base, 6, _GRID_FIRST_S)
    grid = np.vstack([start, base])

    def cost(theta: np.ndarray, exact: bool = True) -> np.ndarray:
        return _cost(g, theta, start, fit_link, fit_kv, exact, fit_seq, fit_first)

    coarse = cost(grid, exact=not any(b is not None for b in g.bursts))
    # the best few of the coarse grid, priced exactly, seed the refinement
    grid = grid[np.argsort(coarse)[:8]]
    costs = cost(grid)
    best = grid[int(np.argmin(costs))].copy()
    best_cost = float(costs.min())
    steps = np.array([0.025, 0.025, 0.001, 0.025, 0.025, 2e-6, 0.002])
    free = [0, 1, 2] + ([3] if fit_link else []) + ([4] if fit_kv else []) + ([5] if fit_seq else [])
    free += [6] if fit_first else []
    for _ in range(80):
        cands = []
        for k in free:
            for sign in (-1.0, 1.0):
                c = best.copy()
                c[k] = min(max(c[k] + sign * steps[k], lo[k]), hi[k])
                cands.append(c)
        cand = np.array(cands)
        costs = cost(cand)
        i = int(np.argmin(costs))
        if costs[i] < best_cost - 1e-12:
            best, best_cost = cand[i], float(costs[i])
        else:
            steps = steps / 2
            if steps[0] < 1e-4:
                break
    return best


def _default_name(measurements: tuple[Measurement, ...] | list[Measurement]) -> str:
    files = []
    for m in measurements:
        f = m.source.split(" (")[0].split(": ")[0] or m.label
        if f not in files:
            files.append(f)
    name = ", ".join(files) or "measurements"
    return name if len(name) <= 200 else name[:197] + "..."


def fit_measurements(
    measurements: tuple[Measurement, ...] | list[Measurement],
    scenario: Scenario,
    *,
    name: str | None = None,
    start_for: Callable[[str, str], Efficiency] | None = None,
    all_at_once: frozenset[str] = frozenset(),
    place_for: Callable[[Measurement, Scenario], Placement] = place,
    bursts: Mapping[str, Schedule] | None = None,
) -> FitReport:
    """Fit η_bw, η_f, step overhead (and the TP link efficiency, when TP varies) per backend × accelerator.

    Bounds: 0.05 ≤ η ≤ 1 (never beyond the hardware's peak), 0 ≤ step ≤ 50 ms. The search starts from, and
    is weakly pulled towards, ``start_for(backend, accelerator)`` (default: the shipped factors); "before"
    is the estimate with those factors. Measurements whose label is in ``all_at_once`` were a fixed batch
    submitted together (their TTFT is the whole batch's prefill). Deterministic: the same measurements
    and start give the same fit. ``place_for`` puts a measurement in the estimator (default
    :func:`~models.calibration.parity.place`; the published set passes its own, which adds each point's
    recorded engine settings, so the fit minimises exactly the errors the parity report prints).
    ``bursts`` maps a measurement's label to the replay of its all-at-once submission
    (:func:`models.estimate.burst.schedule`): its figures come from the replay instead of a steady state.
    """
    bk = load_backends()
    hw = load_hardware()
    groups: dict[tuple[str, str], dict] = {}
    skipped = []
    for m in measurements:
        info, reason = _point(m, scenario, place_for)
        if info is None:
            skipped.append({"label": m.label, "reason": reason})
            continue
        backend, acc, ph, bmax, mean_out, tp = info
        g = groups.setdefault(
            (backend, acc),
            {"ph": [], "bmax": [], "n": [], "out": [], "targets": [], "tps": [], "together": [], "bursts": []},
        )
        i = len(g["ph"])
        g["ph"].append(ph)
        g["bmax"].append(bmax)
        g["n"].append(m.concurrency)
        g["out"].append(mean_out)
        g["tps"].append(tp)
        g["together"].append(m.label in all_at_once)
        g["bursts"].append((bursts or {}).get(m.label))
        g["targets"].extend((i, metric, value, m.label) for metric, value in m.metrics().items())
    factors = []
    rows = []
    for (backend, acc), g in groups.items():
        a = hw.accelerators[acc]
        group = _Group(
            backend,
            acc,
            _stack(g["ph"]),
            np.array(g["bmax"], dtype=float),
            np.array(g["n"], dtype=float),
            np.array(g["out"], dtype=float),
            np.full(len(g["ph"]), a.link_bytes_s),
            g["targets"],
            tuple(g["tps"]),
            np.array(g["together"], dtype=bool),
            tuple(g["bursts"]),
        )
        eff = (start_for or bk.efficiency_for)(backend, acc)
        link0 = hw.interconnects[a.interconnect].bandwidth_efficiency
        fit_link = len(set(group.tps)) >= 2 and max(group.tps) > 1
        # the KV read of a step grows with the batch × the context while the weights' read does not: points
        # whose batch × context differ enough tell the two efficiencies apart
        kv_read = group.ph.context * np.minimum(group.concurrency, group.bmax)
        enough = len(group.targets) >= MIN_FIGURES_EXTRA  # a factor beyond the three needs figures to stand on
        fit_kv = enough and bool(len(kv_read) >= 3 and kv_read.max() >= KV_CONTEXT_SPREAD * max(kv_read.min(), 1.0))
        group = replace(group, kv_share=eff.kv_efficiency / eff.eta_bw)
        kv0 = eff.kv_efficiency if fit_kv else math.nan
        batch = np.minimum(group.concurrency, group.bmax)
        fit_seq = enough and bool(len(batch) >= 3 and batch.max() >= SEQ_BATCH_SPREAD * max(batch.min(), 1.0))
        ttft_at = [i for i, metric, _, _ in group.targets if metric == "ttft_s"]
        work = group.ph.prefill_tokens[ttft_at] * np.minimum(group.concurrency, group.bmax)[ttft_at]
        fit_first = enough and bool(len(ttft_at) >= FIRST_TARGETS and work.max() >= FIRST_SPREAD * max(work.min(), 1.0))
        start = np.array(
            [eff.eta_bw, eff.eta_f, eff.step_overhead_s, link0, kv0, eff.per_sequence_s, eff.first_token_extra_s]
        )
        best = _search(group, start, fit_link, fit_kv, fit_seq, fit_first)
        fitted = FittedEfficiency(
            backend=backend,
            accelerator=acc,
            eta_bw=round(float(best[0]), 3),
            eta_f=round(float(best[1]), 3),
            step_overhead_ms=round(float(best[2]) * 1000, 2),
            eta_link=round(float(best[3]), 3) if fit_link else None,
            points=len(group.targets),
            eta_kv=(
                round(float(best[4]), 3)
                if fit_kv
                else (round(float(best[0]) * group.kv_share, 3) if eff.eta_kv is not None else None)
            ),
            seq_overhead_us=round(float(best[5]) * 1e6, 2) if (fit_seq or eff.seq_overhead_s is not None) else None,
            first_token_ms=round(float(best[6]) * 1e3, 2) if (fit_first or eff.first_token_s is not None) else None,
        )
        after_theta = np.array(
            [
                [
                    fitted.eta_bw,
                    fitted.eta_f,
                    fitted.step_overhead_s,
                    fitted.eta_link or link0,
                    math.nan if fitted.eta_kv is None else fitted.eta_kv,
                    (fitted.seq_overhead_us or 0.0) / 1e6,
                    (fitted.first_token_ms or 0.0) / 1e3,
                ]
            ]
        )
        before = _estimates(group, start[None, :])[0]
        after = _estimates(group, after_theta)[0]
        measured = np.array([t[2] for t in group.targets])
        err_b = before / measured - 1
        err_a = after / measured - 1
        factors.append(
            replace(
                fitted,
                median_error_before=round(float(np.median(np.abs(err_b))), 4),
                median_error_after=round(float(np.median(np.abs(err_a))), 4),
            )
        )
        for j, (_i, metric, value, label) in enumerate(group.targets):
            rows.append(
                {
                    "label": label,
                    "metric": metric,
                    "backend": backend,
                    "accelerator": acc,
                    "measured": value,
                    "before": before[j],
                    "after": after[j],
                    "error_before": err_b[j],
                    "error_after": err_a[j],
                }
            )
    points = pd.DataFrame.from_records(rows, columns=FIT_COLUMNS)
    cal = Calibration(
        name=name or _default_name(measurements), measurements=tuple(measurements), factors=tuple(factors)
    )

    def med(col: str) -> float:
        return float(points[col].abs().median()) if len(points) else math.nan

    return FitReport(
        cal,
        points,
        pd.DataFrame.from_records(skipped, columns=["label", "reason"]),
        med("error_before"),
        med("error_after"),
    )
