"""Test set-up: offscreen Qt and Agg matplotlib before anything imports them."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

from models.scenario import Scenario, default_scenario


@pytest.fixture
def make_scenario():
    """Factory: the default scenario with field changes (traffic.*, deployment.* or top level)."""

    def make(**changes) -> Scenario:
        return default_scenario().with_changes(**changes) if changes else default_scenario()

    return make
