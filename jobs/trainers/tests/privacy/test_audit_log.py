"""The access audit log: appends never interleave, torn lines are skipped, compaction."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from shopmind.errors import InvalidArgument
from shopmind.privacy.audit import AUDIT_FILE, AuditEntry, AuditLog
from shopmind.workspace import Workspace


def entry(n: int, who: str = "key:abcd1234", pad: int = 0, **kw: object) -> AuditEntry:
    return AuditEntry(
        who=who,
        channel="api",
        action="POST /v1/events/batch",
        target=f"/v1/events/batch?n={n}" + "x" * pad,
        outcome="201",
        request_id=f"r{n}",
        **kw,  # type: ignore[arg-type]
    )


def test_round_trip_and_newest_last(tmp_path: Path) -> None:
    with AuditLog(tmp_path) as log:
        for n in range(5):
            log.append(entry(n))
    got = AuditLog(tmp_path).read(limit=3)
    assert [e.request_id for e in got] == ["r2", "r3", "r4"]
    assert got[0] == entry(2, when=got[0].when)
    assert got[0].when.tzinfo is not None
    everything = AuditLog(tmp_path).read(limit=None)
    assert len(everything) == 5
    later = AuditLog(tmp_path).read(since=everything[3].when)
    assert [e.request_id for e in later] == ["r3", "r4"]
    assert AuditLog(tmp_path).read(since=datetime.now(UTC) + timedelta(hours=1)) == []
    assert AuditLog(tmp_path / "none").read() == []


def test_torn_last_line_is_skipped_and_the_next_append_starts_clean(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, sync_interval_s=0)
    log.append(entry(0))
    log.close()
    path = tmp_path / AUDIT_FILE
    with path.open("ab") as fh:  # a crash mid-write: half an entry, no newline
        fh.write(b'{"when": "2026-01-01T00:00:00+00:00", "who": "key:torn", "chan')
    assert [e.request_id for e in AuditLog(tmp_path).read()] == ["r0"]
    with AuditLog(tmp_path) as again:
        again.append(entry(1))
    assert [e.request_id for e in AuditLog(tmp_path).read()] == ["r0", "r1"]
    lines = path.read_bytes().split(b"\n")
    # the fragment is kept (it is evidence), ended by the next append's leading newline
    assert len(lines) == 4 and lines[1].endswith(b'"chan') and lines[-1] == b""


def test_threads_never_interleave(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, sync_interval_s=0.01)
    per_thread, threads = 150, 6

    def work(t: int) -> None:
        for n in range(per_thread):
            # long lines: interleaved writes would break them
            log.append(entry(t * 1000 + n, who=f"key:t{t}", pad=400))

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    log.close()
    raw = (tmp_path / AUDIT_FILE).read_bytes().splitlines()
    assert len(raw) == per_thread * threads
    got = AuditLog(tmp_path).read(limit=None)
    assert len(got) == per_thread * threads
    for t in range(threads):
        mine = [e.request_id for e in got if e.who == f"key:t{t}"]
        assert mine == [f"r{t * 1000 + n}" for n in range(per_thread)]  # in order per thread


def _append_many(root: str, tag: int) -> None:
    with AuditLog(Path(root), sync_interval_s=0.01) as log:
        for n in range(100):
            log.append(entry(n, who=f"key:p{tag}", pad=300))


def test_processes_never_interleave(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(str(tmp_path), p)) for p in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    raw = (tmp_path / AUDIT_FILE).read_bytes().splitlines()
    assert len(raw) == 300 and len(AuditLog(tmp_path).read(limit=None)) == 300


def test_guards_name_the_argument(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as exc:
        AuditEntry(who="x", channel="email", action="a", target="", outcome="ok")
    assert exc.value.details["argument"] == "channel"
    with pytest.raises(InvalidArgument) as exc:
        AuditLog(tmp_path).read(limit=0)
    assert exc.value.details["argument"] == "limit"
    with pytest.raises(InvalidArgument) as exc:
        AuditLog(tmp_path, sync_interval_s=-1)
    assert exc.value.details["argument"] == "sync_interval_s"
    long = AuditEntry(who="x", channel="cli", action="a", target="y" * 5000, outcome="ok")
    assert len(long.target) == 500


def test_compaction_writes_a_version_only_when_something_is_new(ws: Workspace) -> None:
    log = AuditLog(ws.root, sync_interval_s=0)
    empty = log.compact(ws)
    assert (empty.ref, empty.written) == (None, False)
    for n in range(3):
        log.append(entry(n))
    first = log.compact(ws)
    assert str(first.ref) == "audit@1" and first.written and first.entries == 3
    again = log.compact(ws)
    assert str(again.ref) == "audit@1" and not again.written
    # the record of a compaction alone is not new: it would make every compaction write one
    log.append(
        AuditEntry(
            who="k", channel="api", action="POST /v1/audit/compact", target="", outcome="200"
        )
    )
    assert not log.compact(ws).written
    log.append(entry(3))
    second = log.compact(ws)
    assert str(second.ref) == "audit@2" and second.entries == 5
    log.close()
    version = ws.get("audit")
    assert version.produced_by == "privacy.audit" and version.rows == 5
    assert "pii" in version.tags["who"]
    table = pq.read_table(ws.data_path(version))
    assert table.column("request_id").to_pylist()[:3] == ["r0", "r1", "r2"]
    assert str(table.schema.field("when").type) == "timestamp[us, tz=UTC]"
