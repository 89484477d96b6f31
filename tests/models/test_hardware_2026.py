"""2026 hardware in the catalog: Blackwell, RTX PRO, Trainium2, fractional L4, SageMaker offers, prices."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmi_explorer.models.reference.hardware import ARCHITECTURES, NEURON_ARCHITECTURES, load_hardware
from lmi_explorer.models.reference.pricing import load_prices
from lmi_explorer.models.units import GIB, MIB

HW = load_hardware()
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1")
PLATFORMS = ("ec2", "sagemaker")
ROWS = {r["accelerator"]: r for r in HW.accelerator_table.records}


def test_p6_b200_has_eight_b200_with_the_memory_ec2_reports():
    inst = HW.instances["p6-b200.48xlarge"]
    assert (inst.accelerator, inst.chips, inst.devices, inst.vcpu, inst.host_memory_gib) == ("b200", 8, 8, 192, 2048)
    b200 = HW.accelerators["b200"]
    assert b200.memory_bytes == 183_359 * MIB
    assert b200.architecture == "blackwell"
    assert b200.bandwidth_bytes_s == 7700e9
    assert b200.peak("fp16") == 2250e12
    assert b200.peak("fp8") == 4500e12
    assert b200.peak("int8") == 4500e12
    assert b200.peak("fp4") == 9000e12
    assert b200.fp4_flops == 9000e12
    assert (b200.interconnect, b200.link_bytes_s) == ("nvlink", 1800e9)


def test_p6_b300_memory_fp4_and_its_slow_int8():
    inst = HW.instances["p6-b300.48xlarge"]
    assert (inst.accelerator, inst.devices, inst.host_memory_gib) == ("b300", 8, 4096)
    b300 = HW.accelerators["b300"]
    assert b300.memory_bytes == 275_040 * MIB
    assert b300.peak("fp4") == 14_000e12
    assert b300.peak("fp8") == 4500e12
    assert b300.peak("int8") == 153.5e12  # B300 cuts INT8 tensor throughput below its 16-bit rate


def test_hopper_additions():
    p5en = HW.instances["p5en.48xlarge"]
    assert (p5en.accelerator, p5en.devices, p5en.host_memory_gib) == ("h200", 8, 2048)
    p5_small = HW.instances["p5.4xlarge"]
    assert (p5_small.accelerator, p5_small.devices, p5_small.vcpu, p5_small.host_memory_gib) == ("h100", 1, 16, 256)
    assert HW.accelerators["h100"].peak("fp4") is None


def test_g7e_sizes_and_the_rtx_pro_6000():
    expected = {"2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "12xlarge": 2, "24xlarge": 4, "48xlarge": 8}
    got = {n.split(".")[1]: i.devices for n, i in HW.instances.items() if i.family == "g7e"}
    assert got == expected
    assert {HW.instances[f"g7e.{s}"].accelerator for s in expected} == {"rtx-pro-6000"}
    rtx = HW.accelerators["rtx-pro-6000"]
    assert rtx.architecture == "blackwell-rtx"
    assert rtx.memory_bytes == 98_304 * MIB
    assert rtx.interconnect == "pcie"  # no NVLink on g7e
    assert rtx.peak("fp4") == pytest.approx(1871.2e12)


def test_trainium2_is_neuron_and_counts_neuroncores():
    trn2 = HW.instances["trn2.48xlarge"]
    assert (trn2.accelerator, trn2.chips, trn2.devices) == ("trainium2", 16, 128)
    core = HW.accelerators["trainium2"]
    assert core.architecture == "neuron-v3"
    assert core.is_neuron
    assert core.memory_bytes == 12 * GIB  # 96 GiB per chip, 8 NeuronCores
    assert core.peak("fp8") == pytest.approx(1299e12 / 8)
    assert core.peak("fp16") == pytest.approx(667e12 / 8)
    assert core.peak("int8") is None
    assert core.peak("fp4") is None
    assert HW.accelerators["inferentia2"].is_neuron
    assert not HW.accelerators["b200"].is_neuron
    assert {a.accelerator for a in HW.accelerators.values() if a.is_neuron} == {"inferentia2", "trainium1", "trainium2"}


@pytest.mark.parametrize(
    ("instance", "accelerator", "fraction", "mib"),
    [
        ("g6f.large", "l4-1-8", 8, 2861),
        ("g6f.xlarge", "l4-1-8", 8, 2861),
        ("g6f.2xlarge", "l4-1-4", 4, 5722),
        ("g6f.4xlarge", "l4-1-2", 2, 11444),
    ],
)
def test_g6f_fractional_l4_is_one_scaled_device(instance, accelerator, fraction, mib):
    inst = HW.instances[instance]
    assert (inst.accelerator, inst.chips, inst.devices, inst.on_sagemaker) == (accelerator, 1, 1, False)
    part, whole = HW.accelerators[accelerator], HW.accelerators["l4"]
    assert part.memory_bytes == mib * MIB
    assert part.architecture == whole.architecture == "ada"
    assert part.bandwidth_bytes_s == pytest.approx(whole.bandwidth_bytes_s / fraction)
    assert part.peak("fp16") == pytest.approx(whole.fp16_flops / fraction)
    assert part.peak("fp8") == pytest.approx(whole.fp8_flops / fraction)
    assert part.reserve_bytes == whole.reserve_bytes


def test_on_sagemaker():
    yes = ("g5.xlarge", "g6e.xlarge", "p5.48xlarge", "p5.4xlarge", "p5en.48xlarge", "p6-b200.48xlarge", "g7e.2xlarge")
    assert all(HW.instances[n].on_sagemaker for n in yes)
    assert all(HW.instances[n].on_sagemaker for n in ("trn2.48xlarge", "inf2.xlarge", "p6-b300.48xlarge"))
    no = ("g4dn.metal", "p3dn.24xlarge", "g6f.large", "g6f.4xlarge")
    assert not any(HW.instances[n].on_sagemaker for n in no)


def test_a_sagemaker_price_implies_a_sagemaker_offer():
    frame = load_prices().frame
    priced = frame[(frame["platform"] == "sagemaker") & frame["usd_per_hour"].notna()]
    for name in set(priced["instance"]):
        assert HW.instances[name].on_sagemaker, name


def test_architectures_are_the_schema_choices():
    assert {a.architecture for a in HW.accelerators.values()} <= set(ARCHITECTURES)
    assert {"blackwell", "blackwell-rtx", "neuron-v3"} <= set(ARCHITECTURES)
    assert frozenset({"neuron-v2", "neuron-v3"}) == NEURON_ARCHITECTURES


def test_peak_rejects_an_unknown_compute_type():
    with pytest.raises(KeyError):
        HW.accelerators["b200"].peak("fp2")


def test_every_price_row_names_its_source_and_priced_rows_their_date():
    frame = load_prices().frame
    assert frame["source"].fillna("").str.len().gt(0).all()
    priced = frame[frame["usd_per_hour"].notna()]
    assert priced["as_of"].fillna("").str.len().gt(0).all()
    # an unknown price says why (not collected, not offered, Capacity Blocks only, ...)
    unknown = frame[frame["usd_per_hour"].isna()]
    assert (unknown["notes"].fillna("").str.len() + unknown["source"].fillna("").str.len()).gt(0).all()


def test_every_instance_has_a_price_row_per_region_and_platform():
    keys = {(r["instance"], r["region"], r["platform"]) for r in load_prices().table.records}
    missing = [(n, r, p) for n in HW.instances for r in REGIONS for p in PLATFORMS if (n, r, p) not in keys]
    assert missing == []


def test_new_prices_as_found_and_unknown_left_blank():
    prices = load_prices()
    assert prices.quote("p6-b200.48xlarge", "us-east-1", "ec2").usd_per_hour == 113.9328
    assert prices.quote("p6-b300.48xlarge", "us-west-2", "ec2").usd_per_hour == 142.416
    assert prices.quote("p6-b300.48xlarge", "us-east-1", "ec2").usd_per_hour == 142.416
    assert prices.quote("p6-b300.48xlarge", "eu-west-1", "ec2").usd_per_hour is None
    assert prices.quote("g7e.48xlarge", "us-east-1", "ec2").usd_per_hour == 33.14432
    # Capacity-Blocks-only: blank, never the Capacity Block rate
    assert prices.quote("trn2.48xlarge", "us-east-1", "ec2").usd_per_hour is None
    assert prices.quote("p5e.48xlarge", "us-east-1", "ec2").usd_per_hour is None
    assert prices.quote("p5en.48xlarge", "us-east-1", "ec2").usd_per_hour == 63.296
    assert prices.quote("p5.4xlarge", "us-west-2", "ec2").usd_per_hour == 6.88
    assert prices.quote("g6f.large", "us-east-1", "ec2").usd_per_hour == 0.202
    assert prices.quote("g7e.2xlarge", "us-east-1", "ec2").usd_per_hour is None
    assert prices.quote("trn2.48xlarge", "us-east-1", "sagemaker").usd_per_hour is None


def _present(value: object) -> bool:
    return value is not None and value == value and value != ""  # NaN != NaN


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(ROWS)))
def test_accelerator_figures_are_consistent(name):
    row, acc = ROWS[name], HW.accelerators[name]
    assert row["usable_memory_mib"] <= row["memory_gib"] * 1024
    assert acc.memory_bytes * acc.devices_per_chip == pytest.approx(row["usable_memory_mib"] * MIB)
    assert acc.memory_bytes > acc.reserve_bytes
    if _present(row["fp8_tflops"]):
        assert row["fp8_tflops"] >= row["fp16_tflops"]
    if _present(row["fp4_tflops"]):
        assert _present(row["fp8_tflops"])
        assert row["fp4_tflops"] >= row["fp8_tflops"]
    for compute in ("fp16", "fp8", "int8", "fp4"):
        peak = acc.peak(compute)
        assert peak is None or peak > 0
    assert acc.source
    assert acc.as_of
