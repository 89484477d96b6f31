"""The model picker: family headers, filtering by any part of the id, keyboard picks reach the estimate."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from lmi_explorer.gui.widgets.model_picker import (
    FAMILY_ROLE,
    ID_ROLE,
    ModelPicker,
    billions,
    family_order,
    match_rank,
    release_text,
    size_text,
)
from lmi_explorer.models.reference.catalog import load_catalog
from lmi_explorer.models.reference.model_architecture import attention_label

# the offscreen platform cannot raise a popup or give it the keyboard; the popups work without
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard", extend=True
)


def settle(qtbot, ms: int = 30) -> None:
    QApplication.processEvents()
    qtbot.wait(ms)


@pytest.fixture
def picker(qtbot):
    p = ModelPicker(load_catalog().models.values())
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    return p


def rows(p: ModelPicker) -> list[tuple[str | None, str]]:
    """(model id or None for a header, column-0 text) for every row of the full list."""
    m = p.model()
    return [(m.index(r, 0).data(ID_ROLE), m.index(r, 0).data()) for r in range(m.rowCount())]


def type_into(qtbot, p: ModelPicker, text: str) -> None:
    p.lineEdit().selectAll()
    qtbot.keyClicks(p.lineEdit(), text)
    settle(qtbot, 5)


def test_headers_are_not_selectable_and_every_model_is_listed_once(picker):
    m = picker.model()
    headers = [r for r in range(m.rowCount()) if m.index(r, 0).data(ID_ROLE) is None]
    assert headers and headers[0] == 0
    for r in headers:
        for c in range(m.columnCount()):
            flags = m.index(r, c).flags()
            assert not flags & Qt.ItemFlag.ItemIsSelectable
            assert not flags & Qt.ItemFlag.ItemIsEnabled  # the arrow keys skip it
        assert picker.list_view.isFirstColumnSpanned(r, m.index(r, 0).parent())
    ids = [i for i, _ in rows(picker) if i is not None]
    assert sorted(ids) == sorted(load_catalog().models)


def test_models_are_grouped_by_family_newest_first_and_by_size(picker):
    catalog = load_catalog()
    groups: list[tuple[str, list[str]]] = []
    for model_id, text in rows(picker):
        if model_id is None:
            groups.append((text, []))
        else:
            groups[-1][1].append(model_id)
    families = [f for f, _ in groups]
    assert len(families) == len(set(families))  # each family under one header
    for family, ids in groups:
        assert {catalog.get(i).family for i in ids} == {family}
        sizes = [catalog.get(i).params_billion for i in ids]
        assert sizes == sorted(sizes)
    newest = [max(catalog.get(i).released for i in ids) for _, ids in groups]
    dated = [n for n in newest if n]
    assert dated == sorted(dated, reverse=True)
    assert newest[: len(dated)] == dated  # families with no known release come last
    assert [f for f, _ in family_order(catalog.models.values())] == families


def test_rows_show_size_release_and_attention(picker, qtbot):
    m = picker.model()
    spec = load_catalog().get("Qwen/Qwen3-30B-A3B")
    row = picker.findData(spec.model_id, ID_ROLE)
    assert m.index(row, 3).data() == ""  # the configs are read when the list is first opened, not at start-up
    picker.showPopup()
    qtbot.wait(20)
    picker.hidePopup()
    cells = [m.index(row, c).data() for c in range(m.columnCount())]
    assert cells == [spec.name, size_text(spec), release_text(spec.released), attention_label(spec)]
    assert size_text(spec) == "30.5B (3.4B active)"
    assert billions(235.094) == "235B" and billions(70.554) == "70.6B" and billions(8.03) == "8B"
    assert billions(0.6) == "0.6B"
    assert release_text("2025-04") == "Apr 2025" and release_text("") == ""


def test_the_tooltip_names_every_fact_and_the_attention_kind(picker):
    picker.ensure_details()
    spec = load_catalog().get("deepseek-ai/DeepSeek-R1")
    row = picker.findData(spec.model_id, ID_ROLE)
    for col in range(picker.model().columnCount()):
        tip = picker.model().index(row, col).data(Qt.ItemDataRole.ToolTipRole)
        assert attention_label(spec) in tip
        assert "MLA" in tip
        for fact in (spec.model_id, f"{spec.layers}", f"{spec.context:,}", spec.checkpoint_precision, "Active"):
            assert fact in tip


@pytest.mark.parametrize(
    ("text", "must", "best"),
    [("a3b", "Qwen/Qwen3-30B-A3B", None), ("r1", "deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1")],
)
def test_typing_narrows_to_the_models_it_names(qtbot, picker, text, must, best):
    catalog = load_catalog()
    type_into(qtbot, picker, text.upper())  # case does not matter
    shown = picker.visible_model_ids()
    assert must in shown
    assert 0 < len(shown) < len(catalog.models)
    expected = [i for i, m in catalog.models.items() if text in f"{i} {m.name} {m.family} {m.architecture}".lower()]
    assert sorted(shown) == sorted(expected)
    # every family header left stands above at least one of its models
    f = picker.filter
    headers = [f.index(r, 0).data(FAMILY_ROLE) for r in range(f.rowCount()) if f.index(r, 0).data(ID_ROLE) is None]
    assert sorted(headers) == sorted({catalog.get(i).family for i in shown})
    popup = picker.completer().popup()
    assert popup.isVisible()
    assert popup.model().rowCount() == f.rowCount()
    if best:
        assert f.mapToSource(f.index(0, 0)).isValid()
        assert picker.model().index(f.best_source_row(), 0).data(ID_ROLE) == best
        assert popup.currentIndex().siblingAtColumn(0).data(ID_ROLE) == best  # the row Enter takes is marked


def test_match_rank_prefers_the_model_the_text_names():
    assert match_rank("r1", "deepseek-ai/deepseek-r1\ndeepseek-r1\ndeepseek\nx") == 2
    assert match_rank("r1", "deepseek-ai/deepseek-r1-distill-qwen-7b\ndeepseek-r1-distill-qwen-7b\nd\nx") == 3
    assert match_rank("qwen3", "qwen/qwen3-8b\nqwen3-8b\nqwen3\nx") == 1
    assert match_rank("zzz", "qwen/qwen3-8b\nqwen3-8b\nqwen3\nx") is None


def test_escape_restores_the_current_model(qtbot, picker):
    picker.select_model_id("meta-llama/Llama-2-13b-hf")
    type_into(qtbot, picker, "gemma")
    assert picker.completer().popup().isVisible()
    qtbot.keyClick(picker.lineEdit(), Qt.Key.Key_Escape)
    settle(qtbot, 5)
    assert picker.currentText() == "Llama-2-13b-hf"
    assert not picker.completer().popup().isVisible()
    assert len(picker.visible_model_ids()) == len(load_catalog().models)


def test_enter_with_no_match_keeps_the_model(qtbot, picker):
    picker.select_model_id("meta-llama/Llama-2-13b-hf")
    with qtbot.assertNotEmitted(picker.activated, wait=10):
        type_into(qtbot, picker, "no-such-model")
        qtbot.keyClick(picker.lineEdit(), Qt.Key.Key_Return)
    assert picker.current_model_id() == "meta-llama/Llama-2-13b-hf"
    assert picker.currentText() == "Llama-2-13b-hf"


def test_arrow_keys_walk_the_matches_past_headers(qtbot, picker):
    type_into(qtbot, picker, "r1")
    popup = picker.completer().popup()
    with qtbot.waitSignal(picker.activated):
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        assert popup.currentIndex().siblingAtColumn(0).data(ID_ROLE) is not None
        chosen = popup.currentIndex().siblingAtColumn(0).data(ID_ROLE)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert picker.current_model_id() == chosen


def test_enter_picks_the_match_and_the_window_follows(make_window, qtbot):
    w = make_window()
    p = w.model_panel.combo
    before = w.decision_tab.card.text.text()
    type_into(qtbot, p, "a3b")
    target = p.model().index(p.filter.best_source_row(), 0).data(ID_ROLE)
    assert "a3b" in target.lower()
    qtbot.keyClick(p.completer().popup(), Qt.Key.Key_Return)
    settle(qtbot)
    assert w.qstate.scenario.model_id == target
    spec = load_catalog().get(target)
    assert p.currentText() == spec.name
    info = w.model_panel.info.text().replace("\u2060", "")  # word joiners keep 'MoE 8/128' on one line
    assert all(part in info for part in attention_label(spec).split(" + "))
    assert f"released {release_text(spec.released)}" in info
    assert w.decision_tab.card.text.text() != before


def test_enter_in_the_line_edit_picks_too_and_undo_brings_the_model_back(make_window, qtbot):
    w = make_window()
    p = w.model_panel.combo
    p.lineEdit().setFocus()
    type_into(qtbot, p, "r1")
    qtbot.keyClick(p.lineEdit(), Qt.Key.Key_Return)
    settle(qtbot)
    assert w.qstate.scenario.model_id == "deepseek-ai/DeepSeek-R1"
    assert "MLA" in w.model_panel.info.text()
    w.qstate.state.undo()
    settle(qtbot)
    assert p.currentText() == "Llama-2-13b-hf"


def test_custom_model_still_shows_and_the_picker_comes_back(make_window, qtbot):
    w = make_window()
    base = load_catalog().get("meta-llama/Llama-2-70b-hf")
    spec = replace(base, model_id="custom/Acme-70B", name="Acme-70B", custom=True, source="entered by the user")
    w.qstate.update(custom_model=spec, model_id=None)
    settle(qtbot)
    p = w.model_panel.combo
    assert p.currentText().startswith("Custom: Acme-70B")
    assert p.current_model_id() is None
    type_into(qtbot, p, "qwen3-8")
    qtbot.keyClick(p.lineEdit(), Qt.Key.Key_Escape)
    assert p.currentText().startswith("Custom: Acme-70B")  # Esc restores the custom label
    type_into(qtbot, p, "qwen3-8")
    qtbot.keyClick(p.lineEdit(), Qt.Key.Key_Return)
    settle(qtbot)
    assert w.qstate.scenario.model_id == "Qwen/Qwen3-8B"
    assert w.qstate.scenario.custom_model is None


def test_clicking_a_match_picks_it(qtbot, picker):
    type_into(qtbot, picker, "gemma")
    popup = picker.completer().popup()
    matches = popup.model()
    row = next(r for r in range(matches.rowCount()) if matches.index(r, 0).data(ID_ROLE) == "google/gemma-7b")
    rect = popup.visualRect(matches.index(row, 0))
    with qtbot.waitSignal(picker.activated) as got:
        qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert picker.model().index(got.args[0], 0).data(ID_ROLE) == "google/gemma-7b"
    assert picker.current_model_id() == "google/gemma-7b"
    assert picker.currentText() == "gemma-7b"
    assert len(picker.visible_model_ids()) == len(load_catalog().models)  # the filter is dropped after a pick


def test_arrow_keys_on_the_closed_picker_step_over_headers(qtbot, picker):
    m = picker.model()
    header = next(r for r in range(1, m.rowCount()) if m.index(r, 0).data(ID_ROLE) is None)
    picker.select_model_id(m.index(header - 1, 0).data(ID_ROLE))  # the last model above a header
    with qtbot.waitSignal(picker.activated) as got:
        qtbot.keyClick(picker, Qt.Key.Key_Down)
    assert got.args == [header + 1]
    assert picker.current_model_id() == m.index(header + 1, 0).data(ID_ROLE)
