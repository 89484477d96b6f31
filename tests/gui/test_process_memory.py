"""Freed memory goes back to the system once the inputs rest, not during a drag."""

from __future__ import annotations

import sys

import pytest

from lmi_explorer.gui import qt_state as binding
from lmi_explorer.gui.process_memory import release_free_memory
from lmi_explorer.gui.qt_state import QtState
from lmi_explorer.models.scenario import default_scenario
from lmi_explorer.models.state import AppState


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_the_allocator_is_asked_to_hand_back_free_pages():
    assert release_free_memory() is True


def test_pages_are_handed_back_once_a_drag_ends(qapp, qtbot, monkeypatch):
    calls = []
    monkeypatch.setattr(binding, "release_free_memory", lambda: calls.append(1) or True)
    qs = QtState(AppState(scenario=default_scenario(), with_crossover=False))
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=3000)  # the first rest after start
    qs.drag_started()
    qs.update(requests_per_s=3.0)
    qtbot.wait(QtState.REFINE_MS + 200)
    assert len(calls) == 1  # not while the slider is held
    qs.drag_finished()
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=3000)
