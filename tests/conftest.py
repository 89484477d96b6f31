"""Test set-up: offscreen Qt and Agg matplotlib before anything imports them."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

import socket

import pytest

from lmi_explorer.models.scenario import Scenario, default_scenario


class NetworkBlocked(AssertionError):
    """Raised when a test tries to reach the network; the app must work on a plane."""


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test may open a network socket or resolve a name; local socket pairs and Unix sockets stay allowed."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkBlocked(f"network access attempted: {args[:2]}")

    class LocalOnly(socket.socket):
        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):  # noqa: A002 - socket's own names
            if fileno is None and family != socket.AF_UNIX:  # a socketpair() or fromfd() passes its fd
                refuse(family, type)
            super().__init__(family, type, proto, fileno)

    monkeypatch.setattr(socket, "socket", LocalOnly)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == [], "network access attempted (and the error swallowed)"


@pytest.fixture
def make_scenario():
    """Factory: the default scenario with field changes (traffic.*, deployment.* or top level)."""

    def make(**changes) -> Scenario:
        return default_scenario().with_changes(**changes) if changes else default_scenario()

    return make
