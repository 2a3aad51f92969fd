"""A read-only, point-in-time view of the catalog the TypeScript side writes.

Only TypeScript writes the catalog; a trainer opens it read-only (SQLite with ``mode=ro``,
PostgreSQL in a read-only repeatable-read transaction) and reads events up to a bound: the last
event ``seq`` at the moment the job was enqueued. Events that arrive later have a larger ``seq``
and are never read, so a version's inputs are exactly what its bound says.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from shopmind.errors import ConfigError, InvalidArgument

#: Events fetched per round trip.
BATCH = 10_000


@dataclass(frozen=True)
class EventRow:
    seq: int
    user_id: str
    product_id: str
    type: str
    timestamp: datetime


def parse_timestamp(value: Any) -> datetime:
    """A catalog timestamp as an aware UTC datetime. Prisma stores SQLite ``DateTime`` columns as
    ISO 8601 text by default and as epoch milliseconds when so configured; PostgreSQL gives a
    ``datetime`` (naive for ``timestamp(3)`` columns, which hold UTC)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000.0, tz=UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000.0, tz=UTC)
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise InvalidArgument(f"unreadable timestamp in the catalog: {value!r}")


class Snapshot:
    """The catalog as of one event bound, read-only."""

    def __init__(self, conn: Any, provider: str, bound: int) -> None:
        self._conn = conn
        self.provider = provider
        self.bound = bound

    def events(self) -> Iterator[EventRow]:
        """Events about a product with ``seq <= bound``, in ``seq`` order."""
        mark = "?" if self.provider == "sqlite" else "%s"
        sql = (
            'SELECT "seq", "userId", "productId", "type", "timestamp" FROM "Event" '
            f'WHERE "seq" <= {mark} AND "productId" IS NOT NULL ORDER BY "seq"'
        )
        # A named (server-side) cursor streams on PostgreSQL; SQLite cursors stream anyway.
        cur = (
            self._conn.cursor()
            if self.provider == "sqlite"
            else self._conn.cursor(name="shopmind_events")
        )
        try:
            cur.execute(sql, (self.bound,))
            while rows := cur.fetchmany(BATCH):
                for seq, user, product, kind, ts in rows:
                    if seq > self.bound:  # the WHERE says so; a trainer never trusts it blindly
                        raise AssertionError(f"event {seq} is past the bound {self.bound}")
                    yield EventRow(
                        int(seq), str(user), str(product), str(kind), parse_timestamp(ts)
                    )
        finally:
            cur.close()

    def max_seq(self) -> int:
        """The catalog's newest event ``seq`` now (may exceed the bound: later events exist)."""
        cur = self._conn.cursor()
        try:
            cur.execute('SELECT MAX("seq") FROM "Event"')
            row = cur.fetchone()
        finally:
            cur.close()
        return int(row[0]) if row and row[0] is not None else 0


def sqlite_path(url: str) -> Path:
    """The file of a ``file:PATH`` DATABASE_URL (relative paths from the current folder)."""
    path = url[len("file:") :]
    if not path or path == ":memory:":
        raise ConfigError(f"DATABASE_URL {url!r}: a trainer needs a catalog file")
    return Path(path).resolve()


@contextmanager
def open_snapshot(database_url: str, bound: int) -> Iterator[Snapshot]:
    """The catalog at ``database_url`` as of event ``bound``, opened read-only."""
    if not isinstance(bound, int) or bound < 0:
        raise InvalidArgument(f"event bound must be a whole number >= 0, got {bound!r}")
    if database_url.startswith("file:"):
        path = sqlite_path(database_url)
        if not path.is_file():
            raise ConfigError(f"no catalog at {path}")
        # mode=ro: this connection cannot write, whatever a bug in a trainer tries.
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            # One read transaction, so every query sees the same committed state.
            conn.execute("BEGIN")
            yield Snapshot(conn, "sqlite", bound)
        finally:
            conn.close()
        return
    if database_url.startswith(("postgres://", "postgresql://")):
        import psycopg

        with psycopg.connect(database_url) as pg:
            pg.read_only = True
            pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                yield Snapshot(pg, "postgresql", bound)
            finally:
                pg.rollback()
        return
    raise ConfigError(
        f"DATABASE_URL: expected file:PATH or postgresql://..., got {database_url.split(':')[0]!r}"
    )
