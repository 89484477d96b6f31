"""Deployment inputs: LMI release, hardware, region, platform, pricing, families, precisions."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.qt_state import QtState, blocked
from lmi_explorer.models.estimate.precisions import FULL_PRECISION_KEY, full_precision
from lmi_explorer.models.reference.backends import load_backends, release_summary
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.scenario.validation import MAX_BATCH_RANGE, STEP_TOKENS_RANGE

HARDWARE = (("gpu", "GPU"), ("inferentia", "Inferentia2 / Trainium"), ("both", "GPU and Inferentia2"))
PLATFORMS = (("sagemaker", "SageMaker real-time"), ("ec2", "EC2"))
PRICING = (("on_demand", "On-demand"), ("savings_plan", "Savings plan"), ("reserved", "Reserved"), ("spot", "Spot"))
TP_CHOICES = (None, 1, 2, 4, 8)


def _combo(items: tuple, tip: str, name: str) -> QComboBox:
    c = QComboBox()
    for key, label in items:
        c.addItem(label, key)
    c.setToolTip(tip)
    c.setAccessibleName(name)
    return c


class DeploymentPanel(QWidget):
    """Where it runs and how it is paid for; each control maps to one scenario field."""

    def __init__(self, state: QtState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        bk = load_backends()
        hw = load_hardware()
        self.release = QComboBox()
        self.release.setAccessibleName("LMI release")
        self.release.setToolTip(
            "LMI container release: decides which backends exist (lmi-dist up to v14, vLLM from v15, "
            "NeuronX up to v16) and which architectures and quantizations they support."
        )
        for v in reversed(bk.lmi_versions):
            self.release.addItem(bk.release_label(v), v)
            # each release's engines, backends and changes show on hover in the list
            self.release.setItemData(self.release.count() - 1, release_summary(bk, v), Qt.ItemDataRole.ToolTipRole)
        self.release.currentIndexChanged.connect(self._release_tooltip)
        self._release_tooltip()
        self.hardware = _combo(
            HARDWARE, "Accelerators to consider: NVIDIA GPUs, AWS Inferentia2/Trainium, or both.", "Hardware"
        )
        self.region = QComboBox()
        self.region.setAccessibleName("Region")
        self.region.setToolTip("AWS region whose prices are used (blank prices show as 'price unknown').")
        self.platform = _combo(
            PLATFORMS, "SageMaker real-time endpoint prices or plain EC2 instance prices.", "Platform"
        )
        self.pricing = _combo(
            PRICING,
            "On-demand list price, or a discounted commitment/spot price (enter the discount you get).",
            "Pricing option",
        )
        self.discount = QDoubleSpinBox()
        self.discount.setRange(0, 95)
        self.discount.setSuffix(" %")
        self.discount.setDecimals(1)
        self.discount.setKeyboardTracking(False)
        self.discount.setToolTip("Your discount off the on-demand price for savings plans, reservations or spot.")
        self.hours = QSpinBox()
        self.hours.setRange(1, 744)
        self.hours.setSuffix(" h")
        self.hours.setKeyboardTracking(False)
        self.hours.setToolTip("Hours per month the endpoint runs (730 = always on).")
        self.min_instances = QSpinBox()
        self.min_instances.setRange(0, 1000)
        self.min_instances.setKeyboardTracking(False)
        self.min_instances.setToolTip("Smallest number of instances to keep running (e.g. 2 for availability).")
        self.utilisation = QSpinBox()
        self.utilisation.setRange(5, 100)
        self.utilisation.setSuffix(" %")
        self.utilisation.setKeyboardTracking(False)
        self.utilisation.setToolTip("Plan replicas to run at this share of their capacity at the peak (headroom).")
        self.tp = QComboBox()
        self.tp.setToolTip("Tensor-parallel degree: Auto compares every valid degree; or force one.")
        self.tp.setAccessibleName("Tensor parallel")
        for t in TP_CHOICES:
            self.tp.addItem("Auto" if t is None else f"TP {t}", t)
        kv_tip = "KV-cache precision: fp8 halves the cache on L4, L40S, H100 and H200."
        self.kv = _combo((("auto", "16-bit"), ("fp8", "fp8 (Ada and later)")), kv_tip, "KV cache")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("LMI release", self.release)
        form.addRow("Hardware", self.hardware)
        form.addRow("Region", self.region)
        form.addRow("Platform", self.platform)
        form.addRow("Pricing", self.pricing)
        form.addRow("Discount", self.discount)
        form.addRow("Hours / month", self.hours)
        form.addRow("Min. instances", self.min_instances)
        form.addRow("Target utilisation", self.utilisation)
        form.addRow("Tensor parallel", self.tp)
        form.addRow("KV cache", self.kv)
        self.gpu_memory = QSpinBox()
        self.gpu_memory.setRange(29, 99)
        self.gpu_memory.setSuffix(" %")
        self.gpu_memory.setSpecialValueText("engine default (90 %)")
        self.gpu_memory.setKeyboardTracking(False)
        self.gpu_memory.setAccessibleName("GPU memory for vLLM")
        self.gpu_memory.setToolTip(
            "vLLM's gpu_memory_utilization (and lmi-dist's): the share of each GPU the engine takes for weights, "
            "activations and the KV cache. Higher holds more KV cache (more concurrency); lower leaves room for "
            "other processes. The Deploy dialog writes the same value."
        )
        form.addRow("GPU memory (vLLM)", self.gpu_memory)
        self.max_batch = _limit_spin(
            MAX_BATCH_RANGE,
            1,
            "Max batch size",
            "The most requests one model copy runs at once: LMI's option.max_rolling_batch_size (vLLM "
            "max_num_seqs, TensorRT-LLM max_batch_size). Lower caps the concurrency the estimate may plan; "
            "higher lets the KV cache decide. Backend default: vLLM 256, or 1,024 on 70 GiB+ GPUs other than "
            "A100; TensorRT-LLM 256; NeuronX 32.",
        )
        form.addRow("Max batch size", self.max_batch)
        self.step_tokens = _limit_spin(
            STEP_TOKENS_RANGE,
            1024,
            "Tokens per step",
            "Tokens one engine step carries, prompt chunks and decodes (vLLM max_num_batched_tokens, written as "
            "option.max_rolling_batch_prefill_tokens; TensorRT-LLM max_num_tokens). Larger prefills prompts in "
            "fewer steps (lower time to first token) but slows the decodes sharing those steps (higher time per "
            "token). Backend default: vLLM 2,048, or 8,192 on 70 GiB+ GPUs other than A100; TensorRT-LLM 8,192. "
            "Backends that do not chunk prompts ignore it.",
        )
        form.addRow("Tokens per step", self.step_tokens)
        fam_box = QGroupBox("Instance families")
        fam_box.setToolTip("Instance families to compare (all checked = every family for the chosen hardware).")
        fam_grid = QGridLayout(fam_box)
        self.families: dict[str, QCheckBox] = {}
        for i, fam in enumerate(hw.families()):
            cb = QCheckBox(fam)
            accs = {hw.accelerators[x.accelerator].name for x in hw.instances.values() if x.family == fam}
            cb.setToolTip(", ".join(sorted(accs)))
            cb.toggled.connect(self._on_families)
            self.families[fam] = cb
            fam_grid.addWidget(cb, i // 4, i % 4)
        prec_box = QGroupBox("Precisions to compare")
        prec_box.setToolTip("Full precision and the quantized formats to price side by side.")
        prec_grid = QGridLayout(prec_box)
        self.precisions: dict[str, QCheckBox] = {}
        for i, (key, p) in enumerate(bk.precisions.items()):
            cb = QCheckBox(p.label)
            cb.setToolTip(p.source)
            if key == FULL_PRECISION_KEY:
                cb.setToolTip(
                    "Full precision: the format the model is published in. bf16 for most models; block FP8 for "
                    "DeepSeek-V3/R1; MXFP4 experts for gpt-oss. Compared against every quantization ticked here."
                )
            cb.toggled.connect(self._on_precisions)
            self.precisions[key] = cb
            prec_grid.addWidget(cb, i // 3, i % 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(form)
        lay.addWidget(fam_box)
        lay.addWidget(prec_box)
        self.release.activated.connect(lambda i: self.state.update(lmi_release=self.release.itemData(i)))
        self.hardware.activated.connect(lambda i: self.state.update(hardware=self.hardware.itemData(i)))
        self.region.activated.connect(lambda i: self.state.update(region=self.region.itemData(i)))
        self.platform.activated.connect(partial(self._on_platform))
        self.pricing.activated.connect(lambda i: self.state.update(pricing_option=self.pricing.itemData(i)))
        self.discount.valueChanged.connect(lambda v: self.state.update(discount=v / 100))
        self.hours.valueChanged.connect(lambda v: self.state.update(hours_per_month=float(v)))
        self.min_instances.valueChanged.connect(lambda v: self.state.update(min_instances=v))
        self.utilisation.valueChanged.connect(lambda v: self.state.update(target_utilisation=v / 100))
        self.tp.activated.connect(lambda i: self.state.update(tensor_parallel=self.tp.itemData(i)))
        self.kv.activated.connect(lambda i: self.state.update(kv_cache_dtype=self.kv.itemData(i)))
        self.gpu_memory.valueChanged.connect(
            lambda v: self.state.update(gpu_memory_utilization=None if v < 30 else v / 100)
        )
        self.max_batch.valueChanged.connect(
            lambda v: self.state.update(max_batch_size=None if v < MAX_BATCH_RANGE[0] else v)
        )
        self.step_tokens.valueChanged.connect(
            lambda v: self.state.update(max_num_batched_tokens=None if v < STEP_TOKENS_RANGE[0] else v)
        )
        state.changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def _release_tooltip(self) -> None:
        """The picker's own tooltip: what the chosen release ships and what changed in it."""
        v = self.release.currentData()
        if v is not None:
            self.release.setToolTip(
                "LMI container release: decides which backends exist and which architectures and "
                "quantizations they support.\n\n" + release_summary(load_backends(), int(v))
            )

    def _on_platform(self, i: int) -> None:
        platform = self.platform.itemData(i)
        changes: dict[str, object] = {"platform": platform}
        if platform == "sagemaker" and self.state.scenario.deployment.pricing_option == "spot":
            changes["pricing_option"] = "on_demand"  # SageMaker sells no spot hosting
        self.state.update(**changes)

    @Slot()
    def _on_families(self) -> None:
        chosen = tuple(f for f, cb in self.families.items() if cb.isChecked())
        self.state.update(instance_families=() if len(chosen) == len(self.families) else chosen)

    @Slot()
    def _on_precisions(self) -> None:
        chosen = tuple(p for p, cb in self.precisions.items() if cb.isChecked())
        self.state.update(precisions=chosen)

    @Slot()
    def refresh(self) -> None:
        d = self.state.scenario.deployment
        regions = self.state.state.prices.regions
        widgets = (
            self.release,
            self.hardware,
            self.region,
            self.platform,
            self.pricing,
            self.discount,
            self.hours,
            self.min_instances,
            self.utilisation,
            self.tp,
            self.kv,
            self.gpu_memory,
            self.max_batch,
            self.step_tokens,
            *self.families.values(),
            *self.precisions.values(),
        )
        with blocked(*widgets):
            if [self.region.itemData(i) for i in range(self.region.count())] != regions:
                self.region.clear()
                for r in regions:
                    self.region.addItem(r, r)
            self.release.setCurrentIndex(self.release.findData(d.lmi_release))
            self.hardware.setCurrentIndex(self.hardware.findData(d.hardware))
            self.region.setCurrentIndex(self.region.findData(d.region))
            self.platform.setCurrentIndex(self.platform.findData(d.platform))
            self.pricing.setCurrentIndex(self.pricing.findData(d.pricing_option))
            self.discount.setValue(d.discount * 100)
            self.discount.setEnabled(d.pricing_option != "on_demand")
            self.hours.setValue(round(d.hours_per_month))
            self.min_instances.setValue(d.min_instances)
            self.utilisation.setValue(round(d.target_utilisation * 100))
            self.tp.setCurrentIndex(max(0, self.tp.findData(d.tensor_parallel)))
            self.kv.setCurrentIndex(self.kv.findData(d.kv_cache_dtype))
            g = d.gpu_memory_utilization
            self.gpu_memory.setValue(29 if g is None else round(g * 100))
            self.max_batch.setValue(MAX_BATCH_RANGE[0] - 1 if d.max_batch_size is None else d.max_batch_size)
            t = d.max_num_batched_tokens
            self.step_tokens.setValue(STEP_TOKENS_RANGE[0] - 1 if t is None else t)
            spot = self.pricing.model().item(self.pricing.findData("spot"))  # type: ignore[attr-defined]
            if spot is not None:
                spot.setEnabled(d.platform == "ec2")
            for fam, cb in self.families.items():
                cb.setChecked(not d.instance_families or fam in d.instance_families)
            for p, cb in self.precisions.items():
                cb.setChecked(p in d.precisions)
            own = full_precision(self.state.scenario.model())
            full_label = bk_labels()[FULL_PRECISION_KEY]
            self.precisions[FULL_PRECISION_KEY].setText(
                full_label if own == FULL_PRECISION_KEY else f"full ({bk_labels()[own]})"
            )


def _limit_spin(limits: tuple[int, int], step: int, name: str, tip: str) -> QSpinBox:
    """A spin box for an engine limit: the range below its lowest value reads 'backend default' (None)."""
    spin = QSpinBox()
    spin.setRange(limits[0] - 1, limits[1])
    spin.setSingleStep(step)
    spin.setSpecialValueText("backend default")
    spin.setKeyboardTracking(False)
    spin.setAccessibleName(name)
    spin.setToolTip(tip)
    return spin


def bk_labels() -> dict[str, str]:
    """Precision labels by key ('bf16' → 'bf16/fp16')."""
    return {k: p.label for k, p in load_backends().precisions.items()}
