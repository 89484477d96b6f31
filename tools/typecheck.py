"""Type-check models/ and gui/charts/ with mypy, as the installed lmi_explorer namespace.

The repository's folders install as ``lmi_explorer.models`` and so on (setup.py), which mypy cannot
follow through the editable install's import hook; this links them under a temporary
``lmi_explorer/`` folder and checks that. Settings are in pyproject.toml ([tool.mypy]).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lmi_explorer.models", "lmi_explorer.gui.charts", "lmi_explorer.gui.registry")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        ns = Path(tmp) / "lmi_explorer"
        ns.mkdir()
        for top in ("models", "gui", "data", "assets"):
            (ns / top).symlink_to(ROOT / top, target_is_directory=True)
        cmd = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
        for package in PACKAGES:
            cmd += ["-p" if package != "lmi_explorer.gui.registry" else "-m", package]
        return subprocess.run(cmd, cwd=tmp, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
