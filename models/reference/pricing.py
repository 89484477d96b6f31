"""Hourly prices by instance, region and platform; bundled or a user's own list.

A user's list is a CSV with the bundled list's columns, or an AWS Price List offer file
(AmazonEC2 / AmazonSageMaker, JSON or CSV; read by ``models.reference.offer_files``). SageMaker
instances may be written with their ``ml.`` prefix (``ml.g5.12xlarge``); they are matched to the
catalog's ``g5.12xlarge``. A list either replaces the bundled prices or overrides them row by row
(``mode`` ``replace`` / ``override``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text
from lmi_explorer.models.tables import Column, Table, missing, parse_table, read_table

if TYPE_CHECKING:
    import pandas as pd

    from lmi_explorer.models.reference.offer_files import Progress

PRICES_CSV = "pricing/prices.csv"

PRICE_SCHEMA: dict[str, Column] = {
    "instance": Column("str"),
    "region": Column("str"),
    "platform": Column("str", choices=("ec2", "sagemaker")),
    "usd_per_hour": Column("float", required=False, minimum=0, maximum=100_000),
}

PRICING_OPTIONS = ("on_demand", "savings_plan", "reserved", "spot")
#: how a user's list combines with the bundled one: instead of it, or row by row on top of it
PRICE_MODES = ("replace", "override")
#: prices older than this many months are flagged in the window
STALE_MONTHS = 12


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
    #: ``replace``: only this list's rows; ``override``: its rows over the bundled ones
    mode: str = "replace"

    def __hash__(self) -> int:  # frames are not hashable; the list's text identifies it
        return hash((self.name, self.content, self.mode))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PriceTable) and (self.name, self.content, self.mode) == (
            other.name,
            other.content,
            other.mode,
        )

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
        price = hit[0] if hit else None
        if hit is None or price is None:
            src = hit[1] if hit else f"no price for {instance} in {region} on {platform}"
            return PriceQuote(None, None, src, hit[2] if hit else "")
        _, source, as_of = hit
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


def _strip_ml_prefix(table: Table, name: str) -> None:
    """``ml.g5.12xlarge`` (SageMaker's name) is the catalog's ``g5.12xlarge`` on SageMaker."""
    for i, r in enumerate(table.records):
        inst = r["instance"]
        if inst[:3].lower() == "ml.":
            if r["platform"] != "sagemaker":
                raise DataError(
                    f"{name}: row {i + 2}: {inst} is a SageMaker instance name but the platform is "
                    f"{r['platform']}; write sagemaker, or the instance without 'ml.'."
                )
            r["instance"] = inst[3:]


def parse_price_list(text: str, name: str, mode: str = "replace") -> PriceTable:
    """A user's price list from its CSV text (same columns as the bundled one)."""
    if mode not in PRICE_MODES:
        raise DataError(f"{name}: price list mode '{mode}' is not one of {', '.join(PRICE_MODES)}.")
    frame = parse_table(text, PRICE_SCHEMA, name)
    if frame.empty:
        raise DataError(f"{name}: has a header but no price rows.")
    _strip_ml_prefix(frame, name)
    _check_duplicates(frame, name)
    return PriceTable(table=frame, name=name, content=text, mode=mode)


@lru_cache(maxsize=8)
def price_table_from_text(name: str, text: str, mode: str = "replace") -> PriceTable:
    """A price list carried inside a scenario file (parsed once per content)."""
    return parse_price_list(text, name, mode)


@lru_cache(maxsize=8)
def with_bundled(user: PriceTable) -> PriceTable:
    """The bundled prices with a user's rows over them (bundled rows kept where the list has none)."""
    bundled = load_prices()
    mine = {(r["instance"], r["region"], r["platform"]) for r in user.table.records}
    kept = [r for r in bundled.table.records if (r["instance"], r["region"], r["platform"]) not in mine]
    columns = list(bundled.table.columns) + [c for c in user.table.columns if c not in bundled.table.columns]
    return PriceTable(Table(columns, user.table.records + kept), user.name, user.content, "override")


def not_in_catalog(table: PriceTable) -> tuple[str, ...]:
    """Instance names in the list (as written) that the hardware catalog lacks, in file order."""
    from lmi_explorer.models.reference.hardware import load_hardware

    known = load_hardware().instances
    seen: dict[str, None] = {}
    for r in table.table.records:
        if r["instance"] not in known:
            seen[r["instance"]] = None
    return tuple(seen)


def check_usable(table: PriceTable) -> tuple[str, ...]:
    """Refuse a list none of whose rows names a catalog instance; return the names it lacks."""
    unknown = not_in_catalog(table)
    rows = {r["instance"] for r in table.table.records}
    if rows and set(unknown) >= rows:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise DataError(
            f"{table.name}: none of its rows names an instance in the catalog ({shown}). Write instance types "
            "as AWS does, e.g. g5.12xlarge, or ml.g5.12xlarge for SageMaker; "
            "'lmi-explorer catalog instances' lists them."
        )
    return unknown


def load_price_list(path: str | Path) -> PriceTable:
    """Read and validate a user's price list CSV file."""
    p = Path(path)
    return parse_price_list(read_text(p), p.name)


@dataclass(frozen=True)
class LoadedPrices:
    """A price list read from a file, and what the user should hear about it."""

    table: PriceTable
    #: instance names the catalog lacks (rows that can never match)
    not_in_catalog: tuple[str, ...]
    #: what was read: the offer file's summary, or the CSV's row count
    summary: str
    offer_file: bool = False


def load_price_file(
    path: str | Path, *, regions: list[str] | None = None, progress: Progress | None = None
) -> LoadedPrices:
    """A price list CSV or an AWS offer file (recognised by its content), validated and checked against the catalog.

    Offer files are read streaming (``progress(bytes_read, total)``; returning False cancels with
    ``offer_files.ImportCancelled``); price list CSVs are small and read whole.
    """
    from lmi_explorer.models.reference import offer_files

    p = Path(path)
    if offer_files.offer_code_of(p) is not None or _looks_like_json(p):
        result = offer_files.read_offer_file(p, regions=regions, progress=progress)
        offer_files.refuse_empty(result, regions)
        table = parse_price_list(result.to_csv(), p.name)
        return LoadedPrices(table, result.not_in_catalog, result.summary(), offer_file=True)
    table = load_price_list(p)
    unknown = check_usable(table)
    used = len(table.table) - sum(1 for r in table.table.records if r["instance"] in unknown)
    return LoadedPrices(table, unknown, f"{p.name}: {used} of {len(table.table)} row(s) used.")


def _looks_like_json(path: Path) -> bool:
    """A JSON file that is not an offer file gets the offer reader's message, not a CSV parser's."""
    try:
        with path.open("rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


@dataclass(frozen=True, slots=True)
class PriceAge:
    """How old the prices in use are, for the status bar."""

    median: str
    oldest: str
    months: int
    oldest_months: int
    stale: bool

    @property
    def text(self) -> str:
        age = "under a month old" if self.months <= 0 else f"{self.months} month{'s' if self.months != 1 else ''} old"
        extra = f"; oldest {self.oldest}" if self.oldest != self.median else ""
        return f"Prices as of {self.median} ({age}{extra})"

    @property
    def tooltip(self) -> str:
        base = f"Median 'as of' date of the prices in use: {self.median}; the oldest: {self.oldest}."
        if not self.stale:
            return base
        return (
            f"{base} Some prices are more than a year old ({self.oldest_months} months): AWS may have changed "
            "them. Download the AmazonEC2 or AmazonSageMaker offer file from the AWS Price List and load it "
            "with File ▸ Load price list."
        )


def _as_of_date(text: str) -> date | None:
    """``2025-01-26``, ``2025-01`` or ``2025`` as the first day they cover (None if unreadable)."""
    parts = text.strip()[:10].split("-")
    try:
        y = int(parts[0])
        m = int(parts[1]) if len(parts) > 1 else 1
        d = int(parts[2]) if len(parts) > 2 else 1
        return date(y, m, d)
    except (ValueError, IndexError):
        return None


def _months_between(then: date, today: date) -> int:
    months = (today.year - then.year) * 12 + today.month - then.month
    return max(0, months - (1 if today.day < then.day else 0))


def price_age(
    table: PriceTable, today: date, *, region: str | None = None, platform: str | None = None
) -> PriceAge | None:
    """Median and oldest 'as of' of the rows in use (those for ``region``/``platform`` when any match).

    Parameters
    ----------
    today : date
        The current date (injected, so tests can fix it).
    """
    rows = table.table.records
    chosen = [r for r in rows if (region is None or r["region"] == region) and (platform in (None, r["platform"]))]
    dated = sorted(
        (d, r["as_of"]) for r in (chosen or rows) if r["as_of"] and (d := _as_of_date(str(r["as_of"]))) is not None
    )
    if not dated:
        return None
    median_d = statistics.median_low([d for d, _ in dated])
    median_text = next(t for d, t in dated if d == median_d)
    oldest_d, oldest_text = dated[0]
    oldest_months = _months_between(oldest_d, today)
    return PriceAge(
        median=str(median_text)[:7],
        oldest=str(oldest_text)[:7],
        months=_months_between(median_d, today),
        oldest_months=oldest_months,
        stale=oldest_months > STALE_MONTHS,
    )
