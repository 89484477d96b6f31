"""Estimate versus measured: the published 2024–2026 load tests and benchmarks, then the older shipped cases.

First every compared point of ``data/calibration/loadtests.csv`` (label, metric, measured, estimate, error;
beyond 40 % |error| the table's ``note`` on it)
and the median and worst |error| per metric per accelerator and overall (LMI v29, shipped factors); then
the single-batch cases of ``data/calibration/measured.csv`` the shipped efficiency factors were fitted on.
"""

from __future__ import annotations

import math
import statistics

from lmi_explorer.models.calibration.cases import load_cases, predict
from lmi_explorer.models.calibration.published import (
    NOTED_ERROR,
    load_published,
    published_parity,
    summarise_published,
)


def _published() -> None:
    frame = published_parity()
    note_of = {p.case: p.note for p in load_published()}
    print(f"Published load tests and benchmarks ({frame['point'].nunique()} points, LMI v29, shipped factors)")
    print(f"{'label':62s} {'metric':20s} {'engine':>22s} {'measured':>11s} {'estimate':>11s} {'error':>8s}")
    for r in frame.itertuples(index=False):
        engine = f"{r.engine} {r.engine_version}".strip()
        est = f"{r.estimate:11.2f}" if math.isfinite(r.estimate) else f"{'—':>11s}"
        err = f"{r.error * 100:+7.1f}%" if math.isfinite(r.error) else f"  {r.note}"
        beyond = math.isfinite(r.error) and abs(r.error) > NOTED_ERROR
        why = f"  note: {note_of[r.point] or '(none)'}" if beyond else ""
        print(f"{r.label[:62]:62s} {r.metric:20s} {engine[:22]:>22s} {r.measured:11.2f} {est} {err}{why}")
    print()
    print(
        f"{'metric':20s} {'accelerator':12s} {'points':>6s} {'median |err|':>12s} {'median err':>10s} "
        f"{'worst |err|':>11s}  worst point"
    )
    for s in summarise_published(frame).itertuples(index=False):
        med = f"{s.median_abs_error * 100:11.1f}%" if math.isfinite(s.median_abs_error) else f"{'—':>12s}"
        signed = f"{s.median_error * 100:+9.1f}%" if math.isfinite(s.median_error) else f"{'—':>10s}"
        worst = f"{s.worst_abs_error * 100:10.1f}%" if math.isfinite(s.worst_abs_error) else f"{'—':>11s}"
        missing = f" (+{s.not_estimated} not estimated)" if s.not_estimated else ""
        print(f"{s.metric:20s} {s.accelerator:12s} {s.points:6d} {med} {signed} {worst}  {s.worst_point}{missing}")
    print()


def _cases() -> None:
    errors = []
    print("Single-batch published cases (data/calibration/measured.csv)")
    print(f"{'case':34s} {'metric':20s} {'measured':>10s} {'estimate':>10s} {'error':>7s}")
    for c in load_cases():
        est = predict(c)
        err = est / c.measured - 1
        errors.append(abs(err))
        print(f"{c.case:34s} {c.metric:20s} {c.measured:10.2f} {est:10.2f} {err * 100:+6.1f}%")
    print(
        f"median |error| {statistics.median(errors) * 100:.1f} %, max {max(errors) * 100:.1f} % "
        f"over {len(errors)} cases"
    )


def main() -> None:
    _published()
    _cases()


if __name__ == "__main__":
    main()
