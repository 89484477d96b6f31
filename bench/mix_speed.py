"""Traffic-mix speed: a three-class scenario cold, on the slider path, and once the slider rests.

Run: python bench/mix_speed.py [--runs 20]   (prints figures; asserts nothing)

- cold: caches cleared, then the estimate and the full decision with the split comparison and
  the week (what opening such a scenario costs);
- slider step: a change of the main traffic's rate, estimate + decision without the mix (what
  a drag redoes each step);
- at rest: the same change with the split comparison and the week (the refine after the drag).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.pipeline import clear_caches
from lmi_explorer.models.files import data_root
from lmi_explorer.models.scenario import load
from lmi_explorer.models.scenario.mixture import TrafficClass
from lmi_explorer.models.scenario.model import Traffic

TARGET_COLD_MS = 15.0


def three_classes():
    s = load(data_root() / "scenarios" / "mixed.json")
    code = TrafficClass(
        "Code assistant",
        Traffic(
            input_mean=1500,
            input_cv=0.8,
            output_mean=300,
            output_cv=0.8,
            requests_per_s=0.5,
            ttft_s=1.0,
            tpot_ms=30.0,
            preset="codegen",
        ),
        "business_hours",
    )
    return s.with_changes(other_classes=(*s.other_classes, code))


def _ms(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    s = three_classes()
    cold, step, rest = [], [], []
    for i in range(args.runs):
        clear_caches()
        cold.append(_ms(lambda: evaluate(s, estimate(s))))
        moved = s.with_changes(requests_per_s=s.traffic.requests_per_s * (1.01 + i / 100))
        step.append(_ms(lambda m=moved: evaluate(m, estimate(m), with_crossover=False)))
        rest.append(_ms(lambda m=moved: evaluate(m, estimate(m))))
    med = statistics.median
    print(f"three-class scenario, {args.runs} runs (median / max):")
    print(f"  cold estimate + split + week: {med(cold):6.1f} / {max(cold):6.1f} ms  (target ≤ {TARGET_COLD_MS:g} ms)")
    print(f"  slider step (main traffic):   {med(step):6.1f} / {max(step):6.1f} ms")
    print(f"  at rest (split + week again): {med(rest):6.1f} / {max(rest):6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
