"""The one error type of the model layer: a malformed file or an impossible input."""

from __future__ import annotations


class DataError(ValueError):
    """A data or input file is malformed; the message says where and what to do."""


__all__ = ["DataError"]
