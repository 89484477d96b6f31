"""Which precisions a model is offered in: its checkpoint's own format is its full precision.

A model published in bf16 is compared at bf16 against every quantization. DeepSeek-V3/R1 are published
in block FP8 and gpt-oss in MXFP4 experts: their "full precision" is that format (the deployment's
full-precision choice, key ``bf16``, stands for it), and a wider format would be an up-cast that no one
deploys (1.3 TB of bf16 for DeepSeek-V3), so it is not offered.
"""

from __future__ import annotations

from lmi_explorer.models.reference.backends import Precision, load_backends
from lmi_explorer.models.reference.catalog import ModelSpec

#: the deployment's full-precision choice (the checkbox and scenario key kept from older files)
FULL_PRECISION_KEY = "bf16"
#: a checkpoint this narrow (bytes per weight) is only offered as published: re-quantizing a 4-bit
#: checkpoint into another 4-bit format is not a published path
FOUR_BIT = 0.6


def full_precision(model: ModelSpec) -> str:
    """The precision key of the model's own checkpoint (``bf16`` when the catalog does not say)."""
    key = model.checkpoint_precision or FULL_PRECISION_KEY
    return key if key in load_backends().precisions else FULL_PRECISION_KEY


def offered(model: ModelSpec, chosen: tuple[str, ...]) -> tuple[str, ...]:
    """The deployment's precisions for this model: the full-precision choice becomes its checkpoint's format."""
    full = full_precision(model)
    out = [full if p == FULL_PRECISION_KEY else p for p in chosen]
    return tuple(dict.fromkeys(out))


def _bytes(p: Precision) -> float:
    return p.weight_bytes + p.scale_bytes_per_weight


def upcast_reason(model: ModelSpec, precision: str) -> str:
    """Why ``precision`` is not offered for this model ('' when it is): it would widen the checkpoint."""
    full = full_precision(model)
    if precision == full or full == FULL_PRECISION_KEY:
        return ""
    ps = load_backends().precisions
    own, other = ps[full], ps[precision]
    if _bytes(own) < FOUR_BIT or _bytes(other) > _bytes(own):
        return (
            f"{model.name} is published in {own.label}; {other.label} would re-quantize or widen that "
            f"checkpoint, which is not a published path. Its full precision here is {own.label}."
        )
    return ""


__all__ = ["FULL_PRECISION_KEY", "full_precision", "offered", "upcast_reason"]
