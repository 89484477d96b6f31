"""Estimator invariants (more traffic never costs less, …) on random valid scenarios (hypothesis)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.memory import weight_bytes
from lmi_explorer.models.estimate.speed import Physics, operating_point
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.catalog import ModelSpec, load_catalog
from lmi_explorer.models.scenario import default_scenario

MODELS = sorted(load_catalog().models)
FAMILIES = ["g4dn", "g5", "g6", "g6e", "p4d", "p5", "inf2"]
PRECISIONS = ["bf16", "fp8", "int8", "awq", "gptq"]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw):
    s = default_scenario()
    return s.with_changes(
        model_id=draw(st.sampled_from(MODELS)),
        input_mean=draw(st.floats(16, 4000)),
        input_cv=draw(st.floats(0, 1.5)),
        output_mean=draw(st.floats(16, 2000)),
        output_cv=draw(st.floats(0, 1.5)),
        requests_per_s=draw(st.floats(0.01, 50)),
        peak_to_average=draw(st.floats(1, 4)),
        ttft_s=draw(st.floats(0.2, 30)),
        tpot_ms=draw(st.floats(10, 300)),
        lmi_release=draw(st.sampled_from([10, 14, 20])),
        hardware=draw(st.sampled_from(["gpu", "both"])),
        instance_families=tuple(draw(st.lists(st.sampled_from(FAMILIES), min_size=1, max_size=4, unique=True))),
        precisions=tuple(draw(st.lists(st.sampled_from(PRECISIONS), min_size=1, max_size=5, unique=True))),
    )


def cheapest(s) -> float:
    best = estimate(s).best()
    return math.inf if best is None else float(best["monthly_usd"])


@SETTINGS
@given(scenarios(), st.floats(1.0, 10.0))
def test_more_traffic_never_costs_less(s, k):
    more = s.with_changes(requests_per_s=min(s.traffic.requests_per_s * k, 1e5))
    assert cheapest(more) >= cheapest(s) - 1e-6


@SETTINGS
@given(scenarios(), st.floats(1.0, 4.0))
def test_longer_output_never_raises_capacity(s, k):
    # Capacity is the replica's throughput ceiling: latency targets loose enough not to bind,
    # so concurrency is set by memory and the backend's batch limit. (With a binding TPOT target,
    # longer outputs mean fewer prefill interruptions per token, which is a real effect.)
    s = s.with_changes(ttft_s=3600.0, tpot_ms=100_000.0)
    longer = s.with_changes(output_mean=s.traffic.output_mean * k)
    key = ["backend", "instance", "precision", "tensor_parallel"]
    both = estimate(s).options.merge(estimate(longer).options, on=key, suffixes=("_a", "_b"))
    fit_both = both[both["fits_a"] & both["fits_b"]]
    assert (fit_both["requests_per_s_per_replica_b"] <= fit_both["requests_per_s_per_replica_a"] * (1 + 1e-9)).all()
    assert (fit_both["max_concurrency_b"] <= fit_both["max_concurrency_a"]).all()
    # an option that did not fit never starts fitting with longer outputs
    assert not (~both["fits_a"] & both["fits_b"]).any()


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**31), st.floats(1.0, 4.0))
def test_longer_output_never_raises_capacity_at_the_same_concurrency(seed, k):
    from lmi_explorer.models.estimate.speed import steady_state

    rng = np.random.default_rng(seed)
    ph = _physics(32, rng)
    batch = rng.integers(1, 512, 32)
    longer = replace(
        ph,
        decode_steps=ph.decode_steps * k,
        useful_output=ph.useful_output * k,
        context=ph.context + ph.decode_steps * (k - 1) / 2,
    )
    a = steady_state(ph, batch, 0.8).requests_per_s
    b = steady_state(longer, batch, 0.8).requests_per_s
    assert (b <= a * (1 + 1e-9)).all()


@SETTINGS
@given(scenarios(), st.sampled_from(PRECISIONS), st.sampled_from(FAMILIES))
def test_adding_candidates_never_raises_the_cheapest_cost(s, extra_p, extra_f):
    wider = s.with_changes(
        precisions=tuple(dict.fromkeys((*s.deployment.precisions, extra_p))),
        instance_families=tuple(dict.fromkeys((*s.deployment.instance_families, extra_f))),
    )
    assert cheapest(wider) <= cheapest(s) + 1e-6


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.1, 1000),
    st.integers(1, 200),
    st.integers(64, 32768),
    st.integers(1, 128),
    st.integers(1000, 300000),
    st.booleans(),
)
def test_int4_weights_never_take_more_memory_than_bf16(params_b, layers, hidden, heads, vocab, tied):
    spec = ModelSpec(
        "m",
        "m",
        "f",
        "LlamaForCausalLM",
        "llama",
        params_b,
        layers,
        hidden,
        heads,
        heads,
        vocab,
        4096,
        tied_embeddings=tied,
    )
    p = load_backends().precisions
    assert weight_bytes(spec, p["awq"]) <= weight_bytes(spec, p["bf16"])
    assert weight_bytes(spec, p["int8"]) <= weight_bytes(spec, p["bf16"])
    assert weight_bytes(spec, p["awq"]) <= weight_bytes(spec, p["int8"])


def _physics(n: int, rng: np.random.Generator) -> Physics:
    def r(lo, hi):
        return rng.uniform(lo, hi, n)

    weights = r(1e9, 2e11)
    return Physics(
        weights=weights,
        weights_expert=np.zeros(n),
        expert_hit=np.ones(n),
        kv_per_token=r(1e4, 1e6),
        params_prefill=weights / 2,
        params_decode=weights / 2,
        tp_speed=np.ones(n),
        tp_comm=np.ones(n),
        bandwidth=r(3e11, 5e12),
        flops=r(5e13, 1e15),
        eta_bw=r(0.3, 1),
        eta_kv=r(0.2, 1),
        eta_f=r(0.2, 1),
        step_s=r(0, 0.01),
        seq_s=r(0, 2e-5),
        first_s=r(0, 0.02),
        link_latency_s=np.full(n, 3e-5),
        link_bytes_s=np.full(n, 5e10),
        layers=np.full(n, 40.0),
        hidden=np.full(n, 5120.0),
        attn_width=np.full(n, 5120.0),
        attn_layers=np.full(n, 40.0),
        token_budget=np.full(n, 2048.0),
        continuous=rng.random(n) < 0.7,
        prefill_tokens=r(16, 4000),
        decode_steps=r(16, 2000),
        context=r(100, 6000),
        useful_output=r(16, 2000),
    )


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**31), st.floats(1.0, 8.0))
def test_a_faster_device_never_lowers_capacity(seed, speedup):
    rng = np.random.default_rng(seed)
    ph = _physics(32, rng)
    bmax = rng.integers(1, 512, 32)
    slow = operating_point(ph, bmax, 0.08, 3.0, 0.8)
    fast_ph = replace(ph, bandwidth=ph.bandwidth * speedup, flops=ph.flops * speedup)
    fast = operating_point(fast_ph, bmax, 0.08, 3.0, 0.8)
    cap_slow = np.where(slow.concurrency > 0, slow.state.requests_per_s, 0)
    cap_fast = np.where(fast.concurrency > 0, fast.state.requests_per_s, 0)
    assert (cap_fast >= cap_slow * (1 - 1e-9)).all()
