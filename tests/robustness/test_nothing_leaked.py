"""Nothing executed, nothing leaked: file content is never run, and exports carry no personal data or stamps."""

from __future__ import annotations

import ast
import contextlib
import csv
import getpass
import io
import re
import struct
import tempfile
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import pytest

from lmi_explorer.gui.cli import main as cli
from lmi_explorer.gui.output.export import APP, app_version
from lmi_explorer.models.scenario import PriceList, save

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "models").rglob("*.py"), *(ROOT / "gui").rglob("*.py")])

#: modules that turn bytes into running code or arbitrary objects
UNSAFE_MODULES = {"pickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib", "yaml", "subprocess"}
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__"}
UNSAFE_CALLS = {"read_pickle", "unsafe_load", "full_load"}
UNSAFE_OS = ("system", "popen", "startfile", "spawn", "exec")


def unsafe_uses(path: Path) -> list[str]:
    """Lines in ``path`` that could run code taken from a file (eval/exec, pickle, yaml.load, shells)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{where} imports {n}" for n in names if n.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in UNSAFE_BUILTINS:
                found.append(f"{where} calls {func.id}()")
            elif isinstance(func, ast.Attribute):
                on_os = isinstance(func.value, ast.Name) and func.value.id == "os"
                if func.attr in UNSAFE_CALLS or (on_os and func.attr.startswith(UNSAFE_OS)):
                    found.append(f"{where} calls .{func.attr}()")
                if func.attr == "load" and isinstance(func.value, ast.Name) and func.value.id == "yaml":
                    found.append(f"{where} calls yaml.load()")
                if any(k.arg == "allow_pickle" for k in node.keywords):
                    found.append(f"{where} allows pickles")
    return found


def test_no_code_runs_file_content():
    assert len(SOURCES) > 40
    found = [line for path in SOURCES for line in unsafe_uses(path)]
    assert found == []


def test_the_scan_catches_what_it_should(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text("import pickle\nimport yaml\nx = eval('1')\nyaml.load('a')\nimport os\nos.system('ls')\n")
    assert len(unsafe_uses(bad)) == 5


def test_dynamic_imports_only_reach_the_chart_modules():
    import lmi_explorer.gui.charts as charts

    for table in (charts.CHARTS,):
        assert all(module.startswith("lmi_explorer.gui.charts.") for module, _ in table.values())


# --------------------------------------------------------------------------- exports


HOSTILE_SOURCES = ['=HYPERLINK("http://x","y")', "+1+2", "-3+4", "@SUM(A1)", "=cmd|' /C calc'!A0"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """Every export format, from a scenario kept under a folder named after the user, with formula-like prices."""
    from lmi_explorer.models.scenario import default_scenario

    home = tmp_path_factory.mktemp("exports") / getpass.getuser() / "Customer plans"
    home.mkdir(parents=True)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["instance", "region", "platform", "usd_per_hour", "source", "as_of"])
    instances = ["g5.xlarge", "g5.12xlarge", "g6e.xlarge", "g6.xlarge", "p4d.24xlarge"]
    for i, (inst, src) in enumerate(zip(instances, HOSTILE_SOURCES, strict=True)):
        writer.writerow([inst, "us-east-1", "sagemaker", 1.0 + i, src, "2026-11"])
    prices = PriceList("negotiated.csv", table.getvalue())
    scenario = default_scenario().with_changes(name="=1+1 secret plan", price_list=prices)
    path = home / "plan.json"
    save(scenario, path)
    out = {}
    for fmt in ("png", "svg", "pdf", "pptx", "csv"):
        out[fmt] = home / f"export.{fmt}"
        assert cli(["export", str(path), "--out", str(out[fmt])]) == 0
    return out


def _texts(path: Path) -> list[bytes]:
    """The file's bytes plus every compressed part (zip members, PDF streams) decompressed."""
    raw = path.read_bytes()
    texts = [raw]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            texts += [z.read(n) for n in z.namelist()]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        with contextlib.suppress(zlib.error):
            texts.append(zlib.decompress(stream))
    return texts


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf", "pptx", "csv"])
def test_exports_hold_no_paths_or_user_name(exported, fmt):
    path = exported[fmt]
    secrets = {str(Path.home()), tempfile.gettempdir() + "/", str(path.parent), getpass.getuser() + "/", "plan.json"}
    for text in _texts(path):
        for secret in secrets:
            assert secret.encode() not in text, (fmt, secret)


def test_csv_cells_never_run_as_formulas(exported):
    rows = list(csv.DictReader(io.StringIO(exported["csv"].read_text(encoding="utf-8"))))
    sources = {r["price_source"] for r in rows}
    for src in HOSTILE_SOURCES:
        assert "'" + src in sources
    for row in rows:
        for cell in row.values():
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                float(cell)  # only numbers may start like a formula


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def test_png_metadata_is_the_app_only(exported):
    chunks = _png_chunks(exported["png"].read_bytes())
    meta = [(kind, body) for kind, body in chunks if kind in (b"tEXt", b"zTXt", b"iTXt", b"tIME", b"eXIf")]
    assert meta == [(b"tEXt", f"Software\0{APP} {app_version()}".encode())]


def test_svg_metadata_is_the_app_only(exported):
    root = ET.parse(exported["svg"]).getroot()
    meta = root.find("{http://www.w3.org/2000/svg}metadata")
    texts = [t.strip() for t in meta.itertext() if t.strip()] if meta is not None else []
    assert texts == [f"{APP} {app_version()}"]


def test_pdf_metadata_is_the_app_only(exported):
    raw = exported["pdf"].read_bytes()
    (info_ref,) = re.findall(rb"/Info (\d+) 0 R", raw)
    (info,) = re.findall(rb"\n" + info_ref + rb" 0 obj\s*<<(.*?)>>", raw, re.S)
    fields = dict(re.findall(rb"/(\w+) \(([^)]*)\)", info))
    assert fields == {b"Creator": f"{APP} {app_version()}".encode(), b"Producer": f"{APP} {app_version()}".encode()}


def test_deck_metadata_is_the_app_only(exported):
    from pptx import Presentation

    path = exported["pptx"]
    props = Presentation(path).core_properties
    assert (props.author, props.last_modified_by, props.version) == (APP, APP, app_version())
    assert not any((props.title, props.subject, props.keywords, props.comments, props.category))
    assert (props.created, props.modified, props.last_printed) == (None, None, None)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        app = ET.fromstring(z.read("docProps/app.xml"))
        assert [t.strip() for t in app.itertext() if t.strip()] == [APP]
        assert not [n for n in names if "printerSettings" in n or "thumbnail" in n]
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert len(Presentation(path).slides) >= 6  # still a complete deck
