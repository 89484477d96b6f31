"""The custom-model editor: type in a model's architecture from its config.json."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.backends import known_architectures, load_backends
from lmi_explorer.models.reference.catalog import ModelSpec, validate_spec
from lmi_explorer.models.reference.config_import import ImportedConfig
from lmi_explorer.models.reference.hf_files import import_model, model_name

#: kept for callers of the earlier name
config_name = model_name
#: the fields a config.json fixes: editing one of them after an import makes the model a typed-in one
ARCHITECTURE_FIELDS = (
    "layers", "hidden_size", "heads", "kv_heads", "head_dim", "vocab_size", "experts", "experts_per_token",
)  # fmt: skip


def imported_summary(imported: ImportedConfig, where: str) -> str:
    """One paragraph on what an import read: parameters, latent attention, the checkpoint's weights."""
    spec = imported.spec
    mla = f"; latent attention ({spec.kv_lora_rank} + {spec.qk_rope_head_dim} per token and layer)"
    counted = " (counted in the checkpoint)" if "from the checkpoint" in spec.notes else ""
    return (
        f"From {where}: {spec.params_billion:.2f}B parameters{counted}"
        + (f", {spec.active_params_billion:.2f}B active per token" if spec.active_params_billion else "")
        + (mla if spec.kv_lora_rank else "")
        + f"; checkpoint weights {imported.precision} (precision {spec.checkpoint_precision})."
    )


class CustomModelDialog(QDialog):
    """Type in a model's architecture (from its config.json) when it is not in the catalog."""

    FIELDS = (
        ("params_billion", "Parameters (billions)", 0.01, 100_000.0, "Total parameters, e.g. 13.0"),
        ("layers", "Layers", 1, 1000, "num_hidden_layers"),
        ("hidden_size", "Hidden size", 64, 100_000, "hidden_size (d_model)"),
        ("heads", "Attention heads", 1, 1024, "num_attention_heads"),
        ("kv_heads", "KV heads", 1, 1024, "num_key_value_heads (equal to heads without GQA)"),
        ("head_dim", "Head dim (0 = hidden / heads)", 0, 4096, "head_dim if the config sets it"),
        ("vocab_size", "Vocabulary", 1, 10_000_000, "vocab_size"),
        ("context", "Context (tokens)", 16, 10_000_000, "max_position_embeddings"),
        ("experts", "Experts (1 = dense)", 1, 1024, "num_local_experts for mixture-of-experts"),
        ("experts_per_token", "Experts per token", 1, 1024, "num_experts_per_tok"),
    )

    def __init__(self, base: ModelSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom model")
        self.name = QLineEdit(base.name if base.custom else f"{base.name} (custom)")
        self.model_type = QComboBox()
        self.model_type.setEditable(True)
        types = sorted(set(load_backends().support["model_type"]) - {"*"} | {base.model_type})
        self.model_type.addItems(types)
        self.model_type.setCurrentText(base.model_type)
        self.model_type.setToolTip(
            "config.json model_type (e.g. qwen3): decides support on backends that list families "
            "(TensorRT-LLM, NeuronX, lmi-dist); type any value"
        )
        self.architecture = QComboBox()
        self.architecture.setEditable(True)
        self.architecture.addItems(known_architectures())
        self.architecture.setCurrentText(base.architecture)
        self.architecture.setToolTip(
            "config.json architectures[0] (e.g. Qwen3ForCausalLM): vLLM's own model registry decides "
            "support by this name; the list holds every name a shipped vLLM lists"
        )
        completer = self.architecture.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Family (model_type)", self.model_type)
        form.addRow("Architecture (architectures[0])", self.architecture)
        self.inputs: dict[str, QSpinBox | QDoubleSpinBox] = {}
        for key, label, lo, hi, tip in self.FIELDS:
            box: QSpinBox | QDoubleSpinBox
            if isinstance(lo, float):
                box = QDoubleSpinBox()
                box.setDecimals(3)
            else:
                box = QSpinBox()
            box.setRange(lo, hi)
            box.setValue(getattr(base, key) if key != "head_dim" else base.head_dim)
            box.setToolTip(tip)
            form.addRow(label, box)
            self.inputs[key] = box
        self.import_button = QPushButton("Import config.json…")
        self.import_button.setToolTip(
            "Fill every field from a Hugging Face config.json (parameters are derived from it, or counted in the "
            "safetensors files beside it). The config goes with the model, so sliding-window, chunked-local and "
            "linear-attention layers are sized from the architecture; what is only approximated is said below."
        )
        self.import_button.clicked.connect(self._choose_config)
        self.checkpoint = QLabel("")
        self.checkpoint.setWordWrap(True)
        self._active_billion: float | None = base.active_params_billion
        self._tied = base.tied_embeddings
        self._latent = (base.kv_lora_rank, base.qk_rope_head_dim)  # MLA, carried from the config
        # an imported (or earlier imported) model keeps its config.json while its architecture fields stand
        self._imported: ModelSpec | None = base if base.custom and base.has_config else None
        self.warning = QLabel("")
        self.warning.setStyleSheet("color: #b35c00")
        self.warning.setWordWrap(True)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #cf222e")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.import_button)
        lay.addLayout(form)
        lay.addWidget(self.checkpoint)
        lay.addWidget(self.warning)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.spec: ModelSpec | None = None

    @Slot()
    def _choose_config(self) -> None:
        from lmi_explorer.gui.dialogs.model_import import FILTER, model_path

        chosen, _ = QFileDialog.getOpenFileName(self, "Import a model's config.json", "", FILTER)
        if chosen:
            self.import_config(model_path(Path(chosen)))

    def import_config(self, path: str | Path) -> bool:
        """Fill the fields from a config.json or a model folder; on a bad file the fields stay as they were."""
        p = Path(path)
        try:
            imported = import_model(p)
        except DataError as exc:
            self.error.setText(str(exc))
            return False
        self.apply_import(imported, p.name)
        return True

    def apply_import(self, imported: ImportedConfig, where: str) -> None:
        """Show an imported model in the fields; it keeps its config.json unless an architecture field changes."""
        spec = imported.spec
        self.name.setText(spec.name)
        self.model_type.setCurrentText(spec.model_type)
        self.architecture.setCurrentText(spec.architecture)
        for key, box in self.inputs.items():
            box.setValue(getattr(spec, key))
        self._active_billion = spec.active_params_billion
        self._tied = spec.tied_embeddings
        self._latent = (spec.kv_lora_rank, spec.qk_rope_head_dim)
        self._imported = spec
        self.checkpoint.setText(imported_summary(imported, where))
        self.warning.setText(imported.warning)
        self.error.setText("")

    def build(self) -> ModelSpec:
        v = {k: box.value() for k, box in self.inputs.items()}
        experts = int(v["experts"])
        mtype = self.model_type.currentText().strip().lower()
        arch = self.architecture.currentText().strip()
        if not mtype or not arch:
            raise DataError("Enter the config's model_type and architectures[0] (both are in its config.json).")
        spec = ModelSpec(
            model_id="custom",
            name=self.name.text().strip() or "Custom model",
            family="Custom",
            architecture=arch,
            model_type=mtype,
            params_billion=float(v["params_billion"]),
            layers=int(v["layers"]),
            hidden_size=int(v["hidden_size"]),
            heads=int(v["heads"]),
            kv_heads=int(v["kv_heads"]),
            vocab_size=int(v["vocab_size"]),
            context=int(v["context"]),
            head_dim=int(v["head_dim"]),
            experts=experts,
            experts_per_token=int(v["experts_per_token"]),
            active_params_billion=self._active_billion if experts > 1 else None,
            tied_embeddings=self._tied,
            kv_lora_rank=self._latent[0],
            qk_rope_head_dim=self._latent[1],
            arch_class="encoder-decoder"
            if mtype == "t5"
            else ("mixture-of-experts" if experts > 1 else "decoder-only"),
            custom=True,
            source="entered by the user",
        )
        return self._with_config(spec)

    def _with_config(self, spec: ModelSpec) -> ModelSpec:
        """The imported config.json and checkpoint format, while the fields it fixes are as imported."""
        imp = self._imported
        if imp is None or any(getattr(spec, k) != getattr(imp, k) for k in ARCHITECTURE_FIELDS):
            return spec
        return replace(
            spec,
            family=imp.family,
            arch_class=imp.arch_class,
            checkpoint_precision=imp.checkpoint_precision,
            config_json=imp.config_json,
            source=imp.source,
            notes=imp.notes,
        )

    @Slot()
    def _accept(self) -> None:
        try:
            spec = self.build()
            validate_spec(spec)
        except DataError as exc:
            self.error.setText(str(exc))
            return
        self.spec = spec
        self.accept()
