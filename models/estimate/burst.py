"""A burst of prompts submitted at once, scheduled step by step as vLLM's V1 scheduler runs it.

A "rate inf" serving benchmark (``vllm bench serve --request-rate inf``) hands the engine every prompt at
t = 0. What it then measures is a transient, not a steady state: the first steps are full token budgets of
prompt chunks that every admitted request decodes behind, requests with short answers spend their whole
life inside that burst, and where the KV cache runs out the scheduler preempts the newest request and
recomputes it later. The mean TPOT such a run reports is therefore far above the step time of a steady
batch, and its TTFT is the queue through the whole submission.

Because every request arrives at once, which requests a step carries never depends on how long the steps
take: :func:`schedule` replays the scheduler once per run (token budget, sequence limit, KV capacity,
recompute preemption) and records what each step carries; :func:`burst_figures` then prices those steps
with the estimator's own step time (:func:`models.estimate.speed.step_time`) for any efficiency factors,
so a fit can try thousands of factor sets against one replay.

Scheduler rules (vLLM ``v1/core/sched/scheduler.py`` ``Scheduler.schedule``): running requests first, in
admission order, each taking the tokens it still has to compute up to the step's remaining budget; a
request that cannot get KV room for its tokens preempts the most recently admitted running request, which
returns to the front of the queue and later recomputes everything it held; then waiting requests are
admitted in order while the sequence limit, the budget and the KV cache allow. A request emits a token
whenever its computed tokens catch up with prompt + tokens emitted so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lmi_explorer.models.estimate.speed import Physics, step_time
from lmi_explorer.models.traffic import LengthDistribution

#: Longest replay: a run that needs more steps than this is beyond what the replay describes.
MAX_STEPS = 200_000


@dataclass(frozen=True, slots=True)
class Schedule:
    """What each step of a burst carried and when each request got its first and last token.

    ``tokens``, ``decode_context`` (KV tokens the step's decodes read) and ``attention_pairs`` (causal
    token pairs of the step's prompt chunks) have one element per step; ``first_step``, ``last_step`` and
    ``output`` one per request.
    """

    tokens: np.ndarray
    decodes: np.ndarray
    prompts: np.ndarray  # prompt chunks the step carries
    decode_context: np.ndarray
    attention_pairs: np.ndarray
    first_step: np.ndarray
    last_step: np.ndarray
    output: np.ndarray
    preemptions: int

    @property
    def steps(self) -> int:
        return len(self.tokens)


def request_lengths(mean: float, cv: float, upper: float, n: int, seed: int) -> np.ndarray:
    """``n`` lengths spread as the scenario's truncated log-normal (its quantiles at (i + ½)/n), rescaled to
    the stated mean and put in a fixed shuffled order, so a replay is the same on every machine."""
    if n < 1:
        return np.zeros(0)
    d = LengthDistribution(mean, cv, upper)
    q = np.array([d.quantile((i + 0.5) / n) for i in range(n)], dtype=float)
    q = np.maximum(np.round(q * mean / max(q.mean(), 1e-9)), 1.0)
    return np.random.default_rng(seed).permutation(q)


def schedule(
    input_tokens: np.ndarray,
    output_tokens: np.ndarray,
    max_seqs: int,
    kv_tokens: float,
    budget: float,
    *,
    fast: bool = True,
) -> Schedule:
    """Replay a burst of ``len(input_tokens)`` requests (all submitted at step 0).

    ``max_seqs``: requests running at once (vLLM ``max_num_seqs``); ``kv_tokens``: tokens the KV cache holds;
    ``budget``: tokens a step carries (``max_num_batched_tokens``; inf: whole prompts). ``fast`` takes a run
    of steps in which every running request only decodes, none finishes, none can be admitted and the KV
    cache does not overflow in one go (the same steps, recorded at once; ``False`` replays them one by one).
    """
    n_in = np.asarray(input_tokens, dtype=float)
    n_out = np.maximum(np.asarray(output_tokens, dtype=float), 1.0)
    n = len(n_in)
    budget = float(budget) if np.isfinite(budget) else float(n_in.sum() + n + 1)
    computed = np.zeros(n)
    emitted = np.zeros(n)
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    running = np.zeros(0, dtype=np.int64)  # admission order
    waiting = np.arange(n, dtype=np.int64)  # queue order
    rec_tokens: list[float] = []
    rec_decodes: list[float] = []
    rec_prompts: list[float] = []
    rec_ctx: list[float] = []
    rec_pairs: list[float] = []
    preemptions = 0
    step = 0
    while len(running) or len(waiting):
        if step >= MAX_STEPS:
            raise ValueError(f"the burst needs more than {MAX_STEPS:,} steps; it cannot be replayed.")
        if fast and len(running):
            k = _decode_run(running, waiting, n_in, n_out, computed, emitted, max_seqs, kv_tokens, budget)
            if k:
                r = len(running)
                held_now = float(computed[running].sum())
                rec_tokens.extend([float(r)] * k)
                rec_decodes.extend([float(r)] * k)
                rec_prompts.extend([0.0] * k)
                rec_ctx.extend((held_now + r * np.arange(k, dtype=float)).tolist())
                rec_pairs.extend([0.0] * k)
                computed[running] += k
                emitted[running] += k
                step += k
                continue
        # running requests in admission order, each up to what it still has to compute
        pending = n_in[running] + emitted[running] - computed[running]
        before = np.cumsum(pending) - pending
        alloc = np.clip(budget - before, 0.0, pending)
        # KV room: the newest running requests are preempted until the rest fit
        held = np.cumsum(computed[running] + alloc)
        if len(held) and held[-1] > kv_tokens:
            keep = max(int(np.searchsorted(held, kv_tokens, side="right")), 1)
            out = running[keep:]
            preemptions += len(out)
            computed[out] = 0.0  # recompute: the KV cache it held is freed
            waiting = np.concatenate([out, waiting])
            running, alloc, pending = running[:keep], alloc[:keep], pending[:keep]
        used = float((computed[running] + alloc).sum())
        room = budget - float(alloc.sum())
        # admit waiting requests while sequences, budget and KV cache allow
        if len(waiting) and room > 0 and len(running) < max_seqs:
            cand = waiting[: max_seqs - len(running)]
            need = n_in[cand] + emitted[cand] - computed[cand]
            take = np.clip(room - (np.cumsum(need) - need), 0.0, need)
            fits = (used + np.cumsum(take) <= kv_tokens) & (take > 0)
            k = int(np.argmin(fits)) if not fits.all() else len(fits)
            if k:
                admitted = cand[:k]
                running = np.concatenate([running, admitted])
                alloc = np.concatenate([alloc, take[:k]])
                pending = np.concatenate([pending, need[:k]])
                waiting = waiting[k:]
        carried = alloc > 0
        is_decode = carried & (pending == 1.0) & (emitted[running] >= 1.0)
        prior = computed[running]
        rec_tokens.append(float(alloc.sum()))
        rec_decodes.append(float(is_decode.sum()))
        rec_prompts.append(float((carried & ~is_decode).sum()))
        rec_ctx.append(float(prior[is_decode].sum()))
        chunk = np.where(carried & ~is_decode, alloc, 0.0)
        rec_pairs.append(float((chunk * (prior + chunk / 2.0)).sum()))
        computed[running] = prior + alloc
        emits = carried & (computed[running] >= n_in[running] + emitted[running])
        who = running[emits]
        emitted[who] += 1.0
        first[who[first[who] < 0]] = step
        done = emits & (emitted[running] >= n_out[running])
        gone = running[done]
        last[gone] = step
        computed[gone] = 0.0
        running = running[~done]
        step += 1
    return Schedule(
        np.array(rec_tokens),
        np.array(rec_decodes),
        np.array(rec_prompts),
        np.array(rec_ctx),
        np.array(rec_pairs),
        first,
        last,
        n_out,
        preemptions,
    )


def _decode_run(
    running: np.ndarray,
    waiting: np.ndarray,
    n_in: np.ndarray,
    n_out: np.ndarray,
    computed: np.ndarray,
    emitted: np.ndarray,
    max_seqs: int,
    kv_tokens: float,
    budget: float,
) -> int:
    """Steps from now in which every running request only decodes and nothing else can happen: no request
    finishes, none is admitted (the queue is empty, the sequences are full, or the first in the queue does
    not fit and only fits less as the decodes grow), the KV cache holds every new token. 0: replay this step."""
    r = len(running)
    if budget < r:
        return 0
    em = emitted[running]
    held = computed[running]
    if not ((n_in[running] + em - held == 1.0).all() and (em >= 1.0).all()):
        return 0
    used = float(held.sum())
    if len(waiting) and r < max_seqs and budget > r:
        w = waiting[0]
        need = n_in[w] + emitted[w] - computed[w]
        if used + r + min(budget - r, need) <= kv_tokens:
            return 0  # the next in the queue would be admitted
    k = min(int((n_out[running] - em).min()) - 1, int(np.floor((kv_tokens - used) / r)))
    return max(k, 0)


def step_seconds(ph: Physics, s: Schedule) -> np.ndarray:
    """Each step's time for each configuration of ``ph``: shape (configurations, steps).

    The estimator's :func:`~models.estimate.speed.step_time` with the step's tokens, the KV tokens its
    decodes read (as ``decode_context / context`` sequences of the physics' mean context) and its prompt
    chunks' attention (``4 × L_attn × n_q d`` FLOPs per causal token pair).
    """
    rows = len(ph.weights)
    tokens = np.broadcast_to(s.tokens, (rows, s.steps))
    ctx = np.maximum(ph.context, 1.0)[:, None]
    seqs = s.decode_context[None, :] / ctx
    attn = 4.0 * (ph.attn_layers * ph.attn_width)[:, None] * s.attention_pairs[None, :]
    running = np.broadcast_to(s.decodes + s.prompts, (rows, s.steps))
    return step_time(ph, tokens, seqs, attn, running)


def burst_figures(ph: Physics, s: Schedule) -> dict[str, np.ndarray]:
    """What the benchmark reports for each configuration of ``ph`` (arrays of its length).

    ``ttft_s``: mean time to first token; ``tpot_ms``: mean over requests with more than one output token of
    (last − first token) / (output − 1), as ``vllm bench serve`` averages it; ``output_tokens_per_s``: all
    output tokens over the run's duration; ``requests_per_s`` likewise.
    """
    t = np.cumsum(step_seconds(ph, s), axis=1)
    first = t[:, s.first_step]
    last = t[:, s.last_step]
    many = s.output > 1
    tpot = ((last - first)[:, many] / (s.output[many] - 1.0)).mean(axis=1) if many.any() else np.zeros(len(t))
    duration = np.maximum(t[:, -1], 1e-12)
    return {
        "ttft_s": first.mean(axis=1) + ph.first_s,
        "tpot_ms": tpot * 1000.0,
        "output_tokens_per_s": s.output.sum() / duration,
        "requests_per_s": len(s.output) / duration,
    }
