"""The main window: inputs on the left, live answers on the right, status bar below."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import settings
from gui.binding import QtState
from gui.charts.base import ChartInput
from gui.charts.breakeven_chart import BreakEvenChart
from gui.charts.cost_chart import CostChart
from gui.charts.decision_diagram import DecisionDiagram
from gui.charts.memory_chart import MemoryChart
from gui.charts.theme import ChartTheme
from gui.charts.traffic_chart import TrafficChart
from gui.panels.answers import ChartTab, CostTab, DecisionTab
from gui.panels.deployment_panel import DeploymentPanel
from gui.panels.model_panel import ModelPanel
from gui.panels.traffic_panel import TrafficPanel
from gui.theme import system_theme
from gui.widgets.collapsible import CollapsibleSection
from models._resources import DataError
from models.scenario import dumps, loads
from models.state import AppState

log = logging.getLogger(__name__)

TAB_NAMES = ("Decision", "Cost", "Memory", "Traffic", "Break-even")


class MainWindow(QMainWindow):
    """Everything answers live: one state, panels bound to it, tabs redrawn on change."""

    def __init__(self, state: AppState | None = None, *, restore: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("LMI Explorer")
        self.theme: ChartTheme = system_theme()
        if state is None:
            state = AppState(scenario=self._last_scenario() if restore else AppState().scenario)
        self.qstate = QtState(state, self)
        self.model_panel = ModelPanel(self.qstate)
        self.traffic_panel = TrafficPanel(self.qstate, self.theme)
        self.deployment_panel = DeploymentPanel(self.qstate)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(6, 6, 6, 6)
        self.sections = [
            CollapsibleSection("Model", self.model_panel),
            CollapsibleSection("Traffic", self.traffic_panel),
            CollapsibleSection("Deployment", self.deployment_panel),
        ]
        for sec in self.sections:
            ll.addWidget(sec)
        ll.addStretch(1)
        self.inputs = QScrollArea()
        self.inputs.setWidget(left)
        self.inputs.setWidgetResizable(True)
        self.inputs.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.inputs.setMinimumWidth(360)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.decision_tab = DecisionTab(DecisionDiagram, self.theme)
        self.cost_tab = CostTab(CostChart, self.theme)
        self.memory_tab = ChartTab(MemoryChart, self.theme)
        self.traffic_tab = ChartTab(TrafficChart, self.theme)
        self.breakeven_tab = ChartTab(BreakEvenChart, self.theme)
        self.answer_tabs: list[ChartTab] = [
            self.decision_tab, self.cost_tab, self.memory_tab, self.traffic_tab, self.breakeven_tab,
        ]  # fmt: skip
        tips = (
            "The LMI backend-selection diagram with this scenario's path and the recommendation",
            "Monthly cost per instance, full precision beside each quantization; every option in the table",
            "Memory per device: weights, KV cache at the operating concurrency, reserve, free",
            "Input and output length distributions and the compiled backends' bounds",
            "Monthly cost versus request rate: where quantization pays off",
        )
        for i, (tab, name) in enumerate(zip(self.answer_tabs, TAB_NAMES, strict=True)):
            self.tabs.addTab(tab, name)
            self.tabs.setTabToolTip(i, tips[i])
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #cf222e; padding: 2px 6px;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.error_label)
        rl.addWidget(self.tabs)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.inputs)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([400, 880])
        self.setCentralWidget(self.splitter)
        self.status_data = QLabel()
        self.status_prices = QLabel()
        self.status_time = QLabel()
        for w in (self.status_data, self.status_prices, self.status_time):
            self.statusBar().addPermanentWidget(w)
        self._build_actions()
        self.qstate.changed.connect(self.refresh)
        self.qstate.refined.connect(self._on_refined)
        self.qstate.history_changed.connect(self._update_actions)
        self.qstate.problem.connect(self._on_problem)
        self.resize(1280, 800)
        if restore:
            self._restore_geometry()
        self.refresh()

    # -- set-up
    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        edit = menu.addMenu("&Edit")
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self._undo)
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(self._redo)
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        view = menu.addMenu("&View")
        for i, name in enumerate(TAB_NAMES):
            act = QAction(name, self)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _=False, i=i: self.tabs.setCurrentIndex(i))
            view.addAction(act)
        view.addSeparator()
        inputs = QAction("Show &inputs", self)
        inputs.setCheckable(True)
        inputs.setChecked(True)
        inputs.setShortcut(QKeySequence("Ctrl+I"))
        inputs.toggled.connect(self.inputs.setVisible)
        view.addAction(inputs)
        help_menu = menu.addMenu("&Help")
        assumptions = QAction("&Assumptions and sources", self)
        assumptions.setShortcut(QKeySequence.StandardKey.HelpContents)
        assumptions.triggered.connect(self.show_assumptions)
        help_menu.addAction(assumptions)
        about = QAction("&About LMI Explorer", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _last_scenario(self):
        text = settings.read_str("scenario/last")
        if text:
            try:
                return loads(text, name="last session")
            except DataError as exc:
                log.warning("could not restore the last scenario: %s", exc)
        return AppState().scenario

    def _restore_geometry(self) -> None:
        geo = settings.read_bytes("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        split = settings.read_bytes("window/splitter")
        if split is not None:
            self.splitter.restoreState(split)
        self.tabs.setCurrentIndex(settings.read_int("window/tab", 0))

    # -- live
    @Slot()
    def refresh(self) -> None:
        st = self.qstate.state
        started = time.perf_counter()
        if st.error:
            self.error_label.setText(f"Could not estimate this scenario: {st.error}")
            self.error_label.show()
            return
        if st.estimate is None or st.decision is None:
            return
        self.error_label.hide()
        data = ChartInput(st.estimate, st.decision)
        for tab in self.answer_tabs:
            tab.show_data(data)
        self._update_actions()
        est = st.estimate
        price_dates = sorted({d for d in est.prices.frame["as_of"].dropna() if d})
        self.status_data.setText(f"Prices as of {price_dates[0]}–{price_dates[-1]}" if price_dates else "")
        self.status_data.setToolTip("Dates of the price sources in use; models and specs carry their own dates")
        self.status_prices.setText(f"Price list: {est.prices.name}")
        ms = est.elapsed_s * 1000
        self.status_time.setText(f"Estimate {ms:.1f} ms · view {(time.perf_counter() - started) * 1000:.0f} ms")

    @Slot()
    def _update_actions(self) -> None:
        st = self.qstate.state
        self.undo_action.setEnabled(st.can_undo)
        self.redo_action.setEnabled(st.can_redo)

    @Slot()
    def _on_refined(self) -> None:
        st = self.qstate.state
        if st.estimate is not None and st.decision is not None:
            self.decision_tab.card.show_decision(st.estimate, st.decision)

    @Slot(str)
    def _on_problem(self, message: str) -> None:
        self.statusBar().showMessage(f"Not applied: {message}", 8000)

    @Slot()
    def _undo(self) -> None:
        self.qstate.state.undo()

    @Slot()
    def _redo(self) -> None:
        self.qstate.state.redo()

    def set_theme(self, theme: ChartTheme) -> None:
        self.theme = theme
        for tab in self.answer_tabs:
            tab.canvas.set_theme(theme)
        self.traffic_panel.histogram.set_theme(theme)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.set_theme(system_theme())
        super().changeEvent(event)

    # -- help
    @Slot()
    def show_assumptions(self) -> None:
        from gui.assumptions import AssumptionsDialog

        AssumptionsDialog(self.qstate.state, self).exec()

    @Slot()
    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About LMI Explorer",
            "<b>LMI Explorer</b><br>Choose an inference backend, AWS instance and precision for a large "
            "language model, and see what it costs per month.<br>Works offline; every figure comes from the "
            "shipped data (Help ▸ Assumptions and sources).",
        )

    # -- close
    def closeEvent(self, event) -> None:
        settings.write("window/geometry", self.saveGeometry())
        settings.write("window/splitter", self.splitter.saveState())
        settings.write("window/tab", self.tabs.currentIndex())
        settings.write("scenario/last", dumps(self.qstate.state.scenario))
        super().closeEvent(event)
