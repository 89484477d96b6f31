"""Unexpected errors get one dialog and a log entry; nothing the app does touches the network."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test (the app must work on a plane)."""
    attempts = []

    class Blocked(socket.socket):
        def __init__(self, *args, **kwargs):
            attempts.append(args)
            raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", Blocked)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: attempts.append(a) or Blocked())
    return attempts


def test_estimate_cli_and_export_are_offline(no_network, make_scenario, tmp_path):
    from lmi_explorer.gui.cli import main
    from lmi_explorer.models.scenario import save

    path = tmp_path / "s.json"
    save(make_scenario(), path)
    assert main(["estimate", str(path), "--format", "json"]) == 0
    assert main(["catalog", "models"]) == 0
    for ext in ("png", "pptx", "csv"):
        assert main(["export", str(path), "--out", str(tmp_path / f"o.{ext}")]) == 0
    assert no_network == []


def test_window_is_offline(no_network, qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from lmi_explorer.gui import settings
    from lmi_explorer.gui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    settings.set_app_names()
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    w.qstate.update(requests_per_s=5.0)
    w.documents.saved = w.qstate.scenario
    w.close()
    assert no_network == []


def test_unexpected_error_report_names_versions_and_traceback(qtbot, monkeypatch):
    from lmi_explorer.gui import errors

    shown = []
    monkeypatch.setattr(errors.ErrorDialog, "exec", lambda self: shown.append(self.report.toPlainText()))
    reporter = errors.ErrorReporter()
    try:
        raise ValueError("boom in a slot")
    except ValueError as exc:
        reporter.handle(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: bool(shown))
    text = shown[0]
    assert text.startswith("LMI Explorer")
    for part in ("Python", "Qt for Python", "matplotlib", "pandas", "ValueError: boom in a slot"):
        assert part in text


def test_the_session_blocks_the_network_but_not_local_socket_pairs(offline):
    import socket as sock

    from tests.conftest import NetworkBlocked

    for attempt in (
        lambda: sock.socket(sock.AF_INET, sock.SOCK_STREAM),
        lambda: sock.create_connection(("example.com", 443)),
        lambda: sock.getaddrinfo("example.com", 443),
    ):
        with pytest.raises(NetworkBlocked):
            attempt()
    offline.clear()  # the attempts above were this test's own
    a, b = sock.socketpair()
    with a, b:
        a.sendall(b"ping")
        assert b.recv(4) == b"ping"
