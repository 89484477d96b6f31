"""The Decision tab: the LMI diagram with this scenario's path, and the recommendation card."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolTip,
    QWidget,
)

from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import ChartTheme
from lmi_explorer.gui.tabs.chart_tab import ChartTab
from lmi_explorer.models.decision import Decision
from lmi_explorer.models.estimate import Estimate
from lmi_explorer.models.export import card_headline, card_range_tooltip
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.units import usd

if TYPE_CHECKING:
    from lmi_explorer.gui.qt_state import QtState


class CardText(QLabel):
    """The card's rich text, with a tooltip over its headline only: what the likely range means.

    One label, so the card's text stays one selectable block; the headline is its first block, and
    its height at the label's width comes from laying that block out alone.
    """

    def __init__(self) -> None:
        super().__init__()
        self.head_html = ""
        self.head_tooltip = ""

    def set_card(self, head_html: str, body_html: str, head_tooltip: str) -> None:
        self.head_html, self.head_tooltip = head_html, head_tooltip
        self.setText(head_html + body_html)

    def head_height(self) -> float:
        """Height (px) the headline takes at the label's current width."""
        doc = QTextDocument()
        doc.setDefaultFont(self.font())
        doc.setDocumentMargin(self.margin())
        doc.setTextWidth(max(self.contentsRect().width(), 1))
        doc.setHtml(self.head_html)
        return doc.size().height() + self.contentsMargins().top()

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip and isinstance(e, QHelpEvent):
            if self.head_tooltip and e.pos().y() <= self.head_height():
                QToolTip.showText(e.globalPos(), self.head_tooltip, self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)


class RecommendationCard(QFrame):
    """The answer in words: backend, container, instance, precision, TP, count, cost and why."""

    #: the user asked for the recommendation's deployment (the Deploy… button)
    deploy_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = CardText()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # on a small screen the reasons can outgrow the card: they scroll instead of being cut off
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.text)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.deploy_button = QPushButton("Deploy…")
        self.deploy_button.setToolTip(
            "The recommendation as an LMI configuration with the reason for each value, the container image, "
            "SageMaker/boto3/docker scripts and a load-test plan (Ctrl+D)"
        )
        self.deploy_button.clicked.connect(self.deploy_requested)
        lay = QHBoxLayout(self)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(self.deploy_button, 0, Qt.AlignmentFlag.AlignTop)
        self._fitted: tuple[int, str] | None = None

    #: the card grows to show its whole text up to this many lines; longer texts scroll
    MAX_LINES = 12

    def _fit(self) -> None:
        """Ask for the height the text needs at the card's width (capped), so the splitter makes room."""
        m = self.layout().contentsMargins()
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        button = self.deploy_button.sizeHint().width() + self.layout().spacing()
        width = max(self.width() - m.left() - m.right() - 2 * self.frameWidth() - bar - button, 80)
        key = (width, self.text.text())
        if key == self._fitted:  # a height change (the splitter) wraps nothing differently
            return
        self._fitted = key
        need = self.text.heightForWidth(width) + m.top() + m.bottom() + 2 * self.frameWidth()
        self.setMinimumHeight(min(need, self.MAX_LINES * self.fontMetrics().lineSpacing()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()  # a new width wraps the text differently

    def show_decision(self, est: Estimate, dec: Decision) -> None:
        r = dec.recommendation
        bk = load_backends()
        e = html.escape
        self.deploy_button.setEnabled(r.instance is not None)
        if r.instance is None:
            head = f"<h3 style='margin:0; color:#cf222e'>{e(r.summary)}</h3>"
            line = ""
        else:
            prec = bk.precisions[r.precision or "bf16"].label
            # the headline carries the likely range: the evidence does not support a single figure
            head = f"<h3 style='margin:0'>{e(card_headline(r))}</h3>"
            line = (
                f"<p style='margin:2px 0'>{e(prec)}, tensor parallel {r.tensor_parallel}; "
                f"{usd(r.usd_per_million_tokens)} per million tokens; container <b>{e(r.container)}</b>"
                f"{' — <code>' + e(r.image) + '</code>' if r.image else ''}</p>"
            )
        # a step that only repeats the headline (the 'nothing fits' cause) is not listed twice
        reasons = "".join(f"<li>{e(s.reason)}</li>" for s in dec.steps if s.reason and s.reason not in r.summary)
        extra = ""
        if dec.disagreement:
            extra += f"<p style='margin:4px 0; color:#9a6700'><b>The numbers disagree:</b> {e(dec.disagreement)}</p>"
        for note in (*dec.notes, *est.notes):
            extra += f"<p style='margin:2px 0; color:#8b949e'>{e(note)}</p>"
        body = f"{line}<ul style='margin:4px 0 0 -20px'>{reasons}</ul>{extra}"
        tip = card_range_tooltip(r)
        # rich text, so Qt wraps the tooltip at a readable width
        tip_html = "<p>" + "<br>".join(e(part) for part in tip.split("\n")) + "</p>" if tip else ""
        self.text.set_card(head, body, tip_html)
        self._fit()


class DecisionTab(ChartTab):
    def __init__(
        self, make_chart, theme: ChartTheme, qstate: QtState | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(make_chart, theme, qstate, parent)
        self.card = RecommendationCard()
        splitter = QSplitter(Qt.Orientation.Vertical)
        lay = self.layout()
        lay.removeWidget(self.canvas)
        splitter.addWidget(self.canvas)
        splitter.addWidget(self.card)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        lay.addWidget(splitter)

    def show_data(self, data: ChartInput) -> None:
        super().show_data(data)
        self.card.show_decision(data.estimate, data.decision)
