"""The decision diagram: the scenario's path is highlighted, with each step's numbers beside it."""

from __future__ import annotations

from itertools import pairwise

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color
from matplotlib.figure import Figure

from lmi_explorer.gui.charts.decision_diagram import DecisionDiagram
from lmi_explorer.gui.charts.theme import DARK, LIGHT
from lmi_explorer.models.decision import diagram
from tests.charts.chart_data import NOFIT, data

EVEN = {"input_mean": 1000, "input_cv": 0.1, "output_mean": 500, "output_cv": 0.1}


@pytest.fixture
def chart() -> DecisionDiagram:
    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    return DecisionDiagram(fig, LIGHT)


def flat(text: str) -> str:
    return " ".join(text.split())


def assert_path_highlighted(chart: DecisionDiagram, path: tuple[str, ...], theme=LIGHT) -> None:
    for node, patch in chart.node_patches.items():
        on = node in path
        assert patch.get_alpha() == (1.0 if on else theme.dim_alpha), node
        assert same_color(patch.get_edgecolor(), theme.accent) == on, node
        assert chart.node_labels[node].get_alpha() == (1.0 if on else theme.dim_alpha), node
    on_edges = set(pairwise(path))
    for edge, arrow in chart.edge_arrows.items():
        on = edge in on_edges
        assert same_color(arrow.get_edgecolor(), theme.accent) == on, edge
        assert arrow.get_linewidth() == (2.2 if on else 1.0), edge
        assert arrow.get_alpha() == (1.0 if on else theme.dim_alpha), edge


def test_draws_every_node_and_edge_of_the_diagram(chart):
    spec = diagram()
    assert set(chart.node_patches) == {n["id"] for n in spec["nodes"]}
    assert set(chart.edge_arrows) == {(e["from"], e["to"]) for e in spec["edges"]}
    assert {k for k, v in spec_labels(spec).items() if v} == set(chart.edge_labels)
    assert type(chart.node_patches["cost"]).__name__ == "Polygon"  # decisions are diamonds
    assert type(chart.node_patches["dynamic"]).__name__ == "FancyBboxPatch"  # recommendations: rounded boxes
    assert type(chart.node_patches["start"]).__name__ == "Circle"


def spec_labels(spec: dict) -> dict[tuple[str, str], str]:
    return {(e["from"], e["to"]): e.get("label", "") for e in spec["edges"]}


def test_default_path_is_highlighted_with_the_step_values(chart):
    d = data()
    assert chart.update(d) is True
    assert d.decision.path == ("start", "hardware", "model_support", "traffic", "dynamic", "cost", "quantized")
    assert_path_highlighted(chart, d.decision.path)
    traffic = chart.value_labels["traffic"]
    assert traffic.get_visible()
    cheapest = d.estimate.best()
    assert cheapest is not None
    assert flat(traffic.get_text()) == (
        f"input spread 0.47, output spread 0.47 → uneven cheaper: {cheapest['backend_name']}"
    )
    saved = d.estimate.savings(backend=d.decision.recommendation.backend)  # on the path's backend
    assert saved is not None
    assert flat(chart.value_labels["cost"].get_text()) == f"saves {saved[1] * 100:.0f} %"
    assert chart.value_labels["hardware"].get_text() == "GPU"
    assert chart.title_artist.get_text() == "Backend selection — Llama-2-13b-hf"
    rec = d.decision.recommendation
    assert f"vLLM: {rec.instances} × {rec.instance}" in flat(chart.subtitle.artist.get_text())


def test_long_values_are_wrapped(chart):
    chart.update(data())
    lines = chart.value_labels["traffic"].get_text().split("\n")
    assert len(lines) > 1
    assert max(len(line) for line in lines) <= 18


def test_even_traffic_restyles_the_same_artists(chart):
    chart.update(data())
    patches = dict(chart.node_patches)
    arrows = dict(chart.edge_arrows)
    labels = dict(chart.value_labels)
    n_patches = len(chart.ax.patches)
    d = data(**EVEN)
    assert chart.update(d) is True
    assert d.decision.path[4] == "trtllm"
    assert_path_highlighted(chart, d.decision.path)
    assert all(chart.node_patches[k] is v for k, v in patches.items())
    assert all(chart.edge_arrows[k] is v for k, v in arrows.items())
    assert all(chart.value_labels[k] is v for k, v in labels.items())
    assert len(chart.ax.patches) == n_patches
    assert "→ even" in flat(chart.value_labels["traffic"].get_text())


def test_nothing_fits_path_ends_at_the_nothing_fits_node(chart):
    d = data(**NOFIT)
    chart.update(d)
    assert d.decision.path[-1] == "nothing_fits"
    assert_path_highlighted(chart, d.decision.path)
    assert chart.value_labels["cost"].get_text() == "nothing fits"
    assert chart.subtitle.text.startswith("Nothing fits.")


def test_off_path_value_labels_are_hidden(chart):
    chart.update(data(hardware="inferentia", lmi_release=14, model_id="meta-llama/Llama-2-70b-hf"))  # Neuron path
    assert chart.value_labels["hardware"].get_visible()
    assert not chart.value_labels["traffic"].get_visible()
    assert not chart.value_labels["model_support"].get_visible()


def test_dark_theme_uses_its_accent():
    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    chart = DecisionDiagram(fig, DARK)
    d = data()
    chart.update(d)
    assert_path_highlighted(chart, d.decision.path, DARK)
