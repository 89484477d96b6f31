"""The shipped efficiency factors reproduce the published measurements; never beat the roofline."""

from __future__ import annotations

import numpy as np
import pytest

from lmi_explorer.models.calibration.cases import load_cases, predict
from lmi_explorer.models.estimate.speed import decode_step
from lmi_explorer.models.reference.backends import Efficiency

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.case for c in CASES])
def test_the_older_engines_fit_reproduces_its_cases_within_25_percent(case):
    predicted = predict(case)
    assert predicted == pytest.approx(case.measured, rel=0.25), f"{case.label}: {predicted:.1f}"


@pytest.mark.parametrize("case", CASES, ids=[c.case for c in CASES])
def test_never_faster_than_the_roofline_at_full_efficiency(case):
    ideal = Efficiency(1.0, 1.0, 0.0, "roofline", False)
    shipped = predict(case)
    bound = predict(case, ideal)
    if case.metric == "output_tokens_per_s":
        assert shipped <= bound * (1 + 1e-9)
    else:
        assert shipped >= bound * (1 - 1e-9)


def test_decode_step_hand_worked():
    from lmi_explorer.models.calibration.cases import _physics

    case = next(c for c in CASES if c.case == "ft13b-tp1-decode")
    ph, _ = _physics(case, Efficiency(1.0, 1.0, 0.0, "", False))
    # 12.85e9 x 2 bytes over 1,555 GB/s, plus 512+5 tokens of KV (819,200 B each) at batch 1
    expected = (12.85e9 * 2 + 517 * 819_200) / 1.555e12
    assert decode_step(ph, np.array([1]))[0] == pytest.approx(expected, rel=1e-9)
