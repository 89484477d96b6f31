"""The meeting workflow: files, unsaved changes, autosave, compare, export, presentation, prices."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from lmi_explorer.gui.charts.theme import PRESENTATION
from lmi_explorer.models.scenario import load, save

PRICES = (
    "instance,region,platform,usd_per_hour,source,as_of\n"
    "g6e.xlarge,us-east-1,sagemaker,1.00,negotiated contract,2026-11\n"
)


def answer(monkeypatch, button):
    calls = []

    def fake(*args, **kwargs):
        calls.append(args)
        return button

    monkeypatch.setattr(QMessageBox, "question", fake)
    return calls


def capture_warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    return shown


def test_save_and_reopen_every_field(make_window, tmp_path, monkeypatch):
    w = make_window()
    w.qstate.update(
        name="Support bot",
        requests_per_s=3.5,
        input_cv=0.6,
        lmi_release=14,
        region="us-west-2",
        platform="ec2",
        pricing_option="spot",
        discount=0.6,
        instance_families=("g5", "g6"),
        precisions=("bf16", "awq"),
        tensor_parallel=2,
        kv_cache_dtype="fp8",
        min_instances=2,
    )
    target = tmp_path / "support.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert w.isWindowModified()
    assert "[*]" in w.windowTitle()
    assert w.documents.save()
    assert not w.isWindowModified()
    assert load(target) == w.qstate.scenario
    w2 = make_window()
    assert w2.documents.open(target)
    assert w2.qstate.scenario == w.qstate.scenario
    assert w2.windowTitle().startswith("support.json")
    assert w2.documents.recent()[0].name == "support.json"


def test_bad_file_is_refused_with_the_reason(make_window, tmp_path, monkeypatch):
    w = make_window()
    before = w.qstate.scenario
    shown = capture_warnings(monkeypatch)
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "traffic": {"requests_per_s": -3}}')
    assert not w.documents.open(bad)
    assert "traffic.requests_per_s: -3 is out of range" in shown[0]
    newer = tmp_path / "newer.json"
    newer.write_text('{"schema_version": 99}')
    assert not w.documents.open(newer)
    assert "newer than this app understands" in shown[1]
    assert w.qstate.scenario == before


def test_failed_save_keeps_the_document_unsaved(make_window, tmp_path, monkeypatch):
    w = make_window()
    w.qstate.update(requests_per_s=4.0)
    shown = capture_warnings(monkeypatch)
    missing = tmp_path / "no-such-folder" / "s.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(missing), ""))
    assert not w.documents.save()
    assert shown
    assert "Save As" in shown[0]
    assert w.isWindowModified()


def test_close_asks_about_unsaved_changes(make_window, monkeypatch):
    w = make_window()
    w.qstate.update(requests_per_s=4.0)
    calls = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not w.close()
    assert calls
    assert w.isVisible()
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert w.close()


def test_autosave_is_offered_after_a_crash(make_window, monkeypatch):
    from lmi_explorer.gui.documents import autosave_path

    w = make_window()
    w.qstate.update(requests_per_s=9.0, name="Unsaved work")
    w.documents.write_autosave()
    assert autosave_path().exists()
    w2 = make_window()
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert w2.documents.offer_restore()
    assert w2.qstate.scenario.traffic.requests_per_s == 9.0
    assert w2.isWindowModified()
    # declining discards it
    w2.documents.write_autosave()
    w3 = make_window()
    answer(monkeypatch, QMessageBox.StandardButton.No)
    assert not w3.documents.offer_restore()
    assert not autosave_path().exists()


def test_drop_a_scenario_file_opens_it(make_window, make_scenario, tmp_path, qtbot):
    path = tmp_path / "dropped.json"
    save(make_scenario(name="Dropped", requests_per_s=6.0), path)
    w = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    w.dropEvent(event)
    assert w.qstate.scenario.name == "Dropped"


def test_compare_three_pinned_scenarios(make_window, qtbot):
    w = make_window()
    w.qstate.update(name="Chatbot today")
    w.pin_scenario()
    w.qstate.update(name="Chatbot at 5x", requests_per_s=10.0)
    w.pin_scenario()
    w.qstate.update(
        name="Summarisation",
        preset="summarisation",
        input_mean=1000,
        input_cv=0.1,
        output_mean=500,
        output_cv=0.1,
        requests_per_s=2.0,
        ttft_s=5.0,
        tpot_ms=60,
    )
    w.pin_scenario()
    w.show_compare()
    dlg = w.compare_dialog
    assert dlg.table.rowCount() == 3
    assert [dlg.table.item(r, 0).text() for r in range(3)] == ["Chatbot today", "Chatbot at 5x", "Summarisation"]
    assert dlg.table.item(2, 3).text() == "TensorRT-LLM"
    assert len(dlg.chart.ax.patches) == 6  # full precision and quantized bar per scenario
    dlg.close()


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf", "pptx", "csv"])
def test_export_from_the_window(make_window, tmp_path, monkeypatch, fmt):
    w = make_window()
    w.tabs.setCurrentIndex(1)
    target = tmp_path / f"out.{fmt}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert w.export_dialog(fmt) == target
    assert target.stat().st_size > 1000
    if fmt == "csv":
        assert len(pd.read_csv(target)) == len(w.qstate.state.estimate.options)


def test_copy_chart_to_the_clipboard(make_window):
    w = make_window()
    assert w.copy_chart()
    image = QGuiApplication.clipboard().image()
    assert image.width() == pytest.approx(2000, abs=2)  # 13.33 in at 150 dpi: slide-sized
    assert image.height() == 1125


def test_presentation_mode_and_back(make_window, qtbot):
    w = make_window()
    w.presentation_action.trigger()
    assert not w.inputs.isVisible()
    assert not w.menuBar().isVisible()
    assert w.cost_tab.canvas.theme is PRESENTATION
    assert w.isFullScreen()
    w.presentation_action.trigger()
    assert w.inputs.isVisible()
    assert w.menuBar().isVisible()
    assert w.cost_tab.canvas.theme is not PRESENTATION
    assert not w.isFullScreen()


def test_own_price_list_is_used_saved_and_restorable(make_window, tmp_path, monkeypatch):
    w = make_window()
    prices = tmp_path / "negotiated.csv"
    prices.write_text(PRICES)
    assert w.load_price_list(prices)
    assert w.status_prices.text() == "Price list: negotiated.csv"
    est = w.qstate.state.estimate
    assert set(est.options.loc[est.options["hourly_usd"].notna(), "instance"]) == {"g6e.xlarge"}
    target = tmp_path / "with-prices.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    w.documents.save()
    assert json.loads(target.read_text())["price_list"]["name"] == "negotiated.csv"
    shown = capture_warnings(monkeypatch)
    bad = tmp_path / "bad.csv"
    bad.write_text(PRICES.replace("1.00", "cheap"))
    assert not w.load_price_list(bad)
    assert "row 2, column 'usd_per_hour'" in shown[0]
    assert w.status_prices.text() == "Price list: negotiated.csv"
    w.use_bundled_prices()
    assert w.status_prices.text() == "Price list: bundled"


def test_export_csv_neutralises_formulas(make_window, tmp_path):
    w = make_window()
    est = w.qstate.state.estimate
    est.options.loc[est.options.index[0], "reason"] = "@SUM(A1)"
    path = w.export_to(tmp_path / "o.csv")
    frame = pd.read_csv(io.StringIO(path.read_text()))
    assert frame["reason"].iloc[0] == "'@SUM(A1)"
