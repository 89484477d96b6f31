"""From an option to a running endpoint: LMI configuration, image, SageMaker/boto3/docker and a validation plan.

``build(est, option)`` picks the option (the recommendation or one named), derives every value
with its reason (``values``), resolves the image for the region (``images``) and renders each
format (``formats``); bad input raises DataError before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pandas as pd

from lmi_explorer.models.decision import Decision
from lmi_explorer.models.deploy import formats
from lmi_explorer.models.deploy.images import image_uri
from lmi_explorer.models.deploy.plan import PlannedRun, planned_runs
from lmi_explorer.models.deploy.select import choose
from lmi_explorer.models.deploy.values import Setting, Values, derive
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate.pipeline import Estimate, estimate
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.scenario import Scenario
from lmi_explorer.models.units import usd

__all__ = ["FORMATS", "SHARED", "Artifact", "Setting", "build", "build_endpoint", "endpoint_names", "with_autoscaling"]
FORMATS = formats.FORMATS
#: formats that need the image on SageMaker
SAGEMAKER_FORMATS = ("sagemaker-py", "boto3")


@dataclass(frozen=True)
class Artifact:
    """One option's deployment: the values with reasons, the target, the planned load tests, and each format."""

    row: pd.Series
    values: Values
    #: the model's parameters (billions): the compile time of a new instance scales with them
    params_billion: float
    target: formats.Target
    runs: tuple[PlannedRun, ...]
    #: format -> reason it is not available for this option ('' when it is)
    refused: dict[str, str]
    #: with autoscaling: the Application Auto Scaling requests (RegisterScalableTarget, PutScalingPolicy)
    scaling: dict | None = None

    def render(self, fmt: str) -> str:
        """The text of one format; DataError when this option has none (the message says why)."""
        if fmt not in FORMATS:
            raise DataError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)}).")
        if self.refused.get(fmt):
            raise DataError(self.refused[fmt])
        v, t = self.values, self.target
        if fmt == "properties":
            return formats.properties(v, t)
        if fmt == "env":
            return formats.env(v, t)
        if fmt == "sagemaker-py":
            return formats.sagemaker_py(v, t)
        if fmt == "boto3":
            return formats.boto3_json(v, t, self.scaling)
        if fmt == "docker":
            return formats.docker(v, t)
        return formats.loadtest(v, t, self.runs)

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(label, value) lines for the deck slide and the dialog's header."""
        t = self.target
        out = [("Option", t.title), ("Image", t.image)]
        out += [(s.key, s.value) for s in self.values.settings if s.key not in ("engine", "option.entryPoint")]
        return out


def with_autoscaling(artifact: Artifact, scenario: Scenario) -> Artifact:
    """The artifact with SageMaker's target-tracking autoscaling when the scenario autoscales.

    Application Auto Scaling on an endpoint variant (docs.aws.amazon.com/sagemaker/latest/dg/
    endpoint-auto-scaling-add-policy.html and endpoint-auto-scaling-add-code-apply.html): a scalable
    target ``sagemaker:variant:DesiredInstanceCount`` between a minimum (at least 1) and a maximum,
    and a ``TargetTrackingScaling`` policy on ``SageMakerVariantInvocationsPerInstance`` (invocations
    per instance per minute) at what one instance serves within the targets × the target utilisation.
    """
    if not scenario.load.autoscaling or not artifact.target.on_sagemaker:
        return artifact
    from lmi_explorer.models.mix.day import startup_seconds
    from lmi_explorer.models.mix.week import COMPILE_KIND

    row, t, d, ld = artifact.row, artifact.target, scenario.deployment, scenario.load
    per_instance = float(row["requests_per_s_per_replica"]) * max(int(row["replicas_per_instance"]), 1)
    target = per_instance * d.target_utilisation * 60.0
    low = max(1, d.min_instances)
    high = max(ld.max_instances or t.instances, low)
    start = startup_seconds(float(row["weights_gib"]), artifact.params_billion, COMPILE_KIND.get(t.backend))
    resource = "endpoint/<ENDPOINT_NAME>/variant/AllTraffic"
    dimension = "sagemaker:variant:DesiredInstanceCount"
    reasons = {
        "MinCapacity": f"the deployment's minimum instances ({d.min_instances}); a variant keeps at least one"
        + (" (scale to zero needs SageMaker inference components, not modelled here)" if ld.scale_to_zero else ""),
        "MaxCapacity": "the scenario's maximum instances" if ld.max_instances else "the fleet for the peak hour",
        "TargetValue": f"{per_instance:.3g} requests/s one instance serves within the targets × "
        f"{d.target_utilisation:.0%} utilisation × 60 s",
        "ScaleOutCooldown": f"a new instance serves after {start.text}",
    }
    scaling = {
        "register_scalable_target": {
            "ServiceNamespace": "sagemaker",
            "ResourceId": resource,
            "ScalableDimension": dimension,
            "MinCapacity": low,
            "MaxCapacity": high,
        },
        "put_scaling_policy": {
            "PolicyName": f"{t.model_name}-invocations",
            "ServiceNamespace": "sagemaker",
            "ResourceId": resource,
            "ScalableDimension": dimension,
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": round(target, 2),
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                "ScaleOutCooldown": round(start.total_s),
            },
        },
        "_scaling_reasons": reasons,
    }
    return replace(artifact, scaling=scaling)


def _recommended_row(est: Estimate, dec: Decision | None) -> pd.Series | None:
    if dec is None:
        return None
    r = dec.recommendation
    if r.instance is None:
        return None
    o = est.feasible
    rows = o[
        (o["backend"] == r.backend)
        & (o["instance"] == r.instance)
        & (o["precision"] == r.precision)
        & (o["tensor_parallel"] == r.tensor_parallel)
    ]
    return rows.iloc[0] if not rows.empty else None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-").lower()[:40] or "model"


def build(
    est: Estimate,
    option: str | None = None,
    dec: Decision | None = None,
    scenario_file: str = "",
    fleet: tuple[int, float, str] | None = None,
) -> Artifact:
    """The deployment of one option of ``est``: the named one, else the recommendation, else the cheapest.

    ``fleet`` (instances, monthly USD, a note) replaces the option's own count and cost where a plan
    sizes the fleet itself (the traffic mix's shared endpoint).
    """
    row = _recommended_row(est, dec) if option is None else None
    if row is None:
        row = choose(est, option)
    else:
        row = choose(est, f"{row['backend']}:{row['instance']}:{row['precision']}:{int(row['tensor_parallel'])}")
    s = est.scenario
    bk = load_backends()
    lmi = s.deployment.lmi_release
    backend = str(row["backend"])
    b = bk.backends[backend]
    image = bk.container(backend, lmi)[1]
    if not image:
        raise DataError(f"LMI v{lmi} documents no container image for {b.name}; pick another release or backend.")
    resolved = image_uri(image, s.deployment.region)
    inst = load_hardware().instances[str(row["instance"])]
    acc = load_hardware().accelerators[inst.accelerator]
    refused: dict[str, str] = {}
    if backend == "vllm-neuron":
        values = _neuron_vllm_values(est, row)
        why = (
            f"{b.name} runs from AWS's Neuron container ({image}), configured by vllm serve arguments, not LMI "
            "keys: use the EC2 docker command (to host it on SageMaker, copy the image into your own ECR "
            "repository and use it as a bring-your-own container)."
        )
        refused = dict.fromkeys(("properties", "env", *SAGEMAKER_FORMATS), why)
    else:
        values = derive(est, row)
    if not inst.on_sagemaker:
        for f in SAGEMAKER_FORMATS:
            refused.setdefault(f, f"{inst.instance} is not offered on SageMaker: use the EC2 docker command.")
    model = est.model
    count, monthly = int(row["instances"]), float(row["monthly_usd"])
    if fleet is not None:
        count, monthly = fleet[0], fleet[1]
        values = replace(values, notes=(*values.notes, fleet[2]))
    title = (
        f"{b.name}: {count} × {inst.instance} ({row['precision']}, TP {int(row['tensor_parallel'])}) "
        f"at {usd(monthly, per='mo')}"
    )
    target = formats.Target(
        title=title,
        image=resolved.uri,
        image_note=resolved.note,
        region=s.deployment.region,
        instance=inst.instance,
        instances=count,
        on_sagemaker=inst.on_sagemaker,
        devices=inst.chips,
        copies=int(row["replicas_per_instance"]),
        neuron=acc.is_neuron,
        model_name=_slug(model.name),
        tokenizer=values.model_location if not values.model_location.startswith("<") else model.model_id,
        mean_input=round(est.traffic.mean_input),
        mean_output=round(est.traffic.mean_output),
        concurrency=int(row["operating_concurrency"]),
        scenario_file=scenario_file or "scenario.json",
        backend=backend,
        precision=str(row["precision"]),
        tensor_parallel=int(row["tensor_parallel"]),
    )
    return Artifact(row, values, est.model.params_billion, target, planned_runs(est, row), refused)


SHARED = "shared"


def endpoint_names(dec: Decision | None) -> tuple[str, ...]:
    """What ``build_endpoint`` can deploy besides the main recommendation: 'shared' and each class's name."""
    if dec is None or dec.split is None:
        return ()
    return (SHARED, *(e.cls.name for e in dec.split.separate))


def build_endpoint(
    scenario: Scenario, est: Estimate, dec: Decision | None, endpoint: str | None, scenario_file: str = ""
) -> Artifact:
    """One endpoint of the traffic mix: the shared one ('shared') or a class's own (its name); None: the
    main traffic's recommendation.

    The shared endpoint is configured for the class with the longest requests at the strictest targets
    (its lengths bound every class's; its operating concurrency is the one those targets allow).
    """
    if endpoint is None:
        return with_autoscaling(build(est, None, dec, scenario_file), scenario)
    split = dec.split if dec is not None else None
    if split is None:
        raise DataError("--endpoint: this scenario has one traffic class; deploy its recommendation (no --endpoint).")
    from lmi_explorer.models.mix.classes import class_scenario

    def option_of(row: pd.Series | dict) -> str:
        return f"{row['backend']}:{row['instance']}:{row['precision']}:{int(row['tensor_parallel'])}"

    if endpoint == SHARED:
        sh = split.shared
        if sh.option is None:
            raise DataError(f"the shared endpoint has no option: {sh.reason}.")
        longest = max(split.separate, key=lambda e: e.estimate.traffic.bound_input + e.estimate.traffic.bound_output)
        c = longest.cls
        strict = class_scenario(scenario, replace(c, traffic=replace(c.traffic, ttft_s=sh.ttft_s, tpot_ms=sh.tpot_ms)))
        note = (
            f"One shared endpoint for all {len(split.separate)} classes: its values are {c.name}'s (the longest "
            f"requests) at the strictest targets, TTFT ≤ {sh.ttft_s:g} s and TPOT ≤ {sh.tpot_ms:g} ms."
        )
        fleet = (sh.instances, split.shared_usd, note)
        shared = build(estimate(strict, est.prices), option_of(sh.option), None, scenario_file, fleet)
        return with_autoscaling(shared, scenario)
    for e in split.separate:
        if e.cls.name == endpoint:
            if e.option is None:
                raise DataError(f"{e.cls.name}: nothing fits its targets, so there is no endpoint to deploy.")
            return with_autoscaling(build(e.estimate, option_of(e.option), None, scenario_file), e.scenario)
    names = ", ".join(endpoint_names(dec))
    raise DataError(f"--endpoint {endpoint}: no such endpoint; use one of {names}.")


def _neuron_vllm_values(est: Estimate, row: pd.Series) -> Values:
    """vLLM-on-Neuron as environment for the docker command: the vllm serve arguments with their reasons."""
    from lmi_explorer.models.deploy.values import ENDPOINT, HF_TOKEN, Placeholder

    ts = est.traffic
    model = est.model
    seq = min(int(ts.bound_input) + int(ts.bound_output), int(model.context))
    conc = int(row["operating_concurrency"])
    tp = int(row["tensor_parallel"])
    location = model.model_id if not model.custom else "<MODEL_LOCATION>"
    settings = (
        Setting("model", "", location, "the checkpoint as published"),
        Setting("--tensor-parallel-size", "", str(tp), f"{tp} NeuronCores per copy"),
        Setting("--max-num-seqs", "", str(conc), "the operating concurrency of one copy"),
        Setting("--max-model-len", "", str(seq), "input + output bound of the traffic"),
        Setting("--port", "", "8000", "vLLM's OpenAI-compatible server port"),
    )
    ph = [HF_TOKEN, ENDPOINT]
    if model.custom:
        ph.insert(0, Placeholder("<MODEL_LOCATION>", "where the model's weights are"))
    return Values(settings, tuple(ph), ("Neuron compiles the model when the server starts.",), location, 3600)
