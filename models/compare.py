"""Side-by-side comparison of pinned scenarios: recommendation, instances, full vs quantized cost."""

from __future__ import annotations

import math

import pandas as pd

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.scenario import Scenario

MAX_PINNED = 4
COLUMNS = [
    "scenario",
    "model",
    "traffic",
    "backend",
    "instance",
    "precision",
    "tensor_parallel",
    "instances",
    "monthly_usd",
    "full_precision_usd",
    "quantized_usd",
    "saving_share",
    "usd_per_million_tokens",
    # added beside the others: the traffic mix's pick and the day's autoscaled bill (NaN/'' when not set)
    "classes",
    "plan",
    "plan_monthly_usd",
    "autoscaled_usd",
]


def _plan(dec) -> str:
    if dec.split is None:
        return "one endpoint"
    return {"shared": "one shared endpoint", "separate": "one endpoint per class"}.get(dec.split.choice, "nothing fits")


def _plan_usd(dec, recommended: float | None) -> float:
    """What the scenario's whole plan costs a month: the traffic mix's pick, else the week, else the card's."""
    if dec.split is not None:
        return dec.split.monthly_usd
    if dec.week is not None:
        return dec.week.monthly_usd
    return math.nan if recommended is None else recommended


def compare(scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario, in the given order (names made unique for display)."""
    bk = load_backends()
    rows = []
    seen: dict[str, int] = {}
    for s in scenarios:
        est = estimate(s)
        several = len(s.classes()) > 1 or bool(s.load.day_profile)
        dec = evaluate(s, est, with_crossover=several)  # the mix's what-ifs only where they apply
        rec = dec.recommendation
        full = est.best(full_precision=True)
        quant = est.best(full_precision=False)
        f = math.nan if full is None else float(full["monthly_usd"])
        q = math.nan if quant is None else float(quant["monthly_usd"])
        name = s.name
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        t = s.traffic
        rows.append(
            {
                "scenario": name,
                "model": est.model.name,
                "traffic": f"{t.requests_per_s:g} req/s, {t.input_mean:,.0f}/{t.output_mean:,.0f} tokens",
                "backend": rec.backend_name,
                "instance": rec.instance or "nothing fits",
                "precision": bk.precisions[rec.precision].label if rec.precision else "",
                "tensor_parallel": rec.tensor_parallel,
                "instances": rec.instances,
                "monthly_usd": math.nan if rec.monthly_usd is None else rec.monthly_usd,
                "full_precision_usd": f,
                "quantized_usd": q,
                "saving_share": (f - q) / f if f > 0 and not math.isnan(q) else math.nan,
                "usd_per_million_tokens": math.nan
                if rec.usd_per_million_tokens is None
                else rec.usd_per_million_tokens,
                "classes": len(s.classes()),
                "plan": _plan(dec),
                "plan_monthly_usd": _plan_usd(dec, rec.monthly_usd),
                "autoscaled_usd": dec.week.autoscaled_monthly_usd if dec.week is not None else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
