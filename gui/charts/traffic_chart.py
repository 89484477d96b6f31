"""Input and output length distributions, with the bounds a compiled backend is built for.

Shows what "even" and "uneven" traffic mean in tokens, and how many requests a compiled engine
would turn away. Step patches and lines are made once; ``update`` resets their data. Axis limits
are sticky (the bins span the sticky x range), so a slider move usually changes only the steps,
lines and texts: a partial redraw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from lmi_explorer.gui.charts.base import BaseChart
from lmi_explorer.gui.charts.common import (
    Fonts,
    StickyLimit,
    line_count,
    prepare_figure,
    style_axes,
    style_legend,
    style_title,
)
from lmi_explorer.models.units import percent

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import StepPatch
    from matplotlib.text import Annotation, Text

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme
    from lmi_explorer.models.traffic import LengthDistribution

BINS = 40
TAIL = 0.999  # the x axis reaches this percentile (or the bound, if larger)
HEADROOM = 1.45  # y axis above the tallest bin, so the labels at the top never sit on the bars


def length_top(dists: list[LengthDistribution], bounds: list[float]) -> float:
    """Tokens the x axis must reach: the larger of the 99.9th percentile and the bound, with a little room."""
    return max(max(d.quantile(TAIL) for d in dists), *bounds, 1.0) * 1.05


def length_edges(dists: list[LengthDistribution], bounds: list[float]) -> np.ndarray:
    """Bin edges from 0 to :func:`length_top`."""
    return np.linspace(0.0, length_top(dists, bounds), BINS + 1)


def token_locator() -> MaxNLocator:
    """Round token ticks (0, 1,000, 2,000 … or 0, 2.5k, 5k …), at most six: the chart's and the panel histogram's."""
    return MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])


def tokens_tick(value: float, _pos: object = None) -> str:
    return f"{value / 1000:g}k" if value >= 10_000 else f"{value:,.0f}"


class _Panel:
    """One distribution (or two, overlaid) on an axes: step patches, bound and mean lines, bound label."""

    def __init__(
        self,
        ax: Axes,
        theme: ChartTheme,
        fonts: Fonts,
        colours: list[str],
        names: list[str],
        *,
        label_size: float,
        fill_alpha: float,
    ) -> None:
        self.ax = ax
        self._xlim = StickyLimit(grow=1.25)
        self._ylim = StickyLimit(grow=1.2)
        edges = np.linspace(0, 1, BINS + 1)
        self.steps: list[StepPatch] = []
        self.bound_lines: list[Line2D] = []
        self.mean_lines: list[Line2D] = []
        for k, (colour, name) in enumerate(zip(colours, names, strict=True)):
            # overlaid: the second distribution is an outline, so both stay visible where they coincide
            filled = k == 0
            step = ax.stairs(
                np.zeros(BINS),
                edges,
                fill=filled,
                color=colour,
                alpha=fill_alpha if filled else 1.0,
                linewidth=0 if filled else 1.3,
                label=name,
                zorder=2 if filled else 3,
            )
            self.steps.append(step)
            self.bound_lines.append(ax.axvline(0, color=colour, linestyle="--", linewidth=1.4, zorder=4))
            self.mean_lines.append(ax.axvline(0, color=colour, linestyle=":", linewidth=1.4, zorder=4))
        self.bound_labels: list[Annotation] = []
        for colour in colours:
            ann = ax.annotate(
                "",
                (0, 0.97),
                xycoords=ax.get_xaxis_transform(),
                xytext=(3, 0),
                textcoords="offset points",
                va="top",
                ha="left",
                color=theme.foreground,
                zorder=6,
                annotation_clip=False,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": theme.background, "edgecolor": colour, "lw": 0.6},
            )
            fonts.text(ann, label_size)
            self.bound_labels.append(ann)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v * 100:.3g} %"))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))
        ax.xaxis.set_major_formatter(FuncFormatter(tokens_tick))
        ax.xaxis.set_major_locator(token_locator())
        ax.set_ylim(0, 1)

    def set(self, dists: list[LengthDistribution], means: list[float], bounds: list[float], labels: list[str]) -> None:
        """Bins over the (sticky) x range, their shares, and the bound and mean lines."""
        edges = np.linspace(0.0, self._xlim.fit(length_top(dists, bounds)), BINS + 1)
        top = 0.0
        for step, dist in zip(self.steps, dists, strict=True):
            share = dist.density(edges)
            step.set_data(share, edges)
            top = max(top, float(share.max()) if len(share) else 0.0)
        self.ax.set_xlim(0, edges[-1])
        need = max(top, 1e-6) * HEADROOM
        self.ax.set_ylim(0, self._ylim.fit(need))
        for line, x in zip(self.bound_lines, bounds, strict=True):
            line.set_xdata([x, x])
        for line, x in zip(self.mean_lines, means, strict=True):
            line.set_xdata([x, x])
        # labels right of their line, or left of it near the right edge; stacked when there are two
        for k, (ann, x, text) in enumerate(zip(self.bound_labels, bounds, labels, strict=True)):
            right_side = x > 0.62 * edges[-1]
            ann.xy = (x, 0.97 - 0.16 * k)
            ann.xyann = (-3 if right_side else 3, 0)
            ann.set_horizontalalignment("right" if right_side else "left")
            ann.set_text(text)


class TrafficChart(BaseChart):
    """Length histograms of input and output tokens with the compiled backends' bounds.

    ``panels`` holds the step patches and lines per axes. The small preview beside the traffic
    sliders is a native widget with the same bins (``gui/widgets/length_histogram.py``).
    """

    title: str = "Request lengths"

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        super().__init__()
        self.figure = figure
        self.theme = theme
        colours = [theme.memory_colours["weights"], theme.memory_colours["kv"]]
        prepare_figure(figure, theme)
        self.fonts = Fonts(figure, theme)
        self.axes = list(figure.subplots(1, 2, sharey=False))
        self.panels = []
        self._ax_titles: list[Text] = []
        for ax, colour, name in zip(self.axes, colours, ["input", "output"], strict=True):
            style_axes(ax, theme, self.fonts)
            ax.set_xlabel("Tokens per request")
            self._ax_titles.append(self.fonts.text(ax.set_title("", loc="left", color=theme.foreground), 9.0))
            self.panels.append(_Panel(ax, theme, self.fonts, [colour], [name], label_size=7.5, fill_alpha=0.55))
        self.axes[0].set_ylabel("Share of requests")
        handles = [
            Patch(facecolor=colours[0], alpha=0.7, label="input tokens"),
            Patch(facecolor=colours[1], alpha=0.7, label="output tokens"),
            Line2D([], [], color=theme.foreground, ls=":", lw=1.4, label="mean"),
            Line2D([], [], color=theme.foreground, ls="--", lw=1.4, label="compiled backends' bound"),
        ]
        legend = figure.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
        self.legend = style_legend(legend, theme, self.fonts)
        self.title_artist = style_title(figure, theme, self.fonts, self.title)

    def dynamic_artists(self) -> list[Artist]:
        """What ordinary slider moves change: the steps, bound and mean lines, their labels, the titles.

        The axes too: a length slider moves the (sticky) token range several times per drag, and the
        bins, so the shares' range, follow it.
        """
        out: list[Artist] = []
        for panel in self.panels:
            out += [*panel.steps, *panel.bound_lines, *panel.mean_lines, *panel.bound_labels]
        out += [*self._ax_titles, self.title_artist]
        out += [axis for ax in self.axes for axis in (ax.xaxis, ax.yaxis)]
        return out

    def static_key(self) -> object:
        """The line count of each title."""
        return tuple(line_count(t) for t in [*self._ax_titles, self.title_artist])

    def apply(self, data: ChartInput) -> bool:
        """Redraw the distributions and bounds for the scenario's traffic."""
        est = data.estimate
        ts = est.traffic
        pct = f"p{est.scenario.deployment.bound_percentile * 100:g}"
        state = (ts.shape, ts.bound_input, ts.bound_output, ts.share_beyond, pct, est.model.model_id)
        if not self.state_changed(state):
            return False
        shape = ts.shape
        for title, panel, dist, mean, bound, name in zip(
            self._ax_titles,
            self.panels,
            [shape.input, shape.output],
            [ts.mean_input, ts.mean_output],
            [ts.bound_input, ts.bound_output],
            ["Input", "Output"],
            strict=True,
        ):
            panel.set([dist], [mean], [bound], [f"{pct} bound {bound:,.0f} tokens"])
            title.set_text(f"{name}: mean {mean:,.0f} tokens, spread {dist.cv:.2f}")
        share = percent(ts.share_beyond, 1)
        self.title_artist.set_text(f"{self.title} — {share} of requests exceed the compiled bounds")
        return True
