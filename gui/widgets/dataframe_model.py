"""A read-only Qt table model over a pandas DataFrame, with people-friendly formatting.

Display text is formatted (``$12,345/mo``); the sort role returns the raw number so sorting
by cost or latency is numeric, and unknown values sort last.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor

if TYPE_CHECKING:
    import pandas as pd

SORT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One visible column: frame column, header, formatter, tooltip."""

    key: str
    header: str
    fmt: Callable[[object], str] = str
    tooltip: str = ""
    align_right: bool = False


class DataFrameModel(QAbstractTableModel):
    def __init__(self, columns: list[ColumnSpec], parent=None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.frame: pd.DataFrame | None = None  # no rows until the first set_frame
        self._values: list[list[object]] = []
        self._text_rows: list[list[str] | None] = []
        self._fits: list[bool] = []

    def set_frame(self, frame: pd.DataFrame) -> None:
        """Replace the rows (one model reset); cells are formatted when first shown, then kept."""
        self.beginResetModel()
        self.frame = frame
        keys = [c.key for c in self.columns]
        self._values = frame[keys].to_numpy(dtype=object).tolist() if len(frame) else []
        self._text_rows: list[list[str] | None] = [None] * len(self._values)
        self._fits = frame["fits"].tolist() if "fits" in frame and len(frame) else []
        self.endResetModel()

    def row_text(self, r: int) -> list[str]:
        """Formatted cells of one row (formatted on first use: only visible rows cost anything)."""
        row = self._text_rows[r]
        if row is None:
            row = self._text_rows[r] = [c.fmt(v) for c, v in zip(self.columns, self._values[r], strict=True)]
        return row

    @property
    def _text(self) -> list[list[str]]:
        return [self.row_text(r) for r in range(len(self._values))]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._values)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.row_text(r)[c]
        if role == SORT_ROLE:
            v = self._values[r][c]
            if isinstance(v, float) and math.isnan(v):
                return math.inf
            if isinstance(v, bool | str):
                return str(v)
            return v
        if role == Qt.ItemDataRole.ToolTipRole and self.columns[c].key == "reason":
            return self.row_text(r)[c]
        if role == Qt.ItemDataRole.ForegroundRole and self._fits and not self._fits[r]:
            return QColor("#8b949e")
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[c].align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].header
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.columns[section].tooltip or None
        return None


class OptionsFilter(QSortFilterProxyModel):
    """Sort numerically; filter by text in any column and optionally hide options that do not fit."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.fits_only = False
        self.text = ""

    def set_filter(self, text: str, fits_only: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+: invalidateFilter() is deprecated
            self.beginFilterChange()
            self.text = text.lower().strip()
            self.fits_only = fits_only
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.text = text.lower().strip()
            self.fits_only = fits_only
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, DataFrameModel):
            return True
        if self.fits_only and model._fits and not model._fits[row]:
            return False
        if not self.text:
            return True
        return any(self.text in t.lower() for t in model.row_text(row))
