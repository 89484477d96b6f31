"""Which option a deployment is for: the recommendation, or one named BACKEND:INSTANCE:PRECISION[:TP].

Every refusal says what is wrong and what to pick instead; nothing is generated for an option
that does not fit, a backend the release lacks or an instance without a price.
"""

from __future__ import annotations

import math

import pandas as pd

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate.pipeline import Estimate
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.hardware import load_hardware


def parse_option(text: str) -> tuple[str, str, str, int | None]:
    """'vllm:g6e.xlarge:fp8[:1]' → (backend, instance, precision, TP or None)."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (3, 4) or not all(parts):
        raise DataError(
            f"--option {text}: give BACKEND:INSTANCE:PRECISION or BACKEND:INSTANCE:PRECISION:TP, "
            "e.g. vllm:g6e.xlarge:fp8:1 (a row of 'lmi-explorer estimate')."
        )
    tp: int | None = None
    if len(parts) == 4:
        try:
            tp = int(parts[3])
        except ValueError:
            why = f"--option {text}: the tensor-parallel degree '{parts[3]}' is not a whole number."
            raise DataError(why) from None
    return parts[0], parts[1], parts[2], tp


def choose(est: Estimate, option: str | None) -> pd.Series:
    """The option row to deploy: the cheapest that meets the targets, or the one named."""
    if option is None:
        if est.feasible.empty:
            raise DataError(
                "no option fits and meets the targets, so there is nothing to deploy: relax the latency targets, "
                "allow more instance families or precisions, or name an option with --option."
            )
        return est.feasible.iloc[0]
    backend, instance, precision, tp = parse_option(option)
    bk = load_backends()
    lmi = est.scenario.deployment.lmi_release
    if backend not in bk.backends:
        raise DataError(f"--option {option}: unknown backend '{backend}' (known: {', '.join(bk.backends)}).")
    b = bk.backends[backend]
    if not b.available(lmi):
        until = f"from v{b.from_lmi}" + (f" to v{b.to_lmi}" if b.to_lmi else "")
        raise DataError(
            f"LMI v{lmi} has no {b.name}: it ships in LMI {until}. Pick another backend, or set the release to "
            "one that has it."
        )
    if instance not in load_hardware().instances:
        raise DataError(
            f"--option {option}: unknown instance type '{instance}' (see 'lmi-explorer catalog instances')."
        )
    o = est.options
    rows = o[(o["backend"] == backend) & (o["instance"] == instance) & (o["precision"] == precision)]
    if tp is not None:
        rows = rows[rows["tensor_parallel"] == tp]
    if rows.empty:
        raise DataError(
            f"--option {option}: the estimate has no such option for this scenario (is {precision} among the "
            "scenario's precisions, and the instance's family among its families?). 'lmi-explorer estimate "
            "--format csv' lists every option."
        )
    fitting = rows[rows["fits"].astype(bool)]
    if fitting.empty:
        raise DataError(f"{b.name} on {instance} at {precision} does not fit: {rows.iloc[0]['reason']}")
    row = fitting.sort_values("monthly_usd", na_position="last").iloc[0]
    if not math.isfinite(float(row["monthly_usd"])):
        region = est.scenario.deployment.region
        raise DataError(
            f"{instance} has no {est.scenario.deployment.platform} price in {region} in the price list in use: "
            "import a price list that has it (File ▸ Import prices, or --prices), or pick another instance."
        )
    return row
