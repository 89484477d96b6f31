"""Reading the shipped data tables, with validation that names file, row and column.

This is the only module that knows where `data/` lives, so a frozen bundle or a
user-supplied file needs one change here, not one per table.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import stat
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from models.table import Table

MAX_TABLE_BYTES = 5 * 1024 * 1024
#: control characters (other than tab and newlines) and lone surrogates: no table or scenario needs
#: them, and Qt, the slide deck's XML and UTF-8 output all choke on them
BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
STALE_TEMP_S = 60.0


class DataError(ValueError):
    """A data or input file is malformed; the message says where and what to do."""


@dataclass(frozen=True, slots=True)
class Column:
    """How one CSV column is read and checked.

    Parameters
    ----------
    kind : str
        ``str``, ``float``, ``int`` or ``bool``.
    required : bool
        Blank cells are refused when True; otherwise they read as ``None``/NaN.
    minimum, maximum : float | None
        Inclusive numeric bounds.
    choices : tuple[str, ...] | None
        Allowed values for text columns.
    """

    kind: str = "str"
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None


SOURCE_COLUMNS = {"source": Column("str"), "as_of": Column("str", required=False)}


def write_atomic(path: Path, payload: bytes) -> None:
    """Write via a temporary file in the same folder and a rename: never half a file.

    The file gets the usual permissions (as a plain ``open`` would, under the umask), not
    the private mode of a temporary file.
    """
    import os
    import tempfile

    _sweep_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sweep_stale_temps(path: Path) -> None:
    """Remove temporaries an earlier, killed save of ``path`` left behind (a live save takes well under a minute)."""
    import glob
    import time

    cutoff = time.time() - STALE_TEMP_S
    try:
        for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink(missing_ok=True)
    except OSError:
        pass  # an unreadable folder fails the save itself, with its own message


def data_root() -> Path:
    """Folder of the shipped tables (works from source and from a frozen bundle)."""
    return Path(str(resources.files("data")))


def read_text(path: Path, *, label: str | None = None, limit: int = MAX_TABLE_BYTES) -> str:
    """Read a text file as UTF-8 (BOM tolerated), refusing huge, binary or unreadable files.

    At most ``limit`` bytes are read, so a device or a file that grows while it is read cannot
    exhaust memory.
    """
    name = label or path.name
    too_big = f"{name}: larger than the {limit / 2**20:g} MiB limit; is this the right file?"
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a folder, or a device or pipe that would never end
            raise DataError(f"{name}: is not a regular file; choose a CSV or JSON file.")
        if st.st_size > limit:
            raise DataError(too_big)
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise DataError(f"{name}: cannot be read ({exc.strerror or exc}). Check the path and permissions.") from exc
    if len(raw) > limit:
        raise DataError(too_big)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{name}: saved as UTF-16; save the file as UTF-8 and try again.")
    if b"\x00" in raw:
        raise DataError(f"{name}: looks like a binary file, not text. Choose a CSV or JSON file.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text (byte {exc.start}). Save the file as UTF-8 and try again.") from exc


def _convert(value: str, col: Column, *, clean: bool = False) -> Any:
    """One cell as its column's type; ``clean``: the whole file was already found free of control characters.

    Messages say what is wrong with the value; the caller names the file, row and column.
    """
    text = value.strip()
    if text == "":
        if col.required:
            raise DataError("is empty but a value is required.")
        return None
    if not clean and BAD_TEXT.search(text):
        raise DataError("contains control characters; retype the value as plain text.")
    if col.kind == "str":
        if col.choices is not None and text not in col.choices:
            raise DataError(f"'{text}' is not one of {', '.join(col.choices)}.")
        return text
    if col.kind == "bool":
        low = text.lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        raise DataError(f"'{text}' is not true or false.")
    try:
        number = float(text)
    except ValueError as exc:
        raise DataError(f"'{text}' is not a number.") from exc
    if not math.isfinite(number):
        raise DataError(f"'{text}' is not a finite number.")
    if col.kind == "int":
        if number != int(number):
            raise DataError(f"'{text}' is not a whole number.")
        number = int(number)
    if col.minimum is not None and number < col.minimum:
        raise DataError(f"{text} is below the minimum {col.minimum:g}.")
    if col.maximum is not None and number > col.maximum:
        raise DataError(f"{text} is above the maximum {col.maximum:g}.")
    return number


def parse_table(text: str, schema: dict[str, Column], name: str) -> Table:
    """Parse CSV text against a schema; unknown extra columns are kept as text."""
    full = {**schema, **SOURCE_COLUMNS}
    # a UTF-8 BOM and old Mac line ends are what spreadsheets write; both are simply accepted
    # strict: a file cut off inside a quoted cell is refused, not read as a shorter cell
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=None), strict=True)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise DataError(f"{name}: the file is empty; expected a header row.") from exc
    except csv.Error as exc:
        raise DataError(f"{name}: not a readable CSV file ({exc}).") from exc
    header = [h.strip() for h in header]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise DataError(f"{name}: column(s) {', '.join(twice)} appear more than once in the header; keep one of each.")
    missing = [c for c in full if c not in header]
    if missing:
        hint = " Separate the columns with commas." if len(header) == 1 else ""
        raise DataError(f"{name}: missing column(s) {', '.join(missing)}.{hint}")
    index = {c: header.index(c) for c in header}
    columns = [(c, i, full.get(c, Column("str", required=False))) for c, i in index.items()]
    clean = BAD_TEXT.search(text) is None  # one scan of the file instead of one per cell
    records: list[dict[str, Any]] = []
    try:
        for line_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise DataError(f"{name}: row {line_no} has {len(row)} cells but the header has {len(header)}.")
            rec: dict[str, Any] = {}
            for col_name, idx, col in columns:
                try:
                    rec[col_name] = _convert(row[idx], col, clean=clean)
                except DataError as exc:  # the place is named only when something is wrong
                    raise DataError(f"{name}: row {line_no}, column '{col_name}': {exc}") from None
            records.append(rec)
    except csv.Error as exc:
        raise DataError(
            f"{name}: line {reader.line_num}: not a readable CSV file ({exc}); check the quotes, "
            "and that the file is complete."
        ) from exc
    return Table(header, records)


def read_table(relpath: str, schema: dict[str, Column]) -> Table:
    """Read and validate one shipped CSV table (``relpath`` under ``data/``)."""
    path = data_root() / relpath
    return parse_table(read_text(path, label=f"data/{relpath}"), schema, f"data/{relpath}")


def read_json(relpath: str) -> Any:
    """Read one shipped JSON file, naming it in any error."""
    path = data_root() / relpath
    text = read_text(path, label=f"data/{relpath}")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise DataError(f"data/{relpath}: line {exc.lineno}, column {exc.colno}: {exc.msg}.") from exc
    except RecursionError as exc:
        raise DataError(f"data/{relpath}: nested too deeply; reinstall the app's data.") from exc
    except DataError as exc:
        raise DataError(f"data/{relpath}: {exc}") from None


def _refuse_constant(token: str) -> Any:
    raise DataError(f"'{token}' is not a finite number.")
