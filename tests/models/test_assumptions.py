"""Every figure can show its working: the assumptions list names values and sources."""

from __future__ import annotations

from lmi_explorer.models.assumptions import assumptions
from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import estimate


def test_assumptions_cover_model_traffic_backend_hardware_price(make_scenario):
    s = make_scenario()
    est = estimate(s)
    rows = assumptions(est, evaluate(s, est))
    topics = {a.topic for a in rows}
    assert {"Model", "Traffic", "Planning", "Backend", "Hardware", "Memory", "Price"} <= topics
    assert all(a.source for a in rows)
    price = next(a for a in rows if a.topic == "Price")
    assert "as of" in price.source


def test_accelerators_without_a_measured_point_are_named(make_scenario):
    s = make_scenario(instance_families=("g5", "g6", "p4d", "p5"))
    est = estimate(s)
    row = next(a for a in assumptions(est, evaluate(s, est)) if a.topic == "Calibration")
    # A100 (p4d) and H100 (p5) have published cases; A10G (g5) and L4 (g6) have none
    assert row.value == "efficiency assumed, not measured on A10G, L4"
    assert "measured.csv" in row.source


def test_an_imported_load_test_counts_as_a_measured_point_and_fitted_factors_are_said(make_scenario):
    from dataclasses import replace

    from lmi_explorer.models.calibration.measurements import Measurement
    from lmi_explorer.models.calibration.user import Calibration, FittedEfficiency

    run = Measurement(
        "run c=8", "meta-llama/Llama-2-13b-hf", "g5.12xlarge", "vllm", "bf16", 4, 8, 550.0, 550.0, 0.2, 40.0, 180.0
    )
    s = make_scenario(instance_families=("g5", "g6"), calibration=Calibration("my tests", (run,)))
    est = estimate(s)
    row = next(a for a in assumptions(est, evaluate(s, est)) if a.topic == "Calibration")
    assert row.value == "efficiency assumed, not measured on L4"
    rec = evaluate(s, est).recommendation
    shipped = next(a for a in assumptions(est, evaluate(s, est)) if a.item == "Efficiency")
    assert "(shipped" in shipped.value
    from lmi_explorer.models.reference.hardware import load_hardware

    acc = load_hardware().instances[rec.instance].accelerator
    fitted = FittedEfficiency(
        rec.backend, acc, 0.61, 0.33, 4.5, points=3, median_error_before=0.2, median_error_after=0.05
    )
    # slower fitted factors must not move the recommendation off the measured pair: keep to its family
    s2 = s.with_changes(calibration=replace(s.calibration, factors=(fitted,)), instance_families=("g5",))
    est2 = estimate(s2)
    dec2 = evaluate(s2, est2)
    eff = next(a for a in assumptions(est2, dec2) if a.item == "Efficiency")
    assert (dec2.recommendation.backend, dec2.recommendation.instance) == (rec.backend, rec.instance)
    assert eff.value == "η_bw 0.61, η_f 0.33, step 4.50 ms (fitted to your measurements)"
    assert eff.source == "fit to 3 measured figures in 'my tests'; median error 20 % → 5 %"
