"""Cheapest full-precision against cheapest quantized monthly cost over a range of request rates.

Answers "at what traffic does quantizing pay off?": two step lines on log axes, the current
rate, and the break-even rate where quantized becomes cheaper. A translucent band around each line
is its likely range (``full_usd_low/high``, ``quantized_usd_low/high`` of ``breakeven_curves``): the
cost if measured throughput lands where it did for 80 % of the published points. Lines and bands are
made once and reset.

The rate range stays put while the current rate moves within its middle band, and the cost range
is sticky, so dragging the rate slider moves only the current-rate marker and the texts (a partial
redraw); the range recentres when the rate leaves the band.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

from lmi_explorer.gui.charts.base import BaseChart
from lmi_explorer.gui.charts.common import (
    USD_TICKS,
    Fonts,
    Message,
    StickyLogRange,
    line_count,
    model_name,
    nothing_fits_text,
    prepare_figure,
    style_axes,
    style_legend,
    style_subtitle,
    style_title,
)
from lmi_explorer.models.estimate.breakeven import breakeven_curves, crossover_rate
from lmi_explorer.models.units import usd

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.artist import Artist
    from matplotlib.collections import FillBetweenPolyCollection
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme

POINTS = 61
SPAN = 20.0  # rates from centre / SPAN to centre × SPAN
BAND_ALPHA = 0.13  # opacity of a likely-range band (the two overlap where the costs are close)
MIDDLE = math.sqrt(SPAN)  # the current rate may move this factor either way from the centre before the range follows


def rate_range(current: float) -> np.ndarray:
    """About 60 rates, evenly spaced on a log scale around the current rate (which is one of them)."""
    return np.geomspace(current / SPAN, current * SPAN, POINTS)


class RateCentre:
    """The centre of the rate range: the current rate, kept until the rate leaves the middle band.

    The band reaches ``MIDDLE`` (√SPAN) times either way from the centre, the middle half of the
    range on the log axis, so the current rate never comes closer than a quarter of the range to
    either end.
    """

    def __init__(self) -> None:
        self.value: float | None = None

    def fit(self, current: float) -> float:
        if self.value is None or not (self.value / MIDDLE <= current <= self.value * MIDDLE):
            self.value = current
        return self.value


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


class BreakEvenChart(BaseChart):
    """Monthly cost of the cheapest full-precision and quantized options against the request rate.

    ``full_line`` and ``quantized_line`` are step lines; ``current_line`` marks today's rate;
    ``crossover_marker`` is the dot where quantized becomes cheaper (hidden when there is none).
    """

    title: str = "Break-even"

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        super().__init__()
        self.figure = figure
        self.theme = theme
        prepare_figure(figure, theme)
        self.fonts = Fonts(figure, theme)
        self.ax = ax = figure.add_subplot()
        style_axes(ax, theme, self.fonts, grid="both")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("Mean request rate (requests/s, log scale)")
        ax.set_ylabel("Monthly cost (USD, log scale)")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_minor_locator(NullLocator())  # minor log ticks cost more to draw than they tell
        self._y_locator = LogLocator(base=10, subs=(1.0, 2.0, 5.0))
        ax.yaxis.set_major_locator(self._y_locator)
        ax.yaxis.set_major_formatter(USD_TICKS)
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlim(0.1, 10)
        ax.set_ylim(100, 1e5)
        full_c = theme.precision_colours.get("bf16", theme.accent)
        quant_c = theme.precision_colours.get("fp8", theme.warn)
        (self.full_line,) = ax.plot([], [], drawstyle="steps-post", color=full_c, lw=2.0, label="full precision")
        (self.quantized_line,) = ax.plot([], [], drawstyle="steps-post", color=quant_c, lw=2.0, label="quantized")
        # under the lines (zorder 1.5 < 2), stepped as the lines are; a thin edge tells the two apart where they overlap
        self.full_band: FillBetweenPolyCollection = ax.fill_between(
            [], [], [], step="post", fc=to_rgba(full_c, BAND_ALPHA), ec=to_rgba(full_c, 0.45), lw=0.6, zorder=1.5
        )
        self.quantized_band: FillBetweenPolyCollection = ax.fill_between(
            [], [], [], step="post", fc=to_rgba(quant_c, BAND_ALPHA), ec=to_rgba(quant_c, 0.45), lw=0.6, zorder=1.5
        )
        self._band_handle = Patch(color=theme.muted, alpha=0.35, lw=0, label="likely range (80 % of published points)")
        self.current_line = ax.axvline(1.0, color=theme.foreground, ls=":", lw=1.3, label="current rate")
        (self.crossover_marker,) = ax.plot(
            [],
            [],
            "o",
            color=theme.foreground,
            markersize=7,
            mfc=theme.background,
            mew=1.8,
            label="quantized becomes cheaper",
            zorder=6,
        )
        self.crossover_label = ax.annotate(
            "",
            (1, 1),
            xytext=(6, -6),
            textcoords="offset points",
            ha="left",
            va="top",
            color=theme.foreground,
            zorder=7,
            visible=False,
            annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.25", "facecolor": theme.background, "edgecolor": theme.grid},
        )
        self.fonts.text(self.crossover_label, 8.0)
        self.current_label = ax.annotate(
            "",
            (1, 0.98),
            xycoords=ax.get_xaxis_transform(),
            xytext=(4, 0),
            textcoords="offset points",
            ha="left",
            va="top",
            color=theme.foreground,
            zorder=7,
            annotation_clip=False,
        )
        self.fonts.text(self.current_label, 8.0)
        self.legend: Legend | None = None
        self._legend_has_cross: bool | None = None
        self._make_legend(False)
        self.title_artist = style_title(figure, theme, self.fonts, self.title)
        self.subtitle = style_subtitle(ax, theme, self.fonts)
        self.message = Message(ax, theme, self.fonts)
        self.curves: pd.DataFrame | None = None
        self.crossover: float | None = None
        self._centre = RateCentre()
        self._ylim = StickyLogRange(margin=2.0, slack=6.0)

    def _make_legend(self, with_crossover: bool) -> None:
        """Legend without the break-even dot when there is none (rebuilt only when that changes)."""
        if self.legend is not None:
            self.legend.set_visible(True)
        if with_crossover == self._legend_has_cross:
            return
        self._legend_has_cross = with_crossover
        handles: list[Artist] = [self.full_line, self.quantized_line, self._band_handle, self.current_line]
        if with_crossover:
            handles.append(self.crossover_marker)
        if self.legend is not None:
            self.legend.remove()
        self.legend = style_legend(self.ax.legend(handles=handles, loc="lower right"), self.theme, self.fonts)

    def dynamic_artists(self) -> list[Artist]:
        """What ordinary slider moves change: both lines, the current rate and break-even markers and labels,
        the subtitle, and the legend (drawn over the lines)."""
        out: list[Artist] = [
            self.full_band,
            self.quantized_band,
            self.full_line,
            self.quantized_line,
            self.current_line,
            self.current_label,
            self.crossover_marker,
            self.crossover_label,
            self.subtitle.artist,
        ]
        if self.legend is not None:
            out.append(self.legend)
        return out

    def static_key(self) -> object:
        """The ranges (so the ticks), the legend, the message and the texts' layout."""
        return (
            self.ax.get_xlim(),
            self.ax.get_ylim(),
            self._legend_has_cross,
            self.legend is not None and self.legend.get_visible(),
            self.message.text,
            self.title_artist.get_text(),
            line_count(self.subtitle.artist),
        )

    def apply(self, data: ChartInput) -> bool:
        """Recompute both cost curves over the rate range and mark the current rate."""
        est = data.estimate
        current = float(est.scenario.traffic.requests_per_s)
        rates = rate_range(self._centre.fit(current))
        curves = breakeven_curves(est, np.append(rates, current))
        now = curves.iloc[-1]
        curves = curves.iloc[:-1].reset_index(drop=True)
        state = (curves.to_numpy().tobytes(), current, est.model.model_id)
        if not self.state_changed(state):
            return False
        self.curves = curves
        self.crossover = cross = crossover_rate(curves)
        self.title_artist.set_text(f"Break-even: full precision vs quantized — {model_name(est.model.model_id)}")
        full = curves["full_usd"].to_numpy(dtype=float)
        quant = curves["quantized_usd"].to_numpy(dtype=float)
        self.full_line.set_data(rates, full)
        self.quantized_line.set_data(rates, quant)
        bands = {k: curves[k].to_numpy(dtype=float) for k in ("full_usd_low", "full_usd_high")}
        bands |= {k: curves[k].to_numpy(dtype=float) for k in ("quantized_usd_low", "quantized_usd_high")}
        self.full_band.set_data(rates, bands["full_usd_low"], bands["full_usd_high"])
        self.quantized_band.set_data(rates, bands["quantized_usd_low"], bands["quantized_usd_high"])
        self.current_line.set_xdata([current, current])
        self.current_label.xy = (current, 0.98)
        self.current_label.set_text(f"now: {_rate(current)} req/s")
        self.ax.set_xlim(rates[0], rates[-1])
        known = np.concatenate([full[np.isfinite(full)], quant[np.isfinite(quant)]])
        if known.size == 0:
            for artist in (
                self.full_line,
                self.quantized_line,
                self.full_band,
                self.quantized_band,
                self.crossover_marker,
                self.crossover_label,
            ):
                artist.set_visible(False)
            if self.legend is not None:
                self.legend.set_visible(False)
            self.ax.set_ylim(100, 1e5)
            self._ylim.reset()
            self.ax.yaxis.set_major_locator(NullLocator())  # no dollar scale without a cost
            self.ax.yaxis.set_minor_locator(NullLocator())
            self.subtitle.set("")
            self.message.show(
                nothing_fits_text(est, data.decision, "Nothing fits, so there is no cost to compare at any rate.")
            )
            return True
        self.message.hide()
        if self.ax.yaxis.get_major_locator() is not self._y_locator:
            self.ax.yaxis.set_major_locator(self._y_locator)
            self.ax.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost more to draw than they tell
        self._make_legend(cross is not None)
        self.full_line.set_visible(bool(np.isfinite(full).any()))
        self.quantized_line.set_visible(bool(np.isfinite(quant).any()))
        self.full_band.set_visible(bool(np.isfinite(full).any()))
        self.quantized_band.set_visible(bool(np.isfinite(quant).any()))
        # the range takes in the bands: on a log cost axis they are at most a few times the line
        known = np.concatenate([known, *(v[np.isfinite(v)] for v in bands.values())])
        lo, hi = float(known.min()), float(known.max())
        # room below for the legend (lower right) and above for the current-rate label
        self.ax.set_ylim(*_off_tick(*self._ylim.fit(lo / 1.5, hi * 1.6)))
        if cross is not None:
            y = float(quant[np.searchsorted(rates, cross)])
            self.crossover_marker.set_data([cross], [y])
            self.crossover_label.xy = (cross, y)
            self.crossover_label.set_text(f"quantized cheaper\nfrom {_rate(cross)} req/s")
        self.crossover_marker.set_visible(cross is not None)
        self.crossover_label.set_visible(cross is not None)
        f_now, q_now = float(now["full_usd"]), float(now["quantized_usd"])
        self.subtitle.set(_summary(rates, full, quant, current, (f_now, q_now), cross))
        return True


def _off_tick(low: float, high: float) -> tuple[float, float]:
    """The range with its bottom moved just below a major tick (1, 2, 5 × 10^k) it would sit on: a
    dollar label in the bottom corner would collide with the first rate label there."""
    mantissa = low / 10.0 ** math.floor(math.log10(low))
    on_tick = any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1.0, 2.0, 5.0, 10.0))
    return (low * 0.88 if on_tick else low), high


def _summary(
    rates: np.ndarray,
    full: np.ndarray,
    quant: np.ndarray,
    current: float,
    at_current: tuple[float, float],
    cross: float | None,
) -> str:
    """Costs at the current rate and which kind wins across the range, in one or two lines."""
    f, q = at_current
    now = (
        f"At {_rate(current)} req/s: full precision {usd(f if math.isfinite(f) else None, per='mo')}, "
        f"quantized {usd(q if math.isfinite(q) else None, per='mo')}."
    )
    if not np.isfinite(full).any():
        return now + " No full-precision option fits."
    if not np.isfinite(quant).any():
        return now + " No quantized option fits (or none was chosen)."
    if cross is not None:
        return now + f" Quantized becomes cheaper from {_rate(cross)} req/s."
    if np.all(quant <= full):
        return now + f" Quantized is cheaper or equal from {_rate(rates[0])} to {_rate(rates[-1])} req/s."
    if np.all(full <= quant):
        return now + f" Full precision is cheaper or equal from {_rate(rates[0])} to {_rate(rates[-1])} req/s."
    return now + " Which is cheaper changes with the rate."
