"""The parity chart: points per metric, hollow before / filled after a fit, bands, labels and hover."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lmi_explorer.gui.charts.parity_chart import MAX_LABELS, ParityChart, signed_percent
from lmi_explorer.gui.charts.theme import LIGHT
from lmi_explorer.models.calibration.fit import fit_measurements
from lmi_explorer.models.calibration.points import parity_points
from tests.charts.chart_data import CALIBRATED, RUNS, data


def build() -> tuple[Figure, ParityChart]:
    fig = Figure(figsize=(8.0, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    return fig, ParityChart(fig, LIGHT)


def counts(chart: ParityChart, kind: str) -> dict[str, int]:
    return {p.metric: sum(len(s.get_offsets()) for s in getattr(p, kind)) for p in chart.panels}


def legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


def test_without_measurements_it_shows_the_sixteen_published_cases_while_the_load_tests_are_compared(monkeypatch):
    import lmi_explorer.models.calibration.points as points

    monkeypatch.setattr(points, "_PUBLISHED", [])
    points._shipped_view.cache_clear()
    fig, chart = build()
    assert chart.update(data()) is True
    assert sum(counts(chart, "after").values()) == 16
    assert sum(counts(chart, "before").values()) == 0
    assert counts(chart, "after")["ttft_s"] == 4  # the prefill cases
    assert fig.get_suptitle() == "Estimate versus measured: published cases"
    assert chart.subtitle.text.startswith("16 single-batch published cases")
    assert "TensorRT-LLM · H100 80GB" in legend_texts(fig)
    assert "with the shipped factors" not in legend_texts(fig)


def test_once_compared_it_shows_every_published_load_test():
    from lmi_explorer.models.calibration.points import parity_points

    fig, chart = build()
    p = parity_points(data().estimate.scenario, wait_for_published=True)
    assert chart.update(data()) is True
    shown = sum(counts(chart, "after").values())
    f = p.frame[p.frame["metric"] != "kv_tokens"]
    assert shown == int((f["estimated"].astype(float) > 0).sum()) > 200
    assert chart.subtitle.text.startswith(f"{p.summary.compared} published figures")
    # the groups with the most points get their own colours; the last entry gathers the rest
    legend = legend_texts(fig)
    assert "TensorRT-LLM · L40S" in legend and "others" in legend
    # another server's figures keep a colour of their own, named as shown for reference
    assert "other servers (for reference)" in legend
    other = chart.slot_labels.index("other servers (for reference)")
    tgi = p.frame[(p.frame["origin"] == "other server") & (p.frame["metric"] != "kv_tokens")]
    assert sum(len(panel.after[other].get_offsets()) for panel in chart.panels) == len(tgi) > 0


def test_imported_runs_then_fitted_show_before_hollow_and_after_filled():
    fig, chart = build()
    chart.update(data(**CALIBRATED))
    assert counts(chart, "after") == {"ttft_s": 2, "tpot_ms": 2, "output_tokens_per_s": 2}
    assert sum(counts(chart, "before").values()) == 0
    assert legend_texts(fig)[0] == "vLLM · L40S"
    report = fit_measurements(RUNS, data(**CALIBRATED).estimate.scenario, name="sample load tests")
    assert chart.update(data(calibration=report.calibration)) is True
    assert counts(chart, "before") == {"ttft_s": 2, "tpot_ms": 2, "output_tokens_per_s": 2}
    assert all(len(p.moves.get_segments()) == 2 for p in chart.panels)
    assert "with the shipped factors" in legend_texts(fig)
    # the filled points sit at (measured, fitted estimate), the hollow ones at (measured, shipped estimate)
    tpot = chart.panels[1]
    after = np.asarray(tpot.after[0].get_offsets())
    before = np.asarray(tpot.before[0].get_offsets())
    pts = report.points[report.points["metric"] == "tpot_ms"]
    assert np.allclose(after[:, 1], pts["after"]) and np.allclose(before[:, 1], pts["before"])
    assert chart.update(data(calibration=report.calibration)) is False


def test_worst_points_carry_their_error_and_the_rest_fit_in_the_limits():
    _fig, chart = build()
    chart.update(data(**CALIBRATED))
    points = parity_points(data(**CALIBRATED).estimate.scenario)
    shown = [a.get_text() for p in chart.panels for a in p.labels if a.get_visible()]
    worst = points.frame.loc[points.frame["error"].abs().idxmax()]
    assert signed_percent(worst["error"]) in shown
    assert all(len([a for a in p.labels if a.get_visible()]) <= MAX_LABELS for p in chart.panels)
    for p in chart.panels:  # every point inside its square log range, with the diagonal through it
        lo, hi = p.ax.get_xlim()
        assert p.ax.get_ylim() == pytest.approx((lo, hi))
        for s in p.after:
            xy = np.asarray(s.get_offsets())
            assert ((xy > lo) & (xy < hi)).all()


def test_hover_names_the_point_under_the_pointer():
    fig, chart = build()
    chart.update(data(**CALIBRATED))
    fig.canvas.draw()
    panel = chart.panels[1]
    x, y = panel.ax.transData.transform(np.asarray(panel.after[0].get_offsets())[1])
    fig.canvas.callbacks.process("motion_notify_event", MouseEvent("motion_notify_event", fig.canvas, x + 2, y))
    assert panel.hover.get_visible()
    assert panel.hover.get_text().startswith("sample c=16\nmeasured 41, estimated ")
    fig.canvas.callbacks.process("motion_notify_event", MouseEvent("motion_notify_event", fig.canvas, 5, 5))
    assert not any(t.get_visible() for t in chart.hover_texts())
