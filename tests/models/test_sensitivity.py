"""What moves the cost: the tornado's bars, worked out by hand where the cost is linear in the input."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.mix.sensitivity import STEPS, Bar, Move, Step, tornado

DISCOUNT_10 = Step(
    "d10", "Discount ±10 points", "+10 points", "−10 points", ("discount",), Move("plus", 0.1), Move("plus", -0.1)
)
#: a TPOT target of 1 µs per token: no option meets it
IMPOSSIBLE = Step("tpot0", "TPOT target 1 µs", "unchanged", "1 µs", ("tpot_ms",), Move("times", 1.0), Move("to", 0.001))


def _recommended(s) -> float:
    return evaluate(s, estimate(s)).recommendation.monthly_usd


def test_default_steps_are_the_seven_inputs_in_order():
    assert [s.key for s in STEPS] == ["rate", "output", "input", "ttft", "tpot", "spread", "discount"]


def test_discount_bar_is_the_base_times_the_share_left_to_pay(make_scenario):
    s = make_scenario(pricing_option="savings_plan", discount=0.2)
    t = tornado(s)
    base = _recommended(s)
    assert t.base_usd == pytest.approx(base, rel=1e-12)
    bar = next(b for b in t.bars if b.step.key == "discount")
    # +20 points -> 40 % off: base x 0.6 / 0.8; none -> base / 0.8
    assert bar.low_usd == pytest.approx(base * 0.6 / 0.8, rel=1e-12)
    assert bar.high_usd == pytest.approx(base * 1.0 / 0.8, rel=1e-12)
    assert (bar.low_value, bar.high_value) == ("40 % discount", "0 % discount")
    assert bar.swing == pytest.approx(base * 0.4 / 0.8, rel=1e-12)


def test_a_linear_input_gives_a_symmetric_bar(make_scenario):
    s = make_scenario(pricing_option="savings_plan", discount=0.2)
    (bar,) = tornado(s, steps=(DISCOUNT_10,)).bars
    base = _recommended(s)
    assert bar.low_usd == pytest.approx(base * 0.7 / 0.8, rel=1e-12)
    assert bar.high_usd == pytest.approx(base * 0.9 / 0.8, rel=1e-12)
    assert base - bar.low_usd == pytest.approx(bar.high_usd - base, rel=1e-9)


def test_on_demand_prices_take_no_discount_and_say_so(make_scenario):
    t = tornado(make_scenario(), steps=(STEPS[-1],))
    (bar,) = t.bars
    assert bar.low_usd == bar.high_usd == t.base_usd
    assert bar.swing == 0
    assert "on-demand prices take no discount" in t.text()


def test_bars_are_sorted_widest_first_and_read_as_one_line_each(make_scenario):
    t = tornado(make_scenario())
    swings = [b.swing for b in t.bars]
    assert swings == sorted(swings, reverse=True)
    assert len(t.bars) == len(STEPS)
    # the default scenario needs 2 instances at 2 req/s, 1 at 1 req/s and 3 at 3 req/s (same instance)
    rate = next(b for b in t.bars if b.step.key == "rate")
    assert rate.low_usd == pytest.approx(t.base_usd * 0.5) and rate.high_usd == pytest.approx(t.base_usd * 1.5)
    assert (rate.low_value, rate.high_value) == ("1 req/s", "3 req/s")
    lines = t.text().splitlines()
    assert len(lines) == len(STEPS)
    b = f"${t.base_usd:,.0f}"
    assert f"Request rate ±50 %: ${rate.low_usd:,.0f}–${rate.high_usd:,.0f}/mo (base {b})" in lines


def test_a_move_that_leaves_nothing_to_recommend_has_no_cost_and_ranks_first(make_scenario):
    t = tornado(make_scenario(), steps=(STEPS[0], IMPOSSIBLE))
    first = t.bars[0]
    assert first.step.key == "tpot0"
    assert first.high_usd is None and first.high_note == "nothing fits"
    assert first.low_usd == pytest.approx(t.base_usd)
    assert first.breaks and math.isinf(first.swing)
    assert "nothing fits" in t.text().splitlines()[0]
    frame = t.to_frame()
    assert math.isnan(frame.loc[0, "high_usd"]) and frame.loc[0, "high_note"] == "nothing fits"


def test_swing_when_both_moves_leave_nothing_is_zero():
    bar = Bar(STEPS[0], None, None, "a", "b", "nothing fits", "nothing fits")
    assert bar.swing == 0 and not bar.breaks


def test_frame_has_one_row_per_bar_with_the_columns(make_scenario):
    t = tornado(make_scenario())
    frame = t.to_frame()
    for col in ("input", "low_value", "high_value", "low_usd", "high_usd", "swing_usd", "base_usd"):
        assert col in frame.columns
    assert list(frame["input"]) == [b.step.label for b in t.bars]
    assert (frame["base_usd"] == t.base_usd).all()


def test_values_beyond_the_allowed_range_are_clipped_and_say_so(make_scenario):
    s = make_scenario(input_cv=4.0, output_cv=2.0, pricing_option="savings_plan", discount=0.9)
    t = tornado(s, steps=(STEPS[5], STEPS[6]))
    spread = next(b for b in t.bars if b.step.key == "spread")
    # 4.0 x 1.5 = 6 is beyond the maximum 5; 2.0 x 1.5 = 3 is not
    assert spread.high_value == "input spread 5.00 (clipped to the maximum, 5), output spread 3.00"
    assert spread.low_value == "input spread 2.00, output spread 1.00"
    discount = next(b for b in t.bars if b.step.key == "discount")
    assert discount.low_value == "95 % discount (clipped to the maximum, 0.95)"
    assert discount.low_usd == pytest.approx(t.base_usd * 0.05 / 0.1, rel=1e-12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rate=st.floats(min_value=0.05, max_value=60.0, allow_nan=False))
def test_more_load_never_costs_less(make_scenario, rate):
    (bar,) = tornado(make_scenario(requests_per_s=rate), steps=(STEPS[0],)).bars
    if bar.high_usd is not None:
        assert bar.low_usd is not None
        assert bar.low_usd <= bar.high_usd
