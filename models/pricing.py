"""Hourly prices by instance, region and platform; bundled or a user's own list."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from models._resources import Column, DataError, parse_table, read_table, read_text

PRICES_CSV = "pricing/prices.csv"

PRICE_SCHEMA: dict[str, Column] = {
    "instance": Column("str"),
    "region": Column("str"),
    "platform": Column("str", choices=("ec2", "sagemaker")),
    "usd_per_hour": Column("float", required=False, minimum=0, maximum=100_000),
}

PRICING_OPTIONS = ("on_demand", "savings_plan", "reserved", "spot")


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """An hourly price and where it came from; ``usd_per_hour`` None means unknown."""

    usd_per_hour: float | None
    list_usd_per_hour: float | None
    source: str
    as_of: str


@dataclass(frozen=True)
class PriceTable:
    """Prices keyed by (instance, region, platform); ``name`` says which list is in use."""

    frame: pd.DataFrame
    name: str = "bundled"
    content: str = ""

    def __hash__(self) -> int:  # frames are not hashable; the list's text identifies it
        return hash((self.name, self.content))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PriceTable) and (self.name, self.content) == (other.name, other.content)

    @property
    def regions(self) -> list[str]:
        return sorted(self.frame["region"].unique().tolist())

    @property
    def lookup(self) -> dict[tuple[str, str, str], tuple[float | None, str, str]]:
        return _lookup(self)

    def quote(
        self, instance: str, region: str, platform: str, option: str = "on_demand", discount: float = 0.0
    ) -> PriceQuote:
        """Price per hour after the user's discount (never invented when unknown)."""
        hit = self.lookup.get((instance, region, platform))
        if hit is None or hit[0] is None:
            src = hit[1] if hit else f"no price for {instance} in {region} on {platform}"
            return PriceQuote(None, None, src, hit[2] if hit else "")
        price, source, as_of = hit
        factor = 1.0 - (discount if option != "on_demand" else 0.0)
        return PriceQuote(price * factor, price, source, as_of)


@lru_cache(maxsize=8)
def _lookup(table: PriceTable) -> dict[tuple[str, str, str], tuple[float | None, str, str]]:
    out: dict[tuple[str, str, str], tuple[float | None, str, str]] = {}
    for r in table.frame.to_dict("records"):
        value = r["usd_per_hour"]
        price = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        out[(r["instance"], r["region"], r["platform"])] = (price, r["source"], r["as_of"] or "")
    return out


def _check_duplicates(frame: pd.DataFrame, name: str) -> None:
    dup = frame.duplicated(subset=["instance", "region", "platform"], keep="first")
    if dup.any():
        first = int(dup.to_numpy().nonzero()[0][0])
        r = frame.iloc[first]
        raise DataError(
            f"{name}: row {first + 2}: a second price for {r['instance']} in {r['region']} on {r['platform']}."
        )


@lru_cache(maxsize=1)
def load_prices() -> PriceTable:
    """The bundled price list."""
    frame = read_table(PRICES_CSV, PRICE_SCHEMA)
    _check_duplicates(frame, f"data/{PRICES_CSV}")
    return PriceTable(frame=frame, name="bundled")


def parse_price_list(text: str, name: str) -> PriceTable:
    """A user's price list from its CSV text (same columns as the bundled one)."""
    frame = parse_table(text, PRICE_SCHEMA, name)
    if frame.empty:
        raise DataError(f"{name}: has a header but no price rows.")
    _check_duplicates(frame, name)
    return PriceTable(frame=frame, name=name, content=text)


@lru_cache(maxsize=8)
def price_table_from_text(name: str, text: str) -> PriceTable:
    """A price list carried inside a scenario file (parsed once per content)."""
    return parse_price_list(text, name)


def load_price_list(path: str | Path) -> PriceTable:
    """Read and validate a user's price list file."""
    p = Path(path)
    return parse_price_list(read_text(p), p.name)
