"""Tables for export: the options frame made safe for spreadsheets."""

from __future__ import annotations

import pandas as pd

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
