"""The custom-model editor: type in a model's architecture from its config.json."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.backends import known_architectures, load_backends
from lmi_explorer.models.reference.catalog import ModelSpec, validate_spec


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
        self.error = QLabel("")
        self.error.setStyleSheet("color: #cf222e")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.spec: ModelSpec | None = None

    def build(self) -> ModelSpec:
        v = {k: box.value() for k, box in self.inputs.items()}
        experts = int(v["experts"])
        mtype = self.model_type.currentText().strip().lower()
        arch = self.architecture.currentText().strip()
        if not mtype or not arch:
            raise DataError("Enter the config's model_type and architectures[0] (both are in its config.json).")
        return ModelSpec(
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
            arch_class="encoder-decoder"
            if mtype == "t5"
            else ("mixture-of-experts" if experts > 1 else "decoder-only"),
            custom=True,
            source="entered by the user",
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
