"""Published load tests and engine benchmarks (2024–2026) as a calibration set, and the estimate's parity over it.

``data/calibration/loadtests.csv`` holds one row per measured point: the catalog model, the AWS instance
with that accelerator, backend, engine and its version, precision, TP, how the load was applied
(``workload``), the mean lengths and what was measured (TTFT, TPOT, output tokens/s, or a KV-cache
capacity), each with its source, as-of date and caveats.

``workload`` is one of

- ``closed``: N requests always in flight (``--max-concurrency N``);
- ``batch``: a fixed batch of N submitted together and run to completion (an engine's latency benchmark);
  its TTFT is the prefill of the whole batch (:func:`models.estimate.speed.batch_first_token`);
- ``offline``: the engine's own batch benchmark, all requests at once (``concurrency`` = requests in flight
  when stated, else the requests submitted);
- ``rate_inf``: a ShareGPT-style run with every prompt submitted at once (``concurrency`` = prompts);
  its TTFT is the queueing of the whole submission, so only its TPOT and throughput are compared;
- ``poisson``: open-loop arrivals (``concurrency`` holds the rate, requests/s); kept, never compared;
- ``kv``: an engine's stated KV-cache capacity (``kv_tokens`` and/or ``kv_gib`` per device).

:func:`published_parity` estimates each compared point the way :mod:`models.calibration.parity` places an
imported load test (:func:`~models.calibration.parity.place`, then
:func:`models.estimate.loadtest.at_concurrency`) and :func:`summarise_published` gives the median and worst
|error| per metric and accelerator. Nothing here restates the estimator's formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lmi_explorer.models.calibration.measurements import Measurement
from lmi_explorer.models.tables import Column, read_table

if TYPE_CHECKING:
    import pandas as pd

    from lmi_explorer.models.calibration.parity import Placement
    from lmi_explorer.models.estimate.burst import Schedule
    from lmi_explorer.models.estimate.speed import Physics
    from lmi_explorer.models.scenario import Scenario

TABLE = "calibration/loadtests.csv"
WORKLOADS = ("closed", "batch", "offline", "rate_inf", "poisson", "kv")
#: Workloads the parity report estimates (open-loop Poisson points are kept in the table but not compared).
COMPARED_WORKLOADS = ("closed", "batch", "offline", "rate_inf", "kv")
#: Metrics of the parity report, in the units of the table.
PARITY_METRICS = ("ttft_ms", "tpot_ms", "output_tokens_per_s", "kv_tokens")
#: LMI release the report estimates with (it ships vLLM 0.28: older-engine points are evidence about older engines).
PARITY_LMI_RELEASE = 29
#: |error| beyond which a point's ``note`` explains the miss (bench/calibration.py prints it beside the point).
NOTED_ERROR = 0.40
#: The engine inside each backend the app estimates: a point measured on another server (TGI-neuron against
#: the Transformers NeuronX backend) is compared for reference but neither fitted nor counted in the medians.
BACKEND_ENGINES: dict[str, tuple[str, ...]] = {"vllm": ("vllm",), "trtllm": ("tensorrt-llm",), "tnx": ("neuron-sdk",)}
#: ``accelerator`` of the summary rows over points measured on another server
OTHER_SERVERS = "other servers"
#: Traffic preset whose length spread stands for ShareGPT prompts and answers (rate_inf points).
SHAREGPT_PRESET = "chatbot"

SCHEMA: dict[str, Column] = {
    "case": Column("str"),
    "label": Column("str"),
    "model": Column("str"),
    "instance": Column("str"),
    "accelerator": Column("str"),
    "backend": Column("str"),
    "engine": Column("str", choices=("vllm", "tensorrt-llm", "neuron-sdk", "tgi-neuron")),
    "engine_version": Column("str", required=False),
    "precision": Column("str"),
    "tensor_parallel": Column("int", minimum=1, maximum=64),
    "workload": Column("str", choices=WORKLOADS),
    "concurrency": Column("int", minimum=1, maximum=1_000_000),
    "input_tokens": Column("float", required=False, minimum=1),
    "output_tokens": Column("float", required=False, minimum=1),
    "ttft_ms": Column("float", required=False, minimum=0.001),
    "tpot_ms": Column("float", required=False, minimum=0.001),
    "output_tokens_per_s": Column("float", required=False, minimum=0.001),
    "kv_tokens": Column("float", required=False, minimum=1),
    "kv_gib": Column("float", required=False, minimum=0.001),
    "gpu_memory_utilization": Column("float", required=False, minimum=0.3, maximum=0.99),
    "kv_cache_dtype": Column("str", required=False, choices=("auto", "fp8")),
    "lengths": Column("str", required=False, choices=("spread", "fixed")),
    "max_batch_size": Column("int", required=False, minimum=1, maximum=65_536),
    "max_num_batched_tokens": Column("int", required=False, minimum=16, maximum=1_048_576),
    "fit": Column("str", required=False, choices=("yes", "no")),
    "notes": Column("str", required=False),
    "note": Column("str", required=False),
}

PARITY_COLUMNS = [
    "point",
    "label",
    "metric",
    "accelerator",
    "instance",
    "backend",
    "engine",
    "engine_version",
    "precision",
    "tensor_parallel",
    "workload",
    "measured",
    "estimate",
    "error",
    "note",
    "reference",
]


@dataclass(frozen=True, slots=True)
class PublishedPoint:
    """One row of ``data/calibration/loadtests.csv``.

    Parameters
    ----------
    case, label : str
        Unique id and the short name tables and charts show.
    model, instance, accelerator, backend, engine, engine_version, precision : str
        Catalog model id, AWS instance type, accelerator id, the app's backend, the engine that was measured
        and its version as the source gives it (empty when not stated), the app's precision.
    tensor_parallel : int
        TP degree of the one model copy measured.
    workload : str
        ``closed``, ``offline``, ``rate_inf``, ``poisson`` or ``kv`` (see the module docstring).
    concurrency : int
        Requests in flight (closed, offline), prompts submitted (rate_inf) or requests/s (poisson).
    input_tokens, output_tokens : float | None
        Mean lengths per request, tokens.
    ttft_ms, tpot_ms : float | None
        Time to first token and time per output token, milliseconds.
    output_tokens_per_s : float | None
        Generated tokens per second of the whole model copy.
    kv_tokens : float | None
        KV-cache capacity, tokens per model copy.
    kv_gib : float | None
        KV-cache capacity, GiB per device.
    source, as_of, notes : str
        Where the figures come from, when, and their caveats (⚠ marks an ambiguity).
    note : str
        Why the estimate may miss this point by more than ``NOTED_ERROR`` (facts from the source: engine
        version, settings, ambiguity); empty for the others.
    """

    case: str
    label: str
    model: str
    instance: str
    accelerator: str
    backend: str
    engine: str
    engine_version: str
    precision: str
    tensor_parallel: int
    workload: str
    concurrency: int
    input_tokens: float | None
    output_tokens: float | None
    ttft_ms: float | None
    tpot_ms: float | None
    output_tokens_per_s: float | None
    kv_tokens: float | None
    kv_gib: float | None
    source: str
    as_of: str
    notes: str
    note: str

    #: the engine's gpu_memory_utilization in the run when it was not its default (None: the default)
    gpu_memory_utilization: float | None = None
    #: the KV-cache type the run used when the source or the engine's benchmark tool sets it (None: auto)
    kv_cache_dtype: str | None = None
    #: ``fixed``: every request had the stated lengths (a random dataset); ``spread``: ShareGPT-like spread;
    #: None: spread for rate_inf, fixed for the others
    lengths: str | None = None
    #: the engine's limits in the run where the source states them (None: the backend's defaults)
    max_batch_size: int | None = None
    max_num_batched_tokens: int | None = None
    #: ``no``: compared but left out of the shipped fit (``note`` says why: a source at odds with itself)
    fit: str | None = None

    @property
    def fitted(self) -> bool:
        """Whether the shipped factors are fitted to this point (its own engine, and not set aside)."""
        return self.own_engine and self.fit != "no"

    @property
    def spread(self) -> bool:
        """Whether the run's requests had a spread of lengths (else every request the stated ones)."""
        return self.lengths == "spread" or (self.lengths is None and self.workload == "rate_inf")

    @property
    def own_engine(self) -> bool:
        """Measured on the engine the app's backend runs (else another server, compared for reference)."""
        return self.engine in BACKEND_ENGINES.get(self.backend, (self.engine,))

    @property
    def has_lengths(self) -> bool:
        return self.input_tokens is not None and self.output_tokens is not None


@lru_cache(maxsize=1)
def load_published() -> tuple[PublishedPoint, ...]:
    """Every row of the table, in file order; a repeated case id is refused."""
    from lmi_explorer.models.errors import DataError

    table = read_table(TABLE, SCHEMA)
    names = [f.name for f in fields(PublishedPoint)]
    out = []
    for r in table.records:
        values: dict[str, Any] = {n: r.get(n) for n in names}
        for text in ("engine_version", "as_of", "notes", "note"):
            values[text] = values[text] or ""
        out.append(PublishedPoint(**values))
    cases = [p.case for p in out]
    twice = sorted({c for c in cases if cases.count(c) > 1})
    if twice:
        raise DataError(f"data/{TABLE}: case id(s) {', '.join(twice)} appear more than once.")
    return tuple(out)


def published_records() -> list[dict[str, Any]]:
    """The rows as plain records (column → value; blank cells are None)."""
    return [{f.name: getattr(p, f.name) for f in fields(PublishedPoint)} for p in load_published()]


def to_measurement(p: PublishedPoint) -> Measurement:
    """The point as a :class:`Measurement` (TTFT in seconds), with its catalog model, instance, backend,
    precision and TP filled in."""

    def seconds(ms: float | None) -> float | None:
        return None if ms is None else ms / 1000.0

    version = f"{p.engine} {p.engine_version}".strip()
    return Measurement(
        label=p.label,
        model=p.model,
        instance=p.instance,
        backend=p.backend,
        precision=p.precision,
        tensor_parallel=p.tensor_parallel,
        concurrency=p.concurrency,
        input_tokens=p.input_tokens,
        output_tokens=p.output_tokens,
        ttft_s=seconds(p.ttft_ms),
        tpot_ms=p.tpot_ms,
        output_tokens_per_s=p.output_tokens_per_s,
        source=f"{p.source} ({p.as_of}; {version})",
        note=p.notes,
    )


def published_measurements(
    workloads: tuple[str, ...] = ("closed", "batch", "offline", "rate_inf"),
) -> tuple[Measurement, ...]:
    """The points of the given workloads that measured a latency or a throughput, as measurements."""
    return tuple(
        to_measurement(p)
        for p in load_published()
        if p.workload in workloads and any(v is not None for v in (p.ttft_ms, p.tpot_ms, p.output_tokens_per_s))
    )


def all_at_once_labels() -> frozenset[str]:
    """Labels of the points that were a fixed batch submitted together (workload ``batch``)."""
    return frozenset(p.label for p in load_published() if p.workload == "batch")


def _row(p: PublishedPoint, pl: Placement) -> tuple[Any, str, tuple[str, ...]]:
    """:func:`parity.estimate_row` for the point; a ``batch`` point's TTFT is its whole batch's prefill."""
    from lmi_explorer.models.calibration.parity import estimate_row

    return estimate_row(to_measurement(p), pl, all_at_once=p.workload == "batch")


#: Seeds of the replayed bursts' input and output orders (fixed: the same replay on every machine).
BURST_SEEDS = (1, 2)


def burst(p: PublishedPoint, pl: Placement) -> tuple[Schedule | None, Physics | None, str]:
    """The replay of a ``rate_inf`` point's submission (:mod:`models.estimate.burst`), its option's physics
    and '' — or (None, None, why not). ``concurrency`` prompts at the stated mean lengths, spread as the
    scenario's length distribution unless the run's lengths were ``fixed``."""
    import numpy as np

    from lmi_explorer.models.estimate.burst import request_lengths, schedule
    from lmi_explorer.models.estimate.loadtest import _fitting
    from lmi_explorer.models.estimate.pipeline import traffic_stats

    if pl.variant is None:
        return None, None, pl.reason
    f = _fitting(pl.variant)
    r = f.rows
    hit = r[
        (r["backend"] == p.backend)
        & (r["instance"] == p.instance)
        & (r["precision"] == p.precision)
        & (r["tensor_parallel"] == p.tensor_parallel)
    ]
    if hit.empty:
        from lmi_explorer.models.calibration.parity import _why_not

        return None, None, _why_not(pl)
    pos = f.config_pos[int(hit["config"].iloc[0])]
    ph = f.ph.take(np.array([pos]))
    n = p.concurrency
    assert p.input_tokens is not None
    assert p.output_tokens is not None
    if p.spread:
        shape = traffic_stats(pl.variant, pl.variant.model()).shape
        n_in = request_lengths(p.input_tokens, shape.input.cv, shape.input.upper, n, BURST_SEEDS[0])
        n_out = request_lengths(p.output_tokens, shape.output.cv, shape.output.upper, n, BURST_SEEDS[1])
    else:
        n_in, n_out = np.full(n, float(p.input_tokens)), np.full(n, float(p.output_tokens))
    sched = schedule(n_in, n_out, int(f.max_seqs[pos]), float(f.kv_tokens[pos]), float(ph.token_budget[0]))
    return sched, ph, ""


def parity_scenario() -> Scenario:
    """The default scenario at the report's LMI release."""
    from lmi_explorer.models.scenario import default_scenario

    return default_scenario().with_changes(lmi_release=PARITY_LMI_RELEASE)


def placement(p: PublishedPoint, scenario: Scenario) -> Placement:
    """Where the point lands in the estimator: :func:`parity.place`, with the run's recorded engine settings
    (memory share, KV-cache type, batch and step limits) and ShareGPT's length spread where lengths spread."""
    from lmi_explorer.models.calibration.parity import place
    from lmi_explorer.models.traffic import load_presets

    pl = place(to_measurement(p), scenario)
    if pl.variant is None:
        return pl
    # the run's own engine settings, where the source records them
    changes: dict[str, Any] = {
        k: v
        for k in ("gpu_memory_utilization", "kv_cache_dtype", "max_batch_size", "max_num_batched_tokens")
        if (v := getattr(p, k)) is not None
    }
    if p.spread:
        preset = load_presets()[SHAREGPT_PRESET]
        changes.update(input_cv=preset.input_cv, output_cv=preset.output_cv)
    return replace(pl, variant=pl.variant.with_changes(**changes)) if changes else pl


def option_row(p: PublishedPoint, pl: Placement) -> dict[str, Any] | None:
    """The estimate's row for the point's option, with relaxed latency targets (memory and support only),
    or None when the estimate lists no such option."""
    from lmi_explorer.models.estimate import estimate

    if pl.variant is None:
        return None
    relaxed = pl.variant.with_changes(ttft_s=3600.0, tpot_ms=100_000.0)
    o = estimate(relaxed).options
    rows = o[
        (o["instance"] == p.instance)
        & (o["backend"] == p.backend)
        & (o["precision"] == p.precision)
        & (o["tensor_parallel"] == p.tensor_parallel)
    ]
    return None if rows.empty else dict(rows.iloc[0])


def _kv_measured(p: PublishedPoint, opt: dict[str, Any]) -> tuple[float | None, str]:
    """Measured KV tokens per copy: stated, or the stated GiB per device at the estimate's own bytes per token."""
    if p.kv_tokens is not None:
        return p.kv_tokens, ""
    if p.kv_gib is None:
        return None, ""
    gib = float(opt["usable_kv_gib_per_device"])
    tokens = float(opt["kv_capacity_tokens"])
    if gib <= 0 or tokens <= 0:
        return None, "the estimate holds no KV cache for this option"
    return p.kv_gib * tokens / gib, "tokens derived from the stated GiB at the estimate's bytes per token"


def published_parity(scenario_factory: Callable[[], Scenario] | None = None) -> pd.DataFrame:
    """Estimate versus measured for every compared point: one row per (point, metric).

    Parameters
    ----------
    scenario_factory : callable, optional
        Returns the scenario each point is placed in (its model, lengths, instance family, precision,
        backend and TP are then set from the point). Default: :func:`parity_scenario`, the default scenario
        at LMI release 29.

    Returns
    -------
    pandas.DataFrame
        Columns ``PARITY_COLUMNS``: ``metric`` is ``ttft_ms``, ``tpot_ms``, ``output_tokens_per_s`` (whole
        model copy) or ``kv_tokens`` (per copy, against the option's ``kv_capacity_tokens``);
        ``error`` = estimate / measured − 1, NaN where there is no estimate and ``note`` says why;
        ``reference`` is True for a point measured on another server than the backend's own engine
        (:data:`BACKEND_ENGINES`). Poisson points, rate_inf TTFT (queueing) and points without stated
        mean lengths are left out.
    """
    import pandas as pd

    factory = scenario_factory or parity_scenario
    base = factory()
    records: list[dict[str, Any]] = []
    for p in load_published():
        if p.workload not in COMPARED_WORKLOADS or (p.workload != "kv" and not p.has_lengths):
            continue
        pl = placement(p, base)
        figures: dict[str, tuple[float, float, str]] = {}
        if p.workload == "kv":
            opt = option_row(p, pl)
            if opt is None or not bool(opt["fits"]):
                why = pl.reason or (str(opt["reason"]) if opt is not None else "no such option in the estimate")
                measured = p.kv_tokens if p.kv_tokens is not None else math.nan
                figures["kv_tokens"] = (measured, math.nan, why)
            else:
                measured_kv, how = _kv_measured(p, opt)
                if measured_kv is not None:
                    how = "; ".join(x for x in (how, *pl.notes) if x and x != p.notes)
                    figures["kv_tokens"] = (measured_kv, float(opt["kv_capacity_tokens"]), how)
        elif p.workload == "rate_inf":
            from lmi_explorer.models.estimate.burst import burst_figures

            sched, ph, why = burst(p, pl)
            reason = "; ".join(x for x in (why, *pl.notes) if x and x != p.notes)
            fig = burst_figures(ph, sched) if sched is not None and ph is not None else None
            for metric, value in (("tpot_ms", p.tpot_ms), ("output_tokens_per_s", p.output_tokens_per_s)):
                if value is not None:
                    figures[metric] = (value, math.nan if fig is None else float(fig[metric][0]), reason)
        else:
            row, reason, notes = _row(p, pl)
            reason = "; ".join(x for x in (reason, *notes) if x and x != p.notes)
            for metric, value, column, scale in (
                ("ttft_ms", p.ttft_ms, "ttft_s", 1000.0),
                ("tpot_ms", p.tpot_ms, "tpot_ms", 1.0),
                ("output_tokens_per_s", p.output_tokens_per_s, "output_tokens_per_s", 1.0),
            ):
                if value is None or (metric == "ttft_ms" and p.workload == "rate_inf"):
                    continue
                est = math.nan if row is None else float(row[column]) * scale
                figures[metric] = (value, est, reason)
        for metric, (measured, est, note) in figures.items():
            ok = math.isfinite(est) and math.isfinite(measured) and measured > 0
            records.append(
                {
                    "point": p.case,
                    "label": p.label,
                    "metric": metric,
                    "accelerator": p.accelerator,
                    "instance": p.instance,
                    "backend": p.backend,
                    "engine": p.engine,
                    "engine_version": p.engine_version,
                    "precision": p.precision,
                    "tensor_parallel": p.tensor_parallel,
                    "workload": p.workload,
                    "measured": measured,
                    "estimate": est,
                    "error": est / measured - 1.0 if ok else math.nan,
                    "note": note,
                    "reference": not p.own_engine,
                }
            )
    return pd.DataFrame.from_records(records, columns=PARITY_COLUMNS)


def summarise_published(frame: pd.DataFrame) -> pd.DataFrame:
    """Median and worst |error| per metric per accelerator, then per metric over all accelerators.

    Rows without an error (no estimate) are counted in ``not_estimated`` and left out of the statistics.
    Points measured on another server (``reference``) are summarised apart, in rows whose accelerator is
    :data:`OTHER_SERVERS`, after the ``all`` row they are not part of.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric``, ``accelerator`` (``all`` for the overall rows), ``points``, ``not_estimated``,
        ``median_abs_error``, ``median_error`` (signed: below 0 the estimate is low) and ``worst_abs_error``
        (fractions: 0.25 = 25 %), ``worst_point``; ordered by
        metric as in ``PARITY_METRICS``, then accelerator, the overall row last.
    """
    import numpy as np
    import pandas as pd

    rows = []
    order = {m: i for i, m in enumerate(PARITY_METRICS)}
    metrics = sorted(frame["metric"].unique(), key=lambda m: order.get(m, len(order)))
    reference = frame["reference"].astype(bool) if "reference" in frame else pd.Series(False, index=frame.index)
    for metric in metrics:
        is_metric = frame["metric"] == metric
        of_metric = frame[is_metric & ~reference]
        others = frame[is_metric & reference]
        groups = [
            (acc, of_metric[of_metric["accelerator"] == acc]) for acc in sorted(of_metric["accelerator"].unique())
        ]
        tail = [(OTHER_SERVERS, others)] if len(others) else []
        for acc, g in [*groups, ("all", of_metric), *tail]:
            err = g["error"].to_numpy(dtype=float)
            ok = np.isfinite(err)
            a = np.abs(err[ok])
            worst = g["point"].to_numpy()[ok][int(np.argmax(a))] if len(a) else ""
            rows.append(
                {
                    "metric": metric,
                    "accelerator": acc,
                    "points": int(ok.sum()),
                    "not_estimated": int((~ok).sum()),
                    "median_abs_error": float(np.median(a)) if len(a) else math.nan,
                    "median_error": float(np.median(err[ok])) if len(a) else math.nan,
                    "worst_abs_error": float(a.max()) if len(a) else math.nan,
                    "worst_point": worst,
                }
            )
    return pd.DataFrame.from_records(
        rows,
        columns=[
            "metric",
            "accelerator",
            "points",
            "not_estimated",
            "median_abs_error",
            "median_error",
            "worst_abs_error",
            "worst_point",
        ],
    )
