"""LMI releases to v29, architecture support read from vLLM's own registry, and why nothing fits."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.reference.backends import SupportLevel, load_backends, release_summary
from lmi_explorer.models.reference.catalog import load_catalog


@pytest.fixture(scope="module")
def bk():
    return load_backends()


def arch(architecture: str, family: str, model_type: str):
    """The catalog's Llama-2-13B with another architecture name (support is decided by the name)."""
    base = load_catalog().get("meta-llama/Llama-2-13b-hf")
    return replace(base, architecture=architecture, family=family, model_type=model_type)


def test_release_table_to_v29(bk):
    assert bk.lmi_versions == list(range(9, 30))
    assert bk.latest_lmi == 29
    expected = {
        21: ("0.36.0", "0.16.0", "2026-03-10", "djl-inference:0.36.0-lmi21.0.0-cu129"),
        24: ("0.36.0", "0.19.0", "2026-04-14", "djl-inference:0.36.0-lmi24.0.0-cu129"),
        25: ("0.36.0", "0.20.1", "2026-05-19", "djl-inference:0.36.0-lmi25.0.0-cu130"),
        27: ("0.36.0", "0.23.1", "2026-07-15", "djl-inference:0.36.0-lmi27.0.0-cu130"),
        29: ("0.38.0", "0.28.0", "2026-08", "djl-inference:0.38.0-lmi29.0.0-cu130"),
        13: ("0.31.0", "0.6.3.post1", "2024-11-23", "djl-inference:0.31.0-lmi13.0.0-cu124"),
    }
    for v, (djl, vllm, date, image) in expected.items():
        row = bk.releases.where(lmi_version=v)[0]
        assert (row["djl_version"], row["vllm"], row["released"]) == (djl, vllm, date)
        assert bk.container("vllm", v)[1] == image
    # TensorRT-LLM is frozen at the 0.21.0rc1 image from v15 on
    assert {bk.engine_version("trtllm", v) for v in range(15, 30)} == {"0.21.0rc1"}
    assert bk.container("trtllm", 29)[1] == "djl-inference:0.33.0-tensorrtllm0.21.0-cu128"
    assert bk.container("tnx", 29) == ("", "")


def test_every_shipped_vllm_has_its_registry(bk):
    for v in bk.lmi_versions:
        version = bk.engine_version("vllm", v)
        assert bk.registry_role("vllm", version, "LlamaForCausalLM") == "generation", (v, version)


@pytest.mark.parametrize(
    ("architecture", "family", "model_type", "first"),
    [
        ("Qwen3ForCausalLM", "Qwen3", "qwen3", 15),
        ("Qwen3MoeForCausalLM", "Qwen3 MoE", "qwen3_moe", 15),
        ("Llama4ForConditionalGeneration", "Llama 4", "llama4", 15),
        ("DeepseekV3ForCausalLM", "DeepSeek-V3", "deepseek_v3", 14),
        ("GptOssForCausalLM", "gpt-oss", "gpt_oss", 16),
        ("Gemma3ForCausalLM", "Gemma 3", "gemma3_text", 15),
        ("Gemma3ForConditionalGeneration", "Gemma 3", "gemma3", 15),
        ("Mistral3ForConditionalGeneration", "Mistral 3", "mistral3", 15),
        ("LlamaForCausalLM", "Llama 2", "llama", 9),
    ],
)
def test_vllm_support_and_first_release(bk, architecture, family, model_type, first):
    m = arch(architecture, family, model_type)
    assert bk.releases_listing("vllm", architecture)[0] == first
    for v in bk.lmi_versions:
        sup = bk.support_for("vllm", m, v)
        if v >= first:
            assert sup.level == SupportLevel.SUPPORTED, (v, sup.reason)
        else:
            assert sup.level == SupportLevel.NOT_YET
            assert f"{family} needs LMI v{first} or later" in sup.reason


def test_qwen3_refused_before_v15_with_the_release_that_serves_it(bk):
    sup = bk.support_for("vllm", arch("Qwen3ForCausalLM", "Qwen3", "qwen3"), 14)
    assert sup.reason == (
        "vLLM 0.7.3 (LMI v14) does not list Qwen3ForCausalLM; Qwen3 needs LMI v15 or later (vLLM 0.8.4)."
    )


def test_seed_facts_t5_and_llama2(bk):
    t5 = load_catalog().get("google/flan-t5-xl")
    llama2 = load_catalog().get("meta-llama/Llama-2-13b-hf")
    for v in bk.lmi_versions:
        assert bk.support_for("vllm", t5, v).level == SupportLevel.UNSUPPORTED
        assert bk.support_for("vllm", llama2, v).level == SupportLevel.SUPPORTED
    for v in range(9, 15):  # T5: lmi-dist and TensorRT-LLM, in the seed's releases
        assert bk.support_for("lmi-dist", t5, v).level == SupportLevel.SUPPORTED
        assert bk.support_for("lmi-dist", llama2, v).level == SupportLevel.SUPPORTED
    assert bk.support_for("trtllm", t5, 12).level == SupportLevel.SUPPORTED
    assert bk.support_for("lmi-dist", t5, 15).level == SupportLevel.RETIRED
    assert bk.support_for("trtllm", llama2, 29).level == SupportLevel.SUPPORTED
    assert "No vLLM shipped in LMI v9–v29 lists T5ForConditionalGeneration" in bk.support_for("vllm", t5, 29).reason


def test_architecture_removed_from_a_later_vllm_is_retired(bk):
    # an architecture some release lists and a later one does not: the last release that does is named
    index = {}
    for v in bk.lmi_versions:
        ver = bk.engine_version("vllm", v)
        for a in ("MPTForCausalLM", "BaiChuanForCausalLM", "AquilaModel"):
            index.setdefault(a, []).append(bk.registry_role("vllm", ver, a) in ("generation", "multimodal"))
    gone = [a for a, seen in index.items() if any(seen) and not seen[-1]]
    for a in gone:
        listing = bk.releases_listing("vllm", a)
        sup = bk.support_for("vllm", arch(a, a, "x"), 29)
        assert sup.level == SupportLevel.RETIRED
        assert f"the last release that does is LMI v{listing[-1]}" in sup.reason


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted({a for v in ("0.28.0", "0.8.4") for a in ("Qwen3ForCausalLM", "LlamaForCausalLM")})))
def test_support_is_monotonic_until_removed(name):
    bk = load_backends()
    listing = bk.releases_listing("vllm", name)
    assert listing == sorted(listing)
    assert listing == list(range(listing[0], listing[-1] + 1))


def test_release_summary_names_engines_backends_and_changes(bk):
    text = release_summary(bk, 20)
    assert "vLLM 0.15.1" in text and "TensorRT-LLM 0.21.0rc1" in text
    assert "Neuron: vLLM on Neuron (NxD Inference), AWS's own container (LMI's last NeuronX release is v16)" in text
    assert "DeepSeek R1 0528 regression fix" in text
    assert "Transformers NeuronX" in release_summary(bk, 16)
    assert "lmi-dist" in release_summary(bk, 14) and "lmi-dist" not in release_summary(bk, 15).split("•")[0]


# --- Inferentia and every "nothing fits" cause ---------------------------------------------------


def decide(make_scenario, **changes):
    s = make_scenario(**changes)
    return s, evaluate(s)


def test_inferentia_on_v20_uses_awss_neuron_vllm_container(make_scenario):
    _, dec = decide(make_scenario, **{"hardware": "inferentia", "lmi_release": 20})
    r = dec.recommendation
    assert r.backend == "vllm-neuron" and r.instance.startswith(("inf2.", "trn"))
    assert r.image == "public.ecr.aws/neuron/pytorch-inference-vllm-neuronx:0.13.0-neuronx-py312-sdk2.27.1-ubuntu24.04"
    reasons = " ".join(s.reason for s in dec.steps)
    assert "LMI ships no Neuron container after v16" in reasons
    assert "int4" not in reasons and "Falling back to GPU" not in reasons
    assert any("not an LMI image" in n for n in dec.notes)  # SageMaker: bring your own container


def test_inferentia_on_v16_serves_llama2_on_neuronx(make_scenario):
    _, dec = decide(make_scenario, **{"hardware": "inferentia", "lmi_release": 16})
    assert dec.recommendation.backend == "tnx"
    assert dec.recommendation.instance.startswith("inf2.")
    assert dec.recommendation.image == "djl-inference:0.30.0-neuronx-sdk2.20.1"


def test_inferentia_for_a_model_no_neuron_path_serves(make_scenario):
    _, dec = decide(make_scenario, model_id="tiiuae/falcon-7b", **{"hardware": "inferentia", "lmi_release": 29})
    assert dec.path[-1] == "nothing_fits"
    text = dec.recommendation.summary
    assert "vLLM on Neuron (NxD Inference) does not list the 'falcon' architecture" in text


def test_both_on_v29_compares_neuron_and_gpu(make_scenario):
    _, dec = decide(make_scenario, **{"hardware": "both", "lmi_release": 29})
    assert "vLLM on Neuron (NxD Inference)" in dec.steps[0].reason
    assert dec.recommendation.instance is not None


def test_cause_neuronx_does_not_run_on_trainium2(make_scenario):
    _, dec = decide(make_scenario, **{"hardware": "inferentia", "lmi_release": 16, "instance_families": ("trn2",)})
    assert "Transformers NeuronX does not run on AWS Trainium2" in dec.recommendation.summary


def test_no_neuron_reason_names_the_last_release():
    from lmi_explorer.models.diagnosis import no_neuron_reason

    assert no_neuron_reason(5, short=True).startswith("LMI v5 has no Inferentia2/Trainium backend")


def test_cause_family_filter_without_the_hardware(make_scenario):
    _, dec = decide(
        make_scenario,
        **{"hardware": "inferentia", "lmi_release": 16, "instance_families": ("g5",)},
    )
    assert "None of the chosen instance families (g5) has Inferentia2/Trainium instances" in dec.recommendation.summary


def test_cause_architecture_support(make_scenario):
    qwen = load_catalog().get("Qwen/Qwen2-7B")
    _, dec = decide(
        make_scenario,
        custom_model=qwen,
        model_id=None,
        **{"hardware": "inferentia", "lmi_release": 16},
    )
    text = dec.recommendation.summary
    assert "Nothing fits" in text and "Transformers NeuronX does not list the 'qwen2' architecture" in text


def test_cause_hardware_number_format(make_scenario):
    # V100 (p3) has neither FP8 math nor the weight-only FP8 kernels vLLM runs on Turing/Ampere
    _, dec = decide(make_scenario, **{"precisions": ("fp8",), "instance_families": ("p3",)})
    text = dec.recommendation.summary
    assert "The chosen precisions rule every option out" in text and "lacks it" in text
    assert "It would fit with" in text


def test_cause_tensor_parallel(make_scenario):
    # Falcon-7B's 71 heads split over no TP degree but 1
    # (fp8 only, so HF Accelerate's pipeline sharding, which splits anything, is out too)
    _, dec = decide(make_scenario, model_id="tiiuae/falcon-7b", tensor_parallel=2, precisions=("fp8",))
    text = dec.recommendation.summary
    assert "No tensor-parallel degree works" in text and "Leave tensor parallelism on automatic" in text
    assert "71 heads / 1 KV heads do not split over TP 2" in text


def test_cause_weights(make_scenario):
    _, dec = decide(
        make_scenario,
        model_id="meta-llama/Llama-3.1-405B",
        **{"instance_families": ("g5",), "precisions": ("bf16",)},
    )
    text = dec.recommendation.summary
    assert "The weights do not fit on any candidate" in text and "It would fit with" in text


def test_cause_kv_cache(make_scenario):
    _, dec = decide(
        make_scenario,
        model_id="meta-llama/Llama-3.1-8B",
        **{
            "input_mean": 100_000,
            "input_cv": 0.1,
            "instance_families": ("g5",),
            "precisions": ("bf16",),
            "tensor_parallel": 1,
            "tpot_ms": 1000.0,
            "ttft_s": 1000.0,
        },
    )
    text = dec.recommendation.summary
    assert "its KV cache cannot hold one request" in text, text


def test_cause_latency_target(make_scenario):
    _, dec = decide(make_scenario, **{"tpot_ms": 1.0})
    text = dec.recommendation.summary
    assert "none meets the TPOT target (1 ms) even at one request" in text


def test_every_cause_code_is_one_of_the_listed(make_scenario):
    from lmi_explorer.models.estimate.options import FAIL_CAUSES

    est = estimate(make_scenario(tpot_ms=5.0))
    causes = set(est.columns["cause"]) - {""}
    assert causes <= set(FAIL_CAUSES)
    fits = est.columns["fits"]
    assert all(c in ("", "price", "platform") for c, f in zip(est.columns["cause"], fits, strict=True) if f)
    assert all(c != "" for c, f in zip(est.columns["cause"], fits, strict=True) if not f)


def test_cause_instance_not_on_sagemaker(make_scenario):
    g6f = {"model_id": "meta-llama/Llama-2-7b-hf", "instance_families": ("g6f",)}
    _, dec = decide(make_scenario, platform="sagemaker", **g6f)
    assert "only on instances SageMaker does not offer (g6f.4xlarge); choose the EC2 platform" in (
        dec.recommendation.summary
    )
    _, on_ec2 = decide(make_scenario, platform="ec2", **g6f)
    assert on_ec2.recommendation.instance == "g6f.4xlarge"


def test_cause_price_unknown(make_scenario):
    _, dec = decide(make_scenario, model_id="meta-llama/Llama-2-7b-hf", region="eu-west-1", instance_families=("g6e",))
    text = dec.recommendation.summary
    assert "no price is known for them in eu-west-1 on sagemaker; load a price list" in text, text


def test_assumptions_show_the_release_and_the_support_source(make_scenario):
    from lmi_explorer.models.assumptions import assumptions

    s = make_scenario()
    est = estimate(s)
    rows = {(a.topic, a.item): a for a in assumptions(est, evaluate(s))}
    release = rows[("Release", "LMI v29 (0.38.0)")]
    assert "vLLM 0.28.0" in release.value and "DJL-Serving 0.38.0" in release.value
    support = rows[("Support", "vLLM: LlamaForCausalLM")]
    assert "vLLM 0.28.0 (LMI v29) lists LlamaForCausalLM" in support.value
    assert "vllm_registry.csv" in support.source


def test_fp8_refusal_names_the_capable_gpus(make_scenario):
    est = estimate(make_scenario(precisions=("fp8",), instance_families=("g5",)))
    reasons = set(est.columns["reason"])
    assert any("needs an FP8-capable GPU (L4, L40S, H100 80GB, H200 141GB, B200, B300" in r for r in reasons)


def test_cause_blackwell_needs_a_cuda_12_8_image(make_scenario):
    bk = load_backends()
    assert bk.image_cuda("vllm", 14) == 12.6 and bk.image_cuda("vllm", 29) == 13.0
    assert bk.image_cuda("trtllm", 29) == 12.8 and bk.image_cuda("vllm-neuron", 29) is None
    _, old = decide(make_scenario, lmi_release=14, instance_families=("p6-b200",), platform="ec2")
    text = old.recommendation.summary
    assert "needs CUDA 12.8 or later" in text and "LMI v15 would serve it" in text
    _, new = decide(make_scenario, lmi_release=29, instance_families=("p6-b200",), platform="ec2")
    assert new.recommendation.instance == "p6-b200.48xlarge"


def test_a_damaged_registry_table_is_named(tmp_path, monkeypatch):
    import shutil

    from lmi_explorer.models import files
    from lmi_explorer.models.errors import DataError
    from lmi_explorer.models.reference import backends

    root = tmp_path / "data"
    shutil.copytree(files.data_root(), root)
    target = root / "backends" / "vllm_registry.csv"
    target.write_text(target.read_text().replace(",generation,", ",gneration,", 1))
    monkeypatch.setattr(files, "data_root", lambda: root)
    backends._registry_index.cache_clear()
    try:
        with pytest.raises(DataError, match=r"data/backends/vllm_registry.csv: row 2: expected a version"):
            backends._registry_index("vllm")
    finally:
        backends._registry_index.cache_clear()
