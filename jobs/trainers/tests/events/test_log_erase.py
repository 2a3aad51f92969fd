"""Erasing a user's events from the durable log: tombstones in place, numbers and keys kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from shopmind.config import Settings
from shopmind.errors import ConflictError, InvalidArgument
from shopmind.events import AppendResult, EventLog
from shopmind.events.compact import compact, log_watermark
from shopmind.events.erase import TEMP_SUFFIX, EraseResult, is_tombstone
from shopmind.events.format import SEGMENT_HEADER, Record, read_record
from shopmind.workspace import Workspace

ALICE = "alice"


def _batch(b: int, users: tuple[str, ...] = ("bob", ALICE, "carol")) -> list[dict[str, Any]]:
    return [{"user_id": u, "b": b, "pad": "x" * 40} for u in users]


def _is_alice(event: Any) -> bool:
    return bool(event.get("user_id") == ALICE)


def _records(path: Path) -> list[Record]:
    """Every record of a segment file, read straight from disk (checksums verified)."""
    out = []
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(SEGMENT_HEADER.size)
        pos = SEGMENT_HEADER.size
        while pos < size:
            rec = read_record(fh, pos)
            assert isinstance(rec, Record), rec
            out.append(rec)
            pos = rec.end
    return out


def _raw(path: Path, rec: Record) -> bytes:
    with path.open("rb") as fh:
        fh.seek(rec.offset)
        return fh.read(rec.size)


def _replayed(log: EventLog, **kwargs: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(e.seq, e.event) for e in log.replay(**kwargs)]


def _bookkeeping_matches_disk(log: EventLog) -> None:
    for info in log.segments():
        assert info.bytes == info.path.stat().st_size
        assert not list(log.folder.glob("*" + TEMP_SUFFIX))


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    with EventLog.open(tmp_path / "log", segment_bytes=1024) as opened:
        yield opened


def _fill(log: EventLog) -> None:
    """Several sealed segments, one without alice, and alice in the active segment too."""
    for b in range(6):
        log.append(_batch(b), idempotency_key=f"k{b}")
    for b in range(6, 12):  # no alice: the segments these fill must be left alone
        log.append(_batch(b, ("bob", "carol")), idempotency_key=f"k{b}")
    for b in range(12, 16):
        log.append(_batch(b), idempotency_key=f"k{b}")


def test_erase_tombstones_a_user_everywhere_and_keeps_the_rest_byte_for_byte(
    log: EventLog,
) -> None:
    _fill(log)
    before = _replayed(log)
    segments = log.segments()
    assert len(segments) >= 4
    alice_in = [s for s in segments if b"alice" in s.path.read_bytes()]
    assert segments[-1] in alice_in and len(alice_in) < len(segments)
    records = {s.path: _records(s.path) for s in segments}
    raws = {s.path: [_raw(s.path, r) for r in records[s.path]] for s in segments}
    inodes = {s.path: s.path.stat().st_ino for s in segments}

    result = log.erase(_is_alice)

    assert result == EraseResult(events_erased=10, segments_rewritten=len(alice_in))
    after = log.segments()
    assert [(s.path, s.first_seq, s.last_seq, s.active) for s in after] == [
        (s.path, s.first_seq, s.last_seq, s.active) for s in segments
    ]
    _bookkeeping_matches_disk(log)
    for s in segments:
        data = s.path.read_bytes()
        assert b"alice" not in data
        if s not in alice_in:  # not rewritten at all
            assert s.path.stat().st_ino == inodes[s.path]
            assert data[SEGMENT_HEADER.size :] == b"".join(raws[s.path])
            continue
        new = _records(s.path)
        assert [(r.first_seq, r.count, r.received_at, r.digest, r.key) for r in new] == [
            (r.first_seq, r.count, r.received_at, r.digest, r.key) for r in records[s.path]
        ]
        for old_rec, new_rec in zip(records[s.path], new, strict=True):
            old_events = orjson.loads(old_rec.payload)
            new_events = orjson.loads(new_rec.payload)
            for old_e, new_e in zip(old_events, new_events, strict=True):
                assert new_e == ({"_erased": True} if _is_alice(old_e) else old_e)
            # the events kept are serialised exactly as they were appended
            kept = [orjson.dumps(e, option=orjson.OPT_SORT_KEYS) for e in old_events]
            for line in kept:
                if b"alice" not in line:
                    assert line in new_rec.payload

    # replay: the same numbers for everyone else, alice gone; tombstones only on request
    assert _replayed(log) == [(s, e) for s, e in before if not _is_alice(e)]
    tombstones = [(s, e) for s, e in _replayed(log, erased=True) if is_tombstone(e)]
    assert [s for s, _ in tombstones] == [s for s, e in before if _is_alice(e)]
    assert [s for s, _ in _replayed(log, erased=True)] == list(range(1, log.last_seq + 1))
    assert [s for s, _ in _replayed(log, after_seq=20)] == [
        s for s, e in before if s > 20 and not _is_alice(e)
    ]


def test_appends_after_an_erase_land_after_it_and_rotate(log: EventLog) -> None:
    _fill(log)
    last = log.last_seq
    log.erase(_is_alice)
    results = [log.append(_batch(100 + b), idempotency_key=f"n{b}") for b in range(10)]
    assert [r.first_seq for r in results] == [last + 1 + 3 * b for b in range(10)]
    assert log.last_seq == last + 30
    _bookkeeping_matches_disk(log)
    replayed = _replayed(log, after_seq=last)
    assert [s for s, _ in replayed] == list(range(last + 1, last + 31))
    assert [e["b"] for _, e in replayed] == [100 + b for b in range(10) for _ in range(3)]
    # and erasing again catches alice's new events, leaving the old tombstones alone
    assert log.erase(_is_alice).events_erased == 10
    assert not any(_is_alice(e) for _, e in _replayed(log))


def test_reopen_after_erase_recovers_cleanly_and_retries_stay_duplicates(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with EventLog.open(folder, segment_bytes=1024) as log:
        _fill(log)
        first = log.append(_batch(50), idempotency_key="retry-me")
        before = _replayed(log)
        assert log.erase(_is_alice).events_erased == 11
        # a retry of a batch that had events erased is still recognised: nothing written
        assert log.append(_batch(50), idempotency_key="retry-me") == AppendResult(
            first.first_seq, 3, duplicate=True
        )
        log.append(_batch(51), idempotency_key="after")
    with EventLog.open(folder, segment_bytes=1024) as log:
        assert log.recovered_bytes == 0
        assert log.last_seq == first.last_seq + 3
        replayed = _replayed(log)
        assert replayed[: len(before) - 11] == [(s, e) for s, e in before if not _is_alice(e)]
        assert [e["user_id"] for _, e in replayed[-3:]] == ["bob", ALICE, "carol"]
        # the key index, rebuilt from record headers, still knows the original batches
        assert log.append(_batch(50), idempotency_key="retry-me").duplicate
        assert log.append(_batch(0), idempotency_key="k0") == AppendResult(1, 3, duplicate=True)
        with pytest.raises(ConflictError):
            log.append(_batch(99), idempotency_key="k0")
        assert log.append(_batch(52), idempotency_key="fresh").first_seq == log.last_seq - 2


def _stats(log: EventLog) -> list[tuple[int, int, int]]:
    return [
        (st.st_ino, st.st_mtime_ns, st.st_size) for s in log.segments() if (st := s.path.stat())
    ]


def test_an_erase_with_no_match_rewrites_nothing(log: EventLog) -> None:
    _fill(log)
    before, replayed = _stats(log), _replayed(log)
    assert log.erase(lambda e: e.get("user_id") == "nobody") == EraseResult(0, 0)
    assert _stats(log) == before and _replayed(log) == replayed
    log.erase(_is_alice)
    erased = _stats(log)
    assert log.erase(_is_alice) == EraseResult(0, 0)  # tombstones are not erased twice
    assert log.erase(is_tombstone) == EraseResult(0, 0)  # nor offered to match at all
    assert _stats(log) == erased


def test_a_failing_match_leaves_the_segment_unchanged_and_no_temporary_file(
    log: EventLog,
) -> None:
    _fill(log)
    before = {s.path: s.path.read_bytes() for s in log.segments()}

    def explode(event: Any) -> bool:
        if event.get("b") == 0:
            raise RuntimeError("match failed")
        return False

    with pytest.raises(RuntimeError, match="match failed"):
        log.erase(explode)
    assert {s.path: s.path.read_bytes() for s in log.segments()} == before
    _bookkeeping_matches_disk(log)
    assert log.append(_batch(99)).first_seq == log.last_seq - 2


def test_a_temporary_file_left_by_a_crash_is_ignored_then_removed(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with EventLog.open(folder, segment_bytes=1024) as log:
        _fill(log)
        expected = _replayed(log)
        first = log.segments()[0].path
    # a crash after the copy was written, before its rename: the old segment is still there
    stale = first.with_name(first.name + TEMP_SUFFIX)
    stale.write_bytes(first.read_bytes()[:100])
    with EventLog.open(folder, segment_bytes=1024) as log:
        assert log.recovered_bytes == 0 and _replayed(log) == expected
        log.erase(_is_alice)
        assert not stale.exists()
        _bookkeeping_matches_disk(log)


def test_a_replay_under_way_survives_an_erase_that_resizes_segments(log: EventLog) -> None:
    _fill(log)
    others = [(s, e) for s, e in _replayed(log) if not _is_alice(e)]
    running = log.replay()
    head = [next(running)]  # the first segment is open; the later ones are read after
    log.erase(_is_alice)
    rest = [(e.seq, e.event) for e in running]
    seqs = [head[0].seq] + [s for s, _ in rest]
    assert seqs == sorted(set(seqs))
    assert all(pair in rest or pair[0] == head[0].seq for pair in others)


def test_appends_running_during_erases_all_survive(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    acked: list[tuple[AppendResult, list[dict[str, Any]]]] = []
    errors: list[BaseException] = []
    with EventLog.open(folder, segment_bytes=2048, fsync=True) as log:
        _fill(log)
        stop = threading.Event()

        def append() -> None:
            try:
                # bounded: every batch makes the next erase longer, and an unbounded
                # appender made the test's run time grow with the machine's slowness
                b = 1000
                while (not stop.is_set() or b < 1040) and b < 1150:
                    events = _batch(b)
                    acked.append((log.append(events, idempotency_key=f"t{b}"), events))
                    b += 1
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        thread = threading.Thread(target=append)
        thread.start()
        erased = 0
        for _ in range(20):
            erased += log.erase(_is_alice).events_erased
        stop.set()
        thread.join(60)
        assert not thread.is_alive() and not errors
        erased += log.erase(_is_alice).events_erased
        _bookkeeping_matches_disk(log)
        assert erased == 10 + len(acked)
        by_seq = dict(_replayed(log))
        for result, events in acked:
            for seq, event in zip(
                range(result.first_seq, result.last_seq + 1), events, strict=True
            ):
                assert by_seq.get(seq) == (None if _is_alice(event) else event)
        assert [s for s, _ in _replayed(log, erased=True)] == list(range(1, log.last_seq + 1))
        last = log.last_seq
    with EventLog.open(folder) as log:
        assert log.recovered_bytes == 0 and log.last_seq == last
        assert not any(_is_alice(e) for _, e in _replayed(log))


def test_match_must_be_callable_and_tombstones_cannot_be_appended(log: EventLog) -> None:
    for bad in ("alice", None, {"user_id": "alice"}):
        with pytest.raises(InvalidArgument, match="match must be a callable") as err:
            log.erase(bad)  # type: ignore[arg-type]
        assert err.value.details["argument"] == "match"
    with pytest.raises(InvalidArgument, match="tombstone") as err:
        log.append([{"user_id": "bob"}, {"_erased": True}])
    assert err.value.details["argument"] == "events"
    assert log.append([{"_erased": True, "user_id": "bob"}]).first_seq == 1  # not a tombstone


# ---- compaction -----------------------------------------------------------------------------
def _view(user: str, item: str, minute: int, kind: str = "view") -> dict[str, Any]:
    return {
        "user_id": user,
        "session_id": f"s-{user}",
        "event_type": kind,
        "item_id": item,
        "timestamp": f"2026-01-01T10:{minute:02d}:00Z",
    }


def test_compaction_after_an_erase_leaves_the_user_out_and_reconciles(
    ws: Workspace, settings: Settings, tmp_path: Path
) -> None:
    with EventLog.open(tmp_path / "log", segment_bytes=1024, fsync=False) as log:
        for b in range(4):
            log.append(
                [
                    _view("bob", "P1", 10 * b),
                    _view(ALICE, "P2", 10 * b + 1),
                    _view("carol", "P3", b),
                ]
            )
        bad = log.append([_view(ALICE, "P2", 59), _view("dave", "P1", 58, kind="teleport")])
        assert log.erase(_is_alice) == EraseResult(5, len(log.segments()))

        report = compact(ws, log, settings)

        assert (report.first_seq, report.last_seq, report.watermark) == (1, 14, 14)
        assert (report.events, report.erased) == (9, 5)
        assert report.events == report.accepted + report.quarantined
        assert (report.accepted, report.quarantined) == (8, 1)
        rows = ws.read_table(ws.resolve("events")).to_pylist()
        assert sorted(r["item_id"] for r in rows) == ["P1"] * 4 + ["P3"] * 4  # no P2: alice's
        assert ALICE not in {r["user_id"] for r in rows}
        # quarantine rows are still numbered by log sequence number past the tombstones
        quarantine = ws.read_table(ws.resolve("events.quarantine")).to_pylist()
        assert [(q["row"], q["check"]) for q in quarantine] == [(bad.last_seq, "unknown_value")]
        assert ws.get("events").report["erased"] == 5
        assert report.truncated_segments >= 1 and len(log.segments()) == 1


def test_a_range_of_only_erased_events_waits_for_the_next_real_one(
    ws: Workspace, settings: Settings, tmp_path: Path
) -> None:
    with EventLog.open(tmp_path / "log", segment_bytes=1024, fsync=False) as log:
        log.append([_view("bob", "P1", 0)])
        assert compact(ws, log, settings).watermark == 1
        log.append([_view(ALICE, "P2", 1), _view(ALICE, "P2", 2)])
        log.erase(_is_alice)
        nothing = compact(ws, log, settings)
        assert (nothing.asset, nothing.events, nothing.watermark) == (None, 0, 1)
        assert len(ws.versions("events")) == 1
        log.append([_view("carol", "P3", 3)])
        report = compact(ws, log, settings)
        assert (report.first_seq, report.last_seq, report.events, report.erased) == (2, 4, 1, 2)
        assert log_watermark(ws, log.log_id) == 4
        rows = ws.read_table(ws.resolve("events")).to_pylist()
        assert [r["item_id"] for r in rows] == ["P1", "P3"]
