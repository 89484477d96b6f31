"""Screenshots of the real window for review: default, even traffic, fits nowhere, dark palette.

Run: python tools/screenshots.py [OUT_DIR] [--size 1280x800]   (offscreen)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

SCENARIOS = {
    "default": {},
    "even": {
        "preset": "summarisation",
        "input_mean": 1000,
        "input_cv": 0.1,
        "output_mean": 500,
        "output_cv": 0.1,
        "ttft_s": 5.0,
        "tpot_ms": 60,
    },
    "nowhere": {"model_id": "meta-llama/Llama-3.1-405B", "instance_families": ("g5",), "precisions": ("bf16",)},
    "inferentia": {"lmi_release": 14, "hardware": "both", "model_id": "meta-llama/Llama-2-70b-hf"},
    "neuron-newest": {"hardware": "inferentia"},
    "both-newest": {"hardware": "both", "model_id": "meta-llama/Llama-3.1-70B"},
    "neuron-none": {"hardware": "inferentia", "model_id": "tiiuae/falcon-40b"},
    # 2026 architectures: MXFP4 experts with sliding windows, latent attention in block FP8, linear-attention state
    "gpt-oss": {"model_id": "openai/gpt-oss-120b", "precisions": ("bf16", "fp8", "awq")},
    "deepseek": {"model_id": "deepseek-ai/DeepSeek-R1", "input_mean": 4000, "output_mean": 2000},
    "qwen35": {"model_id": "Qwen/Qwen3.5-397B-A17B", "input_mean": 30000, "input_cv": 0.3},
}


def dark_palette() -> QPalette:
    p = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#1e1e1e"),
        (QPalette.ColorRole.WindowText, "#e6edf3"),
        (QPalette.ColorRole.Base, "#0d1117"),
        (QPalette.ColorRole.AlternateBase, "#161b22"),
        (QPalette.ColorRole.Text, "#e6edf3"),
        (QPalette.ColorRole.Button, "#2d2d2d"),
        (QPalette.ColorRole.ButtonText, "#e6edf3"),
        (QPalette.ColorRole.Highlight, "#1f6feb"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, "#161b22"),
        (QPalette.ColorRole.ToolTipText, "#e6edf3"),
        (QPalette.ColorRole.PlaceholderText, "#8b949e"),
    ):
        p.setColor(role, QColor(colour))
    return p


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="screenshots")
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--only", choices=("deploy", "mix"), help="only this set of screenshots")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in args.size.split("x"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(out / ".settings"))
    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    from lmi_explorer.gui import settings
    from lmi_explorer.gui.main_window import MainWindow
    from lmi_explorer.models.scenario import default_scenario
    from lmi_explorer.models.state import AppState

    settings.set_app_names()
    if args.only == "deploy":
        shoot_deploy(out, width, height)
        return
    if args.only == "mix":
        shoot_mix(out, width, height)
        return

    def shoot(name: str, changes: dict, tabs: range) -> None:
        w = MainWindow(AppState(scenario=default_scenario().with_changes(**changes)), restore=False)
        w.resize(width, height)
        w.show()
        for i in tabs:
            w.tabs.setCurrentIndex(i)
            for _ in range(5):
                app.processEvents()
            w.cost_tab.flush()
            if w.tabs.currentWidget() is w.calibration_tab:
                w.calibration_tab.wait_for_published()
                for _ in range(5):
                    app.processEvents()
            app.processEvents()
            path = out / f"{name}-{w.tabs.tabText(i).lower().replace(' ', '-')}-{width}x{height}.png"
            w.grab().save(str(path))
            print(path)
        w.close()

    shoot("default", SCENARIOS["default"], range(10))
    shoot("even", SCENARIOS["even"], range(1))
    shoot("nowhere", SCENARIOS["nowhere"], (0, 1, 2, 5))
    shoot("inferentia", SCENARIOS["inferentia"], range(2))
    for name in ("neuron-newest", "both-newest", "neuron-none"):
        shoot(name, SCENARIOS[name], (0,))
    for name in ("gpt-oss", "deepseek", "qwen35"):
        shoot(name, SCENARIOS[name], (0, 1, 2))
    # meeting workflow: three pinned scenarios compared, and presentation mode
    w = MainWindow(AppState(scenario=default_scenario()), restore=False)
    w.resize(width, height)
    w.show()
    for name, changes in (
        ("Chatbot today", {}),
        ("Chatbot at 5x", {"requests_per_s": 10.0}),
        ("Summarisation", SCENARIOS["even"]),
    ):
        w.qstate.update(name=name, **changes)
        w.pin_scenario()
    w.show_compare()
    for _ in range(5):
        app.processEvents()
    path = out / f"compare-{width}x{height}.png"
    w.compare_dialog.grab().save(str(path))
    print(path)
    w.compare_dialog.close()
    w.tabs.setCurrentIndex(1)
    w.toggle_presentation()
    for _ in range(8):
        app.processEvents()
    path = out / f"presentation-cost-{width}x{height}.png"
    w.grab().save(str(path))
    print(path)
    w.toggle_presentation()
    w.documents.saved = w.qstate.scenario  # nothing to ask about on close
    w.close()
    shoot_calibrated(out, width, height, "light")
    shoot_deploy(out, width, height)
    shoot_mix(out, width, height)
    app.setPalette(dark_palette())
    shoot("dark", SCENARIOS["default"], range(3))
    shoot_calibrated(out, width, height, "dark")


def mix_scenarios() -> dict:
    """The shipped traffic mix, and an extreme one: three classes, a strict code assistant, scale to zero."""
    from lmi_explorer.models.files import data_root
    from lmi_explorer.models.scenario import load
    from lmi_explorer.models.scenario.mixture import Load, TrafficClass
    from lmi_explorer.models.scenario.model import Traffic

    mixed = load(data_root() / "scenarios" / "mixed.json")
    code = TrafficClass(
        "Code assistant",
        Traffic(
            input_mean=3000,
            input_cv=0.9,
            output_mean=200,
            output_cv=0.9,
            requests_per_s=6.0,
            ttft_s=0.5,
            tpot_ms=20.0,
            preset="codegen",
        ),
        "follow_the_sun",
    )
    extreme = mixed.with_changes(
        name="Three classes, strict code assistant",
        other_classes=(*mixed.other_classes, code),
        min_instances=0,
        load=Load("business_hours", autoscaling=True, max_instances=40, scale_to_zero=True),
    )
    return {"mixed": mixed, "extreme": extreme}


def shoot_mix(out: Path, width: int, height: int) -> None:
    """The traffic-class editor and the Endpoints, Day and Sensitivity tabs at the default, mixed and extreme."""
    from lmi_explorer.gui.main_window import MainWindow
    from lmi_explorer.gui.registry import index
    from lmi_explorer.models.scenario import default_scenario
    from lmi_explorer.models.state import AppState

    app = QApplication.instance()
    cases = {"default": default_scenario(), **mix_scenarios()}
    for name, scenario in cases.items():
        w = MainWindow(AppState(scenario=scenario), restore=False)
        w.resize(width, height)
        w.show()
        for sec in w.sections[:3]:  # the classes section in view
            sec.set_expanded(False)
        for _ in range(5):
            app.processEvents()
        w.qstate.refine_now()
        for key in ("endpoints", "day", "sensitivity"):
            w.tabs.setCurrentIndex(index(key))
            for _ in range(5):
                app.processEvents()
            tab = w.answer_tab(key)
            if hasattr(tab, "flush"):
                tab.flush()
            for _ in range(5):
                app.processEvents()
            path = out / f"mix-{name}-{key}-{width}x{height}.png"
            w.grab().save(str(path))
            print(path)
        w.documents.saved = w.qstate.scenario
        w.close()


def shoot_deploy(out: Path, width: int, height: int) -> None:
    """The Deploy dialog, every tab at the default scenario and the main tabs at two extremes."""
    from lmi_explorer.gui.dialogs.deploy_dialog import DeployDialog
    from lmi_explorer.models.deploy import FORMATS
    from lmi_explorer.models.scenario import default_scenario
    from lmi_explorer.models.state import AppState

    app = QApplication.instance()
    cases = {"default": ({}, FORMATS), "deepseek": (SCENARIOS["deepseek"], ("properties", "loadtest"))}
    cases["neuron-newest"] = (SCENARIOS["neuron-newest"], ("properties", "docker"))
    for name, (changes, formats) in cases.items():
        dialog = DeployDialog(AppState(scenario=default_scenario().with_changes(**changes)))
        dialog.resize(min(width, 1100), min(height, 700))
        dialog.show()
        for fmt in formats:
            dialog.tabs.setCurrentIndex(FORMATS.index(fmt))
            for _ in range(5):
                app.processEvents()
            path = out / f"deploy-{name}-{fmt}-{width}x{height}.png"
            dialog.grab().save(str(path))
            print(path)
        dialog.close()


def shoot_calibrated(out: Path, width: int, height: int, theme: str) -> None:
    """The Calibration tab with the sample load tests imported, before and after the fit."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from render_charts import calibrated

    from lmi_explorer.gui.main_window import MainWindow
    from lmi_explorer.gui.registry import KEYS as CHART_KEYS
    from lmi_explorer.models.scenario import default_scenario
    from lmi_explorer.models.state import AppState

    app = QApplication.instance()
    for fit in (False, True):
        w = MainWindow(AppState(scenario=calibrated(default_scenario(), fit=fit)), restore=False)
        w.resize(width, height)
        w.show()
        w.tabs.setCurrentIndex(CHART_KEYS.index("parity"))
        for _ in range(5):
            app.processEvents()
        path = out / f"calibration-{'fitted' if fit else 'imported'}-{theme}-{width}x{height}.png"
        w.grab().save(str(path))
        print(path)
        w.documents.saved = w.qstate.scenario
        w.close()


if __name__ == "__main__":
    main()
