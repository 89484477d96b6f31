"""Reading and writing files safely: defensive text reads, atomic writes, the shipped data folder.

This is the only module that knows where `data/` lives, so a frozen bundle or a
user-supplied file needs one change here, not one per table.
"""

from __future__ import annotations

import json
import re
import stat
from importlib import resources
from pathlib import Path
from typing import Any

from lmi_explorer.models.errors import DataError

MAX_TABLE_BYTES = 5 * 1024 * 1024
#: control characters (other than tab and newlines) and lone surrogates: no table or scenario needs
#: them, and Qt, the slide deck's XML and UTF-8 output all choke on them
BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
STALE_TEMP_S = 60.0


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
    return Path(str(resources.files("lmi_explorer.data")))


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
