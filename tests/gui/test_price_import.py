"""File ▸ Load price list with AWS offer files: progress and cancel, replace or override, the price age."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox, QPushButton

from lmi_explorer.gui.dialogs import price_import

OFFERS = Path(__file__).resolve().parents[1] / "fixtures" / "offers"
TODAY = date(2026, 12, 2)


@pytest.fixture
def warnings(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a, **k: shown.append(text))
    return shown


def hourly(w, instance: str) -> float:
    """The hourly price the current estimate uses for an instance (NaN when unknown)."""
    opts = w.qstate.state.estimate.options
    values = opts[opts["instance"] == instance]["hourly_usd"]
    return float(values.iloc[0]) if len(values) else math.nan


def drop(w, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    w.dropEvent(
        QDropEvent(
            QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
    )


def test_an_offer_file_overrides_the_bundled_prices_and_says_what_it_used(make_window):
    w = make_window()
    w.today = lambda: TODAY
    bundled_small = hourly(w, "g5.2xlarge")
    assert not math.isnan(bundled_small)
    assert w.load_price_list(OFFERS / "sagemaker.json")
    assert w.status_prices.text() == "Price list: sagemaker.json"
    dialog = w.price_importer.mode_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.message.text() == (
        "AmazonSageMaker offer file sagemaker.json (2026-11-15): 2 price(s) for 2 instance type(s) in 2 region(s); "
        "1 instance type(s) not in the catalog left out.\n\nNot in the catalog, so not used (1): ml.m5.xlarge."
    )
    assert dialog.override_button.isChecked()  # an offer file of one service keeps the other's prices
    assert "keep the bundled price everywhere else" in dialog.override_button.toolTip()
    assert hourly(w, "g5.12xlarge") == pytest.approx(7.09)
    assert hourly(w, "g5.2xlarge") == pytest.approx(bundled_small)
    # replace instead: only the file's prices
    dialog.replace_button.setChecked(True)
    dialog.accept()
    assert w.qstate.scenario.price_list.mode == "replace"
    assert hourly(w, "g5.12xlarge") == pytest.approx(7.09)
    assert math.isnan(hourly(w, "g5.2xlarge"))
    assert w.status_data.text() == "Prices as of 2026-11 (under a month old)"
    assert "⚠" not in w.status_data.text()


def test_ml_prefixed_csv_is_matched_and_unknown_names_are_listed(make_window, tmp_path):
    w = make_window()
    path = tmp_path / "negotiated.csv"
    path.write_text(
        "instance,region,platform,usd_per_hour,source,as_of\n"
        "ml.g5.12xlarge,us-east-1,sagemaker,9.99,our rate,2026-11\n"
        "ml.x9.huge,us-east-1,sagemaker,1.00,our rate,2026-11\n"
    )
    assert w.load_price_list(path)
    dialog = w.price_importer.mode_dialog
    assert dialog.replace_button.isChecked()  # a CSV list replaces the bundled one, as before
    assert dialog.message.text() == (
        "negotiated.csv: 1 of 2 row(s) used.\n\nNot in the catalog, so not used (1): x9.huge."
    )
    assert hourly(w, "g5.12xlarge") == pytest.approx(9.99)
    assert "no price is known" not in w.qstate.state.decision.recommendation.summary


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("s3.json", None, "s3.json: an AWS Price List offer file for AmazonS3"),
        (
            "random.json",
            '{"hello": {"world": [1, 2]}}',
            "random.json: a JSON file but not an AWS Price List offer file",
        ),
        ("sales.csv", "customer,amount\nacme,3\n", "sales.csv: missing column(s) instance, region, platform"),
        (
            "nothing.csv",
            "instance,region,platform,usd_per_hour,source,as_of\nx9.huge,us-east-1,ec2,1,me,2026\n",
            ("nothing.csv: none of its rows names an instance in the catalog (x9.huge)"),
        ),
    ],
)
def test_a_bad_file_is_refused_with_a_message_and_the_prices_stay(make_window, tmp_path, warnings, name, text, says):
    w = make_window()
    before = w.qstate.scenario
    path = OFFERS / name if text is None else tmp_path / name
    if text is not None:
        path.write_text(text)
    assert not w.load_price_list(path)
    assert len(warnings) == 1 and warnings[0].startswith(says)
    assert warnings[0].endswith("The prices in use are unchanged.")
    assert w.qstate.scenario == before
    assert w.status_prices.text() == "Price list: bundled"


def test_a_truncated_offer_file_is_refused(make_window, tmp_path, warnings):
    w = make_window()
    raw = (OFFERS / "ec2.json").read_bytes()
    path = tmp_path / "index.json"
    path.write_bytes(raw[: len(raw) // 3])
    assert not w.load_price_list(path)
    assert "the file ends early" in warnings[0] and "Download the offer file again" in warnings[0]


def _big_sagemaker_json(path: Path, products: int) -> None:
    """A SageMaker offer file of many products (a few in the catalog), then their on-demand terms."""
    names = ["ml.g5.12xlarge", "ml.g5.2xlarge", "ml.m5.large", "ml.c5.xlarge"]
    with path.open("w") as fh:
        fh.write('{"formatVersion": "v1.0", "disclaimer": "test", "offerCode": "AmazonSageMaker",')
        fh.write('"version": "20261201000000", "publicationDate": "2026-12-01T00:00:00Z", "products": {\n')
        for i in range(products):
            name = names[i % len(names)]
            attrs = {
                "instanceName": name,
                "component": "Hosting",
                "usagetype": f"USE1-Host:{name}",
                "regionCode": "us-east-1" if i < len(names) else f"r-{i}",
                "padding": "p" * 700,
            }
            sep = "," if i < products - 1 else ""
            fh.write(
                f'"S{i}": {json.dumps({"sku": f"S{i}", "productFamily": "ML Instance", "attributes": attrs})}{sep}\n'
            )
        fh.write('}, "terms": {"OnDemand": {\n')
        for i in range(products):
            dim = {"unit": "Hrs", "pricePerUnit": {"USD": f"{2 + i % 5}.5"}}
            sep = "," if i < products - 1 else ""
            fh.write(f'"S{i}": {json.dumps({f"S{i}.T": {"priceDimensions": {f"S{i}.T.R": dim}}})}{sep}\n')
        fh.write("}}}\n")


def test_a_big_offer_file_loads_in_the_background_with_progress(make_window, qtbot, tmp_path):
    path = tmp_path / "index.json"
    _big_sagemaker_json(path, 12_000)
    assert path.stat().st_size > price_import.THREADED_BYTES
    w = make_window()
    assert w.load_price_list(path)
    importer = w.price_importer
    assert importer.busy and importer.progress_dialog is not None and importer.progress_dialog.isVisible()
    values: list[int] = []
    importer.worker.progressed.connect(lambda per_mille, done, total: values.append(per_mille))
    with qtbot.waitSignal(importer.finished, timeout=60_000) as done:
        pass
    assert done.args == [True]
    assert not importer.busy and importer.progress_dialog is None
    assert values == sorted(values) and values[-1] == 1000
    assert w.status_prices.text() == "Price list: index.json"
    assert hourly(w, "g5.12xlarge") == pytest.approx(2.5)
    assert "ml.m5.large" in importer.mode_dialog.message.text()


def test_cancel_stops_the_read_and_leaves_the_prices(make_window, qtbot, tmp_path):
    path = tmp_path / "index.json"
    _big_sagemaker_json(path, 40_000)
    w = make_window()
    before = w.qstate.scenario
    assert w.load_price_list(path)
    importer = w.price_importer
    with qtbot.waitSignal(importer.finished, timeout=60_000) as done:
        importer.progress_dialog.findChild(QPushButton).click()  # the dialog's Cancel
    assert done.args == [False]
    assert importer.last_message == "Loading cancelled; the prices in use are unchanged."
    assert w.qstate.scenario == before and w.status_prices.text() == "Price list: bundled"


def test_old_prices_are_flagged_in_the_status_bar(make_window):
    w = make_window()
    w.today = lambda: TODAY
    w.refresh()
    text = w.status_data.text()
    assert text.startswith("⚠ Prices as of ") and "months old" in text
    assert "more than a year old" in w.status_data.toolTip()
    assert "File ▸ Load price list" in w.status_data.toolTip()
    assert "font-weight: bold" in w.status_data.styleSheet()


def test_a_dropped_offer_file_loads_as_prices(make_window):
    w = make_window()
    drop(w, OFFERS / "ec2.csv")
    assert w.status_prices.text() == "Price list: ec2.csv"
    assert w.qstate.scenario.price_list.mode == "override"
