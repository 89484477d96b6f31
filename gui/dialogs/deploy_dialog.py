"""The Deploy dialog: one tab per deployment format, highlighted, with Copy and Save.

It shows the artifact ``models.deploy.build`` makes for the recommendation or a Cost-table row;
a format the option cannot have says why in its tab, and an option with no deployment at all
says why in place of the tabs.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lmi_explorer.models.deploy import (
    FORMATS,
    SHARED,
    Artifact,
    build,
    build_endpoint,
    endpoint_names,
    with_autoscaling,
)
from lmi_explorer.models.deploy.formats import FILE_NAMES, FORMAT_LABELS
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import write_atomic
from lmi_explorer.models.state import AppState

FORMAT_TIPS = {
    "properties": "serving.properties for the LMI container (put it beside the model, or in /opt/ml/model)",
    "env": "The same configuration as environment variables (OPTION_*, HF_MODEL_ID, TENSOR_PARALLEL_DEGREE)",
    "sagemaker-py": "A SageMaker Python SDK script: model, endpoint with instance type and count, a test call",
    "boto3": "CreateModel, CreateEndpointConfig and CreateEndpoint requests as JSON",
    "docker": "A docker run command for one EC2 instance, and a test call",
    "loadtest": "The load tests to run against the endpoint, what the estimate expects, and how to import them",
}


def _fmt(color: str, bold: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(color))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    return f


class DeployHighlighter(QSyntaxHighlighter):
    """Comments, keys, strings and placeholders, enough to read a configuration at a glance."""

    RULES = (
        (re.compile(r"^[A-Za-z_][\w.]*(?==)"), _fmt("#1f5fa8", bold=True)),  # key=value
        (re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"), _fmt("#2e7d32")),  # strings
        (re.compile(r"(?<=[=:\s])\d+(?:\.\d+)?(?=[\s,]|$)"), _fmt("#8e24aa")),  # numbers standing alone
        (re.compile(r"<[A-Z0-9_]+>"), _fmt("#c62828", bold=True)),  # placeholders to replace
        (re.compile(r"(?<![\w\"'])#.*$"), _fmt("#6b7280")),  # comments (after the rest: they win)
    )

    def highlightBlock(self, text: str) -> None:
        for pattern, style in self.RULES:
            for m in pattern.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), style)


class DeployDialog(QDialog):
    """The deployment of one option (``option`` 'backend:instance:precision:tp', or None: the recommendation)."""

    def __init__(self, state: AppState, option: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Deploy")
        self.resize(980, 640)
        self.artifact: Artifact | None = None
        self.texts: dict[str, str] = {}
        lay = QVBoxLayout(self)
        self.state = state
        self.endpoint = QComboBox()
        self.endpoint.setToolTip(
            "Several traffic classes: deploy the main traffic's recommendation, the shared endpoint, or one "
            "class's own endpoint"
        )
        self.endpoint.setAccessibleName("Endpoint to deploy")
        names = endpoint_names(state.decision) if option is None else ()
        if names:
            self.endpoint.addItem("Main traffic: the recommendation", None)
            for name in names:
                self.endpoint.addItem(
                    "One shared endpoint (all classes)" if name == SHARED else f"{name}: its own endpoint", name
                )
            row = QHBoxLayout()
            row.addWidget(QLabel("Endpoint"))
            row.addWidget(self.endpoint, 1)
            lay.addLayout(row)
        self.endpoint.setVisible(bool(names))
        self.endpoint.activated.connect(self._on_endpoint)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.heading)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        lay.addWidget(self.tabs, 1)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        lay.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy this tab's text to the clipboard")
        self.save_button = QPushButton("&Save…")
        self.save_button.setToolTip("Save this tab's text to a file")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy_current)
        self.save_button.clicked.connect(self.save_current)
        lay.addWidget(buttons)
        self.tabs.currentChanged.connect(self._on_tab)
        self._fill(state, option)

    def _on_endpoint(self, i: int) -> None:
        self.tabs.clear()
        self.texts = {}
        self._fill(self.state, None, self.endpoint.itemData(i))

    def _fill(self, state: AppState, option: str | None, endpoint: str | None = None) -> None:
        est, dec = state.estimate, state.decision
        if est is None:
            self._refuse("No estimate yet.")
            return
        try:
            if endpoint is not None:
                self.artifact = build_endpoint(state.scenario, est, dec, endpoint, self._scenario_file())
            else:
                built = build(est, option, dec if option is None else None, scenario_file=self._scenario_file())
                self.artifact = with_autoscaling(built, state.scenario)
        except DataError as exc:
            self._refuse(f"No deployment for this option: {exc}")
            return
        self.problem.setText("")
        self.tabs.setVisible(True)
        a = self.artifact
        notes = [a.target.image_note, *(n for n in a.values.notes if n.startswith("One shared endpoint"))]
        note = "".join(f"<br><i>{n}</i>" for n in notes if n)
        self.heading.setText(f"<b>{a.target.title}</b><br>Image: <code>{a.target.image}</code>{note}")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for fmt in FORMATS:
            view = QPlainTextEdit()
            view.setReadOnly(True)
            view.setFont(mono)
            view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            refused = a.refused.get(fmt, "")
            text = refused if refused else a.render(fmt)
            if refused:
                view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
            else:
                self.texts[fmt] = text
                view.highlighter = DeployHighlighter(view.document())  # type: ignore[attr-defined]
            view.setPlainText(text)
            i = self.tabs.addTab(view, FORMAT_LABELS[fmt])
            self.tabs.setTabToolTip(i, refused or FORMAT_TIPS[fmt])
            if refused:
                self.tabs.tabBar().setTabTextColor(i, QColor("#8b949e"))
        first = next((i for i, f in enumerate(FORMATS) if f in self.texts), 0)
        self.tabs.setCurrentIndex(first)  # open on a format this option has
        self._on_tab(first)

    def _scenario_file(self) -> str:
        path = getattr(getattr(self.parent(), "documents", None), "path", None)
        return Path(path).name if path else "scenario.json"

    def _refuse(self, message: str) -> None:
        self.heading.setText("<b>Deploy</b>")
        self.problem.setText(message)
        self.tabs.setVisible(False)
        self.copy_button.setEnabled(False)
        self.save_button.setEnabled(False)

    def current_format(self) -> str | None:
        i = self.tabs.currentIndex()
        return FORMATS[i] if 0 <= i < len(FORMATS) and self.artifact is not None else None

    def _on_tab(self, _index: int) -> None:
        fmt = self.current_format()
        ok = fmt is not None and fmt in self.texts
        self.copy_button.setEnabled(ok)
        self.save_button.setEnabled(ok)

    def copy_current(self) -> None:
        fmt = self.current_format()
        if fmt in self.texts:
            QGuiApplication.clipboard().setText(self.texts[fmt])

    def save_current(self) -> None:
        fmt = self.current_format()
        if fmt not in self.texts:
            return
        path, _ = QFileDialog.getSaveFileName(self, f"Save {FORMAT_LABELS[fmt]}", FILE_NAMES[fmt])
        if not path:
            return
        try:
            write_atomic(Path(path), self.texts[fmt].encode("utf-8"))
        except OSError as exc:
            QMessageBox.critical(
                self, "Could not save the file", f"{path}: {exc.strerror or exc}.\n\nChoose another folder."
            )
