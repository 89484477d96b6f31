"""Write data/backends/vllm_registry.csv from a per-release listing of vLLM's model registry.

The listing has one row per architecture name in each release's registry, with the columns
``vllm_version, architecture, registry_table`` (read from the release wheel on PyPI, file
``vllm/model_executor/models/registry.py``, or ``__init__.py`` before 0.6.3: the keys of every
module-level dict whose name contains ``MODELS``). To add a release, read its wheel the same
way, append its rows to the listing and run::

    python tools/import_vllm_registry.py LISTING.csv [--as-of YYYY-MM-DD]

Only the versions some LMI release bundles are kept (``data/backends/releases.csv``), and only
the tables that say whether a text-generating model loads: pooling and draft-model tables are
dropped. A release the listing lacks can stand in for a patch release that LMI ships.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "backends" / "vllm_registry.csv"
RELEASES = ROOT / "data" / "backends" / "releases.csv"

#: registry table -> role the estimator gives it
ROLES = {
    "_MODELS": "generation",  # before 0.5
    "_GENERATION_MODELS": "generation",
    "_TEXT_GENERATION_MODELS": "generation",
    "_CONDITIONAL_GENERATION_MODELS": "generation",
    "_MULTIMODAL_MODELS": "multimodal",
    "_TRANSFORMERS_SUPPORTED_MODELS": "transformers",
    "_TRANSFORMERS_BACKEND_MODELS": "transformers",
    "_TRANSFORMERS_MODELS": "transformers",
    "_PREVIOUSLY_SUPPORTED_MODELS": "removed",
}
#: vLLM version LMI ships -> version whose wheel was read in its place (patch builds)
STAND_IN = {"0.23.1": "0.23.0"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("listing")
    p.add_argument("--as-of", default="2026-12-02", help="date the wheels were read")
    args = p.parse_args(argv)
    with RELEASES.open(newline="") as f:
        shipped = sorted({r["vllm"] for r in csv.DictReader(f) if r["vllm"]})
    with open(args.listing, newline="") as f:
        rows = list(csv.DictReader(f))
    by_version: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_version.setdefault(r["vllm_version"], []).append(r)
    out: list[list[str]] = []
    for version in shipped:
        read = STAND_IN.get(version, version)
        if read not in by_version:
            print(f"no registry rows for vLLM {read} (shipped by an LMI release)", file=sys.stderr)
            return 1
        seen: set[tuple[str, str]] = set()
        for r in by_version[read]:
            role = ROLES.get(r["registry_table"])
            if role is None or (r["architecture"], role) in seen:
                continue
            seen.add((r["architecture"], role))
            where = "registry.py" if r["file"].endswith("registry.py") else "__init__.py"
            source = f"vLLM {read} wheel (PyPI): vllm/model_executor/models/{where} {r['registry_table']}"
            if read != version:
                source += f" (stands in for the {version} build LMI ships)"
            out.append([version, r["architecture"], role, source, args.as_of])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["vllm_version", "architecture", "role", "source", "as_of"])
        w.writerows(out)
    print(f"{OUT.relative_to(ROOT)}: {len(out)} rows for {len(shipped)} vLLM versions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
