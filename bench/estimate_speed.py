"""Time the estimate (all options) per traffic preset; prints median and p95 in ms.

Three figures per preset: cold (nothing cached: new model or deployment choice), a traffic
change (lengths or targets move: the option grid is reused), and a rate change (only the
cost stage runs, as when the requests/s slider is dragged). Plus the decision on top.
"""

from __future__ import annotations

import statistics
import time

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import clear_caches, estimate
from lmi_explorer.models.scenario import default_scenario
from lmi_explorer.models.traffic import load_presets

RUNS = 40


def _time(fn) -> list[float]:
    out = []
    for i in range(RUNS):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def main() -> None:
    base = default_scenario()
    print(
        f"{'preset':16s} {'options':>7s} {'cold med/p95 ms':>16s} {'traffic med ms':>15s} "
        f"{'rate med ms':>12s} {'decision ms':>12s}"
    )
    colds = []
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

        def cold(i: int, s=s) -> None:
            clear_caches()
            estimate(s)

        def traffic(i: int, s=s) -> None:
            estimate(s.with_changes(input_mean=s.traffic.input_mean * (1 + 0.001 * (i + 1))))

        def rate(i: int, s=s) -> None:
            estimate(s.with_changes(requests_per_s=s.traffic.requests_per_s * (1 + 0.01 * (i + 1))))

        c = _time(cold)
        estimate(s)
        tr = _time(traffic)
        ra = _time(rate)
        est = estimate(s)
        t0 = time.perf_counter()
        evaluate(s, est)
        dec = (time.perf_counter() - t0) * 1000
        colds.append(statistics.median(c))
        print(
            f"{p.label:16s} {len(est.options):7d} {statistics.median(c):8.2f} / {c[int(0.95 * (RUNS - 1))]:5.2f} "
            f"{statistics.median(tr):15.2f} {statistics.median(ra):12.2f} {dec:12.2f}"
        )
    print(f"median cold estimate over the five presets: {statistics.median(colds):.2f} ms")


if __name__ == "__main__":
    main()
