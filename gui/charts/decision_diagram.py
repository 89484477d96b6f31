"""The LMI backend-selection diagram with the scenario's path through it highlighted.

Node positions come from data/decision/diagram.json (0..1 axes coordinates); node shapes are
sized in points from their text and scale with the fonts, so labels stay inside their shapes
at any canvas size. Every artist is made once; ``update`` only restyles them. When the path
stays the same, only the step values and the subtitle change: a partial redraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch, Polygon
from matplotlib.transforms import Affine2D, ScaledTranslation

from lmi_explorer.gui.charts.base import BaseChart
from lmi_explorer.gui.charts.common import (
    Fonts,
    blank_axes,
    line_count,
    mix,
    model_name,
    prepare_figure,
    style_legend,
    style_subtitle,
    style_title,
    wrap,
)
from lmi_explorer.models.decision import diagram

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation, Text

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme

NODE_PT = 7.0  # node label size at scale 1
EDGE_PT = 6.5  # edge and value label size
CHAR_PT = 0.56  # average glyph width per point of font size
LINE_PT = 1.2  # line height per point of font size
DIAMOND_HALF_HEIGHT = 31.0  # points at scale 1
#: hand layout (inches and points): the margins the charts' layout engine keeps, the title's and the
#: subtitle's sizes (``style_title``, ``style_subtitle``), a line's height per point of font size, and the
#: gap between the subtitle and the diagram (matplotlib's axes title pad)
PAD_IN = 0.06
TITLE_PT = 11.5
SUBTITLE_PT = 8.5
LINE_HEIGHT = 1.2
TITLE_GAP_PT = 6.0
X_RANGE = (-0.005, 1.035)  # axes limits around the 0..1 layout, so edge nodes are not clipped
REF_PT_PER_X = 530.0  # points per x unit on an 8 in wide figure, for placing labels between shapes


@dataclass
class _Node:
    id: str
    kind: str
    x: float
    y: float
    half_w: float  # points at scale 1
    half_h: float
    patch: Patch
    label: Text
    scale: Affine2D


def _reach(node: _Node, ux: float, uy: float) -> float:
    """Distance (points at scale 1) from a node's centre to its outline along the unit direction (ux, uy)."""
    ux, uy = abs(ux), abs(uy)
    if node.kind == "start":
        return node.half_w
    if node.kind == "decision":
        return 1.0 / max(ux / node.half_w + uy / node.half_h, 1e-9)
    return min(node.half_w / ux if ux > 1e-9 else np.inf, node.half_h / uy if uy > 1e-9 else np.inf)


class _Edge(FancyArrowPatch):
    """An arrow from outline to outline.

    Trimming the arrow analytically at draw time replaces matplotlib's patchA/patchB clipping and its
    shrinking, which search the path numerically (the first made every redraw about 150 ms slower).
    """

    def __init__(self, a: _Node, b: _Node, fonts: Fonts, **kwargs: Any) -> None:
        super().__init__((a.x, a.y), (b.x, b.y), shrinkA=0, shrinkB=0, **kwargs)
        self._a, self._b, self._fonts = a, b, fonts

    def draw(self, renderer: RendererBase) -> None:
        if self.axes is None:  # not on axes (yet): nothing to trim against
            super().draw(renderer)
            return
        to_px = self.axes.transData
        p0, p1 = to_px.transform([(self._a.x, self._a.y), (self._b.x, self._b.y)])
        d = p1 - p0
        n = float(np.hypot(*d)) or 1.0
        u = d / n
        s, px = self._fonts.scale, cast(float, renderer.points_to_pixels(1.0))  # a float given a float
        # the end points moved onto the outlines here, so matplotlib has nothing left to shrink (no search)
        q0 = p0 + u * ((_reach(self._a, *u) * s + 1.5) * px)
        q1 = p1 - u * ((_reach(self._b, *u) * s + 1.5) * px)
        self.set_positions(*to_px.inverted().transform([q0, q1]))
        super().draw(renderer)


def _text_size(text: str, size: float) -> tuple[float, float]:
    """Width and height in points of a multi-line label."""
    lines = text.split("\n")
    return max(len(s) for s in lines) * size * CHAR_PT, len(lines) * size * LINE_PT


class DecisionDiagram(BaseChart):
    """The decision diagram; ``update`` highlights the path taken and writes each step's numbers next to it.

    Attributes kept for tests and callers: ``node_patches``, ``node_labels`` (by node id),
    ``edge_arrows``, ``edge_labels`` (by (from, to)), ``value_labels`` (by decision node id).
    """

    title: str = "Backend selection"

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        super().__init__()
        self.figure = figure
        self.theme = theme
        # placed by hand (_place): a layout engine would measure every text of the diagram on each layout
        prepare_figure(figure, theme, constrained=False)
        self.fonts = Fonts(figure, theme)
        self.ax = ax = figure.add_subplot()
        ax.set_xlim(*X_RANGE)
        ax.set_ylim(0.03, 0.97)
        blank_axes(ax)
        self.title_artist = style_title(figure, theme, self.fonts, self.title)
        self.subtitle = style_subtitle(ax, theme, self.fonts)
        self._split_line = ""
        self._spec = spec = diagram()
        self.nodes: dict[str, _Node] = {}
        for n in spec["nodes"]:
            self.nodes[n["id"]] = self._make_node(n)
        self.node_patches = {k: v.patch for k, v in self.nodes.items()}
        self.node_labels = {k: v.label for k, v in self.nodes.items()}
        self.edge_arrows: dict[tuple[str, str], FancyArrowPatch] = {}
        self.edge_labels: dict[tuple[str, str], Annotation] = {}
        self._offsets: dict[int, tuple[float, float]] = {}  # annotation id -> offset points at scale 1
        for e in spec["edges"]:
            self._make_edge(e["from"], e["to"], e.get("label", ""))
        self.value_labels: dict[str, Annotation] = {}
        for node in self.nodes.values():
            if node.kind == "decision":
                self.value_labels[node.id] = self._make_value_label(node)
        self.legend = style_legend(
            ax.legend(
                handles=[
                    Line2D([], [], color=theme.accent, lw=2.2, label="path for this scenario"),
                    Line2D([], [], color=theme.muted, lw=1.0, alpha=max(theme.dim_alpha, 0.5), label="not taken"),
                ],
                loc="upper left",
                frameon=True,
                borderaxespad=0.2,
            ),
            theme,
            self.fonts,
            7.0,
        )
        self.fonts.on_change("geometry", self._apply_scale)
        self.fonts.on_resize(("place", id(self)), self._place)  # after the subtitle's re-wrap (registered first)
        self._place()
        self._path: tuple[str, ...] = ()

    # ------------------------------------------------------------------ construction

    def _make_node(self, n: dict) -> _Node:
        t, ax = self.theme, self.ax
        kind = n["kind"]
        x, y = float(n["x"]), float(n["y"])
        if kind == "decision":
            text = wrap(n["label"], 13)
            w, h = _text_size(text, NODE_PT)
            half_h = DIAMOND_HALF_HEIGHT
            half_w = (w / 2) / max(1 - h / (2 * half_h), 0.3) + 5
            shape: Patch = Polygon([(0, half_h), (half_w, 0), (0, -half_h), (-half_w, 0)], closed=True)
        elif kind == "start":
            text = n["label"]
            half_w = half_h = _text_size(text, NODE_PT)[0] / 2 + 5
            shape = Circle((0, 0), half_w)
        else:
            # recommendations in the middle row share it with the decisions: keep them narrow
            text = wrap(n["label"], 14 if abs(y - 0.5) < 0.1 else 22)
            w, h = _text_size(text, NODE_PT)
            half_w, half_h = w / 2 + 6, h / 2 + 5
            shape = FancyBboxPatch(
                (-half_w, -half_h), 2 * half_w, 2 * half_h, boxstyle="round,pad=0,rounding_size=5", mutation_scale=1
            )
        scale = Affine2D()
        # ScaledTranslation only transforms (x, y) with its third argument: any transform will do (the stubs ask
        # for an affine one)
        offset = ScaledTranslation(x, y, ax.transData)  # type: ignore[arg-type]
        shape.set_transform(scale + self.figure.dpi_scale_trans + offset)
        shape.set_facecolor(t.background)
        shape.set_edgecolor(t.muted)
        shape.set_linewidth(1.0)
        shape.set_zorder(2)
        ax.add_artist(shape)  # fixed limits: no data-limit update (costly for curved paths)
        label = ax.text(x, y, text, ha="center", va="center", color=t.foreground, zorder=4, linespacing=1.05)
        self.fonts.text(label, NODE_PT)
        return _Node(n["id"], kind, x, y, half_w, half_h, shape, label, scale)

    def _make_edge(self, a: str, b: str, text: str) -> None:
        t, ax = self.theme, self.ax
        na, nb = self.nodes[a], self.nodes[b]
        arrow = _Edge(na, nb, self.fonts, arrowstyle="-|>", color=t.muted, linewidth=1.0, zorder=1)
        ax.add_artist(arrow)
        self.edge_arrows[(a, b)] = arrow
        if not text:
            return
        mx, my = (na.x + nb.x) / 2, (na.y + nb.y) / 2
        if abs(na.y - nb.y) < 0.05:
            # horizontal edge: above the line, lifted until the gap between the slanted diamond sides is wide enough
            text = wrap(text.replace("\n", " "), 16)
            w, _ = _text_size(text, EDGE_PT)
            span = abs(nb.x - na.x) * REF_PT_PER_X
            lift = DIAMOND_HALF_HEIGHT * (1 - (span - w - 6) / (na.half_w + nb.half_w))
            for n in (na, nb):
                if n.kind != "decision":
                    lift = max(lift, n.half_h + 2)  # upright box: clear its top
            offset, ha, va = (0.0, max(lift, 3.0)), "center", "bottom"
        else:
            text = wrap(text.replace("\n", " "), 22)
            upper, lower = (na, nb) if na.y > nb.y else (nb, na)
            # middle of the free stretch between the shapes, nudged towards the recommendation
            dy = (lower.half_h - upper.half_h) / 2
            # label on the side away from incoming diagonal edges
            right = self._diagonals_from_left(na.id)
            offset, ha, va = ((7.0 if right else -7.0), dy), ("left" if right else "right"), "center"
        ann = ax.annotate(
            text,
            (mx, my),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            color=t.foreground,
            zorder=5,
            linespacing=1.05,
            annotation_clip=False,
            bbox={"boxstyle": "square,pad=0.15", "facecolor": t.background, "edgecolor": "none"},
        )
        self.fonts.text(ann, EDGE_PT)
        self._offsets[id(ann)] = offset
        self.edge_labels[(a, b)] = ann

    def _diagonals_from_left(self, node_id: str) -> bool:
        """True if slanted edges arrive from the left (their labels would collide on that side)."""
        spec = self._spec
        n = self.nodes[node_id]
        for e in spec["edges"]:
            if e["to"] == node_id:
                src = self.nodes[e["from"]]
                if src.x < n.x - 0.01 and abs(src.y - n.y) > 0.05:
                    return True
        return False

    def _boxes_right_of(self, node: _Node) -> list[_Node]:
        """Upright boxes just right of a node in its row, which a value label must pass under or over."""
        return [
            n
            for n in self.nodes.values()
            if n.kind != "decision" and abs(n.y - node.y) < 0.05 and 0 < n.x - node.x < 0.25
        ]

    def _make_value_label(self, node: _Node) -> Annotation:
        t = self.theme
        ann = self.ax.annotate(
            "",
            (node.x, node.y),
            xytext=(0, 0),
            textcoords="offset points",
            ha="left",
            va="top",
            color=t.foreground,
            zorder=7,
            visible=False,
            linespacing=1.1,
            annotation_clip=False,
            bbox={
                "boxstyle": "round,pad=0.3",
                "facecolor": mix(t.accent, t.background, 0.1),
                "edgecolor": t.accent,
                "linewidth": 0.8,
            },
        )
        self.fonts.text(ann, EDGE_PT)
        return ann

    def _place(self) -> None:
        """Title at the top, the subtitle's lines under it, the diagram's axes in the rest.

        What constrained layout would do here, worked out from the font sizes: the diagram's texts
        all sit inside fixed axes limits, so only the title and subtitle need room.
        """
        w_in, h_in = self.figure.get_size_inches()
        s = self.fonts.scale
        lines = line_count(self.subtitle.artist) if self.subtitle.artist.get_text() else 0
        title_in = TITLE_PT * s * LINE_HEIGHT / 72
        subtitle_in = (lines * SUBTITLE_PT * s * LINE_HEIGHT + TITLE_GAP_PT * s) / 72
        top_in = PAD_IN + title_in + PAD_IN + subtitle_in
        self.title_artist.set_y(1.0 - PAD_IN / h_in)
        self.ax.set_position(
            (PAD_IN / w_in, PAD_IN / h_in, 1.0 - 2 * PAD_IN / w_in, max(1.0 - (top_in + PAD_IN) / h_in, 0.05))
        )

    def _apply_scale(self, s: float) -> None:
        for node in self.nodes.values():
            node.scale.clear().scale(s / 72.0)
        for arrow in self.edge_arrows.values():
            arrow.set_mutation_scale(9 * s)
        for ann in [*self.edge_labels.values(), *self.value_labels.values()]:
            dx, dy = self._offsets.get(id(ann), (0.0, 0.0))
            ann.xyann = (dx * s, dy * s)

    # ------------------------------------------------------------------ update

    def dynamic_artists(self) -> list[Artist]:
        """What ordinary slider moves change: each step's values and the recommendation line."""
        return [*self.value_labels.values(), self.subtitle.artist]

    def static_key(self) -> object:
        """The lit path, the title and the recommendation's line count (step values are dynamic)."""
        return (self._path, self.title_artist.get_text(), line_count(self.subtitle.artist))

    def apply(self, data: ChartInput) -> bool:
        """Restyle nodes and edges for the decision's path."""
        dec = data.decision
        path = tuple(dec.path)
        values = {s.node: s.values for s in dec.steps if s.values}
        title = f"{self.title} — {model_name(data.estimate.model.model_id)}"
        rec = dec.recommendation.summary
        if dec.disagreement:
            rec += " " + dec.disagreement
        # several traffic classes: the split comes once the inputs rest; while they move, the last one stays
        several = len(data.full_scenario.classes()) > 1
        if dec.split is not None:
            self._split_line = dec.split.summary
        elif not several:
            self._split_line = ""
        if self._split_line:
            rec = f"{self._split_line} Main traffic: {rec}"
        state = (path, tuple(sorted(values.items())), title, rec)
        if not self.state_changed(state):
            return False
        self._path = path
        self.title_artist.set_text(title)
        self.subtitle.set(rec)
        self._place()
        self._style(path, values)
        return True

    def _style(self, path: tuple[str, ...], values: dict[str, str]) -> None:
        t = self.theme
        on_nodes = set(path)
        on_edges = set(pairwise(path))
        last = path[-1] if path else None
        for nid, node in self.nodes.items():
            on = nid in on_nodes
            node.patch.set_alpha(1.0 if on else t.dim_alpha)
            node.patch.set_edgecolor(t.accent if on else t.muted)
            node.patch.set_linewidth(2.0 if nid == last else 1.6 if on else 1.0)
            share = 0.3 if nid == last else 0.12 if on else 0.0
            node.patch.set_facecolor(mix(t.accent, t.background, share))
            node.label.set_alpha(1.0 if on else t.dim_alpha)
            node.label.set_fontweight("bold" if nid == last else "normal")
        for key, arrow in self.edge_arrows.items():
            on = key in on_edges
            arrow.set_color(t.accent if on else t.muted)
            arrow.set_alpha(1.0 if on else t.dim_alpha)
            arrow.set_linewidth(2.2 if on else 1.0)
            arrow.set_zorder(3 if on else 1)
            if key in self.edge_labels:
                self.edge_labels[key].set_alpha(1.0 if on else min(1.0, t.dim_alpha * 1.6))
        nxt = dict(pairwise(path))
        for nid, ann in self.value_labels.items():
            text = values.get(nid, "") if nid in on_nodes else ""
            ann.set_visible(bool(text))
            if not text:
                continue
            node = self.nodes[nid]
            ann.set_text(_wrap_values(text))
            # below-right unless the path continues downwards; then above-right, away from the taken edge
            to = self.nodes.get(nxt.get(nid, ""), node)
            below = not (to.y < node.y - 0.05)
            # the corner sits just outside the diamond's slanted side, or under/over an upright neighbour
            drop = max([node.half_h * 0.6 + 4, *(n.half_h + 4 for n in self._boxes_right_of(node))])
            offset = (node.half_w * 0.4, -drop if below else drop)
            self._offsets[id(ann)] = offset
            ann.set_verticalalignment("top" if below else "bottom")
            ann.xyann = (offset[0] * self.fonts.scale, offset[1] * self.fonts.scale)


def _wrap_values(text: str) -> str:
    """One clause per line ('input spread …', 'cheaper: vLLM'), each wrapped short."""
    parts = [p.strip() for p in text.replace("; ", "\n").split("\n")]
    return "\n".join(wrap(p, 18) for p in parts if p)
