"""Helpers every chart shares: theming, font sizes that follow the figure, money ticks, messages.

Kept free of Qt so charts render the same on the live canvas, in exports and in tests.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Hashable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
from matplotlib.colors import to_hex, to_rgb
from matplotlib.ticker import FuncFormatter, NullLocator

from lmi_explorer.models.reference.backends import load_backends

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    from lmi_explorer.gui.charts.theme import ChartTheme
    from lmi_explorer.models.decision import Decision
    from lmi_explorer.models.estimate import Estimate

#: Figure size (inches) at which the base font sizes were laid out.
REFERENCE_SIZE = (8.0, 4.5)
#: Most instance types a bar chart shows; more would make the labels unreadable at 800 px.
MAX_CATEGORIES = 10
#: Average glyph width as a share of the font size, for wrapping text before it is drawn.
GLYPH_WIDTH = 0.56


class Fonts:
    """Font sizes from the theme, shrunk on figures smaller than the layout's reference size.

    Text is sized in points while a figure is sized by the window, so on a small canvas (or with
    the presentation theme's large fonts on an 800 px canvas) text would outgrow the plot. The
    scale is min(theme scale, figure size / reference size), re-applied when the canvas resizes.
    """

    def __init__(
        self, figure: Figure, theme: ChartTheme, reference: tuple[float, float] = REFERENCE_SIZE, minimum: float = 0.8
    ) -> None:
        self._figure = figure
        self._theme = theme
        self._reference = reference
        self._minimum = minimum
        self._appliers: dict[Hashable, Callable[[float], None]] = {}
        self._resize_hooks: dict[Hashable, Callable[[], None]] = {}
        self._size = tuple(figure.get_size_inches())
        self.scale = self._compute()
        # a bound method is held weakly by matplotlib: a chart rebuilt on the same figure (new theme)
        # drops its old handler with the old chart instead of leaking it
        figure.canvas.mpl_connect("resize_event", self._on_resize)

    def _on_resize(self, _event: object) -> None:
        self.refresh()

    def _compute(self) -> float:
        w, h = self._figure.get_size_inches()
        fit = min(w / self._reference[0], h / self._reference[1])
        return max(min(self._theme.font_scale, fit), min(self._minimum, self._theme.font_scale))

    def size(self, base: float) -> float:
        """Points for a base size (laid out at scale 1)."""
        return base * self.scale

    def on_change(self, key: Hashable, apply: Callable[[float], None]) -> None:
        """Run ``apply(scale)`` now and whenever the scale changes; a new call with the same key replaces it."""
        self._appliers[key] = apply
        apply(self.scale)

    def text(self, artist: Text, base: float) -> Text:
        """Keep one text at ``base`` points times the scale (and plain: '$5,706 … $9,575' is not maths)."""
        artist.set_parse_math(False)
        self.on_change(("text", id(artist)), lambda s: artist.set_fontsize(base * s))
        return artist

    def on_resize(self, key: Hashable, hook: Callable[[], None]) -> None:
        """Run ``hook()`` whenever the figure size changes (to re-wrap text to the new width)."""
        self._resize_hooks[key] = hook

    def refresh(self) -> bool:
        """Re-apply sizes and wrapping if the figure size changed; True if it did."""
        size = tuple(self._figure.get_size_inches())
        if size == self._size:
            return False
        self._size = size
        scale = self._compute()
        if not math.isclose(scale, self.scale, rel_tol=1e-3):
            self.scale = scale
            for apply in list(self._appliers.values()):
                apply(scale)
        for hook in list(self._resize_hooks.values()):
            hook()
        return True

    def chars(self, width_inches: float, base: float) -> int:
        """How many characters of a ``base`` point font fit in a width, for wrapping."""
        return max(8, int(width_inches * 72 / (self.size(base) * GLYPH_WIDTH)))


#: Mantissas of "nice" axis limits: consecutive ones differ by at most a third.
NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceil(value: float) -> float:
    """Smallest nice number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k) at or above ``value`` > 0."""
    if not (value > 0 and math.isfinite(value)):
        return 1.0
    exp = math.floor(math.log10(value))
    for _ in range(2):  # at most one retry when floating point puts value just past 10^exp × 10
        base = 10.0**exp
        for m in NICE:
            if m * base >= value * (1 - 1e-12):
                return m * base
        exp += 1
    return 10.0 ** (exp + 1)


def nice_floor(value: float) -> float:
    """Largest nice number at or below ``value`` > 0."""
    if not (value > 0 and math.isfinite(value)):
        return 1.0
    exp = math.floor(math.log10(value))
    for _ in range(2):
        base = 10.0**exp
        for m in reversed(NICE):
            if m * base <= value * (1 + 1e-12):
                return m * base
        exp -= 1
    return 10.0 ** (exp - 1)


class StickyLimit:
    """An upper axis limit that moves only when it must, so ordinary slider moves keep the ticks.

    ``fit(need)`` returns the limit for data that need ``need`` (the data's top plus whatever
    headroom the chart wants for its labels). The limit stays while ``shrink × limit ≤ need ≤ limit``;
    outside that band it moves to the nice number at or above ``need × grow``, which leaves room to
    grow before the next move. ``grow × 4/3`` (the widest gap between nice numbers) must stay below
    ``1 / shrink``, or a fresh limit could already be too loose for the data that set it.
    """

    def __init__(self, grow: float = 1.35, shrink: float = 0.4) -> None:
        if grow * 4 / 3 >= 1 / shrink:
            raise ValueError(f"grow {grow} is too large for shrink {shrink}: the limit would never settle")
        self.grow = grow
        self.shrink = shrink
        self.value: float | None = None

    def fit(self, need: float) -> float:
        if not (need > 0 and math.isfinite(need)):
            return self.value if self.value is not None else 1.0
        if self.value is None or need > self.value or need < self.shrink * self.value:
            self.value = nice_ceil(need * self.grow)
        return self.value

    def reset(self) -> None:
        self.value = None


class StickyLogRange:
    """A (low, high) range for a log axis that moves only when the data leave it or use little of it.

    Each end is checked on its own: it moves when the data pass it, or when more than ``slack``
    times the needed room lies unused beyond the data; a moved end gets ``margin`` times the needed
    room (rounded to a nice number) so the next small change keeps it.
    """

    def __init__(self, margin: float = 1.6, slack: float = 4.0) -> None:
        if margin * 4 / 3 >= slack:
            raise ValueError(f"margin {margin} is too large for slack {slack}: the range would never settle")
        self.margin = margin
        self.slack = slack
        self.value: tuple[float, float] | None = None

    def fit(self, low: float, high: float) -> tuple[float, float]:
        """The range for data that need at least ``low`` … ``high`` (both > 0, low ≤ high)."""
        if not (0 < low <= high and math.isfinite(high)):
            return self.value if self.value is not None else (low, high)
        lo, hi = self.value if self.value is not None else (math.inf, 0.0)
        if not (lo <= low < lo * self.slack):
            lo = nice_floor(low / self.margin)
        if not (hi / self.slack < high <= hi):
            hi = nice_ceil(high * self.margin)
        self.value = (lo, hi)
        return self.value

    def reset(self) -> None:
        self.value = None


def line_count(artist: Text) -> int:
    """Lines of a text as drawn (0 when empty or hidden): a change can move the layout."""
    text = artist.get_text()
    return text.count("\n") + 1 if text and artist.get_visible() else 0


def prepare_figure(figure: Figure, theme: ChartTheme, *, constrained: bool = True) -> None:
    """Theme background and, once, the layout engine (constrained layout makes room for every label)."""
    figure.set_facecolor(theme.background)
    if constrained:
        figure.set_layout_engine("constrained", w_pad=0.06, h_pad=0.06, wspace=0.04, hspace=0.04)


def style_axes(
    ax: Axes, theme: ChartTheme, fonts: Fonts, *, grid: Literal["both", "x", "y"] | None = "y", tick: float = 8.5
) -> None:
    """Colours, spines, grid and tick sizes from the theme."""
    ax.set_facecolor(theme.background)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(theme.muted)
    ax.tick_params(colors=theme.muted, labelcolor=theme.foreground)
    ax.xaxis.label.set_color(theme.foreground)
    ax.yaxis.label.set_color(theme.foreground)
    ax.title.set_color(theme.foreground)
    if grid:
        ax.grid(True, axis=grid, color=theme.grid, linewidth=0.6)
        ax.set_axisbelow(True)
    fonts.on_change(("ticks", id(ax)), lambda s: ax.tick_params(labelsize=tick * s))
    fonts.text(ax.xaxis.label, 9.5)
    fonts.text(ax.yaxis.label, 9.5)


#: one colour per line or group (Okabe–Ito, colour-blind safe), with brighter variants on dark
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
SERIES_COLOURS_DARK = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#F0E442")


def series_colours(theme: ChartTheme) -> tuple[str, ...]:
    return SERIES_COLOURS_DARK if theme.name == "dark" else SERIES_COLOURS


def panels_under_a_head(figure: Figure, panels: int) -> tuple[Axes, list[Axes]]:
    """A thin, blank row on top (its left title carries a subtitle across all panels) and ``panels`` axes
    side by side below it. Not shared axes: clearing a figure with shared log axes resets them to a
    linear 0-1 range first."""
    grid = figure.add_gridspec(2, panels, height_ratios=(0.001, 1.0))
    head = figure.add_subplot(grid[0, :])
    blank_axes(head)
    return head, [figure.add_subplot(grid[1, k]) for k in range(panels)]


def blank_axes(ax: Axes) -> None:
    """An axes drawn without axis lines or ticks. No tick locators either: the layout engine would
    otherwise build (and measure) a set of ticks nobody sees on every first draw."""
    ax.set_axis_off()
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(NullLocator())
        axis.set_minor_locator(NullLocator())


def style_title(figure: Figure, theme: ChartTheme, fonts: Fonts, text: str = "") -> Text:
    """The chart title, as the figure's suptitle so constrained layout keeps room for it."""
    title = figure.suptitle(text, color=theme.foreground, fontweight="bold", x=0.01, ha="left")
    return fonts.text(title, 11.5)


def _figure_width(artist: Artist) -> float:
    """Width in inches of the figure an artist is on (the charts draw on a whole Figure, never a SubFigure)."""
    return float(cast("Figure", artist.figure).get_size_inches()[0])


class Wrapped:
    """A text kept within the figure width: wrapped to at most ``max_lines`` lines, re-wrapped on resize."""

    def __init__(self, artist: Text, fonts: Fonts, base: float, *, max_lines: int = 2, width_share: float = 0.96):
        self.artist = artist
        self._fonts = fonts
        self._base = base
        self._max_lines = max_lines
        self._share = width_share
        self.text = ""
        fonts.text(artist, base)
        fonts.on_resize(("wrapped", id(self)), self._wrap)

    def set(self, text: str) -> None:
        self.text = text
        self._wrap()

    def _wrap(self) -> None:
        width = self._fonts.chars(_figure_width(self.artist) * self._share, self._base)
        lines = wrap(self.text, width).split("\n") if self.text else []
        if len(lines) > self._max_lines:
            lines = [*lines[: self._max_lines - 1], one_line(" ".join(lines[self._max_lines - 1 :]), width)]
        self.artist.set_text("\n".join(lines))


def style_subtitle(ax: Axes, theme: ChartTheme, fonts: Fonts) -> Wrapped:
    """A muted context line (at most two) under the title: the axes' left title."""
    return Wrapped(ax.set_title("", loc="left", color=theme.muted), fonts, 8.5)


def style_legend(legend: Legend, theme: ChartTheme, fonts: Fonts, base: float = 8.0) -> Legend:
    """Legend frame and text colours from the theme."""
    frame = legend.get_frame()
    frame.set_facecolor(theme.background)
    frame.set_edgecolor(theme.grid)
    frame.set_alpha(0.95)

    def apply(s: float) -> None:
        for t in legend.get_texts():
            t.set_color(theme.foreground)
            t.set_fontsize(base * s)

    fonts.on_change(("legend", id(legend.axes) if legend.axes else id(legend.figure)), apply)
    return legend


class Message:
    """A sentence in the axes, for situations where there is nothing (or nothing useful) to plot."""

    def __init__(self, ax: Axes, theme: ChartTheme, fonts: Fonts, base: float = 10.0) -> None:
        self._ax = ax
        self._fonts = fonts
        self._base = base
        self._text = ""
        self._width_share = 0.8
        self.artist = ax.text(
            0.5,
            0.5,
            "",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=theme.foreground,
            linespacing=1.4,
            visible=False,
            zorder=10,
            in_layout=False,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": theme.background, "edgecolor": theme.warn},
        )
        fonts.text(self.artist, base)
        fonts.on_resize(("message", id(self)), self._wrap)

    @property
    def visible(self) -> bool:
        return self.artist.get_visible()

    @property
    def text(self) -> str:
        """The message as given (before wrapping); empty when hidden."""
        return self._text if self.visible else ""

    def show(self, text: str, width_share: float = 0.8, y: float = 0.5) -> None:
        self._text, self._width_share = text, width_share
        self.artist.set_y(y)
        self._wrap()
        self.artist.set_visible(True)

    def _wrap(self) -> None:
        w_in = _figure_width(self._ax) * self._ax.get_position().width * self._width_share
        self.artist.set_text(wrap(self._text, self._fonts.chars(w_in, self._base)))

    def hide(self) -> None:
        self.artist.set_visible(False)


def wrap(text: str, width: int) -> str:
    """Wrap each paragraph of ``text`` to ``width`` characters, keeping explicit line breaks."""
    return "\n".join(textwrap.fill(part, width, break_on_hyphens=False) or "" for part in text.split("\n"))


def one_line(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: max(width - 1, 1)].rstrip(" ,") + "…"


def usd_short(value: float, _pos: object = None) -> str:
    """'$12k' style tick labels: money axes read at a glance."""
    if not math.isfinite(value):
        return ""
    a = abs(value)
    if a >= 1e6:
        return f"${value / 1e6:.3g}M"
    if a >= 1e3:
        return f"${value / 1e3:.3g}k"
    return f"${value:.0f}"


USD_TICKS = FuncFormatter(usd_short)


@lru_cache(maxsize=32)
def precision_label(precision: str) -> str:
    """'bf16/fp16', 'AWQ int4', … as people read them."""
    p = load_backends().precisions.get(precision)
    return p.label if p is not None else precision


def mix(colour: str, other: str, share: float) -> str:
    """``share`` of ``colour`` over ``other`` (tints that work on light and dark backgrounds)."""
    (r, g, b), (r2, g2, b2) = to_rgb(colour), to_rgb(other)
    return to_hex((share * r + (1 - share) * r2, share * g + (1 - share) * g2, share * b + (1 - share) * b2))


def instance_label(instance: str) -> str:
    """'g4dn.12xlarge' -> 'g4dn.\\n12xlarge': two short lines fit ten bars at 800 px."""
    family, _, size = instance.partition(".")
    return f"{family}.\n{size}" if size else family


def instance_order(columns: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Instance types that fit something, cheapest best option first (unpriced last), and those that fit nothing.

    ``columns``: the estimate's columns or its options frame. Numpy rather than a pandas groupby: this runs
    on every slider move.
    """
    inst = np.asarray(columns["instance"], dtype=object)
    if len(inst) == 0:
        return [], []
    fits = np.asarray(columns["fits"], dtype=bool)
    monthly = np.nan_to_num(np.asarray(columns["monthly_usd"], dtype=float), nan=math.inf)
    idx = np.nonzero(fits)[0]
    order = idx[np.lexsort((inst[idx].astype(str), monthly[idx]))]
    fitting = list(dict.fromkeys(inst[order].tolist()))
    seen = set(fitting)
    nothing = [i for i in dict.fromkeys(inst.tolist()) if i not in seen]
    return fitting, nothing


def model_name(estimate_name: str) -> str:
    """Last part of a model id ('meta-llama/Llama-2-13b-hf' -> 'Llama-2-13b-hf')."""
    return estimate_name.rsplit("/", 1)[-1]


def first_reasons(columns: Mapping[str, Any], n: int = 1) -> list[str]:
    """Distinct reasons of the options that came closest to fitting (smallest weights per device share).

    ``columns``: the estimate's columns or its options frame (anything indexed by column name).
    """
    fits = np.asarray(columns["fits"], dtype=bool)
    reason = np.asarray(columns["reason"], dtype=object).astype(str)
    failed = np.flatnonzero(~fits & (reason != ""))
    with np.errstate(divide="ignore", invalid="ignore"):
        closeness = (
            np.asarray(columns["weights_gib_per_device"], dtype=float)[failed]
            / np.asarray(columns["device_gib"], dtype=float)[failed]
        )
    out: list[str] = []
    for r in reason[failed[np.argsort(closeness, kind="stable")]]:  # NaN sorts last
        if r not in out:
            out.append(r)
            if len(out) == n:
                break
    return out


def nothing_fits_text(est: Estimate, dec: Decision | None, lead: str = "Nothing fits.") -> str:
    """The 'nothing fits' message: the closest miss and what would make it fit, in words."""
    parts = [lead, *first_reasons(est.columns)]
    if dec is not None:
        hint = next((s.reason for s in dec.steps if s.to == "nothing_fits"), "")
        hint = hint.removeprefix("No option fits or meets the targets.").strip()
        if hint:
            parts.append(hint)
    return "\n".join(parts)
