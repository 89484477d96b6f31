"""Tables: CSV parsing against a column schema, and the rows of one validated file as plain records.

Loaders only look rows up, so records are all they need; a pandas frame is built on request
(the command line's listings, exports). Importing pandas costs a third of a bare Qt window's
start-up, so nothing on the way to the first window asks for one.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lmi_explorer.models import files
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import BAD_TEXT, read_text

if TYPE_CHECKING:
    import pandas as pd


def missing(value: object) -> bool:
    """A blank cell: None from a table, NaN from a frame."""
    return value is None or (isinstance(value, float) and math.isnan(value))


class Table:
    """Rows (dicts keyed by column) in file order; blank optional cells are None."""

    __slots__ = ("_frame", "columns", "records")

    def __init__(self, columns: list[str], records: list[dict[str, Any]]) -> None:
        self.columns = list(columns)
        self.records = records
        self._frame: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __getitem__(self, column: str) -> list[Any]:
        """Every value of one column, in row order."""
        if column not in self.columns:
            raise KeyError(column)
        return [r[column] for r in self.records]

    @property
    def empty(self) -> bool:
        return not self.records

    def where(self, **equal: Any) -> list[dict[str, Any]]:
        """Rows whose columns equal the given values, in file order."""
        return [r for r in self.records if all(r[k] == v for k, v in equal.items())]

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (built once, on first use); blank numbers are NaN."""
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame.from_records(self.records, columns=self.columns)
        return self._frame


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
    path = files.data_root() / relpath  # looked up at call time, so a test can point it elsewhere
    return parse_table(read_text(path, label=f"data/{relpath}"), schema, f"data/{relpath}")
