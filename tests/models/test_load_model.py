"""The scheduler-aware load model: a step carries at most the token budget; prompts queue behind it.

Hand-worked values for the scheduler share, and invariants over the real configurations of a few models
(hypothesis): TTFT never falls as concurrency grows, throughput saturates, a larger token budget trades
TTFT for TPOT, and no figure beats the roofline at 100 % efficiency with no overhead.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmi_explorer.models.estimate.loadtest import _closed_loop, at_concurrency
from lmi_explorer.models.estimate.pipeline import memory_and_physics, scenario_grid, traffic_stats
from lmi_explorer.models.estimate.speed import scheduler_share, steady_state
from lmi_explorer.models.scenario import default_scenario

CONCURRENCY = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], dtype=float)


def test_scheduler_share_by_hand():
    # one request, 550 in / 550 out, budget 2048: u (½ + 550/(2048 − 550u) + 550) = 1
    u, wait, s = scheduler_share(np.array([1.0]), np.array([550.0]), np.array([550.0]), np.array([2048.0]))
    assert u[0] * (0.5 + 550 / (2048 - 550 * u[0]) + 550) == pytest.approx(1.0)
    assert wait[0] == pytest.approx(0.5) and s[0] == pytest.approx(550 / (2048 - 550 * u[0]))
    # 5,000-token prompts fill a 2,048-token budget: at most 2048 / 5500 requests finish per step, and
    # with 512 clients each waits 512 / u_cap − 500 − s steps for its prefill
    n = np.array([512.0])
    u, wait, s = scheduler_share(n, np.array([5000.0]), np.array([500.0]), np.array([2048.0]))
    cap = 2048 / 5500
    assert u[0] == pytest.approx(cap)
    assert wait[0] == pytest.approx(512 / cap - 500 - 5000 / (2048 - cap * 500))


def _physics(model_id: str, n_in: float, n_out: float, **changes):
    s = default_scenario().with_changes(
        model_id=model_id, input_mean=n_in, output_mean=n_out, input_cv=0.05, output_cv=0.05, **changes
    )
    m = s.model()
    ts = traffic_stats(s, m)
    grid = scenario_grid(s)
    _, _, bmax, idx, ph = memory_and_physics(
        grid, m.context, ts.mean_input, ts.mean_output, ts.bound_input, ts.bound_output
    )
    cont = ph.continuous
    return ph.take(np.flatnonzero(cont)), bmax[idx][cont]


CASES = [
    ("meta-llama/Llama-3.1-8B", 550, 550),
    ("meta-llama/Llama-3.1-8B", 5000, 500),
    ("Qwen/Qwen3-30B-A3B", 1000, 200),
    ("openai/gpt-oss-120b", 2000, 1000),
    ("meta-llama/Llama-3.1-70B", 128, 2048),
]


@pytest.mark.parametrize(("model_id", "n_in", "n_out"), CASES)
def test_ttft_never_falls_and_throughput_saturates(model_id, n_in, n_out):
    ph, bmax = _physics(model_id, n_in, n_out)
    figures = _closed_loop(ph, bmax, np.broadcast_to(CONCURRENCY, (len(bmax), len(CONCURRENCY))), n_out)
    ttft, x, tpot = figures["ttft_s"], figures["requests_per_s"], figures["tpot_ms"]
    assert (np.diff(ttft, axis=1) >= -1e-12).all()
    assert (np.diff(tpot, axis=1) >= -1e-12).all()
    assert (np.diff(x, axis=1) >= -1e-9 * x[:, 1:]).all()  # more clients never serve fewer
    # saturation: past the memory limit more clients only wait (and the budget caps it before that)
    full = CONCURRENCY[None, :] >= bmax[:, None]
    assert np.allclose(np.where(full[:, 1:], x[:, 1:] / np.where(full[:, :-1], x[:, :-1], x[:, 1:]), 1.0), 1.0)


@pytest.mark.parametrize(("model_id", "n_in", "n_out"), [CASES[1]])  # prompts longer than the small budget
def test_a_larger_budget_trades_ttft_for_tpot(model_id, n_in, n_out):
    ph, _ = _physics(model_id, n_in, n_out)
    n = np.broadcast_to(np.array([32.0, 128.0]), (len(ph.weights), 2))
    small = steady_state(replace(ph, token_budget=np.full(len(ph.weights), 1024.0)), n, 0.0)
    large = steady_state(replace(ph, token_budget=np.full(len(ph.weights), 16384.0)), n, 0.0)
    # where prompts fit either budget, a larger one only lengthens the half step a new prompt waits
    assert (large.ttft_s <= small.ttft_s * 1.001).all()
    assert (large.tpot_s >= small.tpot_s * (1 - 1e-9)).all()
    assert (large.ttft_s < small.ttft_s).any() and (large.tpot_s > small.tpot_s).any()


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(CASES), st.sampled_from(list(CONCURRENCY)))
def test_never_beats_the_roofline(case, n):
    model_id, n_in, n_out = case
    ph, _ = _physics(model_id, n_in, n_out)
    ideal = replace(
        ph,
        eta_bw=np.ones_like(ph.eta_bw),
        eta_kv=np.ones_like(ph.eta_kv),
        eta_f=np.ones_like(ph.eta_f),
        step_s=np.zeros_like(ph.step_s),
        seq_s=np.zeros_like(ph.seq_s),
        first_s=np.zeros_like(ph.first_s),
        link_latency_s=np.zeros_like(ph.link_latency_s),
    )
    b = np.full(len(ph.weights), n)
    real, best = steady_state(ph, b, 0.0), steady_state(ideal, b, 0.0)
    assert (real.tpot_s >= best.tpot_s * (1 - 1e-9)).all()
    assert (real.requests_per_s <= best.requests_per_s * (1 + 1e-9)).all()
    # and the ideal itself: every token costs 2 × P_active FLOPs at the device's peak
    tokens_per_s = best.requests_per_s * (n_in + n_out)
    assert (tokens_per_s * 2 * ph.params_decode <= ph.tp_speed * ph.flops * (1 + 1e-9)).all()


def test_closed_loop_ttft_climbs_with_long_prompts_under_load():
    s = default_scenario().with_changes(
        model_id="meta-llama/Llama-3.1-8B", input_mean=5000, output_mean=500, input_cv=0.05, output_cv=0.05
    )
    one = at_concurrency(s, 1, instance="g6e.xlarge", backend="vllm", precision="bf16")
    many = at_concurrency(s, 50, instance="g6e.xlarge", backend="vllm", precision="bf16")
    assert float(many["ttft_s"].iloc[0]) > 5 * float(one["ttft_s"].iloc[0])
    assert float(many["tpot_ms"].iloc[0]) > float(one["tpot_ms"].iloc[0])


def test_a_fixed_batch_waits_for_the_whole_batch_prefill():
    """Worked by hand: 2 prompts of 100 tokens on one device of 1e12 FLOP/s at η_f 1, P = 1e9, no attention,
    weights 1 GB at 1e12 B/s: compute 2 × 2e9 × 100 / 1e12 = 0.4 s beats the 1 ms weight read; plus the 5 ms
    step. With a 128-token budget the 200 tokens need 2 steps: one more 5 ms step overhead."""
    from lmi_explorer.models.estimate.speed import Physics, batch_first_token

    def one(budget: float) -> Physics:
        a = lambda v: np.array([float(v)])  # noqa: E731
        return Physics(
            weights=a(1e9),
            weights_expert=a(0),
            expert_hit=a(1),
            kv_per_token=a(0),
            params_prefill=a(1e9),
            params_decode=a(1e9),
            tp_speed=a(1),
            tp_comm=a(1),
            bandwidth=a(1e12),
            flops=a(1e12),
            eta_bw=a(1),
            eta_kv=a(1),
            eta_f=a(1),
            step_s=a(0.005),
            seq_s=a(0),
            first_s=a(0),
            link_latency_s=a(0),
            link_bytes_s=a(1e12),
            layers=a(1),
            hidden=a(1),
            attn_width=a(0),
            token_budget=a(budget),
            attn_layers=a(0),
            continuous=np.array([True]),
            prefill_tokens=a(100),
            decode_steps=a(10),
            context=a(100),
            useful_output=a(10),
        )

    assert batch_first_token(one(float("inf")), np.array([2]))[0] == pytest.approx(0.405)
    assert batch_first_token(one(128.0), np.array([2]))[0] == pytest.approx(0.410)
