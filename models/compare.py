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
]


def compare(scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario, in the given order (names made unique for display)."""
    bk = load_backends()
    rows = []
    seen: dict[str, int] = {}
    for s in scenarios:
        est = estimate(s)
        dec = evaluate(s, est, with_crossover=False)
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
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
