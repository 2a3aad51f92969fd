"""Erasing events from the durable log (the right to be forgotten), in place and crash-safe.

:meth:`shopmind.events.log.EventLog.erase` holds the log's lock (no append, rotation or sync
runs meanwhile) and calls :func:`erase_segments`.

An erased event is replaced, inside its record's payload, by the tombstone
``{"_erased": true}``. Every record keeps its ``first_seq`` and ``count``, so sequence numbers,
compaction watermarks and ``truncate_before`` keep working; only the payload changes, and the
record's CRC is recomputed so recovery reads the rewritten segment as intact. ``replay``
skips tombstones; compaction sees them (``replay(erased=True)``) only to keep its numbering.

Idempotency keys: the record's digest field is left as it was, the digest of the batch *as
appended* (nothing reads it as a checksum of the payload; the CRC covers the bytes). So the
key index, in memory and as rebuilt from the record headers on open, still recognises a retry
of a batch that had events erased: it is answered as a duplicate (the original sequence
numbers, ``duplicate=True``) and nothing is written, so a retry cannot bring erased events
back. Keys keep working for new batches as before.

Events already compacted into the workspace's ``events`` versions are not touched here.

A segment holding a matching event is copied to ``{segment}.erase-tmp`` in the log folder
with the events replaced, fsynced, renamed over the original, and the folder fsynced: a crash
leaves either the old file or the new one, never a mix. A temporary file left by a crash
before its rename is ignored by recovery (it is not named like a segment) and deleted by the
next erase. Segments with no matching event are not written at all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO, Final, Protocol

import orjson

from shopmind.errors import InvalidArgument, WorkspaceError
from shopmind.events.format import (
    MAX_BODY_BYTES,
    SEGMENT_HEADER,
    BadRecord,
    Record,
    encode_record,
    read_record,
)
from shopmind.events.segment import corrupt
from shopmind.workspace.files import fsync_dir

Match = Callable[[Mapping[str, Any]], bool]

#: What an erased event reads as in a record's payload (and in ``replay(erased=True)``).
TOMBSTONE: Final[Mapping[str, Any]] = MappingProxyType({"_erased": True})
TEMP_SUFFIX = ".erase-tmp"
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class EraseResult:
    """What one :meth:`EventLog.erase` removed: events tombstoned, segment files replaced."""

    events_erased: int
    segments_rewritten: int


@dataclass(frozen=True)
class SegmentRewrite:
    """A segment's erased copy, complete and fsynced at ``temp`` but not yet renamed into place.

    ``size``: bytes of the new file; ``erased``: events it tombstoned.
    """

    temp: Path
    size: int
    erased: int


class SegmentFile(Protocol):
    """The log's bookkeeping of one segment: its file and its bytes of intact data."""

    path: Path
    size: int


def is_tombstone(event: Mapping[str, Any]) -> bool:
    """True for the placeholder of an erased event (exactly ``{"_erased": true}``).

    Appends refuse this exact object, so a client cannot log an event that would read as
    erased and silently vanish from replay and compaction.
    """
    return len(event) == 1 and event.get("_erased") is True


def check_match(match: object) -> None:
    """Refuse a ``match`` that is not callable before the log's lock is taken."""
    if not callable(match):
        raise InvalidArgument(
            f"match must be a callable taking an event and returning a bool, not "
            f"{type(match).__name__}",
            argument="match",
        )


def remove_temps(folder: Path) -> None:
    """Delete temporary files a crashed erase left behind (their segment was never replaced).

    Best effort: a leftover is harmless (recovery ignores it, a rewrite overwrites it).
    """
    for path in folder.glob("*" + TEMP_SUFFIX):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _erase_in(path: Path, rec: Record, match: Match) -> tuple[bytes, int]:
    """The record's payload with matching events tombstoned, and how many there were."""
    try:
        events = orjson.loads(rec.payload)
    except orjson.JSONDecodeError as exc:
        raise corrupt(path, rec.offset, f"payload is not JSON: {exc}") from exc
    if not isinstance(events, list) or len(events) != rec.count:
        raise corrupt(path, rec.offset, f"payload does not hold {rec.count} events")
    erased = 0
    for i, event in enumerate(events):
        # Tombstones are not offered to match: erasing twice changes nothing. The read-only
        # view keeps a careless match from editing an event that is then written back.
        if isinstance(event, dict) and not is_tombstone(event) and match(MappingProxyType(event)):
            events[i] = dict(TOMBSTONE)
            erased += 1
    if not erased:
        return rec.payload, 0
    # Keys sorted as append writes them, so the events kept are serialised byte for byte as
    # they were.
    return orjson.dumps(events, option=orjson.OPT_SORT_KEYS), erased


def _copy(src: BinaryIO, dst: BinaryIO, start: int, stop: int, path: Path) -> None:
    """Copy bytes ``start..stop`` of ``src`` to ``dst``, leaving ``src``'s position as found."""
    here = src.tell()
    src.seek(start)
    left = stop - start
    while left:
        chunk = src.read(min(left, _COPY_CHUNK))
        if not chunk:
            raise corrupt(path, stop - left, "file shorter than its records")
        dst.write(chunk)
        left -= len(chunk)
    src.seek(here)


def rewrite_segment(path: Path, end: int, match: Match) -> SegmentRewrite | None:
    """Copy segment ``path`` (its intact bytes up to ``end``) with matching events tombstoned.

    The copy goes to a temporary file beside it and is fsynced; None (and no file left) when no
    event matches. Records without a match are copied as raw bytes. Raises WorkspaceError for
    a damaged record or a failed write; whatever ``match`` raises propagates.
    """
    temp = path.with_name(path.name + TEMP_SUFFIX)
    out: BinaryIO | None = None
    erased = 0
    try:
        with path.open("rb") as src:
            src.seek(SEGMENT_HEADER.size)
            pos = SEGMENT_HEADER.size
            while pos < end:
                rec = read_record(src, pos)
                if isinstance(rec, BadRecord):
                    raise corrupt(path, rec.offset, rec.reason)
                payload, n = _erase_in(path, rec, match)
                if n:
                    key = rec.key.encode("utf-8") if rec.key is not None else b""
                    if len(key) + len(payload) > MAX_BODY_BYTES:
                        raise WorkspaceError(
                            f"cannot erase from {path} at byte offset {rec.offset}: with "
                            f"tombstones the record would exceed {MAX_BODY_BYTES} bytes",
                            path=str(path),
                            offset=rec.offset,
                        )
                    if out is None:
                        out = temp.open("wb")
                        _copy(src, out, 0, rec.offset, path)
                    out.write(
                        encode_record(
                            rec.first_seq, rec.count, rec.received_at, rec.digest, key, payload
                        )
                    )
                    erased += n
                elif out is not None:
                    _copy(src, out, rec.offset, rec.end, path)
                pos = rec.end
        if out is None:
            return None
        out.flush()
        os.fsync(out.fileno())
        size = out.tell()
        out.close()
        return SegmentRewrite(temp, size, erased)
    except OSError as exc:
        _discard(out, temp)
        raise WorkspaceError(
            f"cannot erase events from {path}: {exc}; it was left unchanged", path=str(path)
        ) from exc
    except BaseException:
        _discard(out, temp)
        raise


def _discard(out: BinaryIO | None, temp: Path) -> None:
    if out is not None:
        out.close()
        temp.unlink(missing_ok=True)


def install(rewrite: SegmentRewrite, path: Path, *, reopen: bool) -> int:
    """Rename ``rewrite`` over segment ``path``; the caller fsyncs the folder afterwards.

    With ``reopen`` (the active segment) returns a descriptor opened for appending as
    ``EventLog`` opens its own, else -1. It is opened on the temporary file *before* the
    rename, so once the rename is done nothing can fail that would leave the log appending to
    the replaced (unlinked) file. Raises WorkspaceError, with ``path`` unchanged, otherwise.
    """
    fd = -1
    try:
        if reopen:
            fd = os.open(rewrite.temp, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        os.replace(rewrite.temp, path)
    except OSError as exc:
        if fd >= 0:
            os.close(fd)
        rewrite.temp.unlink(missing_ok=True)
        raise WorkspaceError(
            f"cannot replace {path} with its erased copy: {exc}; it was left unchanged",
            path=str(path),
        ) from exc
    return fd


def erase_segments(
    folder: Path, segments: Sequence[SegmentFile], match: Match, reopened: Callable[[int], None]
) -> EraseResult:
    """Tombstone the events ``match`` is true for in ``segments`` (oldest first, last active).

    Each segment with a match is rewritten (:func:`rewrite_segment`), renamed into place
    (:func:`install`), its ``size`` updated and the folder fsynced; the others are not
    written. For the active segment, ``reopened`` gets an append descriptor on the new file
    right after the rename, for the log to write to from then on. A failure to read or write a
    segment raises WorkspaceError with that segment unchanged (earlier ones stay erased; erase
    again to finish, as tombstones are never offered to ``match``). An OSError of the folder
    fsync after a rename propagates as it is: the log must then stop, as what a crash would
    leave of the active segment is unknown.
    """
    remove_temps(folder)
    erased = rewritten = 0
    for segment in segments:
        new = rewrite_segment(segment.path, segment.size, match)
        if new is None:
            continue
        active = segment is segments[-1]
        fd = install(new, segment.path, reopen=active)
        segment.size = new.size
        erased, rewritten = erased + new.erased, rewritten + 1
        if active:
            reopened(fd)
        fsync_dir(folder)
    return EraseResult(erased, rewritten)
