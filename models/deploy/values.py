"""The configuration values of one option, each derived from the estimate with the reason for it.

The estimate already decided the numbers a deployment needs (operating concurrency, length
bounds, memory fraction, tensor parallelism, precision); this module names them the way the
chosen backend's LMI container reads them, for the chosen release only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from lmi_explorer.models.deploy.keys import key_for
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate.options import engine_memory_fraction, engine_step_budget
from lmi_explorer.models.estimate.pipeline import Estimate
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.units import ms_per_token, percent, seconds


@dataclass(frozen=True, slots=True)
class Setting:
    """One configuration value: its ``serving.properties`` key, environment variable, value and why."""

    key: str
    env: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A value only the user can give (never invented): the token written and what to put there."""

    token: str
    meaning: str


@dataclass(frozen=True)
class Values:
    """Everything the formats render: settings, placeholders, and notes on what was left out."""

    settings: tuple[Setting, ...]
    placeholders: tuple[Placeholder, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    model_location: str = ""
    startup_timeout_s: int = 1800

    def as_dict(self) -> dict[str, str]:
        return {s.key: s.value for s in self.settings}

    def env(self) -> dict[str, str]:
        return {s.env: s.value for s in self.settings}


ROLE = Placeholder("<SAGEMAKER_EXECUTION_ROLE_ARN>", "the IAM role SageMaker assumes to pull the image and model")
ENDPOINT = Placeholder("<ENDPOINT_NAME>", "a name for the endpoint, unique in the account and region")
HF_TOKEN = Placeholder("<HF_TOKEN>", "a Hugging Face access token, for gated models (leave out otherwise)")

#: precisions whose weights must come from a checkpoint already quantized that way
PRE_QUANTIZED = ("awq", "gptq", "nvfp4")


def _checkpoint(precision: str, model_id: str, checkpoint_precision: str, backend: str) -> tuple[str, str, str | None]:
    label = load_backends().precisions[precision].label if precision in load_backends().precisions else precision
    """(model location, its reason, runtime quantize value or None)."""
    native = precision == checkpoint_precision or (precision == "bf16" and checkpoint_precision in ("bf16", "fp16"))
    if native:
        return model_id, f"the checkpoint as published ({checkpoint_precision} weights)", None
    if backend == "trtllm" and precision in ("fp8", "awq", "int8"):
        method = {"fp8": "fp8", "awq": "awq", "int8": "smoothquant"}[precision]
        return model_id, "the published checkpoint, quantized while the engine is compiled", method
    if backend == "tnx" and precision == "int8":
        return model_id, "the published checkpoint, int8 weights at load time", "static_int8"
    if precision == "fp8" and backend in ("vllm", "lmi-dist"):
        return model_id, "the published checkpoint, quantized to fp8 at load time", "fp8"
    token = f"<{precision.upper()}_CHECKPOINT>"
    article = "an" if label[:1].lower() in "aeiou" else "a"
    return token, f"{article} {label} checkpoint of {model_id} (its Hugging Face id or S3 prefix)", None


def derive(est: Estimate, row: pd.Series) -> Values:
    """The settings of one option row of ``est`` (a row of ``est.options``)."""
    s = est.scenario
    bk = load_backends()
    lmi = s.deployment.lmi_release
    backend = str(row["backend"])
    b = bk.backends[backend]
    hw = load_hardware()
    inst = hw.instances[str(row["instance"])]
    acc = hw.accelerators[inst.accelerator]
    model = est.model
    ts = est.traffic
    t = s.traffic
    out: list[Setting] = []
    notes: list[str] = []

    def put(key: str, value: object, reason: str) -> None:
        k = key_for(backend, key)
        if k is None or not k.valid_in(lmi):
            notes.append(f"{key} is not a documented {b.name} key in LMI v{lmi}; left out ({reason}).")
            return
        out.append(Setting(key, k.env, str(value), reason))

    tp = int(row["tensor_parallel"])
    copies = int(row["replicas_per_instance"])
    conc = int(row["operating_concurrency"])
    limit = str(row["limited_by"])
    bound_in, bound_out = int(ts.bound_input), int(ts.bound_output)
    seq = min(bound_in + bound_out, int(model.context))
    pct = f"p{s.deployment.bound_percentile * 100:g}" if s.deployment.bound_percentile < 1 else "the longest"
    precision = str(row["precision"])
    location, loc_reason, quantize = _checkpoint(precision, model.model_id, model.checkpoint_precision, backend)
    placeholders = [ROLE, ENDPOINT, HF_TOKEN]
    if location.startswith("<"):
        placeholders.insert(0, Placeholder(location, loc_reason))
    elif model.custom:
        location = "<MODEL_LOCATION>"
        meaning = f"where {model.name}'s weights are: a Hugging Face id or S3 prefix"
        placeholders.insert(0, Placeholder(location, meaning))
        loc_reason = "your own model, imported from its config"

    unit = "NeuronCores" if acc.is_neuron else "GPUs"
    per_dev = float(row["weights_gib_per_device"])
    where = (
        f"they fit on one {acc.name} ({acc.memory_bytes / 2**30:.0f} GiB) with room for the KV cache"
        if tp == 1
        else f"{per_dev:.1f} GiB on each of {tp} {unit} of {acc.name} ({acc.memory_bytes / 2**30:.0f} GiB each)"
    )
    tp_reason = f"{model.name} at {precision} has {float(row['weights_gib']):.1f} GiB of weights: {where}" + (
        f"; LMI starts {copies} copies on the {inst.devices} {unit} of {inst.instance}" if copies > 1 else ""
    )
    conc_reason = (
        f"the operating concurrency: the most requests one copy serves at once within TTFT ≤ {seconds(t.ttft_s)} "
        f"and TPOT ≤ {ms_per_token(t.tpot_ms)} (estimate: TTFT {seconds(float(row['ttft_s']))}, "
        f"TPOT {ms_per_token(float(row['tpot_ms']))}; limited by {limit})"
    )
    beyond = float(ts.share_beyond)
    len_reason = (
        f"{pct} input {bound_in:,} + output {bound_out:,} tokens"
        + (f", capped at the model's context {model.context:,}" if bound_in + bound_out > model.context else "")
        + (f"; {percent(beyond)} of requests are longer and are refused" if beyond > 0 else "")
    )
    timeout = 1800
    if backend in ("vllm", "lmi-dist"):
        put("engine", "Python", "LMI's Python engine runs vLLM" + (" through MPI" if backend == "lmi-dist" else ""))
        if backend == "lmi-dist":
            put("option.mpi_mode", "true", "lmi-dist runs one MPI worker per GPU")
        put("option.model_id", location, loc_reason)
        put("option.tensor_parallel_degree", tp, tp_reason)
        if lmi <= 16 or backend == "lmi-dist":
            put("option.rolling_batch", backend, "continuous batching on " + b.name)
        put("option.max_rolling_batch_size", conc, conc_reason)
        put("option.max_model_len", seq, len_reason)
        share = engine_memory_fraction(b, s.deployment.gpu_memory_utilization)
        put(
            "option.gpu_memory_utilization",
            f"{share:g}",
            f"the share of GPU memory the KV-cache capacity ({int(row['kv_capacity_tokens']):,} tokens) assumes"
            + ("" if s.deployment.gpu_memory_utilization is None else " (the scenario's setting)"),
        )
        budget = engine_step_budget(b, acc.memory_bytes / 2**30, acc.name, s.deployment.max_num_batched_tokens)
        if math.isfinite(budget):
            put(
                "option.max_rolling_batch_prefill_tokens",
                int(budget),
                "tokens per scheduler step the TTFT estimate assumes "
                + (
                    "(the scenario's setting)"
                    if s.deployment.max_num_batched_tokens is not None
                    else f"({b.name}'s default on {acc.name})"
                ),
            )
        if quantize:
            put("option.quantize", quantize, "runtime fp8 weights, as the estimate prices them")
        if s.deployment.kv_cache_dtype == "fp8":
            put("option.kv_cache_dtype", "fp8", "fp8 KV cache, as the scenario's KV-cache precision")
    elif backend == "trtllm":
        put("engine", "Python", "TensorRT-LLM runs under LMI's Python engine in MPI mode")
        put("option.mpi_mode", "true", "one MPI worker per GPU")
        put("option.model_id", location, loc_reason)
        put("option.tensor_parallel_degree", tp, tp_reason)
        put("option.rolling_batch", "trtllm", "in-flight batching on TensorRT-LLM")
        put("option.max_rolling_batch_size", conc, conc_reason)
        put("option.max_input_len", min(bound_in, int(model.context)), f"{pct} input length (compiled into the engine)")
        put("option.max_output_len", seq, f"input + output ({len_reason}); the guide maps it to max_seq_len")
        budget = engine_step_budget(b, acc.memory_bytes / 2**30, acc.name, s.deployment.max_num_batched_tokens)
        tokens = int(budget) if math.isfinite(budget) else 16384
        put("option.max_num_tokens", tokens, "tokens per engine step the TTFT estimate assumes")
        put(
            "option.kv_cache_free_gpu_mem_fraction",
            f"{b.memory_fraction:g}",
            "the share of memory left after the weights that the KV-cache capacity assumes",
        )
        if quantize:
            put("option.quantize", quantize, f"{precision} quantization during the just-in-time compile")
        timeout = 3600
        notes.append("TensorRT-LLM compiles the engine when the container starts: allow up to an hour to be healthy.")
    elif backend == "tnx":
        put("engine", "Python", "Transformers NeuronX runs under LMI's Python engine")
        put("option.entryPoint", "djl_python.transformers_neuronx", "the NeuronX handler")
        put("option.model_id", location, loc_reason)
        put("option.tensor_parallel_degree", tp, tp_reason)
        put("option.rolling_batch", "auto", "continuous batching on NeuronX")
        put("option.max_rolling_batch_size", conc, conc_reason)
        put("option.n_positions", seq, f"total sequence length, input + output ({len_reason}); compiled in")
        put("option.model_loading_timeout", 3600, "NeuronX compiles the model at start; allow an hour")
        if quantize:
            put("option.quantize", quantize, "int8 weights, as the estimate prices them")
        timeout = 3600
    else:
        raise DataError(
            f"{b.name} has no LMI deployment template here: the artifact covers vLLM, lmi-dist, TensorRT-LLM and "
            "Transformers NeuronX (and vLLM on Neuron as a docker command). Pick an option on one of those."
        )
    return Values(tuple(out), tuple(placeholders), tuple(notes), location, timeout)
