"""Backend facts from the seed document and the LMI docs."""

from __future__ import annotations

import pytest

from lmi_explorer.models.reference.backends import SupportLevel, load_backends
from lmi_explorer.models.reference.catalog import load_catalog

OPTIMISED = ("lmi-dist", "vllm", "trtllm", "tnx", "deepspeed")
SEED_RELEASES = (10, 11, 12, 14)  # when the guide's text named lmi-dist


@pytest.mark.parametrize("lmi", SEED_RELEASES)
def test_t5_only_lmi_dist_and_trtllm(lmi):
    bk = load_backends()
    t5 = load_catalog().get("google/flan-t5-xxl")
    supported = {b for b in OPTIMISED if bk.support_for(b, t5, lmi).level == SupportLevel.SUPPORTED}
    assert supported == {"lmi-dist", "trtllm"}


def test_llama2_on_every_backend_in_lmi_v9():
    bk = load_backends()
    llama = load_catalog().get("meta-llama/Llama-2-7b-hf")
    for b in bk.backends:
        level = bk.support_for(b, llama, 9).level
        if b == "vllm-neuron":  # AWS's Neuron vLLM container stands in from v17
            assert level == SupportLevel.RETIRED
            assert bk.support_for(b, llama, 17).level == SupportLevel.SUPPORTED
            continue
        assert level in (SupportLevel.SUPPORTED, SupportLevel.FALLBACK), b


def test_lmi_dist_retired_from_v15_and_vllm_takes_over():
    bk = load_backends()
    llama = load_catalog().get("meta-llama/Llama-2-7b-hf")
    assert bk.support_for("lmi-dist", llama, 14).level == SupportLevel.SUPPORTED
    assert bk.support_for("lmi-dist", llama, 15).level == SupportLevel.RETIRED
    assert bk.dynamic_backend(14) == "lmi-dist"
    assert bk.dynamic_backend(15) == "vllm"
    assert bk.support_for("deepspeed", llama, 10).level == SupportLevel.RETIRED
    assert bk.support_for("tnx", llama, 17).level == SupportLevel.RETIRED


def test_neuronx_supports_llama_not_falcon():
    bk = load_backends()
    cat = load_catalog()
    assert bk.support_for("tnx", cat.get("meta-llama/Llama-2-13b-hf"), 14).level == SupportLevel.SUPPORTED
    falcon = bk.support_for("tnx", cat.get("tiiuae/falcon-40b"), 14)
    assert falcon.level == SupportLevel.UNSUPPORTED
    assert "falcon" in falcon.reason
    opt = bk.support_for("tnx", cat.get("facebook/opt-66b"), 14)
    assert opt.level == SupportLevel.SUPPORTED
    assert not opt.continuous_batching


def test_quantization_methods_per_backend():
    bk = load_backends()
    llama = load_catalog().get("meta-llama/Llama-2-7b-hf")
    falcon = load_catalog().get("tiiuae/falcon-7b")
    assert bk.precision_method("trtllm", "int8", llama, 20)["method"] == "smoothquant"
    assert bk.precision_method("trtllm", "awq", falcon, 20) is None  # AWQ only for Llama/Mistral
    assert bk.precision_method("vllm", "fp8", llama, 20)["compute"] == "fp8"
    assert bk.precision_method("tnx", "int8", llama, 14)["method"] == "static_int8"
    assert bk.precision_method("tnx", "awq", llama, 14) is None


def test_containers_per_release():
    bk = load_backends()
    assert bk.container("vllm", 20)[1] == "djl-inference:0.36.0-lmi20.0.0-cu128"
    assert bk.container("lmi-dist", 14)[1] == "djl-inference:0.32.0-lmi14.0.0-cu126"
    assert bk.container("tnx", 14)[1] == "djl-inference:0.30.0-neuronx-sdk2.20.1"
