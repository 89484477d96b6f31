"""What moves the cost: each input moved down and up on its own, the recommendation's monthly cost at each move.

A tornado chart of these bars tells an SA which number to pin down with the customer first: the
widest bar is the input the bill depends on most. Each move re-runs the estimate and the decision,
so the cost is the one the app would recommend, not the cheapest row of the table. A move that
leaves nothing to recommend has no cost (never $0) and ranks first: it breaks the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.reference.pricing import PriceTable
from lmi_explorer.models.scenario import Scenario
from lmi_explorer.models.scenario.validation import BOUNDS
from lmi_explorer.models.units import ms_per_token, seconds, usd


@dataclass(frozen=True, slots=True)
class Move:
    """One side of a step: ``times`` scales each field, ``plus`` adds to it, ``to`` sets it."""

    how: str
    by: float

    def apply(self, value: float) -> float:
        if self.how == "times":
            return value * self.by
        if self.how == "plus":
            return value + self.by
        return self.by


@dataclass(frozen=True, slots=True)
class Step:
    """One input of the tornado and its two moves.

    ``low`` is the move expected to lower the cost (less traffic, looser targets, a larger
    discount) and ``high`` the one expected to raise it; the estimate may disagree.
    """

    key: str
    label: str
    low_text: str
    high_text: str
    fields: tuple[str, ...] = ()
    low: Move = Move("times", 1.0)
    high: Move = Move("times", 1.0)


STEPS: tuple[Step, ...] = (
    Step("rate", "Request rate ±50 %", "×0.5", "×1.5", ("requests_per_s",), Move("times", 0.5), Move("times", 1.5)),
    Step("output", "Output length ±50 %", "×0.5", "×1.5", ("output_mean",), Move("times", 0.5), Move("times", 1.5)),
    Step("input", "Input length ±50 %", "×0.5", "×1.5", ("input_mean",), Move("times", 0.5), Move("times", 1.5)),
    Step(
        "ttft", "TTFT target ×2 / ÷2", "×2 (looser)", "÷2 (tighter)", ("ttft_s",), Move("times", 2), Move("times", 0.5)
    ),
    Step(
        "tpot", "TPOT target ×2 / ÷2", "×2 (looser)", "÷2 (tighter)", ("tpot_ms",), Move("times", 2), Move("times", 0.5)
    ),
    Step(
        "spread",
        "Length spread ±50 %",
        "×0.5",
        "×1.5",
        ("input_cv", "output_cv"),
        Move("times", 0.5),
        Move("times", 1.5),
    ),
    Step("discount", "Price discount", "+20 points", "none", ("discount",), Move("plus", 0.20), Move("to", 0.0)),
)

_SHOW: dict[str, Callable[[float], str]] = {
    "requests_per_s": lambda v: f"{v:g} req/s",
    "output_mean": lambda v: f"{v:,.0f} tokens out",
    "input_mean": lambda v: f"{v:,.0f} tokens in",
    "ttft_s": seconds,
    "tpot_ms": ms_per_token,
    "input_cv": lambda v: f"input spread {v:.2f}",
    "output_cv": lambda v: f"output spread {v:.2f}",
    "discount": lambda v: f"{v * 100:.3g} % discount",
}


@dataclass(frozen=True, slots=True)
class Bar:
    """The recommendation's monthly cost at both moves of one step (None: nothing to recommend)."""

    step: Step
    low_usd: float | None
    high_usd: float | None
    low_value: str
    high_value: str
    low_note: str = ""
    high_note: str = ""

    @property
    def breaks(self) -> bool:
        """Exactly one move leaves nothing to recommend: the answer itself depends on this input."""
        return (self.low_usd is None) != (self.high_usd is None)

    @property
    def swing(self) -> float:
        """How far apart the two costs are; infinite when one move leaves nothing, 0 when both do."""
        if self.breaks:
            return math.inf
        if self.low_usd is None or self.high_usd is None:
            return 0.0
        return abs(self.high_usd - self.low_usd)


@dataclass(frozen=True)
class Tornado:
    """Every step's bar, widest first, around the scenario's own recommended cost."""

    base_usd: float | None
    bars: tuple[Bar, ...]
    scenario_name: str

    def text(self) -> str:
        """One line per bar: 'Request rate ±50 %: $1,902–$5,706/mo (base $3,804)'."""
        base = usd(self.base_usd) if self.base_usd is not None else "nothing fits"
        lines = []
        for b in self.bars:
            if b.low_usd is not None and b.high_usd is not None:
                costs = f"{usd(b.low_usd)}–{usd(b.high_usd)}/mo"
                notes = dict.fromkeys(n for n in (b.low_note, b.high_note) if n)
                costs += "".join(f", {n}" for n in notes)
            else:
                costs = "; ".join(
                    f"{text} ({value}) {usd(cost, per='mo') if cost is not None else note}"
                    for text, value, cost, note in (
                        (b.step.low_text, b.low_value, b.low_usd, b.low_note),
                        (b.step.high_text, b.high_value, b.high_usd, b.high_note),
                    )
                )
            lines.append(f"{b.step.label}: {costs} (base {base})")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per bar, widest first; a cost is NaN where nothing fits (the note says so)."""

        def num(v: float | None) -> float:
            return math.nan if v is None else v

        return pd.DataFrame(
            {
                "input": [b.step.label for b in self.bars],
                "low_value": [b.low_value for b in self.bars],
                "high_value": [b.high_value for b in self.bars],
                "low_usd": [num(b.low_usd) for b in self.bars],
                "high_usd": [num(b.high_usd) for b in self.bars],
                "swing_usd": [b.swing for b in self.bars],
                "base_usd": [num(self.base_usd)] * len(self.bars),
                "low_note": [b.low_note for b in self.bars],
                "high_note": [b.high_note for b in self.bars],
            }
        )


def _current(s: Scenario, name: str) -> float:
    return float(getattr(s.traffic if hasattr(s.traffic, name) else s.deployment, name))


def _moved(s: Scenario, step: Step, move: Move) -> tuple[Scenario, str]:
    """The scenario after one move, each value kept inside its allowed range, and the values it used."""
    changes: dict[str, float] = {}
    shown = []
    for name in step.fields:
        lo, hi, lo_open = BOUNDS[name]
        value = move.apply(_current(s, name))
        note = ""
        if value > hi:
            value, note = float(hi), f" (clipped to the maximum, {hi:g})"
        elif value < lo or (lo_open and value <= lo):
            # an open lower bound cannot be reached: stay just above it
            value = float(lo) if not lo_open else math.nextafter(float(lo), math.inf)
            note = f" (clipped to the minimum, {lo:g})"
        changes[name] = value
        shown.append(_SHOW[name](value) + note)
    return s.with_changes(**changes), ", ".join(shown)


def recommended_usd(s: Scenario, prices: PriceTable | None = None) -> tuple[float | None, str]:
    """The recommendation's monthly cost, or None with why ('nothing fits', 'no priced option').

    With several traffic classes or a day profile: the recommended plan's cost (the split
    comparison's pick, priced over the week); the moves change the main traffic.
    """
    if len(s.classes()) > 1 or s.load.day_profile:
        from lmi_explorer.models.mix.classes import compare_split
        from lmi_explorer.models.mix.week import scenario_week

        est = estimate(s, prices)
        split = compare_split(s, est.prices)
        plan = split.monthly_usd if split is not None else math.nan
        if split is None:
            week = scenario_week(s, est)
            plan = week.monthly_usd if week is not None else math.nan
        return (plan, "") if math.isfinite(plan) else (None, "nothing fits")
    rec = evaluate(s, estimate(s, prices), with_crossover=False).recommendation
    cost = rec.monthly_usd
    if cost is not None and math.isfinite(cost):
        return cost, ""
    return None, "no priced option" if rec.summary.startswith("No priced option") else "nothing fits"


def tornado(scenario: Scenario, prices: PriceTable | None = None, steps: tuple[Step, ...] = STEPS) -> Tornado:
    """Re-estimate the scenario at both moves of every step (two estimates a step), widest bar first."""
    base, _ = recommended_usd(scenario, prices)
    on_demand = scenario.deployment.pricing_option == "on_demand"
    bars = []
    for step in steps:
        sides = []
        for move in (step.low, step.high):
            s, value = _moved(scenario, step, move)
            cost, note = recommended_usd(s, prices)
            if on_demand and "discount" in step.fields and not note:
                note = "on-demand prices take no discount"
            sides.append((cost, value, note))
        (lo, lo_v, lo_n), (hi, hi_v, hi_n) = sides
        bars.append(Bar(step, lo, hi, lo_v, hi_v, lo_n, hi_n))
    bars.sort(key=lambda b: b.swing, reverse=True)  # stable: equal swings keep the steps' order
    return Tornado(base, tuple(bars), scenario.name)
