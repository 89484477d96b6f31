"""The Deploy dialog: one tab per format, what it shows is what the CLI writes, Copy and Save work."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QPlainTextEdit

from lmi_explorer.gui.dialogs.deploy_dialog import DeployDialog
from lmi_explorer.models.deploy import FORMATS, build
from lmi_explorer.models.state import AppState


def test_dialog_shows_every_format_of_the_recommendation(qtbot):
    state = AppState()
    dialog = DeployDialog(state)
    qtbot.addWidget(dialog)
    assert dialog.tabs.count() == len(FORMATS)
    rec = state.decision.recommendation
    assert f"vLLM: {rec.instances} × {rec.instance}" in dialog.heading.text()
    expected = build(state.estimate, None, state.decision)
    for i, fmt in enumerate(FORMATS):
        view = dialog.tabs.widget(i)
        assert isinstance(view, QPlainTextEdit)
        assert view.toPlainText() == expected.render(fmt)
    dialog.tabs.setCurrentIndex(FORMATS.index("env"))
    dialog.copy_current()
    assert "OPTION_MAX_ROLLING_BATCH_SIZE=" in QGuiApplication.clipboard().text()


def test_save_writes_the_current_tab(qtbot, tmp_path, monkeypatch):
    state = AppState()
    dialog = DeployDialog(state)
    qtbot.addWidget(dialog)
    target = tmp_path / "serving.properties"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    dialog.tabs.setCurrentIndex(FORMATS.index("properties"))
    dialog.save_current()
    assert target.read_text(encoding="utf-8") == dialog.texts["properties"]


def test_refused_formats_and_options_say_why(qtbot):
    state = AppState()
    state.update(hardware="inferentia")
    dialog = DeployDialog(state)
    qtbot.addWidget(dialog)
    i = FORMATS.index("properties")
    assert "runs from AWS's Neuron container" in dialog.tabs.widget(i).toPlainText()
    assert dialog.current_format() == "docker"  # it opens on the first format the option has
    dialog.tabs.setCurrentIndex(i)
    assert not dialog.save_button.isEnabled()
    dialog.tabs.setCurrentIndex(FORMATS.index("docker"))
    assert dialog.save_button.isEnabled()
    bad = DeployDialog(AppState(), "vllm:g4dn.xlarge:bf16")
    qtbot.addWidget(bad)
    assert "does not fit" in bad.problem.text()
    assert not bad.tabs.isVisible() and not bad.copy_button.isEnabled()


def test_cost_table_row_opens_its_deployment(make_window, qtbot):
    w = make_window()
    tab = w.cost_tab
    tab.flush()
    option = tab.option_at(0)
    assert option and option.count(":") == 3
    with qtbot.waitSignal(tab.deploy_requested) as blocker:
        tab.deploy_requested.emit(option)
    assert blocker.args == [option]
    assert w.deploy_dialog.artifact is not None
    _backend, instance, precision, tp = option.split(":")
    assert f"× {instance} ({precision}, TP {tp})" in w.deploy_dialog.artifact.target.title
    w.deploy_dialog.close()
    w.answer_tab("decision").card.deploy_button.click()
    assert w.qstate.state.decision.recommendation.instance in w.deploy_dialog.heading.text()
    w.deploy_dialog.close()


def test_a_traffic_mix_offers_each_endpoint(qtbot):
    from lmi_explorer.models.files import data_root
    from lmi_explorer.models.scenario import load

    state = AppState(scenario=load(data_root() / "scenarios" / "mixed.json"))
    dialog = DeployDialog(state)
    qtbot.addWidget(dialog)
    assert dialog.endpoint.count() == 4
    i = dialog.endpoint.findData("shared")
    dialog.endpoint.setCurrentIndex(i)
    dialog.endpoint.activated.emit(i)
    shared = state.decision.split.shared
    assert f"{shared.instances} × {shared.option['instance']}" in dialog.heading.text()
    assert "One shared endpoint" in dialog.heading.text()
    assert dialog.tabs.count() == len(FORMATS)
    assert "InitialInstanceCount" in dialog.texts["boto3"]
