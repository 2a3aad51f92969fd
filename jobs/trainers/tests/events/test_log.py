"""The event log: durability, order, idempotency and recovery from torn or corrupt files."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopmind.errors import ConflictError, InvalidArgument, WorkspaceError
from shopmind.events import AppendResult, EventLog
from shopmind.events.format import RECORD_HEADER, SEGMENT_HEADER

HERE = Path(__file__).parent


def _events(n: int, tag: str = "e") -> list[dict[str, Any]]:
    return [{"user_id": f"u{i}", "tag": tag, "i": i} for i in range(n)]


def _replayed(log: EventLog, after: int = 0) -> list[tuple[int, dict[str, Any]]]:
    return [(e.seq, e.event) for e in log.replay(after)]


def _open(folder: Path, **kwargs: Any) -> EventLog:
    kwargs.setdefault("fsync", False)  # durability itself is tested with fsync on below
    return EventLog.open(folder, **kwargs)


def test_round_trip(tmp_path: Path) -> None:
    before = time.time()
    with EventLog.open(tmp_path / "log") as log:
        a = log.append(_events(3, "a"))
        b = log.append(_events(2, "b"), idempotency_key="k-b")
        assert (a, b) == (AppendResult(1, 3), AppendResult(4, 2))
        assert log.last_seq == 5
        logged = list(log.replay())
    assert [e.seq for e in logged] == [1, 2, 3, 4, 5]
    assert [e.event for e in logged] == _events(3, "a") + _events(2, "b")
    assert [e.idempotency_key for e in logged] == [None] * 3 + ["k-b"] * 2
    assert all(before <= e.received_at <= time.time() for e in logged)


def test_restart_keeps_sequence_numbers_and_replay_order(tmp_path: Path) -> None:
    with _open(tmp_path / "log") as log:
        log.append(_events(4, "a"))
    with _open(tmp_path / "log") as log:
        assert log.last_seq == 4 and log.recovered_bytes == 0
        assert log.append(_events(2, "b")) == AppendResult(5, 2)
    with _open(tmp_path / "log") as log:
        assert [s for s, _ in _replayed(log)] == [1, 2, 3, 4, 5, 6]
        assert _replayed(log, after=3) == [
            (4, _events(4, "a")[3]),
            (5, _events(2, "b")[0]),
            (6, _events(2, "b")[1]),
        ]
        assert _replayed(log, after=6) == []


def test_segments_rotate_and_replay_across_them(tmp_path: Path) -> None:
    with _open(tmp_path / "log", segment_bytes=1024) as log:
        for b in range(12):
            log.append(_events(2, f"b{b}"))
        big = log.append([{"pad": "x" * 3000}])  # larger than a segment: gets one of its own
        log.append(_events(1, "after"))
        segments = log.segments()
    assert len(segments) > 3
    assert [s.active for s in segments] == [False] * (len(segments) - 1) + [True]
    for older, newer in itertools.pairwise(segments):
        assert older.last_seq + 1 == newer.first_seq
        assert older.bytes <= 1024 or older.first_seq == big.first_seq
    assert segments[-1].last_seq == 26
    with _open(tmp_path / "log", segment_bytes=1024) as log:
        assert [s for s, _ in _replayed(log)] == list(range(1, 27))
        assert [s for s, _ in _replayed(log, after=20)] == list(range(21, 27))


def _sizes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.glob("*.seg")}


def test_idempotent_retry_returns_original_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with EventLog.open(folder) as log:
        first = log.append(_events(3), idempotency_key="req-1")
        log.append(_events(1, "other"))
        sizes = _sizes(folder)
        again = log.append(_events(3), idempotency_key="req-1")
        assert again == AppendResult(first.first_seq, 3, duplicate=True)
        # the same events with keys in another order are the same payload
        shuffled = [dict(reversed(list(e.items()))) for e in _events(3)]
        assert log.append(shuffled, idempotency_key="req-1").duplicate
        assert _sizes(folder) == sizes and log.last_seq == 4
    with EventLog.open(folder) as log:  # keys are rebuilt from the records on open
        assert log.append(_events(3), idempotency_key="req-1") == AppendResult(1, 3, True)
        assert _sizes(folder) == sizes
        assert [s for s, _ in _replayed(log)] == [1, 2, 3, 4]


def test_reused_key_with_other_events_is_a_conflict(tmp_path: Path) -> None:
    with _open(tmp_path / "log") as log:
        log.append(_events(2), idempotency_key="req-7")
        with pytest.raises(ConflictError, match="req-7") as err:
            log.append(_events(2, "changed"), idempotency_key="req-7")
        assert err.value.details["key"] == "req-7" and err.value.status == 409
    with _open(tmp_path / "log") as log:
        with pytest.raises(ConflictError, match="req-7"):
            log.append(_events(3), idempotency_key="req-7")
        assert log.last_seq == 2


def test_only_the_newest_keys_are_kept(tmp_path: Path) -> None:
    with _open(tmp_path / "log", max_keys=2) as log:
        for k in ("k1", "k2", "k3"):
            log.append(_events(1, k), idempotency_key=k)
        assert log.append(_events(1, "k3"), idempotency_key="k3").duplicate
        assert not log.append(_events(1, "k1"), idempotency_key="k1").duplicate  # forgotten
    with _open(tmp_path / "log", max_keys=2) as log:
        assert log.append(_events(1, "k1"), idempotency_key="k1").duplicate
        assert not log.append(_events(1, "k2"), idempotency_key="k2").duplicate


def _segment(folder: Path) -> Path:
    (path,) = sorted(folder.glob("*.seg"))[-1:]
    return path


def test_garbage_tail_is_truncated_and_earlier_records_survive(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with _open(folder) as log:
        log.append(_events(2, "a"), idempotency_key="ka")
        log.append(_events(3, "b"))
    good = _segment(folder).stat().st_size
    with _segment(folder).open("ab") as fh:
        fh.write(b"SMEv\x00\x01garbage from a write cut short")
    with _open(folder) as log:
        assert log.recovered_bytes == 36 and _segment(folder).stat().st_size == good
        assert [s for s, _ in _replayed(log)] == [1, 2, 3, 4, 5]
        assert log.append(_events(1, "c")) == AppendResult(6, 1)
        assert log.append(_events(2, "a"), idempotency_key="ka").duplicate
    with _open(folder) as log:
        assert log.recovered_bytes == 0 and log.last_seq == 6


@pytest.mark.parametrize("cut", [1, RECORD_HEADER.size - 1, RECORD_HEADER.size + 7, -1])
def test_record_cut_mid_write_is_truncated(tmp_path: Path, cut: int) -> None:
    folder = tmp_path / "log"
    with _open(folder) as log:
        log.append(_events(2, "a"))
        start = log.segments()[-1].bytes
        log.append(_events(3, "b"), idempotency_key="kb")
    end = _segment(folder).stat().st_size
    os.truncate(_segment(folder), start + cut if cut > 0 else end + cut)
    with _open(folder) as log:
        assert _segment(folder).stat().st_size == start
        assert log.recovered_bytes == (cut if cut > 0 else end - start + cut)
        assert _replayed(log) == list(enumerate(_events(2, "a"), start=1))
        # the torn batch was never acknowledged: its key is free and its numbers are reused
        assert log.append(_events(3, "b"), idempotency_key="kb") == AppendResult(3, 3)


def test_bad_checksum_in_last_record_is_a_torn_tail(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with _open(folder) as log:
        log.append(_events(2, "a"))
        start = log.segments()[-1].bytes
        log.append(_events(2, "b"))
    data = bytearray(_segment(folder).read_bytes())
    data[-3] ^= 0xFF
    _segment(folder).write_bytes(bytes(data))
    with _open(folder) as log:
        assert log.recovered_bytes == len(data) - start
        assert log.last_seq == 2


def test_torn_segment_header_is_rewritten(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with _open(folder, segment_bytes=1024) as log:
        while len(log.segments()) < 2:
            log.append(_events(3))
        last = log.last_seq
    # killed right after creating the next segment file, before its header was complete
    (folder / f"{last + 1:020d}.seg").write_bytes(b"SMEV")
    with _open(folder, segment_bytes=1024) as log:
        assert log.recovered_bytes == 4 and log.last_seq == last
        assert log.append(_events(1)).first_seq == last + 1
    with _open(folder, segment_bytes=1024) as log:
        assert log.last_seq == last + 1


def test_corruption_mid_file_raises_with_file_and_offset(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with _open(folder) as log:
        log.append(_events(2, "a"))
        log.append(_events(2, "b"))
    path = _segment(folder)
    data = bytearray(path.read_bytes())
    data[SEGMENT_HEADER.size + RECORD_HEADER.size + 4] ^= 0x01  # inside the first payload
    path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceError, match=f"{path.name} is corrupt at byte offset 16") as err:
        EventLog.open(folder)
    assert err.value.details == {"path": str(path), "offset": SEGMENT_HEADER.size}
    assert "intact record follows" in err.value.message
    assert path.read_bytes() == bytes(data)  # nothing was cut
    data[SEGMENT_HEADER.size + RECORD_HEADER.size + 4] ^= 0x01
    path.write_bytes(bytes(data))
    EventLog.open(folder).close()  # and the lock was released by the failed open


def test_damage_in_a_sealed_segment_raises(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with _open(folder, segment_bytes=1024) as log:
        while len(log.segments()) < 3:
            log.append(_events(3))
        sealed = log.segments()[1]
    os.truncate(sealed.path, sealed.bytes - 5)
    with pytest.raises(WorkspaceError, match=sealed.path.name) as err:
        EventLog.open(folder)
    assert err.value.details["path"] == str(sealed.path)


def test_missing_segment_raises(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with _open(folder, segment_bytes=1024) as log:
        while len(log.segments()) < 3:
            log.append(_events(3))
        middle = log.segments()[1]
    middle.path.unlink()
    with pytest.raises(WorkspaceError, match=f"missing events {middle.first_seq}"):
        EventLog.open(folder)


def test_truncate_before_deletes_only_whole_sealed_segments(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    with _open(folder, segment_bytes=1024) as log:
        while len(log.segments()) < 4:
            log.append(_events(3))
        segs = log.segments()
        assert log.truncate_before(segs[1].first_seq + 1) == [segs[0].path]  # seg 1 holds seq+1
        assert log.first_seq == segs[1].first_seq
        assert log.truncate_before(log.last_seq + 1) == [s.path for s in segs[1:-1]]
        assert [s.path for s in log.segments()] == [segs[-1].path]  # never the active one
        assert log.truncate_before(log.last_seq + 1) == []
        assert [s for s, _ in _replayed(log)] == list(range(segs[-1].first_seq, log.last_seq + 1))
        last = log.last_seq
        with pytest.raises(InvalidArgument):
            log.truncate_before(last + 5)
    with _open(folder, segment_bytes=1024) as log:
        assert (log.first_seq, log.last_seq) == (segs[-1].first_seq, last)
        assert log.append(_events(1)).first_seq == last + 1


def test_bad_arguments(tmp_path: Path) -> None:
    with _open(tmp_path / "log") as log:
        cases: list[tuple[Any, Any, str]] = [
            ([], None, "events"),
            ({"a": 1}, None, "events"),
            (["not an object"], None, "events"),
            ([{"when": object()}], None, "events"),
            (_events(1), "", "idempotency_key"),
            (_events(1), "k" * 2000, "idempotency_key"),
        ]
        for events, key, argument in cases:
            with pytest.raises(InvalidArgument) as err:
                log.append(events, idempotency_key=key)
            assert err.value.details["argument"] == argument
        assert log.last_seq == 0
        with pytest.raises(InvalidArgument):
            log.replay(-1)
    with pytest.raises(InvalidArgument) as err:
        EventLog.open(tmp_path / "other", segment_bytes=10)
    assert err.value.details["argument"] == "segment_bytes"


def test_one_opener_at_a_time_and_closed_log_refuses(tmp_path: Path) -> None:
    log = _open(tmp_path / "log")
    with pytest.raises(ConflictError, match="already open"):
        EventLog.open(tmp_path / "log")
    log.append(_events(1))
    log.close()
    log.close()
    with pytest.raises(WorkspaceError, match="closed"):
        log.append(_events(1))
    with _open(tmp_path / "log") as again:
        assert again.last_seq == 1


def test_a_folder_that_is_not_a_log_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not an event log"):
        EventLog.open(tmp_path)


def test_concurrent_appends_get_disjoint_contiguous_numbers(tmp_path: Path) -> None:
    results: list[AppendResult] = []
    with EventLog.open(tmp_path / "log", segment_bytes=4096) as log:

        def work(t: int) -> None:
            for b in range(15):
                r = log.append(_events(3, f"t{t}b{b}"), idempotency_key=f"t{t}b{b}")
                results.append(r)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert log.last_seq == 180
        logged = list(log.replay())
    seqs = sorted(s for r in results for s in range(r.first_seq, r.last_seq + 1))
    assert seqs == list(range(1, 181)) == [e.seq for e in logged]
    for r in results:  # a batch stays together, in order
        tags = {logged[s - 1].event["tag"] for s in range(r.first_seq, r.last_seq + 1)}
        assert len(tags) == 1


def _ack(line: str) -> tuple[int, int, int]:
    first, count, batch = (int(x) for x in line.split(","))
    return first, count, batch


@pytest.mark.parametrize("segment_bytes", [64 * 1024 * 1024, 8192])
def test_sigkill_after_acks_loses_no_acknowledged_event(tmp_path: Path, segment_bytes: int) -> None:
    folder = tmp_path / "log"
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "log_writer.py"), str(folder), "20", str(segment_bytes)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acked: list[tuple[int, int, int]] = []
    deadline = time.monotonic() + 20
    while len(acked) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acked.append(_ack(line))
    os.kill(proc.pid, signal.SIGKILL)
    # acknowledgements already in the pipe were given before the kill: they count too
    acked += [_ack(line) for line in proc.stdout]
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 40, "the writer did not acknowledge enough batches"

    with EventLog.open(folder, segment_bytes=segment_bytes) as log:
        logged = list(log.replay())
        by_seq = {e.seq: e.event for e in logged}
        assert [e.seq for e in logged] == list(range(1, len(logged) + 1))
        pairs = [(e.event["batch"], e.event["i"]) for e in logged]
        assert len(pairs) == len(set(pairs))  # exactly once
        for first, count, batch in acked:
            assert [(by_seq[s]["batch"], by_seq[s]["i"]) for s in range(first, first + count)] == [
                (batch, i) for i in range(count)
            ]
        # whatever got past the last ack is whole batches only, and the log goes on from there
        assert len(logged) % 20 == 0
        first, count, batch = acked[-1]
        retry = [
            {"batch": batch, "i": i, "user_id": f"u{batch}", "pad": "x" * 64} for i in range(20)
        ]
        assert log.append(retry, idempotency_key=f"b{batch}") == AppendResult(first, count, True)
        assert log.append([{"after": "restart"}]).first_seq == len(logged) + 1


# ---- property: any sequence of appends replays to exactly the accepted batches ------------
event = st.dictionaries(
    st.sampled_from(["user_id", "item_id", "n"]),
    st.one_of(st.integers(0, 2), st.sampled_from(["a", "b", "é"])),
    max_size=3,
)
op = st.tuples(
    st.lists(event, min_size=1, max_size=3),
    st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3", "k4"])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(op, min_size=1, max_size=12), segment_bytes=st.sampled_from([1024, 1 << 20]))
def test_any_appends_replay_to_the_accepted_batches(
    ops: list[tuple[list[dict[str, Any]], str | None]], segment_bytes: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "log"
        expected: list[dict[str, Any]] = []
        seen: dict[str, tuple[list[dict[str, Any]], AppendResult]] = {}
        log = EventLog.open(folder, segment_bytes=segment_bytes, fsync=False)
        try:
            for i, (events, key) in enumerate(ops):
                if key in seen and seen[key][0] != events:
                    with pytest.raises(ConflictError):
                        log.append(events, idempotency_key=key)
                    continue
                result = log.append(events, idempotency_key=key)
                if key in seen:
                    assert result == AppendResult(seen[key][1].first_seq, len(events), True)
                    continue
                assert result == AppendResult(len(expected) + 1, len(events))
                expected += events
                if key is not None:
                    seen[key] = (events, result)
                if i == len(ops) // 2:  # restart half-way: numbers and keys survive
                    log.close()
                    log = EventLog.open(folder, segment_bytes=segment_bytes, fsync=False)
            assert [(e.seq, e.event) for e in log.replay()] == list(enumerate(expected, start=1))
        finally:
            log.close()
        with EventLog.open(folder, segment_bytes=segment_bytes, fsync=False) as log:
            assert [e.event for e in log.replay()] == expected
            keys = {e.idempotency_key for e in log.replay()} - {None}
            assert keys == set(seen)
