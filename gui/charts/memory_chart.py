"""Memory per device for one option per instance type: weights, KV cache in use, reserve, free.

Shows why an option fits or not. Ten fixed bar slots with four stacked parts each are made
once; ``update`` moves and resizes them. The y limit is sticky, so a slider move that keeps the
options shown redraws only the stacks, capacity lines, labels and subtitle (a partial redraw).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedFormatter, FixedLocator, MaxNLocator, NullLocator

from lmi_explorer.gui.charts.base import BaseChart
from lmi_explorer.gui.charts.common import (
    MAX_CATEGORIES,
    Fonts,
    Message,
    StickyLimit,
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

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme
    from lmi_explorer.models.decision import Recommendation
    from lmi_explorer.models.estimate import Estimate

PARTS = ("weights", "kv", "reserve", "free")
PART_LABELS = {"weights": "weights", "kv": "KV cache in use", "reserve": "runtime reserve", "free": "free"}
BAR_WIDTH = 0.62
OVERFLOW = 2.0  # weights beyond this many times the largest device are cut, with the true size written on


MEMORY_COLUMNS = [
    "instance",
    "backend",
    "precision",
    "tensor_parallel",
    "fits",
    "monthly_usd",
    "compiled",
    "device_gib",
    "weights_gib_per_device",
    "reserve_gib_per_device",
    "usable_kv_gib_per_device",
    "kv_gib_per_request_device",
    "operating_concurrency",
]


def memory_table(est: Estimate, rec: Recommendation | None) -> pd.DataFrame:
    """One option per instance type (at most ten) with its memory parts per device in GiB.

    Per instance type: the recommended backend and precision if it runs there, else the cheapest
    feasible option, else a fitting one without a price, else the non-fitting one with the smallest
    weights per device. Instance types that fit come first (cheapest first), then the closest misses.
    Columns: those of MEMORY_COLUMNS plus ``kv`` (KV cache in use) and ``free``. Numpy inside, as
    this runs on every slider move.
    """
    a = {c: est.columns[c] for c in MEMORY_COLUMNS}  # not the options frame: built only for the table
    weights = a["weights_gib_per_device"].astype(float)
    monthly = a["monthly_usd"].astype(float)
    fits = a["fits"].astype(bool)
    valid = np.isfinite(weights)
    feasible = fits & np.isfinite(monthly)
    is_rec = (a["backend"] == (rec.backend if rec else None)) & (a["precision"] == (rec.precision if rec else None))
    rank = np.select([feasible & is_rec, feasible, fits], [0, 1, 2], 3)
    idx = np.nonzero(valid)[0]
    keys = (a["tensor_parallel"][idx], weights[idx], np.nan_to_num(monthly[idx], nan=math.inf), rank[idx])
    order = idx[np.lexsort(keys)]
    first: dict[str, int] = {}
    for k, name in zip(order.tolist(), a["instance"][order].tolist(), strict=True):
        first.setdefault(name, k)
    fitting, _ = instance_order(est.columns)
    chosen = [first[i] for i in fitting if i in first]
    misses = sorted(
        (k for name, k in first.items() if not fits[k]), key=lambda k: weights[k] / float(a["device_gib"][k])
    )
    rows = np.array((chosen + misses)[:MAX_CATEGORIES], dtype=np.int64)
    t = {c: a[c][rows] for c in MEMORY_COLUMNS}
    with np.errstate(invalid="ignore"):  # what one request holds per device follows the layer kinds (estimate)
        kv = t["operating_concurrency"] * t["kv_gib_per_request_device"].astype(float)
    usable = np.nan_to_num(t["usable_kv_gib_per_device"].astype(float))
    kv = np.where(t["fits"].astype(bool), np.minimum(np.nan_to_num(kv), usable), 0.0)
    used = t["weights_gib_per_device"].astype(float) + kv + t["reserve_gib_per_device"].astype(float)
    t["kv"] = kv
    t["free"] = np.maximum(t["device_gib"].astype(float) - used, 0.0)
    return pd.DataFrame(t)


class MemoryChart(BaseChart):
    """Stacked bars of memory per device (GiB) for one option per instance type.

    ``categories`` are the instance types shown; ``parts[name][slot]`` are the stacked rectangles
    (``name`` in weights, kv, reserve, free); ``device_lines`` marks each device's capacity.
    """

    title: str = "Memory per device"

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        super().__init__()
        self.figure = figure
        self.theme = theme
        prepare_figure(figure, theme)
        self.fonts = Fonts(figure, theme)
        self.ax = ax = figure.add_subplot()
        style_axes(ax, theme, self.fonts, tick=8.0)
        ax.set_ylabel("Memory per device (GiB)")
        ax.set_xlabel("Instance type, tensor-parallel degree and precision")
        self.title_artist = style_title(figure, theme, self.fonts, self.title)
        self.subtitle = style_subtitle(ax, theme, self.fonts)
        self.message = Message(ax, theme, self.fonts)
        slots = np.arange(MAX_CATEGORIES, dtype=float)
        self.parts: dict[str, list[Rectangle]] = {}
        for part in PARTS:
            colour = theme.memory_colours[part]
            bars = ax.bar(
                slots,
                np.zeros(MAX_CATEGORIES),
                BAR_WIDTH,
                color=colour,
                linewidth=0.4,
                zorder=2,
                edgecolor=theme.background,
            )
            self.parts[part] = list(bars.patches)
            for r in bars.patches:
                r.set_visible(False)
        self.device_lines = LineCollection([], colors=theme.foreground, linewidths=1.8, zorder=4)
        ax.add_collection(self.device_lines)
        self.fit_labels = [
            ax.text(
                0,
                0,
                "",
                ha="center",
                va="bottom",
                color=theme.bad,
                fontweight="bold",
                visible=False,
                zorder=6,
                in_layout=False,
                linespacing=1.0,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": theme.background, "edgecolor": "none", "alpha": 0.85},
            )
            for _ in range(MAX_CATEGORIES)
        ]
        for label in self.fit_labels:
            self.fonts.text(label, 6.5)
        handles: list[Artist] = [Patch(facecolor=theme.memory_colours[p], label=PART_LABELS[p]) for p in PARTS]
        handles += [
            Line2D([], [], color=theme.foreground, lw=1.8, label="device memory"),
            Patch(facecolor=theme.bad, hatch="///", edgecolor=theme.background, label="weights: does not fit"),
        ]
        legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        self.legend = style_legend(legend, theme, self.fonts)
        self.categories: list[str] = []
        self._labels: tuple[str, ...] | None = None
        # stacks usually end at the device capacity, which slider moves do not change: no extra room
        self._ylim = StickyLimit(grow=1.0)
        self._y_locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])

    def dynamic_artists(self) -> list[Artist]:
        """What ordinary slider moves change: the stacked parts, capacity lines, miss labels, subtitle, message,
        and the option axis (cheapest first: a rate step often swaps two neighbours)."""
        rects = [r for part in PARTS for r in self.parts[part]]
        return [*rects, self.device_lines, *self.fit_labels, self.subtitle.artist, self.message.artist, self.ax.xaxis]

    def static_key(self) -> object:
        """The number of options shown, the label lines, the y limit, the title and the subtitle's lines."""
        labels = self._labels or ()
        lines = max((x.count("\n") + 1 for x in labels), default=0)
        return (
            len(self.categories),
            lines,
            self.ax.get_ylim(),
            self.title_artist.get_text(),
            line_count(self.subtitle.artist),
        )

    def apply(self, data: ChartInput) -> bool:
        """Restack the bars for the estimate (the stacks, their labels and the order of the options)."""
        est = data.estimate
        t = memory_table(est, data.decision.recommendation)
        cols = ["weights_gib_per_device", "kv", "reserve_gib_per_device", "free", "device_gib", "fits"]
        state = (
            tuple(t["instance"]),
            t[cols].to_numpy(dtype=float).tobytes(),
            tuple(t["tensor_parallel"]),
            tuple(t["precision"]),
            est.model.model_id,
            data.decision.recommendation.instance,
        )
        if not self.state_changed(state):
            return False
        self.categories = t["instance"].tolist()
        self.title_artist.set_text(f"{self.title} — {model_name(est.model.model_id)}")
        n = len(t)
        if n == 0:
            for rects in self.parts.values():
                for r in rects:
                    r.set_visible(False)
            self.device_lines.set_segments([])
            for label in self.fit_labels:
                label.set_visible(False)
            self._set_ticks([])
            self.ax.yaxis.set_major_locator(NullLocator())
            self.ax.set_xlim(-0.6, 0.6)
            self.subtitle.set("")
            self.message.show(nothing_fits_text(est, data.decision, "No option to show for these choices."))
            return True
        if self.ax.yaxis.get_major_locator() is not self._y_locator:
            self.ax.yaxis.set_major_locator(self._y_locator)
        dev = t["device_gib"].to_numpy(dtype=float)
        w = t["weights_gib_per_device"].to_numpy(dtype=float)
        kv = t["kv"].to_numpy(dtype=float)
        res = np.where(w <= dev, t["reserve_gib_per_device"].to_numpy(dtype=float), 0.0)
        free = t["free"].to_numpy(dtype=float)
        fits = t["fits"].to_numpy(dtype=bool)
        cap = OVERFLOW * float(dev.max())
        heights = {"weights": np.minimum(w, cap), "kv": kv, "reserve": res, "free": np.where(w <= dev, free, 0.0)}
        bottom = np.zeros(n)
        for part in PARTS:
            for i, r in enumerate(self.parts[part]):
                show = i < n and heights[part][i] > 0
                r.set_visible(show)
                if i < n:
                    r.set_y(bottom[i])
                    r.set_height(heights[part][i])
            bottom = bottom + heights[part]
        over = w > dev
        for i, r in enumerate(self.parts["weights"][:n]):
            r.set_facecolor(self.theme.bad if over[i] else self.theme.memory_colours["weights"])
            r.set_hatch("///" if over[i] else None)  # type: ignore[arg-type]  # None: no hatch (the stubs say str)
        self.device_lines.set_segments([[(i - 0.45, d), (i + 0.45, d)] for i, d in enumerate(dev)])
        top = float(max(dev.max(), bottom.max()))
        nothing = not fits.any()
        # room above the bars for the 'does not fit' labels, or for the message when nothing fits
        self.ax.set_ylim(0, self._ylim.fit(top * (1.9 if nothing else 1.18)))
        self._label_misses(w, dev, fits, bottom, cap)
        self.ax.set_xlim(-0.6, max(n, 4) - 0.4)
        self._set_ticks(
            [
                f"{instance_label(i)}\nTP {tp}\n{_short(precision_label(p))}"
                for i, tp, p in zip(t["instance"], t["tensor_parallel"], t["precision"], strict=True)
            ]
        )
        ts = est.traffic
        self.subtitle.set(
            # two sentences, two lines: a line count that changed with the numbers would move the layout
            f"Recommended option where it runs, else the cheapest.\nKV cache in use = concurrent requests × what a "
            f"request of {ts.mean_input + ts.mean_output:,.0f} tokens holds ({ts.bound_input + ts.bound_output:,.0f} "
            "when compiled)."
        )
        if nothing:
            self.message.show(
                "Nothing fits: on every instance type shown, the weights (or one request's KV cache) need more "
                "memory than the device has.",
                width_share=0.95,
                y=0.86,
            )
        else:
            self.message.hide()
        return True

    def _label_misses(self, w: np.ndarray, dev: np.ndarray, fits: np.ndarray, top: np.ndarray, cap: float) -> None:
        for i, label in enumerate(self.fit_labels):
            if i >= len(w) or fits[i]:
                label.set_visible(False)
                continue
            text = "does not\nfit"
            if w[i] > cap:
                text += f"\n{w[i]:,.0f} GiB"  # the bar is cut: say how much the weights need
            label.set_text(text)
            label.set_position((i, max(top[i], dev[i]) * 1.01))
            label.set_visible(True)

    def _set_ticks(self, labels: list[str]) -> None:
        if tuple(labels) == self._labels:
            return
        self._labels = tuple(labels)
        self.ax.xaxis.set_major_locator(FixedLocator(list(range(len(labels)))))
        self.ax.xaxis.set_major_formatter(FixedFormatter(labels))


def _short(label: str) -> str:
    """'bf16/fp16' -> 'bf16', 'AWQ int4' -> 'AWQ': four-line tick labels must stay narrow."""
    return label.split()[0].split("/")[0]
