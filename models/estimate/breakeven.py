"""Cheapest full-precision and quantized monthly cost as the request rate changes.

Which options fit, and how many requests per second one replica serves, do not depend on the
rate; only the number of instances does. So the costs at many rates come from the estimate's
option table in one vectorised step, without re-running the estimate.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lmi_explorer.models.estimate.precisions import full_precision

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lmi_explorer.models.estimate import Estimate


def breakeven_curves(est: Estimate, rates: np.ndarray) -> pd.DataFrame:
    """Cheapest full-precision and quantized monthly cost (USD) at each mean request rate.

    For every option that fits and has a price:
    ``instances(rate) = max(min_instances, ceil(ceil(rate × peak_to_average /
    (requests_per_s_per_replica × target_utilisation)) / replicas_per_instance))`` and
    ``monthly = instances × hourly_usd × hours_per_month``, the formulas of the estimate itself.

    Likely ranges, in the simplest honest form: each option's cost at the rate scaled by its own cost
    range at the scenario's rate (``monthly_usd_low / monthly_usd`` and ``monthly_usd_high /
    monthly_usd`` of the estimate: throughput at the low or high end of the published points' spread),
    then the cheapest of those. A ratio that is unknown counts as 1 (no range).

    Returns columns ``rate``, ``full_usd``, ``quantized_usd``, ``full_usd_low``, ``full_usd_high``,
    ``quantized_usd_low``, ``quantized_usd_high``; NaN where no option of that kind fits.
    """
    rates = np.asarray(rates, dtype=float).reshape(-1)
    o = est.columns  # not the options frame: this runs on every slider move
    t = est.scenario.traffic
    d = est.scenario.deployment
    rate_per_replica = np.asarray(o["requests_per_s_per_replica"], dtype=float)
    hourly_all = np.asarray(o["hourly_usd"], dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.asarray(o["fits"], dtype=bool) & ~np.isnan(hourly_all) & (rate_per_replica > 0)
    per_replica = rate_per_replica[ok] * d.target_utilisation
    per_instance = np.maximum(np.asarray(o["replicas_per_instance"], dtype=float)[ok], 1.0)
    hourly = hourly_all[ok]
    full = (np.asarray(o["precision"], dtype=object) == full_precision(est.model))[ok]
    peak = rates[:, None] * t.peak_to_average
    replicas = np.ceil(peak / per_replica[None, :])
    instances = np.maximum(d.min_instances, np.ceil(replicas / per_instance[None, :]))
    monthly = instances * hourly[None, :] * d.hours_per_month
    low, high = _range_ratios(o, ok)
    return pd.DataFrame(
        {
            "rate": rates,
            "full_usd": _row_min(monthly[:, full]),
            "quantized_usd": _row_min(monthly[:, ~full]),
            "full_usd_low": _row_min(monthly[:, full] * low[None, full]),
            "full_usd_high": _row_min(monthly[:, full] * high[None, full]),
            "quantized_usd_low": _row_min(monthly[:, ~full] * low[None, ~full]),
            "quantized_usd_high": _row_min(monthly[:, ~full] * high[None, ~full]),
        }
    )


def _range_ratios(o: Mapping[str, np.ndarray], ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each kept option's ``monthly_usd_low / monthly_usd`` and ``monthly_usd_high / monthly_usd`` (1 where unknown)."""
    if "monthly_usd_low" not in o or "monthly_usd_high" not in o:
        one = np.ones(int(ok.sum()))
        return one, one
    monthly = np.asarray(o["monthly_usd"], dtype=float)[ok]
    out = []
    for col in ("monthly_usd_low", "monthly_usd_high"):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.asarray(o[col], dtype=float)[ok] / monthly
        out.append(np.where(np.isfinite(ratio) & (ratio > 0), ratio, 1.0))
    return out[0], out[1]


def _row_min(values: np.ndarray) -> np.ndarray:
    """Minimum of each row; NaN for a row with no columns."""
    if values.shape[1] == 0:
        return np.full(values.shape[0], math.nan)
    return values.min(axis=1)


def crossover_rate(curves: pd.DataFrame) -> float | None:
    """Lowest rate at which quantized becomes cheaper than full precision, or None.

    "Becomes" means a switch along the rates (sorted ascending): full precision was strictly
    cheaper at some lower rate and quantized is strictly cheaper here. Equal costs do not count
    as a switch (they keep whichever was cheaper before), so a step where both land on the same
    instance count is not reported. None when quantized is never cheaper, is cheaper or equal from
    the lowest rate on, or when either kind never fits.
    """
    return _first_switch(curves, "full_usd", "quantized_usd")


def _first_switch(curves: pd.DataFrame, was_cheaper: str, becomes_cheaper: str) -> float | None:
    c = curves.sort_values("rate", kind="stable")
    a = c[was_cheaper].to_numpy(dtype=float)
    b = c[becomes_cheaper].to_numpy(dtype=float)
    known = np.isfinite(a) & np.isfinite(b)
    # +1 where ``becomes_cheaper`` is strictly cheaper, -1 where ``was_cheaper`` is; ties carry the last state
    state = np.where(known & (b < a), 1, np.where(known & (a < b), -1, 0))
    last = 0
    for rate, s in zip(c["rate"].to_numpy(dtype=float), state, strict=True):
        if s == 1 and last == -1:
            return float(rate)
        if s != 0:
            last = s
    return None
