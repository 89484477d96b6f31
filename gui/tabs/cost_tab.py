"""The Cost tab: grouped bars of monthly cost above, every option in a sortable, filterable table below."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import ChartTheme
from lmi_explorer.gui.tabs.chart_tab import ChartTab
from lmi_explorer.gui.widgets.dataframe_model import ColumnSpec, DataFrameModel, OptionsFilter
from lmi_explorer.models.estimate import Estimate
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.units import ms_per_token, seconds, usd

if TYPE_CHECKING:
    from lmi_explorer.gui.qt_state import QtState


def _num(v: object, fmt: str = "{:,.0f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return fmt.format(v)


OPTION_COLUMNS = [
    ColumnSpec("backend_name", "Backend"),
    ColumnSpec("instance", "Instance"),
    ColumnSpec("precision", "Precision", lambda p: load_backends().precisions[str(p)].label),
    ColumnSpec("tensor_parallel", "TP", str, "Tensor-parallel degree (devices per model copy)", True),
    ColumnSpec("fits", "Fits", lambda v: "yes" if v else "no", "Fits in memory and meets the latency targets"),
    ColumnSpec("instances", "Instances", lambda v: _num(v) if v else "–", "Instances needed for the peak rate", True),
    ColumnSpec("monthly_usd", "Monthly", lambda v: usd(v, per="mo"), "Monthly cost at the chosen pricing", True),
    ColumnSpec("usd_per_million_tokens", "$/M tokens", lambda v: usd(v), "Cost per million input+output tokens", True),
    ColumnSpec("ttft_s", "TTFT", lambda v: seconds(v), "Time to first token at the operating point", True),
    ColumnSpec("tpot_ms", "TPOT", lambda v: ms_per_token(v), "Time per output token at the operating point", True),
    ColumnSpec(
        "operating_concurrency",
        "Concurrency",
        lambda v: _num(v) if v else "–",
        "Concurrent requests per model copy at the operating point",
        True,
    ),
    ColumnSpec(
        "requests_per_s_per_replica",
        "req/s per copy",
        lambda v: _num(v, "{:,.2f}"),
        "Capacity of one model copy meeting the targets",
        True,
    ),
    ColumnSpec("weights_gib_per_device", "Weights/device", lambda v: _num(v, "{:,.1f} GiB"), "", True),
    ColumnSpec(
        "kv_capacity_tokens", "KV tokens", lambda v: _num(v) if v else "–", "Tokens of KV cache per model copy", True
    ),
    ColumnSpec("reason", "Why / limited by"),
]


class CostTab(ChartTab):
    """Grouped bars above; every option in a sortable, filterable table below.

    Selecting rows picks the options the Load test tab shows (``options_selected``).
    """

    #: (backend, instance, precision, TP) of the selected rows, at most four, in table order
    options_selected = Signal(tuple)
    #: 'backend:instance:precision:tp' of the row the user asked to deploy (context menu)
    deploy_requested = Signal(str)

    def __init__(
        self, make_chart, theme: ChartTheme, qstate: QtState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(make_chart, theme, qstate, parent)
        self.model = DataFrameModel(OPTION_COLUMNS)
        self.proxy = OptionsFilter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(6, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setToolTip("Select up to four rows (Ctrl+click) to compare them on the Load test tab")
        self.table.verticalHeader().setVisible(False)
        # fixed row heights and column widths sized once: ResizeToContents re-measures every
        # cell of ~1,000 rows on each refill, which would stall the window
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._sized = False
        self.table.setAccessibleName("All options")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter options (backend, instance, precision, reason…)")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Show only rows containing this text")
        self.fits_only = QCheckBox("Only options that fit")
        self.fits_only.setChecked(True)
        self.fits_only.setToolTip("Hide options that do not fit in memory or miss the latency targets")
        self.count = QLabel()
        self.filter.textChanged.connect(self._on_filter)
        self.fits_only.toggled.connect(self._on_filter)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 8, 2)
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.fits_only)
        bar.addWidget(self.count)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addLayout(bar)
        bl.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        lay = self.layout()
        lay.removeWidget(self.canvas)
        splitter.addWidget(self.canvas)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        lay.addWidget(splitter)
        self._listed: Estimate | None = None  # the estimate whose options the table holds or will hold
        self._pending: Estimate | None = None
        # The table is text for reading, not a chart to follow the slider: refill it once the
        # slider rests (formatting ~1,000 rows on every step would stall the drag).
        self._table_timer = QTimer(self)
        self._table_timer.setSingleShot(True)
        self._table_timer.setInterval(250)
        self._table_timer.timeout.connect(self._fill_table)
        self._on_filter()

    def selected_options(self) -> tuple[tuple[str, str, str, int], ...]:
        """The selected rows as (backend, instance, precision, TP), in table order, at most four."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        out: list[tuple[str, str, str, int]] = []
        frame = self.model.frame
        for index in rows:
            r = self.proxy.mapToSource(index).row()
            if frame is not None and 0 <= r < len(frame):
                row = frame.iloc[r]
                key = (str(row["backend"]), str(row["instance"]), str(row["precision"]), int(row["tensor_parallel"]))
                if key not in out:
                    out.append(key)
        return tuple(out[:4])

    def option_at(self, row: int) -> str | None:
        """'backend:instance:precision:tp' of a (proxy) table row, or None."""
        frame = self.model.frame
        r = self.proxy.mapToSource(self.proxy.index(row, 0)).row()
        if frame is None or not 0 <= r < len(frame):
            return None
        o = frame.iloc[r]
        return f"{o['backend']}:{o['instance']}:{o['precision']}:{int(o['tensor_parallel'])}"

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        option = self.option_at(index.row()) if index.isValid() else None
        if option is None:
            return
        menu = QMenu(self.table)
        act = menu.addAction("&Deploy this option…")
        act.setToolTip("Its LMI configuration, image, SageMaker/boto3/docker scripts and a load-test plan")
        act.triggered.connect(lambda: self.deploy_requested.emit(option))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    @Slot()
    def _on_selection(self) -> None:
        self.options_selected.emit(self.selected_options())

    @Slot()
    def _on_filter(self) -> None:
        self.proxy.set_filter(self.filter.text(), self.fits_only.isChecked())
        self.count.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()} options")

    def show_data(self, data: ChartInput) -> None:
        super().show_data(data)
        est = data.estimate
        if est is not self._listed:  # the options frame is built only when the table is filled
            self._listed = est
            self._pending = est
            if self.isVisible():  # a hidden tab fills its table when shown
                self._table_timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending is not None:
            self._table_timer.start()

    @Slot()
    def _fill_table(self) -> None:
        if self._pending is not None:
            est, self._pending = self._pending, None
            self.model.set_frame(est.options)
            self._on_filter()
            if not self._sized and self.model.rowCount():
                self._size_columns()

    def _size_columns(self) -> None:
        """Fit columns to their header and the first rows once; the user may resize them after."""
        fm = self.table.fontMetrics()
        for c, spec in enumerate(self.model.columns):
            texts = [spec.header] + [self.model.row_text(r)[c] for r in range(min(60, self.model.rowCount()))]
            width = max(fm.horizontalAdvance(t) for t in texts) + 18
            self.table.setColumnWidth(c, min(width, 420))
        self._sized = True

    def flush(self) -> None:
        """Fill the table now (tests, export)."""
        self._table_timer.stop()
        self._fill_table()
