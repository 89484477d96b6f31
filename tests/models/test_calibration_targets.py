"""The estimate against the published calibration set: accuracy today, and ranges that hold the evidence.

Measured on the shipped set (data/calibration/loadtests.csv) with the shipped factors, LMI v29:
median |error| output tokens/s 13.5 %, TPOT 19.5 %, TTFT 22.7 % (14 of the 21 TTFT points are the
Neuron SDK's fixed-batch tables, 6 TGI-neuron, compared but not fitted), KV capacity 1.3 %. The
targets are 10 %, 10 %, 20 % and 5 %; the thresholds below hold today's level so that a change that
makes the estimate worse fails, and tighten as the model improves.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from lmi_explorer.models.calibration.published import (
    NOTED_ERROR,
    load_published,
    published_parity,
    summarise_published,
)
from lmi_explorer.models.estimate.ranges import spread_for


@lru_cache(maxsize=1)
def parity() -> pd.DataFrame:
    return published_parity()


def _overall(metric: str) -> pd.Series:
    s = summarise_published(parity())
    return s[(s["metric"] == metric) & (s["accelerator"] == "all")].iloc[0]


def test_median_errors_hold_todays_level():
    assert _overall("output_tokens_per_s")["median_abs_error"] <= 0.145
    assert _overall("tpot_ms")["median_abs_error"] <= 0.21
    assert _overall("ttft_ms")["median_abs_error"] <= 0.25
    assert _overall("kv_tokens")["median_abs_error"] <= 0.05


def test_kv_capacity_within_5_percent_on_every_logged_line():
    # each line at the engine's own gpu_memory_utilization (k2d ran at 0.95: 10.9 % low when taken at 0.90)
    f = parity()
    kv = f[(f["metric"] == "kv_tokens") & f["estimate"].notna()]
    assert len(kv) >= 7
    assert (kv["error"].abs() <= 0.05).all(), kv[["case", "error"]].to_string()


def test_the_likely_range_holds_the_measured_figure_for_80_percent_of_the_points():
    f = parity()
    f = f[f["metric"].isin(["ttft_ms", "tpot_ms", "output_tokens_per_s"]) & f["estimate"].notna()]
    inside = []
    for r in f.itertuples():
        s = spread_for(r.backend, r.accelerator, r.metric)
        lo, hi = r.estimate * math.exp(-s.q90), r.estimate * math.exp(-s.q10)
        inside.append(lo <= r.measured <= hi)
    assert len(inside) >= 200
    assert np.mean(inside) >= 0.80


def test_a_borrowed_spread_is_wider_than_the_one_it_borrows():
    own = spread_for("trtllm", "l40s", "output_tokens_per_s")
    assert own.level == "exact" and own.points >= 40
    borrowed = spread_for("trtllm", "b300", "output_tokens_per_s")  # no published point on B300
    assert borrowed.level in ("backend", "all")
    assert borrowed.q90 - borrowed.q10 > own.q90 - own.q10
    assert "widened" in borrowed.text


def test_every_point_the_estimate_misses_by_more_than_40_percent_carries_a_note():
    f = parity()
    note = {p.case: p.note for p in load_published()}
    beyond = f[f["error"].abs() > NOTED_ERROR]
    assert len(beyond) > 0
    assert [c for c in beyond["point"] if not note[c]] == []
