"""Traffic inputs: presets, length and rate sliders, latency targets, a live histogram."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QVBoxLayout, QWidget

from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import ChartTheme
from lmi_explorer.gui.qt_state import QtState, blocked
from lmi_explorer.gui.widgets.length_histogram import LengthHistogram
from lmi_explorer.gui.widgets.sliders import ScaledSlider
from lmi_explorer.models.scenario.examples import preset_changes
from lmi_explorer.models.traffic import load_presets

CUSTOM = "custom"

#: (field, label, minimum, maximum, log scale, decimals, suffix, tooltip)
SLIDERS = (
    (
        "input_mean",
        "Input length (mean)",
        8,
        65536,
        True,
        0,
        " tok",
        "Mean prompt length in tokens (system prompt + history + question).",
    ),
    (
        "input_cv",
        "Input spread (CV)",
        0.0,
        2.0,
        False,
        2,
        "",
        "How uneven prompt lengths are: standard deviation ÷ mean. 0 = all alike; 0.47 = spread evenly over "
        "100–1000 tokens; above 0.3 the guide calls traffic uneven.",
    ),
    ("output_mean", "Output length (mean)", 1, 16384, True, 0, " tok", "Mean generated tokens per request."),
    (
        "output_cv",
        "Output spread (CV)",
        0.0,
        2.0,
        False,
        2,
        "",
        "How uneven answer lengths are: standard deviation ÷ mean.",
    ),
    (
        "requests_per_s",
        "Request rate (mean)",
        0.01,
        1000.0,
        True,
        2,
        " req/s",
        "Average requests per second over the busy hours.",
    ),
    (
        "peak_to_average",
        "Peak ÷ average",
        1.0,
        10.0,
        False,
        1,
        "×",
        "Peak request rate divided by the mean; capacity is planned for the peak.",
    ),
    (
        "ttft_s",
        "TTFT target",
        0.05,
        60.0,
        True,
        2,
        " s",
        "Time to first token the users accept (queueing + prefill), in seconds.",
    ),
    (
        "tpot_ms",
        "TPOT target",
        2.0,
        1000.0,
        True,
        0,
        " ms",
        "Time per output token (inter-token latency), in milliseconds; 50 ms ≈ 20 tokens/s.",
    ),
)


class TrafficPanel(QWidget):
    """Sliders for how the customer's requests look; every move re-estimates live."""

    def __init__(self, state: QtState, theme: ChartTheme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.presets = load_presets()
        self.preset = QComboBox()
        self.preset.setToolTip("Typical traffic shapes; choosing one sets the length and latency sliders.")
        self.preset.setAccessibleName("Traffic preset")
        for key, p in self.presets.items():
            self.preset.addItem(p.label, key)
            self.preset.setItemData(self.preset.count() - 1, p.source, 3)  # Qt.ToolTipRole
        self.preset.addItem("Custom", CUSTOM)
        self.preset.activated.connect(self._on_preset)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Preset", self.preset)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(2)
        lay.addLayout(form)
        self.sliders: dict[str, ScaledSlider] = {}
        for name, label, lo, hi, log, dec, suffix, tip in SLIDERS:
            sl = ScaledSlider(label, lo, hi, log=log, decimals=dec, suffix=suffix, tooltip=tip)
            sl.valueChanged.connect(partial(self._on_value, name))
            sl.dragStarted.connect(state.drag_started)
            sl.dragFinished.connect(state.drag_finished)
            self.sliders[name] = sl
            lay.addWidget(sl)
        self.histogram = LengthHistogram(theme)
        lay.addWidget(self.histogram)
        state.changed.connect(self.refresh)
        self.refresh()

    @Slot(int)
    def _on_preset(self, index: int) -> None:
        key = self.preset.itemData(index)
        if key not in self.presets:
            return
        self.state.update(**preset_changes(key))

    def _on_value(self, name: str, value: float) -> None:
        changes: dict[str, object] = {name: value}
        if name in ("input_mean", "input_cv", "output_mean", "output_cv", "ttft_s", "tpot_ms"):
            changes["preset"] = CUSTOM
        self.state.update(**changes)

    @Slot()
    def refresh(self) -> None:
        t = self.state.scenario.traffic
        for name, sl in self.sliders.items():
            if abs(sl.value() - getattr(t, name)) > 1e-12:
                sl.setValue(getattr(t, name))
        shaped = bool(self.state.scenario.load.day_profile)
        peak = self.sliders.get("peak_to_average")
        if peak is not None and peak.isEnabled() == shaped:
            peak.setEnabled(not shaped)  # with a day shape the peak is its busiest hour
            peak.setToolTip(
                "Set by the day shape (Traffic classes and day): its busiest hour over the week's average."
                if shaped
                else "Peak request rate divided by the mean; capacity is planned for the peak."
            )
        with blocked(self.preset):
            idx = self.preset.findData(t.preset)
            self.preset.setCurrentIndex(idx if idx >= 0 else self.preset.findData(CUSTOM))
        st = self.state.state
        if st.estimate is not None and st.decision is not None:
            self.histogram.show_data(ChartInput(st.estimate, st.decision))
