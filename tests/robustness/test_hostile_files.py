"""Every file the app reads, fed hostile content: a clear message naming file and field/row, or a sane result."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil

import numpy as np
import pytest

from lmi_explorer.models import files as data_files
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.files import read_json
from lmi_explorer.models.reference.pricing import load_price_list
from lmi_explorer.models.scenario import load
from lmi_explorer.models.tables import Column, read_table
from tests.robustness.hostile import PRICE_CASES, SCENARIO_CASES, valid_price_bytes, valid_scenario_bytes

MONEY_AND_TIME = [
    "monthly_usd",
    "hourly_usd",
    "usd_per_million_tokens",
    "ttft_s",
    "tpot_ms",
    "weights_gib",
    "kv_capacity_tokens",
    "requests_per_s_per_replica",
    "instances",
]


def assert_sane(est) -> None:
    """Feasible options have finite, non-negative costs, latencies and memory (unknown prices stay empty)."""
    fit = est.options[est.options["fits"]]
    for col in MONEY_AND_TIME:
        values = fit[col].to_numpy(dtype=float)
        if col in ("monthly_usd", "hourly_usd", "usd_per_million_tokens"):
            values = values[~np.isnan(values)]
        assert np.isfinite(values).all(), col
        assert (values >= 0).all(), col


@pytest.mark.parametrize("case", SCENARIO_CASES, ids=lambda c: c.id)
def test_hostile_scenario_file(case, tmp_path):
    path = tmp_path / "hostile.json"
    path.write_bytes(case.build(valid_scenario_bytes()))
    if case.message is None:
        assert_sane(estimate(load(path)))
        return
    with pytest.raises(DataError) as err:
        load(path)
    text = str(err.value)
    assert text.startswith("hostile.json: "), text
    assert case.message in text, text


@pytest.mark.parametrize("case", PRICE_CASES, ids=lambda c: c.id)
def test_hostile_price_list(case, tmp_path, make_scenario):
    path = tmp_path / "prices.csv"
    path.write_bytes(case.build(valid_price_bytes()))
    if case.message is None:
        table = load_price_list(path)
        assert table.quote("g6.xlarge", "us-east-1", "sagemaker").usd_per_hour == 1.20
        assert_sane(estimate(make_scenario(), table))
        return
    with pytest.raises(DataError) as err:
        load_price_list(path)
    text = str(err.value)
    assert text.startswith("prices.csv: "), text
    assert case.message in text, text


@pytest.mark.parametrize("loader", [load, load_price_list], ids=["scenario", "price list"])
def test_paths_that_are_not_readable_files(loader, tmp_path):
    for path, message in (
        (tmp_path / "missing.json", "cannot be read (No such file or directory)"),
        (tmp_path, "is not a regular file"),
    ):
        with pytest.raises(DataError, match=r"\(No such file|is not a regular file") as err:
            loader(path)
        assert message in str(err.value)
        assert str(err.value).startswith(path.name)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match=r"pipe\.json: is not a regular file"):  # would otherwise wait forever
        loader(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not apply to root")
def test_unreadable_file_says_so(tmp_path):
    path = tmp_path / "locked.json"
    path.write_bytes(valid_scenario_bytes())
    path.chmod(0)
    with pytest.raises(DataError, match=r"locked\.json: cannot be read .*Check the path and permissions"):
        load(path)


# --------------------------------------------------------------------------- bundled tables


def _tables() -> list[tuple[str, dict[str, Column]]]:
    from lmi_explorer.models import traffic
    from lmi_explorer.models.calibration import cases as calibration
    from lmi_explorer.models.reference import backends, catalog, hardware, pricing

    return [
        ("pricing/prices.csv", pricing.PRICE_SCHEMA),
        ("catalog/models.csv", catalog.MODEL_SCHEMA),
        ("hardware/accelerators.csv", hardware.ACCELERATOR_SCHEMA),
        ("hardware/instances.csv", hardware.INSTANCE_SCHEMA),
        ("backends/precisions.csv", backends.PRECISION_SCHEMA),
        ("backends/efficiency.csv", backends.EFFICIENCY_SCHEMA),
        ("traffic/presets.csv", traffic.PRESET_SCHEMA),
        ("calibration/measured.csv", calibration.CASE_SCHEMA),
    ]


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the shipped data folder that the loaders read instead."""
    root = tmp_path / "data"
    shutil.copytree(data_files.data_root(), root)
    monkeypatch.setattr(data_files, "data_root", lambda: root)
    return root


def _with_cell(text: str, column: str, value: str) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _numeric_column(schema: dict[str, Column]) -> str:
    return next(n for n, c in schema.items() if c.kind in ("int", "float") and c.minimum is not None)


@pytest.mark.parametrize(("relpath", "schema"), _tables(), ids=lambda v: v if isinstance(v, str) else "")
def test_damaged_bundled_table_names_file_row_and_column(relpath, schema, data_copy):
    path = data_copy / relpath
    good = path.read_text(encoding="utf-8")
    assert len(read_table(relpath, schema)) > 0
    column = _numeric_column(schema)
    label = f"data/{relpath}"
    row2_start = good.index("\n") + 1
    # halfway to row 2's last separator: the cut always loses cells, however long the last cell is
    cut_mid_row2 = good.encode()[: (row2_start + good.rindex(",", row2_start, good.index("\n", row2_start))) // 2]
    for damaged, message in (
        (_with_cell(good, column, "nan").encode(), f"{label}: row 2, column '{column}': 'nan' is not a finite number"),
        (
            _with_cell(good, column, "-1e308").encode(),
            f"{label}: row 2, column '{column}': -1e308 is below the minimum",
        ),
        (_with_cell(good, column, "lots").encode(), f"{label}: row 2, column '{column}': 'lots' is not a number"),
        (cut_mid_row2, f"{label}: "),  # a short row, or a quoted cell cut off: checked below
        (good.encode("utf-16"), f"{label}: saved as UTF-16"),
        (b"\x00\x01\x02PK" * 100, f"{label}: looks like a binary file"),
        (b"", f"{label}: the file is empty"),
        (good.encode() * (6 * 2**20 // len(good) + 1), f"{label}: larger than the 5 MiB limit"),
    ):
        path.write_bytes(damaged)
        with pytest.raises(DataError) as err:
            read_table(relpath, schema)
        assert message in str(err.value), str(err.value)
        if damaged is cut_mid_row2:
            assert re.search(r"row 2 has \d+ cells|line 2: .*unexpected end of data", str(err.value)), str(err.value)
    path.write_bytes(b"\xef\xbb\xbf" + good.encode())  # a BOM from a spreadsheet is simply accepted
    assert len(read_table(relpath, schema)) > 0


@pytest.mark.parametrize("relpath", ["defaults.json", "decision/diagram.json"])
def test_damaged_bundled_json_names_the_file(relpath, data_copy):
    path = data_copy / relpath
    good = path.read_text(encoding="utf-8")
    assert read_json(relpath)
    for damaged, message in (
        (good[: len(good) // 2], "line"),
        ('{"value": NaN}', "'NaN' is not a finite number"),
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ):
        path.write_text(damaged, encoding="utf-8")
        with pytest.raises(DataError, match=f"data/{relpath}: .*{message}"):
            read_json(relpath)


def test_accepted_extremes_estimate_to_finite_numbers(make_scenario):
    """The largest values a scenario may hold still give finite, non-negative answers."""
    for changes in (
        {"requests_per_s": 1_000_000, "peak_to_average": 100, "target_utilisation": 0.05},
        {"requests_per_s": 1e-6, "hours_per_month": 1e-9},
        {"input_mean": 10_000_000, "output_mean": 10_000_000, "input_cv": 5, "output_cv": 5},
        {"min_instances": 10_000, "ttft_s": 3600, "tpot_ms": 100_000},
        {"tensor_parallel": 1024},
    ):
        est = estimate(make_scenario(**changes))
        assert_sane(est)
        best = est.best()
        assert best is None or math.isfinite(best["monthly_usd"])


# --------------------------------------------------------------------------- in the window


def _capture_messages(monkeypatch) -> list[str]:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    return shown


def test_window_keeps_the_current_scenario_when_a_file_is_refused(make_window, tmp_path, monkeypatch):
    w = make_window()
    w.qstate.update(name="Current work", requests_per_s=7.0)
    before, saved_before, path_before = w.qstate.scenario, w.documents.saved, w.documents.path
    assert w.isWindowModified()
    shown = _capture_messages(monkeypatch)
    refused = [c for c in SCENARIO_CASES if c.message is not None]
    for case in refused:
        path = tmp_path / f"{len(shown)}.json"
        path.write_bytes(case.build(valid_scenario_bytes()))
        assert not w.documents.open(path), case.id
        assert case.message in shown[-1], (case.id, shown[-1])
        assert shown[-1].startswith(path.name) and "The current scenario is unchanged" in shown[-1]
        assert w.qstate.scenario == before, case.id
        assert (w.documents.saved, w.documents.path) == (saved_before, path_before)
        assert w.isWindowModified(), case.id
    assert len(shown) == len(refused)


def test_window_keeps_the_prices_in_use_when_a_price_list_is_refused(make_window, tmp_path, monkeypatch):
    w = make_window()
    good = tmp_path / "good.csv"
    good.write_bytes(valid_price_bytes())
    assert w.load_price_list(good)
    shown = _capture_messages(monkeypatch)
    for case in (c for c in PRICE_CASES if c.message is not None):
        path = tmp_path / "prices.csv"
        path.write_bytes(case.build(valid_price_bytes()))
        assert not w.load_price_list(path), case.id
        assert case.message in shown[-1] and "The prices in use are unchanged" in shown[-1], (case.id, shown[-1])
        assert w.qstate.state.prices.name == "good.csv"
        assert w.qstate.scenario.price_list.name == "good.csv"
