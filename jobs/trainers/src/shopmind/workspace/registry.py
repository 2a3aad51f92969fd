"""The registry: which asset versions exist. One small interface, an embedded SQLite default.

Why SQLite and not DuckDB for this table: DuckDB lets one process write a database file at a
time and blocks every other process from opening it meanwhile, so a running ingest would lock
the server out of the catalog. SQLite (WAL mode) lets many readers and one writer work at once
and commits a multi-row transaction atomically, which is all the registry needs. DuckDB stays
the query engine over the Parquet files (see docs/architecture.md).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from shopmind.workspace.refs import AssetRef, AssetVersion


class Registry(Protocol):
    """What a storage backend must provide. Versions are only ever added; the one change
    allowed afterwards is :meth:`amend`, for privacy jobs (erasure, retention) that must
    rewrite a version's files physically and record that they did."""

    def get(self, name: str, version: int | None) -> AssetVersion | None: ...

    def versions(self, name: str | None = None) -> list[AssetVersion]: ...

    def by_job(self, job_id: str) -> list[AssetVersion]: ...

    def commit(
        self, names: Sequence[str], publish: Callable[[list[AssetRef]], list[AssetVersion]]
    ) -> list[AssetVersion]: ...

    def amend(self, version: AssetVersion) -> None: ...

    def meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    manifest TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE INDEX IF NOT EXISTS versions_job ON versions (job_id);
"""


class SqliteRegistry:
    """Registry in ``registry.sqlite`` inside the workspace folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as con:
            con.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            yield con
        finally:
            con.close()

    def get(self, name: str, version: int | None) -> AssetVersion | None:
        with self._connect() as con:
            if version is None:
                row = con.execute(
                    "SELECT manifest FROM versions WHERE name=? ORDER BY version DESC LIMIT 1",
                    (name,),
                ).fetchone()
            else:
                row = con.execute(
                    "SELECT manifest FROM versions WHERE name=? AND version=?", (name, version)
                ).fetchone()
        return AssetVersion.from_dict(json.loads(row[0])) if row else None

    def versions(self, name: str | None = None) -> list[AssetVersion]:
        sql = "SELECT manifest FROM versions"
        args: tuple[str, ...] = ()
        if name is not None:
            sql += " WHERE name=?"
            args = (name,)
        with self._connect() as con:
            rows = con.execute(sql + " ORDER BY name, version", args).fetchall()
        return [AssetVersion.from_dict(json.loads(r[0])) for r in rows]

    def by_job(self, job_id: str) -> list[AssetVersion]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT manifest FROM versions WHERE job_id=? ORDER BY name", (job_id,)
            ).fetchall()
        return [AssetVersion.from_dict(json.loads(r[0])) for r in rows]

    def commit(
        self, names: Sequence[str], publish: Callable[[list[AssetRef]], list[AssetVersion]]
    ) -> list[AssetVersion]:
        """Allocate the next version of each name and record what ``publish`` returns.

        ``publish`` runs inside the write transaction (so no other writer can take the same
        numbers); it moves the staged files into place and returns the finished records. If it
        raises, or the process dies before the final COMMIT, no version becomes visible.
        """
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                refs: list[AssetRef] = []
                for name in names:
                    (top,) = con.execute(
                        "SELECT COALESCE(MAX(version), 0) FROM versions WHERE name=?", (name,)
                    ).fetchone()
                    taken = len([r for r in refs if r.name == name])
                    refs.append(AssetRef(name, int(top) + 1 + taken))
                versions = publish(refs)
                con.executemany(
                    "INSERT INTO versions (name, version, job_id, created_at, manifest) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            v.ref.name,
                            v.ref.version,
                            v.job_id,
                            v.created_at.isoformat(),
                            json.dumps(v.to_dict(), sort_keys=True),
                        )
                        for v in versions
                    ],
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return versions

    def amend(self, version: AssetVersion) -> None:
        """Replace the stored record of an existing version (same name and number).

        ``secure_delete`` zeroes the pages the old record leaves free and the checkpoint
        empties the write-ahead log, so the old record is not left readable on disk.
        """
        manifest = json.dumps(version.to_dict(), sort_keys=True)
        with self._connect() as con:
            con.execute("PRAGMA secure_delete=ON")
            cur = con.execute(
                "UPDATE versions SET manifest=? WHERE name=? AND version=?",
                (manifest, version.ref.name, version.ref.version),
            )
            if cur.rowcount != 1:
                raise KeyError(str(version.ref))
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def meta(self, key: str) -> str | None:
        with self._connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._connect() as con:
            con.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )
