"""Accelerators, interconnects and instance types: what a replica runs on."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.tables import Column, Table, missing, read_table
from lmi_explorer.models.units import GIB, MIB

if TYPE_CHECKING:
    import pandas as pd

#: Architecture kinds in data/hardware/accelerators.csv. ``blackwell`` is the data-centre part (B200/B300,
#: SM 10.x), ``blackwell-rtx`` the PCIe RTX PRO part (SM 12.0); ``neuron-v2`` is Inferentia2/Trainium1,
#: ``neuron-v3`` Trainium2.
ARCHITECTURES = ("volta", "turing", "ampere", "ada", "hopper", "blackwell", "blackwell-rtx", "neuron-v2", "neuron-v3")

#: Architectures whose devices are NeuronCores (served by the Neuron backends, not CUDA).
NEURON_ARCHITECTURES = frozenset({"neuron-v2", "neuron-v3"})

ACCELERATOR_SCHEMA: dict[str, Column] = {
    "accelerator": Column("str"),
    "name": Column("str"),
    "architecture": Column("str", choices=ARCHITECTURES),
    "devices_per_chip": Column("int", minimum=1, maximum=64),
    "memory_gib": Column("float", minimum=1, maximum=10_000),
    "usable_memory_mib": Column("float", minimum=1024, maximum=10_000_000),
    "bandwidth_gb_s": Column("float", minimum=1, maximum=1_000_000),
    "fp16_tflops": Column("float", minimum=0.1, maximum=1_000_000),
    "int8_tops": Column("float", required=False, minimum=0.1),
    "fp8_tflops": Column("float", required=False, minimum=0.1),
    "fp4_tflops": Column("float", required=False, minimum=0.1),
    "bf16": Column("bool"),
    "interconnect": Column("str", choices=("pcie", "nvlink", "neuronlink")),
    "interconnect_gb_s": Column("float", required=False, minimum=0.1),
    "runtime_reserve_gib": Column("float", minimum=0, maximum=1000),
    "min_cuda": Column("float", required=False, minimum=1, maximum=99),
}

INSTANCE_SCHEMA: dict[str, Column] = {
    "instance": Column("str"),
    "family": Column("str"),
    "accelerator": Column("str"),
    "accelerator_count": Column("int", minimum=1, maximum=1024),
    "vcpu": Column("int", minimum=1),
    "host_memory_gib": Column("float", minimum=1),
    "sagemaker": Column("bool"),
}

INTERCONNECT_SCHEMA: dict[str, Column] = {
    "interconnect": Column("str", choices=("pcie", "nvlink", "neuronlink")),
    "allreduce_latency_us": Column("float", minimum=0, maximum=100_000),
    "bandwidth_efficiency": Column("float", minimum=0.01, maximum=1),
}

#: PCIe Gen4 x16 figure used where a link's bandwidth is not published (NeuronLink).
FALLBACK_LINK_GB_S = 64.0


@dataclass(frozen=True, slots=True)
class Accelerator:
    """One device type; figures are per *device* (a GPU, or a NeuronCore)."""

    accelerator: str
    name: str
    architecture: str
    devices_per_chip: int
    memory_bytes: float
    bandwidth_bytes_s: float
    fp16_flops: float
    int8_ops: float | None
    fp8_flops: float | None
    fp4_flops: float | None
    bf16: bool
    interconnect: str
    link_bytes_s: float
    reserve_bytes: float
    source: str
    as_of: str
    min_cuda: float | None = None  # oldest CUDA whose images run on it (Blackwell: 12.8)

    @property
    def is_neuron(self) -> bool:
        """True for AWS Neuron devices (any NeuronCore generation)."""
        return self.architecture in NEURON_ARCHITECTURES

    def peak(self, compute: str) -> float | None:
        """Dense peak ops/s per device for a compute type; None when unsupported.

        Parameters
        ----------
        compute : str
            ``fp16`` (16-bit tensor math), ``fp8``, ``int8`` or ``fp4`` (dense FP4 tensor math).

        Returns
        -------
        float or None
            Operations per second, without 2:4 sparsity.
        """
        if compute == "fp16":
            return self.fp16_flops
        if compute == "fp8":
            return self.fp8_flops
        if compute == "int8":
            return self.int8_ops
        if compute == "fp4":
            return self.fp4_flops
        raise KeyError(compute)


@dataclass(frozen=True, slots=True)
class InstanceType:
    """One instance type.

    ``chips`` is the accelerator count EC2 reports (GPUs, Neuron chips, or one slice of a fractional
    GPU); ``devices`` what tensor parallelism splits over (GPUs or NeuronCores).
    """

    instance: str
    family: str
    accelerator: str
    chips: int
    devices: int
    vcpu: int
    host_memory_gib: float
    #: SageMaker real-time hosting offers ``ml.<instance>`` (False: EC2 only).
    on_sagemaker: bool


@dataclass(frozen=True, slots=True)
class Interconnect:
    interconnect: str
    allreduce_latency_s: float
    bandwidth_efficiency: float


@dataclass(frozen=True)
class Hardware:
    accelerators: dict[str, Accelerator]
    instances: dict[str, InstanceType]
    interconnects: dict[str, Interconnect]
    accelerator_table: Table
    instance_table: Table

    @property
    def accelerator_frame(self) -> pd.DataFrame:
        return self.accelerator_table.frame

    @property
    def instance_frame(self) -> pd.DataFrame:
        return self.instance_table.frame

    def families(self) -> list[str]:
        return sorted({i.family for i in self.instances.values()})


@lru_cache(maxsize=1)
def load_hardware() -> Hardware:
    """Load accelerators, interconnects and instance types, cross-checked."""
    acc_frame = read_table("hardware/accelerators.csv", ACCELERATOR_SCHEMA)
    accelerators: dict[str, Accelerator] = {}
    for r in acc_frame.records:
        per = r["devices_per_chip"]
        link = r["interconnect_gb_s"]
        accelerators[r["accelerator"]] = Accelerator(
            accelerator=r["accelerator"],
            name=r["name"],
            architecture=r["architecture"],
            devices_per_chip=per,
            memory_bytes=r["usable_memory_mib"] * MIB / per,
            bandwidth_bytes_s=r["bandwidth_gb_s"] * 1e9 / per,
            fp16_flops=r["fp16_tflops"] * 1e12 / per,
            int8_ops=None if missing(r["int8_tops"]) else r["int8_tops"] * 1e12 / per,
            fp8_flops=None if missing(r["fp8_tflops"]) else r["fp8_tflops"] * 1e12 / per,
            fp4_flops=None if missing(r["fp4_tflops"]) else r["fp4_tflops"] * 1e12 / per,
            bf16=r["bf16"],
            interconnect=r["interconnect"],
            link_bytes_s=(FALLBACK_LINK_GB_S if missing(link) else link) * 1e9,
            reserve_bytes=r["runtime_reserve_gib"] * GIB,
            min_cuda=None if missing(r["min_cuda"]) else float(r["min_cuda"]),
            source=r["source"],
            as_of=r["as_of"] or "",
        )
    inst_frame = read_table("hardware/instances.csv", INSTANCE_SCHEMA)
    instances: dict[str, InstanceType] = {}
    for i, r in enumerate(inst_frame.records, start=2):
        acc = accelerators.get(r["accelerator"])
        if acc is None:
            raise DataError(
                f"data/hardware/instances.csv: row {i}, column 'accelerator': "
                f"'{r['accelerator']}' is not in data/hardware/accelerators.csv."
            )
        instances[r["instance"]] = InstanceType(
            instance=r["instance"],
            family=r["family"],
            accelerator=r["accelerator"],
            chips=r["accelerator_count"],
            devices=r["accelerator_count"] * acc.devices_per_chip,
            vcpu=r["vcpu"],
            host_memory_gib=r["host_memory_gib"],
            on_sagemaker=r["sagemaker"],
        )
    ic_frame = read_table("hardware/interconnects.csv", INTERCONNECT_SCHEMA)
    interconnects = {
        r["interconnect"]: Interconnect(r["interconnect"], r["allreduce_latency_us"] * 1e-6, r["bandwidth_efficiency"])
        for r in ic_frame.records
    }
    for acc in accelerators.values():
        if acc.interconnect not in interconnects:
            raise DataError(
                f"data/hardware/interconnects.csv: no row for interconnect '{acc.interconnect}' "
                f"used by accelerator '{acc.accelerator}'."
            )
    return Hardware(accelerators, instances, interconnects, acc_frame, inst_frame)


@lru_cache(maxsize=8)
def accelerator_label(accelerator: str) -> str:
    """'A10G', 'A100 40GB', 'Inferentia2': an accelerator's name as people say it."""
    acc = load_hardware().accelerators.get(accelerator)
    if acc is None:
        return accelerator
    return acc.name.removeprefix("NVIDIA ").removeprefix("AWS ").split(" (")[0]


def capable_names(compute: str) -> str:
    """'L4, L40S, H100, …': the GPUs (short names) with dense peak figures for a number format."""
    hw = load_hardware()
    names = [
        a.name.replace("NVIDIA ", "").split(" (")[0].split(",")[0].replace(" Server Edition", "")
        for a in hw.accelerators.values()
        if not a.is_neuron and a.peak(compute) is not None
    ]
    return ", ".join(dict.fromkeys(names))
