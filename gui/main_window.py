"""The main window: inputs on the left, live answers on the right, status bar below."""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QAction, QFont, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui import settings
from lmi_explorer.gui.charts import lazy_chart
from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import PRESENTATION, ChartTheme
from lmi_explorer.gui.documents import Documents
from lmi_explorer.gui.panels.classes_panel import ClassesPanel
from lmi_explorer.gui.panels.deployment_panel import DeploymentPanel
from lmi_explorer.gui.panels.model_panel import ModelPanel
from lmi_explorer.gui.panels.traffic_panel import TrafficPanel
from lmi_explorer.gui.qt_state import QtState
from lmi_explorer.gui.registry import TABS, index, resolve
from lmi_explorer.gui.tabs.calibration_tab import CalibrationTab
from lmi_explorer.gui.tabs.chart_tab import ChartTab
from lmi_explorer.gui.tabs.cost_tab import CostTab
from lmi_explorer.gui.tabs.decision_tab import DecisionTab
from lmi_explorer.gui.tabs.loadtest_tab import LoadTestTab
from lmi_explorer.gui.theme import system_theme
from lmi_explorer.gui.widgets.collapsible import CollapsibleSection
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.pricing import price_age
from lmi_explorer.models.scenario import Scenario, default_scenario, dumps, loads
from lmi_explorer.models.state import AppState

if TYPE_CHECKING:
    from lmi_explorer.gui.dialogs.measurement_import import MeasurementImporter
    from lmi_explorer.gui.dialogs.model_import import ModelImporter
    from lmi_explorer.gui.dialogs.price_import import PriceImporter

log = logging.getLogger(__name__)

#: files the window takes by drag-and-drop: scenarios, price lists and load-test results (told apart by content)
DROP_SUFFIXES = (".json", ".jsonl", ".csv", ".txt")
EXPORT_FILTERS = {
    "png": "PNG image, 16:9 at 200 dpi (*.png)",
    "svg": "SVG vector image (*.svg)",
    "pdf": "PDF document (*.pdf)",
    "pptx": "PowerPoint deck (*.pptx)",
    "csv": "CSV table of every option (*.csv)",
}


class MainWindow(QMainWindow):
    """Everything answers live: one state, panels bound to it, tabs redrawn on change."""

    #: today's date for the price age (a test fixes it)
    today = staticmethod(date.today)
    _prices: PriceImporter | None = None
    _models: ModelImporter | None = None

    def __init__(self, state: AppState | None = None, *, restore: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("LMI Explorer")
        self.theme: ChartTheme = system_theme()
        if state is None:
            # the crossover what-if is filled in once the window rests (QtState's refine timer)
            state = AppState(scenario=self._last_scenario() if restore else default_scenario(), with_crossover=False)
        self.qstate = QtState(state, self)
        self.documents = Documents(self.qstate, self)
        self.pinned: list[Scenario] = []
        self._presentation: dict | None = None
        self.setAcceptDrops(True)
        self.model_panel = ModelPanel(self.qstate)
        self.traffic_panel = TrafficPanel(self.qstate, self.theme)
        self.deployment_panel = DeploymentPanel(self.qstate)
        self.classes_panel = ClassesPanel(self.qstate)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(6, 6, 6, 6)
        self.sections = [
            CollapsibleSection("Model", self.model_panel),
            CollapsibleSection("Traffic", self.traffic_panel),
            CollapsibleSection("Deployment", self.deployment_panel),
            CollapsibleSection("Traffic classes and day", self.classes_panel),
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
        # the answer tabs, in the registry's order (gui/registry.py)
        self.answer_tabs: list[ChartTab] = []
        for i, spec in enumerate(TABS):
            tab = resolve(spec.tab)(lazy_chart(spec.key), self.theme, self.qstate)
            tab.spec = spec
            self.answer_tabs.append(tab)
            self.tabs.addTab(tab, spec.title)
            self.tabs.setTabToolTip(i, spec.tip)
        self.decision_tab: DecisionTab = self.answer_tab("decision")
        self.cost_tab: CostTab = self.answer_tab("cost")
        self.memory_tab = self.answer_tab("memory")
        self.traffic_tab = self.answer_tab("traffic")
        self.breakeven_tab = self.answer_tab("breakeven")
        self.loadtest_tab: LoadTestTab = self.answer_tab("loadtest")
        self.calibration_tab: CalibrationTab = self.answer_tab("parity")
        self.loadtest_options: tuple[tuple[str, str, str, int], ...] = ()  # rows picked in the Cost table
        self.cost_tab.options_selected.connect(self._on_options_selected)
        self.cost_tab.deploy_requested.connect(self.show_deploy)
        self.answer_tab("decision").card.deploy_requested.connect(lambda: self.show_deploy(None))
        self.loadtest_tab.cleared.connect(lambda: self._on_options_selected(()))
        self._measurements: MeasurementImporter | None = None  # loads (with its parsers) on the first import
        self.calibration_tab.import_requested.connect(self.import_measurements)
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
        self.documents.changed.connect(self._update_title)
        self.qstate.changed.connect(self.refresh)
        self.qstate.refined.connect(self._on_refined)
        self.qstate.history_changed.connect(self._update_actions)
        self.qstate.problem.connect(self._on_problem)
        self.resize(1280, 800)
        if restore:
            self._restore_geometry()
        self.refresh()
        self._update_title()

    # -- set-up
    def _action(self, text: str, slot, shortcut=None, tip: str = "", *, checkable: bool = False) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self.addAction(act)  # shortcuts keep working in presentation mode, with the menu bar hidden
        return act

    def _build_actions(self) -> None:
        menu = self.menuBar()
        d = self.documents
        file_menu = menu.addMenu("&File")
        file_menu.addAction(
            self._action("&New", lambda: d.new(), QKeySequence.StandardKey.New, "Start again from the default scenario")
        )
        file_menu.addAction(
            self._action("&Open…", lambda: d.open(), QKeySequence.StandardKey.Open, "Open a saved scenario (.json)")
        )
        self.recent_menu = QMenu("Open &recent", self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self._action("&Save", lambda: d.save(), QKeySequence.StandardKey.Save, "Save the scenario"))
        file_menu.addAction(
            self._action(
                "Save &as…", lambda: d.save_as(), QKeySequence("Ctrl+Shift+S"), "Save the scenario under a new name"
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action(
                "Import &model…",
                lambda: self.import_model(),
                "Ctrl+Shift+I",
                "Make a Hugging Face model the scenario's custom model: its config.json, or a file of its folder "
                "(the safetensors headers give the exact parameter count); read from disk, nothing is downloaded",
            )
        )
        file_menu.addAction(
            self._action(
                "Import model &folder…",
                lambda: self.model_importer.choose_folder(),
                None,
                "Import a model from its folder: config.json plus model.safetensors.index.json or *.safetensors",
            )
        )
        file_menu.addAction(
            self._action(
                "Import model from Hugging Face &cache…",
                lambda: self.model_importer.choose_cached(),
                None,
                "Pick a model already downloaded to the local Hugging Face cache (HF_HUB_CACHE); "
                "read from disk, nothing is downloaded",
            )
        )
        export = file_menu.addMenu("&Export")
        export.addAction(
            self._action(
                "Current chart as &PNG…",
                lambda: self.export_dialog("png"),
                "Ctrl+E",
                "The chart on screen as a 16:9 image for slides",
            )
        )
        export.addAction(self._action("Current chart as &SVG…", lambda: self.export_dialog("svg")))
        export.addAction(self._action("Current chart as P&DF…", lambda: self.export_dialog("pdf")))
        export.addAction(
            self._action(
                "PowerPoint &deck…",
                lambda: self.export_dialog("pptx"),
                "Ctrl+Shift+E",
                "Title, decision, cost, memory, break-even and assumptions slides",
            )
        )
        export.addAction(self._action("Options table as &CSV…", lambda: self.export_dialog("csv")))
        file_menu.addAction(
            self._action(
                "&Deploy…",
                lambda: self.show_deploy(None),
                "Ctrl+D",
                "The recommendation as an LMI configuration: serving.properties, environment, SageMaker SDK "
                "script, boto3 requests, docker command and a load-test plan (a Cost-table row: right-click it)",
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action(
                "Load &price list…",
                self.load_price_list,
                None,
                "Use your own prices: a CSV with the bundled list's columns, or an AWS Price List offer file "
                "(AmazonEC2 or AmazonSageMaker, JSON or CSV)",
            )
        )
        self.bundled_prices = self._action(
            "Use &bundled prices", self.use_bundled_prices, None, "Go back to the prices shipped with the app"
        )
        file_menu.addAction(self.bundled_prices)
        file_menu.addAction(
            self._action(
                "Import &measurements…",
                lambda: self.import_measurements(),
                "Ctrl+Shift+M",
                "Compare the estimate with a load-test result (vLLM, LLMPerf, awscurl, "
                "GenAI-Perf/AIPerf, CSV template)",
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))
        edit = menu.addMenu("&Edit")
        self.undo_action = self._action("&Undo", self._undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action("&Redo", self._redo, QKeySequence.StandardKey.Redo)
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(
            self._action(
                "&Copy chart",
                self.copy_chart,
                "Ctrl+Shift+C",
                "Copy the chart on screen as an image, ready to paste into a slide",
            )
        )
        view = menu.addMenu("&View")
        for i, spec in enumerate(TABS):
            keys = f"Ctrl+{i + 1}" if i < 9 else ("Ctrl+0" if i == 9 else None)
            view.addAction(self._action(spec.title, lambda _=False, i=i: self.tabs.setCurrentIndex(i), keys))
        view.addSeparator()
        self.inputs_action = self._action("Show &inputs", self.inputs.setVisible, "Ctrl+I", checkable=True)
        self.inputs_action.setChecked(True)
        view.addAction(self.inputs_action)
        self.presentation_action = self._action(
            "&Presentation mode",
            self.toggle_presentation,
            "F11",
            "Large fonts, high contrast, answers full screen",
            checkable=True,
        )
        view.addAction(self.presentation_action)
        view.addSeparator()
        view.addAction(
            self._action(
                "&Pin scenario",
                self.pin_scenario,
                "Ctrl+P",
                "Keep this scenario to compare it with others (up to four)",
            )
        )
        view.addAction(self._action("&Compare pinned scenarios…", self.show_compare, "Ctrl+Shift+P"))
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(
            self._action("&Assumptions and sources", self.show_assumptions, QKeySequence.StandardKey.HelpContents)
        )
        help_menu.addAction(self._action("&About LMI Explorer", self._about))
        self.recent_menu.aboutToShow.connect(self._fill_recent)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.documents.recent()
        for p in files:
            act = self.recent_menu.addAction(p.name)
            act.setToolTip(str(p))
            act.setStatusTip(str(p))
            act.triggered.connect(lambda _=False, p=p: self.documents.open(p))
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self.documents.clear_recent)

    def _last_scenario(self):
        text = settings.read_str("scenario/last")
        if text:
            try:
                return loads(text, name="last session")
            except DataError as exc:
                log.warning("could not restore the last scenario: %s", exc)
        return default_scenario()

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
        data = ChartInput(st.estimate, st.decision, self.loadtest_options, scenario=st.scenario)
        for tab in self.answer_tabs:
            tab.show_data(data)
        self._update_actions()
        est = st.estimate
        d = est.scenario.deployment
        age = price_age(est.prices, self.today(), region=d.region, platform=d.platform)
        self.status_data.setText("" if age is None else ("⚠ " if age.stale else "") + age.text)
        self.status_data.setToolTip("" if age is None else age.tooltip)
        self.status_data.setStyleSheet("color: #b35c00; font-weight: bold;" if age is not None and age.stale else "")
        self.status_prices.setText(f"Price list: {est.prices.name}")
        self.status_prices.setToolTip("Prices in use; File ▸ Load price list to use your own")
        self.bundled_prices.setEnabled(est.prices.name != "bundled")
        ms = est.elapsed_s * 1000
        self.status_time.setText(f"Estimate {ms:.1f} ms · view {(time.perf_counter() - started) * 1000:.0f} ms")

    @Slot(tuple)
    def _on_options_selected(self, options: tuple) -> None:
        """Rows picked in the Cost table become the Load test tab's options (an empty pick: the cheapest)."""
        if not options and not self.loadtest_options:
            return
        self.loadtest_options = tuple(options)
        self.loadtest_tab.set_selection(self.loadtest_options)
        if not options:
            self.cost_tab.table.clearSelection()
        st = self.qstate.state
        if st.estimate is not None and st.decision is not None:
            self.loadtest_tab.show_data(ChartInput(st.estimate, st.decision, self.loadtest_options))

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
            # the traffic-mix answers are the slower what-ifs: they come with the refined decision
            data = ChartInput(st.estimate, st.decision, self.loadtest_options, scenario=st.scenario)
            for key in ("decision", "endpoints", "day", "sensitivity"):
                self.answer_tab(key).show_data(data)

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
        self._set_chart_theme(theme)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and (
            self._presentation is None
        ):
            self._set_chart_theme(system_theme())
        super().changeEvent(event)

    # -- documents
    @Slot()
    def _update_title(self) -> None:
        d = self.documents
        self.setWindowTitle(f"{d.display_name}[*] — {self.qstate.scenario.name} — LMI Explorer")
        self.setWindowModified(d.dirty)

    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and all(
            u.isLocalFile() and (u.toLocalFile().lower().endswith(DROP_SUFFIXES) or Path(u.toLocalFile()).is_dir())
            for u in urls
        ):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = Path(event.mimeData().urls()[0].toLocalFile())
        event.acceptProposedAction()
        from lmi_explorer.gui.dialogs.measurement_import import is_measurement_file
        from lmi_explorer.models.reference.hf_files import is_model_config
        from lmi_explorer.models.reference.offer_files import offer_code_of

        if path.is_dir():  # a model folder (config.json and its safetensors files)
            self.import_model(path)
        elif offer_code_of(path) is not None:  # an AWS offer file (read from its first bytes; it may be GBs)
            self.load_price_list(path)
        elif is_measurement_file(path):  # by content: a load-test result, not a scenario or price list
            self.import_measurements(path)
        elif path.suffix.lower() == ".csv":
            self.load_price_list(path)
        elif is_model_config(path):  # a Hugging Face config.json, not a scenario
            self.import_model(path)
        else:
            self.documents.open(path)

    # -- model import
    @property
    def model_importer(self) -> ModelImporter:
        if self._models is None:
            from lmi_explorer.gui.dialogs.model_import import ModelImporter

            self._models = ModelImporter(self.qstate, self)
        return self._models

    @Slot()
    def import_model(self, path: str | Path | None = None) -> bool:
        """A config.json or model folder (chosen, or dropped) becomes the scenario's custom model."""
        m = self.model_importer
        return m.import_path(path) if path else m.choose_file()

    # -- prices
    @Slot()
    def load_price_list(self, path: str | Path | None = None) -> bool:
        """A price list CSV or an AWS offer file (big ones are read in the background, with progress)."""
        from lmi_explorer.gui.dialogs.price_import import FILTER

        if not path:
            chosen, _ = QFileDialog.getOpenFileName(self, "Load price list", "", FILTER)
            if not chosen:
                return False
            path = chosen
        return self.price_importer.load(path)

    @property
    def price_importer(self) -> PriceImporter:
        if self._prices is None:
            from lmi_explorer.gui.dialogs.price_import import PriceImporter

            self._prices = PriceImporter(self.qstate, self)
        return self._prices

    @Slot()
    def use_bundled_prices(self) -> None:
        self.qstate.state.set_prices(None)

    # -- measurements
    @property
    def measurements(self) -> MeasurementImporter:
        if self._measurements is None:
            from lmi_explorer.gui.dialogs.measurement_import import MeasurementImporter

            self._measurements = MeasurementImporter(self.qstate, self)
        return self._measurements

    @Slot()
    def import_measurements(self, path: str | Path | None = None) -> bool:
        """Import a load-test result (chosen, or dropped) into the scenario and show the Calibration tab."""
        m = self.measurements
        done = m.import_file(path) if path else m.choose()
        if done:
            self.tabs.setCurrentWidget(self.calibration_tab)
            self.statusBar().showMessage(f"{m.last_message}. Fit efficiency on the Calibration tab.", 8000)
        return done

    # -- export
    def current_chart(self) -> str:
        return TABS[self.tabs.currentIndex()].key

    def answer_tab(self, key: str):
        """The answer tab showing a chart key (``cost``, ``parity`` …)."""
        return self.answer_tabs[index(key)]

    def chart_input(self) -> ChartInput | None:
        st = self.qstate.state
        if st.estimate is None or st.decision is None:
            return None
        self.qstate.refine_now()
        return ChartInput(st.estimate, st.decision, self.loadtest_options, scenario=st.scenario)

    def export_to(self, path: str | Path, chart: str | None = None) -> Path | None:
        """Write the current chart/deck/table to ``path`` (format from the extension)."""
        from lmi_explorer.gui.output.export import export

        self.qstate.refine_now()  # the file carries the slower what-ifs too (split, week, crossover)
        data = self.chart_input()
        if data is None:
            return None
        try:
            return export(data, path, chart=chart or self.current_chart())
        except DataError as exc:
            QMessageBox.warning(self, "Could not export", str(exc))
            return None

    @Slot()
    def export_dialog(self, fmt: str) -> Path | None:
        base = self.documents.path.stem if self.documents.path else self.qstate.scenario.name
        suffix = "" if fmt in ("pptx", "csv") else f"-{self.current_chart()}"
        start = str(Path(settings.read_str("files/export_dir", str(Path.home()))) / f"{base}{suffix}.{fmt}")
        chosen, _ = QFileDialog.getSaveFileName(self, "Export", start, EXPORT_FILTERS[fmt])
        if not chosen:
            return None
        p = Path(chosen)
        if p.suffix.lower() != f".{fmt}":
            p = p.with_suffix(f".{fmt}")
        done = self.export_to(p)
        if done:
            settings.write("files/export_dir", str(done.parent))
            self.statusBar().showMessage(f"Exported {done.name}", 6000)
        return done

    @Slot()
    def copy_chart(self) -> bool:
        from lmi_explorer.gui.output.export import chart_bytes

        data = self.chart_input()
        if data is None:
            return False
        image = QImage.fromData(chart_bytes(data, self.current_chart(), "png", dpi=150))
        QGuiApplication.clipboard().setImage(image)
        self.statusBar().showMessage("Chart copied: paste it into your slide", 5000)
        return True

    # -- compare
    @Slot()
    def pin_scenario(self) -> None:
        if len(self.pinned) >= 4:
            self.statusBar().showMessage("Four scenarios are pinned already: unpin one in Compare first.", 6000)
            return
        self.pinned.append(self.qstate.scenario)
        self.statusBar().showMessage(f"Pinned '{self.qstate.scenario.name}' ({len(self.pinned)} of 4)", 5000)

    @Slot()
    def show_compare(self) -> None:
        from lmi_explorer.gui.dialogs.compare_dialog import CompareDialog

        pinned = self.pinned or [self.qstate.scenario]
        self.compare_dialog = CompareDialog(pinned, self.theme, self)
        self.compare_dialog.show()

    # -- presentation mode
    @Slot()
    def toggle_presentation(self) -> None:
        if self._presentation is None:
            self._presentation = {
                "inputs": self.inputs.isVisible(),
                "maximized": self.isMaximized(),
                "fullscreen": self.isFullScreen(),
                "font": self.decision_tab.card.font(),
            }
            self.inputs.hide()
            self.menuBar().hide()
            self.statusBar().hide()
            big = QFont(self.decision_tab.card.font())
            big.setPointSizeF(max(big.pointSizeF(), 9) * 1.6)
            self.decision_tab.card.setFont(big)
            self._set_chart_theme(PRESENTATION)
            self.showFullScreen()
        else:
            saved, self._presentation = self._presentation, None
            self.inputs.setVisible(saved["inputs"])
            self.menuBar().show()
            self.statusBar().show()
            self.decision_tab.card.setFont(saved["font"])
            self._set_chart_theme(system_theme())
            if saved["fullscreen"]:
                self.showFullScreen()
            elif saved["maximized"]:
                self.showMaximized()
            else:
                self.showNormal()
        self.presentation_action.setChecked(self._presentation is not None)

    def _set_chart_theme(self, theme: ChartTheme) -> None:
        self.theme = theme
        for tab in self.answer_tabs:
            tab.canvas.set_theme(theme)
        self.traffic_panel.histogram.set_theme(theme)

    @Slot()
    def show_deploy(self, option: str | None = None) -> None:
        """The Deploy dialog for the recommendation, or for one option ('backend:instance:precision:tp')."""
        from lmi_explorer.gui.dialogs.deploy_dialog import DeployDialog

        self.deploy_dialog = DeployDialog(self.qstate.state, option, self)
        self.deploy_dialog.show()

    # -- help
    @Slot()
    def show_assumptions(self) -> None:
        from lmi_explorer.gui.dialogs.assumptions_dialog import AssumptionsDialog

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
        if not self.documents.maybe_save():
            event.ignore()
            return
        self.documents.discard_autosave()
        if self._presentation is not None:
            self.toggle_presentation()
        settings.write("window/geometry", self.saveGeometry())
        settings.write("window/splitter", self.splitter.saveState())
        settings.write("window/tab", self.tabs.currentIndex())
        settings.write("scenario/last", dumps(self.qstate.state.scenario))
        super().closeEvent(event)
