"""The deployment artifact per format: serving.properties, environment, SageMaker SDK, boto3, docker, load test.

Every format is built from the same ``Values`` so they cannot disagree; each value's reason is
written beside it as a comment where the format allows one (boto3 JSON carries them under
``_reasons``, which is not sent to the API).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from lmi_explorer.models.deploy.plan import PlannedRun
from lmi_explorer.models.deploy.values import Setting, Values
from lmi_explorer.models.units import ms_per_token, seconds

FORMATS = ("properties", "env", "sagemaker-py", "boto3", "docker", "loadtest")
FORMAT_LABELS = {
    "properties": "serving.properties",
    "env": "Environment",
    "sagemaker-py": "SageMaker SDK",
    "boto3": "boto3 JSON",
    "docker": "EC2 docker",
    "loadtest": "Validation plan",
}
#: file name a format is saved under by default
FILE_NAMES = {
    "properties": "serving.properties",
    "env": "lmi.env",
    "sagemaker-py": "deploy_endpoint.py",
    "boto3": "sagemaker_requests.json",
    "docker": "run_on_ec2.sh",
    "loadtest": "validate_endpoint.sh",
}


@dataclass(frozen=True, slots=True)
class Target:
    """Where the option runs: what the formats need besides the values."""

    title: str  # "vLLM: 2 × g6e.xlarge (fp8, TP 1) at $3,804/mo"
    image: str
    image_note: str
    region: str
    instance: str
    instances: int
    on_sagemaker: bool
    devices: int  # Neuron devices (/dev/neuronN): one per chip
    copies: int  # model copies on one instance
    neuron: bool
    model_name: str
    tokenizer: str
    mean_input: int
    mean_output: int
    concurrency: int
    scenario_file: str
    backend: str
    precision: str
    tensor_parallel: int


def env_settings(v: Values) -> list[Setting]:
    """The settings that travel as environment variables (those with one: ``engine`` is a file-only key)."""
    return [s for s in v.settings if s.env]


def _header(t: Target, comment: str = "#") -> list[str]:
    lines = [f"{comment} {t.title}", f"{comment} image: {t.image}"]
    if t.image_note:
        lines.append(f"{comment} note: {t.image_note}")
    return lines


SAGEMAKER_ONLY = ("<SAGEMAKER_EXECUTION_ROLE_ARN>", "<ENDPOINT_NAME>")


def _placeholders(v: Values, comment: str = "#", sagemaker: bool = False) -> list[str]:
    """The placeholders a format contains (the role and endpoint name only where SageMaker is called)."""
    return [f"{comment} {p.token}: {p.meaning}" for p in v.placeholders if sagemaker or p.token not in SAGEMAKER_ONLY]


def properties(v: Values, t: Target) -> str:
    lines = [*_header(t), "# Replace before use:", *_placeholders(v), ""]
    for s in v.settings:
        lines += [f"# {s.reason}", f"{s.key}={s.value}"]
    lines += [f"# {n}" for n in v.notes]
    return "\n".join(lines) + "\n"


def env(v: Values, t: Target) -> str:
    lines = [*_header(t), "# Replace before use:", *_placeholders(v), ""]
    for s in env_settings(v):
        lines += [f"# {s.reason}", f"{s.env}={s.value}"]
    lines += [f"# {n}" for n in v.notes]
    return "\n".join(lines) + "\n"


def _request_body(t: Target) -> dict:
    return {"inputs": "What is the capital of France?", "parameters": {"max_new_tokens": min(t.mean_output, 256)}}


def sagemaker_py(v: Values, t: Target) -> str:
    env_lines = "\n".join(f"        {s.env!r}: {s.value!r},  # {s.reason}" for s in env_settings(v))
    env_lines += "\n        # 'HF_TOKEN': '<HF_TOKEN>',  # gated models only"
    ph = "\n".join(_placeholders(v, sagemaker=True))
    return f'''"""Deploy {t.title} on a SageMaker real-time endpoint.

Image: {t.image}
Needs the SageMaker Python SDK v2 (pip install "sagemaker>=2.200,<3") and AWS credentials for {t.region}.
"""

# Replace before use:
{ph}

from sagemaker.deserializers import JSONDeserializer
from sagemaker.model import Model
from sagemaker.predictor import Predictor
from sagemaker.serializers import JSONSerializer
from sagemaker.session import Session

ROLE = "{"<SAGEMAKER_EXECUTION_ROLE_ARN>"}"
ENDPOINT_NAME = "{"<ENDPOINT_NAME>"}"

model = Model(
    image_uri="{t.image}",
    role=ROLE,
    env={{
{env_lines}
    }},
    predictor_cls=Predictor,
    sagemaker_session=Session(),
)

predictor = model.deploy(
    initial_instance_count={t.instances},
    instance_type="ml.{t.instance}",
    endpoint_name=ENDPOINT_NAME,
    container_startup_health_check_timeout={v.startup_timeout_s},
    model_data_download_timeout={v.startup_timeout_s},
    serializer=JSONSerializer(),
    deserializer=JSONDeserializer(),
)

# a test invocation
print(predictor.predict({_request_body(t)!r}))
'''


def boto3_requests(v: Values, t: Target) -> dict:
    """The three SageMaker API requests (CreateModel, CreateEndpointConfig, CreateEndpoint)."""
    model_name = f"{t.model_name}-model"
    config_name = f"{t.model_name}-config"
    return {
        "create_model": {
            "ModelName": model_name,
            "ExecutionRoleArn": "<SAGEMAKER_EXECUTION_ROLE_ARN>",
            "PrimaryContainer": {"Image": t.image, "Environment": {s.env: s.value for s in env_settings(v)}},
        },
        "create_endpoint_config": {
            "EndpointConfigName": config_name,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": model_name,
                    "InstanceType": f"ml.{t.instance}",
                    "InitialInstanceCount": t.instances,
                    "ContainerStartupHealthCheckTimeoutInSeconds": v.startup_timeout_s,
                    "ModelDataDownloadTimeoutInSeconds": v.startup_timeout_s,
                }
            ],
        },
        "create_endpoint": {"EndpointName": "<ENDPOINT_NAME>", "EndpointConfigName": config_name},
        "_reasons": {s.env: s.reason for s in env_settings(v)},
        "_placeholders": {p.token: p.meaning for p in v.placeholders},
    }


def boto3_json(v: Values, t: Target, scaling: dict | None = None) -> str:
    """The SageMaker requests, and with autoscaling the Application Auto Scaling ones after them."""
    doc = boto3_requests(v, t)
    if scaling:
        doc = {
            **{k: doc[k] for k in ("create_model", "create_endpoint_config", "create_endpoint")},
            **scaling,
            "_reasons": doc["_reasons"],
            "_placeholders": doc["_placeholders"],
        }
    return json.dumps(doc, indent=2) + "\n"


def docker(v: Values, t: Target) -> str:
    own = [p for p in v.placeholders if p.token not in (*SAGEMAKER_ONLY, "<HF_TOKEN>")]
    lines = ["#!/bin/sh", *_header(t), f"# on one {t.instance} (EC2), per instance of the fleet"]
    if own:
        lines += ["# Replace before use:", *[f"# {p.token}: {p.meaning}" for p in own]]
    lines.append("# For gated models, export HF_TOKEN=... first (passed through below).")
    lines.append("")
    if t.backend == "vllm-neuron":
        return "\n".join(lines + _vllm_serve(v, t)) + "\n"
    lines += [f"# {s.env}: {s.reason}" for s in env_settings(v)]
    lines.append("")
    if t.neuron:
        devices = " ".join(f"--device=/dev/neuron{i}" for i in range(t.devices))
        cmd = f"docker run -d {devices} -p 8080:8080 -e HF_TOKEN \\\n"
    else:
        cmd = "docker run -d --runtime=nvidia --gpus all --shm-size 12gb -p 8080:8080 -e HF_TOKEN \\\n"
    for s in env_settings(v):
        cmd += f"  -e {s.env}={shlex.quote(s.value)} \\\n"
    cmd += f"  {t.image}\n"
    lines.append(f"docker pull {t.image}")
    lines.append(cmd)
    lines.append("# then, once the log says the model is loaded:")
    body = json.dumps(_request_body(t))
    lines.append(
        f"curl -X POST http://localhost:8080/invocations -H 'Content-Type: application/json' -d {shlex.quote(body)}"
    )
    return "\n".join(lines) + "\n"


def _vllm_serve(v: Values, t: Target) -> list[str]:
    """vLLM's own server in AWS's Neuron container: ``vllm serve MODEL --flag value …``."""
    lines = [f"# {s.key}: {s.reason}" for s in v.settings]
    model = next(s.value for s in v.settings if s.key == "model")
    devices = " ".join(f"--device=/dev/neuron{i}" for i in range(t.devices))
    args = " ".join(f"{s.key} {shlex.quote(s.value)}" for s in v.settings if s.key.startswith("--"))
    body = json.dumps({"model": model, "prompt": "What is the capital of France?", "max_tokens": 64})
    out = [*lines, "", f"docker pull {t.image}"]
    cores = t.tensor_parallel
    for copy in range(t.copies):
        port = 8000 + copy
        visible = f"{copy * cores}-{copy * cores + cores - 1}" if cores > 1 else str(copy * cores)
        if t.copies > 1:
            out.append(f"# copy {copy + 1} of {t.copies}: NeuronCores {visible}, port {port}")
        out += [
            f"docker run -d {devices} -p {port}:{port} -e HF_TOKEN -e NEURON_RT_VISIBLE_CORES={visible} \\",
            f"  {t.image} \\",
            f"  vllm serve {shlex.quote(model)} {args.replace('--port 8000', f'--port {port}')}",
        ]
    out += [
        "",
        "# then, once the log says the server is up:",
        f"curl -X POST http://localhost:8000/v1/completions -H 'Content-Type: application/json' -d {shlex.quote(body)}",
    ]
    return out


def _vllm_bench(t: Target, runs: tuple[PlannedRun, ...], model: str) -> list[str]:
    """vLLM's serving benchmark against the server, one run per planned concurrency."""
    out = ["# Replace before use:", "# <EC2_HOST>: the instance running the server", ""]
    for r in runs:
        n = max(5 * r.concurrency, 20)
        out.append(
            f"vllm bench serve --backend vllm --base-url http://<EC2_HOST>:8000 --model {shlex.quote(model)} "
            f"--dataset-name random --random-input-len {t.mean_input} --random-output-len {t.mean_output} "
            f"--num-prompts {n} --max-concurrency {r.concurrency} --save-result "
            f"--result-filename vllm-bench-c{r.concurrency}.json"
        )
    return out


def loadtest(v: Values, t: Target, runs: tuple[PlannedRun, ...]) -> str:
    """awscurl runs at and around the operating point, with what the estimate expects of each."""
    url = (
        f"https://runtime.sagemaker.{t.region}.amazonaws.com/endpoints/<ENDPOINT_NAME>/invocations"
        if t.on_sagemaker
        else "http://<EC2_HOST>:8080/invocations"
    )
    body = {"inputs": "$PROMPT", "parameters": {"max_new_tokens": t.mean_output}}
    lines = [
        "#!/bin/sh",
        f"# Validation plan for {t.title}",
        f"# One model copy, closed loop (each client waits for its answer), {t.mean_input} input and "
        f"{t.mean_output} output tokens a request.",
        "# What the estimate says each run measures:",
        "#   clients   TPOT          TTFT      output tok/s   requests/s",
    ]
    for r in runs:
        mark = "  <- operating point" if r.concurrency == t.concurrency else ""
        lines.append(
            f"#   {r.concurrency:7d}   {ms_per_token(r.tpot_ms):>11}   {seconds(r.ttft_s):>7}   "
            f"{r.output_tokens_per_s:12,.0f}   {r.requests_per_s:10.2f}{mark}"
        )
    if t.backend == "vllm-neuron":
        model = next(s.value for s in v.settings if s.key == "model")
        lines += ["#", "# vLLM's serving benchmark (pip install vllm on any machine that reaches the server).", ""]
        lines += _vllm_bench(t, runs, model)
        files = " ".join(f"--measurements vllm-bench-c{r.concurrency}.json" for r in runs)
        lines += [
            "",
            "# Each file imports into the Calibration tab (File ▸ Import measurements) or:",
            f"# lmi-explorer calibrate {shlex.quote(t.scenario_file)} {files} --instance {t.instance} "
            f"--backend {t.backend} --precision {t.precision} --tensor-parallel {t.tensor_parallel} "
            "--out calibrated.json",
        ]
        return "\n".join(lines) + "\n"
    lines += [
        "#",
        "# awscurl: https://github.com/deepjavalibrary/djl-serving/tree/master/awscurl (AWS credentials for "
        f"{t.region}).",
        "# Replace before use:",
        f"# <ENDPOINT_NAME>{': the endpoint deployed' if t.on_sagemaker else ''}",
        *([] if t.on_sagemaker else ["# <EC2_HOST>: the instance running the container"]),
        "",
        f"export TOKENIZER={shlex.quote(t.tokenizer)}",
        f"PROMPT=$(python3 -c \"print(' '.join(['hello'] * {t.mean_input}))\")  # about {t.mean_input} tokens",
    ]
    for r in runs:
        data = json.dumps(body).replace('"$PROMPT"', '"\'"$PROMPT"\'"')
        lines.append(
            f"./awscurl -c {r.concurrency} -N {max(5, 20 // r.concurrency)} -X POST"
            + (" -n sagemaker" if t.on_sagemaker else "")
            + f" {url} --connect-timeout 60 -H 'Content-Type: application/json' -d '{data}' -P -t "
            f"> awscurl-c{r.concurrency}.json"
        )
    files = " ".join(f"--measurements awscurl-c{r.concurrency}.json" for r in runs)
    lines += [
        "",
        "# Each file imports into the Calibration tab (File ▸ Import measurements) or:",
        f"# lmi-explorer calibrate {shlex.quote(t.scenario_file)} {files} --instance {t.instance} "
        f"--backend {t.backend} --precision {t.precision} --tensor-parallel {t.tensor_parallel} "
        f"--input-tokens {t.mean_input} --out calibrated.json",
    ]
    return "\n".join(lines) + "\n"
