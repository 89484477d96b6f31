"""Entry point: `lmi-explorer` opens the window; `lmi-explorer estimate|catalog ...` runs headless."""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from lmi_explorer.gui.main_window import MainWindow

from lmi_explorer.models.commands import COMMANDS

#: Qt's own command-line options that take a value (the window passes them on to QApplication)
QT_OPTIONS = ("-platform", "-style", "-display", "-geometry", "-qwindowgeometry", "-qwindowtitle")

log = logging.getLogger(__name__)


class _EarlyRecords(logging.Handler):
    """Holds what is logged during start-up until the log file is open, so nothing is lost."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _configure_logging() -> _EarlyRecords | None:
    """Log to stderr when run from a terminal; records wait for the log file (:func:`_open_log_file`).

    None when logging is already set up (an embedding program or the tests).
    """
    root = logging.getLogger()
    if root.handlers:
        return None
    root.setLevel(logging.INFO)
    early = _EarlyRecords()
    root.addHandler(early)
    if sys.stderr is not None and sys.stderr.isatty():
        root.addHandler(logging.StreamHandler())
    return early


def _open_log_file(early: _EarlyRecords | None) -> None:
    """A rotating log file in the user's app-data folder, opened once the window is up, with the start-up
    records written first."""
    if early is None:
        return
    from logging.handlers import RotatingFileHandler

    from PySide6.QtCore import QStandardPaths

    root = logging.getLogger()
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(folder / "lmi-explorer.log", maxBytes=1_000_000, backupCount=2)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for record in early.records:
            handler.handle(record)
        root.addHandler(handler)
    except OSError:
        pass  # no log file: the window still reports errors itself
    finally:
        root.removeHandler(early)


#: once the window has painted, the log file opens and pandas (a third of a second to import; the options
#: table, exports and the charts of the other tabs need it) loads in the background, so the first switch
#: to those tabs is quick
AFTER_START_MS = 300


def _preload_in_background() -> None:
    def work() -> None:
        try:
            import pandas  # noqa: F401
        except Exception:  # the tab that needs it will say what went wrong
            log.exception("preloading pandas failed")

    threading.Thread(target=work, name="preload", daemon=True).start()


def _after_start(early_log: _EarlyRecords | None) -> None:
    """Once the window has painted: the garbage collector back on, then the log file and the preload."""
    _resume_gc()
    _open_log_file(early_log)
    _preload_in_background()


def _pause_gc() -> None:
    """Collect no garbage while the window starts: importing Qt, matplotlib and the app makes ~200 collections
    (~70 ms) that find next to nothing. A collector already off (an embedding program's choice) stays off."""
    if gc.isenabled():
        gc.disable()
        _gc_paused[0] = True


def _resume_gc() -> None:
    """Collector back on, with what start-up built moved out of its reach: one collection first (what start-up
    left over is freed), then ``gc.freeze`` (the rest lives as long as the app, and without it in the way a full
    collection during a slider drag takes a few ms instead of ~20)."""
    if _gc_paused[0]:
        _gc_paused[0] = False
        gc.collect()
        gc.freeze()
        gc.enable()


_gc_paused = [False]


def start_window(args: Sequence[str] = (), *, restore: bool = True) -> tuple[QApplication, MainWindow]:
    """Start Qt and show the main window (optionally opening a scenario file); the caller runs the event loop.

    ``restore=False`` starts from the default scenario at the default size, with no offer to restore
    unsaved work (benchmarks, checks).
    """
    _pause_gc()
    try:
        return _start_window(args, restore)
    except BaseException:
        _resume_gc()
        raise


def _start_window(args: Sequence[str], restore: bool) -> tuple[QApplication, MainWindow]:
    os.environ.setdefault("QT_API", "pyside6")
    from PySide6.QtCore import QTimer

    from lmi_explorer.gui import speedups

    speedups.install()  # PySide6 is imported: its import-check speed-up goes in before matplotlib is imported
    from PySide6.QtWidgets import QApplication

    from lmi_explorer.gui import settings

    settings.set_app_names()
    app = QApplication.instance() or QApplication([sys.argv[0], *args])
    early_log = _configure_logging()
    from importlib import resources

    from PySide6.QtGui import QIcon

    app.setWindowIcon(QIcon(str(resources.files("lmi_explorer.assets") / "icons" / "app.png")))
    from lmi_explorer.gui.errors import ErrorReporter, install

    reporter = ErrorReporter(app)
    install(reporter)
    import matplotlib

    if Path(matplotlib.matplotlib_fname()).parent != Path(matplotlib.get_data_path()):
        matplotlib.rcdefaults()  # a user's matplotlibrc is in effect: charts look the same on every laptop
    for key in [k for k in matplotlib.rcParams if k.startswith("keymap.")]:
        matplotlib.rcParams[key] = []
    from lmi_explorer.gui.main_window import MainWindow

    window = MainWindow(restore=restore)
    window.show()
    QTimer.singleShot(AFTER_START_MS, lambda: _after_start(early_log))
    files = [a for a in args if not a.startswith("-")]
    if files:
        window.documents.open(files[0])
    elif restore:
        window.documents.offer_restore()
    return app, window


def run_window(args: Sequence[str]) -> int:
    """Start Qt, show the main window and run until it closes."""
    app, _window = start_window(args)
    return app.exec()


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch: subcommands run without Qt; anything else starts the window."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--self-check":
        from lmi_explorer.gui.self_check import run

        shot = args[2] if len(args) > 2 and args[1] == "--screenshot" else None
        return run(screenshot=shot)
    if args and (args[0] in COMMANDS or args[0] in ("-h", "--help")):
        from lmi_explorer.gui.cli import main as cli_main

        return cli_main(args)
    problem = window_arguments_problem(args) or display_problem()
    if problem:
        sys.stderr.write(f"lmi-explorer: {problem}\n")
        return 2
    return run_window(args)


def window_arguments_problem(args: Sequence[str]) -> str | None:
    """What is wrong with the arguments for opening the window (at most one scenario file), or None."""
    if args and not args[0].startswith("-") and _looks_like_command(args[0]):
        return (
            f"unknown command '{args[0]}'; use one of {', '.join(COMMANDS)}, or give a scenario file to open "
            "(see 'lmi-explorer --help')."
        )
    files: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg in QT_OPTIONS:
            if rest:
                rest.pop(0)
            continue
        if arg.startswith("-"):
            return (
                f"unknown option '{arg}'. Usage: lmi-explorer [SCENARIO.json], or lmi-explorer COMMAND …; "
                "see 'lmi-explorer --help'."
            )
        files.append(arg)
    if len(files) > 1:
        return f"the window opens one scenario file, not {len(files)} ({', '.join(files)}); see 'lmi-explorer --help'."
    if files and not Path(files[0]).exists():
        return f"{files[0]}: no such file. Check the path, or start 'lmi-explorer' without one."
    return None


def _looks_like_command(arg: str) -> bool:
    """A bare word that is no file here: a mistyped command rather than a scenario to open."""
    return not Path(arg).exists() and not arg.lower().endswith(".json") and "/" not in arg and "\\" not in arg


def display_problem(env: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why no window can be shown here (a Linux session without a display), or None.

    Qt aborts the whole process when it cannot connect to a display; saying so first, and naming the
    commands that need none, is kinder.
    """
    env = dict(os.environ) if env is None else env
    if not (platform or sys.platform).startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc, eglfs …: no display needed
    headless = f"commands that need no window: {', '.join(COMMANDS)} (see 'lmi-explorer --help')."
    if env.get("WAYLAND_DISPLAY"):
        return None
    display = env.get("DISPLAY", "")
    if not display:
        return f"no display to open the window on (DISPLAY is not set). Run it on a desktop, or use the {headless}"
    number = display[1:].split(".")[0] if display.startswith(":") else ""
    if number.isdigit() and not Path(f"/tmp/.X11-unix/X{number}").exists():
        return f"the display {display} cannot be opened (no X server there). Run it on a desktop, or use the {headless}"
    return None


if __name__ == "__main__":
    sys.exit(main())
