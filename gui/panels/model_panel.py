"""Model inputs: catalog picker, the custom-model button, backend support badges."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.dialogs.custom_model_dialog import CustomModelDialog
from lmi_explorer.gui.qt_state import QtState, blocked
from lmi_explorer.models.estimate.memory import kv_bytes_per_token, weight_bytes
from lmi_explorer.models.reference.backends import SupportLevel, load_backends
from lmi_explorer.models.reference.catalog import ModelSpec, load_catalog
from lmi_explorer.models.units import gib

BADGE_STYLE = {
    SupportLevel.SUPPORTED: ("✓", "#1a7f37"),
    SupportLevel.FALLBACK: ("~", "#9a6700"),
    SupportLevel.UNSUPPORTED: ("✕", "#cf222e"),
    SupportLevel.NOT_YET: ("✕", "#cf222e"),
    SupportLevel.RETIRED: ("–", "#8b949e"),
}


def model_label(m: ModelSpec) -> str:
    return f"{m.name}  ({m.params_billion:.1f}B, {m.family}, {m.arch_class})"


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
        if m.kv_lora_rank:
            gqa = f"{m.heads} heads, latent attention (MLA, {m.kv_lora_rank} + {m.qk_rope_head_dim})"
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
