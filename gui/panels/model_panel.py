"""Model inputs: catalog picker, custom-model editor, backend support badges."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.binding import QtState, blocked
from models._resources import DataError
from models.backends import SupportLevel, load_backends
from models.catalog import ModelSpec, load_catalog, validate_spec
from models.estimate.memory import kv_bytes_per_token, weight_bytes
from models.units import gib

BADGE_STYLE = {
    SupportLevel.SUPPORTED: ("✓", "#1a7f37"),
    SupportLevel.FALLBACK: ("~", "#9a6700"),
    SupportLevel.UNSUPPORTED: ("✕", "#cf222e"),
    SupportLevel.NOT_YET: ("✕", "#cf222e"),
    SupportLevel.RETIRED: ("–", "#8b949e"),
}


def model_label(m: ModelSpec) -> str:
    return f"{m.name}  ({m.params_billion:.1f}B, {m.family}, {m.arch_class})"


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
        types = sorted(set(load_backends().support["model_type"]) - {"*"})
        self.model_type.addItems(types)
        self.model_type.setCurrentText(base.model_type)
        self.model_type.setToolTip("Architecture family (config.json model_type): decides backend support")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Architecture (model_type)", self.model_type)
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
        mtype = self.model_type.currentText()
        arch = "T5ForConditionalGeneration" if mtype == "t5" else f"{mtype.title().replace('_', '')}ForCausalLM"
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


class ModelPanel(QWidget):
    """Pick a catalog model (type to search) or enter a custom one; see who can serve it."""

    def __init__(self, state: QtState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.catalog = load_catalog()
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # long catalog labels must not widen the input column; the popup shows them in full
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.view().setMinimumWidth(420)
        self.combo.setToolTip("Model to host. Type any part of the name, family or architecture to search.")
        self.combo.setAccessibleName("Model")
        for m in sorted(self.catalog.models.values(), key=lambda m: (m.family, m.params_billion)):
            self.combo.addItem(model_label(m), m.model_id)
        completer = QCompleter(self.combo.model(), self.combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.combo.setCompleter(completer)
        self.combo.activated.connect(self._on_model_chosen)
        self.custom_button = QPushButton("Custom model…")
        self.custom_button.setToolTip("Enter a model's architecture by hand (parameters, layers, heads, …)")
        self.custom_button.clicked.connect(self._on_custom)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badges: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        for i, (key, b) in enumerate(load_backends().backends.items()):
            lab = QLabel(b.name)
            lab.setAccessibleName(f"Support: {b.name}")
            self.badges[key] = lab
            grid.addWidget(lab, i // 2, i % 2)
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.custom_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(row)
        lay.addWidget(self.info)
        support = QLabel("Backend support in this LMI release:")
        support.setToolTip("Whether each backend can run this architecture; hover a badge for the reason")
        lay.addWidget(support)
        lay.addLayout(grid)
        state.changed.connect(self.refresh)
        self.refresh()

    @Slot(int)
    def _on_model_chosen(self, index: int) -> None:
        model_id = self.combo.itemData(index)
        if model_id:
            self.state.update(model_id=model_id, custom_model=None)

    @Slot()
    def _on_custom(self) -> None:
        dlg = CustomModelDialog(self.state.scenario.model(), self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.spec is not None:
            self.state.update(custom_model=dlg.spec, model_id=None)

    @Slot()
    def refresh(self) -> None:
        s = self.state.scenario
        m = s.model()
        with blocked(self.combo):
            if m.custom:
                self.combo.setEditText(f"Custom: {m.name} ({m.params_billion:.1f}B)")
            else:
                idx = self.combo.findData(m.model_id)
                self.combo.setCurrentIndex(idx)
            self.combo.lineEdit().setCursorPosition(0)  # show the start of the name, not the end
        bk = load_backends()
        w16 = weight_bytes(m, bk.precisions["bf16"])
        gqa = f"{m.heads} heads / {m.kv_heads} KV heads"
        moe = f" · {m.experts} experts, {m.experts_per_token} per token" if m.experts > 1 else ""
        self.info.setText(
            f"{m.architecture} ({m.model_type}) · {m.params_billion:.2f}B parameters · {m.layers} layers · {gqa}"
            f"{moe} · context {m.context:,} tokens · bf16 weights {gib(w16)} · KV {kv_bytes_per_token(m) / 1024:.0f}"
            f" KiB/token"
        )
        self.info.setToolTip(m.source or "")
        lmi = s.deployment.lmi_release
        for key, lab in self.badges.items():
            sup = bk.support_for(key, m, lmi)
            mark, colour = BADGE_STYLE[sup.level]
            lab.setText(f"<span style='color:{colour}; font-weight:bold'>{mark}</span> {bk.backends[key].name}")
            lab.setToolTip(f"{sup.level.value}: {sup.reason}")
