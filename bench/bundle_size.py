"""Size of the desktop bundle and what takes the space.

Run: python bench/bundle_size.py [BUNDLE_DIR]   (default: dist/lmi-explorer, as tools/build.sh leaves it)
Prints the total and the largest parts (top-level packages and libraries of the bundle).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def tree_bytes(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def parts(bundle: Path) -> list[tuple[str, int]]:
    """Top-level entries of the bundle (inside ``_internal`` when present), Qt split into libraries and plugins."""
    inner = bundle / "_internal" if (bundle / "_internal").is_dir() else bundle
    out = [(p.name, tree_bytes(p)) for p in inner.iterdir() if p.name != "PySide6"]
    qt = inner / "PySide6"
    if qt.is_dir():
        for p in qt.iterdir():
            if p.name == "Qt":
                out += [(f"PySide6/Qt/{q.name}", tree_bytes(q)) for q in p.iterdir()]
            else:
                out.append((f"PySide6/{p.name}", tree_bytes(p)))
    if inner != bundle:
        out += [(p.name, tree_bytes(p)) for p in bundle.iterdir() if p.name != "_internal"]
    return sorted(out, key=lambda item: -item[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", nargs="?", default="dist/lmi-explorer")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    bundle = Path(args.bundle)
    if not bundle.is_dir():
        print(f"{bundle}: no bundle here; build one with tools/build.sh first", file=sys.stderr)
        return 1
    total = tree_bytes(bundle)
    items = parts(bundle)
    print(f"Bundle {bundle}: {total / 1e6:.0f} MB in {sum(1 for p in bundle.rglob('*') if p.is_file())} files")
    for name, size in items[: args.top]:
        print(f"  {size / 1e6:7.1f} MB  {100 * size / total:4.1f} %  {name}")
    rest = sum(size for _, size in items[args.top :])
    print(f"  {rest / 1e6:7.1f} MB  {100 * rest / total:4.1f} %  {len(items) - args.top} smaller parts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
