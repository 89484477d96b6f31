"""AWS Price List offer files (AmazonEC2, AmazonSageMaker) read as a price list, streaming.

An offer file is what the AWS Price List Bulk API publishes per service, for every region
(``/offers/v1.0/aws/AmazonEC2/current/index.json``) or one (``…/current/us-east-1/index.csv``).
The format, as documented in "Reading the service price list file for an AWS service"
(https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-service-price-list-file-for-services.html,
also https://docs.amazonaws.cn/en_us/awsaccountbilling/latest/aboutv2/reading-service-price-list-file-for-services.html)
and "Getting price list files using the AWS Price List Bulk API"
(https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-ppslong.html):

- **JSON**: ``formatVersion``, ``disclaimer``, ``offerCode``, ``version``, ``publicationDate``, then
  ``products`` (SKU → ``{sku, productFamily, attributes}``) and ``terms`` (``OnDemand``/``Reserved`` →
  SKU → offer term code → ``{priceDimensions: {rate code → {unit, pricePerUnit: {USD: "…"}}}}``).
- **CSV**: five metadata lines (``FormatVersion``, ``Disclaimer``, ``Publication Date``, ``Version``,
  ``OfferCode``), then a header (``SKU``, ``OfferTermCode``, ``RateCode``, ``TermType``,
  ``PriceDescription``, …, ``Unit``, ``PricePerUnit``, ``Currency``, …, the product attributes with
  display names such as ``Instance Type``, ``Operating System``, ``Pre Installed S/W``,
  ``CapacityStatus``, ``Region Code``), one row per price dimension.

Attribute names are compared after lower-casing and dropping everything but letters and digits, so the
JSON ``preInstalledSw`` and the CSV ``Pre Installed S/W`` are one attribute (``preinstalledsw``).

Kept: EC2 on-demand, Linux, shared tenancy, no pre-installed software, capacity status ``Used``
(not capacity blocks or reservations), per instance type and region; SageMaker real-time inference
hosting (``component`` ``Hosting``, usage type ``…Host:ml.…``; not Training, Notebook, Studio,
Processing, Batch Transform or asynchronous inference), per ``ml.`` instance and region. Only hourly
prices in USD above zero are kept. The files are several GB: JSON is scanned one product and one term
at a time (``json.JSONDecoder.raw_decode`` over a sliding buffer) and the scan stops once the products
and the on-demand terms are read (the reserved terms that follow are never read); CSV is read row by
row. Progress is reported in bytes, and the read can be cancelled.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.tables import Column, read_table

log = logging.getLogger(__name__)

#: offer code → the app's platform
SERVICES = {"AmazonEC2": "ec2", "AmazonSageMaker": "sagemaker"}
REGIONS_CSV = "pricing/regions.csv"
CHUNK = 1 << 20
#: a single product or term larger than this is not an offer file's
MAX_VALUE = 8 << 20
HOURLY_UNITS = {"hrs", "hr", "hours", "hour"}
_SAGEMAKER_HOSTING_USAGE = re.compile(r"(?:^|-)Host:", re.IGNORECASE)
_OFFER_CODE = re.compile(r'"offerCode"\s*:\s*"([^"]*)"')

#: ``progress(bytes_read, total_bytes)``; returning False cancels the read
Progress = Callable[[int, int], "bool | None"]


class ImportCancelled(Exception):
    """The user stopped the read; nothing was imported."""


@dataclass(frozen=True, slots=True)
class OfferPrice:
    """One hourly on-demand price read from an offer file (instance without the ``ml.`` prefix)."""

    instance: str
    region: str
    platform: str
    usd_per_hour: float


@dataclass(frozen=True)
class OfferImport:
    """What an offer file gave: the prices kept and what was left out, with the file's identity."""

    file_name: str
    offer_code: str
    version: str
    publication_date: str
    prices: tuple[OfferPrice, ...]
    #: instance names (as the file writes them) priced in the file but not in the app's catalog
    not_in_catalog: tuple[str, ...] = ()
    unknown_locations: tuple[str, ...] = ()
    conflicts: int = 0
    bytes_read: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def platform(self) -> str:
        return SERVICES[self.offer_code]

    @property
    def as_of(self) -> str:
        """The publication date (YYYY-MM-DD), else the version's date."""
        if self.publication_date:
            return self.publication_date[:10]
        v = self.version
        return f"{v[:4]}-{v[4:6]}-{v[6:8]}" if len(v) >= 8 and v[:8].isdigit() else ""

    @property
    def source(self) -> str:
        parts = [f"version {self.version}"] if self.version else []
        if self.publication_date:
            parts.append(f"publicationDate {self.publication_date}")
        return f"AWS Price List {self.offer_code} offer file {self.file_name}" + (
            f" ({', '.join(parts)})" if parts else ""
        )

    @property
    def regions(self) -> list[str]:
        return sorted({p.region for p in self.prices})

    def to_csv(self) -> str:
        """The prices as a price list CSV with the bundled list's columns."""
        note = (
            "on-demand, Linux, shared tenancy, no pre-installed software"
            if self.platform == "ec2"
            else "real-time inference (Hosting), on-demand"
        )
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["instance", "region", "platform", "usd_per_hour", "source", "as_of", "notes"])
        for p in sorted(self.prices, key=lambda p: (p.instance, p.region)):
            w.writerow([p.instance, p.region, p.platform, _price_text(p.usd_per_hour), self.source, self.as_of, note])
        return out.getvalue()

    def summary(self) -> str:
        """One line: what was read and what was kept."""
        instances = len({p.instance for p in self.prices})
        text = (
            f"{self.offer_code} offer file {self.file_name} ({self.as_of or 'undated'}): {len(self.prices)} "
            f"price(s) for {instances} instance type(s) in {len(self.regions)} region(s)"
        )
        if self.not_in_catalog:
            text += f"; {len(self.not_in_catalog)} instance type(s) not in the catalog left out"
        if self.unknown_locations:
            text += f"; unknown location(s) left out: {', '.join(self.unknown_locations[:5])}"
        return text + "."


def _price_text(value: float) -> str:
    return (f"{value:.10f}").rstrip("0").rstrip(".")


def _norm(name: str) -> str:
    """Attribute name as both forms of the file write it: ``Pre Installed S/W`` → ``preinstalledsw``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=1)
def location_regions() -> dict[str, str]:
    """Offer files' location names (``US East (N. Virginia)``) → region codes (``us-east-1``)."""
    table = read_table(REGIONS_CSV, {"location": Column("str"), "region": Column("str")})
    return {r["location"]: r["region"] for r in table.records}


def _catalog_instances() -> frozenset[str]:
    from lmi_explorer.models.reference.hardware import load_hardware

    return frozenset(load_hardware().instances)


# --- which products are kept


def _instance_name(attrs: dict[str, str], service: str) -> str:
    if service == "AmazonSageMaker":
        name = attrs.get("instancename", "")
        if not name and ":" in attrs.get("usagetype", ""):
            name = attrs["usagetype"].split(":", 1)[1]
        # instanceType may carry the component ("ml.g5.xlarge-hosting"); instance names themselves
        # can hold a hyphen (p6-b200.48xlarge), so only a suffix after the size is dropped
        return name or re.sub(r"(\.[0-9a-z]+)-[a-z-]+$", r"\1", attrs.get("instancetype", ""))
    return attrs.get("instancetype", "")


def _is_wanted(attrs: dict[str, str], service: str) -> bool:
    """Whether a product is one the app prices (see the module docstring)."""

    def eq(key: str, value: str, *, required: bool = True) -> bool:
        have = attrs.get(key)
        return (not required) if have is None else have.strip().lower() == value

    if not eq("locationtype", "aws region", required=False):
        return False
    if service == "AmazonEC2":
        family = attrs.get("productfamily")
        if family is not None and not family.lower().startswith("compute instance"):
            return False
        return (
            bool(attrs.get("instancetype"))
            and eq("operatingsystem", "linux")
            and eq("tenancy", "shared")
            and eq("preinstalledsw", "na")
            and eq("capacitystatus", "used")
            and eq("marketoption", "ondemand", required=False)
            and eq("licensemodel", "no license required", required=False)
        )
    name = _instance_name(attrs, service)
    if not name.lower().startswith("ml."):
        return False
    component, usage = attrs.get("component"), attrs.get("usagetype")
    if component is None and usage is None:
        return False  # nothing says it is hosting rather than training or a notebook
    if component is not None and component.strip().lower() != "hosting":
        return False
    return usage is None or bool(_SAGEMAKER_HOSTING_USAGE.search(usage))


def _hourly_usd(unit: str, currency: str, price: str, begin: str = "0") -> float | None:
    if unit.strip().lower() not in HOURLY_UNITS or currency.strip().upper() != "USD":
        return None
    if begin.strip() not in ("", "0"):
        return None  # a later tier of a tiered price
    try:
        value = float(price)
    except ValueError:
        return None
    return value if value > 0 and value < 100_000 else None  # 0: capacity-block placeholders


class _Collector:
    """Turns kept products and their on-demand prices into rows, counting what is left out."""

    def __init__(self, file_name: str, regions: Iterable[str] | None, instances: frozenset[str] | None) -> None:
        self.file_name = file_name
        self.regions = set(regions) if regions else None
        self.catalog = instances
        self.locations = location_regions()
        self.products: dict[str, tuple[str, str, str, str]] = {}  # sku → (service, name, instance, region)
        self.prices: dict[tuple[str, str, str], float] = {}
        self.not_in_catalog: set[str] = set()
        self.unknown_locations: set[str] = set()
        self.conflicts = 0

    def product(self, sku: str, attrs: dict[str, str], service: str) -> tuple[str, str, str, str] | None:
        if service not in SERVICES or not _is_wanted(attrs, service):
            return None
        region = attrs.get("regioncode") or self.locations.get(attrs.get("location", ""), "")
        if not region:
            self.unknown_locations.add(attrs.get("location", "(none)"))
            return None
        if self.regions is not None and region not in self.regions:
            return None
        name = _instance_name(attrs, service)
        instance = name[3:] if name.lower().startswith("ml.") else name
        if self.catalog is not None and instance not in self.catalog:
            self.not_in_catalog.add(name)
            return None
        rec = (service, name, instance, region)
        if sku:
            self.products[sku] = rec
        return rec

    def price(self, rec: tuple[str, str, str, str], value: float) -> None:
        service, _, instance, region = rec
        key = (instance, region, SERVICES[service])
        old = self.prices.get(key)
        if old is None:
            self.prices[key] = value
        elif abs(old - value) > 1e-9:
            self.conflicts += 1  # two SKUs for one instance and region: the first is kept

    def result(self, meta: dict[str, str], bytes_read: int) -> OfferImport:
        code = meta.get("offercode", "")
        prices = tuple(OfferPrice(i, r, p, v) for (i, r, p), v in self.prices.items())
        notes = (f"{self.conflicts} instance/region pair(s) had a second, different price; the first was kept.",)
        return OfferImport(
            file_name=self.file_name,
            offer_code=code,
            version=meta.get("version", ""),
            publication_date=meta.get("publicationdate", ""),
            prices=prices,
            not_in_catalog=tuple(sorted(self.not_in_catalog)),
            unknown_locations=tuple(sorted(self.unknown_locations)),
            conflicts=self.conflicts,
            bytes_read=bytes_read,
            notes=notes if self.conflicts else (),
        )


# --- recognising a file


def offer_code_of(path: str | Path) -> str | None:
    """The offer code of an AWS offer file (``""`` if it looks like one but names none), else None.

    Reads only the first few kilobytes, so telling a dropped file apart is instant.
    """
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(16384)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        m = _OFFER_CODE.search(text)
        if m:
            return m.group(1)
        return "" if '"formatVersion"' in text and '"disclaimer"' in text else None
    first = text.split("\n", 1)[0].replace('"', "").strip()
    if first.startswith("FormatVersion,"):
        for line in text.splitlines()[:6]:
            cells = next(csv.reader([line]), [])
            if len(cells) >= 2 and cells[0].strip() == "OfferCode":
                return cells[1].strip()
        return ""
    return None


def _check_service(code: str, name: str) -> None:
    if code and code not in SERVICES:
        raise DataError(
            f"{name}: an AWS Price List offer file for {code}, which has no instance prices this app uses. "
            "Load the AmazonEC2 or AmazonSageMaker offer file (JSON or CSV) instead."
        )


# --- reading


class _Reader:
    """Bytes of a file in chunks, with progress and cancel."""

    def __init__(self, fh: IO[bytes], total: int, progress: Progress | None, name: str) -> None:
        self.fh = fh
        self.total = total
        self.progress = progress
        self.name = name
        self.done = 0

    def read(self, n: int = CHUNK) -> bytes:
        chunk = self.fh.read(n)
        self.done += len(chunk)
        if self.progress is not None and self.progress(self.done, self.total) is False:
            raise ImportCancelled(self.name)
        return chunk


class _JsonStream:
    """An incremental scanner over JSON text: objects member by member, small values decoded whole."""

    _ws = re.compile(r"[ \t\r\n]*")

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.reader.read()
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{self.reader.name}: not UTF-8 text (near byte {self.reader.done}); is this an AWS offer file?"
            ) from exc
        self.eof = not chunk
        self.buf = self.buf[self.pos :] + text
        self.pos = 0
        return True

    def peek(self) -> str:
        while True:
            self.pos = self._ws.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def truncated(self, where: str) -> DataError:
        return DataError(
            f"{self.reader.name}: the file ends early, inside {where} (after {self.reader.done:,} bytes); "
            "it is probably an incomplete download. Download the offer file again."
        )

    def invalid(self, where: str, detail: str) -> DataError:
        return DataError(
            f"{self.reader.name}: not valid JSON in {where} (near byte {self.reader.done:,}: {detail}). "
            "Download the offer file again."
        )

    def expect(self, ch: str, where: str) -> None:
        c = self.peek()
        if c == "":
            raise self.truncated(where)
        if c != ch:
            raise self.invalid(where, f"expected '{ch}', found '{c}'")
        self.pos += 1

    def value(self, where: str, limit: int = MAX_VALUE) -> Any:
        """Decode the next value whole (a product, a term, a metadata string)."""
        while True:
            if self.peek() == "":
                raise self.truncated(where)
            try:
                obj, end = self.json.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:  # a number could go on in the next chunk
                    self.pos = end
                    return obj
            except json.JSONDecodeError as exc:
                if self.eof:
                    cut = exc.pos >= len(self.buf.rstrip()) - 1 or exc.msg.startswith("Unterminated")
                    raise (self.truncated(where) if cut else self.invalid(where, exc.msg)) from None
                if len(self.buf) - self.pos > limit:
                    raise _TooBig from None
            self._more()

    def members(self, where: str) -> Iterator[str]:
        """The keys of the object that starts here; the caller reads or skips each value."""
        self.expect("{", where)
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.truncated(where) if self.peek() == "" else self.invalid(where, "expected a key")
            key = self.value(where, limit=1 << 16)
            self.expect(":", where)
            yield key
            c = self.peek()
            if c == ",":
                self.pos += 1
            elif c == "}":
                self.pos += 1
                return
            elif c == "":
                raise self.truncated(where)
            else:
                raise self.invalid(where, f"expected ',' or '}}', found '{c}'")

    def skip(self, where: str) -> None:
        """Pass over a value of any size (a big one member by member)."""
        try:
            self.value(where, limit=CHUNK * 4)
            return
        except _TooBig:
            pass
        if self.peek() == "{":
            for _ in self.members(where):
                self.skip(where)
        elif self.peek() == "[":
            self.pos += 1
            if self.peek() == "]":
                self.pos += 1
                return
            while True:
                self.skip(where)
                c = self.peek()
                self.pos += 1
                if c == "]":
                    return
                if c != ",":
                    raise self.truncated(where) if c == "" else self.invalid(where, "expected ',' or ']'")
        else:
            raise self.invalid(where, "a value too large to be part of an offer file")


class _TooBig(Exception):
    pass


def _read_json(reader: _Reader, collect: _Collector) -> dict[str, str]:
    s = _JsonStream(reader)
    name = reader.name
    if s.peek() != "{":
        if s.peek() == "":
            raise DataError(f"{name}: the file is empty; choose an AWS offer file or a price list CSV.")
        raise DataError(f"{name}: not an AWS Price List offer file (it does not start with a JSON object).")
    meta: dict[str, str] = {}
    products_done = on_demand_done = False
    pending: dict[str, float] = {}  # on-demand prices met before their products (not seen in AWS files)
    for key in s.members("the file"):
        if key == "products":
            _check_service(meta.get("offercode", ""), name)
            for sku in s.members("products"):
                prod = s.value(f"product {sku}")
                if not isinstance(prod, dict):
                    raise s.invalid("products", f"product {sku} is not an object")
                attrs = {_norm(k): str(v) for k, v in (prod.get("attributes") or {}).items()}
                service = meta.get("offercode") or attrs.get("servicecode", "")
                rec = collect.product(sku, attrs, service)
                if rec is not None and sku in pending:
                    collect.price(rec, pending.pop(sku))
            products_done = True
        elif key == "terms":
            for term_type in s.members("terms"):
                if term_type != "OnDemand":
                    s.skip(f"terms.{term_type}")
                    continue
                for sku in s.members("terms.OnDemand"):
                    value = _term_price(s.value(f"the on-demand terms of {sku}"))
                    if value is None:
                        continue
                    rec = collect.products.get(sku)
                    if rec is not None:
                        collect.price(rec, value)
                    elif not products_done:
                        pending[sku] = value
                on_demand_done = True
                if products_done:
                    break  # the reserved terms that follow are not needed
        elif _norm(key) in _JSON_META:
            val = s.value(key)
            if isinstance(val, str | int | float):
                meta[_norm(key)] = str(val)
        else:
            s.skip(key)
        if products_done and on_demand_done:
            break
    code = meta.get("offercode", "")
    if not code or not (products_done and on_demand_done):
        missing = [
            k
            for k, done in (("offerCode", code), ("products", products_done), ("terms.OnDemand", on_demand_done))
            if not done
        ]
        raise DataError(
            f"{name}: a JSON file but not an AWS Price List offer file (no {', '.join(missing)}). "
            "Choose the AmazonEC2 or AmazonSageMaker offer file, or a price list CSV with the columns "
            "instance, region, platform, usd_per_hour, source, as_of."
        )
    _check_service(code, name)
    return meta


def _term_price(offers: Any) -> float | None:
    """The hourly USD price of one SKU's on-demand term(s)."""
    if not isinstance(offers, dict):
        return None
    for term in offers.values():
        dims = term.get("priceDimensions") if isinstance(term, dict) else None
        if not isinstance(dims, dict):
            continue
        for dim in dims.values():
            if not isinstance(dim, dict):
                continue
            per_unit = dim.get("pricePerUnit") or {}
            if not isinstance(per_unit, dict) or "USD" not in per_unit:
                continue
            value = _hourly_usd(str(dim.get("unit", "")), "USD", str(per_unit["USD"]), str(dim.get("beginRange", "0")))
            if value is not None:
                return value
    return None


_JSON_META = {"formatversion", "disclaimer", "offercode", "version", "publicationdate", "regioncode"}
_CSV_META = {"formatversion", "disclaimer", "publicationdate", "version", "offercode"}


def _read_csv(reader: _Reader, collect: _Collector) -> dict[str, str]:
    name = reader.name

    class _Raw(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            chunk = reader.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    text = io.TextIOWrapper(io.BufferedReader(_Raw(), CHUNK), encoding="utf-8-sig", newline="")
    rows = csv.reader(text, strict=True)
    meta: dict[str, str] = {}
    try:
        header: list[str] | None = None
        for row in rows:
            if len(row) == 2 and _norm(row[0]) in _CSV_META and header is None:
                meta[_norm(row[0])] = row[1].strip()
                continue
            header = row
            break
        if header is None or "offercode" not in meta:
            raise DataError(f"{name}: not an AWS Price List offer file (no OfferCode line before the header).")
        _check_service(meta["offercode"], name)
        cols = {_norm(h): i for i, h in enumerate(header)}
        need = ["termtype", "unit", "priceperunit"]
        lacking = [c for c in need if c not in cols]
        if lacking:
            raise DataError(f"{name}: the offer file's header lacks {', '.join(lacking)}; download it again.")
        attr_cols = [(k, i) for k, i in cols.items() if k not in ("sku", "termtype", "unit", "priceperunit")]
        i_term, i_unit, i_price = cols["termtype"], cols["unit"], cols["priceperunit"]
        i_cur, i_begin = cols.get("currency"), cols.get("startingrange")
        service = meta["offercode"]
        width = len(header)
        for row in rows:
            if len(row) != width:
                if not any(c.strip() for c in row):
                    continue
                raise DataError(
                    f"{name}: line {rows.line_num} has {len(row)} cells but the header has {width}; "
                    "the file may be incomplete. Download it again."
                )
            if row[i_term] != "OnDemand":
                continue
            value = _hourly_usd(
                row[i_unit],
                row[i_cur] if i_cur is not None else "USD",
                row[i_price],
                row[i_begin] if i_begin is not None else "0",
            )
            if value is None:
                continue
            attrs = {k: row[i] for k, i in attr_cols if row[i] != ""}
            rec = collect.product("", attrs, service)
            if rec is not None:
                collect.price(rec, value)
    except csv.Error as exc:
        raise DataError(
            f"{name}: line {rows.line_num}: not a readable CSV file ({exc}); the file may be incomplete. "
            "Download it again."
        ) from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text; is this an AWS offer file?") from exc
    return meta


def read_offer_file(
    path: str | Path,
    *,
    regions: Iterable[str] | None = None,
    instances: Iterable[str] | None = (),
    progress: Progress | None = None,
) -> OfferImport:
    """Read an AmazonEC2 or AmazonSageMaker offer file (JSON or CSV, all regions or one).

    Parameters
    ----------
    path : str | Path
        The offer file.
    regions : iterable of str, optional
        Keep only these region codes (default: every region in the file).
    instances : iterable of str | None
        Keep only these instance types (without ``ml.``); the default ``()`` means the app's catalog,
        None keeps every instance type.
    progress : callable, optional
        ``progress(bytes_read, total_bytes)``, called about once per MiB; returning False stops the
        read with :class:`ImportCancelled`.

    Returns
    -------
    OfferImport
        The prices kept, the instance names left out, and the file's version and publication date.
    """
    p = Path(path)
    name = p.name
    catalog = _catalog_instances() if instances == () else (None if instances is None else frozenset(instances))
    try:
        total = p.stat().st_size
        fh = p.open("rb")
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc}). Check the path and permissions.") from exc
    collect = _Collector(name, regions, catalog)
    with fh:
        reader = _Reader(fh, total, progress, name)
        head = fh.peek(64)[:64] if hasattr(fh, "peek") else b""
        kind = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        meta = _read_json(reader, collect) if kind in (b"{", b"[") else _read_csv(reader, collect)
        if progress is not None:
            progress(total, total)
    result = collect.result(meta, reader.done)
    log.info("read %s: %s", name, result.summary())
    return result


def refuse_empty(result: OfferImport, regions: Iterable[str] | None = None) -> None:
    """Raise a clear error when an offer file gave no price the app can use."""
    if result.prices:
        return
    where = f" in {', '.join(regions)}" if regions else ""
    what = (
        "EC2 on-demand Linux (shared tenancy)"
        if result.offer_code == "AmazonEC2"
        else "SageMaker real-time inference (Hosting)"
    )
    raise DataError(
        f"{result.file_name}: no {what} hourly USD price{where} for an instance in the catalog"
        + (f" (it prices {len(result.not_in_catalog)} other instance types)" if result.not_in_catalog else "")
        + ". Check the region and that this is the full offer file."
    )
