"""Rewrite the deployment golden files after an intended change to the estimate or the formats.

    python tools/regen_deploy_golden.py

Review the diff before committing it: every changed value should have a reason in the change.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT.parent))

sys.path.insert(0, str(ROOT / "tests" / "models"))

from deploy_golden import GOLDEN_DIR, golden_cases, render_case  # noqa: E402


def main() -> int:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for name in golden_cases():
        for fmt, text in render_case(name).items():
            (GOLDEN_DIR / f"{name}.{fmt}.txt").write_text(text, encoding="utf-8")
            print(f"wrote {name}.{fmt}.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
