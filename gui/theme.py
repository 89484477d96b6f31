"""Choose the chart theme from the Qt palette (follows the system's light or dark mode)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QPalette

from lmi_explorer.gui.charts.theme import DARK, LIGHT, ChartTheme


def is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    window = app.palette().color(QPalette.ColorRole.Window)  # type: ignore[attr-defined]
    return window.lightness() < 128


def system_theme() -> ChartTheme:
    return DARK if is_dark() else LIGHT
