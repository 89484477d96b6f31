"""Traffic classes and the day's load: more use cases beside the main traffic, a day shape, autoscaling.

The main traffic (first row) is edited with the Traffic sliders; here it only gets a name. Each
further class has its own preset, rate, peak, lengths, targets and day shape. Every edit is one
``state.update``; a refused value snaps back with the reason in the status bar.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.gui.qt_state import QtState, blocked
from lmi_explorer.models.mix.classes import profile_peak
from lmi_explorer.models.mix.day import load_day_profiles
from lmi_explorer.models.scenario.mixture import CUSTOM_DAY, TrafficClass
from lmi_explorer.models.scenario.model import Traffic
from lmi_explorer.models.scenario.validation import MAX_CLASSES
from lmi_explorer.models.traffic import load_presets

#: (field, header, tooltip, decimals, minimum, maximum) of the numeric columns
NUMBERS = (
    ("requests_per_s", "Req/s", "Mean requests per second of this class", 3, 0.001, 100_000.0),
    ("peak_to_average", "Peak ×", "Peak rate over the mean (ignored when the class has a day shape)", 2, 1.0, 100.0),
    ("input_mean", "In", "Mean input (prompt) tokens a request", 0, 1.0, 1_000_000.0),
    ("output_mean", "Out", "Mean output tokens a request", 0, 1.0, 1_000_000.0),
    ("ttft_s", "TTFT s", "This class's time-to-first-token target (seconds)", 2, 0.01, 3600.0),
    ("tpot_ms", "TPOT ms", "This class's time-per-output-token target (milliseconds)", 0, 1.0, 100_000.0),
)
COLUMNS = ("Name", "Preset", *(n[1] for n in NUMBERS), "Day shape")


class ClassesPanel(QWidget):
    """The traffic classes table, Add/Remove, the main day shape and the autoscaling settings."""

    def __init__(self, state: QtState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.profiles = load_day_profiles()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.day = QComboBox()
        self.day.setAccessibleName("Day shape")
        self.day.addItem("None: the peak all month", "")
        for name, p in self.profiles.items():
            self.day.addItem(p.label, name)
            self.day.setItemData(self.day.count() - 1, p.description or p.label, Qt.ItemDataRole.ToolTipRole)
        self.day.addItem("Custom (drawn)", CUSTOM_DAY)
        self.draw_button = QPushButton("Draw…")
        self.draw_button.setToolTip("Draw the main traffic's day shape by dragging 24 weekday and 24 weekend points")
        self.draw_button.clicked.connect(self.draw_shape)
        self.day.setToolTip(
            "How the main traffic's rate moves over the day and week. With a shape, the peak follows its busiest "
            "hour and the Day tab prices a fleet that follows it against one sized for the peak."
        )
        self.autoscale = QCheckBox("Autoscale")
        self.autoscale.setToolTip(
            "Price a fleet that follows the day shape (new instances serve after provisioning, weight load and "
            "any compile) instead of a fixed fleet for the peak hour"
        )
        self.max_instances = QSpinBox()
        self.max_instances.setRange(0, 10_000)
        self.max_instances.setSpecialValueText("no limit")
        self.max_instances.setKeyboardTracking(False)
        self.max_instances.setToolTip("Most instances the autoscaler may run (0: no limit)")
        self.scale_to_zero = QCheckBox("Scale to zero")
        self.scale_to_zero.setToolTip(
            "Let the fleet drop to no instances when no requests come (requests then wait for a new instance)"
        )
        row = QHBoxLayout()
        row.addWidget(self.autoscale)
        row.addWidget(QLabel("max"))
        row.addWidget(self.max_instances)
        row.addWidget(self.scale_to_zero)
        row.addStretch(1)
        shape_row = QHBoxLayout()
        shape_row.addWidget(self.day, 1)
        shape_row.addWidget(self.draw_button)
        form.addRow("Day shape", shape_row)
        form.addRow("", row)
        lay.addLayout(form)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for i, (_f, _h, tip, *_r) in enumerate(NUMBERS, start=2):
            self.table.horizontalHeaderItem(i).setToolTip(tip)
        self.table.horizontalHeaderItem(0).setToolTip("The class's name (the first row is the main traffic)")
        self.table.horizontalHeaderItem(1).setToolTip("Apply a traffic preset's lengths and targets to the class")
        self.table.horizontalHeaderItem(len(COLUMNS) - 1).setToolTip("The class's own day shape")
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(120)
        self.table.setAccessibleName("Traffic classes")
        self.table.setToolTip(
            "Several use cases: the Endpoints tab compares one shared endpoint (strictest targets) with one "
            "endpoint per class. The first row is the main traffic, set with the Traffic sliders."
        )
        lay.addWidget(self.table)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add class")
        self.add_button.setToolTip("Add a traffic class (a use case with its own lengths, rate and targets)")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected class (the main traffic stays)")
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        self.add_button.clicked.connect(self.add_class)
        self.remove_button.clicked.connect(self.remove_selected)
        self.table.itemChanged.connect(self._on_name)
        self.day.activated.connect(self._on_day)
        self.autoscale.toggled.connect(lambda on: self._load(autoscaling=on))
        self.max_instances.valueChanged.connect(lambda v: self._load(max_instances=v))
        self.scale_to_zero.toggled.connect(lambda on: self._load(scale_to_zero=on))
        self._shown: tuple = ()
        state.changed.connect(self.refresh)
        self.refresh()

    # -- edits
    def _load(self, **changes: object) -> None:
        self.state.update(load=replace(self.state.scenario.load, **changes))

    @Slot(int)
    def _on_day(self, i: int) -> None:
        name = self.day.itemData(i) or ""
        if name == CUSTOM_DAY:
            self.draw_shape()
            return
        changes: dict[str, object] = {"load": replace(self.state.scenario.load, day_profile=name)}
        if name:
            changes["peak_to_average"] = profile_peak(name)  # the peak follows the shape's busiest hour
        self.state.update(**changes)

    def draw_shape(self) -> None:
        """Open the drawing dialog on the shape in use; OK makes it the main traffic's custom shape."""
        from lmi_explorer.gui.dialogs.day_shape_dialog import DayShapeDialog

        ld = self.state.scenario.load
        if ld.day_profile == CUSTOM_DAY:
            start = (ld.weekday, ld.weekend)
        elif ld.day_profile:
            p = self.profiles[ld.day_profile]
            start = (p.weekday, p.weekend)
        else:
            start = ((1.0,) * 24, (1.0,) * 24)
        self.dialog = DayShapeDialog(*start, parent=self)
        if self.dialog.exec() == DayShapeDialog.DialogCode.Accepted:
            self.apply_shape(*self.dialog.shape())
        else:
            self.refresh(force=True)

    def apply_shape(self, weekday: tuple[float, ...], weekend: tuple[float, ...]) -> None:
        load = replace(self.state.scenario.load, day_profile=CUSTOM_DAY, weekday=weekday, weekend=weekend)
        self.state.update(load=load, peak_to_average=profile_peak(CUSTOM_DAY, (*weekday, *weekend)))

    def add_class(self) -> None:
        s = self.state.scenario
        if len(s.other_classes) + 1 >= MAX_CLASSES:
            return
        taken = {c.traffic.preset for c in s.classes()}
        preset = next(
            (p for p in load_presets().values() if p.preset not in taken), next(iter(load_presets().values()))
        )
        names = {c.name.lower() for c in s.classes()}
        name = preset.label if preset.label.lower() not in names else f"Class {len(s.other_classes) + 2}"
        t = Traffic(
            input_mean=preset.input_mean,
            input_cv=preset.input_cv,
            output_mean=preset.output_mean,
            output_cv=preset.output_cv,
            requests_per_s=s.traffic.requests_per_s,
            ttft_s=preset.ttft_s,
            tpot_ms=preset.tpot_ms,
            preset=preset.preset,
        )
        self.state.update(other_classes=(*s.other_classes, TrafficClass(name, t)))

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else self.table.rowCount() - 1
        if row < 1:
            return
        others = list(self.state.scenario.other_classes)
        del others[row - 1]
        self.state.update(other_classes=tuple(others))

    def _set_class(self, index: int, cls: TrafficClass) -> bool:
        """Replace one class; False when the scenario refuses it (the reason goes to the status bar)."""
        others = list(self.state.scenario.other_classes)
        if not 0 <= index < len(others):
            return False
        if others[index] == cls:
            return True
        others[index] = cls
        return self.state.update(other_classes=tuple(others))

    def _on_name(self, item: QTableWidgetItem) -> None:
        row, text = item.row(), item.text().strip()
        if item.column() != 0:
            return
        if row == 0:
            ok = self.state.update(traffic_name=text)
        elif text:
            c = self.state.scenario.other_classes[row - 1]
            ok = self._set_class(row - 1, replace(c, name=text))
        else:
            ok = False
        if not ok:  # refused (a name used twice, too long) or empty: the cell shows the scenario's name again
            self.refresh(force=True)

    def _on_number(self, index: int, field: str, value: float) -> None:
        c = self.state.scenario.other_classes[index]
        self._set_class(index, replace(c, traffic=replace(c.traffic, **{field: value})))

    def _on_preset(self, index: int, key: str) -> None:
        p = load_presets()[key]
        c = self.state.scenario.other_classes[index]
        t = replace(
            c.traffic,
            input_mean=p.input_mean,
            input_cv=p.input_cv,
            output_mean=p.output_mean,
            output_cv=p.output_cv,
            ttft_s=p.ttft_s,
            tpot_ms=p.tpot_ms,
            preset=p.preset,
        )
        self._set_class(index, replace(c, traffic=t))

    def _on_class_day(self, index: int, name: str) -> None:
        c = self.state.scenario.other_classes[index]
        self._set_class(index, replace(c, day_profile=name))

    # -- view
    @Slot()
    def refresh(self, force: bool = False) -> None:
        s = self.state.scenario
        ld = s.load
        with blocked(self.day, self.autoscale, self.max_instances, self.scale_to_zero):
            self.day.setCurrentIndex(max(self.day.findData(ld.day_profile), 0))
            self.autoscale.setChecked(ld.autoscaling)
            self.max_instances.setValue(ld.max_instances)
            self.scale_to_zero.setChecked(ld.scale_to_zero)
        has_day = bool(ld.day_profile) or any(c.day_profile for c in s.other_classes)
        for w in (self.autoscale, self.max_instances, self.scale_to_zero):
            w.setEnabled(has_day)
        self.add_button.setEnabled(len(s.other_classes) + 1 < MAX_CLASSES)
        self.remove_button.setEnabled(bool(s.other_classes))
        shown = (s.classes(),)
        if shown == self._shown and not force:
            return
        self._shown = shown
        self._fill(s.classes())

    def _fill(self, classes: tuple[TrafficClass, ...]) -> None:
        with blocked(self.table):  # filling is not an edit
            self._fill_rows(classes)

    def _fill_rows(self, classes: tuple[TrafficClass, ...]) -> None:
        t = self.table
        t.setRowCount(len(classes))
        presets = load_presets()
        for r, c in enumerate(classes):
            name = QTableWidgetItem(c.name)
            name.setToolTip("The main traffic: its values follow the Traffic sliders" if r == 0 else c.name)
            t.setItem(r, 0, name)
            if r == 0:
                preset = QTableWidgetItem(getattr(presets.get(c.traffic.preset), "label", c.traffic.preset))
                preset.setFlags(preset.flags() & ~Qt.ItemFlag.ItemIsEditable)
                t.setItem(r, 1, preset)
                for j, (field, *_rest) in enumerate(NUMBERS, start=2):
                    value = getattr(c.traffic, field)
                    item = QTableWidgetItem(f"{value:,.3g}" if value < 1000 else f"{value:,.0f}")
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    item.setForeground(self.palette().placeholderText())
                    t.setItem(r, j, item)
                label = (
                    "Custom (drawn)"
                    if c.day_profile == CUSTOM_DAY
                    else getattr(self.profiles.get(c.day_profile), "label", "—")
                )
                day = QTableWidgetItem(label)
                day.setFlags(day.flags() & ~Qt.ItemFlag.ItemIsEditable)
                t.setItem(r, len(COLUMNS) - 1, day)
                continue
            index = r - 1
            box = QComboBox()
            for key, p in presets.items():
                box.addItem(p.label, key)
            box.setCurrentIndex(max(box.findData(c.traffic.preset), 0))
            box.setToolTip("Apply this preset's lengths and targets to the class")
            box.activated.connect(lambda i, b=box, k=index: self._on_preset(k, b.itemData(i)))
            t.setCellWidget(r, 1, box)
            for j, (field, _h, tip, decimals, lo, hi) in enumerate(NUMBERS, start=2):
                spin = QDoubleSpinBox()
                spin.setDecimals(decimals)
                spin.setRange(lo, hi)
                spin.setValue(float(getattr(c.traffic, field)))
                spin.setKeyboardTracking(False)
                spin.setToolTip(tip)
                spin.setFrame(False)
                spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)  # narrow cells: type or scroll
                spin.valueChanged.connect(lambda v, k=index, f=field: self._on_number(k, f, float(v)))
                t.setCellWidget(r, j, spin)
            day_box = QComboBox()
            day_box.addItem("—", "")
            for key, p in self.profiles.items():
                day_box.addItem(p.label, key)
            day_box.setCurrentIndex(max(day_box.findData(c.day_profile), 0))
            day_box.setToolTip("This class's own day shape (— : its peak all day)")
            day_box.activated.connect(lambda i, b=day_box, k=index: self._on_class_day(k, b.itemData(i)))
            t.setCellWidget(r, len(COLUMNS) - 1, day_box)
