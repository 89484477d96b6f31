"""Shared chart-test inputs: the default scenario's estimate and decision, changed as asked (cached)."""

from __future__ import annotations

from functools import lru_cache

from gui.charts.base import ChartInput
from models.decision import evaluate
from models.estimate import estimate
from models.scenario import default_scenario

NOFIT = {"model_id": "meta-llama/Llama-3.1-405B", "instance_families": ("g5",), "precisions": ("bf16",)}


@lru_cache(maxsize=64)
def _data(items: tuple) -> ChartInput:
    s = default_scenario().with_changes(**dict(items)) if items else default_scenario()
    est = estimate(s)
    return ChartInput(est, evaluate(s, est))


def data(**changes) -> ChartInput:
    """Estimate and decision for the default scenario with ``changes``."""
    return _data(tuple(sorted(changes.items())))
