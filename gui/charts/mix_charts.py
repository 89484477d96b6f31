"""The traffic-mix answers: one shared endpoint against one per class, the week's fleet, what moves the cost.

These change only once the inputs rest (the split comparison, the week and the tornado are the
slower what-ifs), so each redraws in full from what it is given: its bars and lines are removed
and made again, never the axes. A chart given no comparison while the slider moves keeps what it
shows.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from lmi_explorer.gui.charts.base import BaseChart
from lmi_explorer.gui.charts.common import (
    USD_TICKS,
    Fonts,
    Message,
    prepare_figure,
    series_colours,
    style_axes,
    style_legend,
    style_subtitle,
    style_title,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _label_sides(values: list[float | None], base: float) -> list[tuple[str, float]]:
    """Where each move's label goes: beside its bar end (left below the base, right above), the two
    on opposite sides when a move leaves the cost as it is, one above the other when they share a side."""
    sides: list[str | None] = []
    for v in values:
        sides.append(None if v is None or not math.isfinite(v) or v == base else ("L" if v < base else "R"))
    if sides[0] is None and sides[1] is None:
        sides = ["L", "R"]
    elif sides[0] is None:
        sides[0] = "L" if sides[1] == "R" else "R"
    elif sides[1] is None:
        sides[1] = "R" if sides[0] == "L" else "L"
    if sides[0] == sides[1]:
        return [(str(sides[0]), 0.17), (str(sides[1]), -0.17)]
    return [(str(sides[0]), 0.0), (str(sides[1]), 0.0)]


class _Redrawn(BaseChart):
    """Common parts: one axes, a subtitle, a message, and the artists of the last drawing."""

    #: no dynamic artists: these charts change only once the inputs rest, and then in full
    redraws_in_full = True

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        super().__init__()
        self.figure = figure
        self.theme = theme
        prepare_figure(figure, theme)
        self.fonts = Fonts(figure, theme)
        self.ax = figure.add_subplot()
        style_axes(self.ax, theme, self.fonts, grid="x")
        self.title_text = style_title(figure, theme, self.fonts, self.title)
        self.subtitle = style_subtitle(self.ax, theme, self.fonts)
        self.message = Message(self.ax, theme, self.fonts)
        self._drawn: list[Any] = []
        self._extra_axes: list[Any] = []

    def _remove_drawn(self) -> None:
        for a in self._drawn:
            a.remove()
        self._drawn = []
        for ax in self._extra_axes:
            ax.remove()
        self._extra_axes = []
        legend = self.ax.get_legend()
        if legend is not None:
            legend.remove()

    def _say(self, text: str) -> None:
        self.ax.set_xticks([])
        self.ax.set_yticks([])
        self.ax.set_xlabel("")
        self.ax.set_ylabel("")
        for side in ("left", "bottom"):
            self.ax.spines[side].set_visible(False)
        self.message.show(text)

    def _clear(self) -> None:
        for side in ("left", "bottom"):
            self.ax.spines[side].set_visible(True)
        self._remove_drawn()

    def static_key(self) -> object:
        return self._state


class EndpointsChart(_Redrawn):
    """Monthly cost of one shared endpoint (one bar) against one endpoint per class (stacked by class)."""

    title: str = "Endpoints: one shared or one per class"

    def apply(self, data: ChartInput) -> bool:
        split = data.decision.split
        scenario = data.full_scenario
        several = len(scenario.classes()) > 1
        if split is None and several and self._state is not None:
            return False  # the comparison comes when the inputs rest: keep the last one meanwhile
        state = (
            "single"
            if split is None
            else (
                split.choice,
                round(split.shared_usd, 2) if math.isfinite(split.shared_usd) else None,
                tuple(
                    (e.cls.name, round(e.monthly_usd, 2) if math.isfinite(e.monthly_usd) else None)
                    for e in split.separate
                ),
                round(split.separate_usd, 2) if math.isfinite(split.separate_usd) else None,
            )
        )
        if not self.state_changed(state):
            return False
        self._clear()
        ax = self.ax
        if split is None:
            self.subtitle.set(scenario.name)
            if several:
                self._say("Comparing one shared endpoint with one per class…")
                return True
            self._say(
                "One traffic class. Add classes under Traffic classes and day to compare one shared endpoint\n"
                "(every class at the strictest targets) with one endpoint per class."
            )
            return True
        self.message.hide()
        colours = series_colours(self.theme)
        shared = split.shared_usd
        rows = ["One shared endpoint", "One endpoint per class"]
        if math.isfinite(shared):
            self._drawn += list(ax.barh([1], [shared], color=self.theme.accent, height=0.5, label="all classes"))
        left = 0.0
        fixed_total = split.fixed_separate_usd
        scale = split.separate_usd / fixed_total if math.isfinite(fixed_total) and fixed_total > 0 else 1.0
        for i, e in enumerate(split.separate):
            cost = e.monthly_usd * scale
            if not math.isfinite(cost):
                continue
            (bar,) = ax.barh(
                [0], [cost], left=[left], color=colours[(i + 1) % len(colours)], height=0.5, label=e.cls.name
            )
            self._drawn.append(bar)
            o = e.option
            label = (
                f"{e.cls.name}\n{o['backend_name']} {int(o['instances'])}×{o['instance']}"
                if o is not None
                else e.cls.name
            )
            t = ax.text(left + cost / 2, 0, label, ha="center", va="center", color=self.theme.background, clip_on=True)
            self.fonts.text(t, 7.5)
            self._drawn.append(t)
            left += cost
        if split.choice == "shared":
            rows[0] += "\n(recommended)"
        elif split.choice == "separate":
            rows[1] += "\n(recommended)"
        ax.set_yticks([0, 1], [rows[1], rows[0]])
        ax.xaxis.set_major_formatter(USD_TICKS)
        top = max(v for v in (shared, split.separate_usd, 1.0) if math.isfinite(v))
        ax.set_xlim(0, top * 1.5)  # room for the option written after the bar
        ax.set_ylim(-0.6, 1.6)
        ax.set_xlabel(
            "Monthly cost (USD)" + (", autoscaled over the day" if split.shared_autoscaled_usd is not None else "")
        )
        if split.shared.option is not None and math.isfinite(shared):
            o = split.shared.option
            t = ax.text(
                shared,
                1,
                f"  {o['backend_name']} {split.shared.instances}×{o['instance']} ({o['precision']})  "
                f"{USD_TICKS(shared)}/mo",
                ha="left",
                va="center",
                color=self.theme.foreground,
            )
            self.fonts.text(t, 8.0)
            self._drawn.append(t)
        if math.isfinite(split.separate_usd):
            t = ax.text(
                left, 0, f"  {USD_TICKS(split.separate_usd)}/mo", ha="left", va="center", color=self.theme.foreground
            )
            self.fonts.text(t, 8.0)
            self._drawn.append(t)
        style_legend(ax.legend(loc="lower right", frameon=True), self.theme, self.fonts)
        self.subtitle.set(split.summary)
        return True


class DayChart(_Redrawn):
    """The week: request rate (area) and instances billed and serving (steps) against the fixed fleet."""

    title: str = "The day's load: autoscaled against a fixed fleet"

    def apply(self, data: ChartInput) -> bool:
        week = data.decision.week
        scenario = data.full_scenario
        shaped = any(c.day_profile for c in scenario.classes())
        if week is None and shaped and self._state is not None:
            return False  # the week comes when the inputs rest: keep the last one meanwhile
        state = (
            "none"
            if week is None
            else (
                tuple(np.round(week.hourly_rps, 4)),
                tuple(np.round(week.hourly_billed, 3)),
                round(week.autoscaled_monthly_usd, 2),
                round(week.fixed_monthly_usd, 2),
                week.autoscaling,
            )
        )
        if not self.state_changed(state):
            return False
        self._clear()
        ax = self.ax
        if week is None:
            self.subtitle.set(scenario.name)
            if shaped:
                self._say("Simulating the week… (nothing fits this scenario's targets if this stays)")
                return True
            self._say(
                "No day shape: the fleet is sized for the peak all month.\n"
                "Choose a day shape under Traffic classes and day to price autoscaling against a fixed fleet."
            )
            return True
        self.message.hide()
        hours = np.arange(len(week.hourly_rps) + 1)
        rps = np.append(week.hourly_rps, week.hourly_rps[-1])
        self._drawn.append(
            ax.fill_between(hours, rps, step="post", color=self.theme.grid, alpha=0.9, label="requests/s (left)")
        )
        ax.set_ylim(0, max(float(rps.max()) * 1.15, 1e-3))
        ax.set_xlim(0, 168)
        ax.set_xticks([24 * d + 12 for d in range(7)], DAYS)
        ax.set_ylabel("Requests/s")
        right = ax.twinx()
        self._extra_axes.append(right)
        style_axes(right, self.theme, self.fonts, grid=None)
        right.spines["right"].set_visible(True)
        billed = np.append(week.hourly_billed, week.hourly_billed[-1])
        serving = np.append(week.hourly_serving, week.hourly_serving[-1])
        fixed = sum(e.plan.fixed_instances for e in week.endpoints)
        (b,) = right.plot(
            hours, billed, drawstyle="steps-post", color=self.theme.accent, lw=2, label="instances billed (right)"
        )
        (sv,) = right.plot(
            hours, serving, drawstyle="steps-post", color=self.theme.good, lw=1.2, ls="--", label="instances serving"
        )
        f = right.axhline(fixed, color=self.theme.bad, ls=":", lw=1.5, label=f"fixed fleet: {fixed}")
        right.set_ylim(0, max(fixed, float(billed.max())) * 1.2 + 0.5)
        right.set_ylabel("Instances")
        handles = [self._drawn[0], b, sv, f]
        style_legend(ax.legend(handles=handles, loc="upper right", frameon=True, ncols=2), self.theme, self.fonts)
        starts = "; ".join(
            f"{e.label}: a new instance serves after {e.startup.total_s / 60:.1f} min" for e in week.endpoints
        )
        self.subtitle.set(f"{week.summary}. {starts}.")
        return True


class SensitivityChart(_Redrawn):
    """The tornado: monthly cost when each input moves by its step, widest bar first."""

    title: str = "What moves the cost"

    def apply(self, data: ChartInput) -> bool:
        tor = getattr(data, "tornado", None)
        if tor is None:
            from lmi_explorer.models.mix.sensitivity import tornado

            tor = tornado(data.full_scenario, data.estimate.prices)
        state = (
            tor.base_usd,
            tuple((b.step.key, b.low_usd, b.high_usd, b.low_value, b.high_value) for b in tor.bars),
        )
        if not self.state_changed(state):
            return False
        self._clear()
        ax = self.ax
        base = tor.base_usd
        if base is None or not math.isfinite(base):
            self.subtitle.set(tor.scenario_name)
            self._say("Nothing fits this scenario, so there is no cost to move.")
            return True
        self.message.hide()
        bars = list(tor.bars)[::-1]  # widest at the top
        ys = np.arange(len(bars))
        lo_c, hi_c = self.theme.good, self.theme.bad
        width = 0.0
        for y, b in zip(ys, bars, strict=True):
            moves = ((b.low_usd, lo_c, b.step.low_text, b.low_note), (b.high_usd, hi_c, b.step.high_text, b.high_note))
            sides = _label_sides([m[0] for m in moves], base)
            for (value, colour, text, note), (side, dy) in zip(moves, sides, strict=True):
                if value is None or not math.isfinite(value):
                    t = ax.text(
                        base,
                        y + dy,
                        f"  {text}: {note or 'nothing fits'}",
                        ha="left",
                        va="center",
                        color=self.theme.bad,
                    )
                    self.fonts.text(t, 7.5)
                    self._drawn.append(t)
                    continue
                width = max(width, abs(value - base))
                if value != base:
                    (bar,) = ax.barh([y], [value - base], left=[base], color=colour, height=0.6, alpha=0.85)
                    self._drawn.append(bar)
                label = f" {text}: {USD_TICKS(value)}" + (f" ({note})" if note else "") + " "
                t = ax.text(
                    value,
                    y + dy,
                    label,
                    ha="left" if side == "R" else "right",
                    va="center",
                    color=self.theme.foreground,
                )
                self.fonts.text(t, 7.5)
                self._drawn.append(t)
        self._drawn.append(ax.axvline(base, color=self.theme.foreground, lw=1.2))
        pad = max(width * 1.6, base * 0.1, 1.0)
        ax.set_xlim(max(0.0, base - pad), base + pad)
        ax.set_ylim(-0.7, len(bars) - 0.3)
        ax.set_yticks(ys, [b.step.label for b in bars])
        ax.xaxis.set_major_formatter(USD_TICKS)
        ax.set_xlabel("Monthly cost (USD); the line is today's")
        self.subtitle.set(
            f"{tor.scenario_name}: {USD_TICKS(base)}/mo today. Green: the move that lowers the cost; "
            "red: the one that raises it."
        )
        return True
