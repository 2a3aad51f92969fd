"""A catalog with the real schema (the Prisma migrations of the repository) for trainer tests:
SQLite in a temporary folder, or a scratch PostgreSQL database when the server is there."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from filetools import REPO_ROOT

MIGRATIONS = REPO_ROOT / "prisma" / "migrations"
PG_ADMIN_URL = os.environ.get("SHOPMIND_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

#: (seq, user, product, type, ISO timestamp)
Event = tuple[int, str, str, str, str]


def migration_sql(provider: str) -> list[str]:
    folder = MIGRATIONS / provider
    return [p.read_text() for p in sorted(folder.glob("*/migration.sql"))]


def sqlite_catalog(folder: Path, products: Sequence[str], events: Sequence[Event]) -> str:
    """A migrated SQLite catalog holding ``products`` and ``events``; returns its DATABASE_URL."""
    path = folder / "shopmind.db"
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        for sql in migration_sql("sqlite"):
            conn.executescript(sql)
        _fill(conn, "?", products, events)
        conn.commit()
    finally:
        conn.close()
    return f"file:{path}"


def _fill(conn: object, mark: str, products: Sequence[str], events: Sequence[Event]) -> None:
    cur = conn.cursor()  # type: ignore[attr-defined]
    for p in products:
        cur.execute(
            f'INSERT INTO "Product" ("id", "title", "rowHash", "updatedAt") '
            f"VALUES ({mark}, {mark}, {mark}, CURRENT_TIMESTAMP)",
            (p, f"title {p}", "h"),
        )
    for user in sorted({e[1] for e in events}):
        cur.execute(f'INSERT INTO "User" ("id") VALUES ({mark})', (user,))
    for seq, user, product, kind, ts in events:
        cur.execute(
            f'INSERT INTO "Event" ("seq", "userId", "productId", "type", "timestamp") '
            f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
            (seq, user, product, kind, ts),
        )


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        return False


@contextmanager
def pg_catalog(products: Sequence[str], events: Sequence[Event]) -> Iterator[str]:
    """A scratch PostgreSQL catalog, dropped afterwards; yields its DATABASE_URL."""
    import psycopg

    name = f"trainers_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url) as conn:
            for sql in migration_sql("postgresql"):
                conn.execute(sql)  # type: ignore[call-overload]
            _fill(conn, "%s", products, events)
            conn.commit()
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
