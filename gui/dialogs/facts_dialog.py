"""Ask for what a load-test file does not record (instance, backend, precision, TP, model, lengths).

Only the missing facts are asked, each defaulting to the scenario's current recommendation, so importing
a vLLM result of the deployment on screen is one click.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.models.calibration.measurements import RunFacts
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.catalog import load_catalog
from lmi_explorer.models.reference.hardware import load_hardware

#: the facts the dialog can ask for, in the order it shows them
FACT_FIELDS = ("model", "instance", "backend", "precision", "tensor_parallel", "input_tokens", "concurrency")
TP_CHOICES = (1, 2, 4, 8, 12, 24, 32)


class FactsDialog(QDialog):
    """A form with one input per missing fact; :meth:`facts` reads them back."""

    def __init__(
        self, file_name: str, runs: int, missing: list[str], defaults: RunFacts, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About this load test")
        self.setMinimumWidth(440)
        self.missing = [f for f in FACT_FIELDS if f in missing]
        lay = QVBoxLayout(self)
        what = f"{runs} run{'s' if runs != 1 else ''}"
        intro = QLabel(
            f"<b>{file_name}</b> ({what}) does not say how it ran. These answers apply to every run "
            "in it; the file's own values are kept."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        lay.addLayout(form)
        self.inputs: dict[str, QWidget] = {}
        bk = load_backends()
        if "model" in self.missing:
            box = QComboBox()
            box.setEditable(True)
            box.addItems(sorted(load_catalog().models))
            box.setCurrentText(defaults.model or "")
            box.setToolTip(
                "The model the load test served; a model outside the catalog is estimated as the scenario's model"
            )
            self._add(form, "model", "&Model", box)
        if "instance" in self.missing:
            box = QComboBox()
            for name in sorted(load_hardware().instances):
                box.addItem(name, name)
            _select(box, defaults.instance)
            box.setToolTip("The instance type the endpoint ran on (ml. prefix not needed)")
            self._add(form, "instance", "&Instance", box)
        if "backend" in self.missing:
            box = QComboBox()
            for key, b in bk.backends.items():
                box.addItem(b.name, key)
            _select(box, defaults.backend)
            box.setToolTip("The inference backend that served the load test")
            self._add(form, "backend", "&Backend", box)
        if "precision" in self.missing:
            box = QComboBox()
            for key, p in bk.precisions.items():
                box.addItem(p.label, key)
            _select(box, defaults.precision)
            box.setToolTip("Weight precision of the served model (bf16/fp16 when not quantized)")
            self._add(form, "precision", "&Precision", box)
        if "tensor_parallel" in self.missing:
            box = QComboBox()
            box.addItem("all devices (LMI default)", None)
            for tp in TP_CHOICES:
                box.addItem(str(tp), tp)
            _select(box, defaults.tensor_parallel)
            box.setToolTip("Tensor-parallel degree: devices per model copy; LMI uses all of the instance's by default")
            self._add(form, "tensor_parallel", "&Tensor parallel", box)
        if "input_tokens" in self.missing:
            spin = QSpinBox()
            spin.setRange(1, 10_000_000)
            spin.setValue(int(defaults.input_tokens or 550))
            spin.setSuffix(" tokens")
            spin.setToolTip("Mean prompt length the load test sent (the file does not record it)")
            self._add(form, "input_tokens", "Prompt &length", spin)
        if "concurrency" in self.missing:
            spin = QSpinBox()
            spin.setRange(1, 1_000_000)
            spin.setValue(int(defaults.concurrency or 1))
            spin.setSuffix(" clients")
            spin.setToolTip("Concurrent clients of the closed-loop load test")
            self._add(form, "concurrency", "&Concurrency", spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Import")
        ok.setToolTip("Import the runs with these facts")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip("Import nothing")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _add(self, form: QFormLayout, key: str, label: str, widget: QWidget) -> None:
        self.inputs[key] = widget
        form.addRow(label, widget)

    def facts(self) -> RunFacts:
        """The answers (``None`` for facts not asked, or TP left to the default)."""
        values: dict[str, object] = {}
        for key, w in self.inputs.items():
            if isinstance(w, QSpinBox):
                values[key] = w.value()
            elif isinstance(w, QComboBox):
                values[key] = (w.currentText().strip() or None) if w.isEditable() else w.currentData()
        return RunFacts(**values)  # type: ignore[arg-type]


def _select(box: QComboBox, value: object) -> None:
    i = box.findData(value)
    if i >= 0:
        box.setCurrentIndex(i)
