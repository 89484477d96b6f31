"""File ▸ Import model, the Hugging Face cache choice, drag and drop, and the custom-model editor's import."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from lmi_explorer.models.reference.model_architecture import architecture_of
from tests.models.test_hf_files import QWEN_PARAMS, QWEN_TENSORS, write_safetensors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"
GPT_OSS = FIXTURES / "openai--gpt-oss-120b.config.json"
DEEPSEEK_V4 = FIXTURES / "deepseek-ai--DeepSeek-V4-Flash.config.json"


@pytest.fixture
def warnings_shown(monkeypatch):
    """Every QMessageBox.warning the window opens: (title, text)."""
    shown: list[tuple[str, str]] = []

    def record(_parent, title, text, *_a, **_k):
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", record)
    return shown


def action(w, shortcut: str):
    (act,) = [a for a in w.actions() if a.shortcut() == QKeySequence(shortcut)]
    return act


def drop(w, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    w.dragEnterEvent(event)
    accepted = event.isAccepted()
    w.dropEvent(event)
    return accepted


def test_import_model_action_makes_the_custom_model(make_window, monkeypatch, warnings_shown):
    w = make_window()
    act = action(w, "Ctrl+Shift+I")
    assert "nothing is downloaded" in act.toolTip()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(GPT_OSS), ""))
    act.trigger()
    custom = w.qstate.scenario.custom_model
    assert custom is not None and w.qstate.scenario.model_id is None
    assert custom.name == "gpt-oss-120b" and custom.checkpoint_precision == "mxfp4"
    assert json.loads(custom.config_json) == json.loads(GPT_OSS.read_text())
    assert {g.kind for g in architecture_of(custom).groups} == {"full", "sliding"}
    assert warnings_shown == []  # gpt-oss is sized in full
    assert w.statusBar().currentMessage().startswith("Imported gpt-oss-120b")
    assert w.qstate.state.error is None and w.qstate.state.estimate is not None
    w.qstate.state.undo()  # one step, as the editor's OK
    assert w.qstate.scenario.custom_model is None


def test_approximations_are_shown_once(make_window, warnings_shown):
    w = make_window()
    assert w.import_model(DEEPSEEK_V4)
    (shown,) = warnings_shown
    assert shown[0] == "Imported model: approximations"
    assert shown[1].startswith("DeepSeek-V4-Flash (DeepseekV4ForCausalLM): approximated: DeepSeek-V4 compresses")
    assert shown[1] in w.statusBar().currentMessage()


def test_a_bad_folder_is_refused_and_the_scenario_kept(make_window, tmp_path, warnings_shown):
    w = make_window()
    before = w.qstate.scenario
    assert not w.import_model(tmp_path)
    (shown,) = warnings_shown
    assert shown[0] == "Could not import model" and "no config.json in this folder" in shown[1]
    assert w.qstate.scenario == before


def test_a_file_of_a_model_folder_imports_the_folder(make_window, tmp_path, monkeypatch):
    folder = tmp_path / "Qwen3-0.6B"
    folder.mkdir()
    shutil.copy(FIXTURES / "Qwen--Qwen3-0.6B.config.json", folder / "config.json")
    write_safetensors(folder / "model.safetensors", QWEN_TENSORS)
    w = make_window()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(folder / "model.safetensors"), ""))
    assert w.import_model()
    custom = w.qstate.scenario.custom_model
    assert custom is not None and custom.params_billion == pytest.approx(QWEN_PARAMS / 1e9)
    assert "from the checkpoint" in custom.notes


def test_drop_of_a_config_json_and_of_a_model_folder(make_window, tmp_path, warnings_shown):
    w = make_window()
    assert drop(w, GPT_OSS)
    assert w.qstate.scenario.custom_model is not None
    assert w.qstate.scenario.custom_model.name == "gpt-oss-120b"
    folder = tmp_path / "DeepSeek-V4-Flash"
    folder.mkdir()
    shutil.copy(DEEPSEEK_V4, folder / "config.json")
    assert drop(w, folder)  # a folder is accepted too
    assert w.qstate.scenario.custom_model.name == "DeepSeek-V4-Flash"
    assert len(warnings_shown) == 1


def test_dropped_scenario_still_opens(make_window, tmp_path, make_scenario):
    from lmi_explorer.models.scenario import save

    path = tmp_path / "plan.json"
    save(make_scenario(name="Dropped plan"), path)
    w = make_window()
    drop(w, path)
    assert w.qstate.scenario.name == "Dropped plan"


def test_saving_and_reopening_keeps_the_config(make_window, tmp_path, monkeypatch):
    w = make_window()
    assert w.import_model(GPT_OSS)
    path = tmp_path / "gpt-oss.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    assert w.documents.save_as()
    saved = json.loads(path.read_text())["model"]["custom"]
    assert saved["checkpoint_precision"] == "mxfp4" and saved["config"]["model_type"] == "gpt_oss"
    w2 = make_window()
    assert w2.documents.open(path)
    custom = w2.qstate.scenario.custom_model
    assert custom is not None and custom.config_json == w.qstate.scenario.custom_model.config_json
    assert custom.checkpoint_precision == "mxfp4"


def test_import_from_the_hugging_face_cache(make_window, tmp_path, monkeypatch):
    pytest.importorskip("huggingface_hub")
    from lmi_explorer.gui.dialogs import model_import

    repo = tmp_path / "hub" / "models--Qwen--Qwen3-0.6B"
    snapshot = repo / "snapshots" / "0123456789abcdef"
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123456789abcdef")
    shutil.copy(FIXTURES / "Qwen--Qwen3-0.6B.config.json", snapshot / "config.json")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    listed = []

    def pick(dlg):
        listed.extend(dlg.list.item(i).text() for i in range(dlg.list.count()))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(model_import.CachedModelDialog, "exec", pick)
    w = make_window()
    (act,) = [a for a in w.actions() if a.text() == "Import model from Hugging Face &cache…"]
    assert "nothing is downloaded" in act.toolTip()
    act.trigger()
    assert len(listed) == 1 and listed[0].startswith("Qwen/Qwen3-0.6B")
    custom = w.qstate.scenario.custom_model
    assert custom is not None and custom.name == "Qwen3-0.6B"
    assert custom.source.startswith("Hugging Face cache: Qwen/Qwen3-0.6B")


def test_an_empty_cache_says_where_it_looked(make_window, tmp_path, monkeypatch):
    pytest.importorskip("huggingface_hub")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, title, text, *a, **k: told.append(text))
    w = make_window()
    assert not w.model_importer.choose_cached()
    assert str(tmp_path / "empty") in told[0]


def test_custom_model_editor_imports_windowed_and_linear_configs(make_window):
    from lmi_explorer.gui.dialogs.custom_model_dialog import CustomModelDialog

    w = make_window()
    dlg = CustomModelDialog(w.qstate.scenario.model(), w)
    assert dlg.import_config(GPT_OSS)
    assert dlg.error.text() == "" and dlg.warning.text() == ""
    assert "precision mxfp4" in dlg.checkpoint.text()
    dlg._accept()
    assert dlg.spec is not None and dlg.spec.config_json and dlg.spec.checkpoint_precision == "mxfp4"
    assert dlg.spec.source == "config.json: openai--gpt-oss-120b.config.json"
    # linear attention: imported, and what is assumed shown in the editor
    assert dlg.import_config(FIXTURES / "Qwen--Qwen3.5-35B-A3B.config.json")
    assert "Assumed:" in dlg.warning.text()
    dlg._accept()
    assert dlg.spec is not None and any(g.kind == "linear" for g in architecture_of(dlg.spec).groups)
    # an edited architecture field makes it a typed-in model: the config no longer describes it
    dlg.inputs["layers"].setValue(dlg.inputs["layers"].value() + 1)
    dlg._accept()
    assert dlg.spec is not None and dlg.spec.config_json == "" and dlg.spec.source == "entered by the user"


def test_editor_keeps_the_config_of_an_imported_model(make_window):
    from lmi_explorer.gui.dialogs.custom_model_dialog import CustomModelDialog

    w = make_window()
    assert w.import_model(GPT_OSS)
    dlg = CustomModelDialog(w.qstate.scenario.model(), w)
    dlg.inputs["context"].setValue(32_768)  # not an architecture field
    dlg._accept()
    assert dlg.spec is not None and dlg.spec.config_json == w.qstate.scenario.custom_model.config_json
    assert dlg.spec.context == 32_768


def test_editor_import_button_takes_a_file_of_a_model_folder(make_window, tmp_path, monkeypatch):
    from lmi_explorer.gui.dialogs.custom_model_dialog import CustomModelDialog

    folder = tmp_path / "Qwen3-0.6B"
    folder.mkdir()
    shutil.copy(FIXTURES / "Qwen--Qwen3-0.6B.config.json", folder / "config.json")
    write_safetensors(folder / "model.safetensors", QWEN_TENSORS)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(folder / "model.safetensors"), ""))
    w = make_window()
    dlg = CustomModelDialog(w.qstate.scenario.model(), w)
    dlg.import_button.click()
    assert dlg.name.text() == "Qwen3-0.6B"
    assert "(counted in the checkpoint)" in dlg.checkpoint.text()
    assert dlg.inputs["params_billion"].value() == pytest.approx(QWEN_PARAMS / 1e9, abs=1e-3)
