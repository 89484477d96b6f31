"""Pinned scenarios side by side: best full-precision and best quantized monthly cost."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lmi_explorer.gui.charts.common import USD_TICKS
from lmi_explorer.gui.charts.theme import ChartTheme


class CompareChart:
    """Grouped bars per scenario; a scenario where nothing fits says so instead of a bar."""

    title = "Scenarios compared"

    def __init__(self, figure: Figure, theme: ChartTheme) -> None:
        self.figure = figure
        self.theme = theme
        figure.set_facecolor(theme.background)
        figure.set_layout_engine("constrained")
        self.ax = figure.add_subplot()
        self.ax.set_facecolor(theme.background)
        for side in ("top", "right"):
            self.ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            self.ax.spines[side].set_color(theme.muted)
        self.ax.tick_params(colors=theme.foreground, labelsize=theme.font(10))
        self.ax.grid(True, axis="y", color=theme.grid, linewidth=0.6)
        self.ax.set_axisbelow(True)
        self.ax.yaxis.set_major_formatter(USD_TICKS)
        self.ax.set_ylabel("Monthly cost (USD)", color=theme.foreground, fontsize=theme.font(11))
        figure.suptitle(
            self.title, color=theme.foreground, fontsize=theme.font(14), fontweight="bold", x=0.02, ha="left"
        )
        self.frame: pd.DataFrame | None = None

    def update(self, frame: pd.DataFrame) -> bool:
        """Rebuild the bars (at most four scenarios, so rebuilding is cheap and simple)."""
        self.frame = frame
        ax, t = self.ax, self.theme
        for artist in list(ax.patches) + list(ax.texts) + list(ax.containers):
            if hasattr(artist, "remove"):
                artist.remove()
        legend = ax.get_legend()
        if legend:
            legend.remove()
        if frame.empty:
            ax.text(
                0.5,
                0.5,
                "Pin scenarios to compare them (View ▸ Pin scenario).",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color=t.muted,
                fontsize=t.font(11),
            )
            ax.set_xticks([])
            return True
        x = np.arange(len(frame))
        w = 0.38
        full = frame["full_precision_usd"].to_numpy(dtype=float)
        quant = frame["quantized_usd"].to_numpy(dtype=float)
        bf = ax.bar(x - w / 2, np.nan_to_num(full), w, color=t.precision_colours["bf16"], label="best full precision")
        bq = ax.bar(x + w / 2, np.nan_to_num(quant), w, color=t.precision_colours["awq"], label="best quantized")
        top = np.nanmax(np.concatenate([full, quant, [1.0]]))
        for bars, values in ((bf, full), (bq, quant)):
            for bar, v in zip(bars, values, strict=True):
                label = "nothing fits" if math.isnan(v) else f"${v:,.0f}"
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    (0 if math.isnan(v) else v) + top * 0.01,
                    label,
                    ha="center",
                    va="bottom",
                    fontsize=t.font(9),
                    color=t.foreground,
                )
        ax.set_xticks(x, [f"{s}\n{i}" for s, i in zip(frame["scenario"], frame["instance"], strict=True)])
        ax.set_ylim(0, top * 1.15)
        ax.legend(frameon=False, fontsize=t.font(10), labelcolor=t.foreground, loc="upper left")
        return True
