"""What a load test would show: TPOT, TTFT and output throughput against concurrency (1 to 512 clients).

Three panels side by side on one log concurrency axis, one line per representative option (cheapest
overall, cheapest full precision, cheapest quantized, cheapest on another backend), the latency
targets as dashed lines and each option's memory limit as a dotted vertical: beyond it requests
wait for a free slot, so throughput flattens and TTFT climbs. A translucent band around each TPOT
and TTFT line is its likely range (``Sweep.tpot_ms_low/high``, ``ttft_s_low/high``): where the
measured figure lay for 80 % of the published points behind that backend × accelerator. The y
ranges follow the lines, not the bands, so a wide band runs off the panel rather than flattening
the line it belongs to.

The y ranges are sticky and the option lines and bands are made once (their vertices are reset), so a
slider move that keeps the same options redraws only the lines, bands, limits and subtitle (a partial
redraw).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from lmi_explorer.gui.charts.base import BaseChart
from lmi_explorer.gui.charts.common import (
    Fonts,
    Message,
    StickyLimit,
    StickyLogRange,
    line_count,
    model_name,
    nothing_fits_text,
    panels_under_a_head,
    precision_label,
    prepare_figure,
    series_colours,
    style_axes,
    style_legend,
    style_subtitle,
    style_title,
)
from lmi_explorer.models.estimate.loadtest import (
    MAX_SWEEP_OPTIONS,
    SWEEP_CONCURRENCY,
    Sweep,
    concurrency_sweep,
    representative_options,
)
from lmi_explorer.models.reference.backends import load_backends

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.collections import FillBetweenPolyCollection
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme

LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D")
#: opacity of a likely-range band (four may overlap: each must leave the others readable)
BAND_ALPHA = 0.10
BAND_LABEL = "likely range (80 % of points)"  # of the published points behind each line


def option_label(sweep: Sweep) -> str:
    name = load_backends().backends[sweep.backend].name if sweep.backend in load_backends().backends else sweep.backend
    return f"{name} · {sweep.instance} · {precision_label(sweep.precision)} · TP{sweep.tensor_parallel}"


def _clients(v: float, _pos: object = None) -> str:
    return f"{v:g}"


def band_polygon(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The band's outline: along ``low``, back along ``high`` (finite points only).

    Set with ``set_verts``: a twentieth of what ``FillBetweenPolyCollection.set_data`` costs on the
    slider path (0.1 ms against 1.8 ms for eight bands), for the same polygon without steps or gaps.
    """
    ok = np.isfinite(x) & np.isfinite(low) & np.isfinite(high)
    x, low, high = x[ok], low[ok], high[ok]
    return np.column_stack([np.concatenate([x, x[::-1]]), np.concatenate([low, high[::-1]])])


def meets_targets_up_to(sweep: Sweep, tpot_ms: float, ttft_s: float) -> int | None:
    """Largest swept concurrency at which both targets hold (None if none does)."""
    ok = (sweep.tpot_ms <= tpot_ms) & (sweep.ttft_s <= ttft_s)
    return int(sweep.concurrency[ok].max()) if ok.any() else None


class LoadTestChart(BaseChart):
    """TPOT, TTFT and output tokens/s against concurrency for up to four options."""

    title: str = "Load test"

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        super().__init__()
        self.figure = figure
        self.theme = theme
        prepare_figure(figure, theme)
        self.fonts = Fonts(figure, theme)
        self.head, panels = panels_under_a_head(figure, 3)  # each gets the same fixed concurrency range
        self.axes = tuple(panels)
        self.ax_tpot, self.ax_ttft, self.ax_tput = self.axes
        self.ax_ttft.set_zorder(2)  # drawn last, so its message box covers the neighbouring panels
        labels = ("TPOT (ms per token)", "TTFT (s, log scale)", "Output tokens/s (one model copy)")
        for ax, label in zip(self.axes, labels, strict=True):
            style_axes(ax, theme, self.fonts, grid="both")
            ax.set_xscale("log", base=2)
            ax.set_xlim(SWEEP_CONCURRENCY[0] / 1.3, SWEEP_CONCURRENCY[-1] * 1.3)
            ax.xaxis.set_major_locator(FixedLocator([1, 4, 16, 64, 256]))
            ax.xaxis.set_major_formatter(FuncFormatter(_clients))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xlabel("Concurrent clients")
            ax.set_ylabel(label)
        self.ax_ttft.set_yscale("log")
        self.ax_ttft.yaxis.set_minor_locator(NullLocator())
        self.ax_ttft.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        self.tpot_target = self.ax_tpot.axhline(0, color=theme.bad, ls=(0, (5, 3)), lw=1.2, label="latency target")
        self.ttft_target = self.ax_ttft.axhline(1, color=theme.bad, ls=(0, (5, 3)), lw=1.2)
        self.lines: list[tuple[Line2D, Line2D, Line2D]] = []
        self.limits: list[list[Line2D]] = []
        self.bands: list[tuple[FillBetweenPolyCollection, FillBetweenPolyCollection]] = []  # (TPOT, TTFT)
        self.legend: Legend | None = None
        self._make_lines()
        self.title_artist = style_title(figure, theme, self.fonts, self.title)
        self.subtitle = style_subtitle(self.head, theme, self.fonts)
        self.message = Message(self.ax_ttft, theme, self.fonts)
        self.sweeps: list[Sweep] = []
        self.user_picked = False  # options chosen in the options table rather than the cheapest
        self._keys: tuple | None = None
        self._shown = -1  # options in the legend
        # generous shrink bands and room to grow: the options shown change as sliders move, their ranges
        # differ, and an axis that moves costs a full redraw
        self._tpot_lim = StickyLimit(grow=2.0, shrink=0.25)
        self._tput_lim = StickyLimit(grow=2.0, shrink=0.15)
        self._ttft_lim = StickyLogRange(margin=3.0, slack=24.0)

    # ------------------------------------------------------------------ artists

    def _make_lines(self) -> None:
        """Four line slots per panel and their memory-limit verticals, made once and relabelled as options change."""
        colours = series_colours(self.theme)
        for i in range(MAX_SWEEP_OPTIONS):
            style = {"color": colours[i], "ls": LINE_STYLES[i], "marker": MARKERS[i], "markersize": 4, "lw": 1.8}
            self.lines.append(tuple(ax.plot([], [], **style)[0] for ax in self.axes))  # type: ignore[arg-type]
            self.limits.append([ax.axvline(1, color=colours[i], ls=":", lw=1.1, alpha=0.9) for ax in self.axes])
            # under the lines (zorder 1.5 < 2), a faint fill with a thin edge in the option's colour, so
            # overlapping bands stay told apart; made empty here, their vertices reset on every update
            tpot_band, ttft_band = (
                ax.fill_between(
                    [], [], [], fc=to_rgba(colours[i], BAND_ALPHA), ec=to_rgba(colours[i], 0.5), lw=0.6, zorder=1.5
                )
                for ax in (self.ax_tpot, self.ax_ttft)
            )
            self.bands.append((tpot_band, ttft_band))
        self._limit_handle = Line2D([], [], color=self.theme.muted, ls=":", lw=1.1, label="memory limit")
        self._band_handle = Patch(color=self.theme.muted, alpha=0.35, lw=0, label=BAND_LABEL)

    def _show_options(self, sweeps: list[Sweep]) -> None:
        """Label the slots for these options and hide the unused ones. The legend is rebuilt only when the
        number of options changes; other option changes rename its entries in place (a partial redraw)."""
        for i, (trio, group, pair) in enumerate(zip(self.lines, self.limits, self.bands, strict=True)):
            used = i < len(sweeps)
            trio[0].set_label(option_label(sweeps[i]) if used else "_unused")
            for artist in (*trio, *group, *pair):
                artist.set_visible(used)
        if self.legend is not None and len(sweeps) == self._shown:
            for text, w in zip(self.legend.get_texts(), sweeps, strict=False):
                text.set_text(option_label(w))
            return
        self._shown = len(sweeps)
        if self.legend is not None:
            self.legend.remove()
            self.legend = None
        handles: list[Artist] = [t[0] for t in self.lines[: len(sweeps)]]
        if handles:
            handles += [self.tpot_target, self._limit_handle, self._band_handle]
            self.legend = style_legend(
                self.figure.legend(handles=handles, loc="outside lower center", ncols=min(3, len(handles))),
                self.theme,
                self.fonts,
                8.0,
            )
        # with nothing to plot, the message takes the middle panel and the others step aside
        for ax in (self.ax_tpot, self.ax_tput):
            ax.set_visible(bool(sweeps))
        if sweeps:
            self.ax_ttft.set_axis_on()
        else:
            self.ax_ttft.set_axis_off()

    def dynamic_artists(self) -> list[Artist]:
        """What ordinary slider moves change: the option lines, memory limits, targets and the subtitle."""
        out: list[Artist] = [self.tpot_target, self.ttft_target, self.subtitle.artist]
        if self.legend is not None:
            out.append(self.legend)  # its entries are renamed in place when other options take the slots
        for trio in self.lines:
            out.extend(trio)
        for group in self.limits:
            out.extend(group)
        for pair in self.bands:
            out.extend(pair)
        return out

    # ------------------------------------------------------------------ update

    def static_key(self) -> object:
        """The options shown, the three ranges, the message and the texts' layout."""
        return (
            self._shown,
            self.ax_tpot.get_ylim(),
            self.ax_ttft.get_ylim(),
            self.ax_tput.get_ylim(),
            self.message.text,
            self.title_artist.get_text(),
            line_count(self.subtitle.artist),
        )

    def apply(self, data: ChartInput) -> bool:
        """Sweep the representative options (or the ones picked in the Cost table)."""
        est = data.estimate
        s = est.scenario
        picked = list(data.loadtest_options)
        self.user_picked = bool(picked)
        sweeps = concurrency_sweep(s, picked or representative_options(est))
        t = s.traffic
        state = (
            tuple(
                (
                    w.backend,
                    w.instance,
                    w.precision,
                    w.tensor_parallel,
                    w.tpot_ms.tobytes(),
                    w.ttft_s.tobytes(),
                    w.output_tokens_per_s.tobytes(),
                    w.max_concurrency,
                )
                for w in sweeps
            ),
            t.tpot_ms,
            t.ttft_s,
            est.model.model_id,
            self.user_picked,
        )
        if not self.state_changed(state):
            return False
        self.sweeps = sweeps
        name = model_name(est.model.model_id)
        self.title_artist.set_text(f"Load test: latency and throughput vs concurrency — {name}")
        keys = tuple((w.backend, w.instance, w.precision, w.tensor_parallel) for w in sweeps)
        if keys != self._keys:
            self._keys = keys
            self._show_options(sweeps)
        self.tpot_target.set_ydata([t.tpot_ms, t.tpot_ms])
        self.ttft_target.set_ydata([t.ttft_s, t.ttft_s])
        self.tpot_target.set_visible(bool(sweeps))
        self.ttft_target.set_visible(bool(sweeps))
        if not sweeps:
            for ax in self.axes:
                ax.set_ylim(0, 1) if ax is not self.ax_ttft else ax.set_ylim(0.1, 10)
            self._tpot_lim.reset()
            self._tput_lim.reset()
            self._ttft_lim.reset()
            self.subtitle.set("")
            lead = (
                "None of the options selected in the Cost table fits in memory: select others, or clear the "
                "selection to see the cheapest options."
                if self.user_picked
                else "Nothing fits in memory, so there is no load to test."
            )
            self.message.show(
                lead if self.user_picked else nothing_fits_text(est, data.decision, lead), width_share=2.6
            )
            return True
        self.message.hide()
        for trio, group, pair, w in zip(self.lines, self.limits, self.bands, sweeps, strict=False):
            x = w.concurrency.astype(float)
            trio[0].set_data(x, w.tpot_ms)
            trio[1].set_data(x, w.ttft_s)
            pair[0].set_verts([band_polygon(x, w.tpot_ms_low, w.tpot_ms_high)])
            pair[1].set_verts([band_polygon(x, w.ttft_s_low, w.ttft_s_high)])
            trio[2].set_data(x, w.output_tokens_per_s)
            inside = 1 <= w.max_concurrency <= SWEEP_CONCURRENCY[-1]
            for line in group:
                line.set_xdata([w.max_concurrency, w.max_concurrency])
                line.set_visible(inside)
        tpot_top = max(float(np.max(w.tpot_ms)) for w in sweeps)
        self.ax_tpot.set_ylim(0, self._tpot_lim.fit(max(tpot_top, t.tpot_ms) * 1.08))
        tput_top = max(float(np.max(w.output_tokens_per_s)) for w in sweeps)
        self.ax_tput.set_ylim(0, self._tput_lim.fit(tput_top * 1.08))
        lo = min(min(float(np.min(w.ttft_s)) for w in sweeps), t.ttft_s)
        hi = max(max(float(np.max(w.ttft_s)) for w in sweeps), t.ttft_s)
        self.ax_ttft.set_ylim(*self._ttft_lim.fit(lo, hi))
        which = "Selected options" if self.user_picked else "Cheapest options"
        self.subtitle.set(
            f"{which}; " + self._summary(sweeps, t.tpot_ms, t.ttft_s, est.traffic.mean_input, est.traffic.mean_output)
        )
        return True

    @staticmethod
    def _summary(sweeps: list[Sweep], tpot_ms: float, ttft_s: float, mean_in: float, mean_out: float) -> str:
        w = sweeps[0]
        up_to = meets_targets_up_to(w, tpot_ms, ttft_s)
        meets = (
            f"meets TPOT ≤ {tpot_ms:g} ms and TTFT ≤ {ttft_s:g} s up to {up_to} clients"
            if up_to
            else "misses the latency targets even with one client"
        )
        return (
            f"closed loop of N clients, {mean_in:,.0f} tokens in / {mean_out:,.0f} out. {option_label(w)} "
            f"{meets}; memory holds {w.max_concurrency:,} requests (dotted line), beyond that they wait for a "
            f"slot."
        )
