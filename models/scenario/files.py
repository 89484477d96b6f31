"""Scenario files: JSON on disk, versioned, migrated on load and written atomically."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import BAD_TEXT, read_text, write_atomic
from lmi_explorer.models.reference.catalog import ModelSpec, canonical_config, config_text
from lmi_explorer.models.scenario.mixture import Load, TrafficClass
from lmi_explorer.models.scenario.model import DEFAULT_MODEL, Deployment, PriceList, Scenario, Traffic
from lmi_explorer.models.scenario.validation import ARCH_CLASSES, _num, validate

if TYPE_CHECKING:
    from lmi_explorer.models.calibration.user import Calibration

SCHEMA_VERSION = 4
MAX_SCENARIO_BYTES = 2 * 1024 * 1024


_NOT_WRITTEN = {"custom", "source", "as_of", "notes", "config_json", "config_file"}
_MODEL_FIELDS = {f.name for f in fields(ModelSpec)} - _NOT_WRITTEN
#: optional keys of a custom model with latent attention (MLA)
LATENT_FIELDS = ("kv_lora_rank", "qk_rope_head_dim")
#: optional keys written only when they differ from the default, so older files stay as they were:
#: the release month, the checkpoint's own precision, and ``config`` (an imported model's config.json)
OPTIONAL_DEFAULTS: dict[str, Any] = {"released": "", "checkpoint_precision": "bf16"}


def to_dict(s: Scenario) -> dict[str, Any]:
    """The scenario as the JSON object written to disk."""
    model: dict[str, Any]
    if s.custom_model is not None:
        spec = asdict(s.custom_model)
        # the latent-attention keys are written only for MLA models: other files stay as they were
        custom = {
            k: v
            for k, v in spec.items()
            if k in _MODEL_FIELDS
            and not (k in LATENT_FIELDS and not v)
            and not (k in OPTIONAL_DEFAULTS and v == OPTIONAL_DEFAULTS[k])
        }
        if s.custom_model.has_config:
            custom["config"] = json.loads(config_text(s.custom_model))
        model = {"custom": custom}
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
        "price_list": _price_list_dict(s.price_list),
        "calibration": None if s.calibration is None else _calibration_dict(s.calibration),
        "traffic_name": s.traffic_name,
        "other_classes": [
            {"name": c.name, "traffic": asdict(c.traffic), "day_profile": c.day_profile} for c in s.other_classes
        ],
        "load": {**asdict(s.load), "weekday": list(s.load.weekday), "weekend": list(s.load.weekend)},
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
        elif key in ("weekday", "weekend"):
            if not isinstance(value, list | tuple) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value
            ):
                raise DataError(f"{where}.{key}: expected a list of 24 hourly factors.")
            value = tuple(float(v) for v in value)
        elif key in ("preset", "region", "platform", "hardware", "pricing_option", "kv_cache_dtype"):
            _text(f"{where}.{key}", value)
        elif key in ("lmi_release", "min_instances") and not (isinstance(value, int) and not isinstance(value, bool)):
            raise DataError(f"{where}.{key}: expected a whole number.")
        elif (
            key == "gpu_memory_utilization"
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, int | float))
        ):
            raise DataError(f"{where}.{key}: expected a number (0.3 to 0.99) or null.")
        elif key == "tensor_parallel" and value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise DataError(f"{where}.{key}: expected a whole number or null.")
        elif (
            key in ("max_batch_size", "max_num_batched_tokens")
            and value is not None
            and (not isinstance(value, int) or isinstance(value, bool))
        ):
            raise DataError(f"{where}.{key}: expected a whole number or null (the backend's default).")
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
    unknown = sorted(set(data) - _MODEL_FIELDS - {"config"})
    if unknown:
        raise DataError(f"{where}: unknown field(s) {', '.join(unknown)}.")
    config_json = _config_of(where, data.get("config"))
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
        *LATENT_FIELDS,
    )
    for key in ints:
        if key in data:
            lowest = 0 if key in ("head_dim", *LATENT_FIELDS) else 1
            _num(f"{where}.{key}", data[key], lowest, 1e9, integer=True)
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
        kv_lora_rank=int(data.get("kv_lora_rank") or 0),
        qk_rope_head_dim=int(data.get("qk_rope_head_dim") or 0),
        released=_text(f"{where}.released", data.get("released") or ""),
        checkpoint_precision=_text(f"{where}.checkpoint_precision", data.get("checkpoint_precision") or "bf16"),
        config_json=config_json,
        custom=True,
        source="imported from its config.json" if config_json else "entered by the user",
    )


def _config_of(where: str, config: Any) -> str:
    """An imported model's config.json kept in the scenario, checked by reading it again."""
    if config is None:
        return ""
    if not isinstance(config, dict):
        raise DataError(f"{where}.config: expected the model's config.json object.")
    from lmi_explorer.models.reference.hf_config import parse_config

    try:
        parse_config(config, name=where)
    except DataError as exc:
        raise DataError(f"{where}.config: {exc}") from None
    return canonical_config(config)


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


def _v3_to_v4(obj: dict[str, Any]) -> dict[str, Any]:
    """Version 4 added more traffic classes and the day's load (a version-3 file has one class, the peak all
    month: exactly what the defaults describe)."""
    obj.setdefault("traffic_name", "")
    obj.setdefault("other_classes", [])
    obj.setdefault("load", {})
    obj["schema_version"] = 4
    return obj


#: Migrations from an older schema_version to the next; each takes and returns the raw dict.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


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
        set(obj)
        - {"schema_version", "name", "model", "traffic", "deployment", "price_list", "calibration"}
        - {"traffic_name", "other_classes", "load"}
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
    traffic_name = _text("traffic_name", obj.get("traffic_name", ""))
    others = obj.get("other_classes", [])
    if not isinstance(others, list):
        raise DataError("other_classes: expected a list of traffic classes.")
    classes = tuple(_traffic_class(f"other_classes[{i}]", c) for i, c in enumerate(others))
    load_obj = _expect_obj("load", obj.get("load", {}))
    for key in ("autoscaling", "scale_to_zero"):
        if key in load_obj and not isinstance(load_obj[key], bool):
            raise DataError(f"load.{key}: expected true or false.")
    if "day_profile" in load_obj:
        _text("load.day_profile", load_obj["day_profile"])
    if "max_instances" in load_obj and (
        not isinstance(load_obj["max_instances"], int) or isinstance(load_obj["max_instances"], bool)
    ):
        raise DataError("load.max_instances: expected a whole number (0 = no limit).")
    load_settings = _build(Load, "load", load_obj)
    scenario = Scenario(
        model_id=model_id,
        custom_model=custom,
        traffic=traffic,
        deployment=deployment,
        name=name,
        price_list=price_list,
        calibration=calibration,
        traffic_name=traffic_name,
        other_classes=classes,
        load=load_settings,
    )
    validate(scenario)
    return scenario


def _traffic_class(where: str, value: Any) -> TrafficClass:
    obj = _expect_obj(where, value)
    unknown = sorted(set(obj) - {"name", "traffic", "day_profile"})
    if unknown:
        raise DataError(f"{where}: unknown field(s) {', '.join(unknown)}.")
    name = _text(f"{where}.name", obj.get("name", ""))
    traffic = _build(Traffic, f"{where}.traffic", _expect_obj(f"{where}.traffic", obj.get("traffic", {})))
    return TrafficClass(name, traffic, _text(f"{where}.day_profile", obj.get("day_profile", "")))


def _price_list_dict(pl: PriceList | None) -> dict[str, str] | None:
    """The embedded list; ``mode`` is written only when it is not the default ``replace``, so files
    without an override stay as earlier versions wrote and read them."""
    if pl is None:
        return None
    out = {"name": pl.name, "csv": pl.csv}
    if pl.mode != "replace":
        out["mode"] = pl.mode
    return out


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
    unknown = sorted(set(obj) - {"name", "csv", "mode"})
    if unknown:
        raise DataError(f"price_list: unknown field(s) {', '.join(unknown)}.")
    from lmi_explorer.models.reference.pricing import PRICE_MODES, price_table_from_text

    mode = obj.get("mode", "replace")  # absent in files written before lists could override
    if mode not in PRICE_MODES:
        raise DataError(f"price_list.mode: expected one of {', '.join(PRICE_MODES)}, got {json.dumps(mode)}.")
    try:
        price_table_from_text(name, csv_text, mode)
    except DataError as exc:
        raise DataError(f"price_list: {exc}") from None
    return PriceList(name, csv_text, mode)


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


# The calibration modules are read only for scenarios that carry measurements (most do not), which
# keeps them off the way to the first window.
def _calibration_dict(c: Calibration) -> dict[str, Any]:
    from lmi_explorer.models.calibration.user import to_dict

    return to_dict(c)


def _calibration_from(value: Any) -> Calibration | None:
    from lmi_explorer.models.calibration.user import from_dict

    return from_dict(value)
