"""Colours and sizes for charts, as plain data so chart code never needs Qt."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ChartTheme:
    """Palette and font scale; the window builds one from the Qt palette (light, dark, presentation)."""

    name: str = "light"
    background: str = "#ffffff"
    foreground: str = "#1f2328"
    muted: str = "#8b949e"
    grid: str = "#d0d7de"
    accent: str = "#0969da"
    good: str = "#1a7f37"
    bad: str = "#cf222e"
    warn: str = "#9a6700"
    dim_alpha: float = 0.28
    font_scale: float = 1.0
    #: one colour per precision (colour-blind safe: Okabe–Ito, then Tol's olive for NVFP4)
    precision_colours: dict[str, str] = field(
        default_factory=lambda: {
            "bf16": "#0072B2",
            "fp8": "#E69F00",
            "int8": "#009E73",
            "awq": "#CC79A7",
            "gptq": "#D55E00",
            "mxfp4": "#56B4E9",
            "nvfp4": "#999933",
        }
    )
    #: stacked memory parts
    memory_colours: dict[str, str] = field(
        default_factory=lambda: {"weights": "#0072B2", "kv": "#E69F00", "reserve": "#8b949e", "free": "#d0d7de"}
    )

    def font(self, size: float) -> float:
        return size * self.font_scale


LIGHT = ChartTheme()
DARK = ChartTheme(
    name="dark",
    background="#0d1117",
    foreground="#e6edf3",
    muted="#8b949e",
    grid="#30363d",
    accent="#58a6ff",
    good="#3fb950",
    bad="#f85149",
    warn="#d29922",
    memory_colours={"weights": "#56B4E9", "kv": "#E69F00", "reserve": "#6e7681", "free": "#30363d"},
    precision_colours={
        "bf16": "#56B4E9",
        "fp8": "#E69F00",
        "int8": "#009E73",
        "awq": "#CC79A7",
        "gptq": "#D55E00",
        "mxfp4": "#88CCEE",
        "nvfp4": "#DDCC77",
    },
)
PRESENTATION = ChartTheme(
    name="presentation",
    background="#ffffff",
    foreground="#000000",
    muted="#444444",
    grid="#bbbbbb",
    accent="#0033cc",
    good="#006600",
    bad="#cc0000",
    warn="#8a5a00",
    font_scale=1.5,
)
