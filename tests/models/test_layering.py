"""The layering the design fixes: models/ never imports Qt, matplotlib or gui; charts never import Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "models").rglob("*.py")), ids=lambda p: p.name)
def test_models_are_pure(path):
    assert not imported_modules(path) & {"PySide6", "matplotlib", "gui", "shiboken6"}


@pytest.mark.parametrize("path", sorted((ROOT / "gui" / "charts").rglob("*.py")), ids=lambda p: p.name)
def test_charts_never_import_qt(path):
    assert not imported_modules(path) & {"PySide6", "shiboken6"}


def test_no_pyplot_anywhere():
    for path in list((ROOT / "gui").rglob("*.py")) + list((ROOT / "models").rglob("*.py")):
        assert "matplotlib.pyplot" not in path.read_text(encoding="utf-8"), path
