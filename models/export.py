"""Tables for export: the options frame made safe for spreadsheets; the recommendation card's text."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lmi_explorer.models.estimate.ranges import MIN_POINTS, WIDEN, Spread, spread_for
from lmi_explorer.models.reference.hardware import accelerator_label, load_hardware
from lmi_explorer.models.units import usd

if TYPE_CHECKING:  # pandas is not imported for the card text: the first window paints without it
    import pandas as pd

    from lmi_explorer.models.decision import Recommendation

#: a spreadsheet runs a text cell starting with one of these as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells a spreadsheet would run as a formula (=, +, -, @) with a quote."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith("str"):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v)
    return out


def neutralised_options(options: pd.DataFrame) -> pd.DataFrame:
    return neutralise_formulas(options)


# --------------------------------------------------------------------------- the recommendation card's text
# One wording for the card in the window, presentation mode, the deck and the assumptions view.

#: the metric behind a monthly cost's range: the cost scales as 1 / measured throughput
COST_METRIC = "output_tokens_per_s"
RESIDUALS_SOURCE = "data/calibration/residuals.csv (log(estimate / measured) after tools/fit_published.py)"


def recommendation_spread(rec: Recommendation) -> Spread | None:
    """The spread behind the recommended option's cost range (None without an instance)."""
    if rec.instance is None or not rec.backend:
        return None
    inst = load_hardware().instances.get(rec.instance)
    if inst is None:
        return None
    return spread_for(rec.backend, inst.accelerator, COST_METRIC)


def card_headline(rec: Recommendation) -> str:
    """'vLLM on 1 × g5.12xlarge — $5,176/mo (likely $4,900–6,800)'; the summary when nothing is recommended."""
    if rec.instance is None:
        return rec.summary
    likely = rec.likely_text.removesuffix("/mo")
    return f"{rec.backend_name} on {rec.instances} × {rec.instance} — {usd(rec.monthly_usd, per='mo')}" + (
        f" ({likely})" if likely else ""
    )


def spread_evidence(rec: Recommendation) -> str:
    """'measured throughput lay within −27 % … +37 % of the estimate for 80 % of 46 published points
    (TensorRT-LLM on L40S)', with the widening when the points are not this backend × accelerator's own;
    '' when there is no recommended option."""
    sp = recommendation_spread(rec)
    if sp is None or rec.instance is None:
        return ""
    acc = load_hardware().instances[rec.instance].accelerator
    w = WIDEN[sp.level]
    where = {
        "exact": f"{rec.backend_name} on {accelerator_label(acc)}",
        "backend": f"{rec.backend_name} on every accelerator: fewer than {MIN_POINTS} on {accelerator_label(acc)}",
        "all": f"every backend and accelerator: too few for {rec.backend_name}",
    }[sp.level]
    text = (
        f"measured throughput lay within {_share_range(sp.q10 / w, sp.q90 / w)} of the estimate for 80 % of "
        f"{sp.points} published points ({where})"
    )
    return text if sp.level == "exact" else text + f", widened ×{w:g} to {_share_range(sp.q10, sp.q90)}"


def card_range_tooltip(rec: Recommendation) -> str:
    """What the likely range on the card means, for its tooltip ('' without a range)."""
    sp = recommendation_spread(rec)
    if not rec.likely_text or sp is None:
        return ""
    return (
        f"{rec.likely_text[0].upper()}{rec.likely_text[1:]}: the monthly cost if throughput lands where the "
        f"measured throughput lay for 80 % of the {sp.text}.\n"
        f"There {spread_evidence(rec)}.\n"
        f"Lower throughput needs more instances, so the high end is the slow case. Source: {RESIDUALS_SOURCE}."
    )


def _share_range(q10: float, q90: float) -> str:
    """'−27 % … +37 %': measured / estimate − 1 for errors log(estimate / measured) from q90 to q10."""
    return f"{_signed(math.exp(-q90) - 1.0)} … {_signed(math.exp(-q10) - 1.0)}"


def _signed(share: float) -> str:
    """'−27 %' / '+37 %' (a true minus sign)."""
    return f"{'−' if share < 0 else '+'}{abs(share) * 100:.0f} %"
