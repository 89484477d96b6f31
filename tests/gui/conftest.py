"""GUI fixtures: isolated settings per test and a window factory that closes what it opens."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """Every test gets its own settings file (no leakage between tests or into the user's)."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    from lmi_explorer.gui import settings

    settings.set_app_names()
    return


@pytest.fixture(autouse=True)
def no_real_dialogs(monkeypatch):
    """Never block on a modal dialog: unsaved changes are discarded, restores declined, notes swallowed."""
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "about", lambda *a, **k: None)


@pytest.fixture
def make_window(qtbot):
    from lmi_explorer.gui.main_window import MainWindow
    from lmi_explorer.models.state import AppState

    opened = []

    def make(scenario=None, *, restore: bool = False, show: bool = True):
        state = AppState(scenario=scenario) if scenario is not None else None
        w = MainWindow(state, restore=restore)
        qtbot.addWidget(w)
        if show:
            w.show()
            qtbot.waitExposed(w)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.close()
