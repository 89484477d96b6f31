"""Render every chart to PNG for review: several scenarios, themes and sizes.

    python tools/render_charts.py [OUT_DIR]      (default screenshots/charts/)

Writes ``<scenario>_<theme>_<size>_<chart>.png``: 8×4.5 in at 100 dpi (the window) and
13.33×7.5 in at 150 dpi (a slide).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lmi_explorer.gui.charts.base import ChartInput  # noqa: E402
from lmi_explorer.gui.charts.breakeven_chart import BreakEvenChart  # noqa: E402
from lmi_explorer.gui.charts.cost_chart import CostChart  # noqa: E402
from lmi_explorer.gui.charts.decision_diagram import DecisionDiagram  # noqa: E402
from lmi_explorer.gui.charts.loadtest_chart import LoadTestChart  # noqa: E402
from lmi_explorer.gui.charts.memory_chart import MemoryChart  # noqa: E402
from lmi_explorer.gui.charts.parity_chart import ParityChart  # noqa: E402
from lmi_explorer.gui.charts.theme import DARK, LIGHT, PRESENTATION, ChartTheme  # noqa: E402
from lmi_explorer.gui.charts.traffic_chart import TrafficChart  # noqa: E402
from lmi_explorer.models.decision import evaluate  # noqa: E402
from lmi_explorer.models.estimate import estimate  # noqa: E402
from lmi_explorer.models.scenario import Scenario, default_scenario  # noqa: E402

CHARTS = {
    "decision": DecisionDiagram,
    "cost": CostChart,
    "memory": MemoryChart,
    "traffic": TrafficChart,
    "breakeven": BreakEvenChart,
    "loadtest": LoadTestChart,
    "parity": ParityChart,
}
SIZES = {"window": ((8.0, 4.5), 100), "slide": ((13.33, 7.5), 150)}


SAMPLES = ROOT / "tests" / "models" / "samples" / "measurements"


def calibrated(base: Scenario, *, fit: bool) -> Scenario:
    """The sample load tests imported (vLLM on g6e.2xlarge, lmi-dist on g5.12xlarge), optionally fitted."""
    from lmi_explorer.models.calibration.fit import fit_measurements
    from lmi_explorer.models.calibration.importers import load_measurements
    from lmi_explorer.models.calibration.measurements import RunFacts
    from lmi_explorer.models.calibration.user import Calibration

    g6e = RunFacts(instance="g6e.2xlarge", backend="vllm", precision="bf16", tensor_parallel=1)
    g5 = RunFacts(instance="g5.12xlarge", backend="lmi-dist", precision="bf16", tensor_parallel=4, input_tokens=1000)
    runs = [
        *load_measurements(SAMPLES / "vllm_bench_serve.json", g6e),
        *load_measurements(SAMPLES / "llmperf_summary.json", g6e),
        *load_measurements(SAMPLES / "measurements.csv", g6e),
        *load_measurements(SAMPLES / "awscurl_result.json", g5),
    ]
    if fit:
        return base.with_changes(calibration=fit_measurements(runs, base, name="sample load tests").calibration)
    return base.with_changes(calibration=Calibration("sample load tests", tuple(runs)))


def scenarios() -> dict[str, Scenario]:
    """The review set: default, even traffic, a model that fits nowhere, one with a break-even rate, and the
    sample load tests imported, before and after the fit."""
    base = default_scenario()
    return {
        "imported": calibrated(base, fit=False),
        "fitted": calibrated(base, fit=True),
        "default": base,
        "even": base.with_changes(input_mean=1000, input_cv=0.1, output_mean=500, output_cv=0.1),
        "nofit": base.with_changes(
            model_id="meta-llama/Llama-3.1-405B", instance_families=("g5",), precisions=("bf16",)
        ),
        "crossover": base.with_changes(precisions=("bf16", "fp8")),
    }


def render(
    chart_cls: type,
    data: ChartInput,
    theme: ChartTheme,
    size: tuple[float, float],
    dpi: int,
    path: Path,
    **kwargs: object,
) -> None:
    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    chart = chart_cls(fig, theme, **kwargs)
    chart.update(data)
    fig.savefig(path, dpi=dpi, facecolor=fig.get_facecolor())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="screenshots/charts", help="output folder")
    parser.add_argument("--chart", action="append", choices=list(CHARTS), help="only these charts")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    plan: list[tuple[str, ChartTheme, str]] = [(name, LIGHT, size) for name in scenarios() for size in SIZES]
    plan += [("default", DARK, size) for size in SIZES] + [("nofit", DARK, "window")]
    plan += [("default", PRESENTATION, size) for size in SIZES]
    plan += [("fitted", DARK, "window"), ("fitted", PRESENTATION, "slide")]
    count = 0
    for name, theme, size_name in plan:
        s = scenarios()[name]
        est = estimate(s)
        data = ChartInput(est, evaluate(s, est))
        size, dpi = SIZES[size_name]
        for chart_name, cls in CHARTS.items():
            if args.chart and chart_name not in args.chart:
                continue
            render(cls, data, theme, size, dpi, out / f"{name}_{theme.name}_{size_name}_{chart_name}.png")
            count += 1
    print(f"{count} charts written to {out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
