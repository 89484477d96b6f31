"""The validation plan: the load tests to run against the new endpoint and what the estimate says each will measure.

Concurrencies sit at the operating point and around it (half, double, and one client for the
unloaded latency); each result file imports straight into the Calibration tab or
``lmi-explorer calibrate``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lmi_explorer.models.estimate.loadtest import at_concurrency
from lmi_explorer.models.estimate.pipeline import Estimate


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """One load-test run and the estimate of what it measures."""

    concurrency: int
    tpot_ms: float
    ttft_s: float
    output_tokens_per_s: float
    requests_per_s: float


def concurrencies(operating: int) -> tuple[int, ...]:
    """1, half, the operating point and double (distinct, ascending)."""
    return tuple(sorted({1, max(1, operating // 2), max(1, operating), max(2, operating * 2)}))


def planned_runs(est: Estimate, row: pd.Series) -> tuple[PlannedRun, ...]:
    """What one copy of the option measures at each planned concurrency (closed loop)."""
    runs = []
    for n in concurrencies(int(row["operating_concurrency"])):
        f = at_concurrency(
            est.scenario,
            n,
            instance=str(row["instance"]),
            backend=str(row["backend"]),
            precision=str(row["precision"]),
            tensor_parallel=int(row["tensor_parallel"]),
        )
        if f.empty:
            continue
        r = f.iloc[0]
        runs.append(
            PlannedRun(
                n, float(r["tpot_ms"]), float(r["ttft_s"]), float(r["output_tokens_per_s"]), float(r["requests_per_s"])
            )
        )
    return tuple(runs)
