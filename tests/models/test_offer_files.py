"""AWS Price List offer files (AmazonEC2, AmazonSageMaker; JSON and CSV) read as price lists, streaming."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.offer_files import (
    ImportCancelled,
    OfferPrice,
    offer_code_of,
    read_offer_file,
    refuse_empty,
)
from lmi_explorer.models.reference.pricing import load_price_file, parse_price_list

OFFERS = Path(__file__).resolve().parents[1] / "fixtures" / "offers"

EC2 = {
    OfferPrice("g5.12xlarge", "us-east-1", "ec2", 5.672),
    OfferPrice("g5.12xlarge", "us-west-2", "ec2", 5.672),
    OfferPrice("p4d.24xlarge", "eu-west-1", "ec2", 35.3928),  # region from the location name
}
SAGEMAKER = {
    OfferPrice("g5.12xlarge", "us-east-1", "sagemaker", 7.09),
    OfferPrice("inf2.xlarge", "eu-central-1", "sagemaker", 1.17),
}


@pytest.mark.parametrize(
    ("name", "expected", "left_out", "code", "as_of", "version"),
    [
        ("ec2.json", EC2, ("m5.large",), "AmazonEC2", "2026-11-20", "20261120183045"),
        ("ec2.csv", EC2, ("m5.large",), "AmazonEC2", "2026-11-20", "20261120183045"),
        ("sagemaker.json", SAGEMAKER, ("ml.m5.xlarge",), "AmazonSageMaker", "2026-11-15", "20261115090012"),
        ("sagemaker.csv", SAGEMAKER, ("ml.m5.xlarge",), "AmazonSageMaker", "2026-11-15", "20261115090012"),
    ],
)
def test_only_on_demand_hourly_usd_rates_of_the_wanted_products_are_kept(
    name, expected, left_out, code, as_of, version
):
    # excluded in the fixtures: Windows, dedicated tenancy, SQL Web pre-installed, unused capacity
    # reservations, capacity blocks ($0), reserved terms and upfront fees, GB-month storage, CNY prices;
    # SageMaker Training, Notebook, Processing, Batch Transform and asynchronous inference
    result = read_offer_file(OFFERS / name)
    assert set(result.prices) == expected
    assert result.not_in_catalog == left_out
    assert result.offer_code == code
    assert result.as_of == as_of
    assert result.version == version
    assert offer_code_of(OFFERS / name) == code


def test_the_converted_list_has_the_bundled_columns_and_names_its_source():
    result = read_offer_file(OFFERS / "sagemaker.json")
    text = result.to_csv()
    assert text.splitlines()[0] == "instance,region,platform,usd_per_hour,source,as_of,notes"
    assert text.splitlines()[1] == (
        'g5.12xlarge,us-east-1,sagemaker,7.09,"AWS Price List AmazonSageMaker offer file sagemaker.json '
        '(version 20261115090012, publicationDate 2026-11-15T09:00:12Z)",2026-11-15,'
        '"real-time inference (Hosting), on-demand"'
    )
    table = parse_price_list(text, "sagemaker.json")
    assert table.quote("g5.12xlarge", "us-east-1", "sagemaker").usd_per_hour == pytest.approx(7.09)


def test_regions_and_every_instance_can_be_asked_for():
    result = read_offer_file(OFFERS / "ec2.csv", regions=["us-east-1"], instances=None)
    assert {(p.instance, p.region) for p in result.prices} == {("g5.12xlarge", "us-east-1"), ("m5.large", "us-east-1")}


def test_a_price_list_csv_or_a_scenario_is_not_an_offer_file(tmp_path):
    plain = tmp_path / "mine.csv"
    plain.write_text("instance,region,platform,usd_per_hour,source,as_of\ng5.xlarge,us-east-1,ec2,1,me,2026\n")
    assert offer_code_of(plain) is None
    assert offer_code_of(Path(__file__).resolve().parents[2] / "data" / "scenarios" / "default.json") is None


def test_an_offer_file_of_another_service_is_refused_by_name():
    with pytest.raises(DataError) as err:
        read_offer_file(OFFERS / "s3.json")
    assert str(err.value) == (
        "s3.json: an AWS Price List offer file for AmazonS3, which has no instance prices this app uses. "
        "Load the AmazonEC2 or AmazonSageMaker offer file (JSON or CSV) instead."
    )


def test_a_random_json_file_is_not_taken_for_an_offer_file(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"hello": [1, 2, 3], "nested": {"a": {"b": "c"}}}))
    with pytest.raises(DataError, match=r"data.json: a JSON file but not an AWS Price List offer file \(no offerCode"):
        read_offer_file(path)
    path.write_text("[1, 2, 3]")
    with pytest.raises(DataError, match="does not start with a JSON object"):
        read_offer_file(path)


@pytest.mark.parametrize("name", ["ec2.json", "sagemaker.json"])
def test_a_truncated_json_offer_file_is_an_incomplete_download(tmp_path, name):
    raw = (OFFERS / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match=rf"{name}: the file ends early, inside .* Download the offer file again"):
        read_offer_file(cut)


def test_a_truncated_csv_offer_file_is_an_incomplete_download(tmp_path):
    raw = (OFFERS / "ec2.csv").read_bytes()
    cut = tmp_path / "ec2.csv"
    cut.write_bytes(raw[: raw.index(b'"EC2M5LUSE1"') + 40])
    with pytest.raises(DataError, match=r"ec2.csv: .*the file may be incomplete. Download it again"):
        read_offer_file(cut)


def test_invalid_json_inside_an_offer_file_is_named(tmp_path):
    raw = (OFFERS / "ec2.json").read_text().replace('"sku" : "EC2M5LUSE1",', '"sku" : "EC2M5LUSE1" oops,', 1)
    bad = tmp_path / "ec2.json"
    bad.write_text(raw)
    with pytest.raises(DataError, match=r"ec2.json: not valid JSON in product EC2M5LUSE1"):
        read_offer_file(bad)


def test_no_usable_price_is_refused_with_what_to_check():
    result = read_offer_file(OFFERS / "ec2.json", regions=["ap-south-1"])
    with pytest.raises(DataError) as err:
        refuse_empty(result, ["ap-south-1"])
    assert str(err.value) == (
        "ec2.json: no EC2 on-demand Linux (shared tenancy) hourly USD price in ap-south-1 for an instance in "
        "the catalog. Check the region and that this is the full offer file."
    )


def test_a_csv_with_other_columns_is_refused_as_a_price_list(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("customer,amount\nacme,3\n")
    with pytest.raises(DataError, match=r"sales.csv: missing column\(s\) instance, region, platform, usd_per_hour"):
        load_price_file(path)


# --- big files, streaming


def _big_ec2_json(path: Path, products: int) -> None:
    """An offer file of ``products`` Linux/Windows products, their on-demand terms and a larger reserved section."""
    kinds = ["g5.xlarge", "g5.2xlarge", "g6.xlarge", "p4d.24xlarge", "m5.large", "c5.xlarge"]
    regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"]
    with path.open("w") as fh:
        fh.write('{\n  "formatVersion" : "v1.0",\n  "disclaimer" : "test",\n  "offerCode" : "AmazonEC2",\n')
        fh.write('  "version" : "20261201000000",\n  "publicationDate" : "2026-12-01T00:00:00Z",\n  "products" : {\n')
        for i in range(products):
            attrs = {
                "servicecode": "AmazonEC2",
                "location": "x",
                "locationType": "AWS Region",
                "instanceType": kinds[i % len(kinds)],
                "operatingSystem": "Linux" if i % 5 else "Windows",
                "tenancy": "Shared",
                "preInstalledSw": "NA",
                "capacitystatus": "Used",
                "regionCode": regions[(i // len(kinds)) % len(regions)],
                "usagetype": f"BoxUsage:{kinds[i % len(kinds)]}",
                "padding": "p" * 600,
            }
            prod = {"sku": f"S{i}", "productFamily": "Compute Instance", "attributes": attrs}
            fh.write(f'    "S{i}" : {json.dumps(prod, indent=2)}{"," if i < products - 1 else ""}\n')
        fh.write('  },\n  "terms" : {\n    "OnDemand" : {\n')
        for i in range(products):
            dim = {"unit": "Hrs", "beginRange": "0", "pricePerUnit": {"USD": f"{1 + (i % 7) / 10:.10f}"}}
            term = {f"S{i}.T": {"sku": f"S{i}", "priceDimensions": {f"S{i}.T.R": dim}, "termAttributes": {}}}
            fh.write(f'      "S{i}" : {json.dumps(term)}{"," if i < products - 1 else ""}\n')
        fh.write('    },\n    "Reserved" : {\n')
        for i in range(products):
            fh.write(f'      "S{i}" : {{"S{i}.R" : {{"padding" : "{"r" * 900}"}}}}{"," if i < products - 1 else ""}\n')
        fh.write("    }\n  }\n}\n")


def test_a_multi_megabyte_json_offer_file_is_streamed_with_progress(tmp_path, capsys):
    path = tmp_path / "index.json"
    _big_ec2_json(path, 12_000)
    total = path.stat().st_size
    assert total > 10 * 2**20
    seen: list[tuple[int, int]] = []
    started = time.perf_counter()
    result = read_offer_file(path, progress=lambda done, of: seen.append((done, of)) or True)
    elapsed = time.perf_counter() - started
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and len(dones) > 5
    assert dones[-1] == total and all(of == total for _, of in seen)
    # the reserved terms after the on-demand ones are never read
    assert result.bytes_read < total * 0.75
    kept = {(p.instance, p.region) for p in result.prices}
    assert kept >= {("g5.xlarge", "us-east-1"), ("p4d.24xlarge", "us-west-2")}
    assert "m5.large" in result.not_in_catalog
    with capsys.disabled():
        read = result.bytes_read / 2**20
        sys.stdout.write(
            f"\n[offer file] JSON {total / 2**20:.1f} MiB, {read:.1f} MiB read in {elapsed:.2f} s: "
            f"{read / elapsed:.0f} MiB/s\n"
        )


def test_cancel_stops_the_read_early(tmp_path):
    path = tmp_path / "index.json"
    _big_ec2_json(path, 6_000)
    calls: list[int] = []

    def progress(done: int, total: int) -> bool:
        calls.append(done)
        return len(calls) < 2

    with pytest.raises(ImportCancelled):
        read_offer_file(path, progress=progress)
    assert calls[-1] < path.stat().st_size / 2


def test_a_multi_megabyte_csv_offer_file_is_read_row_by_row(tmp_path, capsys):
    head = (OFFERS / "ec2.csv").read_text().splitlines()
    rows = head[6:]
    path = tmp_path / "index.csv"
    with path.open("w") as fh:
        fh.write("\n".join(head[:6]) + "\n")
        for _ in range(2500):
            fh.write("\n".join(rows) + "\n")
    total = path.stat().st_size
    seen: list[int] = []
    started = time.perf_counter()
    result = read_offer_file(path, progress=lambda done, of: seen.append(done) or True)
    elapsed = time.perf_counter() - started
    assert set(result.prices) == EC2
    assert seen == sorted(seen) and seen[-1] == total and len(seen) > 3
    with capsys.disabled():
        mib = total / 2**20
        sys.stdout.write(f"\n[offer file] CSV {mib:.1f} MiB in {elapsed:.2f} s: {mib / elapsed:.0f} MiB/s\n")
    calls: list[int] = []
    with pytest.raises(ImportCancelled):
        read_offer_file(path, progress=lambda done, of: calls.append(done) or len(calls) < 2)
    assert calls[-1] < total
