"""The read-only snapshot: the real catalog schema, the bound honoured, no writes possible."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from catalog_helpers import pg_available, pg_catalog, sqlite_catalog

from shopmind.errors import ConfigError, InvalidArgument
from shopmind.trainers.snapshot import open_snapshot, parse_timestamp

PRODUCTS = ["p1", "p2"]
EVENTS = [
    (1, "u1", "p1", "view", "2026-01-01T00:00:00.000Z"),
    (2, "u1", "p2", "purchase", "2026-01-02T00:00:00.000+00:00"),
    (3, "u2", "p1", "click", "1767398400000"),  # epoch ms, as Prisma's unixepoch-ms format
]


def test_events_stop_at_the_bound_and_come_in_seq_order(tmp_path: Path) -> None:
    url = sqlite_catalog(tmp_path, PRODUCTS, EVENTS)
    with open_snapshot(url, 2) as snap:
        rows = list(snap.events())
        assert snap.max_seq() == 3  # the newer event exists; the snapshot does not read it
    assert [r.seq for r in rows] == [1, 2]
    assert rows[1].timestamp == datetime(2026, 1, 2, tzinfo=UTC)


def test_the_connection_cannot_write(tmp_path: Path) -> None:
    url = sqlite_catalog(tmp_path, PRODUCTS, EVENTS)
    with open_snapshot(url, 3) as snap, pytest.raises(sqlite3.OperationalError, match="readonly"):
        snap._conn.execute('DELETE FROM "Event"')


def test_a_missing_catalog_or_bad_bound_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no catalog"), open_snapshot(f"file:{tmp_path}/x.db", 1):
        pass
    with pytest.raises(InvalidArgument), open_snapshot(f"file:{tmp_path}/x.db", -1):
        pass
    with pytest.raises(ConfigError, match="DATABASE_URL"), open_snapshot("mysql://x", 1):
        pass


def test_timestamps_in_every_stored_form() -> None:
    want = datetime(2026, 1, 3, tzinfo=UTC)
    assert parse_timestamp("2026-01-03T00:00:00.000Z") == want
    assert parse_timestamp("2026-01-03 00:00:00") == want
    assert parse_timestamp(1767398400000) == want
    assert parse_timestamp(datetime(2026, 1, 3)) == want
    with pytest.raises(InvalidArgument):
        parse_timestamp(None)


@pytest.mark.skipif(not pg_available(), reason="no PostgreSQL server for the tests")
def test_postgresql_snapshot_is_read_only_and_bounded() -> None:
    import psycopg

    with pg_catalog(PRODUCTS, EVENTS[:2]) as url, open_snapshot(url, 1) as snap:
        assert [r.seq for r in snap.events()] == [1]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            snap._conn.execute('DELETE FROM "Event"')
