"""The native length histogram beside the traffic sliders: what it draws, in both themes."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import DARK, LIGHT
from lmi_explorer.gui.widgets.length_histogram import LengthHistogram, nice_ticks
from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.scenario import default_scenario

EVEN = {"input_mean": 1000, "input_cv": 0.1, "output_mean": 500, "output_cv": 0.1}


def data(**changes) -> ChartInput:
    s = default_scenario().with_changes(**changes)
    est = estimate(s)
    return ChartInput(est, evaluate(s, est, with_crossover=False))


def image_colours(widget) -> np.ndarray:
    """The widget as painted, RGB (the image is kept alive while its pixels are copied)."""
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    raw = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    bgra = raw.reshape(h, img.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()
    return bgra[..., 2::-1]  # BGRA in memory -> RGB


def near(arr: np.ndarray, colour: str, tol: int = 40) -> int:
    c = QColor(colour)
    target = np.array([c.red(), c.green(), c.blue()])
    return int((np.abs(arr.astype(int) - target).sum(axis=2) < tol).sum())


def test_nice_ticks_are_round_and_within_the_axis():
    assert nice_ticks(3000) == [0.0, 1000.0, 2000.0, 3000.0]
    assert nice_ticks(8400) == [0.0, 2000.0, 4000.0, 6000.0, 8000.0]
    assert nice_ticks(0) == [0.0]
    assert all(len(nice_ticks(top)) <= 6 for top in (1.0, 7.3, 999.0, 12_345.0, 3.3e6))


def test_shares_and_bounds_are_the_traffic_chart_s(qtbot):
    w = LengthHistogram(LIGHT)
    qtbot.addWidget(w)
    d = data(**EVEN)
    w.show_data(d)
    ts = d.estimate.traffic
    assert w.bounds == [ts.bound_input, ts.bound_output] == [1255, 628]
    assert w.edges[0] == 0 and w.edges[-1] >= max(w.bounds)
    for share, dist in zip(w.shares, [ts.shape.input, ts.shape.output], strict=True):
        assert np.allclose(share, dist.density(w.edges))
        assert share.sum() > 0.99  # the axis reaches the 99.9th percentile
    assert "mean 1,000 tokens" in w.toolTip() and "1,255 in / 628 out" in w.toolTip()


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_it_paints_both_distributions_and_the_bounds(qtbot, theme):
    w = LengthHistogram(theme)
    qtbot.addWidget(w)
    w.resize(340, 130)
    w.show_data(data())
    w.show()
    qtbot.waitExposed(w)
    arr = image_colours(w)
    assert near(arr, theme.background, 8) > arr.shape[0] * arr.shape[1] // 2  # the theme's background
    assert near(arr, theme.memory_colours["kv"], 60) > 30  # the output outline and its dashed bound
    fill = QColor(theme.memory_colours["weights"])  # the input fill, blended with the background
    bg = QColor(theme.background)
    blend = QColor(*(round(0.45 * a + 0.55 * b) for a, b in zip(fill.getRgb()[:3], bg.getRgb()[:3], strict=True)))
    assert near(arr, blend.name(), 30) > 200
    assert w.paint_count >= 1


def test_an_unchanged_length_is_no_repaint(qtbot):
    w = LengthHistogram(LIGHT)
    qtbot.addWidget(w)
    w.show_data(data())
    edges = w.edges
    w.show_data(data(requests_per_s=7.0))  # another rate, the same lengths
    assert w.edges is edges
