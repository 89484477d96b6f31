"""Typed access to QSettings: UI preferences only (geometry, last scenario, tab, folders)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

ORGANISATION = "LMI Explorer"
APPLICATION = "LMI Explorer"


def qsettings() -> QSettings:
    """The settings store; tests point it at a temporary file."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def set_app_names() -> None:
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)


def read_bytes(key: str) -> QByteArray | None:
    value = qsettings().value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def read_str(key: str, default: str = "") -> str:
    value = qsettings().value(key, default)
    return value if isinstance(value, str) else default


def read_int(key: str, default: int = 0) -> int:
    value = qsettings().value(key, default)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def write(key: str, value: object) -> None:
    s = qsettings()
    s.setValue(key, value)
    s.sync()
