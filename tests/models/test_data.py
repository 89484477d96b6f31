"""Shipped data: every table loads, cites a source and a date, and bad values are named."""

from __future__ import annotations

import csv

import pytest

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import data_root
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.catalog import load_catalog
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.reference.pricing import load_price_list, load_prices, parse_price_list
from lmi_explorer.models.tables import Column, parse_table


def test_every_table_has_source_and_as_of_columns():
    for path in sorted(data_root().rglob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert "source" in header, path
        assert "as_of" in header, path


def test_every_priced_row_has_a_source_and_date():
    frame = load_prices().frame
    priced = frame[frame["usd_per_hour"].notna()]
    assert priced["source"].str.len().gt(0).all()
    assert priced["as_of"].notna().all()


def test_catalog_and_instances_cover_the_reference():
    assert len(load_catalog().models) >= 29
    hw = load_hardware()
    assert len(hw.instances) == 54
    prices = load_prices()
    for name in hw.instances:
        assert ((prices.frame["instance"] == name) & (prices.frame["region"] == "us-east-1")).any(), name
    # p5e has no on-demand price: blank, never zero
    assert prices.quote("p5e.48xlarge", "us-east-1", "ec2").usd_per_hour is None


def test_loaders_are_consistent():
    bk = load_backends()
    assert bk.latest_lmi == 29
    assert set(bk.precisions) == {"bf16", "fp8", "int8", "awq", "gptq", "mxfp4", "nvfp4"}


def test_bad_value_names_file_row_and_column():
    text = "instance,region,platform,usd_per_hour,source,as_of\ng5.xlarge,us-east-1,ec2,abc,me,2026\n"
    with pytest.raises(DataError, match=r"mine.csv: row 2, column 'usd_per_hour': 'abc' is not a number"):
        parse_price_list(text, "mine.csv")
    with pytest.raises(DataError, match="missing column"):
        parse_price_list("instance,region\n", "mine.csv")
    with pytest.raises(DataError, match=r"row 3 has 2 cells"):
        parse_table("a,source,as_of\n1,s,d\n1,2\n", {"a": Column("int")}, "t.csv")
    with pytest.raises(DataError, match="below the minimum"):
        parse_price_list("instance,region,platform,usd_per_hour,source,as_of\nx,r,ec2,-1,s,d\n", "neg.csv")


def test_user_price_list_file(tmp_path):
    path = tmp_path / "negotiated.csv"
    path.write_text(
        "\ufeffinstance,region,platform,usd_per_hour,source,as_of\n"
        "g5.xlarge,us-east-1,sagemaker,1.0,our contract,2026-11\n",
        encoding="utf-8",
    )
    table = load_price_list(path)
    assert table.name == "negotiated.csv"
    assert table.quote("g5.xlarge", "us-east-1", "sagemaker").usd_per_hour == 1.0
    path.write_bytes(b"\x00\x01binary")
    with pytest.raises(DataError, match="binary"):
        load_price_list(path)
