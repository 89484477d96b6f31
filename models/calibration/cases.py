"""Published single-batch cases of 2022–2024 engines, the estimator's prediction for each, and their fit.

The factors :func:`fit` finds over ``data/calibration/measured.csv`` are kept in
``data/calibration/measured_fit.csv`` as evidence about those engines; the shipped efficiency factors
(``data/backends/efficiency.csv``) are fitted to the 2024–2026 load tests (``tools/fit_published.py``).
``bench/calibration.py`` prints both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from lmi_explorer.models.estimate.memory import kv_bytes_per_token, usable_kv_bytes_per_device, weight_bytes
from lmi_explorer.models.estimate.speed import Physics, decode_step, prefill_time
from lmi_explorer.models.reference.backends import EFFICIENCY_SCHEMA, Efficiency, load_backends
from lmi_explorer.models.reference.catalog import ModelSpec
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.tables import Column, read_table

CASE_SCHEMA: dict[str, Column] = {
    "case": Column("str"),
    "label": Column("str"),
    "backend": Column("str"),
    "accelerator": Column("str"),
    "model": Column("str"),
    "params_billion": Column("float", minimum=0.001),
    "layers": Column("int", minimum=1),
    "hidden_size": Column("int", minimum=1),
    "heads": Column("int", minimum=1),
    "kv_heads": Column("int", minimum=1),
    "vocab_size": Column("int", minimum=1),
    "precision": Column("str"),
    "kv_bytes": Column("float", minimum=0.5, maximum=4),
    "tensor_parallel": Column("int", minimum=1),
    "batch": Column("str"),
    "input_tokens": Column("int", minimum=1),
    "output_tokens": Column("int", minimum=1),
    "metric": Column("str", choices=("prefill_ms", "tpot_ms", "output_tokens_per_s")),
    "measured": Column("float", minimum=0),
}

#: Batch limit of trtllm-bench's offline max-throughput runs, used where a case says "max".
MAX_BENCH_BATCH = 2048


@dataclass(frozen=True, slots=True)
class Case:
    case: str
    label: str
    backend: str
    accelerator: str
    model: ModelSpec
    precision: str
    kv_bytes: float
    tp: int
    batch: int | None
    input_tokens: int
    output_tokens: int
    metric: str
    measured: float
    source: str


@lru_cache(maxsize=1)
def load_cases() -> tuple[Case, ...]:
    frame = read_table("calibration/measured.csv", CASE_SCHEMA)
    out = []
    for r in frame.records:
        spec = ModelSpec(
            model_id=r["model"],
            name=r["model"],
            family="",
            architecture="",
            model_type="llama",
            params_billion=r["params_billion"],
            layers=r["layers"],
            hidden_size=r["hidden_size"],
            heads=r["heads"],
            kv_heads=r["kv_heads"],
            vocab_size=r["vocab_size"],
            context=1_000_000,
        )
        batch = None if r["batch"] == "max" else int(r["batch"])
        out.append(
            Case(
                r["case"],
                r["label"],
                r["backend"],
                r["accelerator"],
                spec,
                r["precision"],
                r["kv_bytes"],
                r["tensor_parallel"],
                batch,
                r["input_tokens"],
                r["output_tokens"],
                r["metric"],
                r["measured"],
                r["source"],
            )
        )
    return tuple(out)


def _physics(case: Case, eff: Efficiency) -> tuple[Physics, int]:
    bk = load_backends()
    hw = load_hardware()
    acc = hw.accelerators[case.accelerator]
    link = hw.interconnects[acc.interconnect]
    prec = bk.precisions[case.precision]
    m = case.model
    w = weight_bytes(m, replace(prec, embeddings_16bit=False)) if prec.full_precision else weight_bytes(m, prec)
    kv = kv_bytes_per_token(m, case.kv_bytes)
    compute = "fp8" if case.precision == "fp8" else "fp16"
    batch = case.batch
    if batch is None:
        backend = bk.backends[case.backend]
        usable = usable_kv_bytes_per_device(backend, acc, w / case.tp) * case.tp
        batch = max(1, min(MAX_BENCH_BATCH, int(usable / kv / (case.input_tokens + case.output_tokens))))

    def a(v: float) -> np.ndarray:
        return np.array([float(v)])

    ph = Physics(
        weights=a(w),
        weights_expert=a(0),
        expert_hit=a(1),
        kv_per_token=a(kv),
        params_prefill=a(m.params),
        params_decode=a(m.params),
        tp_speed=a(case.tp),
        tp_comm=a(case.tp),
        bandwidth=a(acc.bandwidth_bytes_s),
        flops=a(acc.peak(compute) or acc.fp16_flops),
        eta_bw=a(eff.eta_bw),
        eta_kv=a(eff.kv_efficiency),
        eta_f=a(eff.eta_f),
        step_s=a(eff.step_overhead_s),
        seq_s=a(eff.per_sequence_s),
        first_s=a(eff.first_token_extra_s),
        link_latency_s=a(link.allreduce_latency_s),
        link_bytes_s=a(acc.link_bytes_s * link.bandwidth_efficiency),
        layers=a(m.layers),
        hidden=a(m.hidden_size),
        attn_width=a(m.heads * m.d_head),
        attn_layers=a(m.layers),
        token_budget=a(math.inf),
        continuous=np.array([True]),
        prefill_tokens=a(case.input_tokens),
        decode_steps=a(case.output_tokens),
        context=a(case.input_tokens + case.output_tokens / 2),
        useful_output=a(case.output_tokens),
    )
    return ph, batch


@lru_cache(maxsize=1)
def era_factors() -> dict[tuple[str, str], Efficiency]:
    """The factors fitted to these cases (``data/calibration/measured_fit.csv``): evidence about the engines
    of 2022–2024 that ran them, kept apart from the shipped factors fitted to 2024–2026 engines."""
    table = read_table("calibration/measured_fit.csv", EFFICIENCY_SCHEMA)
    return {
        (r["backend"], r["accelerator"]): Efficiency(
            r["eta_bw"], r["eta_f"], r["step_overhead_ms"] / 1000, str(r["source"]), True
        )
        for r in table.records
    }


def predict(case: Case, eff: Efficiency | None = None) -> float:
    """The estimator's figure for a measured case, in the case's metric and units (default: the factors
    fitted to these cases' own engines, :func:`era_factors`)."""
    eff = (
        eff
        or era_factors().get((case.backend, case.accelerator))
        or load_backends().efficiency_for(case.backend, case.accelerator)
    )
    ph, batch = _physics(case, eff)
    if case.metric == "prefill_ms":
        return float(prefill_time(ph, ph.prefill_tokens)[0]) * 1000
    t_dec = float(decode_step(ph, np.array([batch]))[0])
    if case.metric == "tpot_ms":
        return t_dec * 1000
    # fixed-length benchmark: prefill every prompt, then output_tokens decode steps of the batch
    t_pre = float(prefill_time(ph, ph.prefill_tokens, float(batch))[0])
    total = t_pre + case.output_tokens * t_dec
    return batch * case.output_tokens / total


@dataclass(frozen=True, slots=True)
class FitResult:
    efficiency: Efficiency
    before: dict[str, float]
    after: dict[str, float]


def log_error(pred: float, measured: float) -> float:
    return math.log(pred / measured)


def fit(cases: list[Case], start: Efficiency | None = None) -> FitResult:
    """Bounded least squares (on log error) of η_bw, η_f and step overhead for one group of cases.

    Bounds: 0.05 ≤ η ≤ 1 (never beyond the hardware's peak), 0 ≤ step ≤ 50 ms. A coarse grid
    finds the basin; coordinate refinement narrows it. Deterministic, no SciPy needed.
    """
    start = start or load_backends().efficiency_for(cases[0].backend, cases[0].accelerator)

    def cost(bw: float, f: float, step: float) -> float:
        e = Efficiency(bw, f, step, "", True)
        return sum(log_error(predict(c, e), c.measured) ** 2 for c in cases)

    grid_eta = np.linspace(0.05, 1.0, 20)
    grid_step = np.array([0, 0.0002, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.05])
    best = (math.inf, start.eta_bw, start.eta_f, start.step_overhead_s)
    for bw in grid_eta:
        for f in grid_eta:
            for st in grid_step:
                c = cost(bw, f, st)
                if c < best[0]:
                    best = (c, bw, f, st)
    _, bw, f, st = best
    steps = [0.025, 0.025, 0.001]
    for _ in range(60):
        improved = False
        for k in range(3):
            for sign in (-1, 1):
                cand = [bw, f, st]
                cand[k] += sign * steps[k]
                cand[0] = min(max(cand[0], 0.05), 1.0)
                cand[1] = min(max(cand[1], 0.05), 1.0)
                cand[2] = min(max(cand[2], 0.0), 0.05)
                c = cost(*cand)
                if c < best[0] - 1e-12:
                    best = (c, cand[0], cand[1], cand[2])
                    bw, f, st = cand
                    improved = True
        if not improved:
            steps = [s / 2 for s in steps]
            if steps[0] < 1e-4:
                break
    eff = Efficiency(round(bw, 3), round(f, 3), round(st, 5), "fit", True)
    return FitResult(
        efficiency=eff,
        before={c.case: predict(c, start) for c in cases},
        after={c.case: predict(c, eff) for c in cases},
    )
