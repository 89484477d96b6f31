"""Importing load-test results into the scenario: file choice, the facts the file lacks, errors.

The measurements join the scenario's calibration through the state (one undo step, the document
marked unsaved). A refused file changes nothing and says which file and field, as every load does.
Runs naming a model the app does not know are listed in one message with the way out (import the
model's config, or choose the model they ran); kept aside, they are imported but neither compared nor
fitted until their model is known, never estimated as the scenario's model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget

from lmi_explorer.gui import settings
from lmi_explorer.gui.qt_state import QtState
from lmi_explorer.models.calibration.importers import detect_format, measurements_from_text
from lmi_explorer.models.calibration.measurements import Measurement, RunFacts, resolve_model
from lmi_explorer.models.calibration.user import MAX_MEASUREMENTS, Calibration
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text
from lmi_explorer.models.reference.catalog import load_catalog
from lmi_explorer.models.scenario import Scenario

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


#: ask_model(file name, runs, the refused runs with their reasons, the scenario) -> the model they ran, or None
#: to keep them aside
AskModel = Callable[[str, int, list[tuple[Measurement, str]], Scenario], str | None]


def refused_text(name: str, runs: int, refused: list[tuple[Measurement, str]]) -> tuple[str, str]:
    """The message for runs whose model the app does not know: what (every run and why), then the way out."""
    n = len(refused)
    lines = [f"{m.label}: {reason}" for m, reason in refused[:20]]
    if n > 20:
        lines.append(f"… and {n - 20} more")
    text = f"{n} of {runs} run{'s' if runs != 1 else ''} in {name} name a model the app does not know:\n\n" + (
        "\n".join(lines)
    )
    way_out = (
        "They are imported but kept aside: not compared or fitted, never estimated as the scenario's model. "
        "Import the model's config.json or folder (File ▸ Import model…) and they are compared on it, or "
        "choose the catalog model they ran."
    )
    return text, way_out


def ask_model_with_dialog(parent: QWidget) -> AskModel:
    def ask(name: str, runs: int, refused: list[tuple[Measurement, str]], scenario: Scenario) -> str | None:
        text, way_out = refused_text(name, runs, refused)
        box = QMessageBox(QMessageBox.Icon.Warning, "Runs with an unknown model", text, parent=parent)
        box.setInformativeText(way_out)
        choose = box.addButton("&Choose model…", QMessageBox.ButtonRole.ActionRole)
        box.addButton("&Keep aside", QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        if box.clickedButton() is not choose:
            return None
        own = scenario.custom_model.name if scenario.custom_model is not None else scenario.model_id
        items = [own, *(mid for mid in load_catalog().models if mid != own)] if own else list(load_catalog().models)
        model, ok = QInputDialog.getItem(parent, "Model of the runs", "The model these runs measured:", items, 0, False)
        return model if ok and model else None

    return ask


def with_model(
    refused: list[tuple[Measurement, str]], runs: tuple[Measurement, ...], model: str
) -> tuple[Measurement, ...]:
    """The runs with the refused ones given ``model``, their note naming what the file said."""
    chosen = {id(m) for m, _ in refused}

    def give(m: Measurement) -> Measurement:
        said = f"the file names model '{m.model}'; {model} chosen on import"
        return replace(m, model=model, note=f"{m.note}; {said}" if m.note else said)

    return tuple(give(m) if id(m) in chosen else m for m in runs)


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

    def __init__(
        self, qstate: QtState, parent: QWidget, ask: AskFacts | None = None, ask_model: AskModel | None = None
    ) -> None:
        super().__init__(parent)
        self.qstate = qstate
        self.window = parent
        self.ask = ask or ask_with_dialog(parent)
        self.ask_model = ask_model or ask_model_with_dialog(parent)
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
            runs, aside = self._known_models(p.name, runs)
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
        if aside:
            self.last_message += (
                f"; {aside} run{'s' if aside != 1 else ''} kept aside until the model is known "
                "(see the Calibration tab)"
            )
        log.info("%s", self.last_message)
        return True

    def _known_models(self, name: str, runs: tuple[Measurement, ...]) -> tuple[tuple[Measurement, ...], int]:
        """Runs whose model the app does not know are named in one message; the user may choose their model.

        Returns the runs (the refused ones with the chosen model, or as they were) and how many are kept aside.
        """
        scenario = self.qstate.scenario
        refused = [(m, reason) for m in runs if (reason := resolve_model(m.model, scenario).reason)]
        if not refused:
            return runs, 0
        model = self.ask_model(name, len(runs), refused, scenario)
        if model is not None and not resolve_model(model, scenario).reason:
            return with_model(refused, runs, model), 0
        log.info("%s: %d run(s) kept aside, their model unknown", name, len(refused))
        return runs, len(refused)
