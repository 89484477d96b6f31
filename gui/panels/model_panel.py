"""Model inputs: the catalog picker (grouped by family), the custom-model button, backend support badges."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.dialogs.custom_model_dialog import CustomModelDialog
from lmi_explorer.gui.qt_state import QtState
from lmi_explorer.gui.widgets.model_picker import ID_ROLE, ModelPicker, release_text
from lmi_explorer.models.estimate.memory import kv_layout, weight_bytes
from lmi_explorer.models.estimate.precisions import full_precision
from lmi_explorer.models.reference.backends import SupportLevel, load_backends
from lmi_explorer.models.reference.catalog import ModelSpec, load_catalog
from lmi_explorer.models.reference.model_architecture import attention_label
from lmi_explorer.models.units import gib

BADGE_STYLE = {
    SupportLevel.SUPPORTED: ("✓", "#1a7f37"),
    SupportLevel.FALLBACK: ("~", "#9a6700"),
    SupportLevel.UNSUPPORTED: ("✕", "#cf222e"),
    SupportLevel.NOT_YET: ("✕", "#cf222e"),
    SupportLevel.RETIRED: ("–", "#8b949e"),
}


WORD_JOINER = "\u2060"


def _facts(*facts: str, sep: str = " · ") -> str:
    """Facts joined by ``sep``, each kept on one line: a narrow panel wraps between facts, not inside one."""
    # nowrap holds the spaces; Qt still breaks after '/' ('KiB/token', 'MoE 8/128') unless a word joiner follows
    return sep.join(
        f"<span style='white-space:nowrap'>{html.escape(f).replace('/', '/' + WORD_JOINER)}</span>" for f in facts if f
    )


def summary_line(m: ModelSpec) -> str:
    """The model's facts (rich text) in five lines: class and release; size, layers, heads; attention kind
    (wrapping only between its parts); context and weights in the published format; KV cache by layer kind."""
    own = full_precision(m)
    prec = load_backends().precisions[own]
    weights = weight_bytes(m, prec)
    lay = kv_layout(m, 2.0)
    kv = [f"{lay.full / 1024:.0f} KiB/token"]
    if lay.windowed:
        kv.append(f"{sum(lay.windowed) / 1024:.0f} KiB/token within the window")
    if lay.state:
        kv.append(f"{lay.state / 2**20:.0f} MiB state per sequence")
    active = f" ({m.active_params_billion:.2f}B active)" if m.active_params_billion else ""
    heads = f"{m.heads} heads" if m.kv_lora_rank else f"{m.heads} heads / {m.kv_heads} KV heads"
    released = f"released {release_text(m.released)}" if m.released else ""
    return "<br>".join(
        (
            _facts(f"{m.architecture} ({m.model_type})", released),
            _facts(f"{m.params_billion:.2f}B parameters{active}", f"{m.layers} layers", heads),
            "Attention: " + _facts(*attention_label(m).split(" + "), sep=" + "),
            _facts(
                f"context {m.context:,} tokens",
                f"{prec.label} weights {gib(weights)}",
            ),
            "KV cache (bf16): " + _facts(*kv, sep=" + "),
        )
    )


class ModelPanel(QWidget):
    """Pick a catalog model (type to search) or enter a custom one; see who can serve it."""

    def __init__(self, state: QtState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.catalog = load_catalog()
        # grouped by family, newest first; type any part of the id, name or family to narrow it
        self.combo = ModelPicker(self.catalog.models.values())
        # long names must not widen the input column; the drop-down shows every column in full
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.setToolTip(
            "Model to host, grouped by family (newest first). Type any part of the id, name or family to "
            "narrow the list; Enter picks the first match, Esc puts the current model back."
        )
        self.combo.setAccessibleName("Model")
        self.combo.activated.connect(self._on_model_chosen)
        self.custom_button = QPushButton("Custom model…")
        self.custom_button.setToolTip("Enter a model's architecture by hand (parameters, layers, heads, …)")
        self.custom_button.clicked.connect(self._on_custom)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
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
        model_id = self.combo.itemData(index, ID_ROLE)
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
        if m.custom:
            self.combo.show_custom(f"Custom: {m.name} ({m.params_billion:.1f}B)")
        else:
            self.combo.select_model_id(m.model_id)
        self.info.setText(summary_line(m))
        self.info.setToolTip(m.source or "")
        lmi = s.deployment.lmi_release
        bk = load_backends()
        for key, lab in self.badges.items():
            sup = bk.support_for(key, m, lmi)
            mark, colour = BADGE_STYLE[sup.level]
            lab.setText(f"<span style='color:{colour}; font-weight:bold'>{mark}</span> {bk.backends[key].name}")
            lab.setToolTip(f"{sup.level.value}: {sup.reason}")
