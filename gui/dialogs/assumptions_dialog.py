"""The 'show your working' dialog: every assumption behind the current figures, with sources."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.models.assumptions import assumptions
from lmi_explorer.models.state import AppState


class AssumptionsDialog(QDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Assumptions and sources")
        self.resize(1000, 520)
        lay = QVBoxLayout(self)
        if state.estimate is None or state.decision is None:
            lay.addWidget(QLabel("No estimate yet."))
            return
        rows = assumptions(state.estimate, state.decision, state.scenario)
        table = QTableWidget(len(rows), 4)
        table.setHorizontalHeaderLabels(["Topic", "Item", "Value", "Source"])
        for i, a in enumerate(rows):
            for j, text in enumerate((a.topic, a.item, a.value, a.source)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(i, j, item)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.verticalHeader().setVisible(False)
        self.table = table
        lay.addWidget(QLabel(f"The working behind: {state.decision.recommendation.summary}"))
        lay.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
