"""The scenario: every user input, as an immutable, validated, versioned snapshot.

Frozen dataclasses (not pydantic) so the snapshot is hashable for the estimate cache and
the validation messages name the JSON field the way a user sees it in the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models._resources import BAD_TEXT, DataError, read_json, read_text, write_atomic
from models.catalog import ModelSpec, load_catalog, validate_spec

if TYPE_CHECKING:
    from models.calibrated import Calibration, FittedEfficiency

SCHEMA_VERSION = 3
MAX_SCENARIO_BYTES = 2 * 1024 * 1024
HARDWARE_CHOICES = ("gpu", "inferentia", "both")
PLATFORMS = ("sagemaker", "ec2")
PRICING_OPTIONS = ("on_demand", "savings_plan", "reserved", "spot")
KV_DTYPES = ("auto", "fp8")
ARCH_CLASSES = ("decoder-only", "encoder-decoder", "mixture-of-experts")
DEFAULT_MODEL = "meta-llama/Llama-2-13b-hf"


def _defaults() -> dict[str, float]:
    data = read_json("defaults.json")
    return {k: v["value"] for k, v in data["values"].items()}


DEFAULTS = _defaults()


@dataclass(frozen=True, slots=True)
class Traffic:
    """Traffic as the customer describes it.

    Parameters
    ----------
    input_mean, output_mean : float
        Mean tokens per request.
    input_cv, output_cv : float
        Spread (coefficient of variation) of the lengths.
    requests_per_s : float
        Mean request rate.
    peak_to_average : float
        Peak rate divided by mean rate; capacity is sized for the peak.
    ttft_s : float
        Time-to-first-token target (seconds).
    tpot_ms : float
        Time-per-output-token target (milliseconds).
    """

    input_mean: float = 550.0
    input_cv: float = 0.47
    output_mean: float = 550.0
    output_cv: float = 0.47
    requests_per_s: float = 2.0
    peak_to_average: float = 1.0
    ttft_s: float = 2.0
    tpot_ms: float = 50.0
    preset: str = "chatbot"

    @property
    def peak_rps(self) -> float:
        return self.requests_per_s * self.peak_to_average


@dataclass(frozen=True, slots=True)
class Deployment:
    """Where and how it runs, and how it is paid for."""

    lmi_release: int = 20
    hardware: str = "gpu"
    region: str = "us-east-1"
    platform: str = "sagemaker"
    pricing_option: str = "on_demand"
    discount: float = 0.0
    hours_per_month: float = float(DEFAULTS["hours_per_month"])
    min_instances: int = 1
    instance_families: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ("bf16", "fp8", "int8", "awq", "gptq")
    target_utilisation: float = float(DEFAULTS["target_utilisation"])
    bound_percentile: float = float(DEFAULTS["bound_percentile"])
    kv_cache_dtype: str = "auto"
    tensor_parallel: int | None = None


@dataclass(frozen=True, slots=True)
class PriceList:
    """A user's own price list, kept by content so the scenario file carries it along."""

    name: str
    csv: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """One complete question: model + traffic + deployment (+ the user's own prices and calibration, if any)."""

    model_id: str | None = DEFAULT_MODEL
    custom_model: ModelSpec | None = None
    traffic: Traffic = field(default_factory=Traffic)
    deployment: Deployment = field(default_factory=Deployment)
    name: str = "Untitled scenario"
    price_list: PriceList | None = None
    calibration: Calibration | None = None

    def efficiency_overrides(self) -> tuple[FittedEfficiency, ...]:
        """Fitted efficiency factors that replace the shipped ones; () = shipped everywhere."""
        return () if self.calibration is None else self.calibration.overrides()

    def prices(self):
        """The price table in use: the scenario's own list, else the bundled one."""
        from models.pricing import load_prices, price_table_from_text

        if self.price_list is None:
            return load_prices()
        return price_table_from_text(self.price_list.name, self.price_list.csv)

    def model(self) -> ModelSpec:
        """The model spec (custom, or looked up in the catalog)."""
        if self.custom_model is not None:
            return self.custom_model
        return load_catalog().get(self.model_id or "")

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with top-level, ``traffic.*`` or ``deployment.*`` fields changed, validated."""
        top: dict[str, Any] = {}
        tr: dict[str, Any] = {}
        dep: dict[str, Any] = {}
        tnames = {f.name for f in fields(Traffic)}
        dnames = {f.name for f in fields(Deployment)}
        for key, value in changes.items():
            if key in tnames:
                tr[key] = value
            elif key in dnames:
                dep[key] = value
            elif key in ("model_id", "custom_model", "name", "price_list", "calibration"):
                top[key] = value
            else:
                raise DataError(f"unknown scenario field '{key}'.")
        new = replace(
            self,
            traffic=replace(self.traffic, **tr) if tr else self.traffic,
            deployment=replace(self.deployment, **dep) if dep else self.deployment,
            **top,
        )
        validate(new)
        return new


# --------------------------------------------------------------------------- validation


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


def validate(s: Scenario) -> None:
    """Refuse impossible values with one message naming the field and the allowed range."""
    from models.backends import load_backends
    from models.hardware import load_hardware

    if s.custom_model is None:
        if not s.model_id:
            raise DataError("model: give a catalog id or a custom model.")
        load_catalog().get(s.model_id)
    else:
        validate_spec(s.custom_model)
    t = s.traffic
    _num("traffic.input_mean", t.input_mean, 1, 10_000_000)
    _num("traffic.output_mean", t.output_mean, 1, 10_000_000)
    _num("traffic.input_cv", t.input_cv, 0, 5)
    _num("traffic.output_cv", t.output_cv, 0, 5)
    _num("traffic.requests_per_s", t.requests_per_s, 1e-6, 1_000_000)  # smaller: per-token costs overflow
    _num("traffic.peak_to_average", t.peak_to_average, 1, 100)
    _num("traffic.ttft_s", t.ttft_s, 0, 3600, lo_open=True)
    _num("traffic.tpot_ms", t.tpot_ms, 0, 100_000, lo_open=True)
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
    _num("deployment.discount", d.discount, 0, 0.95)
    _num("deployment.hours_per_month", d.hours_per_month, 0, 744, lo_open=True)
    _num("deployment.min_instances", d.min_instances, 0, 10_000, integer=True)
    _num("deployment.target_utilisation", d.target_utilisation, 0.05, 1)
    _num("deployment.bound_percentile", d.bound_percentile, 0.5, 0.9999)
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
    if s.calibration is not None:
        from models.calibrated import validate as validate_calibration

        validate_calibration(s.calibration)


# --------------------------------------------------------------------------- JSON

_MODEL_FIELDS = {f.name for f in fields(ModelSpec)} - {"custom", "source", "as_of", "notes"}


def to_dict(s: Scenario) -> dict[str, Any]:
    """The scenario as the JSON object written to disk."""
    model: dict[str, Any]
    if s.custom_model is not None:
        spec = asdict(s.custom_model)
        model = {"custom": {k: v for k, v in spec.items() if k in _MODEL_FIELDS}}
    else:
        model = {"catalog_id": s.model_id}
    dep = asdict(s.deployment)
    dep["instance_families"] = list(s.deployment.instance_families)
    dep["precisions"] = list(s.deployment.precisions)
    return {
        "schema_version": SCHEMA_VERSION,
        "name": s.name,
        "model": model,
        "traffic": asdict(s.traffic),
        "deployment": dep,
        "price_list": None if s.price_list is None else {"name": s.price_list.name, "csv": s.price_list.csv},
        "calibration": None if s.calibration is None else _calibration_dict(s.calibration),
    }


def _expect_obj(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DataError(f"{where}: expected an object, got {type(value).__name__}.")
    return value


def _build(cls: type, where: str, data: dict[str, Any]) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise DataError(f"{where}: unknown field(s) {', '.join(unknown)}.")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("instance_families", "precisions"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise DataError(f"{where}.{key}: expected a list of names.")
            value = tuple(value)
        elif key in ("preset", "region", "platform", "hardware", "pricing_option", "kv_cache_dtype"):
            _text(f"{where}.{key}", value)
        elif key in ("lmi_release", "min_instances") and not (isinstance(value, int) and not isinstance(value, bool)):
            raise DataError(f"{where}.{key}: expected a whole number.")
        elif key == "tensor_parallel" and value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise DataError(f"{where}.{key}: expected a whole number or null.")
        kwargs[key] = value
    return cls(**kwargs)


def _text(where: str, value: Any) -> str:
    """Plain text, as a user could type it (no control characters: Qt and the deck's XML refuse them)."""
    if not isinstance(value, str):
        raise DataError(f"{where}: expected text.")
    if BAD_TEXT.search(value):
        raise DataError(f"{where}: contains control characters; retype it as plain text.")
    return value


def _custom_model(data: dict[str, Any]) -> ModelSpec:
    where = "model.custom"
    required = ("params_billion", "layers", "hidden_size", "heads", "kv_heads", "vocab_size", "context")
    for key in required:
        if key not in data:
            raise DataError(f"{where}.{key}: missing.")
    unknown = sorted(set(data) - _MODEL_FIELDS)
    if unknown:
        raise DataError(f"{where}: unknown field(s) {', '.join(unknown)}.")
    ints = (
        "layers",
        "hidden_size",
        "heads",
        "kv_heads",
        "vocab_size",
        "context",
        "head_dim",
        "experts",
        "experts_per_token",
    )
    for key in ints:
        if key in data:
            _num(f"{where}.{key}", data[key], 0 if key == "head_dim" else 1, 1e9, integer=True)
    _num(f"{where}.params_billion", data["params_billion"], 0, 1e6, lo_open=True)
    if data.get("active_params_billion") is not None:
        _num(f"{where}.active_params_billion", data["active_params_billion"], 0, 1e6, lo_open=True)
    for key in ("model_id", "name", "family", "architecture", "model_type", "arch_class"):
        if data.get(key) is not None:
            _text(f"{where}.{key}", data[key])
    if data.get("arch_class") not in (None, "", *ARCH_CLASSES):
        raise DataError(f"{where}.arch_class: must be one of {', '.join(ARCH_CLASSES)}.")
    if not isinstance(data.get("tied_embeddings", False), bool):
        raise DataError(f"{where}.tied_embeddings: expected true or false.")
    name = str(data.get("name") or "Custom model")
    experts = int(data.get("experts", 1))
    return ModelSpec(
        model_id=str(data.get("model_id") or "custom"),
        name=name,
        family=str(data.get("family") or "Custom"),
        architecture=str(data.get("architecture") or "LlamaForCausalLM"),
        model_type=str(data.get("model_type") or "llama"),
        params_billion=float(data["params_billion"]),
        layers=int(data["layers"]),
        hidden_size=int(data["hidden_size"]),
        heads=int(data["heads"]),
        kv_heads=int(data["kv_heads"]),
        vocab_size=int(data["vocab_size"]),
        context=int(data["context"]),
        head_dim=int(data.get("head_dim") or 0),
        active_params_billion=(
            None if data.get("active_params_billion") is None else float(data["active_params_billion"])
        ),
        experts=experts,
        experts_per_token=int(data.get("experts_per_token", 1)),
        tied_embeddings=bool(data.get("tied_embeddings", False)),
        arch_class=str(data.get("arch_class") or ("mixture-of-experts" if experts > 1 else "decoder-only")),
        custom=True,
        source="entered by the user",
    )


def _v1_to_v2(obj: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added the scenario's own price list (none in a version-1 file)."""
    obj["price_list"] = None
    obj["schema_version"] = 2
    return obj


def _v2_to_v3(obj: dict[str, Any]) -> dict[str, Any]:
    """Version 3 added the scenario's own calibration (measurements and fitted efficiency; none in version 2)."""
    obj["calibration"] = None
    obj["schema_version"] = 3
    return obj


#: Migrations from an older schema_version to the next; each takes and returns the raw dict.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2, 2: _v2_to_v3}


def from_dict(data: Any) -> Scenario:
    """Build and validate a scenario from parsed JSON, migrating older versions."""
    obj = _expect_obj("scenario", data)
    version = obj.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DataError("schema_version: missing or not a whole number; is this an LMI Explorer scenario file?")
    if version > SCHEMA_VERSION:
        raise DataError(
            f"schema_version: this file is version {version}, newer than this app understands "
            f"({SCHEMA_VERSION}). Update LMI Explorer to open it."
        )
    if version < 1:
        raise DataError(f"schema_version: {version} is not a valid version.")
    while version < SCHEMA_VERSION:
        obj = MIGRATIONS[version](dict(obj))
        version += 1
    unknown = sorted(
        set(obj) - {"schema_version", "name", "model", "traffic", "deployment", "price_list", "calibration"}
    )
    if unknown:
        raise DataError(f"scenario: unknown field(s) {', '.join(unknown)}.")
    model = _expect_obj("model", obj.get("model", {"catalog_id": DEFAULT_MODEL}))
    if "custom" in model and "catalog_id" in model:
        raise DataError("model: give either catalog_id or custom, not both.")
    custom = None
    model_id: str | None = None
    if "custom" in model:
        custom = _custom_model(_expect_obj("model.custom", model["custom"]))
    else:
        mid = model.get("catalog_id")
        if not isinstance(mid, str) or not mid:
            raise DataError("model.catalog_id: missing; give a catalog model id or a custom model.")
        model_id = mid
    traffic = _build(Traffic, "traffic", _expect_obj("traffic", obj.get("traffic", {})))
    deployment = _build(Deployment, "deployment", _expect_obj("deployment", obj.get("deployment", {})))
    name = _text("name", obj.get("name", "Untitled scenario"))
    price_list = _price_list(obj.get("price_list"))
    calibration = None if obj.get("calibration") is None else _calibration_from(obj["calibration"])
    scenario = Scenario(
        model_id=model_id, custom_model=custom, traffic=traffic, deployment=deployment, name=name,
        price_list=price_list, calibration=calibration,
    )  # fmt: skip
    validate(scenario)
    return scenario


def _price_list(value: Any) -> PriceList | None:
    """The embedded price list, validated like a loaded one (errors name its rows and columns)."""
    if value is None:
        return None
    obj = _expect_obj("price_list", value)
    name, csv_text = obj.get("name"), obj.get("csv")
    if not isinstance(name, str) or not name:
        raise DataError("price_list.name: expected the price list's name.")
    _text("price_list.name", name)
    if not isinstance(csv_text, str) or not csv_text.strip():
        raise DataError("price_list.csv: expected the price list's CSV text.")
    unknown = sorted(set(obj) - {"name", "csv"})
    if unknown:
        raise DataError(f"price_list: unknown field(s) {', '.join(unknown)}.")
    from models.pricing import price_table_from_text

    try:
        price_table_from_text(name, csv_text)
    except DataError as exc:
        raise DataError(f"price_list: {exc}") from None
    return PriceList(name, csv_text)


def loads(text: str, *, name: str = "scenario") -> Scenario:
    """Parse scenario JSON text; errors name the file and the field."""
    try:
        data = json.loads(text.removeprefix("\ufeff"), parse_constant=_refuse_constant, parse_int=_parse_int)
    except DataError as exc:
        raise DataError(f"{name}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from exc
    except RecursionError as exc:
        raise DataError(f"{name}: nested too deeply to be a scenario file.") from exc
    try:
        return from_dict(data)
    except DataError as exc:
        raise DataError(f"{name}: {exc}") from None


def _refuse_constant(token: str) -> float:
    raise DataError(f"'{token}' is not a valid number in a scenario file.")


def _parse_int(token: str) -> int:
    # Python refuses to convert integers of thousands of digits with a bare ValueError
    if len(token) > 30:
        raise DataError(f"the {len(token)}-digit number {token[:12]}… is not a valid value in a scenario file.")
    return int(token)


def load(path: str | Path) -> Scenario:
    """Read a scenario file."""
    p = Path(path)
    return loads(read_text(p, limit=MAX_SCENARIO_BYTES), name=p.name)


def dumps(s: Scenario) -> str:
    return json.dumps(to_dict(s), indent=2) + "\n"


def save(s: Scenario, path: str | Path) -> None:
    """Write atomically: a temporary file in the same folder, then rename over the target."""
    write_atomic(Path(path), dumps(s).encode("utf-8"))


def default_scenario() -> Scenario:
    """Llama-2-13B, chatbot traffic at 2 requests/s, latest LMI release, SageMaker us-east-1."""
    from models.backends import load_backends

    return Scenario(deployment=Deployment(lmi_release=load_backends().latest_lmi))


# The calibration modules are read only for scenarios that carry measurements (most do not), which
# keeps them off the way to the first window.
def _calibration_dict(c: Calibration) -> dict[str, Any]:
    from models.calibrated import to_dict

    return to_dict(c)


def _calibration_from(value: Any) -> Calibration | None:
    from models.calibrated import from_dict

    return from_dict(value)
