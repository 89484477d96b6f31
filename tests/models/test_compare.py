"""Comparing pinned scenarios."""

from __future__ import annotations

import math

from lmi_explorer.models.compare import compare


def test_three_scenarios_side_by_side(make_scenario):
    today = make_scenario(name="Chatbot today")
    busy = make_scenario(name="Chatbot at 5x", requests_per_s=10.0)
    summ = make_scenario(
        name="Summarisation", input_mean=1000, input_cv=0.1, output_mean=500, output_cv=0.1, ttft_s=5.0, tpot_ms=60
    )
    frame = compare([today, busy, summ])
    assert list(frame["scenario"]) == ["Chatbot today", "Chatbot at 5x", "Summarisation"]
    assert frame.loc[1, "monthly_usd"] > frame.loc[0, "monthly_usd"]  # more traffic costs more
    assert frame.loc[2, "backend"] == "TensorRT-LLM"
    assert frame.loc[0, "backend"] == "vLLM"
    row = frame.loc[0]
    assert math.isclose(
        row["saving_share"], (row["full_precision_usd"] - row["quantized_usd"]) / row["full_precision_usd"]
    )


def test_duplicate_names_are_told_apart(make_scenario):
    frame = compare([make_scenario(), make_scenario(requests_per_s=3.0)])
    assert frame["scenario"].nunique() == 2
