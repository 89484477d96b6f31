"""Compare up to four pinned scenarios in one table and one chart."""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.charts.compare_chart import CompareChart
from lmi_explorer.gui.charts.theme import ChartTheme
from lmi_explorer.models.compare import compare
from lmi_explorer.models.scenario import Scenario
from lmi_explorer.models.units import percent, usd

HEADERS = (
    "Scenario",
    "Model",
    "Traffic",
    "Backend",
    "Instance",
    "Precision",
    "TP",
    "Instances",
    "Monthly",
    "Best full precision",
    "Best quantized",
    "Saving",
    "$/M tokens",
    "Plan",
    "Plan monthly",
)


class CompareDialog(QDialog):
    def __init__(self, pinned: list[Scenario], theme: ChartTheme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare scenarios")
        self.resize(1100, 700)
        self.pinned = pinned
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.figure = Figure(figsize=(8, 3.6), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.chart = CompareChart(self.figure, theme)
        self.remove = QPushButton("Unpin selected")
        self.remove.setToolTip("Remove the selected scenario from the comparison")
        self.remove.clicked.connect(self._unpin)
        row = QHBoxLayout()
        row.addWidget(self.remove)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.canvas, 3)
        lay.addWidget(self.table, 2)
        lay.addLayout(row)
        lay.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        frame = compare(self.pinned)
        self.frame = frame
        self.table.setRowCount(len(frame))
        for r, rec in enumerate(frame.to_dict("records")):
            cells = (
                rec["scenario"],
                rec["model"],
                rec["traffic"],
                rec["backend"],
                rec["instance"],
                rec["precision"],
                "" if rec["tensor_parallel"] is None else str(rec["tensor_parallel"]),
                "" if rec["instances"] is None else str(rec["instances"]),
                usd(rec["monthly_usd"], per="mo"),
                usd(rec["full_precision_usd"], per="mo"),
                usd(rec["quantized_usd"], per="mo"),
                percent(rec["saving_share"]),
                usd(rec["usd_per_million_tokens"]),
                f"{rec['plan']} ({rec['classes']} class{'es' if rec['classes'] != 1 else ''})",
                usd(rec["plan_monthly_usd"], per="mo"),
            )
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.chart.update(frame)
        self.canvas.draw_idle()

    def _unpin(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows:
            del self.pinned[r]
        self.refresh()
