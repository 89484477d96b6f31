"""Estimate versus measured: one log-log parity panel per metric (TTFT, TPOT, output tokens/s).

Each measured figure is a point at (measured, estimated); on the diagonal the estimate is exact, and the
shaded bands are ±15 % and ±35 %. When the scenario's factors were fitted to the measurements, the
estimate with the shipped factors is a hollow marker joined to the fitted one (filled), so the fit's
effect reads at a glance. With no imported measurements the panels show the published cases the shipped
factors were fitted on. The worst few points carry their error; every point names itself on hover.

The points change only on import, fit or reset (not on slider moves), so every change is a full redraw;
the comparison itself is cached in :mod:`models.parity_points`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

from lmi_explorer.gui.charts.base import BaseChart
from lmi_explorer.gui.charts.common import (
    SERIES_COLOURS,
    Fonts,
    panels_under_a_head,
    prepare_figure,
    series_colours,
    style_axes,
    style_legend,
    style_subtitle,
    style_title,
)
from lmi_explorer.models.calibration.measurements import METRICS
from lmi_explorer.models.calibration.parity import BANDS
from lmi_explorer.models.calibration.points import accelerator_label, metric_points, parity_points
from lmi_explorer.models.reference.backends import load_backends

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Annotation, Text

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme
    from lmi_explorer.models.calibration.points import ParityPoints

#: the group key of points measured on another server than the backend's engine
OTHER_SERVER = "(other server)"
#: group colours (backend × accelerator), Okabe–Ito; the dark theme swaps the deep blue for sky blue
MAX_GROUPS = len(SERIES_COLOURS)
#: the worst points of a panel that carry their error as a label (the rest on hover and in the table)
MAX_LABELS = 3
PANEL_TITLES = {
    "ttft_s": ("Time to first token", "s"),
    "tpot_ms": ("Time per output token", "ms"),
    "output_tokens_per_s": ("Output tokens/s", "all clients"),
}
#: x values of the diagonal and bands: far beyond any figure, straight on log-log axes
_SPAN = np.array([1e-9, 1e12])
#: how close (pixels) the pointer must come to a point to name it
HOVER_PX = 9.0


def signed_percent(error: float) -> str:
    """'+12 %' / '−7 %' (a real minus sign: the label is read, not parsed)."""
    return f"{error * 100:+.0f} %".replace("-", "−")


def band_alpha(theme: ChartTheme) -> tuple[float, float]:
    """Opacity of the ±15 % and ±35 % bands (the inner one drawn over the outer): stronger on dark backgrounds."""
    return (0.22, 0.16) if theme.name == "dark" else (0.16, 0.09)


def _tick(value: float, _pos: object = None) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def group_label(backend: str | None, accelerator: str | None) -> str:
    bk = load_backends().backends
    name = bk[backend].name if backend in bk else (backend or "?")
    return f"{name} · {accelerator_label(accelerator) if accelerator else '?'}"


class _Panel:
    """One metric's axes and the artists on it, made once."""

    def __init__(self, ax: Axes, metric: str, theme: ChartTheme, fonts: Fonts, colours: tuple[str, ...]) -> None:
        self.ax = ax
        self.metric = metric
        inner, outer = BANDS
        x = _SPAN
        a_inner, a_outer = band_alpha(theme)
        self.outer = ax.fill_between(
            x, x * (1 - outer), x * (1 + outer), color=theme.good, alpha=a_outer, lw=0, zorder=0.5
        )
        self.inner = ax.fill_between(
            x, x * (1 - inner), x * (1 + inner), color=theme.good, alpha=a_inner, lw=0, zorder=0.6
        )
        (self.diagonal,) = ax.plot(x, x, color=theme.muted, lw=1.0, ls=(0, (4, 3)), zorder=0.7)
        self.moves = LineCollection([], colors=theme.muted, linewidths=0.9, zorder=1.5)
        ax.add_collection(self.moves)
        self.before = [
            ax.scatter([], [], s=30, facecolors="none", edgecolors=c, linewidths=1.2, zorder=2) for c in colours
        ]
        self.after = [
            ax.scatter([], [], s=34, color=c, edgecolors=theme.background, linewidths=0.6, zorder=3) for c in colours
        ]
        self.labels: list[Annotation] = []
        for _ in range(MAX_LABELS):
            ann = ax.annotate(
                "",
                (1, 1),
                xytext=(5, 3),
                textcoords="offset points",
                color=theme.foreground,
                visible=False,
                zorder=4,
                annotation_clip=False,
            )
            ann.set_in_layout(False)
            fonts.text(ann, 7.5)
            self.labels.append(ann)
        self.empty = ax.text(
            0.5,
            0.5,
            "",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=theme.muted,
            visible=False,
            in_layout=False,
            zorder=5,
        )
        fonts.text(self.empty, 8.5)
        self.hover = ax.annotate(
            "",
            (1, 1),
            xytext=(8, 8),
            textcoords="offset points",
            color=theme.foreground,
            visible=False,
            zorder=10,
            annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": theme.background, "edgecolor": theme.muted},
        )
        self.hover.set_in_layout(False)
        fonts.text(self.hover, 8.0)
        # what the points are, for hover: display text per (group slot, index) in the after-scatter
        self.tips: list[list[str]] = [[] for _ in colours]


class ParityChart(BaseChart):
    """Estimated against measured, one panel per metric, for the scenario's calibration or the shipped cases."""

    title: str = "Estimate versus measured"

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        super().__init__()
        self.figure = figure
        self.theme = theme
        prepare_figure(figure, theme)
        self.fonts = Fonts(figure, theme)
        self.head, axes = panels_under_a_head(figure, len(METRICS))
        self.colours = series_colours(theme)
        self.panels: list[_Panel] = []
        for ax, metric in zip(axes, METRICS, strict=True):
            style_axes(ax, theme, self.fonts, grid="both")
            ax.grid(True, which="major", color=theme.grid, linewidth=0.5)
            ax.set_xscale("log")
            ax.set_yscale("log")
            name, unit = PANEL_TITLES[metric]
            ax.set_title(f"{name} ({unit})", color=theme.foreground, loc="center")
            self.fonts.text(ax.title, 9.0)
            ax.set_xlabel("measured")
            ax.set_ylabel("estimated")
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_major_formatter(FuncFormatter(_tick))
                axis.set_minor_formatter(NullFormatter())
            self.panels.append(_Panel(ax, metric, theme, self.fonts, self.colours))
        self.title_artist = style_title(figure, theme, self.fonts, self.title)
        self.subtitle = style_subtitle(self.head, theme, self.fonts)
        self.legend: Legend | None = None
        self._legend_key: tuple | None = None
        self.points: ParityPoints | None = None
        self.groups: list[tuple[str, str]] = []
        self.slot_labels: list[str] = []  # the legend entry of each colour slot
        figure.canvas.mpl_connect("motion_notify_event", self._on_motion)

    # ------------------------------------------------------------------ protocol

    def dynamic_artists(self) -> list[Artist]:
        """The points, their moves and labels, and the subtitle (they change together on import or fit)."""
        out: list[Artist] = [self.subtitle.artist]
        for p in self.panels:
            out += [p.moves, *p.before, *p.after, *p.labels]
        return out

    def static_key(self) -> object:
        """Every change redraws the whole chart (its points are not blitted)."""
        return self._state

    def apply(self, data: ChartInput) -> bool:
        """Redraw when the points changed; the comparison is cached by its inputs."""
        points = parity_points(data.estimate.scenario)
        if not self.state_changed((id(points.frame), points.fitted)):
            return False
        self.points = points
        self._draw_points(points)
        return True

    # ------------------------------------------------------------------ drawing

    def _group_slots(self, frame: pd.DataFrame) -> list[int]:
        """Slot (colour) of every row: one per backend × accelerator, most points first; the rest share the last."""
        keys = list(zip(frame["backend"].astype(str), frame["accelerator"].astype(str), strict=True))
        if "origin" in frame:  # another server's figures share one colour of their own: shown, not counted
            other = (frame["origin"] == "other server").to_numpy()
            keys = [(OTHER_SERVER, "") if o else k for k, o in zip(keys, other, strict=True)]
        first = list(dict.fromkeys(keys))
        count = dict.fromkeys(first, 0)
        for k in keys:
            count[k] += 1
        self.groups = sorted(first, key=lambda k: -count[k])  # stable: ties keep their first appearance
        real = [k for k in self.groups if k[0] != OTHER_SERVER]
        other = len(real) < len(self.groups)
        room = MAX_GROUPS - (1 if other else 0)  # another server's points keep a colour of their own
        slot = {k: min(i, room - 1) for i, k in enumerate(real)}
        labels = [group_label(*k) for k in real[:room]]
        if len(real) > room:
            labels[room - 1] = "others"
        if other:
            slot[(OTHER_SERVER, "")] = len(labels)
            labels.append("other servers (for reference)")
        self.slot_labels = labels
        return [slot[k] for k in keys]

    def _draw_points(self, points: ParityPoints) -> None:
        frame = points.frame
        placed = frame[np.isfinite(frame["estimated"].to_numpy(dtype=float))]
        frame = placed.assign(_slot=self._group_slots(placed))
        origin = (
            "your load tests"
            if points.imported
            else ("published cases" if points.pending else "published load tests and cases")
        )
        self.title_artist.set_text(f"{self.title}: {origin}")
        self.subtitle.set(points.text())
        for panel in self.panels:
            rows = metric_points(points, panel.metric).join(frame["_slot"])
            self._fill_panel(panel, rows, points)
        self._update_legend(points)

    def _fill_panel(self, panel: _Panel, rows: pd.DataFrame, points: ParityPoints) -> None:
        ax = panel.ax
        measured = rows["measured"].to_numpy(dtype=float)
        after = rows["estimated"].to_numpy(dtype=float)
        before = rows["before"].to_numpy(dtype=float)
        has_before = points.fitted & np.isfinite(before) & (before > 0)
        panel.hover.set_visible(False)
        unit = PANEL_TITLES[panel.metric][1]
        for s in range(MAX_GROUPS):
            mine = rows["_slot"].to_numpy() == s
            panel.after[s].set_offsets(
                np.column_stack([measured[mine], after[mine]]) if mine.any() else np.empty((0, 2))
            )
            keep = mine & has_before
            panel.before[s].set_offsets(
                np.column_stack([measured[keep], before[keep]]) if keep.any() else np.empty((0, 2))
            )
            panel.tips[s] = [self._tip(r, unit) for r in rows[mine].itertuples(index=False)]
        panel.moves.set_segments(
            [[(m, b), (m, a)] for m, b, a, k in zip(measured, before, after, has_before, strict=True) if k]
        )
        if len(rows):
            values = np.concatenate([measured, after, before[has_before]])
            lo, hi = float(values.min()), float(values.max())
            lo, hi = _padded(lo, hi)
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
            decades = math.log10(hi / lo)
            subs = (1.0, 2.0, 5.0) if decades <= 1.3 else (1.0, 3.0) if decades <= 2.6 else (1.0,)
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_major_locator(LogLocator(base=10, subs=subs, numticks=8))
                axis.set_minor_locator(NullLocator())
            panel.empty.set_visible(False)
        else:
            ax.set_xlim(1, 10)
            ax.set_ylim(1, 10)
            name = PANEL_TITLES[panel.metric][0].lower()
            told = points.frame[points.frame["metric"] == panel.metric]
            panel.empty.set_text(f"no {name}\n{'estimated' if len(told) else 'measured'}")
            panel.empty.set_visible(True)
        self._place_labels(panel, rows)

    @staticmethod
    def _tip(r: object, unit: str) -> str:
        error = signed_percent(r.error)  # type: ignore[attr-defined]
        text = (
            f"{r.label}\nmeasured {r.measured:,.4g}, estimated {r.estimated:,.4g} {unit}: "  # type: ignore[attr-defined]
            f"{error}"
        )
        if isinstance(r.before, float) and math.isfinite(r.before):  # type: ignore[attr-defined]
            text += f"\nshipped factors {r.before:,.4g} ({signed_percent(r.error_before)})"  # type: ignore[attr-defined]
        return text

    def _place_labels(self, panel: _Panel, rows: pd.DataFrame) -> None:
        """Label the worst points (beyond ±15 %) with their error, skipping any that would collide.

        Positions are checked in axes fractions with a generous text size, before the layout runs, so
        a label that might touch another, or leave the axes, is left to the hover and the table.
        """
        for ann in panel.labels:
            ann.set_visible(False)
        if rows.empty:
            return
        ax = panel.ax
        worst = rows.assign(_abs=rows["error"].abs()).sort_values("_abs", ascending=False, kind="stable")
        worst = worst[worst["_abs"] > BANDS[0]]
        lo, hi = ax.get_xlim()
        span = math.log(hi / lo)
        # the axes' size in points, estimated from the figure (three panels in a row, legend below)
        w, h = self.figure.get_size_inches()
        width = max((w - 1.6) / 3 - 0.45, 0.8) * 72
        height = max(h - 2.1, 0.8) * 72
        size = self.fonts.size(7.5)
        taken: list[tuple[float, float, float, float]] = []
        # the markers themselves (about 6 pt across) are obstacles too
        for m, e in zip(rows["measured"], rows["estimated"], strict=True):
            fx, fy = math.log(m / lo) / span * width, math.log(e / lo) / span * height
            taken.append((fx - 3, fy - 3, fx + 3, fy + 3))
        used = 0
        for r in worst.itertuples(index=False):
            if used >= MAX_LABELS:
                break
            text = signed_percent(r.error)
            tw, th = len(text) * size * 0.62 + 2, size * 1.3
            px = math.log(r.measured / lo) / span * width
            py = math.log(r.estimated / lo) / span * height
            for dx, dy in ((5, 3), (-5 - tw, 3), (5, -3 - th), (-5 - tw, -3 - th)):
                box = (px + dx, py + dy, px + dx + tw, py + dy + th)
                inside = box[0] >= 2 and box[1] >= 2 and box[2] <= width - 2 and box[3] <= height - 2
                if inside and not any(_overlap(box, t) for t in taken):
                    ann = panel.labels[used]
                    ann.set_text(text)
                    ann.xy = (r.measured, r.estimated)
                    ann.set_position((dx, dy))
                    ann.set_verticalalignment("bottom")
                    ann.set_visible(True)
                    taken.append(box)
                    used += 1
                    break

    def _update_legend(self, points: ParityPoints) -> None:
        key = (tuple(self.slot_labels), points.fitted)
        if key == self._legend_key:
            return
        self._legend_key = key
        if self.legend is not None:
            self.legend.remove()
        handles: list[Artist] = []
        for i, label in enumerate(self.slot_labels):
            handles.append(Line2D([], [], ls="", marker="o", color=self.colours[i], label=label))
        if points.fitted:
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker="o",
                    markerfacecolor="none",
                    markeredgecolor=self.theme.muted,
                    label="with the shipped factors",
                )
            )
        handles += [
            Line2D([], [], color=self.theme.muted, lw=1.0, ls=(0, (4, 3)), label="estimate = measured"),
            Patch(color=self.theme.good, alpha=min(1.0, sum(band_alpha(self.theme)) * 1.2), label="±15 %"),
            Patch(color=self.theme.good, alpha=band_alpha(self.theme)[1] * 1.2, label="±35 %"),
        ]
        self.legend = style_legend(
            self.figure.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles))),
            self.theme,
            self.fonts,
            8.0,
        )

    # ------------------------------------------------------------------ hover

    def _on_motion(self, event: object) -> None:
        """Name the point under the pointer (label, measured, estimated, error); live canvas only."""
        changed = False
        for panel in self.panels:
            text = self._hit(panel, event) if getattr(event, "inaxes", None) is panel.ax else None
            if text is None:
                changed |= panel.hover.get_visible()
                panel.hover.set_visible(False)
                continue
            xy, label = text
            lo, hi = panel.ax.get_xlim()
            right = math.log(xy[0] / lo) > math.log(hi / lo) / 2
            top = math.log(xy[1] / lo) > math.log(hi / lo) / 2
            if (panel.hover.get_text(), panel.hover.xy) != (label, xy) or not panel.hover.get_visible():
                panel.hover.set_text(label)
                panel.hover.xy = xy
                panel.hover.set_position((-8 if right else 8, -8 if top else 8))
                panel.hover.set_horizontalalignment("right" if right else "left")
                panel.hover.set_verticalalignment("top" if top else "bottom")
                panel.hover.set_visible(True)
                changed = True
        if changed:
            self.figure.canvas.draw_idle()

    def _hit(self, panel: _Panel, event: object) -> tuple[tuple[float, float], str] | None:
        ex, ey = getattr(event, "x", None), getattr(event, "y", None)
        if ex is None or ey is None:
            return None
        best: tuple[float, tuple[float, float], str] | None = None
        for s, scatter in enumerate(panel.after):
            offsets = np.asarray(scatter.get_offsets(), dtype=float)
            if not len(offsets):
                continue
            pix = panel.ax.transData.transform(offsets)
            d = np.hypot(pix[:, 0] - ex, pix[:, 1] - ey)
            i = int(np.argmin(d))
            if d[i] <= HOVER_PX and (best is None or d[i] < best[0]) and i < len(panel.tips[s]):
                best = (float(d[i]), (float(offsets[i, 0]), float(offsets[i, 1])), panel.tips[s][i])
        return None if best is None else (best[1], best[2])

    def hover_texts(self) -> list[Text]:
        """The hover boxes (tests)."""
        return [p.hover for p in self.panels]


def _padded(lo: float, hi: float) -> tuple[float, float]:
    """A square log range around the points with room for labels: half a decade each side, at least two decades."""
    lo, hi = lo / 2.2, hi * 2.2
    if hi / lo < 100:
        mid = math.sqrt(lo * hi)
        lo, hi = mid / 10, mid * 10
    return lo, hi


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
