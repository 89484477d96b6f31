"""Every performance figure in one run: start-up, slider-to-redraw per tab, estimate time, memory, bundle size.

Run: python bench/report.py [--steps 200] [--runs 5] [--speedup-steps 100] [--bundle dist/lmi-explorer]
(offscreen; prints figures and the targets beside them, asserts nothing). Build the bundle first
with tools/build.sh to include its size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bundle_size  # noqa: E402
import gui_speed  # noqa: E402

TARGETS = {"startup_ratio": 1.3, "p95_ms": 50.0, "estimate_ms": 5.0, "growth_mb": 5.0, "bundle_mb": 250.0}


def _pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[int(q * (len(v) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200, help="slider steps per tab and slider")
    ap.add_argument("--runs", type=int, default=5, help="start-up runs of each kind")
    ap.add_argument("--speedup-steps", type=int, default=100, help="slider steps per slider for the speed-up line")
    ap.add_argument("--bundle", default="dist/lmi-explorer")
    args = ap.parse_args()

    print("== Start-up: process start -> first painted window")
    print(f"  {gui_speed.startup_line(args.runs, TARGETS['startup_ratio'])}")

    print(f"== Slider step -> visible chart redrawn ({args.steps} steps per slider, 3 sliders per tab)")
    per_tab: dict[str, list[float]] = {}
    for name, (times, _redrew, _full) in gui_speed.slider_sweep(args.steps).items():
        per_tab.setdefault(name.split(" / ")[0], []).extend(times)
    for tab, times in per_tab.items():
        print(
            f"  {tab:12s} p50 {statistics.median(times):6.1f} ms   p95 {_pct(times, 0.95):6.1f} ms "
            f"(target p95 <= {TARGETS['p95_ms']:.0f} ms)"
        )

    print("== Speed-ups on private internals (gui/speedups.py): with and without (LMI_NO_SPEEDUPS=1), fresh processes")
    for line in gui_speed.speedups_lines(args.speedup_steps, args.runs):
        print(f"  {line}")

    print("== Estimate per scenario (all options of the five traffic presets)")
    subprocess.run([sys.executable, str(HERE / "estimate_speed.py")], check=True)

    print(f"== Memory (a fresh process; target: growth <= {TARGETS['growth_mb']:.0f} MB)")
    subprocess.run([sys.executable, str(HERE / "gui_speed.py"), "--memory-only"], check=True)

    print("== Bundle")
    bundle = Path(args.bundle)
    if bundle.is_dir():
        total = bundle_size.tree_bytes(bundle) / 1e6
        print(f"  {bundle}: {total:.0f} MB (target <= {TARGETS['bundle_mb']:.0f} MB); largest parts:")
        for name, size in bundle_size.parts(bundle)[:6]:
            print(f"    {size / 1e6:6.1f} MB  {name}")
    else:
        print(f"  no bundle at {bundle}: build one with tools/build.sh, or pass --bundle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
