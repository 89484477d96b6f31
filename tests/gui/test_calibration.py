"""Calibrating to measurements in the window: import (menu, button, drop), the facts asked, fit, reset, save."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

import lmi_explorer.models.calibration.points as parity_points_module
from lmi_explorer.gui.dialogs.facts_dialog import FactsDialog
from lmi_explorer.gui.registry import index

SAMPLES = Path(__file__).resolve().parents[1] / "models" / "samples" / "measurements"
CALIBRATION = index("parity")  # tab index


@pytest.fixture
def asked(monkeypatch):
    """The facts dialog answers with its defaults (the scenario's recommendation); records what it asked."""
    calls: list[list[str]] = []

    def accept(self):
        calls.append(list(self.missing))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(FactsDialog, "exec", accept)
    return calls


def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    return shown


def drop(w, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    w.dropEvent(
        QDropEvent(
            QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
    )


def rows(w) -> list[list[str]]:
    tab = w.calibration_tab
    return [tab.model.row_text(r) for r in range(tab.model.rowCount())]


def test_the_tab_shows_the_published_cases_before_anything_is_imported(make_window, qtbot):
    from lmi_explorer.models.calibration.published import load_published

    w = make_window()
    tab = w.calibration_tab
    assert w.tabs.tabText(CALIBRATION) == "Calibration"
    assert tab.model.rowCount() == 0  # nothing compared while hidden
    w.tabs.setCurrentIndex(CALIBRATION)
    # the single-batch cases at once (while the load tests are compared on a worker), then every published figure
    qtbot.waitUntil(lambda: tab.model.rowCount() >= 16)
    assert tab.wait_for_published()
    text = tab.summary.text()
    assert "published figures" in text and "from load tests of 2024–26 engines" in text
    assert "TPOT" in text and "TTFT" in text
    labels = {r[0] for r in rows(w)}
    assert "FasterTransformer 13B A100-40GB TP1 prefill" in labels
    assert {p.label for p in load_published()} & labels  # the load tests are in the table
    assert tab.model.rowCount() > 200
    assert not tab.fit_button.isEnabled() and not tab.reset_button.isEnabled() and not tab.remove_button.isEnabled()
    qtbot.waitUntil(lambda: tab.canvas.draw_count > 0)
    placed = sum(len(s.get_offsets()) for p in tab.canvas.chart.panels for s in p.after)
    f = tab.points.frame
    charted = f[f["metric"] != "kv_tokens"]
    assert placed == int((charted["estimated"].astype(float) > 0).sum()) > 200


def test_import_asks_only_what_the_file_lacks_defaulting_to_the_recommendation(make_window, asked, qtbot):
    w = make_window()
    rec = w.qstate.state.decision.recommendation
    assert w.import_measurements(SAMPLES / "vllm_bench_serve.json")
    assert asked == [["instance", "backend", "precision", "tensor_parallel"]]
    (m,) = w.qstate.scenario.calibration.measurements
    assert (m.instance, m.backend, m.precision, m.tensor_parallel) == (
        rec.instance,
        rec.backend,
        rec.precision,
        rec.tensor_parallel,
    )
    assert (m.model, m.concurrency, m.input_tokens) == ("meta-llama/Llama-3.1-8B", 16, 1000.0)
    assert w.tabs.currentIndex() == CALIBRATION
    assert w.isWindowModified()
    assert "Imported 1 run (3 figures) from vllm_bench_serve.json (vLLM bench serve)" in w.statusBar().currentMessage()
    tab = w.calibration_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3)
    assert [r[1] for r in rows(w)] == ["TTFT (s)", "TPOT (ms)", "Output tokens/s"]
    assert [r[3] for r in rows(w)] == ["0.16", "41", "385.1"]
    assert tab.summary.text().startswith("<b>Your load tests:</b> 3 points: median error ")
    assert tab.fit_button.isEnabled() and tab.remove_button.isEnabled() and not tab.reset_button.isEnabled()
    # the same file again replaces its run instead of adding a copy
    assert w.import_measurements(SAMPLES / "vllm_bench_serve.json")
    assert len(w.qstate.scenario.calibration.measurements) == 1


def test_a_file_with_every_fact_asks_nothing_and_cancel_imports_nothing(make_window, asked, monkeypatch):
    w = make_window()
    assert w.import_measurements(SAMPLES / "measurements.csv")
    assert asked == []
    assert len(w.qstate.scenario.calibration.measurements) == 3
    before = w.qstate.scenario
    monkeypatch.setattr(FactsDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert not w.import_measurements(SAMPLES / "llmperf_summary.json")
    assert w.qstate.scenario == before


def test_a_bad_file_is_named_with_its_field_and_nothing_changes(make_window, asked, monkeypatch, tmp_path):
    w = make_window()
    shown = warnings(monkeypatch)
    bad = tmp_path / "run.json"
    doc = json.loads((SAMPLES / "vllm_bench_serve.json").read_text())
    doc["mean_tpot_ms"] = -3
    bad.write_text(json.dumps(doc))
    before = w.qstate.scenario
    assert not w.import_measurements(bad)
    assert shown == ["run.json: field 'mean_tpot_ms' is negative (-3).\n\nThe current scenario is unchanged."]
    assert w.qstate.scenario == before and not w.isWindowModified()
    assert asked == []  # refused before asking anything


def test_menu_and_shortcut_open_a_file_chooser(make_window, asked, monkeypatch):
    w = make_window()
    act = next(a for a in w.actions() if a.shortcut() == QKeySequence("Ctrl+Shift+M"))
    assert act.text() == "Import &measurements…" and act.toolTip()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(SAMPLES / "measurements.csv"), ""))
    act.trigger()
    assert len(w.qstate.scenario.calibration.measurements) == 3
    w.qstate.update(calibration=None)
    w.calibration_tab.import_button.click()  # the tab's button does the same
    assert len(w.qstate.scenario.calibration.measurements) == 3


def test_drops_are_told_apart_by_content(make_window, make_scenario, asked, tmp_path):
    from lmi_explorer.models.scenario import save

    w = make_window()
    renamed = tmp_path / "results.txt"  # awscurl output is often saved under any name
    renamed.write_text((SAMPLES / "vllm_bench_serve.json").read_text())
    drop(w, renamed)
    assert w.qstate.scenario.calibration.measurements[0].label == "results c=16"
    drop(w, SAMPLES / "measurements.csv")
    assert len(w.qstate.scenario.calibration.measurements) == 4
    prices = tmp_path / "prices.csv"
    prices.write_text("instance,region,platform,usd_per_hour,source,as_of\ng6e.xlarge,us-east-1,sagemaker,1.0,x,2026\n")
    drop(w, prices)
    assert w.qstate.scenario.price_list is not None and w.qstate.scenario.price_list.name == "prices.csv"
    scenario = tmp_path / "other.json"
    save(make_scenario(name="Dropped scenario"), scenario)
    drop(w, scenario)
    assert w.qstate.scenario.name == "Dropped scenario" and w.qstate.scenario.calibration is None


def test_fit_reset_and_remove_go_through_the_state_with_undo(make_window, asked, qtbot):
    w = make_window()
    w.import_measurements(SAMPLES / "measurements.csv")
    tab = w.calibration_tab
    imported = w.qstate.scenario.calibration
    assert tab.fit()
    cal = w.qstate.scenario.calibration
    (f,) = cal.factors
    assert (f.backend, f.accelerator, f.points) == ("vllm", "l40s", 7)
    assert cal.measurements == imported.measurements
    assert "after the fit" in tab.summary.text()
    assert tab.status.text().startswith("Fitted in ")
    assert "vLLM on L40S: η_bw" in tab.status.text()
    assert all(r[6] != "–" for r in rows(w))  # the shipped-factor estimate beside each fitted one
    assert not tab.table.isColumnHidden(6)
    assert tab.reset_button.isEnabled()
    w._undo()
    assert w.qstate.scenario.calibration == imported
    w._redo()
    assert w.qstate.scenario.calibration.factors == (f,)
    tab.reset_button.click()
    assert w.qstate.scenario.calibration.factors == ()
    assert w.qstate.scenario.calibration.measurements == imported.measurements
    assert "with the shipped factors" in tab.summary.text()
    tab.remove_button.click()
    assert w.qstate.scenario.calibration is None
    qtbot.waitUntil(lambda: tab.model.rowCount() >= 16 and "published" in tab.summary.text())


def test_import_fit_save_and_reopen_keep_the_factors_and_the_points(make_window, asked, monkeypatch, tmp_path, qtbot):
    w = make_window()
    w.import_measurements(SAMPLES / "vllm_bench_serve.json")
    w.import_measurements(SAMPLES / "measurements.csv")
    assert w.calibration_tab.fit()
    cal = w.qstate.scenario.calibration
    shown = (w.calibration_tab.summary.text(), rows(w))
    target = tmp_path / "calibrated.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert w.documents.save()
    assert not w.isWindowModified()
    again = make_window()
    assert again.documents.open(target)
    assert again.qstate.scenario.calibration == cal
    again.tabs.setCurrentIndex(CALIBRATION)
    qtbot.waitUntil(lambda: again.calibration_tab.model.rowCount() == len(shown[1]))
    assert (again.calibration_tab.summary.text(), rows(again)) == shown


def test_the_comparison_runs_only_while_the_tab_is_shown_and_once_per_input(make_window, asked, monkeypatch, qtbot):
    w = make_window()
    w.import_measurements(SAMPLES / "measurements.csv")
    calls = []
    real = parity_points_module._points
    monkeypatch.setattr(parity_points_module, "_points", lambda s: calls.append(s) or real(s))
    parity_points_module._CACHE.clear()
    w.tabs.setCurrentIndex(1)  # cost
    for rate in (2.5, 3.0, 3.5):
        w.qstate.update(requests_per_s=rate)
    w.qstate.update(lmi_release=19)
    assert calls == []  # hidden: nothing compared
    w.tabs.setCurrentIndex(CALIBRATION)
    qtbot.waitUntil(lambda: w.calibration_tab.canvas.draw_count > 0)
    assert len(calls) == 1  # the table and the chart share one comparison
    for rate in (4.0, 4.5):  # inputs the comparison does not read
        w.qstate.update(requests_per_s=rate)
    assert len(calls) == 1
