"""Memory chart: stacked GiB per device (weights, KV cache in use, reserve, free) per instance type."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color
from matplotlib.figure import Figure

from lmi_explorer.gui.charts.base import PARTIAL, ChartInput
from lmi_explorer.gui.charts.memory_chart import MemoryChart
from lmi_explorer.gui.charts.theme import LIGHT
from tests.charts.chart_data import NOFIT, data

EVEN = {"input_mean": 1000, "input_cv": 0.1, "output_mean": 500, "output_cv": 0.1}
GIB = 2**30


@pytest.fixture
def chart() -> MemoryChart:
    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    return MemoryChart(fig, LIGHT)


def chosen_option(d: ChartInput, instance: str):
    """The option the chart should draw for an instance type, by the rule in words (pandas, no shortcuts)."""
    o = d.estimate.options
    rec = d.decision.recommendation
    rows = o[(o["instance"] == instance) & o["weights_gib_per_device"].notna()]
    feasible = rows[rows["fits"] & rows["monthly_usd"].notna()].sort_values(
        ["monthly_usd", "weights_gib_per_device", "tensor_parallel"], kind="stable"
    )
    same = feasible[(feasible["backend"] == rec.backend) & (feasible["precision"] == rec.precision)]
    if len(same):
        return same.iloc[0]
    if len(feasible):
        return feasible.iloc[0]
    return rows.sort_values(["weights_gib_per_device", "tensor_parallel"], kind="stable").iloc[0]


def expected_stack(d: ChartInput, row) -> dict[str, float]:
    ts = d.estimate.traffic
    tokens = ts.bound_input + ts.bound_output if row["compiled"] else ts.mean_input + ts.mean_output
    kv = row["operating_concurrency"] * tokens * row["kv_bytes_per_token"] / row["tensor_parallel"] / GIB
    kv = min(kv, row["usable_kv_gib_per_device"]) if row["fits"] else 0.0
    w, res, dev = row["weights_gib_per_device"], row["reserve_gib_per_device"], row["device_gib"]
    return {"weights": w, "kv": kv, "reserve": res, "free": max(dev - w - kv - res, 0.0)}


def heights(chart: MemoryChart, slot: int) -> dict[str, float]:
    return {
        p: (r.get_height() if r.get_visible() else 0.0) for p, r in ((p, chart.parts[p][slot]) for p in chart.parts)
    }


@pytest.mark.parametrize("changes", [{}, EVEN], ids=["dynamic", "compiled"])
def test_stack_heights_follow_the_formula(chart, changes):
    d = data(**changes)
    chart.update(d)
    assert 0 < len(chart.categories) <= 10
    segments = chart.device_lines.get_segments()
    for slot, instance in enumerate(chart.categories):
        row = chosen_option(d, instance)
        want = expected_stack(d, row)
        got = heights(chart, slot)
        assert got == pytest.approx(want, abs=1e-9), instance
        # parts stack: each starts where the previous ended
        bottom = 0.0
        for part in ("weights", "kv", "reserve", "free"):
            rect = chart.parts[part][slot]
            if rect.get_visible():
                assert rect.get_y() == pytest.approx(bottom)
                bottom += rect.get_height()
        assert segments[slot][0][1] == pytest.approx(row["device_gib"])
        label = chart.ax.xaxis.get_major_formatter()(slot, slot)
        assert f"TP {int(row['tensor_parallel'])}" in label


def test_recommended_option_is_drawn_on_its_instance(chart):
    d = data()
    chart.update(d)
    rec = d.decision.recommendation
    slot = chart.categories.index(rec.instance)
    label = chart.ax.xaxis.get_major_formatter()(slot, slot)
    assert label.lower().endswith(rec.precision)
    assert f"TP {rec.tensor_parallel}" in label


def test_compiled_backend_reserves_kv_for_the_bounds(chart):
    d = data(**EVEN)
    assert d.decision.recommendation.backend == "trtllm"
    chart.update(d)
    row = chosen_option(d, d.decision.recommendation.instance)
    assert row["compiled"]
    slot = chart.categories.index(d.decision.recommendation.instance)
    ts = d.estimate.traffic
    kv = row["operating_concurrency"] * (ts.bound_input + ts.bound_output) * row["kv_bytes_per_token"]
    assert heights(chart, slot)["kv"] == pytest.approx(
        min(kv / row["tensor_parallel"] / GIB, row["usable_kv_gib_per_device"])
    )


def test_update_moves_the_same_rectangles(chart):
    chart.update(data())
    parts = {k: list(v) for k, v in chart.parts.items()}
    lines = chart.device_lines
    assert chart.update(data(requests_per_s=4.0, input_cv=0.3)) == PARTIAL  # same options, same y limit
    assert all(a is b for k in parts for a, b in zip(parts[k], chart.parts[k], strict=True))
    assert chart.device_lines is lines


def test_weights_beyond_the_device_are_hatched_and_labelled(chart):
    d = data(**NOFIT)
    chart.update(d)
    assert chart.categories  # the closest misses are still drawn
    for slot in range(len(chart.categories)):
        rect = chart.parts["weights"][slot]
        assert same_color(rect.get_facecolor(), LIGHT.bad)
        assert rect.get_hatch() == "///"
        assert chart.fit_labels[slot].get_visible()
        assert chart.fit_labels[slot].get_text().startswith("does not\nfit")
    assert chart.message.visible
    assert chart.message.text.startswith("Nothing fits")
    chart.update(data())
    assert not chart.message.visible
    assert not any(label.get_visible() for label in chart.fit_labels)
    assert chart.parts["weights"][0].get_hatch() is None


def test_axis_labels_and_legend(chart):
    chart.update(data())
    assert chart.ax.get_ylabel() == "Memory per device (GiB)"
    labels = [t.get_text() for t in chart.legend.get_texts()]
    assert labels == ["weights", "KV cache in use", "runtime reserve", "free", "device memory", "weights: does not fit"]
