"""AppState: one batch, one notification, only on real change; undo groups."""

from __future__ import annotations

import pytest

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.state import AppState


def test_update_notifies_once_and_only_on_change():
    st = AppState()
    calls = []
    st.subscribe(lambda s: calls.append(s.scenario.traffic.requests_per_s))
    assert st.update(requests_per_s=3.0, peak_to_average=2.0)
    assert calls == [3.0]
    assert not st.update(requests_per_s=3.0)
    assert calls == [3.0]
    assert st.estimate is not None
    assert st.estimate.scenario.traffic.peak_rps == 6.0


def test_invalid_update_changes_nothing():
    st = AppState()
    before = st.scenario
    with pytest.raises(DataError, match="requests_per_s"):
        st.update(requests_per_s=-1)
    assert st.scenario == before


def test_undo_redo_and_groups():
    st = AppState()
    st.update(requests_per_s=3.0)
    st.begin_group()
    for r in (4.0, 5.0, 6.0):
        st.update(requests_per_s=r)
    st.end_group()
    assert st.undo()
    assert st.scenario.traffic.requests_per_s == 3.0
    assert st.undo()
    assert st.scenario.traffic.requests_per_s == 2.0
    assert not st.undo()
    assert st.redo()
    assert st.redo()
    assert st.scenario.traffic.requests_per_s == 6.0
    st.update(requests_per_s=7.0)
    assert not st.can_redo
