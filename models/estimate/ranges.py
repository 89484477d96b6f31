"""Honest ranges: how far the measured figure has been from the estimate, where the evidence is.

``data/calibration/residuals.csv`` holds, per (backend, accelerator, metric), the 10th and 90th
percentile of ``log(estimate / measured)`` over the published points after the fit
(``tools/fit_published.py``). An estimate's likely range is the figure moved by those percentiles: the
measured value lay inside it for 80 % of the points behind it. With fewer than ``MIN_POINTS`` there, the
backend's own spread across accelerators is used, then the spread of every point, each widened by
``WIDEN`` because the evidence is further away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lmi_explorer.models.tables import Column, read_table

RESIDUALS_CSV = "calibration/residuals.csv"
RESIDUAL_SCHEMA: dict[str, Column] = {
    "backend": Column("str"),
    "accelerator": Column("str"),
    "metric": Column("str", choices=("ttft_ms", "tpot_ms", "output_tokens_per_s")),
    "points": Column("int", minimum=1),
    "q10": Column("float", minimum=-10, maximum=10),
    "q90": Column("float", minimum=-10, maximum=10),
    "median_abs_error": Column("float", minimum=0, maximum=100),
}
#: points needed for a (backend, accelerator) spread of its own
MIN_POINTS = 5
#: how much wider a spread borrowed from the backend as a whole (×1.5) or from every point (×2) is
WIDEN = {"exact": 1.0, "backend": 1.5, "all": 2.0}


@dataclass(frozen=True, slots=True)
class Spread:
    """Percentiles of log(estimate / measured) and where they come from."""

    q10: float
    q90: float
    points: int
    level: str  # "exact", "backend" or "all"

    @property
    def text(self) -> str:
        where = {"exact": "on this backend and accelerator", "backend": "on this backend", "all": "overall"}
        extra = "" if self.level == "exact" else f", widened ×{WIDEN[self.level]:g} as the evidence is further away"
        return f"{self.points} published points {where[self.level]}{extra}"


@lru_cache(maxsize=1)
def _residuals() -> dict[tuple[str, str, str], tuple[float, float, int]]:
    table = read_table(RESIDUALS_CSV, RESIDUAL_SCHEMA)
    return {(r["backend"], r["accelerator"], r["metric"]): (r["q10"], r["q90"], r["points"]) for r in table.records}


@lru_cache(maxsize=512)
def spread_for(backend: str, accelerator: str, metric: str) -> Spread:
    """The spread behind a figure of ``metric`` for one backend on one accelerator."""
    res = _residuals()
    for key, level in (((backend, accelerator, metric), "exact"), ((backend, "*", metric), "backend")):
        hit = res.get(key)
        if hit is not None and hit[2] >= MIN_POINTS:
            w = WIDEN[level]
            return Spread(min(hit[0], 0.0) * w, max(hit[1], 0.0) * w, hit[2], level)
    q10, q90, n = res.get(("*", "*", metric), (-math.log(2), math.log(2), 0))
    w = WIDEN["all"]
    return Spread(min(q10, 0.0) * w, max(q90, 0.0) * w, n, "all")


def likely_range(
    values: np.ndarray, backends: np.ndarray, accelerators: np.ndarray, metric: str, *, inverse: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of each figure: where the measured value lay for 80 % of the points behind it.

    A measured value is ``estimate × exp(−error)``; ``inverse`` is for figures that scale as 1 / the
    metric (a monthly cost against throughput: fewer requests served, more instances).
    """
    lo = np.full(len(values), np.nan)
    hi = np.full(len(values), np.nan)
    pairs: dict[tuple[str, str], list[int]] = {}
    for i, (b, a) in enumerate(zip(backends.tolist(), accelerators.tolist(), strict=True)):
        pairs.setdefault((b, a), []).append(i)
    for (b, a), rows in pairs.items():
        s = spread_for(b, a, metric)
        idx = np.array(rows)
        v = values[idx].astype(float)
        if inverse:
            lo[idx], hi[idx] = v * math.exp(s.q10), v * math.exp(s.q90)
        else:
            lo[idx], hi[idx] = v * math.exp(-s.q90), v * math.exp(-s.q10)
    return lo, hi


__all__ = ["MIN_POINTS", "WIDEN", "Spread", "likely_range", "spread_for"]
