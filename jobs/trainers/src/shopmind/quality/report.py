"""A version's quality profile: its own column profile plus the suggestions derived from it.

Versions are immutable, so suggestions computed later (near-duplicates, inferred categories)
are separate assets; this view gathers those whose lineage names the version.
"""

from __future__ import annotations

from typing import Any

from shopmind.errors import InvalidArgument
from shopmind.quality.drift import table_drift
from shopmind.workspace import AssetVersion, Workspace

SUGGESTION_ASSETS = ("near_duplicates", "category_suggestions")


def dependents(ws: Workspace, version: AssetVersion, name: str) -> list[AssetVersion]:
    """Versions of asset ``name`` built directly from ``version``, oldest first."""
    return [v for v in ws.versions(name) if version.ref in v.inputs]


def quality_profile(ws: Workspace, version: AssetVersion, sample: int = 10) -> dict[str, Any]:
    """Column profile, ingest figures and the newest suggestions made from ``version``."""
    out: dict[str, Any] = {
        "asset": str(version.ref),
        "rows": version.rows,
        "profile": dict(version.quality),
    }
    for name in SUGGESTION_ASSETS:
        found = dependents(ws, version, name)
        if not found:
            out[name] = None
            continue
        newest = found[-1]
        rows = ws.read_table(newest).slice(0, sample).to_pylist()
        for row in rows:  # keep the sample JSON-friendly
            for key, value in row.items():
                if isinstance(value, float):
                    row[key] = round(value, 4)
        out[name] = {
            "asset": str(newest.ref),
            "rows": newest.rows,
            "summary": dict(newest.quality),
            "sample": rows,
        }
    return out


def asset_drift(
    ws: Workspace, name: str, older: int | None = None, newer: int | None = None
) -> dict[str, Any]:
    """Drift (:mod:`~shopmind.quality.drift`) from version ``older`` to ``newer`` of asset
    ``name``; by default from the next-to-newest version to the newest."""
    versions = ws.versions(name)
    if newer is None:
        if not versions:
            raise InvalidArgument(f"asset {name!r} has no versions", argument="name")
        newer = versions[-1].ref.version
    if older is None:
        before = [v.ref.version for v in versions if v.ref.version < newer]
        if not before:
            raise InvalidArgument(
                f"{name}@{newer} has no earlier version to compare with", argument="older"
            )
        older = before[-1]
    if older == newer:
        raise InvalidArgument("older and newer must be different versions", argument="older")
    a, b = ws.get(name, older), ws.get(name, newer)
    return {
        "asset": name,
        "older": str(a.ref),
        "newer": str(b.ref),
        **table_drift(ws.data_path(a), ws.data_path(b)),
    }
