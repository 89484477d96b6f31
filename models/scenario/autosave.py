"""The crash-recovery file: the unsaved scenario, the file it belongs to, and when it was written.

Kept Qt-free so the window and the tests share one reader; the file is written atomically, so
after a crash it is either the previous autosave or the new one, never half of either.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text, write_atomic
from lmi_explorer.models.scenario import MAX_SCENARIO_BYTES, Scenario, from_dict, to_dict


@dataclass(frozen=True, slots=True)
class Recovered:
    """What an autosave holds: the scenario, when it was saved, and its own file (None if untitled)."""

    scenario: Scenario
    saved_at: float
    path: Path | None


def autosave_bytes(scenario: Scenario, path: Path | None, saved_at: float | None = None) -> bytes:
    """The autosave document for ``scenario`` (edited from ``path``, or untitled)."""
    doc = {
        "saved_at": time.time() if saved_at is None else saved_at,
        "path": str(path) if path else None,
        "scenario": to_dict(scenario),
    }
    return json.dumps(doc).encode("utf-8")


def write_autosave(target: Path, scenario: Scenario, path: Path | None) -> None:
    """Write the autosave atomically (an OSError means it was not written; the old one stays)."""
    write_atomic(target, autosave_bytes(scenario, path))


def _no_constant(token: str) -> Any:
    raise DataError(f"'{token}' is not a valid number.")


def read_autosave(target: Path) -> Recovered:
    """Read an autosave back; anything unreadable is a DataError (the caller discards the file)."""
    text = read_text(target, limit=MAX_SCENARIO_BYTES + 64 * 1024)
    try:
        doc = json.loads(text, parse_constant=_no_constant)
        if not isinstance(doc, dict):
            raise DataError("not an autosave document.")
        saved_at = doc.get("saved_at")
        if isinstance(saved_at, bool) or not isinstance(saved_at, int | float):
            saved_at = target.stat().st_mtime
        original = doc.get("path")
        scenario = from_dict(doc.get("scenario"))
    except DataError as exc:
        raise DataError(f"{target.name}: {exc}") from None
    except (ValueError, RecursionError, OSError) as exc:
        raise DataError(f"{target.name}: unreadable autosave ({exc}).") from exc
    return Recovered(scenario, float(saved_at), Path(original) if isinstance(original, str) and original else None)
