"""The points of the estimate-versus-measured view: the user's load tests, else the shipped published cases.

The window's Calibration tab, its parity chart and the deck's "Estimate versus measured" slide all read
one :class:`ParityPoints`, so the table, the chart and the summary line never disagree. With no imported
measurements the view shows the 16 published cases the shipped efficiency factors were fitted on, so it
is never empty and says how far the shipped calibration can be trusted.

Comparing costs tens of milliseconds per measurement set, so results are kept per *comparison key*:
the scenario without the inputs the comparison never reads (request rate, targets, prices, …). A
slider on another tab therefore never re-runs it.
"""

from __future__ import annotations

import math
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
            return (
                f"{s.compared} published cases the shipped factors were fitted on: median error "
                f"{percent(s.median_abs_error)}; {within}, {s.within_outer_band} within ±35 %."
            )
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


def parity_points(scenario: Scenario) -> ParityPoints:
    """The view's points for a scenario (kept per comparison key: repeated calls cost nothing)."""
    cal = scenario.calibration
    if cal is None or not cal.measurements:
        frame = shipped_points()
        return ParityPoints(frame, "shipped", False, summarise(frame), None, "published cases")
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
    "shipped_points",
]
