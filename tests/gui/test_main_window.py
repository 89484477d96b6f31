"""The live window driven like a user would: pick, drag, switch, and see the answer change."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from lmi_explorer.gui.panels.traffic_panel import SLIDERS


def settle(qtbot, ms: int = 30) -> None:
    QApplication.processEvents()
    qtbot.wait(ms)


def card_text(w) -> str:
    return w.decision_tab.card.text.text()


def test_default_window_answers(make_window):
    w = make_window()
    assert w.qstate.scenario.model().name == "Llama-2-13b-hf"
    text = card_text(w)
    assert "$" in text
    assert "vLLM" in text
    assert "Uneven traffic" in text
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == [
        "Decision",
        "Cost",
        "Memory",
        "Traffic",
        "Break-even",
        "Load test",
        "Endpoints",
        "Day",
        "Sensitivity",
        "Calibration",
    ]
    assert w.status_prices.text() == "Price list: bundled"
    assert "ms" in w.status_time.text()


def test_choosing_a_model_changes_the_answer(make_window, qtbot):
    w = make_window()
    before = card_text(w)
    combo = w.model_panel.combo
    idx = combo.findData("meta-llama/Llama-2-70b-hf")
    combo.setCurrentIndex(idx)
    combo.activated.emit(idx)
    settle(qtbot)
    assert w.qstate.scenario.model_id == "meta-llama/Llama-2-70b-hf"
    assert "68.98B parameters" in w.model_panel.info.text()
    assert card_text(w) != before


def test_support_badges_follow_the_model_and_release(make_window, qtbot):
    w = make_window()
    w.qstate.update(model_id="google/flan-t5-xl", lmi_release=12)
    settle(qtbot)
    badges = w.model_panel.badges
    assert "✓" in badges["trtllm"].text()
    assert "✓" in badges["lmi-dist"].text()
    assert "✕" in badges["vllm"].text()
    assert "No vLLM shipped in LMI v9–v29 lists T5ForConditionalGeneration" in badges["vllm"].toolTip()
    w.qstate.update(lmi_release=20)
    settle(qtbot)
    assert "–" in badges["lmi-dist"].text()  # retired in v15


@pytest.mark.parametrize(("name", "label", "lo", "hi", "log", "dec", "suffix", "tip"), SLIDERS)
def test_every_slider_binds_both_ways(make_window, qtbot, name, label, lo, hi, log, dec, suffix, tip):
    w = make_window()
    sl = w.traffic_panel.sliders[name]
    assert sl.slider.toolTip()  # every input explains itself
    # widget -> state
    sl.slider.setValue(sl.slider.value() + 37)
    settle(qtbot, 5)
    assert getattr(w.qstate.scenario.traffic, name) == pytest.approx(sl.value())
    # state -> widget
    target = round(lo + (hi - lo) * 0.3, dec) if not log else round((lo * hi) ** 0.5, dec)
    w.qstate.update(**{name: target})
    settle(qtbot, 5)
    assert sl.spin.value() == pytest.approx(target)


def test_slider_changes_the_recommendation_and_the_decision_path(make_window, qtbot):
    w = make_window()
    assert "uneven" in card_text(w).lower()
    for name in ("input_cv", "output_cv"):
        w.traffic_panel.sliders[name].spin.setValue(0.1)
    settle(qtbot)
    assert w.qstate.state.decision.path[4] == "trtllm"
    assert "Even traffic" in card_text(w)


def test_one_slider_step_is_one_draw_per_visible_chart(make_window, qtbot):
    w = make_window()
    w.tabs.setCurrentIndex(1)  # Cost
    settle(qtbot, 100)
    cost = w.cost_tab.canvas
    hidden = w.memory_tab.canvas
    hist = w.traffic_panel.histogram
    before = (cost.draw_count, hidden.draw_count, hist.paint_count)
    w.traffic_panel.sliders["requests_per_s"].slider.triggerAction(
        w.traffic_panel.sliders["requests_per_s"].slider.SliderAction.SliderSingleStepAdd
    )
    qtbot.waitUntil(lambda: cost.draw_count > before[0])  # checked as soon as it happens (a slow machine waits)
    assert cost.draw_count == before[0] + 1
    assert hidden.draw_count == before[1]  # hidden tab waits until shown
    assert hist.paint_count == before[2]  # a rate step leaves the lengths, so the histogram, alone
    w.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: hidden.draw_count > before[1])
    assert hidden.draw_count == before[1] + 1


def test_switching_tabs_shows_each_chart(make_window, qtbot):
    w = make_window()
    for i in range(w.tabs.count()):
        w.tabs.setCurrentIndex(i)
        qtbot.waitUntil(lambda i=i: w.answer_tabs[i].canvas.draw_count >= 1)


def test_cost_table_lists_options_and_filters(make_window, qtbot):
    w = make_window()
    w.tabs.setCurrentIndex(1)
    w.cost_tab.flush()
    est = w.qstate.state.estimate
    assert w.cost_tab.proxy.rowCount() == int(est.options["fits"].sum())
    w.cost_tab.fits_only.setChecked(False)
    assert w.cost_tab.proxy.rowCount() == len(est.options)
    w.cost_tab.filter.setText("g6e.xlarge")
    assert 0 < w.cost_tab.proxy.rowCount() < len(est.options)
    w.cost_tab.filter.setText("")
    w.cost_tab.fits_only.setChecked(True)
    # sorted by monthly cost: the first row is the cheapest option
    first = w.cost_tab.proxy.index(0, 6).data()
    assert first.startswith("$")


def test_impossible_input_is_refused_and_widgets_snap_back(make_window, qtbot):
    w = make_window()
    boxes = w.deployment_panel.precisions
    ticked = [key for key, box in boxes.items() if box.isChecked()]
    for key in ticked[:-1]:
        boxes[key].setChecked(False)
    settle(qtbot, 5)
    last = ticked[-1]
    boxes[last].setChecked(False)  # nothing left to compare: refused
    settle(qtbot, 5)
    assert w.qstate.scenario.deployment.precisions == (last,)
    assert boxes[last].isChecked()
    assert "choose at least one precision" in w.statusBar().currentMessage()


def test_model_that_fits_nowhere_says_why(make_window, qtbot):
    w = make_window()
    w.qstate.update(model_id="meta-llama/Llama-3.1-405B", instance_families=("g5",), precisions=("bf16",))
    settle(qtbot)
    assert "Nothing fits" in card_text(w)


def test_undo_redo_a_slider_drag_as_one_step(make_window, qtbot):
    w = make_window()
    sl = w.traffic_panel.sliders["requests_per_s"]
    start = w.qstate.scenario.traffic.requests_per_s
    sl.slider.sliderPressed.emit()
    for _ in range(5):
        sl.slider.setValue(sl.slider.value() + 20)
    sl.slider.sliderReleased.emit()
    settle(qtbot, 5)
    moved = w.qstate.scenario.traffic.requests_per_s
    assert moved > start
    w.undo_action.trigger()
    assert w.qstate.scenario.traffic.requests_per_s == pytest.approx(start)
    assert sl.spin.value() == pytest.approx(start)
    w.redo_action.trigger()
    assert w.qstate.scenario.traffic.requests_per_s == pytest.approx(moved)


def test_settings_and_last_scenario_persist(make_window, qtbot):
    w = make_window(restore=True)
    w.qstate.update(requests_per_s=7.5, model_id="mistralai/Mistral-7B-v0.1")
    w.tabs.setCurrentIndex(3)
    w.close()
    w2 = make_window(restore=True)
    assert w2.qstate.scenario.traffic.requests_per_s == 7.5
    assert w2.qstate.scenario.model_id == "mistralai/Mistral-7B-v0.1"
    assert w2.tabs.currentIndex() == 3


def test_custom_model_dialog(make_window, qtbot, monkeypatch):
    from lmi_explorer.gui.dialogs.custom_model_dialog import CustomModelDialog

    w = make_window()
    dlg = CustomModelDialog(w.qstate.scenario.model(), w)
    dlg.name.setText("Acme-30B")
    dlg.inputs["params_billion"].setValue(30.0)
    dlg.inputs["kv_heads"].setValue(7)  # does not divide 40 heads
    dlg._accept()
    assert "kv_heads" in dlg.error.text()
    dlg.inputs["kv_heads"].setValue(8)
    dlg._accept()
    assert dlg.spec is not None
    w.qstate.update(custom_model=dlg.spec, model_id=None)
    settle(qtbot)
    assert "Acme-30B" in w.model_panel.combo.currentText()
    assert "30.00B parameters" in w.model_panel.info.text()


def test_keyboard_moves_a_slider(make_window, qtbot):
    w = make_window()
    sl = w.traffic_panel.sliders["output_mean"]
    before = w.qstate.scenario.traffic.output_mean
    sl.slider.setFocus()
    qtbot.keyClick(sl.slider, Qt.Key.Key_PageUp)
    settle(qtbot, 5)
    assert w.qstate.scenario.traffic.output_mean > before


def test_assumptions_dialog_lists_sources(make_window, qtbot):
    from lmi_explorer.gui.dialogs.assumptions_dialog import AssumptionsDialog

    w = make_window()
    dlg = AssumptionsDialog(w.qstate.state, w)
    topics = {dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount())}
    assert {"Model", "Traffic", "Backend", "Hardware", "Price"} <= topics
    sources = [dlg.table.item(r, 3).text() for r in range(dlg.table.rowCount())]
    assert all(sources)


def test_load_test_tab_follows_the_targets(make_window, qtbot):
    w = make_window()
    w.tabs.setCurrentWidget(w.loadtest_tab)
    qtbot.waitUntil(lambda: w.loadtest_tab.canvas.chart is not None and bool(w.loadtest_tab.canvas.chart.sweeps))
    chart = w.loadtest_tab.canvas.chart
    assert 1 <= len(chart.sweeps) <= 4
    assert "Cheapest options; closed loop of N clients" in chart.subtitle.text
    assert chart.tpot_target.get_ydata()[0] == 50.0
    w.qstate.update(tpot_ms=30.0)
    settle(qtbot)
    qtbot.waitUntil(lambda: chart.tpot_target.get_ydata()[0] == 30.0)
    assert "TPOT ≤ 30 ms" in chart.subtitle.text


def test_rows_selected_in_the_cost_table_are_load_tested(make_window, qtbot):
    from PySide6.QtCore import QItemSelectionModel

    w = make_window()
    w.tabs.setCurrentWidget(w.cost_tab)
    w.cost_tab.flush()
    table = w.cost_tab.table
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (2, 5):
        table.selectionModel().select(w.cost_tab.proxy.index(row, 0), flags)
    picked = w.cost_tab.selected_options()
    assert len(picked) == 2
    assert w.loadtest_options == picked
    w.tabs.setCurrentWidget(w.loadtest_tab)
    qtbot.waitUntil(lambda: w.loadtest_tab.canvas.chart is not None and bool(w.loadtest_tab.canvas.chart.sweeps))
    chart = w.loadtest_tab.canvas.chart
    assert [(s.backend, s.instance, s.precision, s.tensor_parallel) for s in chart.sweeps] == list(picked)
    assert chart.subtitle.text.startswith("Selected options")
    assert "selected in the Cost table" in w.loadtest_tab.hint.text()
    # the pick survives a slider move (the table refills), and the deck would show it too
    w.tabs.setCurrentWidget(w.cost_tab)
    w.qstate.update(requests_per_s=3.0)
    settle(qtbot)
    w.cost_tab.flush()
    assert w.chart_input().loadtest_options == picked
    w.tabs.setCurrentWidget(w.loadtest_tab)
    # back to the cheapest options
    w.loadtest_tab.clear_button.click()
    qtbot.waitUntil(lambda: chart.subtitle.text.startswith("Cheapest options"))
    assert w.loadtest_options == ()
    assert not w.loadtest_tab.clear_button.isVisible()


@pytest.mark.parametrize("size", [(1024, 640), (1280, 800)])
def test_the_recommendation_is_never_cut_off(make_window, qtbot, size):
    """A long 'nothing fits' answer on a small screen: the card grows to show it, or scrolls past a dozen lines."""
    w = make_window()
    w.resize(*size)
    w.qstate.update(model_id="meta-llama/Llama-3.1-405B", instance_families=("g5",), precisions=("bf16",))
    card = w.decision_tab.card
    qtbot.waitUntil(lambda: "Nothing fits" in card_text(w))
    bar = card.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=3000)  # every line visible
    assert card.text.height() <= card.scroll.viewport().height()
    card.text.setText("<p>" + "<br>".join(f"reason {i}" for i in range(40)) + "</p>")
    card._fit()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3000)  # too long for any card: it scrolls instead
    assert card.height() <= card.MAX_LINES * card.fontMetrics().lineSpacing() + 40  # of pushing the diagram away
    assert w.decision_tab.canvas.height() >= 260


def test_custom_qwen3_is_served_by_vllm_from_v15(make_window, qtbot):
    from lmi_explorer.gui.dialogs.custom_model_dialog import CustomModelDialog

    w = make_window()
    dlg = CustomModelDialog(w.qstate.scenario.model(), w)
    dlg.name.setText("Qwen3-4B")
    dlg.model_type.setCurrentText("qwen3")
    dlg.architecture.setCurrentText("Qwen3ForCausalLM")
    dlg._accept()
    assert dlg.spec is not None and dlg.spec.architecture == "Qwen3ForCausalLM"
    w.qstate.update(custom_model=dlg.spec, model_id=None, lmi_release=29)
    settle(qtbot)
    tip = w.model_panel.badges["vllm"].toolTip()
    assert tip.startswith("supported:") and "Qwen3ForCausalLM" in tip
    w.qstate.update(lmi_release=14)
    settle(qtbot)
    assert "Qwen3ForCausalLM needs LMI v15 or later" in w.model_panel.badges["vllm"].toolTip()


def test_release_picker_tooltip_says_what_changed(make_window, qtbot):
    w = make_window()
    panel = w.deployment_panel
    assert panel.release.currentData() == 29
    assert "vLLM 0.28.0" in panel.release.toolTip()
    assert "AWS's own container (LMI's last NeuronX release is v16)" in panel.release.toolTip()
    i16 = panel.release.findData(16)
    assert "Transformers NeuronX" in panel.release.itemData(i16, Qt.ItemDataRole.ToolTipRole)


def test_inferentia_on_the_newest_release_explains_itself(make_window, qtbot):
    w = make_window()
    w.qstate.update(hardware="inferentia")
    settle(qtbot)
    card = w.decision_tab.card.text.text()
    assert "vLLM on Neuron (NxD Inference) on" in card
    assert "pytorch-inference-vllm-neuronx" in card
    assert "LMI ships no Neuron container after v16" in card
    assert "int4" not in card


def test_custom_model_from_a_config_json(make_window, qtbot, tmp_path):
    from pathlib import Path

    from lmi_explorer.gui.dialogs.custom_model_dialog import CustomModelDialog

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"
    w = make_window()
    dlg = CustomModelDialog(w.qstate.scenario.model(), w)
    moe = next(fixtures.glob("*Qwen3-235B-A22B*.json"))
    assert dlg.import_config(moe)
    assert dlg.name.text() == "Qwen3-235B-A22B"
    assert dlg.architecture.currentText() == "Qwen3MoeForCausalLM"
    assert dlg.inputs["experts"].value() == 128 and dlg.inputs["head_dim"].value() == 128
    assert "22.19B active per token" in dlg.checkpoint.text()
    dlg._accept()
    assert dlg.spec is not None and dlg.spec.active_params_billion == pytest.approx(22.19, rel=0.01)
    # sliding-window layers are sized from the config now: gpt-oss imports with its 128 experts
    swa = next(fixtures.glob("*gpt-oss-120b*.json"))
    assert dlg.import_config(swa)
    assert dlg.error.text() == "" and dlg.inputs["experts"].value() == 128
    # latent attention is sized: DeepSeek-R1 keeps its latent through the editor
    assert dlg.import_config(next(fixtures.glob("*DeepSeek-R1*.json")))
    assert "latent attention (512 + 64" in dlg.checkpoint.text()
    dlg._accept()
    assert dlg.spec is not None and dlg.spec.kv_lora_rank == 512
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    assert not dlg.import_config(bad)
    assert dlg.error.text().startswith("config.json") or "JSON" in dlg.error.text()


def test_engine_limits_are_inputs_that_move_the_estimate(make_window, qtbot):
    w = make_window()
    panel = w.deployment_panel
    assert panel.max_batch.text() == "backend default" and panel.step_tokens.text() == "backend default"
    assert "max_rolling_batch_size" in panel.max_batch.toolTip()
    assert "max_num_batched_tokens" in panel.step_tokens.toolTip()
    panel.max_batch.setValue(4)
    settle(qtbot, 5)
    assert w.qstate.scenario.deployment.max_batch_size == 4
    options = w.qstate.state.estimate.options
    assert (options["max_concurrency"] <= 4).all()
    panel.step_tokens.setValue(4096)
    settle(qtbot, 5)
    assert w.qstate.scenario.deployment.max_num_batched_tokens == 4096
    panel.max_batch.setValue(panel.max_batch.minimum())  # back to the backend's default
    settle(qtbot, 5)
    assert w.qstate.scenario.deployment.max_batch_size is None
    w.qstate.update(max_batch_size=64)  # a loaded scenario shows its own limits
    settle(qtbot, 5)
    assert panel.max_batch.value() == 64
