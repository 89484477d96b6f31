"""Export without a window: charts as PNG/SVG/PDF, a PowerPoint deck, the options table as CSV.

matplotlib and python-pptx only (no Qt), so the command line and the window share it. Files are
written atomically and carry no metadata beyond the app's name.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lmi_explorer.gui.charts import CHARTS, chart_class
from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.charts.theme import LIGHT, PRESENTATION, ChartTheme
from lmi_explorer.gui.registry import TABS, TabSpec
from lmi_explorer.models.assumptions import assumptions
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.export import card_headline, neutralised_options, spread_evidence
from lmi_explorer.models.files import write_atomic
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.units import ms_per_token, percent, seconds, usd

SLIDE_SIZE = (13.333, 7.5)  # inches, 16:9
FORMATS = ("png", "svg", "pdf", "pptx", "csv")
APP = "LMI Explorer"


def app_version() -> str:
    try:
        return metadata.version("lmi-explorer")
    except metadata.PackageNotFoundError:
        return "dev"


def _chart_class(key: str) -> Callable:
    if key not in CHARTS:
        raise DataError(f"unknown chart '{key}'; use one of {', '.join(CHARTS)}.")
    return chart_class(key)


def render(
    data: ChartInput, chart: str, *, size: tuple[float, float] = SLIDE_SIZE, theme: ChartTheme = LIGHT
) -> Figure:
    """A chart drawn on a fresh figure of the given size (inches)."""
    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    if chart == "parity":  # an exported parity chart holds the whole shipped set, never the pending view
        from lmi_explorer.models.calibration.points import parity_points

        parity_points(data.estimate.scenario, wait_for_published=True)
    _chart_class(chart)(fig, theme).update(_with_range(data) if chart == "decision" else data)
    return fig


def _with_range(data: ChartInput) -> ChartInput:
    """The decision with its likely cost range in the recommendation line.

    In the window the card under the diagram shows the range; an exported diagram has no card
    beside it, so its recommendation line carries it.
    """
    rec = data.decision.recommendation
    if not rec.likely_text:
        return data
    summary = f"{rec.summary} {rec.likely_text[0].upper()}{rec.likely_text[1:]}."
    return replace(data, decision=replace(data.decision, recommendation=replace(rec, summary=summary)))


def _metadata(fmt: str) -> dict[str, str | None]:
    """Only the app's name and version: no user, path or software stamps."""
    creator = f"{APP} {app_version()}"
    if fmt == "png":
        return {"Software": creator}
    if fmt == "svg":
        return {"Creator": creator, "Date": None, "Format": None, "Type": None}
    if fmt == "pdf":
        return {"Creator": creator, "Producer": creator, "CreationDate": None, "ModDate": None}
    return {}


def chart_bytes(
    data: ChartInput,
    chart: str,
    fmt: str = "png",
    *,
    size: tuple[float, float] = SLIDE_SIZE,
    dpi: int = 200,
    theme: ChartTheme = LIGHT,
) -> bytes:
    """The chart as PNG/SVG/PDF bytes (PNG at ``dpi``; 16:9 slide size by default)."""
    fig = render(data, chart, size=size, theme=theme)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, facecolor=fig.get_facecolor(), metadata=_metadata(fmt))
    return buf.getvalue()


def export_csv(data: ChartInput) -> bytes:
    return neutralised_options(data.estimate.options).to_csv(index=False).encode("utf-8")


# --------------------------------------------------------------------------- deck


def _summary(data: ChartInput) -> tuple[str, str]:
    s = data.estimate.scenario
    t, d = s.traffic, s.deployment
    bk = load_backends()
    traffic = (
        f"{t.requests_per_s:g} requests/s (peak ×{t.peak_to_average:.3g}), "
        f"{t.input_mean:,.0f} ± CV {t.input_cv:g} in / "
        f"{t.output_mean:,.0f} ± CV {t.output_cv:g} out tokens; targets TTFT {seconds(t.ttft_s)}, "
        f"TPOT {ms_per_token(t.tpot_ms)}"
    )
    where = (
        f"{bk.release_label(d.lmi_release)} · {d.platform} {d.region} · {d.pricing_option.replace('_', ' ')}"
        f"{f' −{percent(d.discount)}' if d.discount and d.pricing_option != 'on_demand' else ''} · "
        f"{d.hours_per_month:g} h/month · prices: {data.estimate.prices.name}"
    )
    return traffic, where


def _slide_title(spec: TabSpec, data: ChartInput) -> str:
    """A chart slide's title; the cost slide says what quantizing saves when it does."""
    sav = data.estimate.savings() if spec.key == "cost" else None
    if sav:
        return f"Monthly cost — quantizing saves {usd(sav[0], per='mo')} ({percent(sav[1])})"
    return spec.deck_title or spec.title


def build_deck(data: ChartInput) -> bytes:
    """Title, decision with its path, cost, memory, break-even, load test, estimate versus measured (with
    imported measurements) and assumptions slides."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    est, dec = data.estimate, data.decision
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_SIZE[0]), Inches(SLIDE_SIZE[1])
    blank = prs.slide_layouts[6]
    title_only = prs.slide_layouts[5]

    def heading(slide, text: str) -> None:
        box = slide.shapes.title
        box.left, box.top, box.width, box.height = Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.9)
        box.text = text
        for p in box.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(30)
                r.font.bold = True

    def textbox(slide, left: float, top: float, width: float, height: float, lines: list[str], size: int = 18) -> None:
        tf = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height)).text_frame
        tf.word_wrap = True
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = line
            p.font.size = Pt(size)

    def picture(slide, chart: str, top: float = 1.15, height: float = 6.2) -> None:
        # the presentation theme: large fonts and strong contrast, readable at the back of the room
        png = chart_bytes(data, chart, size=(12.5, height), dpi=150, theme=PRESENTATION)
        slide.shapes.add_picture(io.BytesIO(png), Inches(0.4), Inches(top), Inches(12.5), Inches(height))

    traffic, where = _summary(data)
    rec = dec.recommendation
    # 1. title
    s = prs.slides.add_slide(blank)
    textbox(s, 0.8, 1.6, 11.7, 1.5, [f"Hosting {est.model.name}"], size=44)
    headline = _with_range(data).decision.recommendation.summary  # the summary and its likely range
    textbox(s, 0.8, 3.1, 11.7, 2.4, [traffic, where, headline], size=20)
    textbox(s, 0.8, 6.3, 11.7, 0.6, [f"{APP} · {dt.date.today():%d %B %Y}"], size=14)
    # 2+. one slide per answer tab that has a deck title, in the tabs' order (gui/registry.py)
    cal = est.scenario.calibration
    for spec in TABS:
        if spec.deck_title is None:
            continue
        if (spec.key == "endpoints" and dec.split is None) or (spec.key == "day" and dec.week is None):
            continue  # one traffic class, or no day shape: nothing to show
        if spec.key == "decision":
            s = prs.slides.add_slide(title_only)
            where_to = f" on {rec.instances} × {rec.instance}" if rec.instance else ""
            heading(s, f"{spec.deck_title}: {rec.backend_name}{where_to}")
            picture(s, "decision", top=1.05, height=4.5)
            reasons = [st.reason for st in dec.steps if st.reason]
            if rec.instance is not None:
                # the card's headline and what its likely range rests on, as the card in the window shows them
                evidence = spread_evidence(rec)
                reasons.insert(0, card_headline(rec) + (f": {evidence}." if evidence and rec.likely_text else ""))
            if dec.disagreement:
                reasons.append("The numbers disagree: " + dec.disagreement)
            textbox(s, 0.5, 5.6, 12.3, 1.8, reasons, size=14)
        elif spec.key == "parity":
            # the user's own load tests, when imported: how far the estimate is from what was measured
            if cal is None or not cal.measurements:
                continue
            from lmi_explorer.models.calibration.points import parity_points

            s = prs.slides.add_slide(title_only)
            heading(s, spec.deck_title)
            picture(s, "parity", top=1.05, height=5.6)
            textbox(s, 0.5, 6.7, 12.3, 0.7, [parity_points(est.scenario).text()], size=16)
        else:
            s = prs.slides.add_slide(title_only)
            heading(s, _slide_title(spec, data))
            picture(s, spec.key)
    # the deployment: the configuration the numbers give, with the reason for each value
    deploy_slide(prs.slides.add_slide(title_only), est, dec, heading)
    # 7+. assumptions, 7 rows per slide so the table stays readable and on the slide
    rows = assumptions(est, dec, data.full_scenario)
    per_slide = 6
    for start in range(0, len(rows), per_slide):
        s = prs.slides.add_slide(title_only)
        heading(s, "Assumptions and sources" + (" (continued)" if start else ""))
        chunk = rows[start : start + per_slide]
        table = s.shapes.add_table(len(chunk) + 1, 3, Inches(0.4), Inches(1.2), Inches(12.5), Inches(5.8)).table
        for c, (head, width) in enumerate((("Assumption", 3.0), ("Value", 4.7), ("Source", 4.8))):
            table.columns[c].width = Inches(width)
            table.cell(0, c).text = head
        for r, a in enumerate(chunk, start=1):
            for c, text in enumerate((f"{a.topic}: {a.item}", a.value, a.source)):
                table.cell(r, c).text = text
        for row in table.rows:
            for cell in row.cells:
                for p in cell.text_frame.paragraphs:
                    p.font.size = Pt(13)
    buf = io.BytesIO()
    prs.save(buf)
    return _only_app_metadata(buf.getvalue())


def deploy_slide(slide, est, dec, heading) -> None:
    """'Deploying it': image and the LMI configuration of the recommendation, each value with its reason."""
    from pptx.util import Inches, Pt

    from lmi_explorer.models.deploy import build
    from lmi_explorer.models.errors import DataError

    try:
        artifact = build(est, None, dec)
    except DataError as exc:
        heading(slide, "Deploying it")
        tf = slide.shapes.add_textbox(Inches(0.5), Inches(1.3), Inches(12.3), Inches(2)).text_frame
        tf.word_wrap = True
        tf.text = f"No deployment to show: {exc}"
        return
    t = artifact.target
    heading(slide, f"Deploying it: {t.instances} × {t.instance}, {t.backend}")
    tf = slide.shapes.add_textbox(Inches(0.4), Inches(1.05), Inches(12.5), Inches(0.5)).text_frame
    tf.word_wrap = True
    mix = f"; for the main traffic ({dec.split.summary})" if getattr(dec, "split", None) is not None else ""
    tf.text = f"{t.title}{mix}. Image {t.image}"
    tf.paragraphs[0].font.size = Pt(13)
    rows = [st for st in artifact.values.settings if st.key not in ("engine", "option.entryPoint", "model")][:11]
    table = slide.shapes.add_table(len(rows) + 1, 3, Inches(0.4), Inches(1.6), Inches(12.5), Inches(5.4)).table
    for c, (head, width) in enumerate((("Setting", 3.6), ("Value", 2.4), ("Why", 6.5))):
        table.columns[c].width = Inches(width)
        table.cell(0, c).text = head
    for r, st in enumerate(rows, start=1):
        for c, text in enumerate((st.key, st.value, st.reason)):
            table.cell(r, c).text = text
    for row in table.rows:
        for cell in row.cells:
            for p in cell.text_frame.paragraphs:
                p.font.size = Pt(12)


#: parts of python-pptx's template that describe someone else's machine (a Mac print plist, a thumbnail)
_TEMPLATE_PARTS = ("ppt/printerSettings/printerSettings1.bin", "docProps/thumbnail.jpeg")
_CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{app}</dc:creator>'
    "<cp:lastModifiedBy>{app}</cp:lastModifiedBy><cp:version>{version}</cp:version></cp:coreProperties>"
)
_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>{app}</Application></Properties>"
)


def _only_app_metadata(deck: bytes) -> bytes:
    """The deck with the app's name and version as its only metadata.

    The template's dates, "Microsoft PowerPoint" stamp, printer settings and thumbnail go; zip entry
    times are fixed, so the file says nothing about the machine or the moment it was made on.
    """
    import re
    import zipfile

    drop = "|".join(re.escape(part.split("/", 1)[1]) for part in _TEMPLATE_PARTS)
    rel = re.compile(rf'<Relationship [^>]*Target="[^"]*(?:{drop})"\s*/>'.encode())
    replaced = {
        "docProps/core.xml": _CORE_XML.format(app=APP, version=app_version()).encode(),
        "docProps/app.xml": _APP_XML.format(app=APP).encode(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(deck)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            if name in _TEMPLATE_PARTS:
                continue
            data = replaced.get(name) or src.read(name)
            if name.endswith(".rels"):
                data = rel.sub(b"", data)
            dst.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def export(data: ChartInput, path: str | Path, *, chart: str = "cost") -> Path:
    """Write ``path`` by its extension: png/svg/pdf (one chart), pptx (deck) or csv (options)."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise DataError(f"{p.name}: unknown export format '.{fmt}'; use one of {', '.join('.' + f for f in FORMATS)}.")
    if not p.parent.exists():
        raise DataError(f"{p.parent}: folder does not exist.")
    if fmt == "csv":
        payload = export_csv(data)
    elif fmt == "pptx":
        payload = build_deck(data)
    else:
        payload = chart_bytes(data, chart, fmt)
    try:
        write_atomic(p, payload)
    except OSError as exc:
        raise DataError(f"{p.name}: could not be written ({exc.strerror or exc}).") from exc
    return p
