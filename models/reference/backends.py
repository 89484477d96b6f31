"""Inference backends per LMI release: architectures, precisions, containers, efficiency."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from lmi_explorer.models import files
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text
from lmi_explorer.models.reference.catalog import ModelSpec
from lmi_explorer.models.tables import Column, Table, missing, read_table

#: engines whose own model registry, per shipped version, says which architectures load
REGISTRIES = ("vllm",)
REGISTRY_ROLES = ("generation", "multimodal", "transformers", "removed")


def registry_schema(registry: str) -> dict[str, Column]:
    """Columns of ``data/backends/<registry>_registry.csv`` (one row per version and architecture)."""
    return {
        f"{registry}_version": Column("str"),
        "architecture": Column("str"),
        "role": Column("str", choices=REGISTRY_ROLES),
    }


BACKEND_SCHEMA: dict[str, Column] = {
    "backend": Column("str"),
    "name": Column("str"),
    "hardware": Column("str", choices=("gpu", "neuron")),
    "compiled": Column("bool"),
    "paged_kv": Column("bool"),
    "continuous_batching": Column("bool"),
    "parallelism": Column("str", choices=("tensor", "pipeline")),
    "memory_fraction": Column("float", minimum=0.05, maximum=1),
    "memory_mode": Column("str", choices=("total", "free_after_weights")),
    "weight_overhead": Column("float", minimum=0, maximum=2),
    "max_batch": Column("int", minimum=1, maximum=100_000),
    "tp_rule": Column("str", choices=("heads", "any", "neuron")),
    "from_lmi": Column("int", minimum=1, maximum=1000),
    "to_lmi": Column("int", required=False, minimum=1, maximum=1000),
    "registry": Column("str", required=False, choices=REGISTRIES),
    "accelerators": Column("str", required=False),
    "windows_from": Column("str", required=False),
    "token_budget": Column("int", required=False, minimum=16, maximum=1_000_000),
    "token_budget_large": Column("int", required=False, minimum=16, maximum=1_000_000),
    "max_batch_large": Column("int", required=False, minimum=1, maximum=1_000_000),
    "decode_bucket_min": Column("int", required=False, minimum=1, maximum=1_000_000),
}
SUPPORT_SCHEMA: dict[str, Column] = {
    "backend": Column("str"),
    "model_type": Column("str"),
    "from_lmi": Column("int", minimum=1, maximum=1000),
    "to_lmi": Column("int", required=False, minimum=1, maximum=1000),
    "continuous_batching": Column("bool", required=False),
}
QUANT_SCHEMA: dict[str, Column] = {
    "backend": Column("str"),
    "precision": Column("str"),
    "method": Column("str"),
    "compute": Column("str", choices=("fp16", "fp8", "int8", "fp4")),
    "from_lmi": Column("int", minimum=1, maximum=1000),
    "to_lmi": Column("int", required=False, minimum=1, maximum=1000),
    "model_types": Column("str", required=False),
    # math used where the accelerator lacks ``compute`` (weight-only kernels), and on which architectures
    "fallback": Column("str", required=False, choices=("fp16",)),
    "fallback_on": Column("str", required=False),
}
PRECISION_SCHEMA: dict[str, Column] = {
    "precision": Column("str"),
    "label": Column("str"),
    "weight_bytes": Column("float", minimum=0.1, maximum=8),
    "scale_bytes_per_weight": Column("float", minimum=0, maximum=1),
    "embeddings_16bit": Column("bool"),
    "full_precision": Column("bool"),
    "scope": Column("str", choices=("all", "experts")),
}
RELEASE_SCHEMA: dict[str, Column] = {
    "lmi_version": Column("int", minimum=1, maximum=1000),
    "djl_version": Column("str"),
    "released": Column("str"),
    "vllm": Column("str", required=False),
    "trtllm": Column("str", required=False),
    "neuron_sdk": Column("str", required=False),
}
CONTAINER_SCHEMA: dict[str, Column] = {
    "lmi_version": Column("int", minimum=1, maximum=1000),
    "backend": Column("str"),
    "container": Column("str"),
    "image": Column("str"),
}
EFFICIENCY_SCHEMA: dict[str, Column] = {
    "backend": Column("str"),
    "accelerator": Column("str"),
    "eta_bw": Column("float", minimum=0.01, maximum=1),
    "eta_f": Column("float", minimum=0.01, maximum=1),
    "step_overhead_ms": Column("float", minimum=0, maximum=1000),
    "eta_link": Column("float", required=False, minimum=0.01, maximum=1),
    "eta_kv": Column("float", required=False, minimum=0.01, maximum=1),
    "seq_overhead_us": Column("float", required=False, minimum=0, maximum=10_000),
    "first_token_ms": Column("float", required=False, minimum=0, maximum=10_000),
}

#: Architecture classes HF Accelerate loads for text generation (LMI HF Accelerate guide).
ACCELERATE_SUFFIXES = ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration")


class SupportLevel(Enum):
    """How a backend treats an architecture in one LMI release."""

    SUPPORTED = "supported"
    FALLBACK = "fallback"  # loads, but without optimisation (HF Accelerate)
    UNSUPPORTED = "not supported"
    NOT_YET = "not yet supported"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class Backend:
    backend: str
    name: str
    hardware: str
    compiled: bool
    paged_kv: bool
    continuous_batching: bool
    parallelism: str
    memory_fraction: float
    memory_mode: str
    weight_overhead: float
    max_batch: int
    tp_rule: str
    from_lmi: int
    to_lmi: int | None
    source: str
    registry: str | None = None  # engine whose model registry lists the architectures it loads
    accelerators: tuple[str, ...] = ()  # accelerator architectures it runs on; () = all of its kind
    #: engine version from which sliding-window / chunked-local layers keep only their window
    #: (vLLM's hybrid KV manager); None: every token is kept on them, as on full layers
    windows_from: str | None = None
    #: tokens one scheduler step carries (prefill chunks + decodes; vLLM ``max_num_batched_tokens``);
    #: None: whole prompts in one step, no chunking. ``_large`` on devices of 70 GiB or more but A100.
    token_budget: int | None = None
    token_budget_large: int | None = None
    max_batch_large: int | None = None
    #: compiled static shapes: decode attends over power-of-two buckets from this size up to the compiled
    #: sequence length (the whole bucket holding the position is read); None: over the tokens held
    decode_bucket_min: int | None = None

    def batch_limit(self, acc_memory_gib: float, acc_name: str) -> int:
        """Concurrent sequences per copy: ``max_batch``, or ``max_batch_large`` on 70 GiB+ parts but A100."""
        if acc_memory_gib >= 70 and "A100" not in acc_name and self.max_batch_large is not None:
            return self.max_batch_large
        return self.max_batch

    def step_budget(self, acc_memory_gib: float, acc_name: str) -> float:
        """Tokens per step on an accelerator (inf when the backend does not chunk prompts)."""
        if self.token_budget is None:
            return float("inf")
        if acc_memory_gib >= 70 and "A100" not in acc_name and self.token_budget_large is not None:
            return float(self.token_budget_large)
        return float(self.token_budget)

    def available(self, lmi: int) -> bool:
        return self.from_lmi <= lmi and (self.to_lmi is None or lmi <= self.to_lmi)

    def runs_on(self, architecture: str) -> bool:
        """Whether this backend runs on an accelerator architecture (NeuronX: NeuronCore-v2 only)."""
        return not self.accelerators or architecture in self.accelerators


@dataclass(frozen=True, slots=True)
class Precision:
    precision: str
    label: str
    weight_bytes: float
    scale_bytes_per_weight: float
    embeddings_16bit: bool
    full_precision: bool
    source: str
    #: what the format quantizes: ``all`` weights but the 16-bit embeddings, or only the routed
    #: ``experts`` (gpt-oss's MXFP4: attention, router, embeddings and LM head stay 16-bit)
    scope: str = "all"


@dataclass(frozen=True, slots=True)
class Support:
    """The answer to 'can backend B run model M in release R', with the reason in words."""

    level: SupportLevel
    reason: str
    continuous_batching: bool = True


@dataclass(frozen=True, slots=True)
class Efficiency:
    eta_bw: float
    eta_f: float
    step_overhead_s: float
    source: str
    calibrated: bool
    #: share of the device link's bandwidth the tensor-parallel all-reduce reaches, where a fit to
    #: measurements across TP degrees set it (None: the interconnect's own figure)
    eta_link: float | None = None
    #: share of peak bandwidth decode attention reaches reading the KV cache, where a fit to measurements
    #: across context lengths set it (None: the same as ``eta_bw``)
    eta_kv: float | None = None
    #: host time per running sequence per step, seconds (None: none fitted)
    seq_overhead_s: float | None = None
    #: fixed cost of a request's first token beyond its prompt's steps, seconds (None: none fitted)
    first_token_s: float | None = None

    @property
    def per_sequence_s(self) -> float:
        return self.seq_overhead_s or 0.0

    @property
    def first_token_extra_s(self) -> float:
        return self.first_token_s or 0.0

    @property
    def kv_efficiency(self) -> float:
        return self.eta_bw if self.eta_kv is None else self.eta_kv

    def summary(self) -> str:
        """The factors in words: ``η_bw 0.8, η_kv 0.49 (KV reads), η_f 0.5, step 4.2 ms, 20 µs per sequence``."""
        return factors_text(
            self.eta_bw,
            self.eta_f,
            self.step_overhead_s * 1000,
            self.eta_kv,
            None if self.seq_overhead_s is None else self.seq_overhead_s * 1e6,
            None if self.first_token_s is None else self.first_token_s * 1000,
            self.eta_link,
        )


def factors_text(
    eta_bw: float,
    eta_f: float,
    step_ms: float,
    eta_kv: float | None = None,
    seq_us: float | None = None,
    first_ms: float | None = None,
    eta_link: float | None = None,
) -> str:
    """Efficiency factors in words, the optional ones only where set (non-zero)."""
    parts = [f"η_bw {eta_bw:g}"]
    if eta_kv is not None:
        parts.append(f"η_kv {eta_kv:g} (KV reads)")
    parts += [f"η_f {eta_f:g}", f"step {step_ms:.2f} ms"]
    if seq_us:
        parts.append(f"{seq_us:g} µs per running sequence")
    if first_ms:
        parts.append(f"first token +{first_ms:g} ms")
    if eta_link is not None:
        parts.append(f"TP link {eta_link:g}")
    return ", ".join(parts)


# Lookups are memoised per loaded table set: the estimator asks the same questions on every tick.
_SUPPORT_CACHE: dict[tuple, Support] = {}
_WINDOWS_CACHE: dict[tuple, bool] = {}
_CONTAINER_CACHE: dict[tuple, tuple[str, str]] = {}
_METHOD_CACHE: dict[tuple, dict | None] = {}
_EFF_CACHE: dict[tuple, Efficiency] = {}
_QUANT_INDEX: dict[int, dict[tuple[str, str], list[dict]]] = {}
_EFF_INDEX: dict[int, dict[tuple[str, str], dict]] = {}
_LISTING_CACHE: dict[tuple, list[int]] = {}

#: registry roles under which an engine loads an architecture for text generation
LOADING_ROLES = ("generation", "multimodal", "transformers")
_ENGINE_NAMES = {"vllm": "vLLM", "trtllm": "TensorRT-LLM"}


@lru_cache(maxsize=4)
def _registry_index(registry: str) -> dict[str, dict[str, str]]:
    """{engine version: {architecture: role}} from ``data/backends/<registry>_registry.csv``, read on
    first use (about 4,000 rows: not on the way to the first window)."""
    index: dict[str, dict[str, str]] = {}
    if registry not in REGISTRIES:
        return index
    # three plain columns checked here, not cell by cell through the schema: the window asks for this
    # table on its way to the first paint (the support badges), and the generic reader takes 20 ms on it
    relpath = f"backends/{registry}_registry.csv"
    name = f"data/{relpath}"
    text = read_text(files.data_root() / relpath, label=name)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    want = list(registry_schema(registry))
    if header[: len(want)] != want:
        raise DataError(f"{name}: expected the columns {', '.join(want)} first, found {', '.join(header[:3])}.")
    rank = {r: i for i, r in enumerate(REGISTRY_ROLES)}
    for line_no, row in enumerate(reader, start=2):
        if len(row) != len(header):
            raise DataError(f"{name}: row {line_no} has {len(row)} cells but the header has {len(header)}.")
        version, arch, role = row[0], row[1], row[2]
        if role not in rank or not version or not arch:
            raise DataError(f"{name}: row {line_no}: expected a version, an architecture and one of {REGISTRY_ROLES}.")
        roles = index.setdefault(version, {})
        old = roles.get(arch)
        if old is None or rank[role] < rank[old]:
            roles[arch] = role
    return index


def version_key(version: str) -> tuple[int, ...]:
    """'0.10.2' → (0, 10, 2); a suffix such as 'rc1' or '.post1' is ignored."""
    parts = []
    for piece in version.split("."):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() < len(piece):
            break
    return tuple(parts)


def _opt_int(v: Any) -> int | None:
    return None if missing(v) else int(v)


def _in_range(lmi: int, frm: int, to: int | None) -> bool:
    return frm <= lmi and (to is None or lmi <= to)


@dataclass(frozen=True)
class BackendData:
    """Everything the app knows about backends, loaded once from ``data/backends``."""

    backends: dict[str, Backend]
    precisions: dict[str, Precision]
    support: Table
    quantization: Table
    releases: Table
    containers: Table
    efficiency: Table

    @property
    def lmi_versions(self) -> list[int]:
        return sorted(int(v) for v in self.releases["lmi_version"])

    @property
    def latest_lmi(self) -> int:
        return self.lmi_versions[-1]

    def release_label(self, lmi: int) -> str:
        rows = self.releases.where(lmi_version=lmi)
        djl = rows[0]["djl_version"] if rows else "?"
        return f"LMI v{lmi} ({djl})"

    def image_cuda(self, backend: str, lmi: int) -> float | None:
        """CUDA version a backend's image in a release is built for, from its tag ('…-cu128' → 12.8)."""
        image = self.container(backend, lmi)[1]
        tail = image.rsplit("-cu", 1)
        if len(tail) != 2:
            return None
        digits = "".join(ch for ch in tail[1] if ch.isdigit())[:3]
        return int(digits[:2]) + int(digits[2:] or 0) / 10 if len(digits) >= 3 else None

    def neuron_backend(self, lmi: int) -> str | None:
        """The backend serving Inferentia2/Trainium in a release: LMI's NeuronX up to v16, then AWS's
        Neuron vLLM container; None when the release has neither."""
        live = [b.backend for b in self.backends.values() if b.hardware == "neuron" and b.available(lmi)]
        return live[0] if live else None

    def dynamic_backend(self, lmi: int) -> str:
        """lmi-dist up to v14, vLLM from v15 (the guide's uneven-traffic pick)."""
        lmidist = self.backends["lmi-dist"]
        return "lmi-dist" if lmidist.available(lmi) else "vllm"

    def container(self, backend: str, lmi: int) -> tuple[str, str]:
        """(container name, image) for a backend in a release; ('', '') when none is documented."""
        key = (id(self), backend, lmi)
        hit = _CONTAINER_CACHE.get(key)
        if hit is None:
            rows = self.containers.where(backend=backend, lmi_version=lmi)
            hit = _CONTAINER_CACHE[key] = (str(rows[0]["container"]), str(rows[0]["image"])) if rows else ("", "")
        return hit

    def support_for(self, backend: str, model: ModelSpec, lmi: int) -> Support:
        """Support level of an architecture on a backend in one release, with the reason."""
        key = (backend, model.model_type, model.architecture, model.family, model.custom, lmi)
        hit = _SUPPORT_CACHE.get((id(self), *key))
        if hit is None:
            hit = _SUPPORT_CACHE[(id(self), *key)] = self._support_for(backend, model, lmi)
        return hit

    def engine_version(self, registry: str, lmi: int) -> str:
        """The version of an engine (``vllm``, ``trtllm``) that one LMI release ships; '' when none."""
        rows = self.releases.where(lmi_version=lmi)
        value = rows[0].get(registry) if rows else None
        return "" if missing(value) else str(value)

    def caps_windows(self, backend: str, lmi: int) -> bool:
        """Whether a backend in a release frees what falls out of a layer's window (§2.3/§2.4)."""
        key = (id(self), backend, lmi)
        hit = _WINDOWS_CACHE.get(key)
        if hit is None:
            b = self.backends[backend]
            version = "" if b.windows_from is None else self.engine_version(b.registry or backend, lmi)
            hit = _WINDOWS_CACHE[key] = bool(version) and version_key(version) >= version_key(b.windows_from or "")
        return bool(hit)

    def registry_role(self, registry: str, version: str, architecture: str) -> str | None:
        """How an engine version's model registry lists an architecture (generation, multimodal,
        transformers, removed), or None when it does not list it."""
        return _registry_index(registry).get(version, {}).get(architecture)

    def releases_listing(self, backend: str, architecture: str) -> list[int]:
        """LMI releases (ascending) whose engine loads ``architecture`` for ``backend``."""
        b = self.backends[backend]
        key = (id(self), backend, architecture)
        hit = _LISTING_CACHE.get(key)
        if hit is None:
            hit = _LISTING_CACHE[key] = [
                v
                for v in self.lmi_versions
                if b.available(v)
                and self.registry_role(b.registry or "", self.engine_version(b.registry or "", v), architecture)
                in LOADING_ROLES
            ]
        return hit

    def _support_for(self, backend: str, model: ModelSpec, lmi: int) -> Support:
        b = self.backends[backend]
        if not b.available(lmi):
            when = f"up to LMI v{b.to_lmi}" if b.to_lmi and lmi > b.to_lmi else f"from LMI v{b.from_lmi}"
            return Support(SupportLevel.RETIRED, f"{b.name} is not in LMI v{lmi} (available {when}).", False)
        if b.registry:
            return self._registry_support(b, model, lmi)
        rows = self.support.where(backend=backend)
        exact = [r for r in rows if r["model_type"] == model.model_type]
        if not exact and any(r["model_type"] == "*" for r in rows):
            if model.architecture.endswith(ACCELERATE_SUFFIXES):
                return Support(
                    SupportLevel.FALLBACK,
                    f"{b.name} loads any {model.architecture.split('For')[0] or model.architecture} "
                    f"text-generation class without optimisation.",
                    b.continuous_batching,
                )
            return Support(SupportLevel.UNSUPPORTED, f"{model.architecture} is not a text-generation class.", False)
        if not exact:
            return Support(
                SupportLevel.UNSUPPORTED,
                f"{b.name} does not list the '{model.model_type}' architecture.",
                False,
            )
        r = exact[0]
        frm, to = int(r["from_lmi"]), _opt_int(r["to_lmi"])
        if lmi < frm:
            return Support(SupportLevel.NOT_YET, f"{b.name} supports '{model.model_type}' from LMI v{frm}.", False)
        if to is not None and lmi > to:
            return Support(SupportLevel.RETIRED, f"{b.name} dropped '{model.model_type}' after LMI v{to}.", False)
        cb = r["continuous_batching"]
        cont = b.continuous_batching if missing(cb) else bool(cb)
        how = "continuous batching" if cont else "static batching"
        return Support(SupportLevel.SUPPORTED, f"{b.name} supports '{model.model_type}' ({how}).", cont)

    def _registry_support(self, b: Backend, model: ModelSpec, lmi: int) -> Support:
        """Support read from the engine's own model registry of the version this release ships."""
        engine = _ENGINE_NAMES.get(b.registry or "", b.name)
        version = self.engine_version(b.registry or "", lmi)
        arch = model.architecture
        where = f"{engine} {version} (LMI v{lmi})"
        role = self.registry_role(b.registry or "", version, arch)
        cont = b.continuous_batching
        if role == "generation":
            return Support(SupportLevel.SUPPORTED, f"{where} lists {arch} in its model registry.", cont)
        if role == "multimodal":
            return Support(
                SupportLevel.SUPPORTED,
                f"{where} lists {arch} among its multimodal models (the text model generates).",
                cont,
            )
        if role == "transformers":
            return Support(
                SupportLevel.FALLBACK,
                f"{where} serves {arch} through its Transformers backend, slower than a native implementation.",
                cont,
            )
        listing = self.releases_listing(b.backend, arch)
        label = arch if model.custom or not model.family else model.family
        later = [v for v in listing if v > lmi]
        if later:
            first = later[0]
            return Support(
                SupportLevel.NOT_YET,
                f"{where} does not list {arch}; {label} needs LMI v{first} or later "
                f"({engine} {self.engine_version(b.registry or '', first)}).",
                False,
            )
        if listing:
            last = listing[-1]
            removed = " (listed as previously supported)" if role == "removed" else ""
            return Support(
                SupportLevel.RETIRED,
                f"{where} no longer lists {arch}{removed}; the last release that does is LMI v{last}.",
                False,
            )
        versions = self.lmi_versions
        return Support(
            SupportLevel.UNSUPPORTED,
            f"No {engine} shipped in LMI v{versions[0]}–v{versions[-1]} lists {arch} in its model registry.",
            False,
        )

    def precision_method(self, backend: str, precision: str, model: ModelSpec, lmi: int) -> dict | None:
        """The quantization row (as a dict) that lets ``backend`` run ``precision`` for this model."""
        return self.precision_method_for(backend, precision, model.model_type, lmi)

    def precision_method_for(self, backend: str, precision: str, model_type: str, lmi: int) -> dict | None:
        """``precision_method`` by the one model fact the quantization table is keyed on."""
        key = (id(self), backend, precision, model_type, lmi)
        if key not in _METHOD_CACHE:
            _METHOD_CACHE[key] = self._precision_method(backend, precision, model_type, lmi)
        return _METHOD_CACHE[key]

    def _precision_method(self, backend: str, precision: str, model_type: str, lmi: int) -> dict | None:
        index = _QUANT_INDEX.get(id(self))
        if index is None:  # one pass over the table instead of a filtered frame per lookup
            index = _QUANT_INDEX[id(self)] = {}
            for r in self.quantization.records:
                index.setdefault((r["backend"], r["precision"]), []).append(r)
        for r in index.get((backend, precision), []):
            if not _in_range(lmi, int(r["from_lmi"]), _opt_int(r["to_lmi"])):
                continue
            types = r["model_types"]
            if not missing(types) and types and model_type not in str(types).split(";"):
                continue
            return r
        return None

    def efficiency_for(self, backend: str, accelerator: str) -> Efficiency:
        """Efficiency factors: exact (backend, accelerator) row, else the backend's '*' row."""
        key = (id(self), backend, accelerator)
        if key not in _EFF_CACHE:
            _EFF_CACHE[key] = self._efficiency_for(backend, accelerator)
        return _EFF_CACHE[key]

    def _efficiency_for(self, backend: str, accelerator: str) -> Efficiency:
        index = _EFF_INDEX.get(id(self))
        if index is None:  # first row per (backend, accelerator), as the filtered frame's first row was
            index = _EFF_INDEX[id(self)] = {}
            for row in self.efficiency.records:
                index.setdefault((row["backend"], row["accelerator"]), row)
        r = index.get((backend, accelerator))
        calibrated = r is not None
        if r is None:
            r = index.get((backend, "*"))
        if r is None:
            raise DataError(f"data/backends/efficiency.csv: no row for backend '{backend}'.")
        link = r.get("eta_link")
        kv = r.get("eta_kv")
        seq = r.get("seq_overhead_us")
        first = r.get("first_token_ms")
        return Efficiency(
            float(r["eta_bw"]),
            float(r["eta_f"]),
            float(r["step_overhead_ms"]) / 1000,
            str(r["source"]),
            calibrated,
            None if link is None or missing(link) else float(link),
            None if kv is None or missing(kv) else float(kv),
            None if seq is None or missing(seq) else float(seq) / 1e6,
            None if first is None or missing(first) else float(first) / 1e3,
        )


def _check_refs(table: Table, name: str, col: str, known: set[str]) -> None:
    for i, v in enumerate(table[col], start=2):
        if v not in known:
            raise DataError(f"data/backends/{name}: row {i}, column '{col}': unknown '{v}'.")


@lru_cache(maxsize=1)
def load_backends() -> BackendData:
    """Load and cross-check every backend table."""
    bframe = read_table("backends/backends.csv", BACKEND_SCHEMA)
    backends = {
        r["backend"]: Backend(
            backend=r["backend"],
            name=r["name"],
            hardware=r["hardware"],
            compiled=r["compiled"],
            paged_kv=r["paged_kv"],
            continuous_batching=r["continuous_batching"],
            parallelism=r["parallelism"],
            memory_fraction=r["memory_fraction"],
            memory_mode=r["memory_mode"],
            weight_overhead=r["weight_overhead"],
            max_batch=r["max_batch"],
            tp_rule=r["tp_rule"],
            from_lmi=r["from_lmi"],
            to_lmi=_opt_int(r["to_lmi"]),
            source=r["source"],
            registry=None if missing(r["registry"]) else str(r["registry"]),
            accelerators=() if missing(r["accelerators"]) else tuple(str(r["accelerators"]).split(";")),
            windows_from=None if missing(r["windows_from"]) else str(r["windows_from"]),
            token_budget=_opt_int(r["token_budget"]),
            token_budget_large=_opt_int(r["token_budget_large"]),
            max_batch_large=_opt_int(r["max_batch_large"]),
            decode_bucket_min=_opt_int(r["decode_bucket_min"]),
        )
        for r in bframe.records
    }
    pframe = read_table("backends/precisions.csv", PRECISION_SCHEMA)
    precisions = {
        r["precision"]: Precision(
            r["precision"],
            r["label"],
            r["weight_bytes"],
            r["scale_bytes_per_weight"],
            r["embeddings_16bit"],
            r["full_precision"],
            r["source"],
            r["scope"],
        )
        for r in pframe.records
    }
    support = read_table("backends/support.csv", SUPPORT_SCHEMA)
    quant = read_table("backends/quantization.csv", QUANT_SCHEMA)
    releases = read_table("backends/releases.csv", RELEASE_SCHEMA)
    containers = read_table("backends/containers.csv", CONTAINER_SCHEMA)
    efficiency = read_table("backends/efficiency.csv", EFFICIENCY_SCHEMA)
    names = set(backends)
    for frame, fname in (
        (support, "support.csv"),
        (quant, "quantization.csv"),
        (containers, "containers.csv"),
        (efficiency, "efficiency.csv"),
    ):
        _check_refs(frame, fname, "backend", names)
    _check_refs(quant, "quantization.csv", "precision", set(precisions))
    return BackendData(backends, precisions, support, quant, releases, containers, efficiency)


def diagram_json() -> dict:
    """The decision diagram as shipped (nodes and edges)."""
    from lmi_explorer.models.files import read_json

    data = read_json("decision/diagram.json")
    if not isinstance(data, dict) or "nodes" not in data or "edges" not in data:
        raise DataError("data/decision/diagram.json: expected an object with 'nodes' and 'edges'.")
    ids = {n["id"] for n in data["nodes"]}
    for i, e in enumerate(data["edges"]):
        for end in ("from", "to"):
            if e.get(end) not in ids:
                raise DataError(f"data/decision/diagram.json: edges[{i}].{end}: unknown node '{e.get(end)}'.")
    return json.loads(json.dumps(data))


def support_listing(bk: BackendData, models: list[ModelSpec]) -> list[dict[str, str]]:
    """First LMI release with support, per architecture and backend (``catalog backends``).

    Rows: every ``model_type`` a backend's own list names, and every catalog model's architecture;
    a registry backend (vLLM) answers for the architecture, the others for the ``model_type``.
    """
    pairs: dict[tuple[str, str], None] = {}
    for m in models:
        pairs[(m.model_type, m.architecture)] = None
    for t in bk.support["model_type"]:
        if t != "*" and not any(k[0] == t for k in pairs):
            pairs[(str(t), "")] = None
    rows = []
    for mtype, arch in sorted(pairs):
        row = {"model_type": mtype, "architecture": arch}
        for b in bk.backends.values():
            if b.registry:
                first = bk.releases_listing(b.backend, arch) if arch else []
                row[b.backend] = f"v{first[0]}+" if first else ""
                continue
            got = [r for r in bk.support.where(backend=b.backend) if r["model_type"] in (mtype, "*")]
            exact = [r for r in got if r["model_type"] == mtype] or got
            if not exact:
                row[b.backend] = ""
                continue
            r = exact[0]
            frm, to = int(r["from_lmi"]), _opt_int(r["to_lmi"])
            row[b.backend] = f"v{frm}+" if to is None else f"v{frm}–v{to}"
        rows.append(row)
    return rows


def release_listing(bk: BackendData) -> list[dict[str, str]]:
    """One row per LMI release: engines, images, date and what changed (``catalog releases``)."""
    changes = _release_changes()
    rows = []
    for v in reversed(bk.lmi_versions):
        r = bk.releases.where(lmi_version=v)[0]
        rows.append(
            {
                "lmi": f"v{v}",
                "djl_serving": str(r["djl_version"]),
                "released": str(r["released"]),
                "vllm": "" if missing(r["vllm"]) else str(r["vllm"]),
                "trtllm": "" if missing(r["trtllm"]) else str(r["trtllm"]),
                "neuron_sdk": "" if missing(r["neuron_sdk"]) else str(r["neuron_sdk"]),
                "image": bk.container(bk.dynamic_backend(v), v)[1],
                "changes": "; ".join(c["change"] for c in changes.get(v, [])),
            }
        )
    return rows


CHANGE_SCHEMA: dict[str, Column] = {
    "lmi_version": Column("int", minimum=1, maximum=1000),
    "kind": Column("str", choices=("backend", "feature", "quantization", "model", "caveat")),
    "change": Column("str"),
}


@lru_cache(maxsize=1)
def _release_changes() -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r in read_table("backends/release_changes.csv", CHANGE_SCHEMA).records:
        out.setdefault(int(r["lmi_version"]), []).append(r)
    return out


def release_changes(lmi: int) -> list[tuple[str, str]]:
    """(kind, change) rows that matter to an architect for one release, in file order."""
    return [(str(r["kind"]), str(r["change"])) for r in _release_changes().get(lmi, [])]


def release_summary(bk: BackendData, lmi: int) -> str:
    """A few lines about a release for the release picker's tooltip and the assumptions view."""
    r = bk.releases.where(lmi_version=lmi)[0]
    engines = []
    for col, name in (("vllm", "vLLM"), ("trtllm", "TensorRT-LLM"), ("neuron_sdk", "Neuron SDK")):
        if not missing(r[col]):
            engines.append(f"{name} {r[col]}")
    backends = [b.name for b in bk.backends.values() if b.available(lmi)]
    lines = [
        f"LMI v{lmi} (DJL-Serving {r['djl_version']}), released {r['released']}",
        "Engines: " + ", ".join(engines),
        "Backends: " + ", ".join(backends),
    ]
    nb = bk.neuron_backend(lmi)
    lmi_neuron = [b for b in bk.backends.values() if b.hardware == "neuron" and b.registry is None and b.to_lmi]
    last = max((b.to_lmi or 0) for b in lmi_neuron) if lmi_neuron else 0
    if nb is None:
        lines.append(f"No Neuron (Inferentia2/Trainium) backend: the last LMI release with one is v{last}.")
    elif not bk.backends[nb].to_lmi and last and lmi > last:
        lines.append(f"Neuron: {bk.backends[nb].name}, AWS's own container (LMI's last NeuronX release is v{last})")
    lines += [f"• {change}" for _, change in release_changes(lmi)]
    return "\n".join(lines)


def architecture_listing(bk: BackendData, lmi: int) -> list[dict[str, str]]:
    """Every architecture the release's vLLM registry lists, with the first LMI release listing it."""
    version = bk.engine_version("vllm", lmi)
    roles = _registry_index("vllm").get(version, {})
    rows = []
    for arch in sorted(roles):
        role = roles[arch]
        first = bk.releases_listing("vllm", arch)
        rows.append(
            {
                "architecture": arch,
                "role": role,
                "first_lmi": f"v{first[0]}" if first else "",
                "loads_here": "yes" if role in LOADING_ROLES else "no",
            }
        )
    return rows


def known_architectures() -> list[str]:
    """Every architecture name some shipped vLLM's registry lists (for the custom-model editor)."""
    names: set[str] = set()
    for roles in _registry_index("vllm").values():
        names.update(a for a, role in roles.items() if role in LOADING_ROLES)
    return sorted(names)
