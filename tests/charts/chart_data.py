"""Shared chart-test inputs: the default scenario's estimate and decision, changed as asked (cached)."""

from __future__ import annotations

from functools import lru_cache

from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.models.calibration.measurements import Measurement
from lmi_explorer.models.calibration.user import Calibration
from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.scenario import default_scenario

#: a scenario with imported load tests (two runs on one deployment): the parity chart's points change
RUNS = tuple(
    Measurement(
        f"sample c={n}", "meta-llama/Llama-3.1-8B", "g6e.2xlarge", "vllm", "bf16", 1, n, 1000.0, 200.0, ttft, tpot, tput
    )
    for n, ttft, tpot, tput in ((1, 0.061, 21.8, 45.1), (16, 0.16, 41.0, 385.1))
)
CALIBRATED = {"calibration": Calibration("sample load tests", RUNS)}
NOFIT = {"model_id": "meta-llama/Llama-3.1-405B", "instance_families": ("g5",), "precisions": ("bf16",)}


@lru_cache(maxsize=64)
def _data(items: tuple) -> ChartInput:
    s = default_scenario().with_changes(**dict(items)) if items else default_scenario()
    est = estimate(s)
    return ChartInput(est, evaluate(s, est))


def data(**changes) -> ChartInput:
    """Estimate and decision for the default scenario with ``changes``."""
    return _data(tuple(sorted(changes.items())))
