"""Importing measurements whose model the app does not know: one message names the runs and the way out,
the other runs are imported, the refused ones are kept aside (never estimated as the scenario's model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

CALIBRATION = 6  # tab index
HEADER = (
    "model,instance,backend,precision,tp,concurrency,input_tokens,output_tokens,ttft_s,tpot_ms,"
    "output_tokens_per_s,source,as_of\n"
)
REFUSED = (
    "model 'foo/bar' is not in the catalog: import its config.json (File ▸ Import model…) "
    "or name the model this run used (--model ID)"
)


def write_csv(path: Path, *models: str) -> Path:
    rows = [
        f"{m},g6e.2xlarge,vllm,bf16,1,{n},1000,200,0.16,41.0,385.1,bench,2026-11"
        for m, n in zip(models, (1, 16, 64), strict=False)
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def shown(monkeypatch):
    """The unknown-model message is recorded, not shown; ``answer`` is the button its fake user clicks."""
    seen: list[str] = []
    answer: dict[str, str | None] = {"button": None}

    def exec_(box):
        seen.append(f"{box.text()}\n{box.informativeText()}")
        for b in box.buttons():
            if answer["button"] and b.text().replace("&", "") == answer["button"]:
                b.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return seen, answer


def test_an_unknown_model_row_is_named_and_the_other_rows_are_imported(make_window, shown, tmp_path, qtbot):
    seen, _ = shown
    w = make_window()
    path = write_csv(tmp_path / "runs.csv", "meta-llama/Llama-3.1-8B", "foo/bar", "meta-llama/Llama-3.1-8B")
    assert w.import_measurements(path)
    (message,) = seen
    assert message.startswith("1 of 3 runs in runs.csv name a model the app does not know:")
    assert f"runs row 3 c=16: {REFUSED}" in message
    assert "row 2" not in message and "row 4" not in message
    assert "File ▸ Import model…" in message and "choose the catalog model they ran" in message
    # nothing is lost: the refused run is kept in the scenario, aside
    ms = w.qstate.scenario.calibration.measurements
    assert [m.model for m in ms] == ["meta-llama/Llama-3.1-8B", "foo/bar", "meta-llama/Llama-3.1-8B"]
    status = w.statusBar().currentMessage()
    assert "Imported 3 runs" in status and "1 run kept aside until the model is known" in status
    tab = w.calibration_tab
    w.tabs.setCurrentIndex(CALIBRATION)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 9)
    table = [tab.model.row_text(r) for r in range(tab.model.rowCount())]
    refused = [r for r in table if r[0] == "runs row 3 c=16"]
    assert len(refused) == 3 and all(r[-1] == REFUSED and r[4] == "–" for r in refused)
    assert all(r[4] != "–" for r in table if r[0] != "runs row 3 c=16")
    # the fit leaves it out and says why
    assert tab.fit()
    assert f"Not fitted: runs row 3 c=16: {REFUSED}." in tab.status.text()
    assert [m.model for m in w.qstate.scenario.calibration.measurements].count("foo/bar") == 1  # still kept


def test_choosing_the_model_places_the_refused_runs_on_it(make_window, shown, monkeypatch, tmp_path):
    seen, answer = shown
    answer["button"] = "Choose model…"
    offered: list[list[str]] = []

    def get_item(parent, title, label, items, current, editable):
        offered.append(list(items))
        return "Qwen/Qwen3-8B", True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    w = make_window()
    assert w.import_measurements(write_csv(tmp_path / "runs.csv", "meta-llama/Llama-3.1-8B", "foo/bar"))
    assert len(seen) == 1
    assert offered[0][0] == w.qstate.scenario.model_id  # the scenario's model first, then the catalog
    assert "Qwen/Qwen3-8B" in offered[0]
    a, b = w.qstate.scenario.calibration.measurements
    assert (a.model, b.model) == ("meta-llama/Llama-3.1-8B", "Qwen/Qwen3-8B")
    assert b.note == "the file names model 'foo/bar'; Qwen/Qwen3-8B chosen on import"
    assert "kept aside" not in w.statusBar().currentMessage()


def test_known_models_and_the_one_asked_for_raise_no_message(make_window, shown, monkeypatch, tmp_path):
    from lmi_explorer.gui.dialogs.facts_dialog import FactsDialog

    seen, _ = shown
    asked: list[list[str]] = []
    monkeypatch.setattr(
        FactsDialog, "exec", lambda self: asked.append(list(self.missing)) or QDialog.DialogCode.Accepted
    )
    w = make_window()
    assert w.import_measurements(write_csv(tmp_path / "runs.csv", "Llama-3.1-8B", ""))
    assert asked == [["model"]] and seen == []  # the row without a model is asked for, proposing the scenario's
    assert [m.model for m in w.qstate.scenario.calibration.measurements] == ["Llama-3.1-8B", w.qstate.scenario.model_id]
