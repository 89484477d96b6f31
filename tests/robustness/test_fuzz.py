"""Fuzzing the loaders and the estimator (hypothesis).

Random scenario documents, JSON texts and price-list rows, valid and mutated: the loaders raise
nothing but DataError, every accepted scenario estimates to finite, non-negative numbers, and the
estimator's invariants (ESTIMATOR.md §5) hold on random valid scenarios wider than
tests/models/test_properties.py draws (deployment knobs, custom models, own price lists).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.pipeline import _stages, memory_and_physics
from lmi_explorer.models.estimate.speed import operating_point
from lmi_explorer.models.reference.pricing import parse_price_list
from lmi_explorer.models.scenario import default_scenario, from_dict, loads, to_dict
from tests.models.test_properties import FAMILIES, PRECISIONS, cheapest, scenarios
from tests.robustness.test_hostile_files import assert_sane

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
INVARIANT = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))

# --------------------------------------------------------------------------- strategies


@st.composite
def custom_models(draw) -> dict[str, Any]:
    """A plausible custom architecture (what a user types into Custom model…)."""
    kv_heads = draw(st.sampled_from([1, 2, 4, 8, 16]))
    heads = kv_heads * draw(st.sampled_from([1, 2, 4, 8]))
    head_dim = draw(st.sampled_from([64, 96, 128]))
    hidden = heads * head_dim
    vocab = draw(st.integers(1000, 256_000))
    tied = draw(st.booleans())
    embeddings_b = vocab * hidden * (1 if tied else 2) / 1e9
    return {
        "name": draw(st.text(min_size=1, max_size=30).filter(str.isprintable)),
        "params_billion": embeddings_b + draw(st.floats(0.05, 400)),
        "layers": draw(st.integers(1, 120)),
        "hidden_size": hidden,
        "heads": heads,
        "kv_heads": kv_heads,
        "vocab_size": vocab,
        "context": draw(st.sampled_from([2048, 4096, 32768, 131072])),
        "tied_embeddings": tied,
    }


@st.composite
def wide_scenarios(draw):
    """test_properties' scenarios, plus every deployment knob and sometimes a custom model."""
    s = draw(scenarios())
    platform = draw(st.sampled_from(["sagemaker", "ec2"]))
    options = ["on_demand", "savings_plan", "reserved"] + (["spot"] if platform == "ec2" else [])
    s = s.with_changes(
        platform=platform,
        pricing_option=draw(st.sampled_from(options)),
        discount=draw(st.floats(0, 0.95)),
        hours_per_month=draw(st.floats(1, 744)),
        min_instances=draw(st.integers(0, 3)),
        target_utilisation=draw(st.floats(0.05, 1)),
        bound_percentile=draw(st.floats(0.5, 0.9999)),
        kv_cache_dtype=draw(st.sampled_from(["auto", "fp8"])),
        tensor_parallel=draw(st.sampled_from([None, None, 1, 2, 4, 8])),
        region=draw(st.sampled_from(["us-east-1", "us-west-2"])),
    )
    if draw(st.booleans()):
        doc = to_dict(s)
        doc["model"] = {"custom": draw(custom_models())}
        s = from_dict(doc)
    return s


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -1e308, 5e-324, 1e-6, 10_000_000, 1e7 + 1, 2**63, 0.5]),
    st.text(max_size=20),
    st.sampled_from(["", "bf16", "g5", "gpu", "ec2", "spot", "=1+1", "\x00", "\ud800", "NaN"]),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _parent(doc: Any, path: tuple) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def mutated_docs(draw) -> dict[str, Any]:
    """A valid scenario document with one to three hostile edits: wrong types, deletions, extras, extremes."""
    doc = copy.deepcopy(to_dict(draw(wide_scenarios())))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        op = draw(st.sampled_from(["replace", "delete", "extra", "scale"]))
        if op == "replace":
            parent[path[-1]] = draw(json_values)
        elif op == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif op == "extra" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
        elif op == "scale" and isinstance(parent[path[-1]], int | float) and not isinstance(parent[path[-1]], bool):
            factor = draw(st.sampled_from([-1, 0, 1e-300, 1e300, 10**6, 1.0000001, 0.9999999]))
            parent[path[-1]] = parent[path[-1]] * factor
    return doc


def _load_or_refuse(load, *args) -> Any:
    """The loader's result, or None when it refused with a DataError (any other exception fails the test)."""
    try:
        return load(*args)
    except DataError as exc:
        message = str(exc)
    assert message.strip(), "an error message must say something"
    return None


def _estimates_sanely(s) -> None:
    est = estimate(s)
    assert_sane(est)
    evaluate(s, est)


# --------------------------------------------------------------------------- loaders


@FUZZ
@given(mutated_docs())
def test_mutated_scenario_documents_are_loaded_or_refused_cleanly(doc):
    s = _load_or_refuse(from_dict, doc)
    if s is not None:
        _estimates_sanely(s)


@FUZZ
@given(json_values)
def test_arbitrary_json_is_refused_cleanly(value):
    assert _load_or_refuse(from_dict, value) is None


@FUZZ
@given(mutated_docs(), st.data())
def test_damaged_json_text_is_loaded_or_refused_cleanly(doc, data):
    text = json.dumps(doc, allow_nan=True)
    cut = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.text(max_size=8))
    damaged = data.draw(st.sampled_from([text[:cut], text[:cut] + junk + text[cut:], text[:cut] + text[cut + 1 :]]))
    s = _load_or_refuse(lambda text: loads(text, name="fuzz.json"), damaged)
    if s is not None:
        _estimates_sanely(s)


INSTANCES = ["g5.xlarge", "g5.12xlarge", "g6e.xlarge", "p4d.24xlarge", "inf2.xlarge", "zz9.mega"]
plain_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=20).filter(str.strip)
valid_cells = {
    "instance": st.sampled_from(INSTANCES),
    "region": st.sampled_from(["us-east-1", "us-west-2"]),
    "platform": st.sampled_from(["sagemaker", "ec2"]),
    "usd_per_hour": st.floats(0, 200).map(lambda v: f"{v:.4f}") | st.just(""),
    "source": plain_text,
    "as_of": st.sampled_from(["2026-11", ""]),
}
hostile_cells = (
    st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.sampled_from(["", "-1", "1e308", "1_0", " 2.5 ", "cheap", "=1+1", '"', "a,b", "\x00", "\ud800"])
    | st.text(max_size=8)
)


@st.composite
def price_texts(draw) -> str:
    """A price list: well-formed rows with a few hostile cells, sometimes a changed header or broken quoting."""
    header = list(valid_cells)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 4)) == 0:
        header.append(draw(st.sampled_from(["note", "instance", "", "usd_per_hour"])))
    rows, seen = [], set()
    for _ in range(draw(st.integers(0, 6))):
        row = {col: draw(valid_cells.get(col, plain_text)) for col in header}
        key = (row["instance"], row["region"], row["platform"])
        if key not in seen:
            seen.add(key)
            rows.append([row[col] for col in header])
    for _ in range(draw(st.integers(0, 2)) if rows else 0):  # hostile cells
        row = draw(st.sampled_from(rows))
        row[draw(st.integers(0, len(header) - 1))] = draw(hostile_cells)
    if draw(st.integers(0, 3)):
        out = io.StringIO()
        csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"]))).writerows([header, *rows])
        return out.getvalue()
    return "\n".join(",".join(row) for row in [header, *rows])  # unquoted: commas and quotes break the shape


@FUZZ
@given(price_texts())
def test_price_lists_are_loaded_or_refused_cleanly(text):
    table = _load_or_refuse(parse_price_list, text, "fuzz.csv")
    if table is None:
        return
    prices = table.frame["usd_per_hour"].dropna().astype(float)
    assert np.isfinite(prices).all() and (prices >= 0).all()
    assert_sane(estimate(default_scenario(), table))


# --------------------------------------------------------------------------- invariants (ESTIMATOR.md §5)


@INVARIANT
@given(wide_scenarios(), st.floats(1.0, 10.0))
def test_more_traffic_never_costs_less(s, k):
    more = s.with_changes(requests_per_s=min(s.traffic.requests_per_s * k, 1e6))
    assert cheapest(more) >= cheapest(s) - 1e-6


@INVARIANT
@given(wide_scenarios())
def test_int4_weights_never_take_more_memory_than_bf16(s):
    s = s.with_changes(precisions=("bf16", "int8", "awq", "gptq"))
    o = estimate(s).options
    key = ["backend", "instance", "tensor_parallel"]
    full = o[o["precision"] == "bf16"].set_index(key)["weights_gib"]
    for p in ("awq", "gptq", "int8"):
        quant = o[o["precision"] == p].set_index(key)["weights_gib"]
        both = quant.to_frame("q").join(full.rename("f"), how="inner").dropna()
        assert (both["q"] <= both["f"] * (1 + 1e-12)).all(), p


@INVARIANT
@given(wide_scenarios(), st.sampled_from(PRECISIONS), st.sampled_from(FAMILIES))
def test_adding_candidates_never_raises_the_cheapest_cost(s, extra_p, extra_f):
    wider = s.with_changes(
        precisions=tuple(dict.fromkeys((*s.deployment.precisions, extra_p))),
        instance_families=tuple(dict.fromkeys((*s.deployment.instance_families, extra_f))),
    )
    assert cheapest(wider) <= cheapest(s) + 1e-6


@INVARIANT
@given(wide_scenarios(), st.floats(1.0, 8.0))
def test_a_faster_device_never_lowers_capacity(s, speedup):
    """The real configurations of a random scenario, with memory bandwidth and compute scaled up."""
    model, ts, grid, *_ = _stages(s, s.prices(), ())
    _, _, bmax, idx, ph = memory_and_physics(
        grid, model.context, ts.mean_input, ts.mean_output, ts.bound_input, ts.bound_output
    )
    assume(len(idx) > 0)
    t, d = s.traffic, s.deployment
    args = (t.tpot_ms / 1000.0, t.ttft_s, d.target_utilisation)
    slow = operating_point(ph, bmax[idx], *args)
    fast = operating_point(replace(ph, bandwidth=ph.bandwidth * speedup, flops=ph.flops * speedup), bmax[idx], *args)
    cap_slow = np.where(slow.concurrency > 0, slow.state.requests_per_s, 0)
    cap_fast = np.where(fast.concurrency > 0, fast.state.requests_per_s, 0)
    assert (cap_fast >= cap_slow * (1 - 1e-9)).all()
    assert (fast.concurrency >= slow.concurrency).all() or math.isclose(speedup, 1.0)
