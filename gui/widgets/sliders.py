"""A labelled float slider with a typed-in value: linear or logarithmic, keyboard friendly."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

STEPS = 1000


class ScaledSlider(QWidget):
    """Float slider + spin box. ``valueChanged`` fires for every step; drags are bracketed.

    Qt sliders are integers; this maps 0..STEPS onto [minimum, maximum], on a log scale when
    ``log`` is set (request rates and token lengths span orders of magnitude).
    """

    valueChanged = Signal(float)
    dragStarted = Signal()
    dragFinished = Signal()

    def __init__(
        self,
        label: str,
        minimum: float,
        maximum: float,
        *,
        log: bool = False,
        decimals: int = 2,
        suffix: str = "",
        tooltip: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._min, self._max, self._log = minimum, maximum, log
        self._value = minimum
        self.label = QLabel(label)
        self.label.setToolTip(tooltip)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setSingleStep(5)
        self.slider.setPageStep(50)
        self.slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.slider.setToolTip(tooltip)
        self.slider.setAccessibleName(label)
        self.spin = QDoubleSpinBox()
        self.spin.setRange(minimum, maximum)
        self.spin.setDecimals(decimals)
        self.spin.setSuffix(suffix)
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip(tooltip)
        self.spin.setAccessibleName(f"{label} value")
        self.spin.setMinimumWidth(92)
        self.spin.setSingleStep(self._spin_step(minimum))
        self.label.setBuddy(self.spin)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.label, 1)
        top.addWidget(self.spin)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setSpacing(1)
        lay.addLayout(top)
        lay.addWidget(self.slider)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderPressed.connect(self.dragStarted)
        self.slider.sliderReleased.connect(self.dragFinished)
        self.spin.valueChanged.connect(self._on_spin)

    # -- mapping
    def _to_int(self, v: float) -> int:
        v = min(max(v, self._min), self._max)
        if self._log:
            frac = (math.log(v) - math.log(self._min)) / (math.log(self._max) - math.log(self._min))
        else:
            frac = (v - self._min) / (self._max - self._min)
        return round(frac * STEPS)

    def _to_float(self, i: int) -> float:
        frac = i / STEPS
        if self._log:
            v = math.exp(math.log(self._min) + frac * (math.log(self._max) - math.log(self._min)))
        else:
            v = self._min + frac * (self._max - self._min)
        return round(v, self.spin.decimals())

    def _spin_step(self, v: float) -> float:
        if not self._log:
            return (self._max - self._min) / 100
        return max(10 ** math.floor(math.log10(max(v, 1e-9))) / 10, 10 ** -self.spin.decimals())

    # -- value
    def value(self) -> float:
        return self._value

    def setValue(self, v: float) -> None:
        """Set from the model side without emitting (signals blocked)."""
        self._value = float(v)
        self.slider.blockSignals(True)
        self.spin.blockSignals(True)
        self.slider.setValue(self._to_int(v))
        self.spin.setValue(v)
        self.spin.setSingleStep(self._spin_step(v))
        self.slider.blockSignals(False)
        self.spin.blockSignals(False)

    @Slot(int)
    def _on_slider(self, i: int) -> None:
        v = self._to_float(i)
        self._value = v
        self.spin.blockSignals(True)
        self.spin.setValue(v)
        self.spin.blockSignals(False)
        self.valueChanged.emit(v)

    @Slot(float)
    def _on_spin(self, v: float) -> None:
        self._value = v
        self.slider.blockSignals(True)
        self.slider.setValue(self._to_int(v))
        self.slider.blockSignals(False)
        self.spin.setSingleStep(self._spin_step(v))
        self.valueChanged.emit(v)
