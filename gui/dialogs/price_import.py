"""Loading a price list: a CSV, or an AWS Price List offer file read in a worker thread with progress.

The loaded list is applied at once (one undo step) with the sensible default for its kind: an offer
file overrides the bundled prices row by row (an AmazonEC2 file has no SageMaker prices, and the
reverse), a price list CSV replaces them (as it always has). A small dialog then says what was read
(rows used, instance names the catalog lacks) and lets the user switch between replace and override.
It is not modal, so nothing waits on it. A refused or cancelled file leaves the prices unchanged.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.qt_state import QtState
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.offer_files import ImportCancelled, offer_code_of
from lmi_explorer.models.reference.pricing import LoadedPrices, load_price_file

log = logging.getLogger(__name__)

FILTER = "Price lists and AWS offer files (*.csv *.json);;All files (*)"
#: offer files larger than this are read in a worker thread behind a progress dialog
THREADED_BYTES = 4 * 2**20
#: instance names shown in the message before "and N more"
SHOW_NAMES = 20

REPLACE_TIP = (
    "Use only the prices in this list. Instances, regions or platforms it does not price show as "
    "'price unknown' (never $0)."
)
OVERRIDE_TIP = (
    "Use this list's prices where it has them and keep the bundled price everywhere else — for an offer "
    "file of one service (EC2 or SageMaker), or a few negotiated rates."
)


class _Worker(QThread):
    """Reads one offer file off the main thread; the result, error or cancel comes back as a signal."""

    progressed = Signal(int, float, float)  # per mille, bytes read, total bytes (floats: files pass 2 GiB)
    loaded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def _progress(self, done: int, total: int) -> bool:
        self.progressed.emit(int(done * 1000 / max(total, 1)), float(done), float(total))
        return not self._stop.is_set()

    def run(self) -> None:
        try:
            result = load_price_file(self.path, progress=self._progress)
        except ImportCancelled:
            self.cancelled.emit()
        except DataError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # shown to the user in the main thread, never lost in the worker
            log.exception("reading %s failed", self.path)
            self.failed.emit(f"{self.path.name}: could not be read ({type(exc).__name__}: {exc}).")
        else:
            self.loaded.emit(result)


class PriceModeDialog(QDialog):
    """What was loaded, and whether it replaces the bundled prices or overrides them row by row."""

    def __init__(self, loaded: LoadedPrices, mode: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Price list loaded")
        self.message = QLabel(describe(loaded))
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.replace_button = QRadioButton("&Replace the bundled prices")
        self.replace_button.setToolTip(REPLACE_TIP)
        self.override_button = QRadioButton("&Override the bundled prices row by row (keep the others)")
        self.override_button.setToolTip(OVERRIDE_TIP)
        group = QButtonGroup(self)
        group.addButton(self.replace_button)
        group.addButton(self.override_button)
        (self.override_button if mode == "override" else self.replace_button).setChecked(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Use these prices:"))
        layout.addWidget(self.replace_button)
        layout.addWidget(self.override_button)
        layout.addWidget(buttons)

    @property
    def mode(self) -> str:
        return "override" if self.override_button.isChecked() else "replace"


def describe(loaded: LoadedPrices) -> str:
    """The load message: what was read and which instance names the catalog lacks."""
    text = loaded.summary
    names = loaded.not_in_catalog
    if names:
        shown = ", ".join(names[:SHOW_NAMES]) + (
            f" and {len(names) - SHOW_NAMES} more" if len(names) > SHOW_NAMES else ""
        )
        text += f"\n\nNot in the catalog, so not used ({len(names)}): {shown}."
    return text


class PriceImporter(QObject):
    """Loads price files for the window: offer files in a worker thread, then the mode and the message."""

    #: True when a list was applied, False when it was refused or cancelled
    finished = Signal(bool)

    def __init__(self, qstate: QtState, parent: QWidget) -> None:
        super().__init__(parent)
        self.qstate = qstate
        self.window = parent
        self.worker: _Worker | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.mode_dialog: PriceModeDialog | None = None
        self.last_message = ""
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.cancel_and_wait)

    @property
    def busy(self) -> bool:
        return self.worker is not None

    def load(self, path: str | Path) -> bool:
        """Start loading ``path``; True if it was applied (or, for a big offer file, is being read)."""
        p = Path(path)
        if self.worker is not None:
            self._refuse(f"{p.name}: another price file is still being read; wait for it or cancel it.")
            return False
        try:
            big = offer_code_of(p) is not None and p.stat().st_size > THREADED_BYTES
        except OSError:
            big = False
        if not big:
            try:
                loaded = load_price_file(p)
            except DataError as exc:
                self._refuse(str(exc))
                return False
            self._apply(loaded)
            return True
        self._start_worker(p)
        return True

    def _start_worker(self, path: Path) -> None:
        worker = _Worker(path)
        dialog = QProgressDialog(f"Reading {path.name}…", "Cancel", 0, 1000, self.window)
        dialog.setWindowTitle("Loading price list")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(worker.cancel)
        worker.progressed.connect(self._on_progress)
        worker.loaded.connect(self._on_loaded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker, self.progress_dialog = worker, dialog
        dialog.show()
        worker.start()

    @Slot(int, float, float)
    def _on_progress(self, per_mille: int, done: float, total: float) -> None:
        dialog, worker = self.progress_dialog, self.worker
        if dialog is None or worker is None or dialog.wasCanceled():
            return
        dialog.setLabelText(f"Reading {worker.path.name}: {done / 2**20:,.0f} of {total / 2**20:,.0f} MiB")
        # last: a window-modal dialog's setValue handles pending events, which may finish the read
        dialog.setValue(per_mille)

    def _done_reading(self) -> None:
        if self.worker is not None:
            self.worker.wait()
            self.worker.deleteLater()
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
        self.worker, self.progress_dialog = None, None

    @Slot(object)
    def _on_loaded(self, loaded: LoadedPrices) -> None:
        self._done_reading()
        self._apply(loaded)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._done_reading()
        self._refuse(message)

    @Slot()
    def _on_cancelled(self) -> None:
        self._done_reading()
        self.last_message = "Loading cancelled; the prices in use are unchanged."
        self.window.statusBar().showMessage(self.last_message, 8000)  # type: ignore[attr-defined]
        self.finished.emit(False)

    def _refuse(self, message: str) -> None:
        self.last_message = message
        QMessageBox.warning(self.window, "Could not load price list", f"{message}\n\nThe prices in use are unchanged.")
        self.finished.emit(False)

    def _apply(self, loaded: LoadedPrices) -> None:
        mode = "override" if loaded.offer_file else "replace"
        self.qstate.state.set_prices(loaded.table, mode)
        self.last_message = describe(loaded)
        table = loaded.table
        self.window.statusBar().showMessage(  # type: ignore[attr-defined]
            f"Using prices from {table.name} ({len(table.table)} rows, {mode})", 8000
        )
        if self.mode_dialog is not None:
            self.mode_dialog.close()
        dialog = PriceModeDialog(loaded, mode, self.window)
        dialog.accepted.connect(lambda: self._set_mode(loaded, dialog.mode))
        self.mode_dialog = dialog
        dialog.open()  # not modal: the prices are in use already; the dialog only changes how
        self.finished.emit(True)

    def _set_mode(self, loaded: LoadedPrices, mode: str) -> None:
        current = self.qstate.state.scenario.price_list
        if current is not None and current.name == loaded.table.name and current.mode != mode:
            self.qstate.state.set_prices(loaded.table, mode)
            self.window.statusBar().showMessage(f"Prices from {loaded.table.name}: {mode}", 6000)  # type: ignore[attr-defined]

    @Slot()
    def cancel_and_wait(self) -> None:
        """Stop a read in progress (the app is quitting)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(10_000)
