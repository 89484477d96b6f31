"""Validation of a scenario: every impossible value refused with the field and its allowed range."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.catalog import load_catalog, validate_spec

if TYPE_CHECKING:
    from lmi_explorer.models.scenario.model import Scenario

HARDWARE_CHOICES = ("gpu", "inferentia", "both")
PLATFORMS = ("sagemaker", "ec2")
PRICING_OPTIONS = ("on_demand", "savings_plan", "reserved", "spot")
KV_DTYPES = ("auto", "fp8")
ARCH_CLASSES = ("decoder-only", "encoder-decoder", "mixture-of-experts")
#: Engine limits a scenario may set: requests running at once, tokens per step.
MAX_BATCH_RANGE = (1, 65_536)
STEP_TOKENS_RANGE = (16, 1_048_576)

#: allowed range of each numeric traffic/deployment field: (lowest, highest, lowest excluded)
BOUNDS: dict[str, tuple[float, float, bool]] = {
    "input_mean": (1, 10_000_000, False),
    "output_mean": (1, 10_000_000, False),
    "input_cv": (0, 5, False),
    "output_cv": (0, 5, False),
    "requests_per_s": (1e-6, 1_000_000, False),  # smaller: per-token costs overflow
    "peak_to_average": (1, 100, False),
    "ttft_s": (0, 3600, True),
    "tpot_ms": (0, 100_000, True),
    "discount": (0, 0.95, False),
    "hours_per_month": (0, 744, True),
    "target_utilisation": (0.05, 1, False),
    "bound_percentile": (0.5, 0.9999, False),
}


def _num(where: str, value: Any, lo: float, hi: float, *, lo_open: bool = False, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"{where}: expected a number, got {json.dumps(value)[:40]}.")
    if isinstance(value, int) and abs(value) > 1e300:  # beyond float range: math.isfinite would overflow
        raise DataError(f"{where}: {str(value)[:12]}… is out of range; it must be at most {hi:g}.")
    if not math.isfinite(value):
        raise DataError(f"{where}: must be a finite number.")
    if integer and value != int(value):
        raise DataError(f"{where}: must be a whole number (got {value}).")
    if (value <= lo if lo_open else value < lo) or value > hi:
        lo_txt = f"above {lo:g}" if lo_open else f"at least {lo:g}"
        raise DataError(f"{where}: {value:g} is out of range; it must be {lo_txt} and at most {hi:g}.")
    return float(value)


def _bounded(where: str, value: Any) -> float:
    lo, hi, lo_open = BOUNDS[where.rsplit(".", 1)[1]]
    return _num(where, value, lo, hi, lo_open=lo_open)


#: most traffic classes one scenario holds (the main traffic and seven more)
MAX_CLASSES = 8


TRAFFIC_NUMBERS = (
    "input_mean",
    "output_mean",
    "input_cv",
    "output_cv",
    "requests_per_s",
    "peak_to_average",
    "ttft_s",
    "tpot_ms",
)


def _traffic(where: str, t: Any) -> None:
    for name in TRAFFIC_NUMBERS:
        _bounded(f"{where}.{name}", getattr(t, name))


def _classes_and_load(s: Scenario) -> None:
    """More traffic classes (named, distinct, each a valid traffic) and the day's load settings."""
    from lmi_explorer.models.mix.day import load_day_profiles

    profiles = load_day_profiles()
    if len(s.other_classes) + 1 > MAX_CLASSES:
        raise DataError(f"other_classes: at most {MAX_CLASSES - 1} classes beside the main traffic.")
    if len(s.traffic_name) > 80:
        raise DataError("traffic_name: must be at most 80 characters.")
    names = [s.traffic_name.strip().lower()] if s.traffic_name else []
    for i, c in enumerate(s.other_classes):
        where = f"other_classes[{i}]"
        if not c.name.strip() or len(c.name) > 80:
            raise DataError(f"{where}.name: give the class a name of 1 to 80 characters.")
        if c.name.strip().lower() in names:
            raise DataError(f"{where}.name: '{c.name}' is used twice; give each class its own name.")
        names.append(c.name.strip().lower())
        _traffic(f"{where}.traffic", c.traffic)
        if c.day_profile and c.day_profile not in profiles:
            raise DataError(f"{where}.day_profile: '{c.day_profile}' is unknown; use one of {', '.join(profiles)}.")
    ld = s.load
    if ld.day_profile == "custom":
        for key in ("weekday", "weekend"):
            values = getattr(ld, key)
            if len(values) != 24:
                raise DataError(f"load.{key}: a drawn day shape needs 24 hourly factors (got {len(values)}).")
            for h, v in enumerate(values):
                _num(f"load.{key}[{h}]", v, 0, 1000)
        if sum(ld.weekday) * 5 + sum(ld.weekend) * 2 <= 0:
            raise DataError("load.weekday: every hour of the drawn shape is zero; raise at least one point.")
    elif ld.day_profile and ld.day_profile not in profiles:
        raise DataError(f"load.day_profile: '{ld.day_profile}' is unknown; use one of {', '.join(profiles)} or custom.")
    _num("load.max_instances", ld.max_instances, 0, 10_000, integer=True)
    floor = 0 if ld.scale_to_zero else max(1, s.deployment.min_instances)
    if ld.max_instances and ld.max_instances < floor:
        raise DataError(
            f"load.max_instances: {ld.max_instances} is below the minimum instances ({floor}); "
            "raise it, or set 0 for no limit."
        )


def validate(s: Scenario) -> None:
    """Refuse impossible values with one message naming the field and the allowed range."""
    from lmi_explorer.models.reference.backends import load_backends
    from lmi_explorer.models.reference.hardware import load_hardware

    if s.custom_model is None:
        if not s.model_id:
            raise DataError("model: give a catalog id or a custom model.")
        load_catalog().get(s.model_id)
    else:
        validate_spec(s.custom_model)
    _traffic("traffic", s.traffic)
    d = s.deployment
    versions = load_backends().lmi_versions
    if d.lmi_release not in versions:
        raise DataError(
            f"deployment.lmi_release: {d.lmi_release} is not a known LMI release; "
            f"use one of {', '.join(str(v) for v in versions)}."
        )
    if d.hardware not in HARDWARE_CHOICES:
        raise DataError(f"deployment.hardware: '{d.hardware}' must be one of {', '.join(HARDWARE_CHOICES)}.")
    if d.platform not in PLATFORMS:
        raise DataError(f"deployment.platform: '{d.platform}' must be one of {', '.join(PLATFORMS)}.")
    if d.pricing_option not in PRICING_OPTIONS:
        raise DataError(f"deployment.pricing_option: '{d.pricing_option}' must be one of {', '.join(PRICING_OPTIONS)}.")
    if d.pricing_option == "spot" and d.platform != "ec2":
        raise DataError("deployment.pricing_option: spot is only offered on EC2, not SageMaker.")
    _bounded("deployment.discount", d.discount)
    _bounded("deployment.hours_per_month", d.hours_per_month)
    _num("deployment.min_instances", d.min_instances, 0, 10_000, integer=True)
    _bounded("deployment.target_utilisation", d.target_utilisation)
    _bounded("deployment.bound_percentile", d.bound_percentile)
    if d.gpu_memory_utilization is not None:
        _num("deployment.gpu_memory_utilization", d.gpu_memory_utilization, 0.3, 0.99)
    if d.max_batch_size is not None:
        _num("deployment.max_batch_size", d.max_batch_size, MAX_BATCH_RANGE[0], MAX_BATCH_RANGE[1], integer=True)
    if d.max_num_batched_tokens is not None:
        lo, hi = STEP_TOKENS_RANGE
        _num("deployment.max_num_batched_tokens", d.max_num_batched_tokens, lo, hi, integer=True)
    if d.kv_cache_dtype not in KV_DTYPES:
        raise DataError(f"deployment.kv_cache_dtype: '{d.kv_cache_dtype}' must be one of {', '.join(KV_DTYPES)}.")
    families = set(load_hardware().families())
    for fam in d.instance_families:
        if fam not in families:
            raise DataError(
                f"deployment.instance_families: '{fam}' is unknown; use any of {', '.join(sorted(families))}."
            )
    precisions = set(load_backends().precisions)
    if not d.precisions:
        raise DataError("deployment.precisions: choose at least one precision to compare.")
    for p in d.precisions:
        if p not in precisions:
            raise DataError(f"deployment.precisions: '{p}' is unknown; use any of {', '.join(sorted(precisions))}.")
    if d.tensor_parallel is not None:
        tp = _num("deployment.tensor_parallel", d.tensor_parallel, 1, 1024, integer=True)
        if int(tp) & (int(tp) - 1) and int(tp) not in (12, 24, 32):
            # Tensor parallelism splits heads and devices evenly: powers of two, or a whole Neuron instance.
            raise DataError(
                f"deployment.tensor_parallel: {int(tp)} does not divide any instance's devices evenly; "
                "use 1, 2, 4 or 8 (or 12, 24, 32 NeuronCores)."
            )
    if not s.name or len(s.name) > 200:
        raise DataError("name: must be 1 to 200 characters.")
    _classes_and_load(s)
    if s.calibration is not None:
        from lmi_explorer.models.calibration.user import validate as validate_calibration

        validate_calibration(s.calibration)
