"""Speed per replica: roofline decode and prefill with measured efficiency, batching, SLO search.

Everything here works on numpy arrays with one element per replica configuration, so a
whole scenario (hundreds of configurations × a concurrency grid) costs a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Coarse concurrency grid (~25 % steps); the search refines to the exact integer by bisection.
_GRID = np.unique(np.round(np.geomspace(1, 65536, 52)).astype(np.int64))
#: Concurrencies tried at once in each open interval of the integer search.
_PROBES = 15


@dataclass
class Physics:
    """Per-configuration constants (all numpy arrays of equal length R).

    Units: bytes, bytes/s, FLOP/s, seconds, tokens.
    """

    weights: np.ndarray  # W of the replica read each decode step (dense part + experts)
    weights_expert: np.ndarray  # part of ``weights`` in routed experts
    expert_hit: np.ndarray  # k / E: chance one token routes to a given expert (1 for dense)
    kv_per_token: np.ndarray  # whole replica
    params_prefill: np.ndarray  # parameters used per input token
    params_decode: np.ndarray  # parameters used per output token
    tp_speed: np.ndarray  # devices working in parallel on one token (1 for pipeline sharding)
    tp_comm: np.ndarray  # TP degree for all-reduce cost (1 = none)
    bandwidth: np.ndarray  # per device
    flops: np.ndarray  # per device, for the compute precision
    eta_bw: np.ndarray  # share of peak bandwidth streaming the weights
    eta_kv: np.ndarray  # share of peak bandwidth decode attention reaches reading the KV cache
    eta_f: np.ndarray
    step_s: np.ndarray  # fixed time per engine step (scheduler, launches)
    seq_s: np.ndarray  # time per running sequence per step (sampling, output handling, per-request bookkeeping)
    first_s: np.ndarray  # fixed time a request's first token costs beyond its prompt's steps (launch, I/O)
    link_latency_s: np.ndarray
    link_bytes_s: np.ndarray
    layers: np.ndarray
    hidden: np.ndarray
    attn_width: np.ndarray  # n_q × d
    token_budget: np.ndarray  # tokens a scheduler step carries (inf: whole prompts, no chunking)
    attn_layers: np.ndarray  # layers' worth of causal attention in a prefill (windows and linear layers: fewer)
    continuous: np.ndarray  # bool
    prefill_tokens: np.ndarray  # mean input (continuous) or padded input bucket (static)
    decode_steps: np.ndarray  # mean output (continuous) or output bound (static)
    context: np.ndarray  # mean context length during decode
    useful_output: np.ndarray  # mean output tokens a request really wants

    def take(self, idx: np.ndarray) -> Physics:
        return Physics(**{k: v[idx] for k, v in self.__dict__.items()})


def _col(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Broadcast a per-row array against a (R,) or (R, K) array."""
    return a if like.ndim == 1 else a[:, None]


def comm_time(ph: Physics, tokens: np.ndarray) -> np.ndarray | float:
    """Two all-reduces per layer of ``tokens × hidden`` 16-bit activations (ring: 2(t−1)/t)."""
    if not (ph.tp_comm > 1).any():
        return 0.0
    t = _col(ph.tp_comm, tokens)
    payload = tokens * _col(ph.hidden, tokens) * 2.0 * 2.0 * (t - 1) / t
    per = _col(ph.link_latency_s, tokens) + payload / _col(ph.link_bytes_s, tokens)
    return np.where(t > 1, 2.0 * _col(ph.layers, tokens) * per, 0.0)


def decode_step(ph: Physics, batch: np.ndarray) -> np.ndarray:
    """One decode iteration for ``batch`` running requests (seconds).

    ``max(W / (t × BW × η_bw) + B × c × kv / (t × BW × η_kv), 2 × P_act × B / (t × F × η_f)) + T_comm + T_step
    + B × T_seq``;
    for MoE only the experts the batch routes to are read: ``1 − (1 − k/E)^B`` of them. The KV cache has
    its own efficiency: decode attention gathers paged blocks and reaches less of the peak bandwidth than
    the weight matrices' streaming reads.
    """
    b = batch.astype(float)
    return step_time(ph, b, b)  # a step of B tokens, all of them decodes


def prefill_time(ph: Physics, tokens: np.ndarray, sequences: np.ndarray | float = 1.0) -> np.ndarray:
    """Prefill of ``sequences`` prompts of ``tokens`` each (seconds).

    ``max((2 × P × n + 4 × L_attn × n² × d × n_q / 2) / (t × F × η_f), W / (t × BW × η_bw))``
    per prompt, plus all-reduce and step overhead; ``L_attn`` counts a windowed layer by the share of
    token pairs its window lets it see, and no linear-attention layer.
    """
    n = tokens
    flops = sequences * (2.0 * ph.params_prefill * n + 2.0 * ph.attn_layers * n * n * ph.attn_width)
    comp = flops / (ph.tp_speed * ph.flops * ph.eta_f)
    mem = ph.weights / (ph.tp_speed * ph.bandwidth * ph.eta_bw)
    return np.maximum(comp, mem) + comm_time(ph, n * sequences) + ph.step_s


def batch_first_token(ph: Physics, batch: np.ndarray) -> np.ndarray:
    """Time to first token when ``batch`` prompts arrive together, as in an engine's fixed-batch benchmark.

    The engine prefills every prompt before the batch decodes, so each waits for all of them:
    ``T = prefill_time(n, B) + (⌈B × n / τ⌉ − 1) × T_step`` (the B prompts' FLOPs and weight reads in one
    pass; with a token budget τ, one more step overhead for each further step the prompts need), plus the
    first token's fixed cost.
    """
    b = batch.astype(float)
    n = ph.prefill_tokens
    finite = np.isfinite(ph.token_budget)
    steps = np.where(finite, np.ceil(b * n / np.where(finite, ph.token_budget, 1.0)), 1.0)
    return prefill_time(ph, n, b) + (steps - 1.0) * ph.step_s + ph.first_s


@dataclass
class SteadyState:
    """Capacity and latency of a replica at concurrency B."""

    requests_per_s: np.ndarray
    tpot_s: np.ndarray
    ttft_s: np.ndarray


def step_time(
    ph: Physics,
    tokens: np.ndarray,
    seqs: np.ndarray,
    attn_flops: np.ndarray | float = 0.0,
    running: np.ndarray | None = None,
) -> np.ndarray:
    """One scheduler step carrying ``tokens`` tokens, ``seqs`` of them decodes reading their KV (seconds).

    ``max(W_read / (t × BW × η_bw) + d × c × kv / (t × BW × η_kv), (2 × P_act × τ + A) / (t × F × η_f))
    + T_comm(τ) + T_step + r × T_seq``:
    the weights are read once per step (MoE: the experts the step's tokens route to), each decode reads
    its context, every token costs ``2 × P_act`` FLOPs plus ``A``, the prefill attention in the step; the
    all-reduces carry every token of the step; each of the ``r`` sequences the step runs (default: the
    decodes) costs ``T_seq`` of host work.
    """
    return step_times(ph, (tokens,), (seqs,), (attn_flops,), None if running is None else (running,))[0]


def step_times(
    ph: Physics,
    tokens: tuple[np.ndarray, ...],
    seqs: tuple[np.ndarray, ...],
    attn_flops: tuple[np.ndarray | float, ...],
    running: tuple[np.ndarray, ...] | None = None,
) -> tuple[np.ndarray, ...]:
    """:func:`step_time` for several steps at once (each with its tokens, decodes, prompt attention and,
    where given, sequences run), the columns they share broadcast once."""
    c = _col
    like = tokens[0]
    per_s = c(ph.tp_speed, like) * c(ph.bandwidth, like)
    kv_per_seq = c(ph.context, like) * c(ph.kv_per_token, like) / (per_s * c(ph.eta_kv, like))
    compute_per_flop = 1.0 / (c(ph.tp_speed, like) * c(ph.flops, like) * c(ph.eta_f, like))
    step_s, seq_s = c(ph.step_s, like), c(ph.seq_s, like)
    two_p = 2.0 * c(ph.params_decode, like)
    moe = bool(ph.weights_expert.any())
    w_part = None if moe else c(ph.weights, like) / (per_s * c(ph.eta_bw, like))
    out = []
    for tok, n, attn, r in zip(tokens, seqs, attn_flops, running or seqs, strict=True):
        if moe:
            hit = 1.0 - (1.0 - c(ph.expert_hit, tok)) ** tok
            w_read = c(ph.weights, tok) - c(ph.weights_expert, tok) * (1.0 - hit)
            mem = w_read / (per_s * c(ph.eta_bw, tok)) + n * kv_per_seq
        else:
            mem = w_part + n * kv_per_seq
        comp = (two_p * tok + attn) * compute_per_flop
        out.append(np.maximum(mem, comp) + comm_time(ph, tok) + step_s + seq_s * r)
    return tuple(out)


def scheduler_share(
    n: np.ndarray, n_in: np.ndarray, n_out: np.ndarray, budget: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Requests finished per step ``u``, steps a request waits before its prefill, and its prefill steps.

    ``n`` requests in a continuous batch, each a prompt of ``n_in`` tokens then ``n_out`` decode steps;
    a step carries at most ``budget`` tokens, decodes first (vLLM's chunked prefill). With ``d = u × n_out``
    decodes per step, prompts share ``c = budget − d`` tokens a step: a prompt takes ``s = n_in / c``
    steps, and half a step passes before a new one is scheduled. Little's law over the ``n`` requests,
    ``n = u × (½ + s + n_out)``, is a quadratic in ``u``; its root holds until the prompts fill the budget
    (``u_cap = budget / (n_in + n_out)``); beyond that ``u`` stays at ``u_cap`` and every further request
    waits ``n / u_cap − n_out − ½ − s`` steps for its prefill.
    """
    a = n_out
    finite = np.isfinite(budget)
    bud = np.where(finite, budget, 1.0)
    # quadratic: (½ + a) a u² − ((½ + a) B + n_in + n a) u + n B = 0 (smaller root)
    qa = (0.5 + a) * a
    qb = (0.5 + a) * bud + n_in + n * a
    qc = n * bud
    disc = np.maximum(qb * qb - 4.0 * qa * qc, 0.0)
    u_q = np.where(qa > 0, 2.0 * qc / (qb + np.sqrt(disc)), qc / np.maximum(qb, 1e-12))
    u_cap = bud / (n_in + a)
    u_chunk = np.minimum(u_q, u_cap)
    # no chunking: a whole prompt in one step, no budget to fill
    u_free = n / (0.5 + 1.0 + a)
    u = np.where(finite, u_chunk, u_free)
    share = np.where(finite, np.maximum(bud - u * a, 1.0), np.inf)
    s = np.where(finite, n_in / share, 1.0)
    wait = np.maximum(n / np.maximum(u, 1e-12) - a - s, 0.5)
    return u, wait, s


def steady_state(ph: Physics, batch: np.ndarray, utilisation: float) -> SteadyState:
    """Throughput and latency at concurrency ``batch`` (continuous or static batching).

    Continuous (a step-level scheduler with a token budget, see :func:`scheduler_share`): an average step
    carries ``u × (n_in + n_out)`` tokens, ``u × n_out`` of them decodes; ``X = u / T``; ``TTFT`` = the steps
    waited before the prefill × ``T`` + the prefill steps, each carrying the prompt's chunk beside the
    decodes, plus an M/D/1 wait for random arrivals at the planned utilisation on the share of the budget
    prompts occupy, plus the first token's fixed cost. ``TPOT`` is the time of the steps a request decodes
    in: its own decode, ``(B − 1)/B`` of the others' decodes and of the prompt tokens (its own prompt runs
    before its first token). Static: a batch runs to the output bound, prefill padded to the input bucket;
    ``X = B / T_batch``, ``TTFT = T_pre(B) + u × T_batch / 2``.
    """
    c = _col
    b = batch.astype(float)
    # continuous batching: a step-level scheduler with a token budget
    n_in, n_out = c(ph.prefill_tokens, b), c(ph.decode_steps, b)
    budget = c(ph.token_budget, b)
    u, wait, s = scheduler_share(b, n_in, n_out, budget)
    attn_req = 2.0 * c(ph.attn_layers, b) * n_in * n_in * c(ph.attn_width, b)  # one prompt's attention FLOPs
    decodes = u * n_out
    chunk = np.minimum(n_in, np.where(np.isfinite(budget), np.maximum(budget - decodes, 1.0), n_in))
    # the steps a request decodes in carry the other requests' prompt chunks, not its own: at one client a
    # long prompt's chunks run before its first token and never between its output tokens
    # (B − 1)/B of the others' work: its own decode besides theirs, none of its own prompt
    others = (b - 1.0) / np.maximum(b, 1.0)
    own_decodes = 1.0 + decodes * others
    t_avg, t_chunk, t_own = step_times(
        ph,
        (u * (n_in + n_out), decodes + chunk, own_decodes + u * n_in * others),
        (decodes, decodes, own_decodes),
        (u * attn_req, attn_req * chunk / n_in, u * attn_req * others),
    )
    x_cont = u / t_avg
    prefill = np.maximum(s, 1.0) * t_chunk
    # random arrivals at the planned utilisation queue for the prompts' share of the budget (M/D/1)
    occupied = np.where(np.isfinite(budget), u * n_in / np.maximum(budget - decodes, 1.0), x_cont * prefill)
    rho = np.minimum(utilisation * occupied, 0.999)
    ttft_cont = wait * t_avg + prefill + rho * prefill / (2.0 * (1.0 - rho)) + c(ph.first_s, b)
    tpot_cont = t_own
    cont = c(ph.continuous, b)
    if ph.continuous.all():
        return SteadyState(x_cont, tpot_cont, ttft_cont)
    # static batching
    t_dec = decode_step(ph, b)
    n = c(ph.prefill_tokens, b)
    flops = b * (2.0 * c(ph.params_prefill, b) * n + 2.0 * c(ph.layers, b) * n * n * c(ph.attn_width, b))
    comp = flops / (c(ph.tp_speed, b) * c(ph.flops, b) * c(ph.eta_f, b))
    mem = c(ph.weights, b) / (c(ph.tp_speed, b) * c(ph.bandwidth, b) * c(ph.eta_bw, b))
    pre_b = np.maximum(comp, mem) + comm_time(ph, n * b) + c(ph.step_s, b)
    t_batch = pre_b + c(ph.decode_steps, b) * t_dec
    x_stat = b / t_batch
    ttft_stat = pre_b + utilisation * t_batch / 2.0 + c(ph.first_s, b)
    return SteadyState(
        requests_per_s=np.where(cont, x_cont, x_stat),
        tpot_s=np.where(cont, tpot_cont, t_dec),
        ttft_s=np.where(cont, ttft_cont, ttft_stat),
    )


@dataclass
class OperatingPoint:
    """The largest concurrency within memory that meets both latency targets."""

    concurrency: np.ndarray  # 0 where no concurrency meets the targets
    state: SteadyState  # at ``concurrency`` (at 1 where infeasible, to explain why)
    limited_by: np.ndarray  # "memory", "batch", "tpot", "ttft" or "" (per row)


def operating_point(
    ph: Physics, bmax: np.ndarray, tpot_target_s: float, ttft_target_s: float, utilisation: float
) -> OperatingPoint:
    """Search B* = max B ≤ ``bmax`` with TPOT ≤ target and TTFT ≤ target (both grow with B)."""
    rows = len(bmax)
    if rows == 0:
        empty = np.zeros(0)
        return OperatingPoint(empty.astype(np.int64), SteadyState(empty, empty, empty), np.zeros(0, dtype=object))
    # grid points past a row's memory limit would all clip to it: rows are searched in a few groups,
    # each only as far up the grid as its largest limit
    need = np.searchsorted(_GRID, bmax) + 1
    any_ok = np.zeros(rows, dtype=bool)
    lo = np.zeros(rows, dtype=np.int64)
    hi = np.zeros(rows, dtype=np.int64)
    caps = sorted({int(np.quantile(need, q, method="higher")) for q in (0.34, 0.67, 1.0)})
    done = np.zeros(rows, dtype=bool)
    for cap in caps:
        sel = np.flatnonzero(~done & (need <= cap))
        if not len(sel):
            continue
        done[sel] = True
        b_sel = bmax[sel]
        grid = np.minimum(np.broadcast_to(_GRID[:cap], (len(sel), cap)), b_sel[:, None])
        st = steady_state(ph.take(sel), grid, utilisation)
        ok = (st.tpot_s <= tpot_target_s) & (st.ttft_s <= ttft_target_s)
        # largest feasible grid point (latency grows with B, so feasibility is a prefix)
        a = ok.any(axis=1)
        r = np.arange(len(sel))
        last = np.where(a, ok.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1), 0)
        lo_s = np.where(a, grid[r, last], 0)
        nxt = np.minimum(last + 1, ok.shape[1] - 1)
        any_ok[sel] = a
        lo[sel] = lo_s
        hi[sel] = np.where(a, np.maximum(grid[r, nxt], lo_s), 0)
    # search on integers between lo (ok) and hi (not ok, or == lo): each pass tries up to _PROBES evenly
    # spaced concurrencies in every open interval at once (one call for all rows, a (R, K) array), so a
    # gap of 16,000 closes in four passes instead of fourteen halvings; only rows still open are evaluated
    for _ in range(16):
        gap = hi - lo
        act = np.flatnonzero(gap > 1)
        if not len(act):
            break
        lo_a, gap_a = lo[act], gap[act]
        k = int(min(_PROBES, gap_a.max() - 1))
        pts = lo_a[:, None] + (gap_a[:, None] * np.arange(1, k + 1)) // (k + 1)
        pts = np.maximum(pts, lo_a[:, None] + 1)  # every probe strictly inside (lo, hi)
        sm = steady_state(ph.take(act), pts, utilisation)
        good = (sm.tpot_s <= tpot_target_s) & (sm.ttft_s <= ttft_target_s)
        # the first probe that fails bounds the interval from above; the probe before it from below
        bad_any = ~good.all(axis=1)
        first_bad = np.where(bad_any, np.argmin(good, axis=1), k)
        r = np.arange(len(act))
        lo[act] = np.where(first_bad > 0, pts[r, np.maximum(first_bad - 1, 0)], lo_a)
        hi[act] = np.where(bad_any, pts[r, np.minimum(first_bad, k - 1)], hi[act])
    # one call for the four concurrencies still needed: hi, and then best, 1 and best + 1
    probe = steady_state(
        ph,
        np.stack(
            [
                np.maximum(hi, 1),
                np.maximum(lo, 1),
                np.ones(rows, dtype=np.int64),
                np.maximum(hi, 1) + 1,
                np.maximum(lo, 1) + 1,
            ],
            axis=1,
        ),
        utilisation,
    )
    hi_ok = (probe.tpot_s[:, 0] <= tpot_target_s) & (probe.ttft_s[:, 0] <= ttft_target_s) & any_ok
    best = np.where(hi_ok, hi, lo).astype(np.int64)
    col = np.where(hi_ok, 0, 1)
    r = np.arange(rows)
    state = SteadyState(probe.requests_per_s[r, col], probe.tpot_s[r, col], probe.ttft_s[r, col])
    nxt_tpot = probe.tpot_s[r, col + 3]
    nxt_ttft = probe.ttft_s[r, col + 3]
    limited = np.full(rows, "", dtype=object)
    limited[best >= bmax] = "memory"
    limited[(best < bmax) & (nxt_tpot > tpot_target_s)] = "tpot"
    limited[(best < bmax) & (nxt_tpot <= tpot_target_s) & (nxt_ttft > ttft_target_s)] = "ttft"
    none = best == 0
    limited[none] = np.where(probe.tpot_s[none, 2] > tpot_target_s, "tpot", "ttft")
    # where nothing meets the targets, report the latency at one request (it explains why)
    state = SteadyState(
        np.where(none, probe.requests_per_s[:, 2], state.requests_per_s),
        np.where(none, probe.tpot_s[:, 2], state.tpot_s),
        np.where(none, probe.ttft_s[:, 2], state.ttft_s),
    )
    return OperatingPoint(best, state, limited)
