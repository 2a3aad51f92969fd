"""Asset references (``products@3``) and the immutable record of one asset version."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shopmind.errors import InvalidArgument

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def check_asset_name(name: str) -> str:
    """Return ``name`` if it is a valid asset name (lower-case words joined by ``.`` or ``_``)."""
    if not _NAME.match(name):
        raise InvalidArgument(
            f"asset name {name!r} is invalid: expected lower-case letters, digits, '_' and '.', "
            "starting with a letter",
            argument="name",
        )
    return name


@dataclass(frozen=True, order=True)
class AssetRef:
    """A pinned asset version, written ``name@version``."""

    name: str
    version: int

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"

    @classmethod
    def parse(cls, text: str) -> AssetRef:
        """Parse ``name@N``; the version is required (see :func:`parse_spec` for ``name``)."""
        name, version = parse_spec(text)
        if version is None:
            raise InvalidArgument(
                f"asset reference {text!r} needs a version: NAME@N", argument="ref"
            )
        return cls(name, version)


def parse_spec(text: str) -> tuple[str, int | None]:
    """Parse ``name``, ``name@N`` or ``name@latest`` into (name, version or None for latest)."""
    name, sep, ver = text.strip().partition("@")
    check_asset_name(name)
    if not sep or ver == "latest":
        return name, None
    if not ver.isdigit() or int(ver) < 1:
        raise InvalidArgument(
            f"asset reference {text!r}: version must be a positive integer or 'latest'",
            argument="ref",
        )
    return name, int(ver)


@dataclass(frozen=True)
class AssetVersion:
    """Everything recorded about one immutable version of an asset.

    ``columns`` is the schema as (name, Arrow type) pairs; ``content_hash`` is the SHA-256 of
    the version's files; ``inputs`` is the lineage (the exact versions it was built from);
    ``sources`` names external inputs such as raw files (path, size, sha256); ``job_id`` is
    shared by every version one job committed together; ``report`` holds job-specific results
    (e.g. an ingest reconciliation or a catalog diff). ``amendments`` is the only part that
    changes after the commit: one entry per privacy job that rewrote the version's files
    (an erasure or a retention cut, with the rows removed and the hash before) or marked it
    for a rebuild (``kind: needs_rebuild``).
    """

    ref: AssetRef
    columns: tuple[tuple[str, str], ...]
    rows: int
    content_hash: str
    created_at: datetime
    produced_by: str
    job_id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[AssetRef, ...] = ()
    sources: tuple[Mapping[str, Any], ...] = ()
    tags: Mapping[str, frozenset[str]] = field(default_factory=dict)
    quality: Mapping[str, Any] = field(default_factory=dict)
    report: Mapping[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    amendments: tuple[Mapping[str, Any], ...] = ()

    @property
    def needs_rebuild(self) -> bool:
        """True when data this version was built from has since been erased from the
        workspace (the version itself is unchanged: retrain or rebuild it)."""
        return any(a.get("kind") == "needs_rebuild" for a in self.amendments)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the manifest stored with the version and shown by the CLI)."""
        return {
            "ref": str(self.ref),
            "name": self.ref.name,
            "version": self.ref.version,
            "columns": [{"name": n, "type": t} for n, t in self.columns],
            "rows": self.rows,
            "content_hash": self.content_hash,
            "created_at": self.created_at.isoformat(),
            "produced_by": self.produced_by,
            "job_id": self.job_id,
            "params": dict(self.params),
            "inputs": [str(r) for r in self.inputs],
            "sources": [dict(s) for s in self.sources],
            "tags": {k: sorted(v) for k, v in sorted(self.tags.items())},
            "quality": dict(self.quality),
            "report": dict(self.report),
            "files": list(self.files),
            "amendments": [dict(a) for a in self.amendments],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AssetVersion:
        return cls(
            ref=AssetRef(d["name"], int(d["version"])),
            columns=tuple((c["name"], c["type"]) for c in d["columns"]),
            rows=int(d["rows"]),
            content_hash=d["content_hash"],
            created_at=datetime.fromisoformat(d["created_at"]),
            produced_by=d["produced_by"],
            job_id=d["job_id"],
            params=d.get("params", {}),
            inputs=tuple(AssetRef.parse(r) for r in d.get("inputs", [])),
            sources=tuple(d.get("sources", [])),
            tags={k: frozenset(v) for k, v in d.get("tags", {}).items()},
            quality=d.get("quality", {}),
            report=d.get("report", {}),
            files=tuple(d.get("files", [])),
            amendments=tuple(d.get("amendments", [])),
        )


def check_columns(version: object, needed: tuple[str, ...], argument: str) -> AssetVersion:
    """Return ``version`` if it is an AssetVersion holding ``needed``; else InvalidArgument."""
    if not isinstance(version, AssetVersion):
        raise InvalidArgument(
            f"{argument} must be an AssetVersion, got {type(version).__name__}",
            argument=argument,
        )
    have = {name for name, _ in version.columns}
    missing = [c for c in needed if c not in have]
    if missing:
        raise InvalidArgument(
            f"{argument} ({version.ref}) lacks column(s) {', '.join(missing)}; "
            f"it has {', '.join(sorted(have)) or 'none'}",
            argument=argument,
        )
    return version
