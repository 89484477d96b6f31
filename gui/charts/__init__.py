"""Matplotlib charts for the window and for export (no Qt here).

The chart classes are imported on first use, so importing ``gui.charts.theme`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_CLASSES = {
    "DecisionDiagram": "gui.charts.decision_diagram",
    "CostChart": "gui.charts.cost_chart",
    "MemoryChart": "gui.charts.memory_chart",
    "TrafficChart": "gui.charts.traffic_chart",
    "BreakEvenChart": "gui.charts.breakeven_chart",
}

__all__ = ["CHART_CLASSES", *_CLASSES]

#: Names of the full-size charts, in the order the window shows them.
CHART_CLASSES = ("DecisionDiagram", "CostChart", "MemoryChart", "TrafficChart", "BreakEvenChart")


def __getattr__(name: str) -> Any:
    if name in _CLASSES:
        return getattr(import_module(_CLASSES[name]), name)
    raise AttributeError(f"module 'gui.charts' has no attribute {name!r}")
