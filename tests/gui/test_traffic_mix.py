"""Traffic classes and the day in the window: the editor, the Endpoints, Day and Sensitivity tabs."""

from __future__ import annotations

import re

import pytest

from lmi_explorer.gui.registry import index
from lmi_explorer.models.files import data_root
from lmi_explorer.models.scenario import load


def _rest(w, qtbot):
    w.qstate.refine_now()
    qtbot.wait(10)


def test_add_edit_and_remove_a_class(make_window, qtbot):
    w = make_window()
    panel = w.classes_panel
    assert panel.table.rowCount() == 1 and not panel.remove_button.isEnabled()
    panel.add_class()
    s = w.qstate.scenario
    assert len(s.classes()) == 2 and panel.table.rowCount() == 2
    rate = panel.table.cellWidget(1, 2)  # Req/s of the new class
    rate.setValue(4.0)
    assert w.qstate.scenario.other_classes[0].traffic.requests_per_s == 4.0
    panel.table.item(0, 0).setText("Support chatbot")
    assert w.qstate.scenario.traffic_name == "Support chatbot"
    w.tabs.setCurrentIndex(index("endpoints"))
    _rest(w, qtbot)
    chart = w.answer_tab("endpoints").canvas.chart
    assert "Traffic mix:" in chart.subtitle.text
    assert "Traffic mix:" in w.decision_tab.card.text.text()
    panel.table.selectRow(1)
    panel.remove_selected()
    assert len(w.qstate.scenario.classes()) == 1
    _rest(w, qtbot)
    assert "One traffic class" in chart.message.artist.get_text()


def test_day_shape_sets_the_peak_and_the_day_tab_shows_the_week(make_window, qtbot):
    w = make_window()
    panel = w.classes_panel
    assert not panel.autoscale.isEnabled()
    i = panel.day.findData("business_hours")
    panel.day.setCurrentIndex(i)
    panel.day.activated.emit(i)
    s = w.qstate.scenario
    assert s.load.day_profile == "business_hours"
    assert abs(s.traffic.peak_to_average - 2.269657) < 1e-6
    assert not w.traffic_panel.sliders["peak_to_average"].isEnabled()
    assert panel.autoscale.isEnabled()
    panel.autoscale.setChecked(True)
    assert w.qstate.scenario.load.autoscaling
    w.tabs.setCurrentIndex(index("day"))
    _rest(w, qtbot)
    chart = w.answer_tab("day").canvas.chart
    assert chart.subtitle.text.startswith("Autoscaled $")
    assert "a new instance serves after" in chart.subtitle.text


def test_sensitivity_tab_waits_until_shown_and_resting(make_window, qtbot):
    w = make_window(load(data_root() / "scenarios" / "mixed.json"))
    tab = w.answer_tab("sensitivity")
    _rest(w, qtbot)
    assert tab._pending is not None  # not computed while hidden
    w.tabs.setCurrentIndex(index("sensitivity"))
    tab.flush()
    chart = tab.canvas.chart
    # today's cost of the shipped mix, as the comparison and the week price it
    today = w.qstate.state.decision.week.monthly_usd
    assert re.match(r"Support chatbot and nightly summarisation: \$[\d.]+k/mo today", chart.subtitle.text)
    shown = float(re.search(r"\$([\d.]+)k/mo", chart.subtitle.text).group(1)) * 1000
    assert shown == pytest.approx(today, rel=0.01)
    assert len(chart.ax.get_yticklabels()) == 7


def test_a_drawn_day_shape_becomes_the_custom_profile(make_window, qtbot):
    from lmi_explorer.gui.dialogs.day_shape_dialog import DayShapeDialog, dragged

    assert dragged([1.0, 1.0, 1.0], 1.4, 3.0) == [1.0, 3.0, 1.0]
    assert dragged([1.0, 1.0], 5.0, -2.0) == [1.0, 0.0]  # beyond the last hour, below zero: clipped
    dialog = DayShapeDialog((1.0,) * 24, (1.0,) * 24)
    qtbot.addWidget(dialog)
    for h in range(9, 18):
        dialog.set_point("weekday", h, 4.0)
    weekday, weekend = dialog.shape()
    assert weekday[9] == 4.0 and weekday[8] == 1.0 and weekend == (1.0,) * 24
    w = make_window()
    w.classes_panel.apply_shape(weekday, weekend)
    s = w.qstate.scenario
    assert s.load.day_profile == "custom" and s.load.weekday == weekday
    # busiest hour 4 against the week's mean (5 days of 9 × 4 + 15 × 1, 2 days of 24 × 1) / 168
    mean = (5 * (9 * 4 + 15) + 2 * 24) / 168
    assert abs(s.traffic.peak_to_average - round(4 / mean, 6)) < 1e-9
    assert w.classes_panel.day.currentData() == "custom"
    from lmi_explorer.models.scenario import dumps, loads

    assert loads(dumps(s)) == s


def test_the_decision_diagram_and_card_show_the_split(make_window, qtbot):
    w = make_window(load(data_root() / "scenarios" / "mixed.json"))
    w.tabs.setCurrentIndex(index("decision"))
    _rest(w, qtbot)
    chart = w.answer_tab("decision").canvas.chart
    assert chart.subtitle.text.startswith("Traffic mix: one shared endpoint for all 2 classes")
    assert "Main traffic: vLLM" in chart.subtitle.text
    assert "Traffic mix: one shared endpoint" in w.decision_tab.card.text.text()
    w.qstate.update(requests_per_s=3.1)  # a slider step: the split waits, the line stays
    assert chart.subtitle.text.startswith("Traffic mix:")


def test_a_refused_class_name_snaps_back_with_the_reason(make_window, qtbot):
    w = make_window()
    panel = w.classes_panel
    panel.table.item(0, 0).setText("Chat")
    panel.add_class()
    messages = []
    w.qstate.problem.connect(messages.append)
    panel.table.item(1, 0).setText("chat")  # the main traffic's name, in other letters
    assert "is used twice" in messages[-1]
    assert panel.table.item(1, 0).text() == w.qstate.scenario.other_classes[0].name != "chat"
