"""The points of the estimate-versus-measured view: the user's load tests, else the shipped published cases.

The window's Calibration tab, its parity chart and the deck's "Estimate versus measured" slide all read
one :class:`ParityPoints`, so the table, the chart and the summary line never disagree. With no imported
measurements the view shows the shipped calibration set — the published load tests of
``data/calibration/loadtests.csv`` (:func:`published_points`) and the 16 single-batch cases — so it is
never empty and says how far the shipped calibration can be trusted. Comparing the load tests places
each point in its own scenario (about a second and a half), so :func:`parity_points` returns the cases
alone, flagged ``pending``, until :func:`published_points` has run once (the window runs it in the
background).

Comparing costs tens of milliseconds per measurement set, so results are kept per *comparison key*:
the scenario without the inputs the comparison never reads (request rate, targets, prices, …). A
slider on another tab therefore never re-runs it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from lmi_explorer.models.calibration.measurements import METRICS
from lmi_explorer.models.calibration.parity import ParitySummary, compare, summarise
from lmi_explorer.models.calibration.user import without_factors
from lmi_explorer.models.reference.hardware import accelerator_label
from lmi_explorer.models.scenario import Deployment, Scenario, Traffic
from lmi_explorer.models.units import percent

#: Columns of :attr:`ParityPoints.frame`: one row per measured figure.
POINT_COLUMNS = [
    "label",
    "metric",
    "measured",
    "estimated",
    "error",
    "before",
    "error_before",
    "reason",
    "note",
    "backend",
    "accelerator",
    "instance",
    "concurrency",
    "source",
]
#: How many comparisons are kept (one per calibration the user flips between).
CACHE_SIZE = 8


@dataclass(frozen=True, eq=False)
class ParityPoints:
    """Measured against estimated for every figure of a scenario's calibration (or the shipped cases).

    ``estimated``/``error`` use the scenario's factors (fitted when it has them); ``before``/``error_before``
    the shipped factors, filled only when a fit exists (NaN otherwise). ``origin`` is ``"imported"`` or
    ``"shipped"``.
    """

    frame: pd.DataFrame
    origin: str
    fitted: bool
    summary: ParitySummary
    summary_before: ParitySummary | None
    name: str
    elapsed_s: float = 0.0
    #: the shipped view while its published load tests are still being compared (cases only so far)
    pending: bool = False

    @property
    def imported(self) -> bool:
        return self.origin == "imported"

    def text(self) -> str:
        """One line for people: how many points, the median error (before → after a fit) and the bands."""
        s = self.summary
        if not s.compared:
            if self.imported:
                n = s.not_estimated
                return f"{n} figure{'s' if n != 1 else ''} imported; none could be estimated (see the reasons)."
            return "No published cases to compare."
        within = f"{s.within_inner_band} of {s.compared} within ±15 %"
        missing = f"; {s.not_estimated} not estimated (see the reasons)" if s.not_estimated else ""
        if not self.imported:
            return self._shipped_text(within)
        points = f"{s.compared} point{'s' if s.compared != 1 else ''}"
        if self.fitted and self.summary_before is not None:
            return (
                f"{points}: median error {percent(self.summary_before.median_abs_error)} → "
                f"{percent(s.median_abs_error)} after the fit; {within}{missing}."
            )
        return (
            f"{points}: median error {percent(s.median_abs_error)} with the shipped factors; {within}, "
            f"{s.within_outer_band} within ±35 %{missing}."
        )

    def _shipped_text(self, within: str) -> str:
        s = self.summary
        f = self.frame
        if self.pending:
            return (
                f"{s.compared} single-batch published cases: median error {percent(s.median_abs_error)}; {within}, "
                f"{s.within_outer_band} within ±35 %. Comparing the published load tests…"
            )
        per = []
        own = (f["origin"] != "other server") if "origin" in f else pd.Series(True, index=f.index)
        for metric, name in (("tpot_ms", "TPOT"), ("output_tokens_per_s", "output tokens/s"), ("ttft_s", "TTFT")):
            err = f.loc[(f["metric"] == metric) & own, "error"].to_numpy(dtype=float)
            err = np.abs(err[np.isfinite(err)])
            if len(err):
                per.append(f"{name} {percent(float(np.median(err)))}")
        lt = (f["origin"] == "load test").to_numpy() if "origin" in f else np.zeros(len(f), dtype=bool)
        loadtests = int((lt & np.isfinite(f["error"].to_numpy(dtype=float))).sum())
        missing = f"; {s.not_estimated} not estimated (see the reasons)" if s.not_estimated else ""
        other = int(((f["origin"] == "other server").to_numpy() & np.isfinite(f["error"].to_numpy(dtype=float))).sum())
        others = f"; {other} more from other servers shown for reference, not counted" if other else ""
        return (
            f"{s.compared} published figures ({loadtests} from load tests of 2024–26 engines, "
            f"{s.compared - loadtests} single-batch cases{missing}{others}): "
            f"median error {percent(s.median_abs_error)} ({', '.join(per)}); {within}, "
            f"{s.within_outer_band} within ±35 %."
        )


# --------------------------------------------------------------------------- the shipped published cases


@lru_cache(maxsize=1)
def shipped_points() -> pd.DataFrame:
    """The published cases as parity points: prefill of one prompt is its time to first token."""
    from lmi_explorer.models.calibration.cases import load_cases, predict

    rows = []
    for c in load_cases():
        est = predict(c)
        metric, measured, note = c.metric, c.measured, ""
        if metric == "prefill_ms":  # one prompt alone: its prefill is the first token's wait
            metric, measured, est = "ttft_s", measured / 1000, est / 1000
            note = f"prefill of one {c.input_tokens:,}-token prompt (time to first token)"
        batch = "max" if c.batch is None else c.batch
        rows.append(
            {
                "label": c.label,
                "metric": metric,
                "measured": measured,
                "estimated": est,
                "error": est / measured - 1,
                "before": math.nan,
                "error_before": math.nan,
                "reason": "",
                "note": note,
                "backend": c.backend,
                "accelerator": c.accelerator,
                "instance": None,
                "concurrency": batch,
                "source": c.source,
            }
        )
    return pd.DataFrame.from_records(rows, columns=POINT_COLUMNS)


_PUBLISHED: list[pd.DataFrame] = []
_PUBLISHED_LOCK = threading.Lock()


def published_points() -> pd.DataFrame:
    """The published load tests (``calibration.published.published_parity``) as parity points.

    Computed once per process (thread-safe: the window computes it on a worker thread); times to first
    token are given in seconds like the rest of the view, KV capacity as ``kv_tokens``.
    """
    with _PUBLISHED_LOCK:
        if _PUBLISHED:
            return _PUBLISHED[0]
        from lmi_explorer.models.calibration.published import load_published, published_parity

        par = published_parity()
        by_case = {p.case: p for p in load_published()}
        ttft = (par["metric"] == "ttft_ms").to_numpy()
        scale = np.where(ttft, 1e-3, 1.0)
        frame = pd.DataFrame(
            {
                "label": par["label"],
                "metric": np.where(ttft, "ttft_s", par["metric"]),
                "measured": par["measured"].to_numpy(dtype=float) * scale,
                "estimated": par["estimate"].to_numpy(dtype=float) * scale,
                "error": par["error"].astype(float),
                "before": math.nan,
                "error_before": math.nan,
                "reason": ["" if math.isfinite(e) else str(n) for e, n in zip(par["error"], par["note"], strict=True)],
                "note": [
                    ", ".join(x for x in (f"{p.engine} {p.engine_version}".strip(), p.workload, str(n)) if x)
                    for p, n in zip((by_case[c] for c in par["point"]), par["note"], strict=True)
                ],
                "backend": par["backend"],
                "accelerator": par["accelerator"],
                "instance": par["instance"],
                "concurrency": [by_case[c].concurrency for c in par["point"]],
                "source": [by_case[c].source for c in par["point"]],
                "reference": par["reference"].astype(bool),
            }
        )[[*POINT_COLUMNS, "reference"]]
        _PUBLISHED.append(frame)
        return frame


def published_ready() -> bool:
    """Whether :func:`published_points` has run (the shipped view then holds every published figure)."""
    return bool(_PUBLISHED)


@lru_cache(maxsize=2)
def _shipped_view(ready: bool) -> ParityPoints:
    cases = shipped_points().assign(origin="single-batch case")
    if not ready:
        return ParityPoints(cases, "shipped", False, summarise(cases), None, "published cases", pending=True)
    published = published_points()
    origin = np.where(published["reference"].to_numpy(dtype=bool), "other server", "load test")
    frame = pd.concat([published.assign(origin=origin).drop(columns="reference"), cases], ignore_index=True)
    own = frame[frame["origin"] != "other server"]  # another server's figures are shown, not counted
    return ParityPoints(frame, "shipped", False, summarise(own), None, "published load tests and cases")


# --------------------------------------------------------------------------- the user's measurements


def _points(scenario: Scenario) -> pd.DataFrame:
    cal = scenario.calibration
    assert cal is not None
    now = compare(cal.measurements, scenario)
    out = pd.DataFrame(
        {
            "label": now["label"],
            "metric": now["metric"],
            "measured": now["measured"].astype(float),
            "estimated": now["estimated"].astype(float),
            "error": now["error"].astype(float),
            "before": math.nan,
            "error_before": math.nan,
            "reason": now["reason"],
            "note": now["note"],
            "backend": now["backend"],
            "accelerator": now["accelerator"],
            "instance": now["instance"],
            "concurrency": now["concurrency"],
        }
    )
    sources = {m.label: m.source for m in cal.measurements}
    out["source"] = out["label"].map(sources).fillna("")
    if cal.factors:
        shipped = compare(cal.measurements, replace(scenario, calibration=without_factors(cal)))
        out["before"] = shipped["estimated"].astype(float).to_numpy()
        out["error_before"] = shipped["error"].astype(float).to_numpy()
    return out[POINT_COLUMNS]


def comparison_key(scenario: Scenario) -> Scenario:
    """The scenario with every input the comparison never reads set to a constant.

    Each measurement is estimated with its own model, lengths, instance, backend, precision and TP at its
    own concurrency; the scenario adds only its calibration, LMI release, length bound and KV-cache type,
    region and platform (in the reasons), and its model and mean lengths where a measurement lacks them.
    """
    cal = scenario.calibration
    ms = cal.measurements if cal is not None else ()
    t, d = scenario.traffic, scenario.deployment
    traffic = Traffic(
        input_mean=t.input_mean if any(m.input_tokens is None for m in ms) else 1.0,
        output_mean=t.output_mean if any(m.output_tokens is None for m in ms) else 1.0,
    )
    deployment = Deployment(
        lmi_release=d.lmi_release,
        region=d.region,
        platform=d.platform,
        bound_percentile=d.bound_percentile,
        kv_cache_dtype=d.kv_cache_dtype,
    )
    return Scenario(
        model_id=scenario.model_id,
        custom_model=scenario.custom_model,
        traffic=traffic,
        deployment=deployment,
        name="key",
        calibration=cal,
    )


_CACHE: OrderedDict[Scenario, ParityPoints] = OrderedDict()


def parity_points(scenario: Scenario, *, wait_for_published: bool = False) -> ParityPoints:
    """The view's points for a scenario (kept per comparison key: repeated calls cost nothing).

    Without imported measurements: the shipped set, ``pending`` (cases only) until the published load
    tests are compared, unless ``wait_for_published`` compares them now (exports, the command line).
    """
    cal = scenario.calibration
    if cal is None or not cal.measurements:
        if wait_for_published and not published_ready():
            published_points()
        return _shipped_view(published_ready())
    key = comparison_key(scenario)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    started = time.perf_counter()
    frame = _points(scenario)
    fitted = bool(cal.factors)
    before = summarise(frame, "error_before") if fitted else None
    points = ParityPoints(frame, "imported", fitted, summarise(frame), before, cal.name, time.perf_counter() - started)
    _CACHE[key] = points
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return points


def metric_points(points: ParityPoints, metric: str) -> pd.DataFrame:
    """The rows of one metric that have both a measured and an estimated figure (what the chart can place)."""
    f = points.frame
    rows = f[f["metric"] == metric]
    ok = np.isfinite(rows["estimated"].to_numpy(dtype=float)) & (rows["estimated"].to_numpy(dtype=float) > 0)
    return rows[ok]


__all__ = [
    "METRICS",
    "POINT_COLUMNS",
    "ParityPoints",
    "accelerator_label",
    "comparison_key",
    "metric_points",
    "parity_points",
    "published_points",
    "published_ready",
    "shipped_points",
]
