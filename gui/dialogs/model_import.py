"""File ▸ Import model: a config.json, a model folder or a snapshot in the local Hugging Face cache.

The imported model becomes the scenario's custom model, as the custom-model editor's OK does
(``update(custom_model=…, model_id=None)``: one undo step). It carries its config.json, so the estimate
sizes windowed and linear-attention layers from the architecture; what is only approximated is said once
in a message box and in the status bar. Nothing here goes online: the cache is read from disk
(``models.reference.hf_files``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui import settings
from lmi_explorer.gui.qt_state import QtState
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.config_import import ImportedConfig
from lmi_explorer.models.reference.hf_files import (
    INDEX_NAME,
    CachedModel,
    cached_models,
    hf_cache_dir,
    import_model,
)
from lmi_explorer.models.reference.model_architecture import attention_label

log = logging.getLogger(__name__)

FILTER = "Model config or checkpoint (config.json *.json *.safetensors);;All files (*)"
SETTINGS_DIR = "files/model_dir"


def model_path(chosen: Path) -> Path:
    """What a chosen file names: a config.json itself, or the model folder of an index or a shard."""
    if chosen.name.endswith(".safetensors") or chosen.name in (INDEX_NAME, "hf_quant_config.json"):
        return chosen.parent
    return chosen


class CachedModelDialog(QDialog):
    """Pick one of the model repositories found in the local Hugging Face cache."""

    def __init__(self, models: list[CachedModel], cache: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import from the Hugging Face cache")
        self.list = QListWidget()
        for m in models:
            item = QListWidgetItem(f"{m.repo_id}    ({m.size_on_disk / 2**30:.1f} GiB on disk)")
            item.setData(Qt.ItemDataRole.UserRole, m)
            item.setToolTip(f"snapshot {m.revision}\n{m.snapshot}")
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        note = QLabel(f"Models with a config.json in {cache} (read from disk; nothing is downloaded).")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addWidget(self.list)
        lay.addWidget(buttons)

    def chosen(self) -> CachedModel | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)


class ModelImporter:
    """Imports a model into the window's scenario and says what the estimate approximates."""

    def __init__(self, state: QtState, window: QMainWindow) -> None:
        self.state = state
        self.window = window
        self.last: ImportedConfig | None = None

    def choose_file(self) -> bool:
        """A config.json, or any checkpoint file of a model folder (the folder is imported)."""
        start = settings.read_str(SETTINGS_DIR, str(Path.home()))
        chosen, _ = QFileDialog.getOpenFileName(self.window, "Import a model's config.json", start, FILTER)
        return bool(chosen) and self.import_path(model_path(Path(chosen)))

    def choose_folder(self) -> bool:
        start = settings.read_str(SETTINGS_DIR, str(Path.home()))
        chosen = QFileDialog.getExistingDirectory(self.window, "Import a model folder", start)
        return bool(chosen) and self.import_path(Path(chosen))

    def choose_cached(self) -> bool:
        """List the model repositories in the local Hugging Face cache and import the one picked."""
        cache = hf_cache_dir()
        try:
            models = cached_models(cache)
        except DataError as exc:
            QMessageBox.warning(self.window, "Could not read the Hugging Face cache", str(exc))
            return False
        if not models:
            QMessageBox.information(
                self.window,
                "No cached models",
                f"No model with a config.json in the Hugging Face cache ({cache}). Set HF_HUB_CACHE to another "
                "cache, or import a model folder or config.json.",
            )
            return False
        dlg = CachedModelDialog(models, cache, self.window)
        if dlg.exec() != QDialog.DialogCode.Accepted or (picked := dlg.chosen()) is None:
            return False
        return self.import_path(f"hf:{picked.repo_id}")

    def import_path(self, where: str | Path) -> bool:
        """Import ``where`` (path or ``hf:ORG/NAME``) as the scenario's custom model; False if refused."""
        try:
            imported = import_model(where)
        except DataError as exc:
            QMessageBox.warning(self.window, "Could not import model", str(exc))
            self.window.statusBar().showMessage(f"Not imported: {exc}", 10000)
            return False
        applied = self.state.update(custom_model=imported.spec, model_id=None)
        if not applied and self.state.scenario.custom_model != imported.spec:
            return False  # refused: the problem is in the status bar
        if isinstance(where, Path):
            settings.write(SETTINGS_DIR, str(where.parent if where.is_file() else where))
        self.last = imported
        spec = imported.spec
        done = f"Imported {spec.name}: {spec.params_billion:.1f}B, {attention_label(spec)}, {spec.checkpoint_precision}"
        if imported.warning:
            QMessageBox.warning(self.window, "Imported model: approximations", imported.warning)
            self.window.statusBar().showMessage(f"{done}. {imported.warning}", 20000)
        else:
            self.window.statusBar().showMessage(f"{done}.", 8000)
        log.info("imported model %s from %s", spec.name, spec.source)
        return True


__all__ = ["CachedModelDialog", "ModelImporter", "model_path"]
