"""The scenario: every user input, as an immutable, validated snapshot.

Frozen dataclasses (not pydantic) so the snapshot is hashable for the estimate cache and
the validation messages name the JSON field the way a user sees it in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_json
from lmi_explorer.models.reference.catalog import ModelSpec, load_catalog
from lmi_explorer.models.scenario.mixture import Load, TrafficClass
from lmi_explorer.models.scenario.validation import validate

if TYPE_CHECKING:
    from lmi_explorer.models.calibration.user import Calibration, FittedEfficiency

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
    #: vLLM's gpu_memory_utilization (lmi-dist too): the share of GPU memory the engine takes; None: its default
    gpu_memory_utilization: float | None = None
    #: requests one model copy runs at once (LMI option.max_rolling_batch_size: vLLM max_num_seqs, TensorRT-LLM
    #: max_batch_size); None: the backend's default
    max_batch_size: int | None = None
    #: tokens one engine step carries, prompt chunks and decodes (vLLM max_num_batched_tokens, TensorRT-LLM
    #: max_num_tokens); None: the backend's default. Ignored by backends that do not chunk prompts
    max_num_batched_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class PriceList:
    """A user's own price list, kept by content so the scenario file carries it along.

    ``mode``: ``replace`` uses only this list; ``override`` uses its rows over the bundled ones
    (bundled rows kept where the list has none).
    """

    name: str
    csv: str
    mode: str = "replace"


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
    #: the main traffic's name when the scenario holds more classes ('' = its preset's label)
    traffic_name: str = ""
    #: more use cases beside the main traffic (each with its own lengths, rate and targets)
    other_classes: tuple[TrafficClass, ...] = ()
    #: the day's load shape and autoscaling ('' profile: the peak all month, as before)
    load: Load = field(default_factory=Load)

    def classes(self) -> tuple[TrafficClass, ...]:
        """Every traffic class, the main traffic first (with the main day profile)."""
        from lmi_explorer.models.traffic import load_presets

        name = self.traffic_name or getattr(load_presets().get(self.traffic.preset), "label", "") or "Main traffic"
        custom = (*self.load.weekday, *self.load.weekend) if self.load.day_profile == "custom" else ()
        return (TrafficClass(name, self.traffic, self.load.day_profile, custom), *self.other_classes)

    def single_class(self) -> Scenario:
        """The scenario with its main traffic alone, the peak all month (what one estimate covers)."""
        if not (self.traffic_name or self.other_classes or self.load != Load()):
            return self
        return replace(self, traffic_name="", other_classes=(), load=Load())

    def for_class(self, cls: TrafficClass) -> Scenario:
        """This scenario with one class's traffic as its only traffic (its own endpoint)."""
        return replace(
            self,
            traffic=cls.traffic,
            traffic_name=cls.name,
            other_classes=(),
            load=replace(
                self.load,
                day_profile=cls.day_profile,
                weekday=tuple(cls.custom_day[:24]),
                weekend=tuple(cls.custom_day[24:]),
            ),
        )

    def efficiency_overrides(self) -> tuple[FittedEfficiency, ...]:
        """Fitted efficiency factors that replace the shipped ones; () = shipped everywhere."""
        return () if self.calibration is None else self.calibration.overrides()

    def prices(self):
        """The price table in use: the scenario's own list (alone, or over the bundled one), else the bundled one."""
        from lmi_explorer.models.reference.pricing import load_prices, price_table_from_text, with_bundled

        if self.price_list is None:
            return load_prices()
        pl = self.price_list
        table = price_table_from_text(pl.name, pl.csv, pl.mode)
        return with_bundled(table) if pl.mode == "override" else table

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
            elif key in (
                "model_id",
                "custom_model",
                "name",
                "price_list",
                "calibration",
                "traffic_name",
                "other_classes",
                "load",
            ):
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


def default_scenario() -> Scenario:
    """Llama-2-13B, chatbot traffic at 2 requests/s, latest LMI release, SageMaker us-east-1."""
    from lmi_explorer.models.reference.backends import load_backends

    return Scenario(deployment=Deployment(lmi_release=load_backends().latest_lmi))
