"""A scenario's own calibration: the imported measurements and the efficiency factors fitted to them.

Kept by content inside the scenario (like the user's price list), so a saved file reproduces the
same estimate on another machine. The estimate uses :meth:`Calibration.overrides` in place of the
shipped ``data/backends/efficiency.csv`` rows for the (backend, accelerator) pairs it covers.

"Reset to shipped defaults" keeps the measurements and drops the factors (:func:`without_factors`),
so the estimate-versus-measured view still has its points; removing the calibration entirely is
``scenario.with_changes(calibration=None)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from lmi_explorer.models.calibration.measurements import Measurement
from lmi_explorer.models.calibration.measurements import from_dict as measurement_from_dict
from lmi_explorer.models.calibration.measurements import to_dict as measurement_to_dict
from lmi_explorer.models.errors import DataError

#: Bounds of the fitted factors: an efficiency never beyond the hardware's peak, a step overhead
#: no larger than a slow Python scheduler's.
ETA_MIN, ETA_MAX = 0.05, 1.0
STEP_MAX_MS = 50.0
#: Most host time per running sequence per step a fit may find, microseconds.
SEQ_MAX_US = 200.0
#: Most fixed first-token cost a fit may find, milliseconds.
FIRST_MAX_MS = 100.0
MAX_MEASUREMENTS = 2000


@dataclass(frozen=True, slots=True)
class FittedEfficiency:
    """Efficiency factors for one (backend, accelerator), fitted to the scenario's measurements.

    Parameters
    ----------
    backend, accelerator : str
        Which options the factors apply to (ids as in ``data/backends/efficiency.csv``).
    eta_bw, eta_f : float
        Share of the peak memory bandwidth and compute reached (0 < η ≤ 1).
    step_overhead_ms : float
        Fixed time per decode step (scheduler, kernel launches), 0 – 50 ms.
    eta_link : float | None
        Share of the device link bandwidth the tensor-parallel all-reduce reaches; ``None`` keeps the
        shipped interconnect figure (fitted only when the measurements vary the TP degree).
    eta_kv : float | None
        Share of the peak bandwidth decode attention reaches reading the KV cache; ``None`` = ``eta_bw``
        (fitted only when the measurements' contexts differ enough to tell the KV reads from the weights).
    seq_overhead_us : float | None
        Host time per running sequence per step, microseconds; ``None`` = none (fitted only when the
        measurements' batches differ enough to tell it from the fixed step overhead).
    first_token_ms : float | None
        Fixed cost of a request's first token beyond its prompt's steps, milliseconds; ``None`` = none
        (fitted only from enough times to first token over prompts of different lengths).
    points : int
        Measured figures the fit used.
    median_error_before, median_error_after : float
        Median |estimate / measured − 1| of those figures with the shipped and with the fitted factors
        (``None`` when not known).
    """

    backend: str
    accelerator: str
    eta_bw: float
    eta_f: float
    step_overhead_ms: float
    eta_link: float | None = None
    points: int = 0
    median_error_before: float | None = None
    median_error_after: float | None = None
    eta_kv: float | None = None
    seq_overhead_us: float | None = None
    first_token_ms: float | None = None

    @property
    def step_overhead_s(self) -> float:
        return self.step_overhead_ms / 1000.0

    def summary(self) -> str:
        """The fitted factors in words (the optional ones only where fitted)."""
        from lmi_explorer.models.reference.backends import factors_text

        return factors_text(
            self.eta_bw,
            self.eta_f,
            self.step_overhead_ms,
            self.eta_kv,
            self.seq_overhead_us,
            self.first_token_ms,
            self.eta_link,
        )


@dataclass(frozen=True, slots=True)
class Calibration:
    """The measurements a scenario was compared with and the factors fitted to them.

    ``factors == ()`` means "shipped factors" (measurements kept for the comparison view).
    """

    name: str
    measurements: tuple[Measurement, ...]
    factors: tuple[FittedEfficiency, ...] = ()

    def overrides(self) -> tuple[FittedEfficiency, ...]:
        """What the option grid uses instead of the shipped rows (hashable, part of its cache key)."""
        return self.factors


def without_factors(c: Calibration | None) -> Calibration | None:
    """The same measurements, shipped efficiency factors ("reset to shipped defaults")."""
    return None if c is None else replace(c, factors=())


# --------------------------------------------------------------------------- validation and JSON


def _bounded(where: str, value: Any, lo: float, hi: float, *, lo_open: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataError(f"{where}: expected a finite number.")
    if (value <= lo if lo_open else value < lo) or value > hi:
        low = f"above {lo:g}" if lo_open else f"at least {lo:g}"
        raise DataError(f"{where}: {value:g} is out of range; it must be {low} and at most {hi:g}.")
    return float(value)


def validate(c: Calibration) -> None:
    """Refuse factors beyond their bounds, unknown backends/accelerators and bad measurements."""
    from lmi_explorer.models.calibration.measurements import check
    from lmi_explorer.models.reference.backends import load_backends
    from lmi_explorer.models.reference.hardware import load_hardware

    if not isinstance(c.name, str) or not c.name or len(c.name) > 500:
        raise DataError("calibration.name: must be 1 to 500 characters.")
    if len(c.measurements) > MAX_MEASUREMENTS:
        raise DataError(f"calibration.measurements: at most {MAX_MEASUREMENTS} measurements.")
    for i, m in enumerate(c.measurements):
        check(m, f"calibration.measurements[{i}]")
    backends = load_backends().backends
    accelerators = load_hardware().accelerators
    seen = set()
    for i, f in enumerate(c.factors):
        where = f"calibration.factors[{i}]"
        if f.backend not in backends:
            raise DataError(f"{where}.backend: '{f.backend}' is unknown; use one of {', '.join(sorted(backends))}.")
        if f.accelerator not in accelerators:
            raise DataError(f"{where}.accelerator: '{f.accelerator}' is unknown.")
        if (f.backend, f.accelerator) in seen:
            raise DataError(f"{where}: a second set of factors for {f.backend} on {f.accelerator}.")
        seen.add((f.backend, f.accelerator))
        _bounded(f"{where}.eta_bw", f.eta_bw, 0, ETA_MAX, lo_open=True)
        _bounded(f"{where}.eta_f", f.eta_f, 0, ETA_MAX, lo_open=True)
        _bounded(f"{where}.step_overhead_ms", f.step_overhead_ms, 0, STEP_MAX_MS, lo_open=False)
        if f.eta_link is not None:
            _bounded(f"{where}.eta_link", f.eta_link, 0, ETA_MAX, lo_open=True)
        if f.eta_kv is not None:
            _bounded(f"{where}.eta_kv", f.eta_kv, 0, ETA_MAX, lo_open=True)
        if f.seq_overhead_us is not None:
            _bounded(f"{where}.seq_overhead_us", f.seq_overhead_us, 0, SEQ_MAX_US, lo_open=False)
        if f.first_token_ms is not None:
            _bounded(f"{where}.first_token_ms", f.first_token_ms, 0, FIRST_MAX_MS, lo_open=False)
        if isinstance(f.points, bool) or not isinstance(f.points, int) or f.points < 0:
            raise DataError(f"{where}.points: expected a whole number.")


def to_dict(c: Calibration) -> dict[str, Any]:
    def factor(f: FittedEfficiency) -> dict[str, Any]:
        out = {
            "backend": f.backend,
            "accelerator": f.accelerator,
            "eta_bw": f.eta_bw,
            "eta_f": f.eta_f,
            "step_overhead_ms": f.step_overhead_ms,
            "eta_link": f.eta_link,
            "points": f.points,
            "median_error_before": f.median_error_before,
            "median_error_after": f.median_error_after,
        }
        if f.eta_kv is not None:  # written only when fitted: files without it read as before
            out["eta_kv"] = f.eta_kv
        if f.seq_overhead_us is not None:
            out["seq_overhead_us"] = f.seq_overhead_us
        if f.first_token_ms is not None:
            out["first_token_ms"] = f.first_token_ms
        return out

    return {
        "name": c.name,
        "measurements": [measurement_to_dict(m) for m in c.measurements],
        "factors": [factor(f) for f in c.factors],
    }


_FACTOR_FIELDS = (
    "backend",
    "accelerator",
    "eta_bw",
    "eta_f",
    "step_overhead_ms",
    "eta_link",
    "points",
    "median_error_before",
    "median_error_after",
    "eta_kv",
    "seq_overhead_us",
    "first_token_ms",
)


def from_dict(value: Any) -> Calibration | None:
    """The calibration saved in a scenario file (``null`` for none), validated."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DataError(f"calibration: expected an object or null, got {type(value).__name__}.")
    unknown = sorted(set(value) - {"name", "measurements", "factors"})
    if unknown:
        raise DataError(f"calibration: unknown field(s) {', '.join(unknown)}.")
    rows = value.get("measurements")
    if not isinstance(rows, list):
        raise DataError("calibration.measurements: expected a list of measurements.")
    if len(rows) > MAX_MEASUREMENTS:
        raise DataError(f"calibration.measurements: at most {MAX_MEASUREMENTS} measurements.")
    measurements = tuple(measurement_from_dict(r, f"calibration.measurements[{i}]") for i, r in enumerate(rows))
    raw_factors = value.get("factors", [])
    if not isinstance(raw_factors, list):
        raise DataError("calibration.factors: expected a list.")
    factors = []
    for i, f in enumerate(raw_factors):
        where = f"calibration.factors[{i}]"
        if not isinstance(f, dict):
            raise DataError(f"{where}: expected an object.")
        unknown = sorted(set(f) - set(_FACTOR_FIELDS))
        if unknown:
            raise DataError(f"{where}: unknown field(s) {', '.join(unknown)}.")
        missing = [k for k in ("backend", "accelerator", "eta_bw", "eta_f", "step_overhead_ms") if k not in f]
        if missing:
            raise DataError(f"{where}: missing field(s) {', '.join(missing)}.")
        for key in ("backend", "accelerator"):
            if not isinstance(f[key], str):
                raise DataError(f"{where}.{key}: expected text.")
        link = f.get("eta_link")
        link = None if link is None else _bounded(f"{where}.eta_link", link, 0, ETA_MAX, lo_open=True)
        kv = f.get("eta_kv")
        kv = None if kv is None else _bounded(f"{where}.eta_kv", kv, 0, ETA_MAX, lo_open=True)
        seq = f.get("seq_overhead_us")
        seq = None if seq is None else _bounded(f"{where}.seq_overhead_us", seq, 0, SEQ_MAX_US, lo_open=False)
        first = f.get("first_token_ms")
        first = None if first is None else _bounded(f"{where}.first_token_ms", first, 0, FIRST_MAX_MS, lo_open=False)
        errors = {}
        for key in ("median_error_before", "median_error_after"):
            v = f.get(key)
            errors[key] = None if v is None else _bounded(f"{where}.{key}", v, 0, 1e6, lo_open=False)
        factors.append(
            FittedEfficiency(
                backend=f["backend"],
                accelerator=f["accelerator"],
                eta_bw=_bounded(f"{where}.eta_bw", f["eta_bw"], 0, ETA_MAX, lo_open=True),
                eta_f=_bounded(f"{where}.eta_f", f["eta_f"], 0, ETA_MAX, lo_open=True),
                step_overhead_ms=_bounded(
                    f"{where}.step_overhead_ms", f["step_overhead_ms"], 0, STEP_MAX_MS, lo_open=False
                ),
                eta_link=link,
                points=f.get("points", 0),
                eta_kv=kv,
                seq_overhead_us=seq,
                first_token_ms=first,
                **errors,
            )
        )
    name = value.get("name")
    if not isinstance(name, str):
        raise DataError("calibration.name: expected text.")
    c = Calibration(name=name, measurements=measurements, factors=tuple(factors))
    validate(c)
    return c
