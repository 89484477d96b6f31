"""Time one full estimate (all options) per traffic preset; prints median and p95 in ms."""

from __future__ import annotations

import statistics
import time

from models.decision import evaluate
from models.estimate import estimate
from models.scenario import default_scenario
from models.traffic import load_presets

RUNS = 40


def main() -> None:
    base = default_scenario()
    print(f"{'preset':16s} {'options':>7s} {'median ms':>10s} {'p95 ms':>8s} {'+decision ms':>13s}")
    medians = []
    for key, p in load_presets().items():
        s = base.with_changes(
            preset=key,
            input_mean=p.input_mean,
            input_cv=p.input_cv,
            output_mean=p.output_mean,
            output_cv=p.output_cv,
            ttft_s=p.ttft_s,
            tpot_ms=p.tpot_ms,
        )
        times = []
        for _ in range(RUNS):
            estimate.cache_clear()
            t0 = time.perf_counter()
            est = estimate(s)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        t0 = time.perf_counter()
        evaluate(s, est)
        dec_ms = (time.perf_counter() - t0) * 1000
        med = statistics.median(times)
        medians.append(med)
        print(f"{p.label:16s} {len(est.options):7d} {med:10.2f} {times[int(0.95 * (RUNS - 1))]:8.2f} {dec_ms:13.2f}")
    print(f"median over the five presets: {statistics.median(medians):.2f} ms")


if __name__ == "__main__":
    main()
