"""The first window is built and painted without pandas: importing it alone costs a third of a bare
Qt window's start-up, and only the options table, exports and the command line need it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_child(code: str, home: Path, **env: str) -> str:
    """Run ``code`` in a fresh Python (offscreen, with ``home`` as its home and settings folder); its output."""
    root = Path(__file__).resolve().parents[2]
    full = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home), XDG_CONFIG_HOME=str(home), **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=full, cwd=root, capture_output=True, text=True, timeout=60, check=True
    ).stdout


CHILD = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from lmi_explorer.gui import settings
settings.set_app_names()
from lmi_explorer.gui.main_window import MainWindow
w = MainWindow(restore=False)
w.show()
def done():
    try:
        w.repaint()
        app.processEvents()
        print("cheapest:", w.qstate.state.estimate.best()["instance"])
        print("pandas imported:", "pandas" in sys.modules)
        later = (
            "lmi_explorer.models.calibration.importers",
            "lmi_explorer.models.calibration.user",
            "lmi_explorer.models.estimate.loadtest",
        )
        print("loaded early:", [m for m in later if m in sys.modules])
        w.documents.saved = w.qstate.scenario
    finally:
        app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def test_first_window_paints_without_pandas(tmp_path):
    out = run_child(CHILD, tmp_path)
    assert "cheapest: " in out  # the window computed a real answer
    assert "pandas imported: False" in out
    assert "loaded early: []" in out  # calibration and load-test code loads when first used


def test_options_table_brings_pandas_when_shown(qtbot):
    """The Cost tab's table still lists every option once it is opened."""
    from lmi_explorer.gui.main_window import MainWindow

    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    w.tabs.setCurrentIndex(1)
    cost = w.answer_tabs[1]
    qtbot.waitUntil(lambda: cost.model.rowCount() == w.qstate.state.estimate.option_count, timeout=5000)
    assert cost.model.rowCount() > 100
    w.documents.saved = w.qstate.scenario


RC_CHILD = r"""
import sys
from lmi_explorer.gui.app import start_window
import matplotlib
app, w = start_window([], restore=False)
print("facecolor:", matplotlib.rcParams["axes.facecolor"], "keymaps:", matplotlib.rcParams["keymap.save"])
w.documents.saved = w.qstate.scenario
w.close()
"""


def test_a_users_matplotlibrc_does_not_restyle_the_charts(tmp_path):
    (tmp_path / "matplotlibrc").write_text("axes.facecolor: red\n")
    out = run_child(RC_CHILD, tmp_path, MATPLOTLIBRC=str(tmp_path))
    assert "facecolor: white" in out  # the user's red is reset to matplotlib's default
    assert "keymaps: []" in out  # and matplotlib's key bindings never steal the window's shortcuts


PRELOAD_CHILD = r"""
import sys, time
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from lmi_explorer.gui.app import start_window
_app, w = start_window([], restore=False)
app.processEvents()
print("pandas at first paint:", "pandas" in sys.modules)
deadline = time.monotonic() + 20
while "pandas" not in sys.modules and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.02)
print("pandas once idle:", "pandas" in sys.modules)
w.documents.saved = w.qstate.scenario
w.close()
"""


def test_pandas_loads_in_the_background_once_the_window_is_up(tmp_path):
    """So the first switch to the Cost tab does not wait a third of a second for the import."""
    out = run_child(PRELOAD_CHILD, tmp_path)
    assert "pandas at first paint: False" in out
    assert "pandas once idle: True" in out


LOG_CHILD = r"""
import logging
from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication
from lmi_explorer.gui import settings
settings.set_app_names()
app = QApplication([])
from lmi_explorer.gui.app import _configure_logging, _open_log_file
early = _configure_logging()
logging.getLogger("lmi").warning("logged while the window starts")
_open_log_file(early)
logging.getLogger("lmi").warning("logged later")
print(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
"""


def test_what_is_logged_during_start_up_reaches_the_log_file(tmp_path):
    out = run_child(LOG_CHILD, tmp_path, XDG_DATA_HOME=str(tmp_path / "data"))
    log_file = Path(out.strip().splitlines()[-1]) / "lmi-explorer.log"
    lines = log_file.read_text().splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == ["logged while the window starts", "logged later"]


GC_CHILD = r"""
import gc, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from lmi_explorer.gui.app import start_window
_app, w = start_window([], restore=False)
print("collecting while starting:", gc.isenabled())
deadline = time.monotonic() + 20
while not gc.isenabled() and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.02)
print("collecting once up:", gc.isenabled(), "frozen:", gc.get_freeze_count())
w.documents.saved = w.qstate.scenario
w.close()
"""


def test_garbage_collection_waits_until_the_window_is_up(tmp_path):
    """No collections while start-up builds its long-lived objects; then they are set aside."""
    out = run_child(GC_CHILD, tmp_path)
    assert "collecting while starting: False" in out
    assert "collecting once up: True" in out
    assert int(out.rsplit("frozen:", 1)[1]) > 50_000  # ~90,000 containers: modules, classes, functions, widgets


def test_a_failed_start_turns_garbage_collection_back_on(monkeypatch, qapp):
    import gc

    from lmi_explorer.gui import app as app_module

    def fail(*_args):
        raise RuntimeError("no display")

    monkeypatch.setattr(app_module, "_start_window", fail)
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="no display"):
        app_module.start_window([], restore=False)
    assert gc.isenabled()


HOOK_CHILD = r"""
import linecache, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
import shibokensupport.feature as feature
original = feature._mod_uses_pyside
from lmi_explorer.gui.app import start_window
_app, w = start_window([], restore=False)
import lmi_explorer.gui.main_window, lmi_explorer.models.tables, matplotlib.figure, matplotlib.backends.backend_qt
print("sources kept:", sum(1 for f in linecache.cache if "matplotlib" in f))
mods = [lmi_explorer.gui.main_window, lmi_explorer.models.tables, matplotlib.figure, matplotlib.backends.backend_qt]
mods.append(sys)
print("uses PySide6:", [feature.pyside_feature_dict[m.__name__] for m in mods[:4]])
print("same answers:", [feature._mod_uses_pyside(m) for m in mods] == [original(m) for m in mods])
w.documents.saved = w.qstate.scenario
w.close()
"""


@pytest.mark.skipif(
    __import__("lmi_explorer.gui.speedups", fromlist=["switched_off"]).switched_off(),
    reason="speed-ups switched off (LMI_NO_SPEEDUPS=1): the public path has no such cache",
)
def test_pyside6s_import_check_reads_files_without_keeping_their_source(tmp_path):
    """PySide6 looks into every module imported after it; it used to keep ~9 MB of their source in memory."""
    out = run_child(HOOK_CHILD, tmp_path)
    assert "same answers: True" in out
    assert "uses PySide6: [0, -1, -1, 0]" in out  # 0: uses PySide6, -1: does not
    assert "sources kept: 0" in out
