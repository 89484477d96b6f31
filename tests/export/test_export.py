"""Headless export: files open, have the right size and content, and leak nothing."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest
from PIL import Image

from lmi_explorer.gui.charts.base import ChartInput
from lmi_explorer.gui.cli import main as cli_main
from lmi_explorer.gui.output.export import build_deck, export
from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.pipeline import clear_caches
from lmi_explorer.models.scenario import save


@pytest.fixture
def data(make_scenario):
    s = make_scenario(name="Chatbot today")
    est = estimate(s)
    return ChartInput(est, evaluate(s, est))


def test_png_is_16_9_at_200_dpi(data, tmp_path):
    path = export(data, tmp_path / "cost.png", chart="cost")
    with Image.open(path) as img:
        assert img.size == (2666, 1500)
        assert img.info.get("Software", "").startswith("LMI Explorer")
    assert oct(path.stat().st_mode & 0o777) != "0o600"  # not left with a temporary file's private mode


@pytest.mark.parametrize("chart", ["decision", "memory", "traffic", "breakeven", "parity"])
def test_svg_parses_for_every_chart(data, tmp_path, chart):
    path = export(data, tmp_path / f"{chart}.svg", chart=chart)
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert str(tmp_path) not in path.read_text()


def test_pdf_is_a_pdf_without_personal_metadata(data, tmp_path):
    path = export(data, tmp_path / "cost.pdf")
    raw = path.read_bytes()
    assert raw.startswith(b"%PDF")
    assert b"LMI Explorer" in raw
    assert b"/CreationDate" not in raw


def test_deck_has_the_listed_slides_with_pictures_and_text(data):
    from pptx import Presentation

    prs = Presentation(io.BytesIO(build_deck(data)))
    slides = list(prs.slides)
    texts = ["\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides]
    pictures = [sum(1 for sh in s.shapes if sh.shape_type == 13) for s in slides]
    assert "Hosting Llama-2-13b-hf" in texts[0]
    assert "requests/s" in texts[0]
    assert texts[1].startswith("Recommendation: vLLM")
    assert pictures[1] == 1  # the decision diagram
    assert "Monthly cost" in texts[2] and pictures[2] == 1
    assert "Memory fit" in texts[3] and pictures[3] == 1
    assert "Break-even" in texts[4] and pictures[4] == 1
    assert "Load test" in texts[5] and pictures[5] == 1
    # one traffic class and no day shape: no Endpoints or Day slide; what moves the cost
    assert "What moves the cost" in texts[6] and pictures[6] == 1
    rec = data.decision.recommendation
    assert texts[7].startswith(f"Deploying it: {rec.instances} × {rec.instance}, vllm")
    option = f"{rec.instances} × {rec.instance} ({rec.precision}, TP {rec.tensor_parallel})"
    title = f"vLLM: {option} at ${rec.monthly_usd:,.0f}/mo"
    assert title in texts[7]
    assert "djl-inference:0.38.0-lmi29.0.0-cu130" in texts[7]
    deploy_cells = [c.text for sh in slides[7].shapes if sh.has_table for row in sh.table.rows for c in row.cells]
    assert "option.max_rolling_batch_size" in deploy_cells and "2816" in deploy_cells
    assert "Assumptions and sources" in texts[8]
    cells = [
        c.text
        for slide in slides[8:]
        for sh in slide.shapes
        if sh.has_table
        for row in sh.table.rows
        for c in row.cells
    ]
    assert any("as of" in c for c in cells)
    assert prs.core_properties.author == "LMI Explorer"
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=1e-3)


def test_csv_round_trips_with_formula_cells_neutralised(data, tmp_path):
    est = data.estimate
    est.options.loc[est.options.index[0], "reason"] = '=HYPERLINK("http://x")'
    try:
        path = export(data, tmp_path / "options.csv")
    finally:
        clear_caches()
    frame = pd.read_csv(path)
    assert len(frame) == len(est.options)
    assert frame["reason"].iloc[0].startswith("'=")
    assert not frame["reason"].dropna().str.match(r"^[=+\-@]").any()


def test_bad_target_is_a_clear_error(data, tmp_path):
    with pytest.raises(DataError, match="unknown export format"):
        export(data, tmp_path / "x.docx")
    with pytest.raises(DataError, match="folder does not exist"):
        export(data, tmp_path / "missing" / "x.png")


def test_command_line_export(make_scenario, tmp_path, capsys):
    scenario = tmp_path / "s.json"
    save(make_scenario(), scenario)
    for ext in ("png", "svg", "pdf", "pptx", "csv"):
        assert cli_main(["export", str(scenario), "--out", str(tmp_path / f"out.{ext}")]) == 0
    assert zipfile.is_zipfile(tmp_path / "out.pptx")
    assert cli_main(["export", str(scenario), "--out", str(tmp_path / "out.gif")]) == 2
    assert "unknown export format" in capsys.readouterr().err


def test_deck_adds_estimate_versus_measured_with_imported_measurements(make_scenario):
    from pptx import Presentation

    from lmi_explorer.models.calibration.user import Calibration
    from tests.charts.chart_data import RUNS

    s = make_scenario(name="Chatbot today", calibration=Calibration("sample load tests", RUNS))
    est = estimate(s)
    prs = Presentation(io.BytesIO(build_deck(ChartInput(est, evaluate(s, est)))))
    slides = list(prs.slides)
    texts = ["\n".join(sh.text_frame.text for sh in sl.shapes if sh.has_text_frame) for sl in slides]
    i = next(i for i, t in enumerate(texts) if t.startswith("Estimate versus measured"))
    assert i == 7  # after the load test and what moves the cost, before the assumptions
    assert sum(1 for sh in slides[i].shapes if sh.shape_type == 13) == 1
    assert "6 points: median error " in texts[i]
    assert texts[i + 1].startswith("Deploying it")
    assert "Assumptions and sources" in texts[i + 2]


def test_deck_without_measurements_has_no_parity_slide(data):
    from pptx import Presentation

    prs = Presentation(io.BytesIO(build_deck(data)))
    assert not any(
        sh.has_text_frame and sh.text_frame.text.startswith("Estimate versus measured")
        for sl in prs.slides
        for sh in sl.shapes
    )


def test_command_line_exports_the_parity_chart(make_scenario, tmp_path):
    scenario = tmp_path / "s.json"
    save(make_scenario(), scenario)
    out = tmp_path / "parity.png"
    assert cli_main(["export", str(scenario), "--out", str(out), "--chart", "parity"]) == 0
    with Image.open(out) as img:
        assert img.size == (2666, 1500)
