"""Scenario files: round trip, validation messages, versions, atomic save."""

from __future__ import annotations

import json

import pytest

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.scenario import SCHEMA_VERSION, dumps, load, loads, save, to_dict


def test_round_trip_every_field(make_scenario, tmp_path):
    s = make_scenario(
        name="Chatbot at 5x",
        requests_per_s=10.0,
        peak_to_average=2.5,
        input_mean=700,
        input_cv=0.6,
        output_mean=300,
        output_cv=0.2,
        ttft_s=1.5,
        tpot_ms=40,
        lmi_release=14,
        hardware="both",
        region="us-west-2",
        platform="ec2",
        pricing_option="spot",
        discount=0.6,
        hours_per_month=500,
        min_instances=2,
        instance_families=("g5", "inf2"),
        precisions=("bf16", "awq"),
        target_utilisation=0.7,
        bound_percentile=0.95,
        kv_cache_dtype="fp8",
        tensor_parallel=4,
    )
    path = tmp_path / "s.json"
    save(s, path)
    assert load(path) == s
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION


def test_custom_model_round_trip(make_scenario, tmp_path):
    doc = to_dict(make_scenario())
    doc["model"] = {
        "custom": {
            "name": "Acme-20B",
            "params_billion": 20.0,
            "layers": 48,
            "hidden_size": 6144,
            "heads": 48,
            "kv_heads": 8,
            "vocab_size": 64000,
            "context": 8192,
        }
    }
    s = loads(json.dumps(doc))
    assert s.model().name == "Acme-20B"
    assert s.model().custom
    assert loads(dumps(s)) == s


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"traffic": {"requests_per_s": -1}}, "traffic.requests_per_s: -1 is out of range"),
        ({"deployment": {"hours_per_month": 0}}, "deployment.hours_per_month: 0 is out of range"),
        ({"traffic": {"input_cv": 9}}, "traffic.input_cv: 9 is out of range"),
        ({"deployment": {"tensor_parallel": 3}}, "deployment.tensor_parallel: 3 does not divide"),
        ({"model": {"catalog_id": "acme/unknown"}}, "model 'acme/unknown' is not in the catalog"),
        ({"traffic": {"requests_per_s": "fast"}}, "traffic.requests_per_s: expected a number"),
        ({"deployment": {"region": 5}}, "deployment.region: expected text"),
        ({"deployment": {"precisions": []}}, "deployment.precisions: choose at least one"),
        ({"deployment": {"instance_families": ["x9"]}}, "deployment.instance_families: 'x9' is unknown"),
        ({"traffic": {"bogus": 1}}, "traffic: unknown field(s) bogus"),
        ({"deployment": {"pricing_option": "spot", "platform": "sagemaker"}}, "spot is only offered on EC2"),
        ({"deployment": {"lmi_release": 99}}, "deployment.lmi_release: 99 is not a known LMI release"),
    ],
)
def test_bad_values_name_the_field(make_scenario, patch, message):
    doc = to_dict(make_scenario())
    for key, value in patch.items():
        if key == "model":
            doc["model"] = value
        else:
            doc[key].update(value)
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        loads(json.dumps(doc), name="s.json")


def test_newer_and_malformed_files_are_refused(make_scenario):
    doc = to_dict(make_scenario())
    doc["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(DataError, match="newer than this app understands"):
        loads(json.dumps(doc))
    with pytest.raises(DataError, match=r"s.json: not valid JSON \(line 1"):
        loads("{not json", name="s.json")
    with pytest.raises(DataError, match="schema_version: missing"):
        loads("{}")
    with pytest.raises(DataError, match="'NaN' is not a valid number"):
        loads('{"schema_version": 1, "traffic": {"requests_per_s": NaN}}')


def test_atomic_save_keeps_the_old_file_on_failure(make_scenario, tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    save(make_scenario(name="old"), path)
    import os

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save(make_scenario(name="new"), path)
    assert load(path).name == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary left behind


def test_version_1_files_migrate(make_scenario):
    doc = to_dict(make_scenario(requests_per_s=4.0))
    doc["schema_version"] = 1
    del doc["price_list"]
    s = loads(json.dumps(doc))
    assert s.traffic.requests_per_s == 4.0
    assert s.price_list is None
    assert json.loads(dumps(s))["schema_version"] == SCHEMA_VERSION


def test_own_price_list_travels_with_the_scenario(make_scenario, tmp_path):
    from lmi_explorer.models.estimate import estimate
    from lmi_explorer.models.scenario import PriceList

    csv_text = (
        "instance,region,platform,usd_per_hour,source,as_of\ng6e.xlarge,us-east-1,sagemaker,1.00,negotiated,2026-11\n"
    )
    s = make_scenario(price_list=PriceList("negotiated.csv", csv_text))
    path = tmp_path / "s.json"
    save(s, path)
    back = load(path)
    assert back.price_list == s.price_list
    est = estimate(back)
    assert est.prices.name == "negotiated.csv"
    priced = est.options[est.options["hourly_usd"].notna()]
    assert set(priced["instance"]) == {"g6e.xlarge"}
    doc = json.loads(path.read_text())
    doc["price_list"]["csv"] = csv_text.replace("1.00", "lots")
    with pytest.raises(DataError, match=r"price_list: negotiated.csv: row 2, column 'usd_per_hour'"):
        loads(json.dumps(doc))
