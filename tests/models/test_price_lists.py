"""A user's price list: ml.-prefixed SageMaker names, names the catalog lacks, replace or override, its age."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path

import pytest

from lmi_explorer.models.cli import main
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.reference.pricing import (
    load_price_file,
    load_prices,
    parse_price_list,
    price_age,
    with_bundled,
)
from lmi_explorer.models.scenario import PriceList, dumps, loads, save
from lmi_explorer.models.state import AppState

OFFERS = Path(__file__).resolve().parents[1] / "fixtures" / "offers"
HEADER = "instance,region,platform,usd_per_hour,source,as_of\n"
ML_LIST = HEADER + (
    "ml.g5.12xlarge,us-east-1,sagemaker,9.99,our negotiated rate,2026-11\n"
    "ml.g5.48xlarge,us-east-1,sagemaker,30.00,our negotiated rate,2026-11\n"
    "ml.x9.huge,us-east-1,sagemaker,1.00,our negotiated rate,2026-11\n"
    "g5.12xlarge,us-east-1,ec2,5.00,our negotiated rate,2026-11\n"
)


def _write(tmp_path: Path, text: str, name: str = "mine.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ml_prefixed_sagemaker_names_match_the_catalog(tmp_path, make_scenario):
    loaded = load_price_file(_write(tmp_path, ML_LIST))
    assert loaded.table.quote("g5.12xlarge", "us-east-1", "sagemaker").usd_per_hour == pytest.approx(9.99)
    assert loaded.not_in_catalog == ("x9.huge",)
    assert loaded.summary == "mine.csv: 3 of 4 row(s) used."
    est = estimate(make_scenario(region="us-east-1", platform="sagemaker"), loaded.table)
    priced = est.options[est.options["instance"] == "g5.12xlarge"]
    assert priced["monthly_usd"].notna().any()


def test_an_ml_name_on_ec2_is_refused_by_row():
    with pytest.raises(DataError, match=r"row 2: ml.g5.xlarge is a SageMaker instance name but the platform is ec2"):
        parse_price_list(HEADER + "ml.g5.xlarge,us-east-1,ec2,1,me,2026\n", "mine.csv")


def test_a_list_naming_no_catalog_instance_is_refused(tmp_path):
    path = _write(tmp_path, HEADER + "x9.huge,us-east-1,ec2,1,me,2026\nml.z1.tiny,us-east-1,sagemaker,1,me,2026\n")
    with pytest.raises(DataError) as err:
        load_price_file(path)
    assert str(err.value).startswith(
        "mine.csv: none of its rows names an instance in the catalog (x9.huge, z1.tiny). Write instance types as "
        "AWS does, e.g. g5.12xlarge, or ml.g5.12xlarge for SageMaker"
    )


def test_an_offer_file_loads_as_a_price_list():
    loaded = load_price_file(OFFERS / "sagemaker.csv")
    assert loaded.offer_file
    assert loaded.table.name == "sagemaker.csv"
    assert loaded.not_in_catalog == ("ml.m5.xlarge",)
    quote = loaded.table.quote("inf2.xlarge", "eu-central-1", "sagemaker")
    assert quote.usd_per_hour == pytest.approx(1.17)
    assert quote.as_of == "2026-11-15"
    assert "version 20261115090012" in quote.source


def test_replace_uses_only_the_list_and_override_keeps_bundled_rows_it_lacks(make_scenario):
    mine = parse_price_list(HEADER + "g5.12xlarge,us-east-1,sagemaker,9.99,our rate,2026-11\n", "mine.csv")
    bundled = load_prices().quote("g5.2xlarge", "us-east-1", "sagemaker").usd_per_hour
    assert bundled is not None
    replaced = make_scenario(price_list=PriceList("mine.csv", mine.content)).prices()
    assert replaced.quote("g5.12xlarge", "us-east-1", "sagemaker").usd_per_hour == pytest.approx(9.99)
    assert replaced.quote("g5.2xlarge", "us-east-1", "sagemaker").usd_per_hour is None
    over = make_scenario(price_list=PriceList("mine.csv", mine.content, "override")).prices()
    assert over == with_bundled(parse_price_list(mine.content, "mine.csv", "override"))
    assert over.quote("g5.12xlarge", "us-east-1", "sagemaker").usd_per_hour == pytest.approx(9.99)
    assert over.quote("g5.2xlarge", "us-east-1", "sagemaker").usd_per_hour == pytest.approx(bundled)
    assert len(over.table) == len(load_prices().table)  # one bundled row replaced, none added


def test_state_sets_the_mode_and_the_estimate_follows():
    st = AppState()
    mine = parse_price_list(HEADER + "g5.12xlarge,us-east-1,sagemaker,9.99,our rate,2026-11\n", "mine.csv")
    st.set_prices(mine, "override")
    assert st.scenario.price_list == PriceList("mine.csv", mine.content, "override")
    assert st.estimate is not None and st.estimate.prices.mode == "override"
    assert st.estimate.options["monthly_usd"].notna().sum() > 1
    st.set_prices(mine, "replace")
    assert st.scenario.price_list is not None and st.scenario.price_list.mode == "replace"
    st.set_prices(None)
    assert st.scenario.price_list is None


def test_the_mode_round_trips_and_old_files_without_it_load_as_replace(make_scenario, tmp_path):
    text = HEADER + "g5.12xlarge,us-east-1,sagemaker,9.99,our rate,2026-11\n"
    s = make_scenario(price_list=PriceList("mine.csv", text, "override"))
    doc = json.loads(dumps(s))
    assert doc["price_list"] == {"name": "mine.csv", "csv": text, "mode": "override"}
    assert loads(dumps(s)) == s
    # a file written before lists could override: no mode, read as replace; written back the same way
    old = make_scenario(price_list=PriceList("mine.csv", text))
    doc = json.loads(dumps(old))
    assert doc["price_list"] == {"name": "mine.csv", "csv": text}
    back = loads(json.dumps(doc))
    assert back.price_list == PriceList("mine.csv", text, "replace")
    doc["price_list"]["mode"] = "merge"
    with pytest.raises(DataError, match=r'price_list.mode: expected one of replace, override, got "merge"'):
        loads(json.dumps(doc), name="plan.json")


def test_price_age_says_how_old_the_prices_in_use_are():
    text = HEADER + (
        "g5.12xlarge,us-east-1,sagemaker,1,a,2025-01-26\n"
        "g5.2xlarge,us-east-1,sagemaker,1,a,2025-02\n"
        "g5.xlarge,us-east-1,sagemaker,1,a,2024-04-04\n"
        "g5.xlarge,us-west-2,sagemaker,1,a,2026-11-20\n"
    )
    table = parse_price_list(text, "mine.csv")
    age = price_age(table, date(2026, 12, 2), region="us-east-1", platform="sagemaker")
    assert age is not None
    assert age.text == "Prices as of 2025-01 (22 months old; oldest 2024-04)"
    assert age.stale and "more than a year old (31 months)" in age.tooltip
    assert "File ▸ Load price list" in age.tooltip
    fresh = price_age(table, date(2026, 12, 2), region="us-west-2", platform="sagemaker")
    assert fresh is not None and fresh.text == "Prices as of 2026-11 (under a month old)"
    assert not fresh.stale


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_cli_prices_import_writes_a_price_list(tmp_path):
    out = tmp_path / "prices.csv"
    code, stdout, _ = run("prices", "import", str(OFFERS / "ec2.json"), "--region", "us-east-1", "--out", str(out))
    assert code == 0
    assert stdout == (
        "AmazonEC2 offer file ec2.json (2026-11-20): 1 price(s) for 1 instance type(s) in 1 region(s); "
        f"1 instance type(s) not in the catalog left out. Wrote {out}.\n"
    )
    table = parse_price_list(out.read_text(), "prices.csv")
    assert table.quote("g5.12xlarge", "us-east-1", "ec2").usd_per_hour == pytest.approx(5.672)
    code, stdout, stderr = run("prices", "import", str(OFFERS / "sagemaker.csv"))
    assert code == 0 and stdout.startswith("instance,region,platform,usd_per_hour,source,as_of,notes\n")
    assert stderr.startswith("AmazonSageMaker offer file sagemaker.csv")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("s3.json", "s3.json: an AWS Price List offer file for AmazonS3"),
        ("README.md", "README.md: not an AWS Price List offer file"),
    ],
)
def test_cli_prices_import_refuses_other_files_in_one_line(name, message):
    path = OFFERS / name
    code, stdout, stderr = run("prices", "import", str(path))
    assert code == 2 and stdout == ""
    assert stderr.startswith(f"lmi-explorer: {message}") and stderr.count("\n") == 1


def test_cli_estimate_takes_an_offer_file_and_a_mode(make_scenario, tmp_path):
    path = tmp_path / "s.json"
    save(make_scenario(region="us-east-1", platform="sagemaker"), path)
    code, stdout, _ = run("estimate", str(path), "--prices", str(OFFERS / "sagemaker.json"), "--format", "json")
    assert code == 0
    doc = json.loads(stdout)
    priced = {o["instance"] for o in doc["options"] if o["monthly_usd"] is not None}
    assert priced == {"g5.12xlarge"}
    offer = str(OFFERS / "sagemaker.json")
    code, stdout, _ = run("estimate", str(path), "--prices", offer, "--prices-mode", "override", "--format", "json")
    priced = {o["instance"] for o in json.loads(stdout)["options"] if o["monthly_usd"] is not None}
    assert {"g5.12xlarge", "g5.2xlarge"} <= priced
    code, _, stderr = run("estimate", str(path), "--prices", str(OFFERS / "s3.json"))
    assert code == 2 and stderr.startswith("lmi-explorer: s3.json: an AWS Price List offer file for AmazonS3")
