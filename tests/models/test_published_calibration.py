"""The published calibration set (data/calibration/loadtests.csv) and the parity report over it.

Median |estimate / measured − 1| (and the signed median: below 0 the estimate is low) at LMI v29 with
the shipped efficiency factors, measured on 2026-12-02
(recorded, not asserted; ``python bench/calibration.py`` prints the current figures):

=====================  ===========  ======  ======  ======  =====
metric                 accelerator  points  median  signed  worst
=====================  ===========  ======  ======  ======  =====
ttft_ms                a100-80gb         1     8 %    -8 %    8 %
ttft_ms                inferentia2      18    85 %   -85 %   98 %
ttft_ms                trainium1         2    75 %   -75 %   85 %
ttft_ms                all              21    82 %   -82 %   98 %
tpot_ms                a100-80gb        11    38 %   -31 %   80 %
tpot_ms                h100              8    76 %   -76 %   85 %
tpot_ms                h200              3     9 %    +9 %   10 %
tpot_ms                inferentia2      18    73 %   -73 %   84 %
tpot_ms                trainium1         2    67 %   -67 %   79 %
tpot_ms                all              42    68 %   -68 %   85 %
output_tokens_per_s    a100-40gb         1    34 %   -34 %   34 %
output_tokens_per_s    a100-80gb        43    34 %   +34 %  164 %
output_tokens_per_s    a10g              1    43 %   +43 %   43 %
output_tokens_per_s    h100             59    26 %    -2 %   84 %
output_tokens_per_s    h200             10    16 %   -16 %   34 %
output_tokens_per_s    inferentia2      14   293 %  +293 %  511 %
output_tokens_per_s    l4                1    54 %   +54 %   54 %
output_tokens_per_s    l40s             46    37 %   +14 %  166 %
output_tokens_per_s    trainium1         2   232 %  +232 %  340 %
output_tokens_per_s    all             177    33 %   +15 %  511 %
kv_tokens              h100              7     2 %    +1 %   18 %
kv_tokens              all               7     2 %    +1 %   18 %
=====================  ===========  ======  ======  ======  =====

Figures not estimated: Qwen3 and Qwen3 MoE on TensorRT-LLM (not in the shipped support data), vLLM int8
(W8A8) for Llama, and Qwen3-32B with 32,000-token prompts at TP1 (does not fit at its bound length).
The Neuron points (Transformers NeuronX of Neuron SDK 2.18, and TGI-neuron estimated as it) are
estimated 3–5× faster than measured; the rate-inf TPOTs on H100 (all 1000 prompts submitted at once)
~4× below the measurement.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from lmi_explorer.models.calibration.measurements import check
from lmi_explorer.models.calibration.published import (
    COMPARED_WORKLOADS,
    PARITY_COLUMNS,
    load_published,
    option_row,
    parity_scenario,
    placement,
    published_measurements,
    published_parity,
    published_records,
    summarise_published,
    to_measurement,
)
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.catalog import load_catalog
from lmi_explorer.models.reference.hardware import load_hardware

POINTS = load_published()
AS_OF = re.compile(r"^\d{4}(-\d{2}){0,2}$")

#: Rows whose option the estimate does not offer or fit: findings about the estimator, each marked in the row's notes.
NOT_PLACED = {
    "h7-h100-qwen3-235b-tp8-fp8-128-2048",
    "h7-h100-qwen3-235b-tp8-fp8-1000-1000",
    "h7-h100-qwen3-235b-tp8-fp8-2048-2048",
    "h7-h200-qwen3-235b-tp8-fp8-128-2048",
    "h7-h200-qwen3-235b-tp8-fp8-1000-1000",
    "h7-h200-qwen3-235b-tp8-fp8-2048-2048",
    "q3-a100-80gb-qwen3-14b-trtllm-bf16",
    "p2-a100-40gb-llama31-8b-int8",
    "q1c-a100-80gb-v0201-int8",
    "q1c-a100-80gb-v073-int8",
    "g1c-h200-v073-int8",
    "k5-h100-llama31-70b-w8a8-tp1",
    "h6-h100-qwen3-32b-random-32000-100",
}


@pytest.fixture(scope="module")
def parity() -> pd.DataFrame:
    return published_parity()


def test_every_row_has_a_source_and_an_as_of_date():
    assert len(POINTS) >= 200
    for p in POINTS:
        assert p.source.strip(), p.case
        assert AS_OF.match(p.as_of), f"{p.case}: as_of '{p.as_of}' is not YYYY, YYYY-MM or YYYY-MM-DD"
    assert len({p.case for p in POINTS}) == len(POINTS)
    assert len(published_records()) == len(POINTS)


def test_every_row_names_a_known_model_instance_backend_and_precision():
    models = load_catalog().models
    hw = load_hardware()
    bk = load_backends()
    for p in POINTS:
        assert p.model in models, f"{p.case}: model '{p.model}' is not in the catalog"
        assert p.instance in hw.instances, f"{p.case}: instance '{p.instance}' is not in the hardware table"
        assert hw.instances[p.instance].accelerator == p.accelerator, f"{p.case}: {p.instance} is not {p.accelerator}"
        assert p.backend in bk.backends, f"{p.case}: backend '{p.backend}'"
        assert p.precision in bk.precisions, f"{p.case}: precision '{p.precision}'"


def test_every_row_measured_something_it_can_be_compared_on():
    for p in POINTS:
        if p.workload == "kv":
            assert p.kv_tokens is not None or p.kv_gib is not None, p.case
        else:
            assert any(v is not None for v in (p.ttft_ms, p.tpot_ms, p.output_tokens_per_s)), p.case
            check(to_measurement(p), p.case)  # the app's own validation of an imported load test
    assert len(published_measurements()) == sum(
        p.workload in ("closed", "batch", "offline", "rate_inf") for p in POINTS
    )


def test_every_row_places_on_an_option_that_fits_or_is_a_marked_finding():
    scenario = parity_scenario()
    problems = []
    for p in POINTS:
        pl = placement(p, scenario)
        if pl.variant is None:
            problems.append(f"{p.case}: not placed: {pl.reason}")
            continue
        opt = option_row(p, pl)
        if opt is None:
            problems.append(
                f"{p.case}: the estimate lists no {p.backend} {p.precision} "
                f"TP{p.tensor_parallel} option on {p.instance}"
            )
        elif not bool(opt["fits"]) and p.case not in NOT_PLACED:
            problems.append(f"{p.case}: does not fit: {opt['reason']}")
    assert not problems, "\n".join(problems)
    by_case = {p.case: p for p in POINTS}
    for case in NOT_PLACED:
        assert "finding:" in by_case[case].notes, f"{case}: a row the estimate cannot place says so in its notes"


def test_parity_compares_what_the_workload_allows(parity):
    assert list(parity.columns) == PARITY_COLUMNS
    assert set(parity["metric"]) <= {"ttft_ms", "tpot_ms", "output_tokens_per_s", "kv_tokens"}
    assert set(parity["workload"]) <= set(COMPARED_WORKLOADS)
    # a rate-inf TTFT is queueing of the whole submission, not a per-request latency
    assert parity[(parity["workload"] == "rate_inf") & (parity["metric"] == "ttft_ms")].empty
    compared = {p.case for p in POINTS if p.workload in COMPARED_WORKLOADS and (p.workload == "kv" or p.has_lengths)}
    assert set(parity["point"]) == compared
    finite = parity[parity["error"].notna()]
    assert len(finite) >= 200
    ratio = finite["estimate"] / finite["measured"] - 1.0
    assert (ratio - finite["error"]).abs().max() < 1e-12
    # every figure without an estimate says why
    assert all(n for n in parity.loc[parity["error"].isna(), "note"])


def test_a_point_is_estimated_the_way_the_load_test_comparison_does_it(parity):
    from lmi_explorer.models.calibration.parity import estimate_row

    p = next(p for p in POINTS if p.case == "s1-l40s-llama-31-8b-tp1-fp8-1000-1000")
    m = to_measurement(p)
    row, reason, _ = estimate_row(m, placement(p, parity_scenario()))
    assert row is not None, reason
    got = parity[(parity["point"] == p.case) & (parity["metric"] == "output_tokens_per_s")]
    assert float(got["estimate"].iloc[0]) == pytest.approx(float(row["output_tokens_per_s"]))
    assert float(got["measured"].iloc[0]) == 3648.21


def test_summary_numbers_on_a_hand_made_frame():
    frame = pd.DataFrame(
        {
            "point": ["a", "b", "c", "d", "e"],
            "metric": ["tpot_ms", "tpot_ms", "tpot_ms", "output_tokens_per_s", "tpot_ms"],
            "accelerator": ["h100", "h100", "l4", "h100", "l4"],
            "error": [0.10, -0.30, 0.50, -0.20, math.nan],
        }
    )
    s = summarise_published(frame).set_index(["metric", "accelerator"])
    # metrics in report order: tpot before throughput; accelerators sorted, the overall row last
    assert list(s.index) == [
        ("tpot_ms", "h100"),
        ("tpot_ms", "l4"),
        ("tpot_ms", "all"),
        ("output_tokens_per_s", "h100"),
        ("output_tokens_per_s", "all"),
    ]
    assert s.loc[("tpot_ms", "h100"), "median_abs_error"] == pytest.approx(0.20)  # median of |0.1|, |-0.3|
    assert s.loc[("tpot_ms", "h100"), "worst_abs_error"] == pytest.approx(0.30)
    assert s.loc[("tpot_ms", "h100"), "median_error"] == pytest.approx(-0.10)  # signed: median of 0.1, -0.3
    assert s.loc[("tpot_ms", "h100"), "worst_point"] == "b"
    assert s.loc[("tpot_ms", "l4"), "points"] == 1
    assert s.loc[("tpot_ms", "l4"), "not_estimated"] == 1  # the NaN is counted, not averaged
    assert s.loc[("tpot_ms", "all"), "median_abs_error"] == pytest.approx(0.30)  # of 0.1, 0.3, 0.5
    assert s.loc[("tpot_ms", "all"), "worst_abs_error"] == pytest.approx(0.50)
    assert s.loc[("output_tokens_per_s", "all"), "median_abs_error"] == pytest.approx(0.20)


def test_the_table_loads_without_pandas():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from lmi_explorer.models.calibration.published import load_published, published_measurements\n"
        "assert load_published() and published_measurements()\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
