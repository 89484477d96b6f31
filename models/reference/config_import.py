"""A model from its config.json, for the custom-model editor: what the estimator can size today.

The estimator sizes KV as plain attention (every layer holds ``2 × kv_heads × head_dim`` values per
token) or as latent attention (MLA: one ``kv_lora_rank + qk_rope_head_dim`` latent per token and
layer). A config with sliding-window or chunked-local layers, linear-attention / state-space layers,
or an attention ``hf_config`` could not model would come out wrong by a large factor, so it is refused
with the factor named rather than imported as if it were plain GQA.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.architecture import Architecture, kv_bytes_per_token
from lmi_explorer.models.reference.catalog import ModelSpec
from lmi_explorer.models.reference.hf_config import ParsedModel, parse_config


@dataclass(frozen=True)
class ImportedConfig:
    """A config the estimator can size: the spec, and the checkpoint's own weight format."""

    spec: ModelSpec
    precision: str
    parsed: ParsedModel


def _unplain(arch: Architecture) -> list[str]:
    """What in an architecture the plain-attention estimate would get wrong."""
    what = []
    kinds = {g.kind for g in arch.groups}
    if kinds & {"sliding", "chunked"}:
        what.append("sliding-window or chunked-local layers")
    if "linear" in kinds or any(g.state is not None for g in arch.groups):
        what.append("linear-attention / state-space layers")
    if "mlp" in kinds:
        what.append("layers without attention")
    if not arch.modelled:
        what.append("an attention the model import cannot size")
    return what


def import_config(text: str | bytes, name: str) -> ImportedConfig:
    """Parse a config.json into a custom model, or refuse it with a message that says why and what to do."""
    parsed = parse_config(text, name=name)
    arch = parsed.arch
    problems = _unplain(arch)
    if problems:
        context = min(parsed.context, 32_768)
        real = float(kv_bytes_per_token(arch, context))
        plain = 2.0 * parsed.layers * parsed.kv_heads * parsed.head_dim * 2
        factor = f" (about {plain / real:,.1f}× its real size at {context:,} tokens)" if real > 0 else ""
        raise DataError(
            f"{name}: {parsed.architecture} uses {', '.join(problems)}, which the estimate does not size yet: its "
            f"KV cache would come out as plain attention{factor}. Not imported; pick a catalog model or a "
            "plain-attention config."
        )
    spec = parsed.to_model_spec(model_id="custom", family=parsed.text_model_type)
    a = arch.attention
    latent = (a.kv_lora_rank, a.qk_rope_head_dim) if a.kind == "mla" else (0, 0)
    spec = replace(
        spec,
        custom=True,
        kv_lora_rank=latent[0],
        qk_rope_head_dim=latent[1],
        source=f"config.json: {name}",
        notes=f"checkpoint weights: {parsed.precision}",
    )
    return ImportedConfig(spec, parsed.precision, parsed)
