"""The burst replay (all prompts at once, scheduled step by step), static-shape decode buckets, KV copies on
replicated heads and the engine limits a scenario may set."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmi_explorer.models.calibration import published as pub
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.burst import burst_figures, request_lengths, schedule, step_seconds
from lmi_explorer.models.estimate.loadtest import _fitting, at_concurrency
from lmi_explorer.models.estimate.pipeline import bucketed_context, scenario_grid
from lmi_explorer.models.estimate.speed import decode_step
from lmi_explorer.models.scenario import default_scenario
from lmi_explorer.models.scenario.files import from_dict, to_dict

# --------------------------------------------------------------------------- replay, worked by hand


def test_two_prompts_in_one_step_then_one_decode_each():
    s = schedule(np.array([4.0, 4.0]), np.array([2.0, 2.0]), max_seqs=2, kv_tokens=1e9, budget=8)
    # step 0: both prompts (4 + 4 tokens, 4 × (0 + 2) causal pairs each) and their first tokens
    # step 1: one decode each, reading the 4 + 4 tokens held; both done
    assert s.tokens.tolist() == [8.0, 2.0]
    assert s.decodes.tolist() == [0.0, 2.0]
    assert s.prompts.tolist() == [2.0, 0.0]
    assert s.decode_context.tolist() == [0.0, 8.0]
    assert s.attention_pairs.tolist() == [16.0, 0.0]
    assert s.first_step.tolist() == [0, 0] and s.last_step.tolist() == [1, 1]
    assert s.preemptions == 0


def test_a_long_prompt_is_chunked_by_the_token_budget():
    s = schedule(np.array([10.0]), np.array([1.0]), max_seqs=4, kv_tokens=1e9, budget=4)
    assert s.tokens.tolist() == [4.0, 4.0, 2.0]
    # chunk k of c tokens after p already computed: c × (p + c/2) pairs
    assert s.attention_pairs.tolist() == [8.0, 24.0, 18.0]
    assert s.first_step.tolist() == [2] and s.last_step.tolist() == [2]


def test_the_newest_request_is_preempted_and_recomputed_when_the_kv_cache_runs_out():
    s = schedule(np.array([4.0, 4.0]), np.array([4.0, 4.0]), max_seqs=2, kv_tokens=10, budget=100)
    # steps 0-1 both run (4 → 5 tokens each); at step 2 the second would need an eleventh slot: it is
    # preempted, the first finishes at step 3, the second recomputes its 4 + 2 tokens at step 4, ends at 5
    assert s.preemptions == 1
    assert s.tokens.tolist() == [8.0, 2.0, 1.0, 1.0, 6.0, 1.0]
    assert s.first_step.tolist() == [0, 0]
    assert s.last_step.tolist() == [3, 5]
    assert s.attention_pairs[4] == pytest.approx(6 * 3)


def test_the_sequence_limit_makes_later_prompts_wait():
    s = schedule(np.full(3, 4.0), np.full(3, 2.0), max_seqs=1, kv_tokens=1e9, budget=100)
    assert s.first_step.tolist() == [0, 2, 4]
    assert s.last_step.tolist() == [1, 3, 5]


def test_figures_are_the_benchmarks_means_over_the_priced_steps():
    p = next(x for x in pub.load_published() if x.case == "q3-a100-80gb-qwen3-14b-bf16")
    pl = pub.placement(p, pub.parity_scenario())
    sched, ph, why = pub.burst(p, pl)
    assert sched is not None and ph is not None and why == ""
    t = np.cumsum(step_seconds(ph, sched)[0])
    fig = burst_figures(ph, sched)
    many = sched.output > 1
    tpot = ((t[sched.last_step] - t[sched.first_step])[many] / (sched.output[many] - 1)).mean() * 1000
    assert fig["tpot_ms"][0] == pytest.approx(tpot)
    assert fig["output_tokens_per_s"][0] == pytest.approx(sched.output.sum() / t[-1])
    assert fig["ttft_s"][0] == pytest.approx(t[sched.first_step].mean() + ph.first_s[0])
    # 1,000 ShareGPT prompts through 256 sequences: the queue is most of the time to first token
    assert fig["ttft_s"][0] > 10 * fig["tpot_ms"][0] / 1000


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 40),
    seqs=st.integers(1, 16),
    budget=st.sampled_from([16, 64, 512, float("inf")]),
    kv=st.sampled_from([600.0, 2000.0, 1e9]),
    seed=st.integers(0, 5),
)
def test_every_request_finishes_with_its_output_in_order(n, seqs, budget, kv, seed):
    rng = np.random.default_rng(seed)
    n_in = rng.integers(1, 200, n).astype(float)
    n_out = rng.integers(1, 60, n).astype(float)
    s = schedule(n_in, n_out, max_seqs=seqs, kv_tokens=kv, budget=budget)
    assert (s.first_step >= 0).all() and (s.last_step >= s.first_step).all()
    assert s.last_step.max() == s.steps - 1
    assert (s.tokens <= budget).all()
    assert (s.decodes <= seqs).all()
    # every answer token comes from a decode or from a prompt step catching up (first tokens, and again
    # after each recompute of a preempted request)
    if s.preemptions == 0:
        assert s.decodes.sum() + n == pytest.approx(n_out.sum())
    else:
        assert s.decodes.sum() + n < n_out.sum() + 1e-9


def test_request_lengths_keep_the_mean_and_are_reproducible():
    a = request_lengths(217.4, 0.47, 4095, 1000, 1)
    assert a.mean() == pytest.approx(217.4, rel=0.01)
    assert a.std() / a.mean() == pytest.approx(0.47, rel=0.15)
    assert (a == request_lengths(217.4, 0.47, 4095, 1000, 1)).all()


# --------------------------------------------------------------------------- static-shape decode buckets


def test_bucketed_context_worked_by_hand():
    # positions 128 → 4096 over buckets 128, 256, …, 4096: Σ bucket × span / 3968 = 2816
    assert bucketed_context(128, 4096, np.array([128.0]), 4096)[0] == pytest.approx(2816)
    # 100 → 300: 28 tokens in the 128 bucket, 128 in 256, 44 in 512 → 58,880 / 200
    assert bucketed_context(100, 300, np.array([128.0]), 1000)[0] == pytest.approx(294.4)
    # a compiled length below the next power of two caps the last bucket
    assert bucketed_context(4096, 8192, np.array([128.0]), 6000)[0] == pytest.approx((1904 * 6000 + 2192 * 6000) / 4096)


def test_neuronx_decode_reads_its_bucket_and_every_copy_of_replicated_kv_heads(make_scenario):
    # Transformers NeuronX is LMI's Neuron backend up to v16 (vLLM on Neuron after it)
    s = make_scenario(
        model_id="meta-llama/Meta-Llama-3-8B",
        hardware="inferentia",
        instance_families=("inf2",),
        lmi_release=16,
        input_mean=128.0,
    ).with_changes(output_mean=3968.0, input_cv=0.0, output_cv=0.0)
    g = scenario_grid(s)
    tp24 = np.flatnonzero((g.backend == "tnx") & (g.tensor_parallel == 24))
    tp8 = np.flatnonzero((g.backend == "tnx") & (g.tensor_parallel == 8))
    assert len(tp24) and len(tp8)
    cfg24, cfg8 = g.config[tp24[0]], g.config[tp8[0]]
    read = g.c_physics["kv_per_token"]
    # 8 KV heads over 24 cores: each head on 3 cores, each core reads its own copy
    assert read[cfg24] == pytest.approx(3 * g.c_kv_total[cfg24])
    assert read[cfg8] == pytest.approx(g.c_kv_total[cfg8])
    f = _fitting(s)
    pos = f.config_pos[int(cfg24)]
    assert f.ph.context[pos] == pytest.approx(2816)  # not the mean position, 2,112


# --------------------------------------------------------------------------- what one client sees


def test_at_one_client_the_time_per_token_is_a_pure_decode_step(make_scenario):
    # a 16,000-token prompt runs before the first token: none of it lands between the output tokens
    s = make_scenario(model_id="Qwen/Qwen3-14B", input_mean=16000.0, output_mean=200.0, instance_families=("p4de",))
    s = s.with_changes(input_cv=0.0, output_cv=0.0)
    f = _fitting(s)
    row = at_concurrency(s, 1, backend="vllm", precision="bf16").iloc[0]
    pos = f.config_pos[int(f.rows[(f.rows["backend"] == "vllm") & (f.rows["precision"] == "bf16")]["config"].iloc[0])]
    one = decode_step(f.ph.take(np.array([pos])), np.array([1.0]))[0]
    assert row["tpot_ms"] == pytest.approx(one * 1000, rel=1e-6)


# --------------------------------------------------------------------------- the engine's limits as inputs


def test_the_batch_limit_caps_every_options_concurrency():
    s = default_scenario().with_changes(max_batch_size=4)
    o = estimate(s).options
    assert (o["max_concurrency"] <= 4).all()
    assert (o["max_concurrency"] == 4).any()


def test_a_larger_step_budget_is_honoured_only_where_prompts_are_chunked():
    base = default_scenario()
    g = scenario_grid(base.with_changes(max_num_batched_tokens=16384))
    vllm = g.backend == "vllm"
    budgets = g.c_physics["token_budget"][g.config[vllm]]
    assert np.all(budgets == np.minimum(16384, max(base.model().context, 2048)))


def test_engine_limits_are_validated_and_saved():
    for key, bad in (("max_batch_size", 0), ("max_batch_size", 100_000), ("max_num_batched_tokens", 8)):
        with pytest.raises(DataError, match=f"deployment.{key}"):
            default_scenario().with_changes(**{key: bad})
    s = default_scenario().with_changes(max_batch_size=64, max_num_batched_tokens=4096)
    back = from_dict(to_dict(s))
    assert (back.deployment.max_batch_size, back.deployment.max_num_batched_tokens) == (64, 4096)
    old = to_dict(default_scenario())
    del old["deployment"]["max_batch_size"], old["deployment"]["max_num_batched_tokens"]
    assert from_dict(old).deployment.max_batch_size is None
    bad = to_dict(default_scenario())
    bad["deployment"]["max_batch_size"] = "many"
    with pytest.raises(DataError, match="expected a whole number or null"):
        from_dict(bad)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 30),
    seqs=st.integers(1, 12),
    budget=st.sampled_from([8, 48, 300, float("inf")]),
    kv=st.sampled_from([300.0, 1500.0, 1e9]),
    seed=st.integers(0, 7),
)
def test_taking_decode_runs_in_one_go_replays_the_same_steps(n, seqs, budget, kv, seed):
    rng = np.random.default_rng(seed)
    n_in = rng.integers(1, 120, n).astype(float)
    n_out = rng.integers(1, 80, n).astype(float)
    a = schedule(n_in, n_out, max_seqs=seqs, kv_tokens=kv, budget=budget, fast=False)
    b = schedule(n_in, n_out, max_seqs=seqs, kv_tokens=kv, budget=budget)
    for field in ("tokens", "decodes", "prompts", "decode_context", "attention_pairs", "first_step", "last_step"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert a.preemptions == b.preemptions
