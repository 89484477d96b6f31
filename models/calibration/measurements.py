"""What a load test measured, in one shape whatever tool produced it.

A :class:`Measurement` is one closed-loop run: N concurrent clients against one deployment, with
the mean lengths and the mean TTFT, TPOT and output throughput the tool reported. The importers
(:mod:`models.importers`) turn each tool's result file into these; the comparison
(:mod:`models.parity`) and the fit (:mod:`models.fitting`) read nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from lmi_explorer.models.errors import DataError

if TYPE_CHECKING:
    from lmi_explorer.models.scenario import Scenario

#: The compared metrics, in the units the app shows them.
METRICS = ("ttft_s", "tpot_ms", "output_tokens_per_s")
METRIC_LABELS = {
    "ttft_s": "time to first token (s)",
    "tpot_ms": "time per output token (ms)",
    "output_tokens_per_s": "output tokens/s (all clients)",
}

#: Spellings of backends and precisions that load-test files and people use, mapped to the app's names.
BACKEND_ALIASES = {
    "tensorrt-llm": "trtllm",
    "tensorrt_llm": "trtllm",
    "tensorrtllm": "trtllm",
    "trt-llm": "trtllm",
    "lmi_dist": "lmi-dist",
    "lmidist": "lmi-dist",
    "transformers-neuronx": "tnx",
    "transformers_neuronx": "tnx",
    "neuronx": "tnx",
    "hf_accelerate": "hf-accelerate",
    "accelerate": "hf-accelerate",
}
PRECISION_ALIASES = {
    "fp16": "bf16",
    "float16": "bf16",
    "bfloat16": "bf16",
    "half": "bf16",
    "16bit": "bf16",
    "awq_int4": "awq",
    "gptq_int4": "gptq",
    "float8": "fp8",
}


@dataclass(frozen=True, slots=True)
class Measurement:
    """One closed-loop load-test result.

    Deployment facts the tool does not record (instance, backend, precision, TP, sometimes the model or
    the prompt length) are ``None`` until given by the user; each metric is ``None`` when not measured.

    Parameters
    ----------
    label : str
        Short name for tables and charts (file, run and concurrency).
    model : str | None
        Model id as the tool reported it, kept as written; :func:`resolve_model` says which model it is.
    instance, backend, precision : str | None
        Instance type (``g5.12xlarge``; a SageMaker ``ml.`` prefix is dropped), backend
        (``vllm``, ``lmi-dist``, ``trtllm``, ``tnx`` …) and precision (``bf16``, ``fp8``, ``int8``, ``awq``, ``gptq``).
    tensor_parallel : int | None
        Tensor-parallel degree of the one model copy measured.
    concurrency : int
        Concurrent clients (each sends its next request when the previous one finished).
    input_tokens, output_tokens : float | None
        Mean prompt and generated lengths per request.
    ttft_s : float | None
        Mean time to first token, seconds.
    tpot_ms : float | None
        Mean time per output token after the first, milliseconds.
    output_tokens_per_s : float | None
        Generated tokens per second over all clients.
    source : str
        Where it came from: file name and tool.
    note : str
        Caveats the importer found (e.g. words counted instead of tokens).
    """

    label: str
    model: str | None
    instance: str | None
    backend: str | None
    precision: str | None
    tensor_parallel: int | None
    concurrency: int
    input_tokens: float | None
    output_tokens: float | None
    ttft_s: float | None
    tpot_ms: float | None
    output_tokens_per_s: float | None
    source: str = ""
    note: str = ""

    def metrics(self) -> dict[str, float]:
        """The measured metrics (name → value), leaving out those not measured."""
        return {m: v for m in METRICS if (v := getattr(self, m)) is not None}


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What the user says about a run the file does not record; ``None`` = not given.

    The GUI asks for these, defaulting to the scenario's current choices; a file's own values win.
    """

    model: str | None = None
    instance: str | None = None
    backend: str | None = None
    precision: str | None = None
    tensor_parallel: int | None = None
    input_tokens: float | None = None
    concurrency: int | None = None


def normalise_instance(name: str | None) -> str | None:
    """``ml.g5.12xlarge`` (SageMaker) and `` G5.12XLARGE `` both mean ``g5.12xlarge``."""
    if name is None:
        return None
    text = name.strip().lower()
    return text.removeprefix("ml.") or None


def normalise_backend(name: str | None) -> str | None:
    if name is None:
        return None
    text = name.strip().lower()
    return BACKEND_ALIASES.get(text, text) or None


def normalise_precision(name: str | None) -> str | None:
    if name is None:
        return None
    text = name.strip().lower()
    return PRECISION_ALIASES.get(text, text) or None


def with_facts(m: Measurement, facts: RunFacts | None) -> Measurement:
    """Fill the facts the measurement lacks from ``facts`` (the file's own values are kept)."""
    if facts is None:
        return m
    changes: dict[str, Any] = {}
    for name in ("model", "instance", "backend", "precision", "tensor_parallel"):
        if getattr(m, name) is None and getattr(facts, name) is not None:
            changes[name] = getattr(facts, name)
    if m.input_tokens is None and facts.input_tokens is not None:
        changes["input_tokens"] = float(facts.input_tokens)
    out = replace(m, **changes) if changes else m
    return replace(
        out,
        instance=normalise_instance(out.instance),
        backend=normalise_backend(out.backend),
        precision=normalise_precision(out.precision),
    )


# --------------------------------------------------------------------------- which model a run measured

#: The reason a run naming a model the app does not know is not estimated (never as the scenario's model).
UNKNOWN_MODEL = (
    "model '{name}' is not in the catalog: import its config.json (File ▸ Import model…) "
    "or name the model this run used (--model ID)"
)


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The model a measurement is estimated with, or why it has none.

    Parameters
    ----------
    model_id : str | None
        Catalog id to estimate the run with; ``None`` for the scenario's own model when that is a custom
        (imported) one, and when ``reason`` is set.
    label : str
        The model as tables show it: the catalog id, the custom model's name, or the name the file gives.
    own : bool
        Whether it is the scenario's model.
    note : str
        What was assumed (the tool recorded no model, a path or another organisation's copy taken as a
        catalog model); empty when nothing was.
    reason : str
        Why the run cannot be estimated (a model the app does not know, an ambiguous name); empty when it can.
    """

    model_id: str | None
    label: str
    own: bool
    note: str = ""
    reason: str = ""


def _model_key(name: str) -> str:
    return name.strip().lower().removeprefix("huggingface/")


def _tail(key: str) -> str:
    """The model's name without its organisation or folder: 'meta-llama/llama-2-13b-hf' → 'llama-2-13b-hf'."""
    return key.rstrip("/").rsplit("/", 1)[-1]


def resolve_model(name: str | None, scenario: Scenario) -> ModelChoice:
    """Which model a measurement naming ``name`` ran, for a scenario; never the scenario's by default.

    - nothing recorded (``None`` or blank): the scenario's model, said in ``note``;
    - the scenario's custom model, by its ``model_id`` or name (case-insensitive, with or without an
      organisation or folder in front);
    - a catalog id, or a name matching one catalog model's id or name unambiguously (same rules);
    - anything else: ``reason`` = :data:`UNKNOWN_MODEL` (or the catalog models an ambiguous name matches).

    Parameters
    ----------
    name : str | None
        The model as the load-test file (or the user) gives it.
    scenario : Scenario
        The scenario the measurement is compared in: its model, catalog or custom.
    """
    from lmi_explorer.models.reference.catalog import load_catalog

    custom = scenario.custom_model
    own_label = custom.name if custom is not None else (scenario.model_id or "")
    text = (name or "").strip()
    if not text:
        return ModelChoice(
            scenario.model_id if custom is None else None,
            own_label,
            True,
            note=f"the load test did not record its model; the scenario's {own_label} used",
        )
    key = _model_key(text)
    tail = _tail(key)
    if custom is not None and {key, tail} & {custom.model_id.lower(), custom.name.lower()}:
        return ModelChoice(None, own_label, True)
    models = load_catalog().models
    if text in models:
        found = [text]
    else:
        found = [mid for mid in models if mid.lower() == key]
        if not found:
            found = [mid for mid, spec in models.items() if tail in (_tail(mid.lower()), spec.name.lower())]
    if len(found) > 1:
        return ModelChoice(
            None,
            text,
            False,
            reason=f"model '{text}' matches several catalog models ({', '.join(found)}): "
            "name the one this run used by its full id (--model ID)",
        )
    if not found:
        return ModelChoice(None, text, False, reason=UNKNOWN_MODEL.format(name=text))
    model_id = found[0]
    # a path or another organisation's copy is taken as the catalog model of that name, and said so
    note = "" if key == model_id.lower() or key == tail else f"model '{text}' taken as the catalog's {model_id}"
    return ModelChoice(model_id, model_id, custom is None and model_id == scenario.model_id, note=note)


# --------------------------------------------------------------------------- validation and JSON

_TEXT = ("label", "model", "instance", "backend", "precision", "source", "note")
_POSITIVE = ("input_tokens", "output_tokens", "ttft_s", "tpot_ms", "output_tokens_per_s")
#: Largest believable values: anything beyond is a unit mistake, not a measurement.
_CEILING = {
    "input_tokens": 10_000_000,
    "output_tokens": 10_000_000,
    "ttft_s": 86_400,
    "tpot_ms": 3_600_000,
    "output_tokens_per_s": 1e9,
}


def check(m: Measurement, where: str) -> None:
    """Refuse impossible values, naming ``where`` (file and run) and the field."""
    for name in _TEXT:
        value = getattr(m, name)
        if value is not None and (not isinstance(value, str) or len(value) > 500):
            raise DataError(f"{where}: '{name}' must be text of at most 500 characters.")
    if not m.label:
        raise DataError(f"{where}: 'label' is empty.")
    if isinstance(m.concurrency, bool) or not isinstance(m.concurrency, int) or not 1 <= m.concurrency <= 1_000_000:
        raise DataError(f"{where}: 'concurrency' must be a whole number of clients from 1 to 1,000,000.")
    tp = m.tensor_parallel
    if tp is not None and (isinstance(tp, bool) or not isinstance(tp, int) or not 1 <= tp <= 1024):
        raise DataError(f"{where}: 'tensor_parallel' must be a whole number from 1 to 1024, or empty.")
    for name in _POSITIVE:
        value = getattr(m, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise DataError(f"{where}: '{name}' must be a finite number.")
        if value <= 0 or value > _CEILING[name]:
            raise DataError(f"{where}: '{name}' = {value:g} is out of range (above 0, at most {_CEILING[name]:g}).")
    if not m.metrics():
        raise DataError(f"{where}: no metric measured; give at least one of {', '.join(METRICS)}.")


def to_dict(m: Measurement) -> dict[str, Any]:
    return {f.name: getattr(m, f.name) for f in fields(Measurement)}


def from_dict(data: Any, where: str) -> Measurement:
    """A measurement from its JSON object (as saved inside a scenario), validated."""
    if not isinstance(data, dict):
        raise DataError(f"{where}: expected an object, got {type(data).__name__}.")
    known = {f.name for f in fields(Measurement)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise DataError(f"{where}: unknown field(s) {', '.join(unknown)}.")
    required = ("label", "concurrency")
    missing = [k for k in required if k not in data]
    if missing:
        raise DataError(f"{where}: missing field(s) {', '.join(missing)}.")
    # the types are checked by check() below, after the object is built
    kwargs: dict[str, Any] = {
        f.name: data.get(f.name, "" if f.name in ("source", "note") else None) for f in fields(Measurement)
    }
    for name in _POSITIVE:
        value = kwargs[name]
        if isinstance(value, int) and not isinstance(value, bool):
            kwargs[name] = float(value)
    m = Measurement(**kwargs)
    check(m, where)
    return m
