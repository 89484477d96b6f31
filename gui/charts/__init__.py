"""Matplotlib charts for the window and for export (no Qt here).

Chart modules are imported on first use (``chart_class``/``lazy_chart``), so the window can paint
before the charts of hidden tabs are loaded, and importing ``gui.charts.theme`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from lmi_explorer.gui.registry import TABS

#: chart key -> (module, class), in the order the window shows them (from the tab registry)
CHARTS: dict[str, tuple[str, str]] = {t.key: (t.chart.split(":")[0], t.chart.split(":")[1]) for t in TABS}


def chart_class(key: str) -> Callable[..., Any]:
    """The chart class for a key (imports its module now); KeyError names the known keys."""
    if key not in CHARTS:
        raise KeyError(f"unknown chart '{key}'; use one of {', '.join(CHARTS)}")
    module, name = CHARTS[key]
    return getattr(import_module(module), name)


def lazy_chart(key: str) -> Callable[..., Any]:
    """A factory that imports the chart's module only when the chart is first built."""
    if key not in CHARTS:
        raise KeyError(f"unknown chart '{key}'; use one of {', '.join(CHARTS)}")

    def make(*args: Any, **kwargs: Any) -> Any:
        return chart_class(key)(*args, **kwargs)

    make.__name__ = CHARTS[key][1]
    return make
