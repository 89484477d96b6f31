"""Window responsiveness: slider-to-redraw per tab, and process start to first painted window.

Run: python bench/gui_speed.py [--steps 200] [--runs 5] [--tab Cost ...] [--sweep-only | --startup-only |
--memory-only | --speedups]
(offscreen; prints figures, asserts nothing). Each tab/slider line says how many steps redrew the
tab's chart, and how many of those were partial (blitted dynamic artists) or full redraws.
``--speedups`` compares slider redraws and start-up with and without the speed-ups on private library
internals (gui/speedups.py; ``LMI_NO_SPEEDUPS=1`` turns them off), each in fresh processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

STARTUP_CHILD = r"""
import os, sys, time
t_spawn = float(os.environ["LMI_BENCH_T0"])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
if os.environ.get("LMI_BENCH_BARE"):
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure
    from PySide6.QtWidgets import QMainWindow
    w = QMainWindow(); w.setCentralWidget(FigureCanvasQTAgg(Figure())); w.resize(1280, 800)
    w.show()
else:  # the app's own start-up path (`lmi-explorer`), from the default scenario
    from lmi_explorer.gui.app import start_window
    _app, w = start_window([], restore=False)
def done():
    w.repaint()
    app.processEvents()
    print(f"{time.time() - t_spawn:.4f}")
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def startup(runs: int, bare: bool, env_extra: dict[str, str] | None = None) -> list[float]:
    """Seconds from process start to the first painted window: the app's start-up path, or the bare baseline."""
    out = []
    for _ in range(runs):
        env = dict(os.environ, LMI_BENCH_T0=repr(time.time()), QT_QPA_PLATFORM="offscreen", **(env_extra or {}))
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # use bytecode caches, as an installed app does
        if bare:
            env["LMI_BENCH_BARE"] = "1"
        res = subprocess.run(
            [sys.executable, "-c", STARTUP_CHILD],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def startup_medians(runs: int) -> tuple[float, float, float]:
    """Median start-up of the app and of the bare baseline, and the median ratio of the pairs.

    Runs alternate (app, bare, app, bare, ...) after one uncounted warm-up of each (disk and bytecode
    caches). This machine's speed drifts by up to 1.6× within minutes, so each app run is compared with
    the bare run right after it: the median of those ratios is the figure that drift moves least.
    """
    startup(1, bare=False)
    startup(1, bare=True)
    app_times: list[float] = []
    bare_times: list[float] = []
    for _ in range(runs):
        app_times += startup(1, bare=False)
        bare_times += startup(1, bare=True)
    ratios = [a / b for a, b in zip(app_times, bare_times, strict=True)]
    return statistics.median(app_times), statistics.median(bare_times), statistics.median(ratios)


def startup_line(runs: int, target: float | None = None) -> str:
    """The start-up figures in words: the app's own start-up path against the bare baseline."""
    a, b, r = startup_medians(runs)
    goal = f" (target <= {target})" if target else ""
    return (
        f"app {a:.2f} s, bare PySide6 + empty canvas {b:.2f} s (medians of {runs}); "
        f"median ratio of the {runs} pairs {r:.2f}{goal}"
    )


SPEEDUPS_OFF = {"LMI_NO_SPEEDUPS": "1"}


def _env_without_switch() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LMI_NO_SPEEDUPS", None)
    return env


def speedups_startup(runs: int) -> tuple[float, float, float]:
    """Median start-up with and without the speed-ups, and the median ratio of the interleaved pairs."""
    on_env = {"LMI_NO_SPEEDUPS": "0"}
    startup(1, bare=False, env_extra=on_env)
    startup(1, bare=False, env_extra=SPEEDUPS_OFF)
    on: list[float] = []
    off: list[float] = []
    for _ in range(runs):
        on += startup(1, bare=False, env_extra=on_env)
        off += startup(1, bare=False, env_extra=SPEEDUPS_OFF)
    ratios = [b / a for a, b in zip(on, off, strict=True)]
    return statistics.median(on), statistics.median(off), statistics.median(ratios)


def sweep_p95(steps: int, speedups_on: bool) -> dict[str, float]:
    """p95 ms of slider step -> redraw per tab (3 sliders × ``steps``), in a fresh process with or without
    the speed-ups."""
    env = _env_without_switch() | ({} if speedups_on else SPEEDUPS_OFF)
    res = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--p95-json", "--steps", str(steps)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def _p95_by_tab(steps: int) -> dict[str, float]:
    per_tab: dict[str, list[float]] = {}
    for name, (times, _redrew, _full) in slider_sweep(steps).items():
        per_tab.setdefault(name.split(" / ")[0], []).extend(times)
    return {tab: sorted(t)[int(0.95 * (len(t) - 1))] for tab, t in per_tab.items()}


def speedups_lines(steps: int, runs: int, repeats: int = 2) -> list[str]:
    """Slider p95 per tab and start-up, with and without the speed-ups on private internals.

    The sweeps alternate (with, without, with, ...) and each tab's figure is the lower of its ``repeats`` runs:
    the machine's speed drifts, and the least disturbed run is the one to compare.
    """
    on: dict[str, float] = {}
    off: dict[str, float] = {}
    for _ in range(repeats):
        for result, flag in ((on, True), (off, False)):
            for tab, p95 in sweep_p95(steps, flag).items():
                result[tab] = min(p95, result.get(tab, p95))
    tabs = " · ".join(f"{tab} {on[tab]:.0f}/{off[tab]:.0f}" for tab in on)
    a, b, r = speedups_startup(runs)
    return [
        f"slider step -> redraw, p95 ms with/without ({steps} steps × 3 sliders per tab, lower of {repeats} "
        f"alternating runs): {tabs}",
        f"start-up with {a:.2f} s, without {b:.2f} s (medians of {runs} interleaved pairs; without/with {r:.2f}×)",
    ]


def _window():
    """The main window at 1280×800 on the default scenario, started as the app starts it (``start_window``) and
    left until its after-start work is done; with the app and the tabs' canvases."""
    import gc

    from lmi_explorer.gui.app import start_window

    app, w = start_window([], restore=False)
    sys.excepthook = sys.__excepthook__  # a failing step stops the benchmark rather than opening the error dialog
    deadline = time.monotonic() + 10
    while not gc.isenabled() and time.monotonic() < deadline:  # collector back on, start-up objects frozen
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()
    return app, w, [t.canvas for t in w.answer_tabs]


def _settle(app, canvases) -> None:
    """Run the event loop until no full or partial redraw is queued on any canvas."""
    app.processEvents()
    while any(c.redraw_pending for c in canvases):
        app.processEvents()


def slider_sweep(steps: int, tabs: list[str] | None = None) -> dict[str, tuple[list[float], int, int]]:
    """Per tab and slider: ms from a slider value change until every visible canvas has redrawn.

    A step that changes nothing visible on a chart costs no redraw there; the time still counts
    (estimate + deciding not to draw). Returns (times, steps that redrew the tab's chart, steps
    that redrew it in full); the rest of the redraws were partial.
    """
    from lmi_explorer.gui.registry import TABS

    TAB_NAMES = [t.title for t in TABS]

    app, w, canvases = _window()
    results: dict[str, tuple[list[float], int, int]] = {}
    sweeps = (("requests_per_s", "rate"), ("input_cv", "input spread"), ("output_mean", "output length"))
    for tab_index, tab_name in enumerate(TAB_NAMES):
        if tabs and tab_name.lower() not in tabs:
            continue
        w.tabs.setCurrentIndex(tab_index)
        app.processEvents()
        canvas = w.answer_tabs[tab_index].canvas
        for field, label in sweeps:
            sl = w.traffic_panel.sliders[field]
            start = sl.slider.value()
            times = []
            redrew = full = 0
            for i in range(steps):
                before, before_full = canvas.draw_count, canvas.full_draw_count
                t0 = time.perf_counter()
                # sweep up and down around the start, one slider step (0.5 % of the range) at a time
                offset = (i % 40) * 5 if (i // 40) % 2 == 0 else (40 - i % 40) * 5
                sl.slider.setValue(max(0, min(1000, start - 100 + offset)))
                _settle(app, canvases)  # a full or partial redraw queued is not done
                times.append((time.perf_counter() - t0) * 1000)
                redrew += canvas.draw_count > before
                full += canvas.full_draw_count > before_full
            results[f"{tab_name} / {label}"] = (times, redrew, full)
            sl.slider.setValue(start)
            _settle(app, canvases)
    documents = getattr(w, "documents", None)
    if documents is not None:
        documents.saved = w.qstate.scenario  # the sweep is no work to keep: close without the save prompt
    w.close()
    return results


def rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), else the peak so far (macOS/BSD)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def memory_growth(steps: int = 1000) -> tuple[float, float, float]:
    """Resident MB after the window is up, after a warm-up, and after ``steps`` more slider steps.

    Steps cycle through every tab (25 steps each) and three sliders, so every chart is built and
    redrawn. The warm-up (two rounds of the tabs) builds each tab's chart and fills the bounded
    caches (recent estimates, text layouts); growth beyond it would be a leak (figures or artists
    made per step and never released). Each figure is taken once the inputs have rested, as after a
    drag: the window has then handed the pages its steps freed back to the system.
    """
    import gc

    from lmi_explorer.gui.qt_state import QtState

    app, w, canvases = _window()

    def rested() -> float:
        gc.collect()
        until = time.monotonic() + (QtState.REFINE_MS + 200) / 1000
        while time.monotonic() < until:
            app.processEvents()
            time.sleep(0.01)
        return rss_mb()

    start = rested()
    fields = ("requests_per_s", "input_cv", "output_mean")

    def step(i: int) -> None:
        if i % 25 == 0:
            w.tabs.setCurrentIndex((i // 25) % w.tabs.count())
        sl = w.traffic_panel.sliders[fields[(i // 5) % len(fields)]].slider
        sl.setValue(400 + (i * 7) % 200)
        _settle(app, canvases)

    warmup = 2 * 25 * w.tabs.count()
    for i in range(warmup):
        step(i)
    warm = rested()
    for i in range(warmup, warmup + steps):
        step(i)
    end = rested()
    w.documents.saved = w.qstate.scenario
    w.close()
    return start, warm, end


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tab", action="append", help="only this tab (repeatable), e.g. --tab Cost")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--startup-only", action="store_true")
    mode.add_argument("--sweep-only", action="store_true")
    mode.add_argument("--memory-only", action="store_true")
    mode.add_argument("--speedups", action="store_true", help="with and without gui/speedups.py")
    mode.add_argument("--p95-json", action="store_true", help=argparse.SUPPRESS)  # one sweep's p95 per tab
    args = ap.parse_args()
    if args.memory_only:
        memory()
        return
    if args.p95_json:
        print(json.dumps(_p95_by_tab(args.steps)))
        return
    if args.speedups:
        print("Speed-ups on private internals (gui/speedups.py), with and without (LMI_NO_SPEEDUPS=1):")
        for line in speedups_lines(args.steps, args.runs):
            print(f"  {line}")
        return
    if not args.startup_only:
        sweep(args.steps, [t.lower() for t in args.tab or []])
    if args.sweep_only:
        return
    print(f"Process start -> first painted window: {startup_line(args.runs)}")


def memory(steps: int = 1000) -> None:
    start, warm, end = memory_growth(steps)
    print(
        f"Resident memory: {start:.0f} MB after start, {warm:.0f} MB after the warm-up (every tab twice), "
        f"{end:.0f} MB after {steps} more slider steps (growth {end - warm:+.1f} MB; {end - start:+.1f} MB since start)"
    )


def sweep(steps: int, tabs: list[str] | None = None) -> None:
    print(f"Slider step -> visible chart redrawn ({steps} steps per tab and slider):")
    for name, (times, redrew, full) in slider_sweep(steps, tabs).items():
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"  {name:30s} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   "
            f"(chart redrawn on {redrew} of {len(times)} steps: {redrew - full} partial, {full} full)"
        )


if __name__ == "__main__":
    main()
