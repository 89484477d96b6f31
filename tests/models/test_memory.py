"""Memory model: the LMI guide's worked example and hand-worked values."""

from __future__ import annotations

import pytest

from lmi_explorer.models.estimate.memory import (
    guide_kv_capacity_tokens,
    kv_bytes_per_token,
    kv_bytes_per_token_device,
    kv_bytes_per_token_guide,
    usable_kv_bytes_per_device,
    valid_tensor_parallel,
    weight_bytes,
)
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.catalog import load_catalog
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.units import GIB, MIB


@pytest.fixture
def llama13():
    return load_catalog().get("meta-llama/Llama-2-13b-hf")


def test_guide_worked_example_llama2_13b(llama13):
    bk = load_backends()
    # The guide rounds the model to 13 billion parameters: 13e9 x 2 bytes = 26 GB.
    from dataclasses import replace

    thirteen = replace(llama13, params_billion=13.0)
    weights = weight_bytes(thirteen, bk.precisions["bf16"])
    assert weights == 26e9
    assert kv_bytes_per_token_guide(llama13) == 819_200
    assert kv_bytes_per_token(llama13) == 819_200  # MHA: the GQA-aware form agrees
    # g5.12xlarge: 4 x 24 GB, no memory fraction or reserve: (96 - 26) GB / 819,200 B ≈ 85,300 tokens
    g5_12 = guide_kv_capacity_tokens(weights, 24e9, 4, 819_200)
    assert g5_12 == pytest.approx(85_300, rel=0.005)
    # g5.48xlarge: 8 x 24 GB: (192 - 26) GB / 819,200 B ≈ 202,400 tokens
    g5_48 = guide_kv_capacity_tokens(weights, 24e9, 8, 819_200)
    assert g5_48 == pytest.approx(202_400, rel=0.005)
    # batch of 4096-token sequences: ~20 and ~49
    assert g5_12 // 4096 == 20
    assert g5_48 // 4096 == 49


def test_gqa_kv_is_smaller_than_the_guides_form():
    m = load_catalog().get("meta-llama/Llama-2-70b-hf")
    assert kv_bytes_per_token(m) == 2 * 80 * 8 * 128 * 2 == 327_680
    assert kv_bytes_per_token_guide(m) == 2 * 2 * 80 * 8192 == 2_621_440
    # with TP 8 each device holds one of the 8 KV heads; with TP 16 it would still hold one
    assert kv_bytes_per_token_device(m, 8, 2.0, "tensor") == 2 * 80 * 1 * 128 * 2
    assert kv_bytes_per_token_device(m, 16, 2.0, "tensor") == 2 * 80 * 1 * 128 * 2
    assert kv_bytes_per_token(m, 1.0) == 163_840  # fp8 KV cache halves it


def test_int4_weights_hand_worked():
    m = load_catalog().get("meta-llama/Llama-2-7b-hf")
    awq = load_backends().precisions["awq"]
    emb = 32_000 * 4096 * 2  # untied embedding + LM head, kept 16-bit
    quant = 6.738e9 - emb
    expected = quant * (0.5 + 2 / 128) + emb * 2
    assert weight_bytes(m, awq) == pytest.approx(expected)
    assert weight_bytes(m, awq) == pytest.approx(3_863_401_250, rel=1e-9)
    assert weight_bytes(m, load_backends().precisions["bf16"]) == pytest.approx(13.476e9)


def test_usable_memory_by_backend_mode():
    bk = load_backends()
    a10g = load_hardware().accelerators["a10g"]
    mem = 22_888 * MIB
    w = 10 * GIB
    assert usable_kv_bytes_per_device(bk.backends["vllm"], a10g, w) == pytest.approx(mem * 0.9 - 2 * GIB - w)
    assert usable_kv_bytes_per_device(bk.backends["trtllm"], a10g, w) == pytest.approx((mem - 2 * GIB - w) * 0.95)
    # weights larger than the device: negative, i.e. does not fit
    assert usable_kv_bytes_per_device(bk.backends["vllm"], a10g, 30 * GIB) < 0


@pytest.mark.parametrize(
    ("model_id", "backend", "devices", "expected"),
    [
        ("meta-llama/Llama-2-13b-hf", "vllm", 8, [1, 2, 4, 8]),
        ("meta-llama/Llama-2-70b-hf", "vllm", 8, [1, 2, 4, 8]),
        ("tiiuae/falcon-7b", "vllm", 4, [1]),  # 71 heads split over nothing but 1
        ("meta-llama/Llama-2-13b-hf", "tnx", 24, [1, 2, 4, 8, 24]),  # NeuronX pads heads
        ("meta-llama/Llama-2-13b-hf", "tnx", 32, [1, 2, 8, 32]),  # no TP 4 on 32 cores
        ("meta-llama/Llama-2-13b-hf", "tnx", 12, [1, 2, 4, 12]),
        ("tiiuae/falcon-7b", "hf-accelerate", 4, [1, 2, 4]),  # layer sharding, not head split
    ],
)
def test_valid_tensor_parallel(model_id, backend, devices, expected):
    m = load_catalog().get(model_id)
    assert valid_tensor_parallel(m, load_backends().backends[backend], devices) == expected


def test_neuron_device_is_a_neuroncore():
    hw = load_hardware()
    inf2 = hw.accelerators["inferentia2"]
    assert inf2.memory_bytes == 16 * GIB
    assert hw.instances["inf2.48xlarge"].devices == 24
    assert hw.instances["inf2.xlarge"].devices == 2
