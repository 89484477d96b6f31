"""A model from its config.json, as a custom model: the custom-model editor, File ▸ Import model, the CLI.

The spec carries the config itself (``ModelSpec.config_json``), so the estimate sizes the model from its
architecture (``model_architecture.architecture_of``): sliding-window and chunked-local layers up to their
window, linear-attention / state-space layers by their state per sequence, latent attention by its latent.
What ``hf_config`` reads only in part (``arch.modelled`` False: DeepSeek-V4's compressed KV, MiniMax-M3's
sparse attention, …) or reads with an assumption (a padding not counted, a tower estimated from its widths)
is imported with one warning that names it, never as a silent plain-GQA answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from lmi_explorer.models.reference.catalog import ModelSpec, canonical_config
from lmi_explorer.models.reference.hf_config import ParsedModel, parse_config

if TYPE_CHECKING:
    from lmi_explorer.models.reference.hf_files import CheckpointFacts


@dataclass(frozen=True)
class ImportedConfig:
    """An imported model: the spec, the checkpoint's own weight format, and what the estimate approximates.

    Parameters
    ----------
    precision : str
        The checkpoint's weight format as the config describes it (``"fp8 e4m3 block 128x128"``); the
        precision key the estimate uses is ``spec.checkpoint_precision`` (``"fp8"``).
    warning : str
        One message naming what is approximated and what was assumed; empty when nothing is.
    """

    spec: ModelSpec
    precision: str
    parsed: ParsedModel
    warning: str = ""


def precision_key(precision: str) -> str:
    """The precision key (``bf16``, ``fp8``, ``mxfp4``, ``nvfp4``, ``int8``, ``gptq``, ``awq``) of a checkpoint format.

    ``"fp8 e4m3 block 128x128"`` → ``fp8``; ``"int4 group 32 (compressed-tensors pack-quantized)"`` → ``gptq``
    (int4 weights with a scale per group, as GPTQ); 16- and 32-bit formats → ``bf16`` (the full precision).
    """
    p = precision.lower()
    if "mxfp4" in p:
        return "mxfp4"
    if "nvfp4" in p or p.startswith("mixed (modelopt"):
        return "nvfp4"
    if "awq" in p:
        return "awq"
    if p.startswith(("fp8", "float8")) or "fbgemm_fp8" in p:
        return "fp8"
    if p.startswith("int8") or "bitsandbytes_8bit" in p:
        return "int8"
    if p.startswith(("int4", "uint4", "gptq")) or "gptq" in p:
        return "gptq"
    return "bf16"


def _warning(name: str, parsed: ParsedModel, extra: list[str]) -> str:
    arch = parsed.arch
    notes = list(arch.assumptions)
    approximated = ""
    if not arch.modelled and notes:
        approximated = notes.pop(0)
    assumed = notes + extra
    if not approximated and not assumed:
        return ""
    parts = [f"{name} ({parsed.architecture}):"]
    if approximated:
        parts.append(f"approximated: {approximated}.")
    if assumed:
        parts.append(f"Assumed: {'; '.join(assumed)}.")
    return " ".join(parts)


def import_config(
    text: str | bytes,
    name: str,
    *,
    checkpoint: CheckpointFacts | None = None,
    source: str = "",
) -> ImportedConfig:
    """Read a config.json into a custom model that carries the config, for the estimate to size.

    Parameters
    ----------
    text : str or bytes
        The config.json.
    name : str
        The model's name ('Qwen3-32B').
    checkpoint : CheckpointFacts, optional
        The checkpoint's own parameter count and weight format (``hf_files.checkpoint_facts``): used for
        ``params_billion`` and ``checkpoint_precision`` in place of the values derived from the config.
    source : str
        Where the config came from ('model folder: Qwen3-32B'); default ``config.json: <name>``.

    Raises
    ------
    DataError
        Malformed JSON, an unknown ``model_type`` or a missing field: ``parse_config``'s message.
    """
    parsed = parse_config(text, name=name)  # malformed JSON and missing fields: its one clear message
    config = json.loads(text)
    arch = parsed.arch
    spec = parsed.to_model_spec(model_id="custom", family=parsed.text_model_type)
    a = arch.attention
    latent = (a.kv_lora_rank, a.qk_rope_head_dim) if a.kind == "mla" else (0, 0)
    key = precision_key(parsed.precision)
    extra: list[str] = []
    if parsed.precision.startswith("mixed (modelopt"):
        extra.append("the modelopt mixed-precision checkpoint taken as NVFP4 throughout")
    notes = [f"checkpoint weights: {parsed.precision}"]
    params_billion = spec.params_billion
    if checkpoint is not None and checkpoint.precision and checkpoint.precision != key:
        notes.append(f"weights stored as {checkpoint.precision} (from {checkpoint.how}), not {key}")
        key = checkpoint.precision
    elif "no quantization_config" in parsed.precision:
        extra.append(
            "weights taken as bf16: config.json has no quantization_config although the name says a quantized "
            "checkpoint (import the model's folder to read its hf_quant_config.json or safetensors headers)"
        )
    if checkpoint is not None and checkpoint.params > 0:
        derived = spec.params_billion
        counted = checkpoint.params / 1e9
        if counted >= (spec.active_params_billion or 0.0):
            params_billion = counted
            notes.append(
                f"parameter count {counted:.3f}B from the checkpoint ({checkpoint.how}); "
                f"{derived:.3f}B derived from config.json"
            )
    notes.extend(arch.assumptions)
    spec = replace(
        spec,
        custom=True,
        params_billion=params_billion,
        kv_lora_rank=latent[0],
        qk_rope_head_dim=latent[1],
        checkpoint_precision=key,
        config_json=canonical_config(config),
        source=source or f"config.json: {name}",
        notes="; ".join(notes),
    )
    return ImportedConfig(spec, parsed.precision, parsed, _warning(name, parsed, extra))


__all__ = ["ImportedConfig", "import_config", "precision_key"]
