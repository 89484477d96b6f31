"""The catalog model picker: models grouped by family, with size, release and attention kind; type to filter.

An editable :class:`QComboBox` over one flat :class:`QStandardItemModel`: a family header row (disabled,
so neither selectable nor reachable with the arrow keys) is followed by that family's models. The drop-
down is a :class:`QTreeView` so the columns line up and the header rows span them. Typing filters through
a :class:`QCompleter` whose model is a proxy keeping the matching models and their family headers. Enter
takes the best match (the current row of the filtered list) or the row walked to with the arrow keys;
Esc puts the current model back. A pick is reported as the combo's ``activated(row)``, like a choice
from the drop-down, so the panel has one path to the state.
"""

from __future__ import annotations

import html
import logging
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFocusEvent, QFont, QKeyEvent, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from lmi_explorer.models.reference.model_architecture import attention_label

if TYPE_CHECKING:
    from collections.abc import Iterable

    from lmi_explorer.models.reference.catalog import ModelSpec

log = logging.getLogger(__name__)

#: the model id of a model row (header rows have none)
ID_ROLE = Qt.ItemDataRole.UserRole
#: lower-case text a search matches in: id, name, family, architecture
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
#: the family a header row heads
FAMILY_ROLE = Qt.ItemDataRole.UserRole + 2
#: the name, written into the line edit while the filtered list is walked (none for headers)
NAME_ROLE = Qt.ItemDataRole.UserRole + 3
#: what the completer prefix-matches to choose its current row: the typed text on the best match only
BEST_ROLE = Qt.ItemDataRole.UserRole + 4

#: Qt 6.10 replaced invalidateRowsFilter() (deprecated since) with begin/endFilterChange()
HAS_FILTER_CHANGE = hasattr(QSortFilterProxyModel, "beginFilterChange")

WORD_BREAK = re.compile(r"[/\-_. ]+")

#: flags of a model cell, made once: or-ing enum flags per cell was most of the picker's build time
MODEL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
NO_FLAGS = Qt.ItemFlag.NoItemFlags

COLUMNS = ("Model", "Size", "Released", "Attention")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def billions(value: float) -> str:
    """'235B', '70.6B', '8B', '0.6B': one decimal below 100B (so Llama-3.1-70B's 70.55B does not read as
    71B), whole billions above; a trailing '.0' is dropped."""
    if value >= 100:
        return f"{value:.0f}B"
    return f"{f'{value:.1f}'.removesuffix('.0')}B"


def size_text(m: ModelSpec) -> str:
    """'70B', or '235B (22B active)' for a mixture of experts."""
    if m.active_params_billion and m.active_params_billion < m.params_billion:
        return f"{billions(m.params_billion)} ({billions(m.active_params_billion)} active)"
    return billions(m.params_billion)


def release_text(released: str) -> str:
    """'2025-04' -> 'Apr 2025'; anything else as given ('' when not known)."""
    year, _, month = released.partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return f"{MONTHS[int(month) - 1]} {year}"
    return released


def model_tooltip(m: ModelSpec, attention: str) -> str:
    """Every fact the picker has on a model, as a small table."""
    rows = [
        ("Id", m.model_id),
        ("Family", m.family),
        ("Released", release_text(m.released) or "not known"),
        ("Parameters", f"{m.params_billion:,.2f}B"),
        ("Active per token", f"{m.active_params_billion:,.2f}B" if m.active_params_billion else "all (dense)"),
        ("Layers", f"{m.layers}"),
        ("Context", f"{m.context:,} tokens"),
        ("Attention", attention),
        ("Checkpoint precision", m.checkpoint_precision),
        ("Source", m.source or "—"),
    ]
    # facts stay on one line; the source (a URL and its notes, up to a few hundred characters) wraps
    nowrap = " style='white-space:nowrap'"
    body = "".join(
        f"<tr><td style='padding-right:8px; white-space:nowrap'><b>{html.escape(k)}</b></td>"
        f"<td{'' if k == 'Source' else nowrap}>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table>{body}</table>"


def family_order(models: Iterable[ModelSpec]) -> list[tuple[str, list[ModelSpec]]]:
    """Families newest release first (families with no known release last, by name); models by size."""
    families: dict[str, list[ModelSpec]] = {}
    for m in models:
        families.setdefault(m.family, []).append(m)

    def key(item: tuple[str, list[ModelSpec]]) -> tuple[bool, str, str]:
        newest = max((m.released for m in item[1]), default="")
        # "" sorts last through the first key; among dated families the newest first (inverted text)
        inverted = "".join(chr(0x10FFFF - ord(c)) for c in newest)
        return (not newest, inverted, item[0].lower())

    ordered = sorted(families.items(), key=key)
    return [(fam, sorted(ms, key=lambda m: (m.params_billion, m.name.lower()))) for fam, ms in ordered]


def build_model(models: Iterable[ModelSpec], parent: QObject | None = None) -> QStandardItemModel:
    """The flat picker model: per family a header row, then its models (name, size, release, attention)."""
    model = QStandardItemModel(0, len(COLUMNS), parent)
    model.setHorizontalHeaderLabels(list(COLUMNS))
    for family, members in family_order(models):
        header = QStandardItem(family)
        header.setFlags(NO_FLAGS)  # not selectable, not enabled: arrow keys skip it
        header.setData(family, FAMILY_ROLE)
        header.setData(
            f"{len(members)} model{'s' if len(members) != 1 else ''} in the {family} family",
            Qt.ItemDataRole.ToolTipRole,
        )
        model.appendRow([header] + [_blank_header_cell() for _ in COLUMNS[1:]])
        for m in members:
            # the attention kind reads the model's config: filled in when the list is first shown
            cells = [QStandardItem(t) for t in (m.name, size_text(m), release_text(m.released), "")]
            for c in cells:
                c.setFlags(MODEL_FLAGS)
            cells[0].setData(m.model_id, ID_ROLE)
            cells[0].setData(m.name, NAME_ROLE)
            cells[0].setData(f"{m.model_id}\n{m.name}\n{m.family}\n{m.architecture}".lower(), SEARCH_ROLE)
            model.appendRow(cells)
    return model


def fill_details(model: QStandardItemModel, specs: dict[str, ModelSpec]) -> None:
    """Attention kind and tooltip of every model row (reads each model's config once)."""
    for row in range(model.rowCount()):
        model_id = model.item(row, 0).data(ID_ROLE)
        m = specs.get(model_id) if model_id is not None else None
        if m is None:
            continue
        attention = attention_label(m)
        tip = model_tooltip(m, attention)
        model.item(row, len(COLUMNS) - 1).setText(attention)
        for col in range(len(COLUMNS)):
            model.item(row, col).setToolTip(tip)


def _blank_header_cell() -> QStandardItem:
    item = QStandardItem()
    item.setFlags(NO_FLAGS)
    return item


def is_header(index: QModelIndex | QPersistentModelIndex) -> bool:
    return index.isValid() and index.siblingAtColumn(0).data(ID_ROLE) is None


def match_rank(needle: str, search: str) -> int | None:
    """How well ``needle`` names a model, lower is better; None when it does not match.

    0: the name is the text; 1: the name starts with it; 2: the name ends with it as a word ("r1" for
    DeepSeek-R1, not its distills); 3: a word of the id or name starts with it; 4: it is inside.
    """
    if needle not in search:
        return None
    model_id, name = search.split("\n")[:2]
    if name == needle:
        return 0
    if name.startswith(needle):
        return 1
    if name.endswith(needle) and WORD_BREAK.match(name, len(name) - len(needle) - 1):
        return 2
    if any(w.startswith(needle) for w in WORD_BREAK.split(f"{model_id} {name}")):
        return 3
    return 4


class FamilyFilter(QSortFilterProxyModel):
    """Models whose id, name, family or architecture contains the text, under their family headers.

    It also names the best match, the one Enter takes: the best :func:`match_rank`, then the first in the
    list (newest family, smallest model).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._typed = ""
        self._needle = ""
        self._families: set[str] | None = None  # families with a match; None = no filter
        self._best = -1  # source row of the best match

    @property
    def needle(self) -> str:
        return self._needle

    def best_source_row(self) -> int:
        return self._best

    def set_needle(self, text: str) -> None:
        self._typed = text
        needle = text.strip().lower()
        if needle == self._needle:
            return
        if HAS_FILTER_CHANGE:
            self.beginFilterChange()
        self._needle = needle
        self._families = None
        self._best = -1
        src = self.sourceModel()
        if needle and src is not None:
            self._families = set()
            family = ""
            best: tuple[int, int] | None = None
            for row in range(src.rowCount()):
                idx = src.index(row, 0)
                if idx.data(ID_ROLE) is None:
                    family = idx.data(FAMILY_ROLE)
                    continue
                rank = match_rank(needle, idx.data(SEARCH_ROLE))
                if rank is not None:
                    self._families.add(family)
                    best = (rank, row) if best is None else min(best, (rank, row))
            self._best = best[1] if best else -1
        if HAS_FILTER_CHANGE:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # before Qt 6.10
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if self._families is None:
            return True
        idx = self.sourceModel().index(source_row, 0, source_parent)
        if idx.data(ID_ROLE) is None:
            return idx.data(FAMILY_ROLE) in self._families
        return self._needle in idx.data(SEARCH_ROLE)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == BEST_ROLE:
            best = index.isValid() and self.mapToSource(index).row() == self._best
            return self._typed if best else ""
        return super().data(index, role)


class NameCompleter(QCompleter):
    """Writes the highlighted model's name into the line edit (the completion role is :data:`BEST_ROLE`)."""

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        return index.siblingAtColumn(0).data(NAME_ROLE) or ""


class GroupDelegate(QStyledItemDelegate):
    """Header rows bold on the alternate base colour, drawn in the enabled text colour.

    With ``mark_current`` the current row is tinted with the highlight colour: in the filtered list it is
    the match Enter takes, before any arrow key has selected a row.
    """

    def __init__(self, parent: QObject | None = None, *, mark_current: bool = False) -> None:
        super().__init__(parent)
        self.mark_current = mark_current

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if is_header(index):
            font = QFont(option.font)
            font.setBold(True)
            option.font = font
            # disabled keeps the row out of selection and keyboard moves; it need not look greyed out
            option.state = option.state | QStyle.StateFlag.State_Enabled
            option.backgroundBrush = option.palette.brush(QPalette.ColorGroup.Normal, QPalette.ColorRole.AlternateBase)
        elif self.mark_current:
            # by row, not State_HasFocus: the popup shows the mark whether or not it has keyboard focus
            view = self.parent()
            if isinstance(view, QAbstractItemView) and view.currentIndex().row() == index.row():
                tint = QColor(option.palette.color(QPalette.ColorGroup.Normal, QPalette.ColorRole.Highlight))
                tint.setAlpha(70)
                option.backgroundBrush = QBrush(tint)


def _tree(parent: QWidget | None = None) -> QTreeView:
    """A flat list with columns: no root decoration, no header, whole rows selected."""
    view = QTreeView(parent)
    view.setRootIsDecorated(False)
    view.setItemsExpandable(False)
    view.setUniformRowHeights(True)
    view.setHeaderHidden(True)
    view.setAllColumnsShowFocus(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setItemDelegate(GroupDelegate(view))
    return view


def _span_headers(view: QTreeView) -> None:
    model = view.model()
    for row in range(model.rowCount()):
        view.setFirstColumnSpanned(row, QModelIndex(), is_header(model.index(row, 0)))


def _column_widths(view: QTreeView) -> list[int]:
    """Each column's widest cell (over every row of the view's model) plus room between columns."""
    widths = []
    for col in range(view.model().columnCount()):
        view.resizeColumnToContents(col)
        widths.append(view.columnWidth(col) + 14)
    return widths


def _apply_widths(view: QTreeView, widths: list[int]) -> None:
    for col, width in enumerate(widths):
        view.setColumnWidth(col, width)
    view.setMinimumWidth(sum(widths) + view.verticalScrollBar().sizeHint().width() + 2 * view.frameWidth() + 2)


class ModelPicker(QComboBox):
    """Catalog models grouped by family; type any part of the id, name or family to narrow the list.

    ``activated(row)`` reports a pick (from the drop-down, the filtered list, Enter or the arrow keys);
    while typing, the best match is the current row of the filtered list and Enter takes it;
    :meth:`select_model_id` and :meth:`show_custom` set what is shown without emitting anything.
    """

    def __init__(self, models: Iterable[ModelSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        self.list_view = _tree()
        self.setView(self.list_view)
        self.setItemDelegate(GroupDelegate(self.list_view))
        models = list(models)
        self._specs = {m.model_id: m for m in models}
        self._details = False  # attention kinds and tooltips not filled in yet
        self.setModel(build_model(models, self))
        _span_headers(self.list_view)
        self._custom_text: str | None = None
        self._widths: list[int] = []  # measured on first use, not at start-up
        self.filter = FamilyFilter(self)
        self.filter.setSourceModel(self.model())
        completer = NameCompleter(self)
        completer.setModel(self.filter)
        # the proxy filters (any part of the text); the completer shows what it keeps, headers included,
        # and its prefix match lands on the best match alone, so that row is current when Enter comes
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCompletionRole(BEST_ROLE)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(16)
        self.match_view = _tree()
        completer.setPopup(self.match_view)
        self.match_view.setItemDelegate(GroupDelegate(self.match_view, mark_current=True))  # not setPopup's
        self.setCompleter(completer)
        matches = completer.completionModel()
        for sig in (matches.modelReset, matches.layoutChanged, matches.rowsInserted, matches.rowsRemoved):
            sig.connect(self._dress_matches)  # a reset forgets spans and column widths
        completer.activated[QModelIndex].connect(self._on_completer_pick)
        self.lineEdit().textEdited.connect(self._on_text_edited)
        self.lineEdit().installEventFilter(self)
        self.match_view.installEventFilter(self)  # after the completer's own filter, so it runs first

    # -- what is shown -------------------------------------------------------------------------------

    def current_model_id(self) -> str | None:
        """The catalog model shown, or None for a custom model."""
        return None if self._custom_text is not None else self.currentData(ID_ROLE)

    def select_model_id(self, model_id: str) -> bool:
        """Show a catalog model (no signal); False when the catalog has no such id.

        Text being typed is left alone when the model is the one already shown (another input changed).
        """
        row = self.findData(model_id, ID_ROLE)
        if row < 0:
            return False
        same = row == self.currentIndex() and self._custom_text is None
        if same and (self.filter.needle or self.currentText() == self.itemText(row)):
            return True
        self._custom_text = None
        was = self.blockSignals(True)
        try:
            self.setCurrentIndex(row)
            self.setEditText(self.itemText(row))
            self.lineEdit().setCursorPosition(0)  # the start of the name, not the end
        finally:
            self.blockSignals(was)
        return True

    def show_custom(self, text: str) -> None:
        """Show a custom model's label in the edit field (no signal)."""
        self._custom_text = text
        was = self.blockSignals(True)
        try:
            self.setEditText(text)
            self.lineEdit().setCursorPosition(0)
        finally:
            self.blockSignals(was)

    def restore(self) -> None:
        """Drop typed text: show the current model again and the whole list."""
        self.completer().popup().hide()
        self.filter.set_needle("")
        text = self._custom_text if self._custom_text is not None else self.itemText(self.currentIndex())
        if self.currentText() != text:
            self.setEditText(text)
        self.lineEdit().setCursorPosition(0)

    # -- filtering -----------------------------------------------------------------------------------

    def visible_model_ids(self) -> list[str]:
        """Ids the filtered list holds, in order (all models when nothing is typed)."""
        ids = (self.filter.index(r, 0).data(ID_ROLE) for r in range(self.filter.rowCount()))
        return [i for i in ids if i is not None]

    def ensure_details(self) -> None:
        """Fill in the attention kinds and tooltips (once, before the list is first shown)."""
        if not self._details:
            self._details = True
            fill_details(self.model(), self._specs)  # type: ignore[arg-type]

    def _ensure_widths(self) -> list[int]:
        if not self._widths:
            self._widths = _column_widths(self.list_view)
            _apply_widths(self.list_view, self._widths)
        return self._widths

    def _dress_matches(self) -> None:
        _span_headers(self.match_view)
        _apply_widths(self.match_view, self._ensure_widths())

    def _on_text_edited(self, text: str) -> None:
        self.filter.set_needle(text)
        # the line edit asks the completer for its popup after this slot: spans and widths must be set
        self._dress_matches()
        # and the completer then scrolls to the best match; show its family header above it as well
        QTimer.singleShot(0, self._show_best_with_header)

    def _show_best_with_header(self) -> None:
        popup = self.match_view
        current = popup.currentIndex()
        if not popup.isVisible() or not current.isValid():
            return
        model = popup.model()
        row = current.row()
        while row > 0 and not is_header(model.index(row, 0)):
            row -= 1
        popup.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        popup.scrollTo(current, QAbstractItemView.ScrollHint.EnsureVisible)  # a long family: the match wins

    def _on_completer_pick(self, _index: QModelIndex) -> None:
        # QComboBox has already mapped the click to its row and emitted activated(row)
        self._custom_text = None
        self.filter.set_needle("")

    def pick_best_match(self) -> bool:
        """Choose the match walked to with the arrow keys, else the best match; False when there is none."""
        popup = self.completer().popup()
        current = popup.currentIndex() if popup.isVisible() else QModelIndex()
        row = -1
        if current.isValid():
            completion = self.completer().completionModel()
            row = self.filter.mapToSource(completion.mapToSource(current)).row()  # type: ignore[attr-defined]
        if (row < 0 or is_header(self.model().index(row, 0))) and self.filter.needle:
            row = self.filter.best_source_row()
        if row < 0:
            self.restore()
            return False
        popup.hide()
        self.filter.set_needle("")
        self._custom_text = None
        self.setCurrentIndex(row)
        self.setEditText(self.itemText(row))
        self.lineEdit().setCursorPosition(0)
        self.activated.emit(row)
        return True

    # -- keys ----------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn and watched is self.lineEdit():
            self.ensure_details()  # before any typing: the filter must not run while items change
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            typing = bool(self.filter.needle) or self.completer().popup().isVisible()
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and typing:
                self.pick_best_match()
                return True
            if event.key() == Qt.Key.Key_Escape and typing:
                self.restore()
                return True
        elif (
            kind == QEvent.Type.FocusOut
            and watched is self.lineEdit()
            and isinstance(event, QFocusEvent)
            and event.reason() != Qt.FocusReason.PopupFocusReason
            and self.filter.needle
        ):
            self.restore()  # typed text that was never picked does not stay behind
        return super().eventFilter(watched, event)

    def showPopup(self) -> None:
        self.ensure_details()
        if self.filter.needle:
            self.restore()
        self._ensure_widths()
        super().showPopup()
