"""Unit constants and formatting for people, in one place."""

from __future__ import annotations

import math

GIB = 2**30
MIB = 2**20
GB = 1e9


def usd(value: float | None, *, per: str = "") -> str:
    """'$12,345/mo' style; 'price unknown' for a missing price."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "price unknown"
    suffix = f"/{per}" if per else ""
    if abs(value) >= 100:
        return f"${value:,.0f}{suffix}"
    return f"${value:,.2f}{suffix}"


def seconds(value: float | None) -> str:
    """'1.2 s' or '350 ms'."""
    if value is None or not math.isfinite(value):
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"


def ms_per_token(value_ms: float | None) -> str:
    if value_ms is None or not math.isfinite(value_ms):
        return "–"
    return f"{value_ms:.0f} ms/token" if value_ms >= 10 else f"{value_ms:.1f} ms/token"


def gib(value_bytes: float | None) -> str:
    if value_bytes is None or not math.isfinite(value_bytes):
        return "–"
    g = value_bytes / GIB
    return f"{g:,.0f} GiB" if g >= 100 else f"{g:.1f} GiB"


def tokens(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if value >= 1e6:
        return f"{value / 1e6:.1f}M tokens"
    if value >= 1e4:
        return f"{value / 1e3:.0f}k tokens"
    return f"{value:,.0f} tokens"


def percent(value: float | None, digits: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value * 100:.{digits}f} %"
