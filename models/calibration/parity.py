"""Estimate versus measured: the estimator's figure for every imported load-test measurement.

Each measurement becomes a variant of the scenario: the model it names (a catalog model, or the
scenario's custom model; :func:`~models.calibration.measurements.resolve_model`), never the scenario's
model in place of one the app does not know; its mean lengths with the small spread of a fixed-length
benchmark; and its instance, backend, precision and TP as filters. :func:`models.loadtest.at_concurrency`
then answers the way the load generator measured (N clients in a closed loop, one model copy). A
measurement the estimator cannot place gets a reason, never a silent zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lmi_explorer.models.calibration.measurements import Measurement, resolve_model
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.scenario import Scenario

#: Spread (CV) of the lengths of a fixed-length benchmark run: small, not zero (lengths still vary by a token).
FIXED_LENGTH_CV = 0.05
#: The parity chart's bands: within ±15 % is good agreement, within ±35 % usable.
BANDS = (0.15, 0.35)
#: When the file does not say, the precision a load test most likely ran at.
DEFAULT_PRECISION = "bf16"

PARITY_COLUMNS = [
    "label",
    "metric",
    "measured",
    "estimated",
    "error",
    "reason",
    "note",
    "model",
    "instance",
    "accelerator",
    "backend",
    "precision",
    "tensor_parallel",
    "concurrency",
    "input_tokens",
    "output_tokens",
]


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a measurement lands in the estimator: the scenario variant and the one option to read.

    ``reason`` is set (and ``variant`` is None) when it cannot be placed.
    """

    variant: Scenario | None
    model: str
    instance: str | None
    accelerator: str | None
    backend: str | None
    precision: str | None
    tensor_parallel: int | None
    reason: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParitySummary:
    """How close the estimate is over all compared figures (|estimate / measured − 1|)."""

    compared: int
    not_estimated: int
    median_abs_error: float
    max_abs_error: float
    within_inner_band: int  # within ±15 %
    within_outer_band: int  # within ±35 %


def place(m: Measurement, scenario: Scenario) -> Placement:
    """The scenario variant for one measurement, or the reason it has none."""
    hw = load_hardware()
    bk = load_backends()
    notes: list[str] = [m.note] if m.note else []
    choice = resolve_model(m.model, scenario)
    model_label = choice.label
    if choice.note:
        notes.append(choice.note)
    precision = m.precision
    if precision is None:
        precision = DEFAULT_PRECISION
        notes.append(f"precision not given; {DEFAULT_PRECISION} assumed")

    def fail(reason: str) -> Placement:
        acc = hw.instances[m.instance].accelerator if m.instance in hw.instances else None
        return Placement(
            None, model_label, m.instance, acc, m.backend, precision, m.tensor_parallel, reason, tuple(notes)
        )

    if choice.reason:
        return fail(choice.reason)
    if m.instance is None:
        return fail("instance not given: say which instance type the load test ran on.")
    if m.instance not in hw.instances:
        return fail(f"instance '{m.instance}' is not in the hardware table (see 'lmi-explorer catalog instances').")
    if m.backend is None:
        return fail("backend not given: say which backend served the load test (vllm, lmi-dist, trtllm, tnx …).")
    if m.backend not in bk.backends:
        return fail(f"backend '{m.backend}' is unknown; use one of {', '.join(sorted(bk.backends))}.")
    if precision not in bk.precisions:
        return fail(f"precision '{precision}' is unknown; use one of {', '.join(sorted(bk.precisions))}.")
    inst = hw.instances[m.instance]
    acc = hw.accelerators[inst.accelerator]
    lmi = scenario.deployment.lmi_release
    backend = bk.backends[m.backend]
    if not backend.available(lmi):
        lmi = (
            max(v for v in bk.lmi_versions if backend.available(v))
            if any(backend.available(v) for v in bk.lmi_versions)
            else lmi
        )
        notes.append(f"{backend.name} is not in the scenario's LMI release; LMI v{lmi} used")
    changes = {
        "input_mean": m.input_tokens if m.input_tokens is not None else scenario.traffic.input_mean,
        "output_mean": m.output_tokens if m.output_tokens is not None else scenario.traffic.output_mean,
        "input_cv": FIXED_LENGTH_CV,
        "output_cv": FIXED_LENGTH_CV,
        "hardware": "inferentia" if acc.is_neuron else "gpu",
        "instance_families": (inst.family,),
        "precisions": (precision,),
        "tensor_parallel": m.tensor_parallel,
        "lmi_release": lmi,
    }
    if m.input_tokens is None:
        notes.append(f"prompt length not in the file; the scenario's {scenario.traffic.input_mean:g} tokens used")
    if m.output_tokens is None:
        notes.append(f"output length not in the file; the scenario's {scenario.traffic.output_mean:g} tokens used")
    if choice.model_id is not None and not choice.own:
        changes.update(model_id=choice.model_id, custom_model=None)
    try:
        variant = scenario.with_changes(**changes)
    except DataError as exc:
        return fail(str(exc))
    return Placement(
        variant, model_label, m.instance, acc.accelerator, m.backend, precision, m.tensor_parallel, "", tuple(notes)
    )


def _why_not(p: Placement) -> str:
    """Why the placed option does not run (memory, support, precision), in the estimate's words."""
    from lmi_explorer.models.estimate import estimate

    assert p.variant is not None
    relaxed = p.variant.with_changes(ttft_s=3600.0, tpot_ms=100_000.0)  # only memory and support remain
    o = estimate(relaxed).options
    rows = o[(o["instance"] == p.instance) & (o["backend"] == p.backend) & (o["precision"] == p.precision)]
    if p.tensor_parallel is not None:
        rows = rows[rows["tensor_parallel"] == p.tensor_parallel]
    reasons = [r for r in rows["reason"] if r and not str(r).startswith(("Concurrency limited", "Price unknown"))]
    if reasons:
        return str(reasons[0])
    tp = f" at TP {p.tensor_parallel}" if p.tensor_parallel else ""
    return f"no {p.backend} option on {p.instance}{tp} for this model."


def estimate_row(
    m: Measurement, p: Placement, *, all_at_once: bool = False
) -> tuple[pd.Series | None, str, tuple[str, ...]]:
    """The ``at_concurrency`` row for a placed measurement, or the reason there is none, and notes.

    ``all_at_once``: the clients were a fixed batch submitted together (their TTFT is the batch's prefill).
    """
    from lmi_explorer.models.estimate.loadtest import at_concurrency

    if p.variant is None:
        return None, p.reason, p.notes
    frame = at_concurrency(
        p.variant,
        m.concurrency,
        instance=p.instance,
        backend=p.backend,
        precision=p.precision,
        tensor_parallel=p.tensor_parallel,
        all_at_once=all_at_once,
    )
    if frame.empty:
        return None, _why_not(p), p.notes
    notes = p.notes
    if p.tensor_parallel is None and len(frame) > 1:
        frame = frame.sort_values("tensor_parallel")
        notes = (
            *notes,
            f"TP not given; TP {int(frame['tensor_parallel'].iloc[-1])} assumed (all devices, LMI's default)",
        )
    return frame.iloc[-1], "", notes


def compare(measurements: tuple[Measurement, ...] | list[Measurement], scenario: Scenario) -> pd.DataFrame:
    """One row per (measurement, measured metric): measured, estimated, error = estimated / measured − 1.

    The estimate uses the scenario's calibration when it has fitted factors, else the shipped ones.
    ``reason`` says why a figure could not be estimated (``estimated`` and ``error`` are NaN then);
    ``note`` lists the assumptions made for missing facts.
    """
    records = []
    for m in measurements:
        p = place(m, scenario)
        row, reason, notes = estimate_row(m, p)
        tp = p.tensor_parallel if row is None else int(row["tensor_parallel"])
        for metric, measured in m.metrics().items():
            est = math.nan if row is None else float(row[metric])
            records.append(
                {
                    "label": m.label,
                    "metric": metric,
                    "measured": measured,
                    "estimated": est,
                    "error": est / measured - 1.0 if row is not None else math.nan,
                    "reason": reason,
                    "note": "; ".join(notes),
                    "model": p.model,
                    "instance": p.instance,
                    "accelerator": p.accelerator,
                    "backend": p.backend,
                    "precision": p.precision,
                    "tensor_parallel": tp,
                    "concurrency": m.concurrency,
                    "input_tokens": m.input_tokens,
                    "output_tokens": m.output_tokens,
                }
            )
    return pd.DataFrame.from_records(records, columns=PARITY_COLUMNS)


def summarise(frame: pd.DataFrame, column: str = "error") -> ParitySummary:
    """Median and largest |error| over the figures that have an estimate, and how many fall in the bands."""
    err = frame[column].to_numpy(dtype=float)
    ok = np.isfinite(err)
    a = np.abs(err[ok])
    return ParitySummary(
        compared=int(ok.sum()),
        not_estimated=int((~ok).sum()),
        median_abs_error=float(np.median(a)) if len(a) else math.nan,
        max_abs_error=float(a.max()) if len(a) else math.nan,
        within_inner_band=int((a <= BANDS[0] + 1e-12).sum()),
        within_outer_band=int((a <= BANDS[1] + 1e-12).sum()),
    )
