"""Table: the rows of one validated CSV file, as plain records.

Loaders only look rows up, so records are all they need; a pandas frame is built on request
(the command line's listings, exports). Importing pandas costs a third of a bare Qt window's
start-up, so nothing on the way to the first window asks for one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

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
