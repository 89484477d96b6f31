"""What an engine's own start-up profiling takes from its memory budget before the KV cache.

vLLM sizes its cache as ``total × gpu_memory_utilization − weights − peak activation − non-torch``
(``determine_available_memory``); the activation and non-torch figures it logs are shipped per engine
version, model kind and accelerator in ``data/backends/memory_reserve.csv``. Where no row applies the
accelerator's ``runtime_reserve_gib`` stands in, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.backends import version_key
from lmi_explorer.models.tables import Column, missing, read_table
from lmi_explorer.models.units import GIB

if TYPE_CHECKING:
    from lmi_explorer.models.reference.backends import BackendData
    from lmi_explorer.models.reference.catalog import ModelSpec

MODEL_KINDS = ("dense", "moe", "multimodal")
RESERVE_SCHEMA: dict[str, Column] = {
    "backend": Column("str"),
    "from_version": Column("str"),
    "to_version": Column("str", required=False),
    "model_kind": Column("str", choices=MODEL_KINDS),
    "accelerators": Column("str"),
    "activation_gib": Column("float", minimum=0, maximum=1000),
    "cudagraph_gib": Column("float", minimum=0, maximum=1000),
    "non_torch_gib": Column("float", minimum=0, maximum=1000),
    "non_torch_tp_gib": Column("float", minimum=0, maximum=1000),
}


@dataclass(frozen=True, slots=True)
class MemoryReserve:
    """One row of ``memory_reserve.csv``: the engine's profiled reserve per device, in bytes.

    ``cudagraph_bytes`` is what the engine deducts for CUDA graphs before sizing the cache (0 where,
    as in vLLM by default, graphs are captured afterwards inside the unused headroom).
    """

    backend: str
    from_version: str
    to_version: str | None
    model_kind: str
    accelerators: tuple[str, ...]
    activation_bytes: float
    cudagraph_bytes: float
    non_torch_bytes: float
    non_torch_tp_bytes: float
    source: str
    as_of: str

    def bytes_per_device(self, tp: int) -> float:
        """Reserve of one device of a ``tp``-way group (NCCL buffers raise non-torch memory at TP > 1)."""
        non_torch = self.non_torch_tp_bytes if tp > 1 else self.non_torch_bytes
        return self.activation_bytes + self.cudagraph_bytes + non_torch

    def describe(self, tp: int, engine: str = "") -> str:
        """The reserve in words for the assumptions view (``engine``: the backend's display name)."""
        non_torch = self.non_torch_tp_bytes if tp > 1 else self.non_torch_bytes
        graphs = (
            f" + CUDA graphs {self.cudagraph_bytes / GIB:.2f} GiB"
            if self.cudagraph_bytes
            else " (CUDA graphs not counted: captured after the cache is sized)"
        )
        versions = f"{self.from_version}–{self.to_version}" if self.to_version else f"{self.from_version} or later"
        return (
            f"{self.bytes_per_device(tp) / GIB:.2f} GiB per device = peak activation "
            f"{self.activation_bytes / GIB:.2f} + non-torch {non_torch / GIB:.2f} GiB at TP {tp}{graphs}; "
            f"profile of {engine or self.backend} {versions}, {self.model_kind} models"
        )


@lru_cache(maxsize=1)
def load_memory_reserves() -> tuple[MemoryReserve, ...]:
    """Every row of ``data/backends/memory_reserve.csv``, checked (two rows may not overlap)."""
    table = read_table("backends/memory_reserve.csv", RESERVE_SCHEMA)
    rows = tuple(
        MemoryReserve(
            backend=r["backend"],
            from_version=r["from_version"],
            to_version=None if missing(r["to_version"]) else str(r["to_version"]),
            model_kind=r["model_kind"],
            accelerators=tuple(a for a in str(r["accelerators"]).split(";") if a),
            activation_bytes=r["activation_gib"] * GIB,
            cudagraph_bytes=r["cudagraph_gib"] * GIB,
            non_torch_bytes=r["non_torch_gib"] * GIB,
            non_torch_tp_bytes=r["non_torch_tp_gib"] * GIB,
            source=r["source"],
            as_of=r["as_of"] or "",
        )
        for r in table.records
    )
    seen: set[tuple[str, str, str, str]] = set()
    for i, r in enumerate(rows, start=2):
        for acc in r.accelerators:
            key = (r.backend, r.from_version, r.model_kind, acc)
            if key in seen:
                raise DataError(
                    f"data/backends/memory_reserve.csv: row {i}: a second row for {r.backend} "
                    f"{r.from_version}, {r.model_kind} models on '{acc}'."
                )
            seen.add(key)
    return rows


def model_kind(model: ModelSpec, bk: BackendData, registry: str | None, lmi: int) -> str:
    """``moe`` (more than one expert, multimodal MoE included), ``multimodal`` (the engine's registry
    of the release's version lists the architecture as multimodal) or ``dense``."""
    if model.experts > 1:
        return "moe"
    if registry and bk.registry_role(registry, bk.engine_version(registry, lmi), model.architecture) == "multimodal":
        return "multimodal"
    return "dense"


_FOR_CACHE: dict[tuple, MemoryReserve | None] = {}


def reserve_for(backend: str, version: str, kind: str, accelerator: str) -> MemoryReserve | None:
    """The row for a backend at an engine version, model kind and accelerator; None when none applies
    (the accelerator's ``runtime_reserve_gib`` then stands in)."""
    rows = load_memory_reserves()
    key = (id(rows), backend, version, kind, accelerator)
    if key in _FOR_CACHE:
        return _FOR_CACHE[key]
    hit = None
    if version:
        v = version_key(version)
        for r in rows:
            if (
                r.backend == backend
                and r.model_kind == kind
                and accelerator in r.accelerators
                and version_key(r.from_version) <= v
                and (r.to_version is None or v <= version_key(r.to_version))
            ):
                hit = r
                break
    _FOR_CACHE[key] = hit
    return hit


_ENGINE_CACHE: dict[tuple, MemoryReserve | None] = {}


def engine_reserve(model: ModelSpec, bk: BackendData, backend: str, lmi: int, accelerator: str) -> MemoryReserve | None:
    """The profiled reserve a backend of one LMI release applies to a model on an accelerator, or None.

    Memoised per loaded table set: the option grid asks once per backend and kind of instance.
    """
    key = (id(bk), backend, lmi, model.architecture, model.experts > 1, accelerator)
    if key in _ENGINE_CACHE:
        return _ENGINE_CACHE[key]
    registry = bk.backends[backend].registry
    hit = None
    if registry is not None:
        version = bk.engine_version(registry, lmi)
        hit = reserve_for(backend, version, model_kind(model, bk, registry, lmi), accelerator)
    _ENGINE_CACHE[key] = hit
    return hit
