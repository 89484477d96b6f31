"""The Calibration tab: estimate versus measured (parity chart and table), import, fit and reset.

The comparison runs only while the tab is on screen (its table is filled when shown, as the canvas
draws only when shown) and is cached by what it reads, so sliders on other tabs never pay for it. Fit,
reset and remove go through the state: one undo step each, and the document is marked unsaved.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.tabs.chart_tab import ChartTab
from lmi_explorer.gui.widgets.dataframe_model import ColumnSpec, DataFrameModel, OptionsFilter
from lmi_explorer.models.units import percent

if TYPE_CHECKING:
    import pandas as pd

    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.charts.theme import ChartTheme
    from lmi_explorer.gui.qt_state import QtState
    from lmi_explorer.models.calibration.points import ParityPoints

log = logging.getLogger(__name__)

METRIC_SHORT = {
    "ttft_s": "TTFT (s)",
    "tpot_ms": "TPOT (ms)",
    "output_tokens_per_s": "Output tokens/s",
    "kv_tokens": "KV capacity (tokens)",
}
#: how often the tab looks whether the published load tests have been compared (ms)
PUBLISHED_POLL_MS = 150


def _figure(v: object) -> str:
    return "–" if not isinstance(v, int | float) or not math.isfinite(v) else f"{v:,.4g}"


def _error(v: object) -> str:
    if not isinstance(v, int | float) or not math.isfinite(v):
        return "–"
    return f"{v * 100:+.0f} %".replace("-", "−")


POINT_COLUMNS = [
    ColumnSpec("label", "Run", str, "The load-test run (file, run and clients) or published case"),
    ColumnSpec("metric", "Metric", lambda m: METRIC_SHORT.get(str(m), str(m)), "What was measured"),
    ColumnSpec("on", "On", str, "Backend and accelerator it ran on"),
    ColumnSpec("measured", "Measured", _figure, "What the tool reported", True),
    ColumnSpec("estimated", "Estimated", _figure, "The estimate with the scenario's factors", True),
    ColumnSpec("error", "Error", _error, "Estimate ÷ measured − 1", True),
    ColumnSpec("before", "Shipped factors", _figure, "The estimate with the shipped factors (after a fit)", True),
    ColumnSpec("error_before", "Error (shipped)", _error, "Error with the shipped factors (after a fit)", True),
    ColumnSpec("reason", "Why not estimated / assumed"),
]


class CalibrationTab(ChartTab):
    """Parity chart above; summary, buttons and every compared figure below."""

    import_requested = Signal()

    def __init__(
        self, make_chart, theme: ChartTheme, qstate: QtState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(make_chart, theme, qstate, parent)
        if qstate is None:
            raise ValueError("the Calibration tab needs the window's state")
        self.qstate: QtState = qstate
        self.points: ParityPoints | None = None
        self._pending: ChartInput | None = None
        self._shown: ChartInput | None = None
        self._published_timer = QTimer(self)
        self._published_timer.setInterval(PUBLISHED_POLL_MS)
        self._published_timer.timeout.connect(self._published_done)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setToolTip("Error = estimate ÷ measured − 1; the chart's bands are ±15 % and ±35 %")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.import_button = self._button(
            "&Import…",
            "Import a load-test result: vLLM bench serve, LLMPerf, "
            "awscurl, GenAI-Perf/AIPerf JSON or the CSV template (Ctrl+Shift+M)",
        )
        self.fit_button = self._button(
            "F&it efficiency",
            "Fit η_bw, η_f and the step overhead per backend × "
            "accelerator to the imported measurements; the estimate then uses them",
        )
        self.reset_button = self._button(
            "&Reset to shipped factors",
            "Drop the fitted factors and keep the measurements: the estimate goes back to the shipped calibration",
        )
        self.remove_button = self._button(
            "Re&move measurements", "Remove the imported measurements and any fitted factors from the scenario"
        )
        self.import_button.clicked.connect(self.import_requested)
        self.fit_button.clicked.connect(self.fit)
        self.reset_button.clicked.connect(self.reset_factors)
        self.remove_button.clicked.connect(self.remove_measurements)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 8, 2)
        for b in (self.import_button, self.fit_button, self.reset_button, self.remove_button):
            bar.addWidget(b)
        bar.addStretch(1)
        self.model = DataFrameModel(POINT_COLUMNS)
        self.proxy = OptionsFilter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)  # long case names elide rather than spill into a second, clipped line
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Estimate versus measured")
        self.table.setToolTip("Every measured figure against the estimate; click a header to sort")
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(4, 0, 0, 0)
        bl.addWidget(self.summary)
        bl.addLayout(bar)
        bl.addWidget(self.status)
        bl.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        lay = self.layout()
        lay.removeWidget(self.canvas)
        splitter.addWidget(self.canvas)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        lay.addWidget(splitter)
        self._update_buttons()

    def _button(self, text: str, tip: str) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.setStatusTip(tip)
        return b

    # -- data
    def show_data(self, data: ChartInput) -> None:
        super().show_data(data)
        self._shown = data
        self._update_buttons()
        if self.isVisible():
            self._fill(data)
        else:
            self._pending = data

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending is not None:
            data, self._pending = self._pending, None
            self._fill(data)

    def _fill(self, data: ChartInput) -> None:
        """Table and summary from the (cached) comparison; refilled only when the points changed."""
        from lmi_explorer.models.calibration.points import accelerator_label, parity_points

        points = parity_points(data.estimate.scenario)
        if points.pending:
            self._compare_published()
        if self.points is not None and points.frame is self.points.frame:
            return
        self.points = points
        f = points.frame
        bk_names = _backend_names()
        on = [
            f"{bk_names.get(b, b)} · {accelerator_label(a)}" if isinstance(a, str) else (b or "–")
            for b, a in zip(f["backend"], f["accelerator"], strict=True)
        ]
        why = [r if r else n for r, n in zip(f["reason"], f["note"], strict=True)]
        self.model.set_frame(f.assign(on=on, reason=why))
        self.table.resizeColumnsToContents()
        for c in range(self.model.columnCount() - 1):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 240))
        for c in (6, 7):  # the shipped-factor estimate and its error mean something only after a fit
            self.table.setColumnHidden(c, not points.fitted)
        lead = "Your load tests" if points.imported else "No measurements imported yet; the shipped calibration"
        self.summary.setText(f"<b>{lead}:</b> {points.text()}")
        if points.imported and points.elapsed_s:
            log.debug("compared %d figures in %.0f ms", len(f), points.elapsed_s * 1000)

    def _compare_published(self) -> None:
        """Compare the published load tests on a worker thread (once per process); redraw when done."""
        from lmi_explorer.models.calibration.points import published_points

        if not self._published_timer.isActive():
            if not _PUBLISHED_WORKER:
                worker = threading.Thread(target=_compare_quietly, args=(published_points,), daemon=True)
                _PUBLISHED_WORKER.append(worker)
                worker.start()
            self._published_timer.start()

    @Slot()
    def _published_done(self) -> None:
        from lmi_explorer.models.calibration.points import published_ready

        worker = _PUBLISHED_WORKER[0] if _PUBLISHED_WORKER else None
        if worker is not None and worker.is_alive():
            return
        self._published_timer.stop()
        if not published_ready():
            self.status.setText("The published load tests could not be compared (see the log); the cases are shown.")
            return
        if self._shown is not None:
            self.show_data(self._shown)  # the chart and the table now hold every published figure

    def wait_for_published(self, timeout_s: float = 30.0) -> bool:
        """Block until the published load tests are compared and shown (tests, screenshots)."""
        worker = _PUBLISHED_WORKER[0] if _PUBLISHED_WORKER else None
        if worker is not None:
            worker.join(timeout_s)
        self._published_done()
        self.flush()
        return self.points is not None and not self.points.pending

    def _update_buttons(self) -> None:
        cal = self.qstate.scenario.calibration
        has = cal is not None and bool(cal.measurements)
        self.fit_button.setEnabled(has)
        self.reset_button.setEnabled(cal is not None and bool(cal.factors))
        self.remove_button.setEnabled(cal is not None)

    def flush(self) -> None:
        """Fill the table now (tests, screenshots)."""
        if self._pending is not None:
            data, self._pending = self._pending, None
            self._fill(data)

    # -- actions
    @Slot()
    def fit(self) -> bool:
        from lmi_explorer.models.calibration.fit import fit_measurements
        from lmi_explorer.models.calibration.points import accelerator_label

        s = self.qstate.scenario
        if s.calibration is None or not s.calibration.measurements:
            return False
        started = time.perf_counter()
        report = fit_measurements(s.calibration.measurements, s, name=s.calibration.name)
        took = time.perf_counter() - started
        left_out = _not_fitted(report.not_fitted)
        if not report.calibration.factors:
            self.status.setText(
                "Nothing to fit: no measurement could be estimated (see the reasons in the table)." + left_out
            )
            return False
        self.qstate.update(calibration=report.calibration)
        names = _backend_names()
        parts = [
            f"{names.get(f.backend, f.backend)} on {accelerator_label(f.accelerator)}: {f.summary()}"
            for f in report.calibration.factors
        ]
        self.status.setText(
            f"Fitted in {took * 1000:.0f} ms — median error {percent(report.median_error_before)} → "
            f"{percent(report.median_error_after)}. {'; '.join(parts)}. Undo (Ctrl+Z) goes back.{left_out}"
        )
        return True

    @Slot()
    def reset_factors(self) -> None:
        from lmi_explorer.models.calibration.user import without_factors

        if self.qstate.update(calibration=without_factors(self.qstate.scenario.calibration)):
            self.status.setText("Shipped efficiency factors in use; the measurements are kept for comparison.")

    @Slot()
    def remove_measurements(self) -> None:
        if self.qstate.update(calibration=None):
            self.status.setText("Measurements removed; the view shows the published cases again.")


#: the one worker comparing the published load tests (a process compares them once)
_PUBLISHED_WORKER: list[threading.Thread] = []


def _compare_quietly(compare) -> None:
    try:
        compare()
    except Exception:  # the tab says so and keeps the cases; the log keeps the traceback
        log.exception("comparing the published load tests failed")


def _not_fitted(frame: pd.DataFrame) -> str:
    """' Not fitted: run: reason; …' for the runs the fit left out (a model not known, no option), or ''."""
    if not len(frame):
        return ""
    shown = [f"{r['label']}: {str(r['reason']).rstrip('.')}" for r in frame.head(5).to_dict("records")]
    more = f"; and {len(frame) - 5} more (see the table)" if len(frame) > 5 else ""
    return f" Not fitted: {'; '.join(shown)}{more}."


def _backend_names() -> dict[str, str]:
    from lmi_explorer.models.reference.backends import load_backends

    return {k: b.name for k, b in load_backends().backends.items()}


__all__ = ["CalibrationTab"]
