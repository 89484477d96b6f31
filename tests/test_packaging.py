"""The distribution: every package folder and data file of the repository is in the wheel, under lmi_explorer."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("models", "gui", "data", "assets")


def _repository_files() -> tuple[set[str], set[str]]:
    packages, shipped = set(), set()
    for top in TOP_LEVEL:
        for path in (ROOT / top).rglob("*"):
            rel = path.relative_to(ROOT)
            if "__pycache__" in rel.parts or not path.is_file():
                continue
            if path.name == "__init__.py":
                packages.add(f"lmi_explorer/{rel.parent.as_posix()}")
            if path.suffix in (".csv", ".json", ".png", ".ico", ".svg") or path.suffix == ".py":
                shipped.add(f"lmi_explorer/{rel.as_posix()}")
    return packages, shipped


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out)]
    cmd.append(str(ROOT))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = out.glob("lmi_explorer-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_every_package_folder_is_in_the_wheel(wheel_names):
    packages, _ = _repository_files()
    assert packages, "no package folders found"
    missing = sorted(p for p in packages if f"{p}/__init__.py" not in wheel_names)
    assert missing == [], f"package folders left out of the wheel: {missing}"


def test_every_module_table_and_icon_is_in_the_wheel(wheel_names):
    _, shipped = _repository_files()
    missing = sorted(shipped - wheel_names)
    assert missing == [], f"files left out of the wheel: {missing}"


def test_the_wheel_installs_nothing_at_the_top_level_but_lmi_explorer(wheel_names):
    tops = {name.split("/")[0] for name in wheel_names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"lmi_explorer"}


def test_the_console_script_points_into_the_namespace():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'lmi-explorer = "lmi_explorer.gui.app:main"' in text
