"""The deployment artifact: values parse back, scripts use real SDK names, requests have the API's shape."""

from __future__ import annotations

import ast
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest

from lmi_explorer.models.cli import main
from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.deploy import FORMATS, build
from lmi_explorer.models.deploy.images import IMAGE_URI_PATTERN, image_uri, regions_for
from lmi_explorer.models.deploy.keys import load_keys
from lmi_explorer.models.deploy.plan import concurrencies
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.loadtest import at_concurrency
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.scenario import PriceList, default_scenario, save
from tests.models.deploy_golden import GOLDEN_DIR, golden_cases, render_case

# The SageMaker Python SDK's own names, read from sagemaker 2.257.7 (PyPI wheel): sagemaker/model.py
# Model.__init__ and Model.deploy signatures; the modules of the classes imported.
SDK_IMPORTS = {
    ("sagemaker.model", "Model"),
    ("sagemaker.predictor", "Predictor"),
    ("sagemaker.serializers", "JSONSerializer"),
    ("sagemaker.deserializers", "JSONDeserializer"),
    ("sagemaker.session", "Session"),
}
MODEL_INIT = {"image_uri", "model_data", "role", "predictor_cls", "env", "name", "vpc_config", "sagemaker_session"}
MODEL_DEPLOY = {
    "initial_instance_count",
    "instance_type",
    "serializer",
    "deserializer",
    "endpoint_name",
    "volume_size",
    "model_data_download_timeout",
    "container_startup_health_check_timeout",
    "wait",
}
#: SageMaker API names: ModelName/EndpointName/EndpointConfigName '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}'
SM_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


#: the default chatbot on L40S at bf16/fp8: the guide's rule sends uneven traffic to vLLM, runtime fp8 the cheapest
FP8 = {"precisions": ("bf16", "fp8"), "instance_families": ("g6e",)}


@pytest.fixture(scope="module")
def default_artifact():
    s = default_scenario().with_changes(**FP8)
    est = estimate(s)
    return build(est, None, evaluate(s, est))


def _pairs(text: str, sep: str = "=") -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(sep)
            out[key] = value
    return out


def test_default_is_the_recommendation_with_its_reasons(default_artifact):
    a = default_artifact
    v = a.values.as_dict()
    # Llama-2-13B chatbot: vLLM, g6e.xlarge, fp8, TP 1; 1,408 + 1,408 tokens
    assert v["option.tensor_parallel_degree"] == "1"
    assert v["option.max_rolling_batch_size"] == str(int(a.row["operating_concurrency"]))
    assert v["option.max_model_len"] == "2816"
    assert v["option.gpu_memory_utilization"] == "0.9"
    assert v["option.quantize"] == "fp8"
    assert "option.rolling_batch" not in v  # async mode from LMI v17: no rolling_batch
    reasons = {s.key: s.reason for s in a.values.settings}
    assert "operating concurrency" in reasons["option.max_rolling_batch_size"]
    assert "1,408" in reasons["option.max_model_len"]
    assert a.target.image == "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.38.0-lmi29.0.0-cu130"


def test_properties_and_env_parse_back_to_the_same_values(default_artifact):
    a = default_artifact
    assert _pairs(a.render("properties")) == a.values.as_dict()
    env = _pairs(a.render("env"))
    assert env == {s.env: s.value for s in a.values.settings if s.env}
    assert env["OPTION_MAX_ROLLING_BATCH_SIZE"] == a.values.as_dict()["option.max_rolling_batch_size"]
    assert env["HF_MODEL_ID"] == "meta-llama/Llama-2-13b-hf"


def test_every_written_key_is_documented_for_its_release():
    keys = load_keys()
    for name in golden_cases():
        s = golden_cases()[name]
        est = estimate(s)
        a = build(est, None, evaluate(s, est))
        for st in a.values.settings:
            if a.target.backend == "vllm-neuron":
                continue
            k = keys[(a.target.backend, st.key)]
            assert k.valid_in(s.deployment.lmi_release), (name, st.key)


def test_a_key_the_release_lacks_is_left_out_with_a_note(make_scenario):
    # vLLM's kv_cache_dtype is documented from DJL-Serving 0.28.0 (LMI v10); LMI v9 is 0.27.0
    s = make_scenario(lmi_release=9, kv_cache_dtype="fp8", precisions=("bf16",))
    est = estimate(s)
    row = est.feasible[est.feasible["backend"] == "vllm"].iloc[0]
    a = build(est, f"vllm:{row['instance']}:bf16:{int(row['tensor_parallel'])}")
    assert "option.kv_cache_dtype" not in a.values.as_dict()
    assert any("kv_cache_dtype" in n for n in a.values.notes)
    assert a.values.as_dict()["option.rolling_batch"] == "vllm"  # before async mode became the default
    name = f"vllm:{row['instance']}:bf16:{int(row['tensor_parallel'])}"
    later = build(estimate(s.with_changes(lmi_release=12)), name)
    assert later.values.as_dict()["option.kv_cache_dtype"] == "fp8"


def test_sagemaker_script_compiles_and_uses_only_sdk_names(default_artifact):
    text = default_artifact.render("sagemaker-py")
    tree = ast.parse(text)
    imported = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert imported == SDK_IMPORTS
    calls = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            name = n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
            calls[name] = {k.arg for k in n.keywords}
    assert calls["Model"] <= MODEL_INIT
    assert calls["deploy"] <= MODEL_DEPLOY
    assert {"initial_instance_count", "instance_type", "endpoint_name"} <= calls["deploy"]
    assert "predict" in calls
    count = int(default_artifact.row["instances"])
    assert 'instance_type="ml.g6e.xlarge"' in text and f"initial_instance_count={count}" in text


def test_boto3_requests_have_the_documented_shape(default_artifact):
    doc = json.loads(default_artifact.render("boto3"))
    cm, cec, ce = doc["create_model"], doc["create_endpoint_config"], doc["create_endpoint"]
    assert set(cm) == {"ModelName", "ExecutionRoleArn", "PrimaryContainer"}
    assert set(cm["PrimaryContainer"]) == {"Image", "Environment"}
    assert all(isinstance(v, str) for v in cm["PrimaryContainer"]["Environment"].values())
    assert set(cec) == {"EndpointConfigName", "ProductionVariants"}
    (variant,) = cec["ProductionVariants"]
    assert variant["ModelName"] == cm["ModelName"]
    count = int(default_artifact.row["instances"])
    assert variant["InstanceType"] == "ml.g6e.xlarge" and variant["InitialInstanceCount"] == count
    assert isinstance(variant["ContainerStartupHealthCheckTimeoutInSeconds"], int)
    assert set(ce) == {"EndpointName", "EndpointConfigName"} and ce["EndpointConfigName"] == cec["EndpointConfigName"]
    for name in (cm["ModelName"], cec["EndpointConfigName"]):
        assert SM_NAME.match(name)
    assert ce["EndpointName"] == "<ENDPOINT_NAME>" and cm["ExecutionRoleArn"] == "<SAGEMAKER_EXECUTION_ROLE_ARN>"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "af-south-1", "cn-north-1", "me-south-1"])
def test_image_uris_match_the_documented_pattern_for_every_release(region):
    bk = load_backends()
    seen = 0
    for lmi in bk.lmi_versions:
        for backend in ("vllm", "lmi-dist", "trtllm", "tnx"):
            if not bk.backends[backend].available(lmi):
                continue
            image = bk.container(backend, lmi)[1]
            regions, _ = regions_for(image)
            if region not in regions:
                with pytest.raises(DataError, match="not published in"):
                    image_uri(image, region)
                continue
            uri = image_uri(image, region).uri
            m = IMAGE_URI_PATTERN.match(uri)
            assert m, uri
            assert m["region"] == region
            assert uri.endswith(".amazonaws.com.cn/" + image) == region.startswith("cn-")
            seen += 1
    assert seen > 10


def test_accounts_per_region_are_the_sdks():
    # sagemaker 2.257.7 image_uri_config/djl-lmi.json: 763104351884 in us-east-1, 626614931356 in af-south-1
    image = "djl-inference:0.38.0-lmi29.0.0-cu130"
    assert image_uri(image, "us-east-1").uri.startswith("763104351884.dkr.ecr.us-east-1.amazonaws.com/")
    assert image_uri(image, "af-south-1").uri.startswith("626614931356.dkr.ecr.af-south-1.amazonaws.com/")
    assert image_uri(image, "cn-north-1").uri.startswith("727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/")


def test_validation_plan_says_what_each_run_measures(default_artifact):
    a = default_artifact
    text = a.render("loadtest")
    c = int(a.row["operating_concurrency"])
    assert concurrencies(c) == (1, c // 2, c, 2 * c)
    for n in concurrencies(c):
        assert f"./awscurl -c {n} " in text
        assert f"--measurements awscurl-c{n}.json" in text
    s = default_scenario().with_changes(**FP8)
    f = at_concurrency(s, c, instance="g6e.xlarge", backend="vllm", precision="fp8")
    row = f[f["tensor_parallel"] == 1].iloc[0]
    line = next(ln for ln in text.splitlines() if "operating point" in ln)
    assert f"{row['output_tokens_per_s']:,.0f}" in line


@pytest.mark.parametrize("name", list(golden_cases()))
def test_golden_files(name):
    rendered = render_case(name)
    stored = {p.name.split(".")[1]: p for p in GOLDEN_DIR.glob(f"{name}.*.txt")}
    assert set(rendered) == set(stored), "formats changed: run tools/regen_deploy_golden.py and review the diff"
    for fmt, text in rendered.items():
        assert text == stored[fmt].read_text(encoding="utf-8"), f"{name} {fmt}: run tools/regen_deploy_golden.py"


def test_golden_cases_cover_the_three_kinds():
    backends = {}
    for name in golden_cases():
        s = golden_cases()[name]
        est = estimate(s)
        backends[name] = evaluate(s, est).recommendation.backend
    assert backends == {
        "default": "vllm",
        "even_trtllm": "trtllm",
        "inferentia_v16": "tnx",
        "inferentia_latest": "vllm-neuron",
    }
    tnx = render_case("inferentia_v16")["properties"]
    assert "option.n_positions=" in tnx and "option.entryPoint=djl_python.transformers_neuronx" in tnx
    trt = _pairs(render_case("even_trtllm")["properties"])
    assert int(trt["option.max_output_len"]) > int(trt["option.max_input_len"])


# ---- bad input: a clear message and no artifact


def _cli(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def scenario_file(tmp_path):
    def write(**changes):
        path = tmp_path / "s.json"
        save(default_scenario().with_changes(**changes) if changes else default_scenario(), path)
        return str(path)

    return write


def test_cli_writes_each_format(scenario_file, tmp_path):
    path = scenario_file()
    for fmt in FORMATS:
        out = tmp_path / f"out.{fmt}"
        code, stdout, err = _cli(["deploy", path, "--format", fmt, "--out", str(out)])
        assert code == 0, err
        assert out.read_text(encoding="utf-8").strip()
        assert "wrote" in stdout


@pytest.mark.parametrize(
    ("changes", "option", "message"),
    [
        ({}, "vllm:g4dn.xlarge:bf16", "does not fit: Weights need"),
        ({}, "lmi-dist:g6e.xlarge:fp8", "LMI v29 has no lmi-dist"),
        ({}, "vllm:g6e.xlarge", "give BACKEND:INSTANCE:PRECISION"),
        ({}, "vllm:nosuch.xlarge:fp8", "unknown instance type"),
        ({"hardware": "inferentia"}, None, "runs from AWS's Neuron container"),
    ],
)
def test_bad_input_is_refused_without_a_file(scenario_file, tmp_path, changes, option, message):
    path = scenario_file(**changes)
    out = tmp_path / "artifact.txt"
    args = ["deploy", path, "--format", "properties", "--out", str(out)]
    if option:
        args += ["--option", option]
    code, _, err = _cli(args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


def test_region_without_the_image_is_refused():
    # priced there (the user's own list) but AWS publishes no LMI image in ap-east-2 (Taipei)
    csv = "instance,region,platform,pricing_option,usd_per_hour,source,as_of\n"
    csv += "g6e.xlarge,ap-east-2,sagemaker,on_demand,3.10,my quote,2026-12\n"
    s = default_scenario().with_changes(region="ap-east-2", price_list=PriceList("taipei.csv", csv))
    est = estimate(s)
    with pytest.raises(DataError, match=r"is not published in ap-east-2: AWS publishes it in \d+ regions"):
        build(est, None, evaluate(s, est))


def test_price_less_instance_is_refused(tmp_path):
    # a price list with one instance only: every other instance has no price, so naming one is refused
    csv = "instance,region,platform,pricing_option,usd_per_hour,source,as_of\n"
    csv += "g6e.xlarge,us-east-1,sagemaker,on_demand,2.6054,my quote,2026-12\n"
    s = default_scenario().with_changes(price_list=PriceList("mine.csv", csv))
    est = estimate(s)
    with pytest.raises(DataError, match="has no sagemaker price in us-east-1"):
        build(est, "vllm:g6e.2xlarge:fp8:1")
    assert build(est, "vllm:g6e.xlarge:fp8:1").target.instance == "g6e.xlarge"


def test_the_scenarios_gpu_memory_share_sizes_the_kv_cache_and_is_deployed(make_scenario):
    fixed = "vllm:g6e.xlarge:fp8:1"
    caps = []
    for share in (0.8, None, 0.95):
        s = make_scenario(gpu_memory_utilization=share)
        a = build(estimate(s), fixed)
        caps.append(int(a.row["kv_capacity_tokens"]))
        assert a.values.as_dict()["option.gpu_memory_utilization"] == f"{share or 0.9:g}"
    assert caps[0] < caps[1] < caps[2]
    with pytest.raises(DataError, match=r"deployment\.gpu_memory_utilization: 1\.2 is out of range"):
        make_scenario(gpu_memory_utilization=1.2)
    # TensorRT-LLM sizes its cache from the memory left after the weights: the vLLM share does not apply
    trt = [build(estimate(make_scenario(gpu_memory_utilization=g)), "trtllm:g6e.xlarge:fp8:1") for g in (0.8, 0.95)]
    assert trt[0].row["kv_capacity_tokens"] == trt[1].row["kv_capacity_tokens"]


def test_each_endpoint_of_a_traffic_mix_deploys(tmp_path):
    from lmi_explorer.models.deploy import build_endpoint, endpoint_names
    from lmi_explorer.models.files import data_root
    from lmi_explorer.models.scenario import load

    s = load(data_root() / "scenarios" / "mixed.json")
    est = estimate(s)
    dec = evaluate(s, est)
    assert endpoint_names(dec) == ("shared", "Support chatbot", "Nightly summarisation")
    shared = build_endpoint(s, est, dec, "shared")
    assert shared.target.instances == dec.split.shared.instances
    assert f"at ${dec.split.shared_usd:,.0f}/mo" in shared.target.title
    assert any(n.startswith("One shared endpoint for all 2 classes") for n in shared.values.notes)
    night = build_endpoint(s, est, dec, "Nightly summarisation")
    own = dec.split.separate[1].option
    assert night.target.instances == int(own["instances"])
    assert night.values.as_dict()["option.max_rolling_batch_size"] == str(int(own["operating_concurrency"]))
    code, out, err = _cli(
        ["deploy", str(data_root() / "scenarios" / "mixed.json"), "--endpoint", "shared", "--format", "boto3"]
    )
    variant = json.loads(out)["create_endpoint_config"]["ProductionVariants"][0]
    assert code == 0 and variant["InitialInstanceCount"] == dec.split.shared.instances
    code, _, err = _cli(["deploy", str(data_root() / "scenarios" / "mixed.json"), "--endpoint", "Lunch"])
    assert code == 2 and "use one of shared, Support chatbot, Nightly summarisation" in err
    code, _, err = _cli(["deploy", str(data_root() / "scenarios" / "default.json"), "--endpoint", "shared"])
    assert code == 2 and "one traffic class" in err


def test_an_autoscaled_scenario_adds_sagemakers_scaling_requests():
    from lmi_explorer.models.deploy import build_endpoint
    from lmi_explorer.models.files import data_root
    from lmi_explorer.models.scenario import load

    s = load(data_root() / "scenarios" / "mixed.json")
    est = estimate(s)
    dec = evaluate(s, est)
    doc = json.loads(build_endpoint(s, est, dec, "shared").render("boto3"))
    target, policy = doc["register_scalable_target"], doc["put_scaling_policy"]
    assert target["ScalableDimension"] == policy["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert target["ResourceId"] == "endpoint/<ENDPOINT_NAME>/variant/AllTraffic"
    assert 1 <= target["MinCapacity"] <= target["MaxCapacity"] == dec.split.shared.instances
    cfg = policy["TargetTrackingScalingPolicyConfiguration"]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert cfg["PredefinedMetricSpecification"]["PredefinedMetricType"] == "SageMakerVariantInvocationsPerInstance"
    row = build_endpoint(s, est, dec, "shared").row
    per_minute = float(row["requests_per_s_per_replica"]) * int(row["replicas_per_instance"]) * 0.8 * 60
    assert cfg["TargetValue"] == pytest.approx(round(per_minute, 2))
    plain = json.loads(build(estimate(default_scenario()), None, None).render("boto3"))
    assert "put_scaling_policy" not in plain
