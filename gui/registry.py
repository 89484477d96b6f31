"""The answer tabs, in order: one entry per tab drives the window, the View menu, the deck and the CLI.

Adding a chart tab is one chart module plus one line here: the window builds its tabs and their
Ctrl+N shortcuts from :data:`TABS`, ``lmi-explorer export --chart`` offers their keys, the deck adds a
slide for each entry with a ``deck_title``, and the tests walk the same list. Qt-free, so the deck and
the command line read it without Qt; the window resolves the ``tab`` widget class by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True, slots=True)
class TabSpec:
    """One answer tab.

    Parameters
    ----------
    key : str
        The chart's name (``--chart``, export file names).
    title, tip : str
        The tab's label and tooltip; the View menu uses the title.
    chart : str
        ``module:Class`` of the matplotlib chart (Qt-free).
    tab : str
        ``module:Class`` of the Qt widget that holds the chart.
    deck_title : str | None
        The slide title in the PowerPoint deck; None leaves the chart out of the deck.
    """

    key: str
    title: str
    tip: str
    chart: str
    tab: str
    deck_title: str | None = None


_CHARTS = "lmi_explorer.gui.charts"
_TABS = "lmi_explorer.gui.tabs"

TABS: tuple[TabSpec, ...] = (
    TabSpec(
        "decision",
        "Decision",
        "The LMI backend-selection diagram with this scenario's path and the recommendation",
        f"{_CHARTS}.decision_diagram:DecisionDiagram",
        f"{_TABS}.decision_tab:DecisionTab",
        "Recommendation",
    ),
    TabSpec(
        "cost",
        "Cost",
        "Monthly cost per instance, full precision beside each quantization; every option in the table",
        f"{_CHARTS}.cost_chart:CostChart",
        f"{_TABS}.cost_tab:CostTab",
        "Monthly cost: full precision vs quantized",
    ),
    TabSpec(
        "memory",
        "Memory",
        "Memory per device: weights, KV cache at the operating concurrency, reserve, free",
        f"{_CHARTS}.memory_chart:MemoryChart",
        f"{_TABS}.chart_tab:ChartTab",
        "Memory fit per device",
    ),
    TabSpec(
        "traffic",
        "Traffic",
        "Input and output length distributions and the compiled backends' bounds",
        f"{_CHARTS}.traffic_chart:TrafficChart",
        f"{_TABS}.chart_tab:ChartTab",
    ),
    TabSpec(
        "breakeven",
        "Break-even",
        "Monthly cost versus request rate: where quantization pays off",
        f"{_CHARTS}.breakeven_chart:BreakEvenChart",
        f"{_TABS}.chart_tab:ChartTab",
        "Break-even: cost versus request rate",
    ),
    TabSpec(
        "loadtest",
        "Load test",
        "TPOT, TTFT and throughput versus concurrent clients, as a load test would measure them",
        f"{_CHARTS}.loadtest_chart:LoadTestChart",
        f"{_TABS}.loadtest_tab:LoadTestTab",
        "Load test: 1 to 512 concurrent clients",
    ),
    TabSpec(
        "endpoints",
        "Endpoints",
        "Several traffic classes: one shared endpoint against one endpoint per class, and the saving",
        f"{_CHARTS}.mix_charts:EndpointsChart",
        f"{_TABS}.chart_tab:ChartTab",
        "Endpoints: one shared or one per class",
    ),
    TabSpec(
        "day",
        "Day",
        "The week's load and the instances an autoscaled fleet runs, against a fixed fleet for the peak",
        f"{_CHARTS}.mix_charts:DayChart",
        f"{_TABS}.chart_tab:ChartTab",
        "The day's load: autoscaled against fixed",
    ),
    TabSpec(
        "sensitivity",
        "Sensitivity",
        "What moves the cost: the monthly cost when each input moves by a stated step",
        f"{_CHARTS}.mix_charts:SensitivityChart",
        f"{_TABS}.sensitivity_tab:SensitivityTab",
        "What moves the cost",
    ),
    TabSpec(
        "parity",
        "Calibration",
        "Estimate versus measured: your imported load tests (or the published cases), fit and reset",
        f"{_CHARTS}.parity_chart:ParityChart",
        f"{_TABS}.calibration_tab:CalibrationTab",
        "Estimate versus measured",
    ),
)

KEYS: tuple[str, ...] = tuple(t.key for t in TABS)


def spec(key: str) -> TabSpec:
    """The tab of a chart key; KeyError names the known keys."""
    for t in TABS:
        if t.key == key:
            return t
    raise KeyError(f"unknown chart '{key}'; use one of {', '.join(KEYS)}")


def index(key: str) -> int:
    """The tab's position (its shortcut is Ctrl+index+1)."""
    return KEYS.index(spec(key).key)


def resolve(target: str) -> Any:
    """The object a ``module:Name`` string names (imports the module now)."""
    module, name = target.split(":")
    return getattr(import_module(module), name)
