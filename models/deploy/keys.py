"""Which LMI configuration keys exist for a backend in a release, and their environment names.

Read from ``data/backends/deploy_keys.csv`` (each row cites the LMI guide it comes from). A key
the generator wants but the release lacks is left out with a note, never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lmi_explorer.models.reference.backends import load_backends, version_key
from lmi_explorer.models.tables import Column, read_table

KEY_SCHEMA: dict[str, Column] = {
    "backend": Column("str"),
    "key": Column("str"),
    "env": Column("str", required=False),  # blank: a serving.properties-only key (engine)
    "since_djl": Column("str", required=False),
    "from_lmi": Column("int", required=False, minimum=1, maximum=1000),
    "to_lmi": Column("int", required=False, minimum=1, maximum=1000),
    "notes": Column("str", required=False),
}


@dataclass(frozen=True, slots=True)
class DeployKey:
    """One documented key: its ``serving.properties`` name, its environment variable and where it holds."""

    backend: str
    key: str
    env: str  # "" for a file-only key
    since_djl: str | None
    from_lmi: int | None
    to_lmi: int | None
    source: str

    def valid_in(self, lmi: int) -> bool:
        """Whether the key exists in LMI release ``lmi`` (its DJL-Serving version and release range)."""
        if self.from_lmi is not None and lmi < self.from_lmi:
            return False
        if self.to_lmi is not None and lmi > self.to_lmi:
            return False
        if self.since_djl:
            rows = load_backends().releases.where(lmi_version=lmi)
            djl = str(rows[0]["djl_version"]) if rows else "0"
            return version_key(djl) >= version_key(self.since_djl)
        return True


@lru_cache(maxsize=1)
def load_keys() -> dict[tuple[str, str], DeployKey]:
    """Every documented key, by (backend, key)."""
    table = read_table("backends/deploy_keys.csv", KEY_SCHEMA)
    return {
        (r["backend"], r["key"]): DeployKey(
            r["backend"], r["key"], r["env"] or "", r["since_djl"], r["from_lmi"], r["to_lmi"], r["source"]
        )
        for r in table.records
    }


def key_for(backend: str, key: str) -> DeployKey | None:
    return load_keys().get((backend, key))


def deployable_backends() -> tuple[str, ...]:
    """Backends the artifact covers with LMI configuration keys."""
    return tuple(dict.fromkeys(b for b, _ in load_keys()))
