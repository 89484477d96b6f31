"""The LMI backend-selection diagram, evaluated on a scenario and backed by the estimate.

The diagram's shape comes from ``data/decision/diagram.json``; this module decides which
edge each decision node takes for the scenario and says why, in words an SA can read aloud.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from lmi_explorer.models.diagnosis import describe_option, no_neuron_reason, nothing_fits_cause
from lmi_explorer.models.estimate import Estimate, estimate
from lmi_explorer.models.estimate.pipeline import OptionRow, cheapest_monthly
from lmi_explorer.models.reference.backends import SupportLevel, diagram_json, load_backends
from lmi_explorer.models.scenario import DEFAULTS, Scenario
from lmi_explorer.models.units import percent, usd

if TYPE_CHECKING:
    from lmi_explorer.models.mix.classes import SplitComparison
    from lmi_explorer.models.mix.week import ScenarioWeek

OPTIMISED_GPU = ("trtllm", "lmi-dist", "vllm")


@dataclass(frozen=True, slots=True)
class Step:
    """One decision taken: the node, the edge out of it, the reason and the numbers shown on it."""

    node: str
    to: str
    reason: str
    values: str = ""


@dataclass(frozen=True, slots=True)
class Recommendation:
    backend: str
    backend_name: str
    container: str
    image: str
    instance: str | None
    precision: str | None
    tensor_parallel: int | None
    instances: int | None
    monthly_usd: float | None
    usd_per_million_tokens: float | None
    summary: str
    #: where the monthly cost likely lies (measured throughput within the published points' spread)
    monthly_usd_low: float | None = None
    monthly_usd_high: float | None = None

    @property
    def likely_text(self) -> str:
        """'likely $4,900–6,800/mo' ('' when no range is known)."""
        lo, hi = self.monthly_usd_low, self.monthly_usd_high
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
            return ""
        return f"likely ${lo:,.0f}–{hi:,.0f}/mo"


@dataclass(frozen=True)
class Decision:
    """The path through the diagram, the recommendation, and any disagreement with the numbers."""

    path: tuple[str, ...]
    steps: tuple[Step, ...]
    recommendation: Recommendation
    disagreement: str | None = None
    crossover_spread: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: several traffic classes: one shared endpoint against one per class (None: one class)
    split: SplitComparison | None = None
    #: with a day profile: the plan's week, autoscaled and fixed (None: the peak all month)
    week: ScenarioWeek | None = None

    @property
    def reasons(self) -> list[str]:
        return [s.reason for s in self.steps if s.reason]


def _cheapest(est: Estimate, backend: str) -> OptionRow | None:
    return est.best(backend=backend)


def _cost_at_spread(scenario: Scenario, spread: float, backend: str) -> float:
    """Cheapest monthly cost of ``backend`` if both length spreads were scaled to ``spread``."""
    t = scenario.traffic
    base = max(t.input_cv, t.output_cv)
    if base > 0:
        k = spread / base
        input_cv, output_cv = min(t.input_cv * k, 5.0), min(t.output_cv * k, 5.0)
    else:
        input_cv = output_cv = spread
    s = replace(scenario, traffic=replace(scenario.traffic, input_cv=input_cv, output_cv=output_cv))
    return cheapest_monthly(s, backend)


@lru_cache(maxsize=128)
def crossover_spread(scenario: Scenario, compiled: str, dynamic: str) -> float | None:
    """Spread at which the compiled backend stops being cheaper than the dynamic one.

    None when the compiled backend is never cheaper (not even at spread 0) or stays
    cheaper up to spread 2.
    """
    dyn = cheapest_monthly(scenario, dynamic)
    if not math.isfinite(dyn):
        return None
    lo, hi = 0.0, 2.0
    if _cost_at_spread(scenario, lo, compiled) > dyn:
        return None
    if _cost_at_spread(scenario, hi, compiled) <= dyn:
        return None
    for _ in range(6):
        mid = (lo + hi) / 2
        if _cost_at_spread(scenario, mid, compiled) <= dyn:
            lo = mid
        else:
            hi = mid
    return round((lo + hi) / 2, 2)


_describe = describe_option


def evaluate(scenario: Scenario, est: Estimate | None = None, *, with_crossover: bool = True) -> Decision:
    """Walk the diagram for the scenario; each step's choice comes from data and the estimate.

    ``with_crossover`` also finds the spread at which TensorRT-LLM stops being cheaper, and for
    several traffic classes or a day profile the split comparison and the week (a few extra
    what-if estimates; the window skips them while a slider is being dragged).
    """
    est = est or estimate(scenario)
    dec = _evaluate(scenario, est, with_crossover=with_crossover)
    if not with_crossover:
        return dec
    from lmi_explorer.models.mix.classes import compare_split
    from lmi_explorer.models.mix.week import scenario_week

    split = compare_split(scenario, est.prices)
    week = scenario_week(scenario, est, split)
    if split is None and week is None:
        return dec
    notes = dec.notes + ((split.summary,) if split is not None else ()) + ((week.summary,) if week else ())
    return replace(dec, split=split, week=week, notes=notes)


def _evaluate(scenario: Scenario, est: Estimate, *, with_crossover: bool) -> Decision:
    bk = load_backends()
    model = est.model
    lmi = scenario.deployment.lmi_release
    hw = scenario.deployment.hardware
    steps: list[Step] = []
    notes: list[str] = []
    path = ["start", "hardware"]

    def sup(b: str) -> SupportLevel:
        return bk.support_for(b, model, lmi).level

    def sup_reason(b: str) -> str:
        return bk.support_for(b, model, lmi).reason

    # --- hardware
    nb = bk.neuron_backend(lmi)  # LMI's NeuronX up to v16, AWS's Neuron vLLM container after
    nb_name = bk.backends[nb].name if nb else ""
    neuron_ok = nb is not None and sup(nb) == SupportLevel.SUPPORTED
    backend: str | None = None
    if hw in ("inferentia", "both") and neuron_ok and nb is not None:
        inf_best = _cheapest(est, nb)
        gpu_best = est.best(other_than=nb)
        gpu_cost = float(gpu_best["monthly_usd"]) if gpu_best is not None else math.inf
        if hw == "inferentia" or (inf_best is not None and float(inf_best["monthly_usd"]) <= gpu_cost):
            backend = nb
            outside = "" if nb == "tnx" else " (AWS's Neuron vLLM container: LMI ships no Neuron container after v16)"
            if hw == "inferentia" or inf_best is None:
                why = f"Inferentia2/Trainium was chosen and {nb_name} supports '{model.model_type}'{outside}."
            else:
                why = (
                    f"Inferentia2/Trainium is cheapest here ({usd(float(inf_best['monthly_usd']), per='mo')} vs "
                    f"{usd(gpu_cost, per='mo')} on GPU) and {nb_name} supports '{model.model_type}'{outside}."
                )
            steps.append(Step("hardware", "neuronx", why, f"Neuron: {model.model_type} supported"))
            path.append("neuronx")
        else:
            if inf_best is None:
                why = f"GPU: {nb_name} on Inferentia2/Trainium fits nowhere for this traffic."
            else:
                why = (
                    f"GPU: {nb_name} on Inferentia2/Trainium costs more for this traffic "
                    f"({usd(float(inf_best['monthly_usd']), per='mo')} on {inf_best['instance']} vs "
                    f"{usd(gpu_cost, per='mo')} on GPU)."
                )
            steps.append(Step("hardware", "model_support", why, "GPU"))
    elif hw == "inferentia":
        # Inferentia only, and nothing serves it here: say why, and do not pretend to fall back to GPU
        why = no_neuron_reason(lmi, short=True) if nb is None else sup_reason(nb)
        label = f"no Neuron backend in v{lmi}" if nb is None else f"Neuron: no {model.model_type}"
        steps.append(Step("hardware", "neuronx", f"Inferentia2/Trainium was chosen, but {why}", label))
        path += ["neuronx", "cost", "nothing_fits"]
        hint = nothing_fits_cause(scenario, est)
        steps.append(Step("cost", "nothing_fits", hint, "nothing fits"))
        rec = _recommendation(nb, lmi, None, "Nothing fits. " + hint)
        return Decision(tuple(path), tuple(steps), rec, None, None, tuple(notes))
    elif hw == "both":
        why = no_neuron_reason(lmi, short=True) if nb is None else sup_reason(nb)
        steps.append(
            Step(
                "hardware",
                "model_support",
                f"Inferentia2/Trainium is not an option: {why} Comparing GPU instances only.",
                "GPU (Neuron: no)",
            )
        )
    else:
        steps.append(Step("hardware", "model_support", "GPU instances were chosen.", "GPU"))

    dynamic = bk.dynamic_backend(lmi)
    dyn_name = bk.backends[dynamic].name
    crossover = None
    if backend is None:
        path.append("model_support")
        trt = sup("trtllm") == SupportLevel.SUPPORTED
        dyn = sup(dynamic) == SupportLevel.SUPPORTED
        if model.model_type == "t5" and (trt or dyn):
            backend = "trtllm" if trt else dynamic
            steps.append(
                Step(
                    "model_support",
                    "trtllm_t5",
                    f"T5 (encoder–decoder) goes to {bk.backends[backend].name}, which supports it in LMI v{lmi}.",
                    "T5",
                )
            )
            path.append("trtllm_t5")
        elif trt or dyn:
            which = " and ".join(n for n, ok in (("TensorRT-LLM", trt), (dyn_name, dyn)) if ok)
            steps.append(
                Step("model_support", "traffic", f"'{model.model_type}' is supported by {which} in LMI v{lmi}.", which)
            )
            path.append("traffic")
            ts = est.traffic
            threshold = float(DEFAULTS["even_spread_threshold"])
            even = ts.spread <= threshold
            trt_best = _cheapest(est, "trtllm") if trt else None
            dyn_best = _cheapest(est, dynamic) if dyn else None
            if trt and dyn and with_crossover:
                crossover = crossover_spread(scenario, "trtllm", dynamic)
            values = (
                f"input spread {scenario.traffic.input_cv:.2f}, output spread "
                f"{scenario.traffic.output_cv:.2f} → {'even' if even else 'uneven'}"
            )
            if even and trt:
                backend = "trtllm"
                why = (
                    f"Even traffic (spread {ts.spread:.2f} ≤ {threshold:g}): a compiled TensorRT-LLM engine "
                    f"built for p{scenario.deployment.bound_percentile * 100:g} bounds "
                    f"({ts.bound_input:,.0f} in / {ts.bound_output:,.0f} out) turns away "
                    f"{percent(ts.share_beyond, 1)} of requests."
                )
                path.append("trtllm")
            else:
                backend = dynamic if dyn else "trtllm"
                if even:
                    why = f"Even traffic, but TensorRT-LLM does not support '{model.model_type}': {dyn_name}."
                elif dyn:
                    why = (
                        f"Uneven traffic (spread {ts.spread:.2f} > {threshold:g}): {dyn_name} needs no "
                        f"compilation and pays nothing for length spread."
                    )
                else:
                    why = f"Uneven traffic, but only TensorRT-LLM supports '{model.model_type}'."
                path.append("dynamic" if backend == dynamic else "trtllm")
            if trt_best is not None and dyn_best is not None:
                tc, dc = float(trt_best["monthly_usd"]), float(dyn_best["monthly_usd"])
                cheaper = "TensorRT-LLM" if tc < dc else dyn_name
                why += f" Estimate: TensorRT-LLM {usd(tc, per='mo')}, {dyn_name} {usd(dc, per='mo')}."
                if crossover is not None:
                    why += f" TensorRT-LLM stays cheaper up to spread {crossover:.2f}."
                values += f"; cheaper: {cheaper}"
            steps.append(Step("traffic", path[-1], why, values))
        else:
            backend = "hf-accelerate"
            steps.append(
                Step(
                    "model_support",
                    "hf_accelerate",
                    f"Neither TensorRT-LLM nor {dyn_name} supports '{model.model_type}' in LMI v{lmi}: "
                    "HF Accelerate loads it without optimisation.",
                    "neither",
                )
            )
            path.append("hf_accelerate")

    # --- cost node
    path.append("cost")
    chosen = _cheapest(est, backend)
    full = est.best(backend=backend, full_precision=True)
    quant = est.best(backend=backend, full_precision=False)
    if chosen is None:
        alt = est.best()
        c = est.columns
        unpriced = np.flatnonzero(c["fits"].astype(bool) & np.isnan(c["monthly_usd"].astype(float)))
        if alt is None and len(unpriced):
            first = est.row(unpriced[0])
            d = scenario.deployment
            if all(str(c["cause"][i]) == "platform" for i in unpriced):
                names = ", ".join(dict.fromkeys(str(c["instance"][i]) for i in unpriced[:40]))
                hint = (
                    f"{len(unpriced)} option(s) fit, but only on instances SageMaker does not offer ({names}); "
                    "choose the EC2 platform, or instance families SageMaker hosts."
                )
            else:
                hint = (
                    f"{len(unpriced)} option(s) fit, for example {first['backend_name']} on {first['instance']}, "
                    f"but no price is known for them in {d.region} on {d.platform}; load a price list (your CSV, or "
                    "AWS's AmazonEC2/AmazonSageMaker offer file for this platform) or change the region or platform."
                )
            steps.append(Step("cost", "nothing_fits", hint, "price unknown"))
            path.append("nothing_fits")
            rec = _recommendation(backend, lmi, None, "No priced option. " + hint)
            return Decision(tuple(path), tuple(steps), rec, None, crossover, tuple(notes))
        if alt is None:
            hint = nothing_fits_cause(scenario, est)
            steps.append(Step("cost", "nothing_fits", hint, "nothing fits"))
            path.append("nothing_fits")
            rec = _recommendation(backend, lmi, None, "Nothing fits. " + hint)
            return Decision(tuple(path), tuple(steps), rec, None, crossover, tuple(notes))
        notes.append(
            f"{bk.backends[backend].name} has no option that fits and meets the targets; "
            f"the cheapest option overall is {alt['backend_name']}."
        )
        chosen = alt
        backend = str(alt["backend"])
    if quant is not None and full is not None and float(quant["monthly_usd"]) < float(full["monthly_usd"]):
        save = float(full["monthly_usd"]) - float(quant["monthly_usd"])
        why = (
            f"Quantizing saves {usd(save, per='mo')} ({percent(save / float(full['monthly_usd']))}): "
            f"{_describe(quant)} vs {_describe(full)} at full precision."
        )
        steps.append(Step("cost", "quantized", why, f"saves {percent(save / float(full['monthly_usd']))}"))
        path.append("quantized")
    elif full is not None:
        why = f"Full precision is cheapest: {_describe(full)}."
        if quant is not None:
            why += f" Best quantized: {_describe(quant)}."
        steps.append(Step("cost", "full_precision", why, "full precision"))
        path.append("full_precision")
    else:
        steps.append(Step("cost", "quantized", f"Only quantized options fit: {_describe(chosen)}.", "quantized only"))
        path.append("quantized")
    if backend == "vllm-neuron" and scenario.deployment.platform == "sagemaker":
        notes.append(
            f"{nb_name} runs from AWS's Neuron container ({bk.container(backend, lmi)[1]}), not an LMI image: "
            "on SageMaker host it as your own container, or run it on EC2."
        )
    if hw == "gpu" and neuron_ok:
        notes.append(f"Cost tip: {nb_name} supports this model; include Inferentia2/Trainium to compare.")

    # --- does the rule of thumb agree with the numbers?
    disagreement = None
    top = est.best()
    if top is not None and str(top["backend"]) != backend:
        diff = float(chosen["monthly_usd"]) - float(top["monthly_usd"])
        if diff > 0.05 * float(chosen["monthly_usd"]):
            disagreement = (
                f"The guide's rule points to {bk.backends[backend].name}, but the estimate finds "
                f"{top['backend_name']} cheaper: {_describe(top)}, {usd(diff, per='mo')} less."
            )
    summary = f"{bk.backends[backend].name}: {_describe(chosen)}."
    rec = _recommendation(backend, lmi, chosen, summary)
    return Decision(tuple(path), tuple(steps), rec, disagreement, crossover, tuple(notes))


def _recommendation(backend: str | None, lmi: int, row: OptionRow | None, summary: str) -> Recommendation:
    bk = load_backends()
    if backend is None:  # no backend of this release serves the chosen hardware
        return Recommendation("", "", "", "", None, None, None, None, None, None, summary)
    container, image = bk.container(backend, lmi)
    if row is None:
        return Recommendation(
            backend, bk.backends[backend].name, container, image, None, None, None, None, None, None, summary
        )
    return Recommendation(
        backend=backend,
        backend_name=bk.backends[backend].name,
        container=container,
        image=image,
        instance=str(row["instance"]),
        precision=str(row["precision"]),
        tensor_parallel=int(row["tensor_parallel"]),
        instances=int(row["instances"]),
        monthly_usd=float(row["monthly_usd"]),
        usd_per_million_tokens=float(row["usd_per_million_tokens"]),
        summary=summary,
        monthly_usd_low=float(row["monthly_usd_low"]),
        monthly_usd_high=float(row["monthly_usd_high"]),
    )


def diagram() -> dict:
    """Nodes and edges of the diagram, for drawing."""
    return diagram_json()
