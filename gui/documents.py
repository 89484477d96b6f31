"""Scenario files in the window: new, open, save, recent, drag-and-drop, unsaved marks, autosave.

Nothing is lost: saves are atomic, a failed save keeps the document marked unsaved, and the
unsaved scenario is autosaved so it can be restored after a crash.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from lmi_explorer.gui import settings
from lmi_explorer.gui.qt_state import QtState
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.scenario import Scenario, default_scenario, dumps, load, loads, save
from lmi_explorer.models.scenario.autosave import read_autosave, write_autosave

log = logging.getLogger(__name__)

FILTER = "LMI Explorer scenarios (*.json);;All files (*)"
RECENT_KEY = "files/recent"
RECENT_MAX = 8
AUTOSAVE_MS = 1500


def app_data_dir() -> Path:
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def autosave_path() -> Path:
    return app_data_dir() / "autosave.json"


class Documents(QObject):
    """The current scenario's file: path, saved snapshot, dirty flag, recent list, autosave."""

    changed = Signal()  # path, dirty state or recent list changed

    def __init__(self, qstate: QtState, parent: QWidget) -> None:
        super().__init__(parent)
        self.qstate = qstate
        self.window = parent
        self.path: Path | None = None
        self.saved: Scenario = qstate.scenario
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.write_autosave)
        qstate.changed.connect(self._on_changed)

    # -- state
    @property
    def dirty(self) -> bool:
        return self.qstate.scenario != self.saved

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def _on_changed(self) -> None:
        if self.dirty:
            self._autosave.start()
        self.changed.emit()

    def _set_document(self, scenario: Scenario, path: Path | None) -> None:
        self.path = path
        self.saved = scenario
        self.qstate.state.set_scenario(scenario, record=False)
        self.qstate.state.reset_history()
        self.qstate.history_changed.emit()
        self.discard_autosave()
        self.changed.emit()

    # -- asking before losing work
    def maybe_save(self) -> bool:
        """True when it is fine to replace the current scenario (saved, discarded or clean)."""
        if not self.dirty:
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"Save the changes to {self.display_name}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # -- commands
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self._set_document(default_scenario(), None)
        return True

    def open(self, path: str | Path | None = None) -> bool:
        if not self.maybe_save():
            return False
        if path is None:
            start = settings.read_str("files/last_dir", str(Path.home()))
            chosen, _ = QFileDialog.getOpenFileName(self.window, "Open scenario", start, FILTER)
            if not chosen:
                return False
            path = chosen
        p = Path(path)
        try:
            scenario = load(p)
        except DataError as exc:
            QMessageBox.warning(self.window, "Could not open scenario", f"{exc}\n\nThe current scenario is unchanged.")
            return False
        self._set_document(scenario, p)
        self._remember(p)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        start = (
            str(self.path)
            if self.path
            else str(Path(settings.read_str("files/last_dir", str(Path.home()))) / f"{self.qstate.scenario.name}.json")
        )
        chosen, _ = QFileDialog.getSaveFileName(self.window, "Save scenario as", start, FILTER)
        if not chosen:
            return False
        p = Path(chosen)
        if p.suffix.lower() != ".json":
            p = p.with_suffix(".json")
        return self._write(p)

    def _write(self, p: Path) -> bool:
        scenario = self.qstate.scenario
        try:
            save(scenario, p)
        except OSError as exc:
            QMessageBox.critical(
                self.window,
                "Could not save scenario",
                f"{p}: {exc.strerror or exc}.\n\nYour changes are kept in the window (and in the autosave); "
                "choose another folder with File ▸ Save As.",
            )
            return False
        self.path = p
        self.saved = scenario
        self.discard_autosave()
        self._remember(p)
        self.changed.emit()
        return True

    # -- recent files
    def recent(self) -> list[Path]:
        raw = settings.read_str(RECENT_KEY, "[]")
        try:
            items = json.loads(raw)
        except json.JSONDecodeError:
            items = []
        return [Path(x) for x in items if isinstance(x, str)]

    def _remember(self, p: Path) -> None:
        items = [str(p.resolve())] + [str(x) for x in self.recent() if str(x) != str(p.resolve())]
        settings.write(RECENT_KEY, json.dumps(items[:RECENT_MAX]))
        settings.write("files/last_dir", str(p.resolve().parent))
        self.changed.emit()

    def clear_recent(self) -> None:
        settings.write(RECENT_KEY, "[]")
        self.changed.emit()

    # -- autosave
    def write_autosave(self) -> None:
        if not self.dirty:
            return
        try:
            write_autosave(autosave_path(), self.qstate.scenario, self.path)
        except OSError as exc:
            log.warning("autosave failed: %s", exc)

    def discard_autosave(self) -> None:
        self._autosave.stop()
        autosave_path().unlink(missing_ok=True)

    def offer_restore(self) -> bool:
        """After a crash: offer the autosaved scenario; True if it was restored."""
        p = autosave_path()
        if not p.exists():
            return False
        try:
            recovered = read_autosave(p)
        except DataError as exc:
            log.warning("unreadable autosave discarded: %s", exc)
            p.unlink(missing_ok=True)
            return False
        scenario, original = recovered.scenario, recovered.path
        when = time.strftime("%d %b %H:%M", time.localtime(recovered.saved_at))
        answer = QMessageBox.question(
            self.window,
            "Restore unsaved scenario?",
            f"LMI Explorer did not close normally. Restore the unsaved scenario "
            f"'{scenario.name}' from {when}" + (f" (changes to {original.name})" if original else "") + "?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            p.unlink(missing_ok=True)
            return False
        self.path = original
        try:  # the file on disk, so the restored changes show as unsaved against it
            self.saved = load(original) if original and original.exists() else default_scenario()
        except DataError:
            self.saved = default_scenario()
        self.qstate.state.set_scenario(scenario, record=False)
        self.changed.emit()
        return True


def scenario_from_drop(text: str) -> Scenario:
    """A scenario dropped as JSON text (drag-and-drop of file contents)."""
    return loads(text, name="dropped scenario")


__all__ = ["Documents", "autosave_path", "dumps", "scenario_from_drop"]
