"""Importing load-test results into the scenario: file choice, the facts the file lacks, errors.

The measurements join the scenario's calibration through the state (one undo step, the document
marked unsaved). A refused file changes nothing and says which file and field, as every load does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from lmi_explorer.gui import settings
from lmi_explorer.gui.qt_state import QtState
from lmi_explorer.models.calibration.importers import detect_format, measurements_from_text
from lmi_explorer.models.calibration.measurements import Measurement, RunFacts
from lmi_explorer.models.calibration.user import MAX_MEASUREMENTS, Calibration
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text

log = logging.getLogger(__name__)

FILTER = "Load-test results (*.json *.jsonl *.csv *.txt);;All files (*)"
FORMAT_NAMES = {
    "vllm": "vLLM bench serve",
    "llmperf": "LLMPerf",
    "awscurl": "awscurl",
    "genai-perf": "GenAI-Perf",
    "aiperf": "AIPerf",
    "csv": "measurement CSV",
}
#: Measurement fields that say how a run was deployed, asked for when a file leaves them out.
_FACTS = ("model", "instance", "backend", "precision", "tensor_parallel", "input_tokens")

#: ask(file name, runs, missing facts, defaults) -> the answers, or None when the user cancels
AskFacts = Callable[[str, int, list[str], RunFacts], RunFacts | None]


def is_measurement_file(path: str | Path) -> bool:
    """Whether a file's content is a load-test result this app reads (not a scenario or price list)."""
    try:
        detect_format(read_text(Path(path)))
    except DataError:
        return False
    return True


def ask_with_dialog(parent: QWidget) -> AskFacts:
    def ask(name: str, runs: int, missing: list[str], defaults: RunFacts) -> RunFacts | None:
        from lmi_explorer.gui.dialogs.facts_dialog import FactsDialog

        dialog = FactsDialog(name, runs, missing, defaults, parent)
        return dialog.facts() if dialog.exec() == QDialog.DialogCode.Accepted else None

    return ask


def _read(name: str, text: str) -> tuple[tuple[Measurement, ...], bool]:
    """The runs as the file has them, and whether it lacks the concurrency (so it must be asked)."""
    try:
        return measurements_from_text(name, text), False
    except DataError as first:
        try:  # a file without the number of clients reads once one is given: ask for it
            return measurements_from_text(name, text, RunFacts(concurrency=1)), True
        except DataError:
            raise first from None


def missing_facts(runs: tuple[Measurement, ...]) -> list[str]:
    """Deployment facts at least one run lacks."""
    return [f for f in _FACTS if any(getattr(m, f) is None for m in runs)]


def merged(old: Calibration | None, new: tuple[Measurement, ...], name: str) -> Calibration:
    """The scenario's calibration with these runs added (a re-imported run replaces its earlier copy).

    Fitted factors stay until the next fit, so importing never changes the estimate on screen.
    """
    keep = tuple(
        m for m in (old.measurements if old else ()) if (m.label, m.source) not in {(n.label, n.source) for n in new}
    )
    names = [] if old is None else [n for n in old.name.split(", ") if n]
    if name not in names:
        names.append(name)
    title = ", ".join(names)
    title = title if len(title) <= 200 else title[:197] + "..."
    return Calibration(title, keep + new, old.factors if old else ())


class MeasurementImporter(QObject):
    """File ▸ Import measurements, the Calibration tab's Import button and dropped result files."""

    def __init__(self, qstate: QtState, parent: QWidget, ask: AskFacts | None = None) -> None:
        super().__init__(parent)
        self.qstate = qstate
        self.window = parent
        self.ask = ask or ask_with_dialog(parent)
        self.last_message = ""

    def defaults(self) -> RunFacts:
        """What the dialog proposes: the scenario's model and its recommended deployment."""
        st = self.qstate.state
        s = st.scenario
        r = st.decision.recommendation if st.decision is not None else None
        placed = r is not None and r.instance is not None
        return RunFacts(
            model=s.model_id if s.custom_model is None else None,
            instance=r.instance if placed else None,
            backend=r.backend if placed else None,
            precision=r.precision if placed else None,
            tensor_parallel=r.tensor_parallel if placed else None,
            input_tokens=s.traffic.input_mean,
            concurrency=1,
        )

    def choose(self) -> bool:
        start = settings.read_str("files/measurements_dir", str(Path.home()))
        chosen, _ = QFileDialog.getOpenFileName(self.window, "Import measurements", start, FILTER)
        return bool(chosen) and self.import_file(chosen)

    def import_file(self, path: str | Path) -> bool:
        """Read, ask for missing facts, add to the scenario's calibration; False (and unchanged) otherwise."""
        p = Path(path)
        try:
            text = read_text(p)
            kind = detect_format(text).replace("file: ", "")
            runs, needs_concurrency = _read(p.name, text)
            missing = missing_facts(runs) + (["concurrency"] if needs_concurrency else [])
            facts = RunFacts()
            if missing:
                answer = self.ask(p.name, len(runs), missing, self.defaults())
                if answer is None:
                    return False
                facts = answer
            runs = measurements_from_text(p.name, text, facts)
            cal = merged(self.qstate.scenario.calibration, runs, p.name)
            if len(cal.measurements) > MAX_MEASUREMENTS:
                raise DataError(f"{p.name}: the scenario would hold more than {MAX_MEASUREMENTS:,} measurements.")
            self.qstate.state.update(calibration=cal)
        except DataError as exc:
            QMessageBox.warning(
                self.window, "Could not import measurements", f"{exc}\n\nThe current scenario is unchanged."
            )
            return False
        settings.write("files/measurements_dir", str(p.resolve().parent))
        figures = sum(len(m.metrics()) for m in runs)
        self.last_message = (
            f"Imported {len(runs)} run{'s' if len(runs) != 1 else ''} ({figures} figures) from "
            f"{p.name} ({FORMAT_NAMES.get(kind, kind)})"
        )
        log.info("%s", self.last_message)
        return True
