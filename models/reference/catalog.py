"""The model catalog and custom models: the architecture facts the estimator needs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lmi_explorer.models import files
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text
from lmi_explorer.models.tables import Column, Table, missing, read_table

if TYPE_CHECKING:
    import pandas as pd

MODELS_CSV = "catalog/models.csv"

MODEL_SCHEMA: dict[str, Column] = {
    "model_id": Column("str"),
    "name": Column("str"),
    "family": Column("str"),
    "architecture": Column("str"),
    "model_type": Column("str"),
    "arch_class": Column("str", choices=("decoder-only", "encoder-decoder", "mixture-of-experts")),
    "params_billion": Column("float", minimum=0.001, maximum=100_000),
    "active_params_billion": Column("float", required=False, minimum=0.001, maximum=100_000),
    "layers": Column("int", minimum=1, maximum=10_000),
    "hidden_size": Column("int", minimum=1, maximum=1_000_000),
    "intermediate_size": Column("int", required=False, minimum=1),
    "heads": Column("int", minimum=1, maximum=10_000),
    "kv_heads": Column("int", minimum=1, maximum=10_000),
    "head_dim": Column("int", required=False, minimum=1, maximum=100_000),
    "vocab_size": Column("int", minimum=1, maximum=10_000_000),
    "context": Column("int", minimum=16, maximum=100_000_000),
    "experts": Column("int", required=False, minimum=1, maximum=100_000),
    "experts_per_token": Column("int", required=False, minimum=1, maximum=100_000),
    "tied_embeddings": Column("bool"),
    "kv_lora_rank": Column("int", required=False, minimum=1, maximum=100_000),
    "qk_rope_head_dim": Column("int", required=False, minimum=1, maximum=100_000),
    "released": Column("str", required=False),
    "checkpoint_precision": Column("str", required=False),
    "config": Column("str", required=False),
}

#: Published config.json files the catalog rows name in their ``config`` column (layer patterns, windows,
#: linear-attention state: what the row's columns cannot hold)
CONFIGS_DIR = "catalog/configs"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Architecture of one model, from its config.json (catalog) or typed in (custom).

    Parameters
    ----------
    params_billion : float
        Total unique parameters, in billions.
    context : int
        Maximum sequence length (input + output tokens).
    experts, experts_per_token : int
        Mixture-of-experts layout; 1 and 1 for dense models.
    """

    model_id: str
    name: str
    family: str
    architecture: str
    model_type: str
    params_billion: float
    layers: int
    hidden_size: int
    heads: int
    kv_heads: int
    vocab_size: int
    context: int
    head_dim: int = 0
    active_params_billion: float | None = None
    experts: int = 1
    experts_per_token: int = 1
    tied_embeddings: bool = False
    arch_class: str = "decoder-only"
    #: latent attention (MLA, DeepSeek V2/V3/R1): the cache holds one compressed latent of
    #: ``kv_lora_rank`` plus the ``qk_rope_head_dim`` rotary key per token and layer (0 = not MLA)
    kv_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    #: first public release, ``YYYY-MM`` (empty when not known)
    released: str = ""
    #: the precision key the checkpoint is published in (``bf16``; ``fp8`` for DeepSeek's block-FP8;
    #: ``mxfp4`` for gpt-oss): the model's "full precision"
    checkpoint_precision: str = "bf16"
    #: the published config.json as canonical JSON text, when the architecture needs more than the
    #: fields above (sliding windows, linear-attention state, per-layer geometry); read by
    #: ``model_architecture.architecture_of``
    config_json: str = field(default="", repr=False)
    #: the shipped config a catalog row names (``data/catalog/configs/``), read when first needed
    config_file: str = ""
    custom: bool = False
    source: str = ""
    as_of: str = ""
    notes: str = field(default="", compare=False)

    @property
    def has_config(self) -> bool:
        """Whether the architecture is read from a published config.json (see :func:`config_text`)."""
        return bool(self.config_json or self.config_file)

    @property
    def d_head(self) -> int:
        """Head dimension: config value, or hidden / heads."""
        return self.head_dim or max(1, self.hidden_size // self.heads)

    @property
    def params(self) -> float:
        """Total parameters (count)."""
        return self.params_billion * 1e9

    @property
    def active_params(self) -> float:
        """Parameters used per token (MoE: shared + top-k experts)."""
        if self.active_params_billion:
            return self.active_params_billion * 1e9
        return self.params

    @property
    def embedding_params(self) -> float:
        """Embedding plus LM-head parameters (kept 16-bit by quantized checkpoints)."""
        return self.vocab_size * self.hidden_size * (1 if self.tied_embeddings else 2)

    @property
    def expert_params(self) -> float:
        """Parameters in routed experts (0 for dense models); from total and active counts."""
        if self.experts <= 1 or self.experts_per_token >= self.experts or not self.active_params_billion:
            return 0.0
        per_expert = (self.params - self.active_params) / (self.experts - self.experts_per_token)
        return per_expert * self.experts

    @property
    def is_encoder_decoder(self) -> bool:
        return self.arch_class == "encoder-decoder"

    @property
    def label(self) -> str:
        """Short name for people: 'Llama-2-13b-hf (13.0B)'."""
        return f"{self.name} ({self.params_billion:.1f}B)"


def validate_spec(spec: ModelSpec) -> None:
    """Refuse impossible custom models with a message naming the field."""
    checks = [
        (spec.params_billion > 0, "params_billion", "must be above 0"),
        (spec.layers >= 1, "layers", "must be at least 1"),
        (spec.hidden_size >= 1, "hidden_size", "must be at least 1"),
        (spec.heads >= 1, "heads", "must be at least 1"),
        (1 <= spec.kv_heads <= spec.heads, "kv_heads", "must be between 1 and the number of heads"),
        (spec.heads % spec.kv_heads == 0, "kv_heads", "must divide the number of heads"),
        (spec.vocab_size >= 1, "vocab_size", "must be at least 1"),
        (spec.context >= 16, "context", "must be at least 16 tokens"),
        (spec.experts >= 1, "experts", "must be at least 1"),
        (1 <= spec.experts_per_token <= spec.experts, "experts_per_token", "must be between 1 and experts"),
    ]
    for ok, name, problem in checks:
        if not ok:
            raise DataError(f"model.{name}: {problem}.")
    if spec.embedding_params >= spec.params:
        raise DataError(
            "model.params_billion: smaller than the embeddings alone (vocab × hidden); check the units "
            "(billions of parameters)."
        )
    if spec.active_params_billion is not None and spec.active_params_billion > spec.params_billion:
        raise DataError("model.active_params_billion: cannot exceed params_billion.")


def config_text(spec: ModelSpec) -> str:
    """The model's config.json as canonical JSON text ('' when it has none)."""
    return spec.config_json or (_config_text(spec.config_file) if spec.config_file else "")


@lru_cache(maxsize=256)
def _config_text(name: str) -> str:
    """The shipped config.json a catalog row names, as canonical JSON text."""
    label = f"data/{CONFIGS_DIR}/{name}"
    try:
        obj = json.loads(read_text(files.data_root() / CONFIGS_DIR / name, label=label))
    except ValueError as exc:
        raise DataError(f"{label}: not valid JSON ({exc}).") from None
    return canonical_config(obj)


def canonical_config(obj: Any) -> str:
    """One text per config (sorted keys, no spaces), so equal configs give equal specs."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def _row_to_spec(row: dict) -> ModelSpec:
    def opt_int(v: Any, default: int) -> int:
        return default if missing(v) else int(v)

    active = row.get("active_params_billion")
    return ModelSpec(
        model_id=row["model_id"],
        name=row["name"],
        family=row["family"],
        architecture=row["architecture"],
        model_type=row["model_type"],
        params_billion=float(row["params_billion"]),
        layers=int(row["layers"]),
        hidden_size=int(row["hidden_size"]),
        heads=int(row["heads"]),
        kv_heads=int(row["kv_heads"]),
        vocab_size=int(row["vocab_size"]),
        context=int(row["context"]),
        head_dim=opt_int(row.get("head_dim"), 0),
        active_params_billion=None if active is None or missing(active) else float(active),
        experts=opt_int(row.get("experts"), 1),
        experts_per_token=opt_int(row.get("experts_per_token"), 1),
        tied_embeddings=bool(row["tied_embeddings"]),
        arch_class=row["arch_class"],
        kv_lora_rank=opt_int(row.get("kv_lora_rank"), 0),
        qk_rope_head_dim=opt_int(row.get("qk_rope_head_dim"), 0),
        released=row.get("released") or "",
        checkpoint_precision=row.get("checkpoint_precision") or "bf16",
        config_file=row.get("config") or "",
        source=row.get("source") or "",
        as_of=row.get("as_of") or "",
        notes=row.get("notes") or "",
    )


@dataclass(frozen=True)
class Catalog:
    """All catalog models, by id."""

    models: dict[str, ModelSpec]
    table: Table

    @property
    def frame(self) -> pd.DataFrame:
        """The catalog as a pandas frame (for listings)."""
        return self.table.frame

    def get(self, model_id: str) -> ModelSpec:
        try:
            return self.models[model_id]
        except KeyError:
            close = [m for m in self.models if model_id.lower() in m.lower()][:3]
            hint = f" Did you mean {', '.join(close)}?" if close else " See 'lmi-explorer catalog models'."
            raise DataError(f"model '{model_id}' is not in the catalog.{hint}") from None

    def search(self, text: str) -> list[ModelSpec]:
        """Models whose id, family or architecture contains ``text`` (case-insensitive)."""
        needle = text.lower().strip()
        return [
            m
            for m in self.models.values()
            if not needle
            or needle in m.model_id.lower()
            or needle in m.family.lower()
            or needle in m.architecture.lower()
        ]


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """Load and validate ``data/catalog/models.csv`` once."""
    frame = read_table(MODELS_CSV, MODEL_SCHEMA)
    models: dict[str, ModelSpec] = {}
    for i, row in enumerate(frame.records, start=2):
        spec = _row_to_spec(row)
        try:
            validate_spec(spec)
        except DataError as exc:
            raise DataError(f"data/{MODELS_CSV}: row {i}: {exc}") from None
        if spec.model_id in models:
            raise DataError(f"data/{MODELS_CSV}: row {i}, column 'model_id': duplicate '{spec.model_id}'.")
        models[spec.model_id] = spec
    return Catalog(models=models, table=frame)
