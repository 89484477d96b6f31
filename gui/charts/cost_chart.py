"""Monthly cost per instance type and precision: grouped bars, cheapest instance types first.

Bars live in fixed slots (at most ten instance types), so a new scenario only changes bar
heights, visibility and tick labels; the bars are rebuilt only when the compared precisions change.
The y limit is sticky (see :class:`~gui.charts.common.StickyLimit`), so most slider moves change
only the bars, markers, value label and subtitle: a partial redraw.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedFormatter, FixedLocator, MaxNLocator, NullLocator

from lmi_explorer.gui.charts.base import BaseChart
from lmi_explorer.gui.charts.common import (
    MAX_CATEGORIES,
    USD_TICKS,
    Fonts,
    Message,
    StickyLimit,
    Wrapped,
    instance_label,
    instance_order,
    line_count,
    model_name,
    nothing_fits_text,
    precision_label,
    prepare_figure,
    style_axes,
    style_legend,
    style_subtitle,
    style_title,
)
from lmi_explorer.models.estimate.precisions import offered
from lmi_explorer.models.units import percent, usd

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.patches import Rectangle

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme
    from lmi_explorer.models.estimate import Estimate

GROUP_WIDTH = 0.8
MARKER_Y = 0.035  # axes fraction: 'does not fit' and 'price unknown' markers sit on the baseline
HEADROOM = 1.25  # the y axis reaches at least this times the tallest bar: room for the 'recommended' label


class CostChart(BaseChart):
    """Grouped bars of the cheapest monthly cost per (instance type, precision).

    ``categories`` are the instance types shown, left to right; ``bar(instance, precision)``
    returns the bar drawn for a pair (hidden when it does not fit or its price is unknown).
    """

    title: str = "Monthly cost"

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        super().__init__()
        self.figure = figure
        self.theme = theme
        prepare_figure(figure, theme)
        self.fonts = Fonts(figure, theme)
        self.ax = ax = figure.add_subplot()
        style_axes(ax, theme, self.fonts)
        ax.set_ylabel("Monthly cost (USD)")
        ax.set_xlabel("Instance type (cheapest first)")
        ax.yaxis.set_major_formatter(USD_TICKS)
        ax.set_ylim(0, 1)
        self.title_artist = style_title(figure, theme, self.fonts, self.title)
        self.subtitle = style_subtitle(ax, theme, self.fonts)
        self.note = Wrapped(figure.supxlabel("", x=0.01, ha="left", color=theme.muted), self.fonts, 7.5, max_lines=1)
        self.message = Message(ax, theme, self.fonts)
        self.value_label = ax.annotate(
            "",
            (0, 0),
            xytext=(0, 0),
            ha="center",
            va="bottom",
            color=theme.foreground,
            fontweight="bold",
            visible=False,
            zorder=6,
            in_layout=False,
            annotation_clip=False,
            arrowprops={"arrowstyle": "-|>", "color": theme.foreground, "linewidth": 0.9, "shrinkA": 1, "shrinkB": 1},
        )
        self.fonts.text(self.value_label, 7.5)
        self.precisions: tuple[str, ...] = ()
        self.categories: list[str] = []
        self.bars: dict[tuple[int, str], Rectangle] = {}
        self.no_fit_markers: dict[str, Line2D] = {}
        self.unknown_markers: dict[str, Line2D] = {}
        self.legend: Legend | None = None
        self._labels: tuple[str, ...] | None = None
        self._ylim = StickyLimit()
        self._y_locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])

    # ------------------------------------------------------------------ structure

    def _build(self, precisions: tuple[str, ...]) -> None:
        """(Re)create one bar per slot and precision, the markers and the legend."""
        t, ax = self.theme, self.ax
        for artist in [*self.bars.values(), *self.no_fit_markers.values(), *self.unknown_markers.values()]:
            artist.remove()
        self.bars, self.no_fit_markers, self.unknown_markers = {}, {}, {}
        self.precisions = precisions
        n = max(len(precisions), 1)
        width = GROUP_WIDTH / n
        slots = np.arange(MAX_CATEGORIES, dtype=float)
        for j, p in enumerate(precisions):
            colour = t.precision_colours.get(p, t.muted)
            x = slots + (j - (n - 1) / 2) * width
            container = ax.bar(x, np.zeros(MAX_CATEGORIES), width * 0.92, color=colour, linewidth=0, zorder=2)
            for i, rect in enumerate(container.patches):
                rect.set_visible(False)
                self.bars[(i, p)] = rect
            # markers sit inside the axes; keep them (empty or not) out of the layout computation
            kw: dict[str, Any] = {
                "transform": ax.get_xaxis_transform(),
                "linestyle": "none",
                "clip_on": False,
                "zorder": 4,
                "in_layout": False,
            }
            self.no_fit_markers[p] = ax.plot([], [], marker="x", markersize=5, mew=1.4, color=colour, **kw)[0]
            self.unknown_markers[p] = ax.plot([], [], marker="$?$", markersize=7, color=colour, **kw)[0]

        def size_markers(s: float) -> None:
            for line in self.no_fit_markers.values():
                line.set_markersize(5 * s)
            for line in self.unknown_markers.values():
                line.set_markersize(7 * s)

        self.fonts.on_change("markers", size_markers)
        handles: list[Artist] = [
            Patch(facecolor=t.precision_colours.get(p, t.muted), label=precision_label(p)) for p in precisions
        ]
        handles += [
            Line2D([], [], marker="x", linestyle="none", color=t.muted, mew=1.4, label="✕ does not fit"),
            Line2D([], [], marker="$?$", linestyle="none", color=t.muted, markersize=7, label="? price unknown"),
            Patch(facecolor="none", edgecolor=t.foreground, linewidth=1.6, label="recommended"),
        ]
        if self.legend is not None:
            self.legend.remove()
        legend = self.legend = style_legend(
            ax.legend(
                handles=handles,
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                borderaxespad=0.0,
                title="Precision",
                alignment="left",
            ),
            t,
            self.fonts,
        )
        legend.get_title().set_color(t.foreground)
        self.fonts.on_change("legend-title", lambda s: legend.get_title().set_fontsize(8.5 * s))

    def bar(self, instance: str, precision: str) -> Rectangle | None:
        """The bar drawn for (instance, precision), or None if that instance type is not shown."""
        if instance not in self.categories or precision not in self.precisions:
            return None
        return self.bars[(self.categories.index(instance), precision)]

    # ------------------------------------------------------------------ update

    def dynamic_artists(self) -> list[Artist]:
        """What ordinary slider moves change: bars, markers, the recommended label, the subtitle, and both axes.

        The instance-type axis because it is sorted cheapest first (a rate step often swaps two
        neighbours); the cost axis because costs follow the rate over a range wider than any sticky
        limit can absorb (an expensive instance type joining the ten shown moves it too).
        """
        return [
            *self.bars.values(),
            *self.no_fit_markers.values(),
            *self.unknown_markers.values(),
            self.value_label,
            self.subtitle.artist,
            self.ax.xaxis,
            self.ax.yaxis,
        ]

    def static_key(self) -> object:
        """Precisions, number of instance types, notes, title and layout; the order of the instance types and
        the sticky y limit among them are dynamic."""
        return (
            self.precisions,
            len(self.categories),
            self.note.artist.get_text(),
            self.title_artist.get_text(),
            self.message.text,
            line_count(self.subtitle.artist),
            _label_lines(self._labels),
        )

    def apply(self, data: ChartInput) -> bool:
        """Set bar heights, markers, labels and notes for the estimate."""
        est = data.estimate
        precisions = offered(est.model, tuple(est.scenario.deployment.precisions))  # full = the checkpoint's format
        values, status, shown, hidden_fit, nothing = _table(est, precisions)
        rec = data.decision.recommendation
        rec_key = (rec.instance, rec.precision) if rec.instance in shown and rec.precision in precisions else None
        subtitle = _savings_text(est)
        state = (
            precisions,
            tuple(shown),
            values.tobytes(),
            status.tobytes(),
            rec_key,
            rec.monthly_usd,
            subtitle,
            tuple(nothing),
            hidden_fit,
            est.model.model_id,
        )
        if not self.state_changed(state):
            return False
        top = float(np.nanmax(values)) if shown and np.isfinite(values).any() else 0.0
        ylim = self._ylim.fit(top * HEADROOM) if top > 0 else 1.0
        if precisions != self.precisions:
            self._build(precisions)
        self.categories = shown
        self.title_artist.set_text(f"Monthly cost by instance type and precision — {model_name(est.model.model_id)}")
        self.subtitle.set(subtitle)
        self.note.set(_note(nothing, hidden_fit))
        if not shown:
            self._show_nothing(data)
        else:
            self._show_bars(data, values, status, shown, rec_key, top, ylim)
        return True

    def _show_bars(
        self,
        data: ChartInput,
        values: np.ndarray,
        status: np.ndarray,
        shown: list[str],
        rec_key: tuple | None,
        top: float,
        ylim: float,
    ) -> None:
        est = data.estimate
        precisions = self.precisions
        self.message.hide()
        if self.legend is not None:
            self.legend.set_visible(True)
        if self.ax.yaxis.get_major_locator() is not self._y_locator:
            self.ax.yaxis.set_major_locator(self._y_locator)
        self._set_ticks([instance_label(i) for i in shown])
        self.ax.set_xlim(-0.6, len(shown) - 0.4)
        for j, p in enumerate(precisions):
            for i in range(MAX_CATEGORIES):
                rect = self.bars[(i, p)]
                ok = i < len(shown) and status[i, j] == 0
                rect.set_visible(ok)
                rect.set_height(values[i, j] if ok else 0.0)
                is_rec = rec_key == (shown[i], p) if i < len(shown) else False
                rect.set_edgecolor(self.theme.foreground if is_rec else "none")
                rect.set_linewidth(1.6 if is_rec else 0.0)
            x0 = np.arange(len(shown)) + (j - (len(precisions) - 1) / 2) * (GROUP_WIDTH / max(len(precisions), 1))
            nofit = np.nonzero(status[: len(shown), j] == 1)[0]
            unknown = np.nonzero(status[: len(shown), j] == 2)[0]
            self.no_fit_markers[p].set_data(x0[nofit], np.full(len(nofit), MARKER_Y))
            self.unknown_markers[p].set_data(x0[unknown], np.full(len(unknown), MARKER_Y + 0.01))
            self.no_fit_markers[p].set_visible(True)
            self.unknown_markers[p].set_visible(True)
        self._label_recommended(rec_key, shown, values, precisions, top, data.decision.recommendation.monthly_usd)
        self.ax.set_ylim(0, ylim)
        if top <= 0:
            d = est.scenario.deployment
            self.message.show(f"Options fit, but no price is known for them in {d.region} on {d.platform}.")

    def _label_recommended(
        self,
        rec_key: tuple | None,
        shown: list[str],
        values: np.ndarray,
        precisions: tuple[str, ...],
        top: float,
        rec_usd: float | None,
    ) -> None:
        """Arrow to the recommended option's bar with its monthly cost (the guide's backend may cost more
        than the cheapest backend the bar shows for that instance and precision)."""
        if rec_key is None:
            self.value_label.set_visible(False)
            return
        i, j = shown.index(rec_key[0]), precisions.index(rec_key[1])
        rect = self.bars[(i, rec_key[1])]
        group_top = float(np.nanmax(np.where(np.isfinite(values[i]), values[i], 0.0)))
        x, h = rect.get_x() + rect.get_width() / 2, float(values[i, j])
        # text above the tallest bar of the group, arrow down to the recommended bar
        self.value_label.xy = (x, h)
        # the first group sits against the y axis: start the text at the group's left edge instead of centring it
        self.value_label.set_position((i - 0.42 if i == 0 else float(i), max(group_top, h) + top * 0.07))
        self.value_label.set_horizontalalignment("left" if i == 0 else "center")
        self.value_label.set_text(f"recommended\n{usd(rec_usd if rec_usd is not None else h, per='mo')}")
        self.value_label.set_visible(True)

    def _set_ticks(self, labels: list[str]) -> None:
        if tuple(labels) == self._labels:
            return
        self._labels = tuple(labels)
        self.ax.xaxis.set_major_locator(FixedLocator(list(range(len(labels)))))
        self.ax.xaxis.set_major_formatter(FixedFormatter(labels))

    def _show_nothing(self, data: ChartInput) -> None:
        """No bars: say why in words."""
        for rect in self.bars.values():
            rect.set_visible(False)
        for line in [*self.no_fit_markers.values(), *self.unknown_markers.values()]:
            line.set_visible(False)
        self.value_label.set_visible(False)
        if self.legend is not None:
            self.legend.set_visible(False)
        self._set_ticks([])
        self.ax.set_xlim(-0.6, 0.6)
        self.ax.set_ylim(0, 1)
        self.ax.yaxis.set_major_locator(NullLocator())
        lead = "Nothing fits on the selected instance types and precisions, so there is no cost to show."
        self.message.show(nothing_fits_text(data.estimate, data.decision, lead))


def _label_lines(labels: tuple[str, ...] | None) -> int:
    """Lines of the tallest tick label: the bottom margin depends on it."""
    return max((label.count("\n") + 1 for label in labels or ()), default=0)


def _table(est: Estimate, precisions: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, list[str], int, list[str]]:
    """Cheapest monthly cost and status (0 bar, 1 does not fit, 2 price unknown) per shown (instance, precision)."""
    o = est.columns  # not the options frame: this runs on every slider move
    fitting, nothing = instance_order(o)
    shown = fitting[:MAX_CATEGORIES]
    values = np.full((MAX_CATEGORIES, len(precisions)), math.inf)
    status = np.ones((MAX_CATEGORIES, len(precisions)), dtype=np.int8)
    if shown:
        row = {name: i for i, name in enumerate(shown)}
        col = {p: j for j, p in enumerate(precisions)}
        fits = np.asarray(o["fits"], dtype=bool)
        idx = np.nonzero(fits)[0]
        inst = np.asarray(o["instance"], dtype=object)[idx]
        prec = np.asarray(o["precision"], dtype=object)[idx]
        monthly = np.asarray(o["monthly_usd"], dtype=float)[idx]
        i = np.array([row.get(x, -1) for x in inst.tolist()], dtype=np.int64)
        j = np.array([col.get(x, -1) for x in prec.tolist()], dtype=np.int64)
        keep = (i >= 0) & (j >= 0)
        i, j, monthly = i[keep], j[keep], monthly[keep]
        status[i, j] = 2  # fits; a price below makes it a bar
        priced = np.isfinite(monthly)
        np.minimum.at(values, (i[priced], j[priced]), monthly[priced])
        status[i[priced], j[priced]] = 0
    values[~np.isfinite(values)] = math.nan
    return values, status, shown, max(len(fitting) - MAX_CATEGORIES, 0), nothing


def _savings_text(est: Estimate) -> str:
    """What quantizing saves (or costs) against full precision, in one line."""
    s = est.savings()
    if s is None:
        if len(est.feasible_rows) == 0:
            return "No option fits and has a known price."
        if est.best(full_precision=True) is None:
            return "Only quantized options fit (or were chosen); nothing to compare at full precision."
        return "Only full-precision options fit (or were chosen); nothing to compare quantized."
    dollars, share = s
    if dollars > 0:
        return f"Best quantized option saves {usd(dollars, per='mo')} ({percent(share)}) over best full precision."
    if dollars < 0:
        return f"Full precision is cheapest: the best quantized option costs {usd(-dollars, per='mo')} more."
    return "The best quantized and full-precision options cost the same."


def _note(nothing: list[str], hidden_fit: int) -> str:
    """The line under the axes naming what is not drawn (cut to the width when drawn)."""
    parts = []
    if hidden_fit:
        parts.append(f"{hidden_fit} more instance type{'s' if hidden_fit != 1 else ''} fit at higher cost")
    if nothing:
        parts.append(f"Not shown (nothing fits): {', '.join(nothing)}")
    return ". ".join(parts)
