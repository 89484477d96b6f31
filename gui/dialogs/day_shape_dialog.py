"""Draw a day shape: 24 weekday and 24 weekend points dragged up and down with the mouse.

Starts from the shape in use (or a preset picked in the dialog); only the shape matters, the week
is rescaled to average 1. OK stores it in the scenario as the 'custom' day profile.
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from lmi_explorer.models.mix.day import load_day_profiles

#: the highest factor a point can be dragged to (the table allows up to 1,000; shapes need far less)
TOP = 10.0


def dragged(values: list[float], hour: float, value: float) -> list[float]:
    """The shape with the point nearest ``hour`` moved to ``value`` (clipped to 0…TOP)."""
    h = min(max(round(hour), 0), len(values) - 1)
    out = list(values)
    out[h] = min(max(float(value), 0.0), TOP)
    return out


class DayShapeDialog(QDialog):
    """Two panels of 24 points each; press on a point (or under it) and drag to set that hour."""

    def __init__(self, weekday: tuple[float, ...], weekend: tuple[float, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Draw the day shape")
        self.resize(820, 520)
        self.days = {"weekday": list(weekday or [1.0] * 24), "weekend": list(weekend or [1.0] * 24)}
        lay = QVBoxLayout(self)
        intro = QLabel(
            "Drag each hour's point to the relative request rate at that hour (only the shape counts: the week "
            "is rescaled to the mean rate). Capacity follows the busiest hour."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(QLabel("Start from"))
        self.start = QComboBox()
        self.start.addItem("the shape in use", "")
        for name, p in load_day_profiles().items():
            self.start.addItem(p.label, name)
        self.start.setToolTip("Replace the points with a shipped shape, then adjust it")
        self.start.activated.connect(self._from_preset)
        row.addWidget(self.start)
        row.addStretch(1)
        lay.addLayout(row)
        self.figure = Figure(figsize=(8, 4.2), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setToolTip("Press on an hour and drag up or down")
        lay.addWidget(self.canvas, 1)
        self.axes = {}
        self.lines = {}
        for i, key in enumerate(("weekday", "weekend")):
            ax = self.figure.add_subplot(1, 2, i + 1)
            ax.set_title("Monday to Friday" if key == "weekday" else "Saturday and Sunday", loc="left", fontsize=10)
            ax.set_xlim(-0.5, 23.5)
            ax.set_xticks(range(0, 24, 3), [f"{h:02d}:00" for h in range(0, 24, 3)])
            ax.set_xlabel("hour")
            ax.grid(axis="y", alpha=0.3)
            (self.lines[key],) = ax.plot(range(24), self.days[key], "o-", ms=6, lw=1.5, picker=True)
            self.axes[key] = ax
        self.axes["weekday"].set_ylabel("relative rate")
        self._rescale()
        self._dragging: str | None = None
        self.canvas.mpl_connect("button_press_event", self._press)
        self.canvas.mpl_connect("motion_notify_event", self._move)
        self.canvas.mpl_connect("button_release_event", self._release)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b00020;")
        lay.addWidget(self.problem)

    def shape(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        return tuple(self.days["weekday"]), tuple(self.days["weekend"])

    def _rescale(self) -> None:
        top = max(2.0, 1.25 * max(*self.days["weekday"], *self.days["weekend"]))
        for key, ax in self.axes.items():
            ax.set_ylim(0, min(top, TOP * 1.05))
            self.lines[key].set_ydata(self.days[key])
        self.canvas.draw_idle()

    def _from_preset(self, i: int) -> None:
        name = self.start.itemData(i)
        if name:
            p = load_day_profiles()[name]
            self.days = {"weekday": list(p.weekday), "weekend": list(p.weekend)}
            self._rescale()

    def set_point(self, key: str, hour: float, value: float) -> None:
        """Move one hour's point (what a drag does; tests call it directly)."""
        self.days[key] = dragged(self.days[key], hour, value)
        self.lines[key].set_ydata(self.days[key])
        self.problem.setText("" if any(self.days["weekday"] + self.days["weekend"]) else "Raise at least one point.")
        self.ok_button.setEnabled(any(self.days["weekday"] + self.days["weekend"]))
        self.canvas.draw_idle()

    def _key_of(self, event) -> str | None:
        return next((k for k, ax in self.axes.items() if event.inaxes is ax), None)

    def _press(self, event) -> None:
        key = self._key_of(event)
        if key is not None and event.xdata is not None and event.ydata is not None:
            self._dragging = key
            self.set_point(key, event.xdata, event.ydata)

    def _move(self, event) -> None:
        if self._dragging and event.inaxes is self.axes[self._dragging] and event.ydata is not None:
            self.set_point(self._dragging, event.xdata, event.ydata)

    def _release(self, _event) -> None:
        if self._dragging:
            self._dragging = None
            self._rescale()

    def _accept(self) -> None:
        if any(self.days["weekday"] + self.days["weekend"]):
            self.accept()
