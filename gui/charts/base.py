"""The chart protocol: artists made once on a Figure, then updated from an estimate.

Chart modules import matplotlib only (never Qt), so the same code serves the live canvas,
headless export and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from gui.charts.theme import ChartTheme
    from models.decision import Decision
    from models.estimate import Estimate


@dataclass(frozen=True)
class ChartInput:
    """Everything a chart may draw: the estimate and the decision for one scenario."""

    estimate: Estimate
    decision: Decision


class Chart(Protocol):
    """Build artists in ``__init__``; ``update`` mutates them and returns True if anything changed."""

    title: str

    def __init__(self, figure: Figure, theme: ChartTheme) -> None: ...

    def update(self, data: ChartInput) -> bool: ...
