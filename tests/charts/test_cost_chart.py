"""Cost chart: bar heights are the cheapest monthly cost per (instance, precision) from the estimate."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lmi_explorer.gui.charts.base import PARTIAL, ChartInput
from lmi_explorer.gui.charts.cost_chart import CostChart
from lmi_explorer.gui.charts.theme import LIGHT
from tests.charts.chart_data import NOFIT, data


@pytest.fixture
def chart() -> CostChart:
    fig = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(fig)
    return CostChart(fig, LIGHT)


def expected(est, instance: str, precision: str) -> float:
    """Cheapest fitting, priced monthly cost (NaN if none), straight from the options table."""
    o = est.options
    rows = o[(o["instance"] == instance) & (o["precision"] == precision) & o["fits"] & o["monthly_usd"].notna()]
    return float(rows["monthly_usd"].min()) if len(rows) else math.nan


def marker_xs(line) -> set[float]:
    return {round(float(x), 6) for x in line.get_xdata()}


def test_bar_heights_are_the_cheapest_monthly_cost(chart):
    d = data()
    chart.update(d)
    est = d.estimate
    assert 0 < len(chart.categories) <= 10
    assert chart.categories[0] == est.feasible.iloc[0]["instance"]  # cheapest instance type first
    cheapest = [est.feasible[est.feasible["instance"] == i]["monthly_usd"].min() for i in chart.categories]
    assert cheapest == sorted(cheapest)
    for instance in chart.categories:
        for p in est.scenario.deployment.precisions:
            bar = chart.bar(instance, p)
            want = expected(est, instance, p)
            if math.isnan(want):
                assert not bar.get_visible()
            else:
                assert bar.get_visible()
                assert bar.get_height() == pytest.approx(want)


def test_pairs_that_do_not_fit_are_marked_at_the_baseline(chart):
    d = data()
    chart.update(d)
    o = d.estimate.options
    for p, line in chart.no_fit_markers.items():
        want = set()
        for i, instance in enumerate(chart.categories):
            fits = o[(o["instance"] == instance) & (o["precision"] == p) & o["fits"]]
            if fits.empty:
                want.add(round(chart.bar(instance, p).get_x() + chart.bar(instance, p).get_width() / 2, 6))
                assert i < len(chart.categories)
        assert marker_xs(line) == want, p
    assert any(len(line.get_xdata()) for line in chart.no_fit_markers.values())  # g5: bf16 does not fit 13B


def test_legend_names_precisions_and_markers(chart):
    chart.update(data())
    labels = [t.get_text() for t in chart.legend.get_texts()]
    assert labels[:5] == ["bf16/fp16", "fp8", "int8", "AWQ int4", "GPTQ int4"]
    assert "✕ does not fit" in labels
    assert "? price unknown" in labels


def test_axis_titles_and_notes(chart):
    d = data()
    chart.update(d)
    assert chart.ax.get_ylabel() == "Monthly cost (USD)"
    assert chart.ax.yaxis.get_major_formatter()(12_000, 0) == "$12k"
    dollars, share = d.estimate.savings()
    assert chart.subtitle.text.startswith(f"Best quantized option saves ${dollars:,.0f}/mo ({share * 100:.0f} %)")
    n_fit = d.estimate.options.loc[d.estimate.options["fits"], "instance"].nunique()
    note = chart.note.text
    assert note.startswith(f"{n_fit - 10} more instance types fit at higher cost")
    # instance types where nothing fits (the default model on a fractional g6f slice) may be named after it
    fitting = set(d.estimate.options.loc[d.estimate.options["fits"], "instance"])
    named = note.partition("Not shown (nothing fits): ")[2]
    assert not fitting & set(filter(None, named.split(", ")))


def test_recommended_bar_is_outlined_and_labelled(chart):
    d = data()
    chart.update(d)
    rec = d.decision.recommendation
    bar = chart.bar(rec.instance, rec.precision)
    assert bar.get_linewidth() == pytest.approx(1.6)
    assert f"${rec.monthly_usd:,.0f}/mo" in chart.value_label.get_text()


def test_same_structure_mutates_the_same_bars(chart):
    chart.update(data())
    bars = dict(chart.bars)
    before = {(i, p): chart.bar(i, p).get_height() for i in chart.categories for p in chart.precisions}
    cats = list(chart.categories)
    assert chart.update(data(hours_per_month=365.0)) == PARTIAL  # same bars, other heights (both axes dynamic)
    assert chart.categories == cats  # fewer hours keep the order
    assert all(chart.bars[k] is v for k, v in bars.items())
    for (i, p), h in before.items():
        assert chart.bar(i, p).get_height() == pytest.approx(h * 0.5)


def test_other_precisions_rebuild_the_bars_and_legend(chart):
    chart.update(data())
    old = set(map(id, chart.bars.values()))
    chart.update(data(precisions=("bf16", "awq")))
    assert chart.precisions == ("bf16", "awq")
    assert not old & set(map(id, chart.bars.values()))
    assert len(chart.bars) == 20
    labels = [t.get_text() for t in chart.legend.get_texts()]
    assert labels[:2] == ["bf16/fp16", "AWQ int4"]


def test_unknown_price_is_marked_with_a_question_mark(chart):
    d = data(instance_families=("g6e",))
    est = d.estimate
    top = est.feasible.iloc[0]["instance"]
    o = est.options.copy()
    unknown = o["instance"] == top
    o.loc[unknown, ["hourly_usd", "monthly_usd"]] = np.nan
    chart.update(ChartInput(replace(est, columns={c: o[c].to_numpy() for c in o}), d.decision))
    assert chart.categories[-1] == top  # fits, but without a price it sorts last
    fitting = o[unknown & o["fits"]]["precision"].unique()
    assert len(fitting)
    for p in fitting:
        bar = chart.bar(top, p)
        assert not bar.get_visible()
        assert round(bar.get_x() + bar.get_width() / 2, 6) in marker_xs(chart.unknown_markers[p])


def test_nothing_fits_shows_a_message_instead_of_bars(chart):
    chart.update(data())
    chart.update(data(**NOFIT))
    assert chart.message.visible
    assert chart.message.text.startswith("Nothing fits")
    assert "94.5 GiB" in chart.message.text  # the closest miss, in words
    assert not any(b.get_visible() for b in chart.bars.values())
    assert not chart.legend.get_visible()
    assert chart.note.text.startswith("Not shown (nothing fits): g5.")
    chart.update(data())
    assert not chart.message.visible
    assert chart.legend.get_visible()
