"""The estimate against the published calibration set: accuracy at the targets, and ranges that hold the evidence.

Measured on the shipped set (data/calibration/loadtests.csv) with the shipped factors, LMI v29, over
the points measured on each backend's own engine: median |error| TTFT 9.8 % (15 points at fixed
concurrency), TPOT 8.9 %, output tokens/s 9.3 %, KV capacity 1.3 % (worst line 3.1 %). The targets are
20 %, 10 %, 10 % and 5 % on every KV line. Points from another server (TGI-neuron against the
Transformers NeuronX estimate) are summarised apart and do not count.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from lmi_explorer.models.calibration.published import (
    NOTED_ERROR,
    OTHER_SERVERS,
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


def test_median_errors_meet_the_targets():
    assert _overall("output_tokens_per_s")["median_abs_error"] <= 0.10
    assert _overall("tpot_ms")["median_abs_error"] <= 0.10
    assert _overall("ttft_ms")["median_abs_error"] <= 0.20
    assert _overall("kv_tokens")["median_abs_error"] <= 0.05
    # every metric is judged on enough evidence
    assert _overall("output_tokens_per_s")["points"] >= 150
    assert _overall("tpot_ms")["points"] >= 30
    assert _overall("ttft_ms")["points"] >= 12


def test_another_servers_points_are_shown_apart_and_not_counted():
    s = summarise_published(parity())
    other = s[s["accelerator"] == OTHER_SERVERS]
    assert set(other["metric"]) >= {"ttft_ms", "tpot_ms"}
    f = parity()
    tgi = f[f["engine"] == "tgi-neuron"]
    assert len(tgi) and tgi["reference"].all()
    assert not f.loc[f["engine"] != "tgi-neuron", "reference"].any()
    own = f[(f["metric"] == "tpot_ms") & ~f["reference"] & f["error"].notna()]
    assert _overall("tpot_ms")["points"] == len(own)


def test_kv_capacity_within_5_percent_on_every_logged_line():
    # each line at the engine's own gpu_memory_utilization (k2d ran at 0.95: 10.9 % low when taken at 0.90)
    f = parity()
    kv = f[(f["metric"] == "kv_tokens") & f["estimate"].notna()]
    assert len(kv) >= 7
    assert (kv["error"].abs() <= 0.05).all(), kv[["case", "error"]].to_string()


def test_the_likely_range_holds_the_measured_figure_for_80_percent_of_the_points():
    f = parity()
    # the ranges are the evidence about each backend's own engine: another server's points are not in them
    f = f[f["metric"].isin(["ttft_ms", "tpot_ms", "output_tokens_per_s"]) & f["estimate"].notna() & ~f["reference"]]
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
