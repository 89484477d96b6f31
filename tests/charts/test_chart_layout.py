"""Every chart: exports, readable layout at window and slide size, cheap updates, no Qt or pyplot."""

from __future__ import annotations

import io
import itertools
import statistics
import time
from pathlib import Path

import pytest
from matplotlib.backend_bases import ResizeEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from lmi_explorer.gui.charts.base import PARTIAL
from lmi_explorer.gui.charts.breakeven_chart import BreakEvenChart
from lmi_explorer.gui.charts.cost_chart import CostChart
from lmi_explorer.gui.charts.decision_diagram import DecisionDiagram
from lmi_explorer.gui.charts.loadtest_chart import LoadTestChart
from lmi_explorer.gui.charts.memory_chart import MemoryChart
from lmi_explorer.gui.charts.parity_chart import ParityChart
from lmi_explorer.gui.charts.theme import DARK, LIGHT, PRESENTATION
from lmi_explorer.gui.charts.traffic_chart import TrafficChart
from tests.charts.chart_data import CALIBRATED, NOFIT, data

ROOT = Path(__file__).resolve().parents[2]
CHARTS = [DecisionDiagram, CostChart, MemoryChart, TrafficChart, BreakEvenChart, LoadTestChart, ParityChart]
WINDOW, SLIDE = (8.0, 4.5), (13.33, 7.5)


def build(cls, theme=LIGHT, size=WINDOW, **kwargs):
    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    return fig, cls(fig, theme, **kwargs)


def drawn_texts(fig: Figure) -> list[tuple[Text, object]]:
    """Texts a reader sees, with their extents: visible, non-empty, tick labels only inside the view."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tick_ids, hidden, ticks = set(), set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_ids.update((id(tick.label1), id(tick.label2)))
                loc = tick.get_loc()
                if ax.axison and tick.label1.get_visible() and loc is not None and lo <= loc <= hi:
                    ticks.append(tick.label1)
    for ax in fig.axes:  # texts of hidden axes, and axis labels of axes drawn without axes, are not drawn
        if not ax.get_visible():
            hidden.update(id(t) for t in ax.findobj(Text))
        elif not ax.axison:
            hidden.update((id(ax.xaxis.label), id(ax.yaxis.label)))
    for legend in [*(ax.get_legend() for ax in fig.axes), *fig.legends]:
        if legend is not None and not legend.get_visible():
            hidden.update(id(t) for t in legend.findobj(Text))
    out = {}
    for t in [*fig.findobj(Text), *ticks]:
        if id(t) in hidden or (id(t) in tick_ids and not any(t is k for k in ticks)):
            continue
        if t.get_visible() and t.get_text().strip():
            out[id(t)] = (t, t.get_window_extent(renderer))
    return list(out.values())


def layout_problems(fig: Figure) -> list[str]:
    items = drawn_texts(fig)
    box = fig.bbox
    problems = [
        f"clipped: {t.get_text()[:40]!r}"
        for t, b in items
        if b.x0 < box.x0 - 1 or b.y0 < box.y0 - 1 or b.x1 > box.x1 + 1 or b.y1 > box.y1 + 1
    ]
    for (a, ba), (b, bb) in itertools.combinations(items, 2):
        if ba.x0 + 1 < bb.x1 and bb.x0 + 1 < ba.x1 and ba.y0 + 1 < bb.y1 and bb.y0 + 1 < ba.y1:
            problems.append(f"overlap: {a.get_text()[:30]!r} / {b.get_text()[:30]!r}")
    return problems


@pytest.mark.parametrize("cls", CHARTS)
@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_exports_png(cls, theme):
    fig, chart = build(cls, theme)
    chart.update(data())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig.get_facecolor()[:3] == pytest.approx(
        tuple(int(theme.background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    )


@pytest.mark.parametrize("cls", CHARTS)
@pytest.mark.parametrize(
    ("changes", "theme", "size"),
    [({}, LIGHT, WINDOW), ({}, PRESENTATION, SLIDE), (NOFIT, DARK, WINDOW), (NOFIT, PRESENTATION, SLIDE)],
    ids=["default-window", "default-slide", "nofit-window", "nofit-slide"],
)
def test_no_text_overlaps_or_is_clipped(cls, changes, theme, size):
    fig, chart = build(cls, theme, size)
    chart.update(data(**changes))
    assert layout_problems(fig) == []


@pytest.mark.parametrize(("theme", "size"), [(LIGHT, WINDOW), (DARK, WINDOW), (PRESENTATION, SLIDE)])
def test_parity_chart_with_imported_runs_has_no_overlaps(theme, size):
    fig, chart = build(ParityChart, theme, size)
    chart.update(data(**CALIBRATED))
    assert layout_problems(fig) == []


@pytest.mark.parametrize("cls", CHARTS)
def test_every_chart_has_a_title_and_labelled_axes(cls):
    fig, chart = build(cls)
    chart.update(data())
    assert isinstance(chart.title, str)
    assert chart.title
    assert fig.get_suptitle().startswith(chart.title.split(":")[0])
    for ax in fig.axes:
        if ax.axison:
            assert ax.get_xlabel()
    assert any(ax.get_legend() is not None for ax in fig.axes) or fig.legends


@pytest.mark.parametrize("cls", CHARTS)
def test_update_reports_change_and_keeps_its_artists(cls):
    fig, chart = build(cls)
    assert chart.update(data()) is True
    assert chart.update(data()) is False  # same inputs: nothing to redraw

    def artists() -> list[int]:
        return [id(a) for ax in fig.axes for a in [*ax.patches, *ax.lines, *ax.texts, *ax.collections]]

    before = artists()
    # a partial redraw is a change too (only the dynamic artists moved); the parity chart does not read the
    # traffic, so its change is imported measurements
    change = CALIBRATED if cls is ParityChart else {"requests_per_s": 3.0, "input_cv": 0.3}
    assert chart.update(data(**change)) in (True, PARTIAL)
    assert artists() == before  # mutated in place: no artist added, removed or replaced


@pytest.mark.parametrize("cls", CHARTS)
def test_update_is_fast(cls):
    _fig, chart = build(cls)
    chart.update(data())
    inputs = [data(requests_per_s=1.0 + k, input_cv=0.2 + 0.05 * k) for k in range(8)]
    times = []
    for d in inputs:
        t0 = time.perf_counter()
        chart.update(d)
        times.append(time.perf_counter() - t0)
    assert statistics.median(times) < 0.025  # target 10 ms; generous for slow CI machines


def test_fonts_shrink_on_a_small_canvas_and_return():
    fig, chart = build(CostChart)
    chart.update(data())
    full = chart.title_artist.get_fontsize()
    fig.set_size_inches(4.0, 2.25)
    fig.canvas.callbacks.process("resize_event", ResizeEvent("resize_event", fig.canvas))
    assert chart.title_artist.get_fontsize() == pytest.approx(full * 0.8)
    fig.set_size_inches(*WINDOW)
    assert chart.update(data()) is True  # the size change alone is a change
    assert chart.title_artist.get_fontsize() == pytest.approx(full)


def test_chart_code_uses_neither_qt_nor_pyplot():
    files = [*sorted((ROOT / "gui" / "charts").glob("*.py")), ROOT / "models" / "estimate" / "breakeven.py"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "PySide6" not in text, path
        assert "pyplot" not in text, path
