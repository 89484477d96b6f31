"""Every figure can show its working: the assumptions list names values and sources."""

from __future__ import annotations

from models.assumptions import assumptions
from models.decision import evaluate
from models.estimate import estimate


def test_assumptions_cover_model_traffic_backend_hardware_price(make_scenario):
    s = make_scenario()
    est = estimate(s)
    rows = assumptions(est, evaluate(s, est))
    topics = {a.topic for a in rows}
    assert {"Model", "Traffic", "Planning", "Backend", "Hardware", "Memory", "Price"} <= topics
    assert all(a.source for a in rows)
    price = next(a for a in rows if a.topic == "Price")
    assert "as of" in price.source
