"""`lmi-explorer --self-check`: prove an install (or a frozen bundle) has everything it needs.

Loads every data table, estimates the default scenario, builds every chart offscreen, builds
the window offscreen, exports one PNG and one PPTX to a temporary folder, and says which of the
speed-ups on private library internals are in use (:mod:`gui.speedups`). Exit 0, or 1 with
the failing step named. ``--self-check --screenshot FILE.png`` also saves the window as built.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _steps(screenshot: str | None, cleanup: list[str]) -> list[tuple[str, Callable[[], str]]]:
    state: dict[str, object] = {}

    def data() -> str:
        from lmi_explorer.models.calibration.cases import load_cases
        from lmi_explorer.models.reference.backends import diagram_json, load_backends
        from lmi_explorer.models.reference.catalog import load_catalog
        from lmi_explorer.models.reference.hardware import load_hardware
        from lmi_explorer.models.reference.pricing import load_prices
        from lmi_explorer.models.traffic import load_presets

        counts = {
            "models": len(load_catalog().models),
            "instances": len(load_hardware().instances),
            "prices": len(load_prices().frame),
            "backends": len(load_backends().backends),
            "presets": len(load_presets()),
            "measured cases": len(load_cases()),
            "diagram nodes": len(diagram_json()["nodes"]),
        }
        return ", ".join(f"{k} {v}" for k, v in counts.items())

    def estimate_default() -> str:
        from lmi_explorer.gui.charts.base import ChartInput
        from lmi_explorer.models.decision import evaluate
        from lmi_explorer.models.estimate import estimate
        from lmi_explorer.models.scenario import default_scenario

        s = default_scenario()
        est = estimate(s)
        dec = evaluate(s, est)
        state["data"] = ChartInput(est, dec)
        return dec.recommendation.summary

    def mix_and_deploy() -> str:
        from lmi_explorer.models.decision import evaluate
        from lmi_explorer.models.deploy import FORMATS, build_endpoint
        from lmi_explorer.models.estimate import estimate
        from lmi_explorer.models.files import data_root
        from lmi_explorer.models.scenario import load

        s = load(data_root() / "scenarios" / "mixed.json")
        est = estimate(s)
        dec = evaluate(s, est)
        if dec.split is None or dec.week is None:
            raise RuntimeError("the shipped traffic mix gave no split comparison or week")
        artifact = build_endpoint(s, est, dec, "shared")
        texts = [artifact.render(f) for f in FORMATS if not artifact.refused.get(f)]
        return f"{dec.split.summary} {len(texts)} deployment formats"

    def charts() -> str:
        from lmi_explorer.gui.output.export import CHARTS, chart_bytes

        sizes = [len(chart_bytes(state["data"], key, "png", size=(8, 4.5), dpi=60)) for key in CHARTS]  # type: ignore[arg-type]
        return f"{len(sizes)} charts rendered"

    def window() -> str:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        folder = tempfile.mkdtemp(prefix="lmi-self-check-")
        cleanup.append(folder)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        app = QApplication.instance() or QApplication([])
        from lmi_explorer.gui import settings
        from lmi_explorer.gui.main_window import MainWindow

        settings.set_app_names()
        w = MainWindow(restore=False)
        w.resize(1280, 800)
        w.show()
        app.processEvents()
        text = w.decision_tab.card.text.text()
        if screenshot:
            for _ in range(5):  # let the deferred chart draws run
                app.processEvents()
            if not w.grab().save(screenshot):
                raise RuntimeError(f"could not save the screenshot to {screenshot}")
        w.documents.saved = w.qstate.scenario
        w.close()
        if "$" not in text:
            raise RuntimeError("the recommendation card is empty")
        return "window built offscreen"

    def exports() -> str:
        from lmi_explorer.gui.output.export import export

        with tempfile.TemporaryDirectory(prefix="lmi-self-check-") as folder:
            png = export(state["data"], Path(folder) / "check.png")  # type: ignore[arg-type]
            pptx = export(state["data"], Path(folder) / "check.pptx")  # type: ignore[arg-type]
            return f"PNG {png.stat().st_size:,} bytes, PPTX {pptx.stat().st_size:,} bytes"

    def speed_ups() -> str:
        from lmi_explorer.gui import speedups

        return speedups.report_line()

    return [
        ("data", data),
        ("estimate", estimate_default),
        ("traffic mix and deployment", mix_and_deploy),
        ("charts", charts),
        ("window", window),
        ("export", exports),
        ("speed-ups", speed_ups),
    ]


def run(screenshot: str | None = None) -> int:
    """Run every step; ``screenshot`` also saves a picture of the window built offscreen."""
    started = time.perf_counter()
    cleanup: list[str] = []  # the window's throwaway settings folder
    try:
        for name, step in _steps(screenshot, cleanup):
            try:
                detail = step()
            except Exception as exc:  # report any failure by step, then exit non-zero
                sys.stderr.write(f"self-check FAILED at {name}: {type(exc).__name__}: {exc}\n")
                return 1
            sys.stdout.write(f"self-check {name}: ok ({detail})\n")
    finally:
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)
    sys.stdout.write(f"self-check passed in {time.perf_counter() - started:.1f} s\n")
    return 0
