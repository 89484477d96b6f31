"""Hourly prices by instance, region and platform; bundled or a user's own list."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text
from lmi_explorer.models.tables import Column, Table, missing, parse_table, read_table

if TYPE_CHECKING:
    import pandas as pd

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

    table: Table
    name: str = "bundled"
    content: str = ""

    def __hash__(self) -> int:  # frames are not hashable; the list's text identifies it
        return hash((self.name, self.content))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PriceTable) and (self.name, self.content) == (other.name, other.content)

    @property
    def frame(self) -> pd.DataFrame:
        """The list as a pandas frame (for listings and checks)."""
        return self.table.frame

    @property
    def regions(self) -> list[str]:
        return sorted(set(self.table["region"]))

    @property
    def as_of_dates(self) -> tuple[str, ...]:
        """The distinct 'as of' dates of the list's sources, oldest first."""
        return _as_of_dates(self)

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
def _as_of_dates(table: PriceTable) -> tuple[str, ...]:
    return tuple(sorted({d for d in table.table["as_of"] if d}))


@lru_cache(maxsize=8)
def _lookup(table: PriceTable) -> dict[tuple[str, str, str], tuple[float | None, str, str]]:
    out: dict[tuple[str, str, str], tuple[float | None, str, str]] = {}
    for r in table.table.records:
        value = r["usd_per_hour"]
        price = None if missing(value) else float(value)
        out[(r["instance"], r["region"], r["platform"])] = (price, r["source"], r["as_of"] or "")
    return out


def _check_duplicates(table: Table, name: str) -> None:
    seen: set[tuple[str, str, str]] = set()
    for i, r in enumerate(table.records):
        key = (r["instance"], r["region"], r["platform"])
        if key in seen:
            raise DataError(
                f"{name}: row {i + 2}: a second price for {r['instance']} in {r['region']} on {r['platform']}."
            )
        seen.add(key)


@lru_cache(maxsize=1)
def load_prices() -> PriceTable:
    """The bundled price list."""
    frame = read_table(PRICES_CSV, PRICE_SCHEMA)
    _check_duplicates(frame, f"data/{PRICES_CSV}")
    return PriceTable(table=frame, name="bundled")


def parse_price_list(text: str, name: str) -> PriceTable:
    """A user's price list from its CSV text (same columns as the bundled one)."""
    frame = parse_table(text, PRICE_SCHEMA, name)
    if frame.empty:
        raise DataError(f"{name}: has a header but no price rows.")
    _check_duplicates(frame, name)
    return PriceTable(table=frame, name=name, content=text)


@lru_cache(maxsize=8)
def price_table_from_text(name: str, text: str) -> PriceTable:
    """A price list carried inside a scenario file (parsed once per content)."""
    return parse_price_list(text, name)


def load_price_list(path: str | Path) -> PriceTable:
    """Read and validate a user's price list file."""
    p = Path(path)
    return parse_price_list(read_text(p), p.name)
