"""Unexpected errors: one dialog with a copyable report, a log entry, and the app keeps running."""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

log = logging.getLogger(__name__)


def report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """App, Python, Qt, matplotlib and pandas versions plus the traceback, ready to paste."""
    import matplotlib
    import pandas
    import PySide6

    from lmi_explorer.gui.output.export import app_version

    lines = [
        f"LMI Explorer {app_version()}",
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"Qt for Python {PySide6.__version__}, matplotlib {matplotlib.__version__}, pandas {pandas.__version__}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
    ]
    return "\n".join(lines)


class ErrorDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        self.resize(720, 420)
        intro = QLabel(
            "LMI Explorer hit an unexpected error. Your scenario is unchanged and the app keeps running.\n"
            "The report below is also in the log file; copy it to report the problem."
        )
        intro.setWordWrap(True)
        self.report = QPlainTextEdit(text)
        self.report.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(text))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.report)
        lay.addWidget(buttons)


class ErrorReporter(QObject):
    """Routes exceptions from any thread to one dialog on the main thread."""

    raised = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.raised.connect(self._show)
        self.showing = False
        self.last_report = ""

    def handle(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        text = report(exc_type, exc, tb)
        log.error("unexpected error\n%s", text)
        self.last_report = text
        self.raised.emit(text)

    @Slot(str)
    def _show(self, text: str) -> None:
        if self.showing:  # one dialog at a time, not a cascade
            return
        self.showing = True
        try:
            ErrorDialog(text, QApplication.activeWindow()).exec()
        finally:
            self.showing = False


def install(reporter: ErrorReporter) -> None:
    """Send uncaught exceptions (main and worker threads) to the reporter instead of crashing."""
    sys.excepthook = reporter.handle
    threading.excepthook = lambda args: reporter.handle(args.exc_type, args.exc_value, args.exc_traceback)  # type: ignore[arg-type]
