"""Compaction: log events become ``events@N`` through the ingest rules, exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from filetools import raw_ids, write
from shopmind.config import Settings
from shopmind.errors import WorkspaceError
from shopmind.events import EventLog
from shopmind.events import compact as compact_module
from shopmind.events.compact import compact, log_watermark
from shopmind.ingest import ingest_file, quarantine_of
from shopmind.workspace import Workspace

PRODUCTS = "item_id,title,price\nP1,Red Shoe,19.99\nP2,Blue Shirt,5\nP3,Tea Cup,3\n"
KEY = "user_id+session_id+item_id+event_type+timestamp+query"


def _ev(user: str, kind: str, item: str | None, ts: str | None, **more: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"user_id": user, "session_id": f"s-{user}", "event_type": kind}
    if item is not None:
        event["item_id"] = item
    if ts is not None:
        event["timestamp"] = ts
    return {**event, **more}


def _views(n: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` valid, distinct view events."""
    return [
        _ev(f"u{i}", "view", f"P{1 + i % 3}", f"2026-01-01T10:{i // 60:02d}:{i % 60:02d}Z")
        for i in range(start, start + n)
    ]


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    with EventLog.open(tmp_path / "log", segment_bytes=1024, fsync=False) as opened:
        yield opened


@pytest.fixture
def products(ws: Workspace, settings: Settings, tmp_path: Path) -> Workspace:
    ingest_file(ws, "products", write(tmp_path / "products.csv", PRODUCTS), settings)
    return ws


def _rows(ws: Workspace, spec: str) -> list[dict[str, Any]]:
    """The version's rows, user ids read back from their pseudonyms (every stored id must be
    one: a raw id appended to the log directly is pseudonymised at compaction)."""
    rows: list[dict[str, Any]] = ws.read_table(ws.resolve(spec)).to_pylist()
    raw = raw_ids(ws.root, ["f1", *(f"u{i}" for i in range(300))])
    for r in rows:
        if "user_id" in r:
            r["user_id"] = raw[r["user_id"]]
    return rows


def test_events_land_in_a_version_with_lineage_and_bad_ones_in_quarantine(
    products: Workspace, settings: Settings, log: EventLog
) -> None:
    ws = products
    good = _ev("u1", "view", "P1", "2026-01-01T10:00:00Z")
    log.append(
        [
            good,  # 1
            _ev("u1", "click", "P2", "2026-01-01T10:01:00Z"),  # 2
            _ev("u2", "teleport", "P1", "2026-01-01T10:02:00Z"),  # 3
            _ev("u2", "view", "P1", "yesterday"),  # 4
        ],
        idempotency_key="batch-a",
    )
    log.append(
        [
            _ev("u3", "search", None, "2026-01-01T11:00:00Z", query="red shoe"),  # 5
            dict(good),  # 6: identical to 1
            _ev("u3", "view", "P9", "2026-01-01T11:01:00Z"),  # 7: not in the catalog
            _ev("u4", "view", "P1", None),  # 8: no timestamp: the time it was received
        ]
    )
    report = compact(ws, log, settings)

    assert (report.asset, report.quarantine_asset) == ("events@1", "events.quarantine@1")
    assert (report.first_seq, report.last_seq, report.watermark) == (1, 8, 8)
    assert (report.events, report.accepted, report.quarantined) == (8, 5, 3)
    assert report.references["unknown_item_rows"] == 1  # flagged (the default), not dropped
    rows = _rows(ws, "events")
    assert [(r["user_id"], r["event_type"]) for r in rows] == [
        ("u1", "view"),
        ("u1", "click"),
        ("u3", "search"),
        ("u3", "view"),
        ("u4", "view"),
    ]
    assert rows[0]["timestamp"].isoformat() == "2026-01-01T10:00:00+00:00"
    assert abs(rows[4]["timestamp"].timestamp() - time.time()) < 600
    # quarantine rows are numbered by log sequence number, each with its reason
    quarantine = {r["row"]: r for r in _rows(ws, "events.quarantine")}
    assert {seq: (r["field"], r["check"]) for seq, r in quarantine.items()} == {
        3: ("event_type", "unknown_value"),
        4: ("timestamp", "bad_timestamp"),
        6: (KEY, "duplicate"),
    }
    assert "identical to row 1" in quarantine[6]["reason"]
    assert all(r["reason"] and r["raw"] for r in quarantine.values())
    assert report.quarantine_by_check == {
        "unknown_value": 1,
        "bad_timestamp": 1,
        "duplicate": 1,
    }

    version = ws.get("events")
    assert version.produced_by == "compact.events"
    assert version.params["event_log"] == {
        "log_id": log.log_id,
        "folder": str(log.folder.resolve()),
        "first_seq": 1,
        "last_seq": 8,
    }
    assert version.params["format"] == "event_log"
    assert version.inputs == (ws.get("products").ref,)
    assert version.sources[0]["events"] == 8
    assert str(quarantine_of(ws, version).ref) == "events.quarantine@1"
    assert log_watermark(ws, log.log_id) == 8
    assert list((ws.root / "staging").iterdir()) == []


def test_second_compaction_adds_only_new_events_and_truncates(
    ws: Workspace, settings: Settings, log: EventLog
) -> None:
    for b in range(8):
        log.append(_views(3, start=3 * b))
    before = len(log.segments())
    assert before > 2
    first = compact(ws, log, settings)
    assert (first.asset, first.accepted, first.previous) == ("events@1", 24, None)
    assert first.truncated_segments == before - 1
    assert log.first_seq > 1 and len(log.segments()) == 1  # only the active segment is left

    log.append(_views(5, start=100))
    second = compact(ws, log, settings)
    assert (second.asset, second.first_seq, second.last_seq) == ("events@2", 25, 29)
    assert (second.events, second.accepted, second.previous, second.previous_rows) == (
        5,
        5,
        "events@1",
        24,
    )
    v1, v2 = ws.get("events", 1), ws.get("events", 2)
    assert v2.inputs == (v1.ref,)
    assert v2.params["event_log"]["first_seq"] == 25
    assert [str(r.ref) for _d, r in ws.lineage(v2)] == ["events@2", "events@1"]
    rows = _rows(ws, "events@2")
    assert rows[:24] == _rows(ws, "events@1")
    assert [r["user_id"] for r in rows[24:]] == [f"u{i}" for i in range(100, 105)]

    third = compact(ws, log, settings)  # nothing new: no version, same watermark
    assert (third.asset, third.events, third.watermark) == (None, 0, 29)
    assert len(ws.versions("events")) == 2


def test_crash_before_commit_redoes_the_same_range(
    ws: Workspace, settings: Settings, log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    for b in range(6):
        log.append(_views(3, start=3 * b))
    segments = log.segments()

    def crash(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("killed mid-compaction")

    with monkeypatch.context() as patch:
        patch.setattr(compact_module, "_append_rows", crash)
        with pytest.raises(RuntimeError, match="mid-compaction"):
            compact(ws, log, settings)
    assert ws.versions() == [] and log.segments() == segments  # nothing committed or deleted
    assert list((ws.root / "staging").iterdir()) == []

    report = compact(ws, log, settings)
    assert (report.first_seq, report.last_seq, report.accepted) == (1, 18, 18)
    assert len(_rows(ws, "events")) == 18


def test_crash_after_commit_before_truncation_is_finished_next_time(
    ws: Workspace, settings: Settings, log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    for b in range(6):
        log.append(_views(3, start=3 * b))
    segments = log.segments()

    def crash(seq: int) -> list[Path]:
        raise RuntimeError("killed before truncating")

    with monkeypatch.context() as patch:
        patch.setattr(log, "truncate_before", crash)
        with pytest.raises(RuntimeError, match="before truncating"):
            compact(ws, log, settings)
    assert log_watermark(ws, log.log_id) == 18 and log.segments() == segments

    report = compact(ws, log, settings)
    assert (report.asset, report.events, report.watermark) == (None, 0, 18)
    assert report.truncated_segments == len(segments) - 1
    assert [str(v.ref) for v in ws.versions("events")] == ["events@1"]
    assert len(_rows(ws, "events")) == 18


def test_compaction_extends_a_version_from_a_file_ingest(
    ws: Workspace, settings: Settings, log: EventLog, tmp_path: Path
) -> None:
    csv = "user_id,item_id,event_type,timestamp\nf1,P1,view,2026-01-01T09:00:00Z\n"
    ingest_file(ws, "events", write(tmp_path / "events.csv", csv), settings)
    log.append(_views(2))
    report = compact(ws, log, settings)
    assert (report.asset, report.previous, report.previous_rows) == ("events@2", "events@1", 1)
    assert [r["user_id"] for r in _rows(ws, "events")] == ["f1", "u0", "u1"]
    assert ws.get("events").inputs == (ws.get("events", 1).ref,)


def test_events_missing_a_required_key_everywhere_are_quarantined(
    ws: Workspace, settings: Settings, log: EventLog
) -> None:
    # A file without a user_id column is refused whole; the log cannot refuse, so each
    # event must be quarantined instead (and compaction must not get stuck on them).
    log.append(
        [{"event_type": "view", "item_id": "P1", "timestamp": 1_767_261_600 + i} for i in range(6)]
    )
    log.append(_views(1))
    report = compact(ws, log, settings)
    assert (report.accepted, report.quarantined) == (1, 6)
    assert {(r["row"], r["check"]) for r in _rows(ws, "events.quarantine")} == {
        (seq, "missing") for seq in range(1, 7)
    }


def test_events_truncated_without_compaction_are_reported(
    ws: Workspace, settings: Settings, log: EventLog
) -> None:
    for b in range(6):
        log.append(_views(3, start=3 * b))
    log.truncate_before(log.last_seq + 1)  # as if compacted into some other workspace
    with pytest.raises(WorkspaceError, match="truncated without being compacted"):
        compact(ws, log, settings)
    assert ws.versions() == []
