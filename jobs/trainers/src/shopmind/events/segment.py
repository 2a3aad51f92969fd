"""Reading segment files: the recovery scan on open and the record stream for replay.

Recovery rule: an append is a single write, acknowledged only after it is on disk, so a crash
can damage only the bytes of the newest, unacknowledged record at the end of the newest
segment. A bad record there with no intact record after it is such a torn tail and is cut
away. A bad record anywhere else (an older segment, or with an intact record after it) is
corruption of acknowledged data: recovery stops with an error naming the file and offset
rather than skip it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shopmind.errors import WorkspaceError
from shopmind.events.format import (
    RECORD_MAGIC,
    SEGMENT_HEADER,
    SEGMENT_MAGIC,
    BadRecord,
    Record,
    read_record,
)


@dataclass(frozen=True)
class KeyEntry:
    """Where an idempotency key's batch lives: its sequence range and payload digest."""

    first_seq: int
    count: int
    digest: bytes

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1


@dataclass
class SegmentScan:
    """What the recovery scan found in one segment file; sizes are in bytes."""

    path: Path
    first_seq: int
    next_seq: int
    end: int  # header plus every intact record; the file is cut here when ``size`` is larger
    size: int
    header_ok: bool  # False only for a newest segment whose header write was cut short
    keys: list[tuple[str, KeyEntry]] = field(default_factory=list)

    @property
    def torn_bytes(self) -> int:
        return self.size - self.end


def corrupt(path: Path, offset: int, reason: str) -> WorkspaceError:
    return WorkspaceError(
        f"event log segment {path} is corrupt at byte offset {offset}: {reason}; "
        "acknowledged events may be damaged, so the log refuses to open "
        "(restore the file or move it aside deliberately)",
        path=str(path),
        offset=offset,
    )


def _intact_record_after(path: Path, start: int) -> int | None:
    """Offset of the first intact record at or after ``start``, or None.

    Only runs after a bad record was found, so reading the rest of the file is acceptable;
    searching for the record magic keeps it linear.
    """
    with path.open("rb") as fh:
        fh.seek(start)
        data = fh.read()
    buf = io.BytesIO(data)
    i = data.find(RECORD_MAGIC)
    while i >= 0:
        buf.seek(i)
        if isinstance(read_record(buf, start + i), Record):
            return start + i
        i = data.find(RECORD_MAGIC, i + 1)
    return None


def scan_segment(path: Path, first_seq: int, newest: bool) -> SegmentScan:
    """Check every record of a segment; find where its intact data ends.

    ``first_seq`` is what the file name (and the previous segment) says the first record
    holds. Raises WorkspaceError naming file and offset on corruption; a torn tail of the
    newest segment is reported through ``end < size`` instead.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(SEGMENT_HEADER.size)
        if len(head) < SEGMENT_HEADER.size:
            if newest:  # killed while creating the segment: nothing was ever written to it
                return SegmentScan(path, first_seq, first_seq, 0, size, header_ok=False)
            raise corrupt(path, 0, "incomplete segment header")
        magic, declared = SEGMENT_HEADER.unpack(head)
        if magic != SEGMENT_MAGIC:
            raise corrupt(path, 0, f"not an event log segment (magic {magic!r})")
        if declared != first_seq:
            raise corrupt(path, 0, f"header says first sequence {declared}, expected {first_seq}")
        scan = SegmentScan(path, first_seq, first_seq, SEGMENT_HEADER.size, size, header_ok=True)
        while scan.end < size:
            rec = read_record(fh, scan.end)
            if isinstance(rec, BadRecord):
                later = _intact_record_after(path, scan.end + 1) if newest else None
                if newest and later is None:
                    break
                where = f"; an intact record follows at offset {later}" if later is not None else ""
                raise corrupt(path, rec.offset, rec.reason + where)
            if rec.first_seq != scan.next_seq:
                raise corrupt(
                    path,
                    rec.offset,
                    f"record holds sequence {rec.first_seq}, expected {scan.next_seq}",
                )
            if rec.key is not None:
                scan.keys.append((rec.key, KeyEntry(rec.first_seq, rec.count, rec.digest)))
            scan.next_seq = rec.last_seq + 1
            scan.end = rec.end
    return scan


def read_segment(path: Path, first_seq: int, last_seq: int) -> Iterator[Record]:
    """The records of a segment starting at ``first_seq``, through event ``last_seq``.

    Bounded by sequence number rather than byte offset: :meth:`EventLog.erase` may rewrite the
    file between planning a replay and reading it, changing record sizes but never numbers.
    The next record is read only while ``last_seq`` is not yet reached, so bytes an append is
    still writing after it are never touched. Checksums are verified again; raises
    WorkspaceError if the records do not hold exactly these sequence numbers.
    """
    with path.open("rb") as fh:
        fh.seek(SEGMENT_HEADER.size)
        pos, expected = SEGMENT_HEADER.size, first_seq
        while expected <= last_seq:
            rec = read_record(fh, pos)
            if isinstance(rec, BadRecord):
                raise corrupt(path, rec.offset, rec.reason)
            if rec.first_seq != expected or rec.last_seq > last_seq:
                raise corrupt(
                    path,
                    rec.offset,
                    f"record holds sequence {rec.first_seq}..{rec.last_seq}, expected one "
                    f"starting at {expected} and ending by {last_seq}",
                )
            yield rec
            pos, expected = rec.end, rec.last_seq + 1
