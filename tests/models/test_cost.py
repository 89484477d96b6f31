"""Instances and monthly cost: hand-worked values, end to end."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.estimate.cost import (
    instances_needed,
    monthly_usd,
    replicas_needed,
    usd_per_million_tokens,
)
from lmi_explorer.models.reference.pricing import load_prices


def test_replicas_instances_and_monthly_hand_worked():
    # 10 req/s at peak, 2.5 req/s per replica at 80 % -> ceil(10 / 2) = 5 replicas
    assert replicas_needed(10.0, np.array([2.5]), 0.8).tolist() == [5]
    # 4 replicas per instance (g5.12xlarge at TP 1): ceil(5 / 4) = 2 instances
    assert instances_needed(np.array([5]), np.array([4]), 1).tolist() == [2]
    assert instances_needed(np.array([5]), np.array([4]), 3).tolist() == [3]  # minimum instances
    # 2 x ml.g5.12xlarge at $7.09/h for 730 h
    assert monthly_usd(np.array([2]), np.array([7.09]), 730.0).tolist() == [pytest.approx(10_351.4)]
    # unknown price stays unknown
    assert math.isnan(monthly_usd(np.array([2]), np.array([math.nan]), 730.0)[0])
    # $10,351.4 for 1 req/s x 1000 tokens x 730 h = 2.628e9 tokens -> $3.94 per million
    assert usd_per_million_tokens(np.array([10_351.4]), 1.0, 730.0, 1000.0)[0] == pytest.approx(3.93888, rel=1e-4)


def test_estimate_rows_obey_the_cost_formulas(make_scenario):
    s = make_scenario(requests_per_s=3.0, peak_to_average=2.0, min_instances=1)
    est = estimate(s)
    f = est.feasible
    assert not f.empty
    for _, r in f.head(20).iterrows():
        replicas = math.ceil(6.0 / (r["requests_per_s_per_replica"] * 0.8))
        assert r["replicas"] == replicas
        assert r["instances"] == max(1, math.ceil(replicas / r["replicas_per_instance"]))
        quote = load_prices().quote(r["instance"], "us-east-1", "sagemaker")
        assert r["monthly_usd"] == pytest.approx(r["instances"] * quote.usd_per_hour * 730)


def test_discount_applies_to_savings_plans_not_on_demand(make_scenario):
    base = estimate(make_scenario()).best()
    plan = estimate(make_scenario(pricing_option="savings_plan", discount=0.25)).best()
    assert plan["monthly_usd"] == pytest.approx(base["monthly_usd"] * 0.75)


def test_price_unknown_is_never_zero(make_scenario):
    est = estimate(make_scenario(platform="sagemaker", region="eu-west-1"))
    unknown = est.options[est.options["fits"] & est.options["hourly_usd"].isna()]
    assert not unknown.empty
    assert unknown["monthly_usd"].isna().all()
    says = unknown["reason"].str.startswith("Price unknown") | unknown["reason"].str.contains(
        "not offered on SageMaker"
    )
    assert says.all()
    assert est.best() is None or not math.isnan(est.best()["monthly_usd"])


def test_custom_model_estimates_like_its_catalog_twin(make_scenario):
    from dataclasses import replace

    from lmi_explorer.models.reference.catalog import load_catalog

    twin = replace(load_catalog().get("meta-llama/Llama-2-13b-hf"), custom=True, model_id="custom")
    cat = estimate(make_scenario())
    cus = estimate(make_scenario(custom_model=twin, model_id=None))
    assert cus.best()["monthly_usd"] == cat.best()["monthly_usd"]
    assert cus.options["fits"].sum() == cat.options["fits"].sum()
