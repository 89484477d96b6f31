"""Hostile files: each case is (id, how to build the file's bytes from a valid one, what the user is told).

``None`` as the message means the file is accepted. Shared by the model-level and window-level tests.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lmi_explorer.models.scenario import default_scenario, to_dict


@dataclass(frozen=True)
class Hostile:
    """One hostile input: ``build`` turns the valid file's bytes into the hostile ones."""

    id: str
    build: Callable[[bytes], bytes]
    message: str | None  # fragment the error names (field, row, what to do); None = accepted


def valid_scenario_bytes() -> bytes:
    return json.dumps(to_dict(default_scenario().with_changes(name="Current")), indent=2).encode()


def _doc(change: Callable[[dict[str, Any]], None]) -> Callable[[bytes], bytes]:
    def build(raw: bytes) -> bytes:
        doc = json.loads(raw)
        change(doc)
        return json.dumps(doc).encode()

    return build


def _text(old: str, new: str) -> Callable[[bytes], bytes]:
    def build(raw: bytes) -> bytes:
        text = json.dumps(json.loads(raw))
        assert old in text
        return text.replace(old, new, 1).encode()

    return build


def _set(section: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc[section].__setitem__(key, value)


def _junk(size: int) -> bytes:
    rng = random.Random(7)
    return bytes(rng.randrange(256) for _ in range(size))


CUSTOM = {"params_billion": 7.0, "hidden_size": 4096, "heads": 32, "kv_heads": 8, "vocab_size": 32000, "context": 4096}
RATE = '"requests_per_s": 2.0'

SCENARIO_CASES = [
    Hostile(
        "text for a number",
        _doc(_set("traffic", "requests_per_s", "fast")),
        "traffic.requests_per_s: expected a number",
    ),
    Hostile(
        "list for an object",
        _doc(lambda d: d.__setitem__("deployment", [1, 2])),
        "deployment: expected an object, got list",
    ),
    Hostile("number for text", _doc(_set("deployment", "region", 5)), "deployment.region: expected text"),
    Hostile(
        "true for a number",
        _doc(_set("deployment", "hours_per_month", True)),
        "deployment.hours_per_month: expected a number",
    ),
    Hostile(
        "fraction for a whole number",
        _doc(_set("deployment", "min_instances", 1.5)),
        "deployment.min_instances: expected a whole number",
    ),
    Hostile(
        "text for true/false",
        _doc(lambda d: d.__setitem__("model", {"custom": {**CUSTOM, "layers": 32, "tied_embeddings": "no"}})),
        "model.custom.tied_embeddings: expected true or false",
    ),
    Hostile(
        "missing required field",
        _doc(lambda d: d.__setitem__("model", {"custom": CUSTOM})),
        "model.custom.layers: missing",
    ),
    Hostile("missing model id", _doc(lambda d: d.__setitem__("model", {})), "model.catalog_id: missing"),
    Hostile("missing schema_version", _doc(lambda d: d.pop("schema_version")), "schema_version: missing"),
    Hostile("missing optional fields", _doc(lambda d: d["traffic"].pop("requests_per_s")), None),
    Hostile("extra field", _doc(_set("traffic", "bogus", 1)), "traffic: unknown field(s) bogus"),
    Hostile(
        "extra top-level field", _doc(lambda d: d.__setitem__("macro", "=cmd")), "scenario: unknown field(s) macro"
    ),
    Hostile("NaN", _text(RATE, '"requests_per_s": NaN'), "'NaN' is not a valid number"),
    Hostile("Infinity", _text(RATE, '"requests_per_s": Infinity'), "'Infinity' is not a valid number"),
    Hostile(
        "overflowing literal 1e999",
        _text(RATE, '"requests_per_s": 1e999'),
        "traffic.requests_per_s: must be a finite number",
    ),
    Hostile("negative rate", _doc(_set("traffic", "requests_per_s", -3)), "traffic.requests_per_s: -3 is out of range"),
    Hostile("zero rate", _doc(_set("traffic", "requests_per_s", 0)), "traffic.requests_per_s: 0 is out of range"),
    Hostile(
        "1e308 requests/s",
        _doc(_set("traffic", "requests_per_s", 1e308)),
        "traffic.requests_per_s: 1e+308 is out of range",
    ),
    Hostile(
        "5e-324 requests/s",
        _doc(_set("traffic", "requests_per_s", 5e-324)),
        "traffic.requests_per_s: 4.94066e-324 is out of range",
    ),
    Hostile("10-million-token output", _doc(_set("traffic", "output_mean", 10_000_000)), None),
    Hostile(
        "100-million-token output",
        _doc(_set("traffic", "output_mean", 100_000_000)),
        "traffic.output_mean: 1e+08 is out of range",
    ),
    Hostile(
        "negative hours",
        _doc(_set("deployment", "hours_per_month", -1)),
        "deployment.hours_per_month: -1 is out of range",
    ),
    Hostile(
        "10**400 instances",
        _doc(_set("deployment", "min_instances", 10**400)),
        "the 401-digit number 100000000000… is not a valid value",
    ),
    Hostile(
        "5,000-digit number",
        _text(RATE, '"requests_per_s": ' + "9" * 5000),
        "the 5000-digit number 999999999999… is not a valid value",
    ),
    Hostile(
        "unknown precision",
        _doc(_set("deployment", "precisions", ["bf16", "int3"])),
        "deployment.precisions: 'int3' is unknown",
    ),
    Hostile("newer schema", _doc(lambda d: d.__setitem__("schema_version", 99)), "Update LMI Explorer to open it"),
    Hostile(
        "huge file (3 MB)",
        lambda raw: raw[:-2] + b', "pad": "' + b"x" * 3_000_000 + b'"}',
        "larger than the 2 MiB limit",
    ),
    Hostile(
        "Latin-1 encoding", lambda raw: raw.replace(b'"Current"', '"Café"'.encode("latin-1")), "not UTF-8 text (byte"
    ),
    Hostile("UTF-16 encoding", lambda raw: raw.decode().encode("utf-16"), "saved as UTF-16; save the file as UTF-8"),
    Hostile("UTF-8 BOM", lambda raw: b"\xef\xbb\xbf" + raw, None),
    Hostile("truncated", lambda raw: raw[: len(raw) // 2], "not valid JSON (line"),
    Hostile("empty file", lambda raw: b"", "not valid JSON (line 1, column 1"),
    Hostile("binary junk", lambda raw: _junk(4096), "looks like a binary file"),
    Hostile("binary without NUL bytes", lambda raw: bytes(b or 1 for b in _junk(4096)), "not UTF-8 text"),
    Hostile("deeply nested JSON", lambda raw: b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    Hostile("deeply nested object", lambda raw: b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
    Hostile("array at top level", lambda raw: b"[" + raw + b"]", "scenario: expected an object, got list"),
    Hostile(
        "control characters in text",
        _doc(lambda d: d.__setitem__("name", "bad\x07name")),
        "name: contains control characters",
    ),
    Hostile("lone surrogate in text", _text('"Current"', '"\\ud800"'), "name: contains control characters"),
    Hostile(
        "bad row in the embedded price list",
        _doc(
            lambda d: d.__setitem__(
                "price_list",
                {
                    "name": "mine.csv",
                    "csv": "instance,region,platform,"
                    "usd_per_hour,source,as_of\ng5.xlarge,us-east-1,sagemaker,"
                    "-2,quote,2026\n",
                },
            )
        ),
        "price_list: mine.csv: row 2, column 'usd_per_hour': -2 is below the minimum 0",
    ),
]

PRICE_HEADER = "instance,region,platform,usd_per_hour,source,as_of\n"
PRICE_ROWS = (
    "g5.xlarge,us-east-1,sagemaker,1.50,negotiated,2026-11\ng6.xlarge,us-east-1,sagemaker,1.20,negotiated,2026-11\n"
)


def valid_price_bytes() -> bytes:
    return (PRICE_HEADER + PRICE_ROWS).encode()


def _cell(old: str, new: str) -> Callable[[bytes], bytes]:
    def build(raw: bytes) -> bytes:
        assert old.encode() in raw
        return raw.replace(old.encode(), new.encode(), 1)

    return build


PRICE_CASES = [
    Hostile("text for a number", _cell("1.50", "cheap"), "row 2, column 'usd_per_hour': 'cheap' is not a number"),
    Hostile("wrong choice", _cell("sagemaker", "azure"), "row 2, column 'platform': 'azure' is not one of ec2"),
    Hostile(
        "missing column",
        lambda raw: b"\n".join(b",".join(line.split(b",")[:5]) for line in raw.split(b"\n")),
        "missing column(s) as_of",
    ),
    Hostile(
        "extra column",
        lambda raw: raw.replace(b"as_of\n", b"as_of,note\n").replace(b"2026-11\n", b"2026-11,=1+1\n"),
        None,
    ),
    Hostile("empty price (unknown)", _cell("1.50", ""), None),
    Hostile(
        "empty required cell", _cell("g5.xlarge", ""), "row 2, column 'instance': is empty but a value is required"
    ),
    Hostile("NaN", _cell("1.50", "NaN"), "row 2, column 'usd_per_hour': 'NaN' is not a finite number"),
    Hostile("inf", _cell("1.20", "inf"), "row 3, column 'usd_per_hour': 'inf' is not a finite number"),
    Hostile("negative price", _cell("1.50", "-1.5"), "row 2, column 'usd_per_hour': -1.5 is below the minimum 0"),
    Hostile("absurd price 1e308", _cell("1.50", "1e308"), "row 2, column 'usd_per_hour': 1e308 is above the maximum"),
    Hostile("huge file (6 MB)", lambda raw: raw + PRICE_ROWS.encode() * 60_000, "larger than the 5 MiB limit"),
    Hostile(
        "Latin-1 encoding",
        lambda raw: raw.replace(b"negotiated", "négocié".encode("latin-1"), 1),
        "not UTF-8 text (byte",
    ),
    Hostile("UTF-16 encoding", lambda raw: raw.decode().encode("utf-16"), "saved as UTF-16; save the file as UTF-8"),
    Hostile("UTF-8 BOM", lambda raw: b"\xef\xbb\xbf" + raw, None),
    Hostile("old Mac line ends", lambda raw: raw.replace(b"\n", b"\r"), None),
    Hostile(
        "truncated mid-row", lambda raw: raw[: raw.index(b"g6.xlarge") + 20], "row 3 has 3 cells but the header has 6"
    ),
    Hostile(
        "unclosed quote", _cell("g6.xlarge", '"g6.xlarge'), "line 3: not a readable CSV file (unexpected end of data)"
    ),
    Hostile(
        "truncated inside a quoted cell",
        lambda raw: raw.replace(b"1.20,negotiated", b'1.20,"negotiated')[:-5],
        "line 3: not a readable CSV file (unexpected end of data); check the quotes, and that the file is complete",
    ),
    Hostile("empty file", lambda raw: b"", "the file is empty; expected a header row"),
    Hostile("header only", lambda raw: PRICE_HEADER.encode(), "has a header but no price rows"),
    Hostile("binary junk", lambda raw: _junk(4096), "looks like a binary file"),
    Hostile("binary without NUL bytes", lambda raw: bytes(b or 1 for b in _junk(4096)), "not UTF-8 text"),
    Hostile("duplicate row", lambda raw: raw + raw.split(b"\n")[1] + b"\n", "row 4: a second price for g5.xlarge"),
    Hostile(
        "duplicate column",
        lambda raw: raw.replace(b"as_of\n", b"as_of,instance\n").replace(b"2026-11\n", b"2026-11,x\n"),
        "column(s) instance appear more than once",
    ),
    Hostile("semicolons for commas", lambda raw: raw.replace(b",", b";"), "Separate the columns with commas"),
    Hostile(
        "control characters",
        _cell("negotiated", "nego\x1btiated"),
        "row 2, column 'source': contains control characters",
    ),
    Hostile("over-long cell", _cell("negotiated", "n" * 200_000), "line 2: not a readable CSV file (field larger than"),
]
