"""The durable event log: append-only segment files; an append returns once it is on disk.

Layout of the log folder::

    DIR/log.json                    format marker and the log's id (compaction watermarks name it)
    DIR/LOCK                        flock'ed while a process has the log open
    DIR/{first_seq:020d}.seg        segments, oldest first; only the newest one is written

Framing is in :mod:`shopmind.events.format`, recovery rules in :mod:`shopmind.events.segment`.
One ``append`` call is one record: one write and, with ``fsync=True``, one ``fdatasync``.
Callers appending at the same time share an ``fdatasync`` (group commit): whoever finds no
sync running starts one covering everything written so far, the others wait for it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from shopmind.errors import ConflictError, InvalidArgument, WorkspaceError
from shopmind.events import erase as erasure
from shopmind.events.erase import EraseResult, is_tombstone
from shopmind.events.format import (
    MAX_BODY_BYTES,
    MAX_KEY_BYTES,
    RECORD_HEADER,
    SEGMENT_HEADER,
    encode_record,
    parse_segment_name,
    payload_digest,
    segment_header,
    segment_name,
)
from shopmind.events.keys import KeyIndex
from shopmind.events.segment import KeyEntry, SegmentScan, corrupt, read_segment, scan_segment
from shopmind.workspace.files import fsync_dir

log = logging.getLogger(__name__)

DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
MIN_SEGMENT_BYTES = 1024
DEFAULT_MAX_KEYS = 1_000_000
META_FILE = "log.json"
LOCK_FILE = "LOCK"
FORMAT = "shopmind-event-log"
FORMAT_VERSION = 1
_OWN_FILES = frozenset({LOCK_FILE, META_FILE + ".tmp"})


@dataclass(frozen=True)
class AppendResult:
    """Sequence numbers given to a batch: ``first_seq .. first_seq + count - 1``.

    ``duplicate`` is True when the idempotency key was seen before: the numbers are then those
    of the original batch and nothing new was written.
    """

    first_seq: int
    count: int
    duplicate: bool = False

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1


@dataclass(frozen=True)
class LoggedEvent:
    """One event as logged; ``received_at`` is in Unix seconds (when the log accepted it)."""

    seq: int
    event: dict[str, Any]
    idempotency_key: str | None
    received_at: float


@dataclass(frozen=True)
class SegmentInfo:
    """One segment file; ``last_seq < first_seq`` when it holds no events yet."""

    path: Path
    first_seq: int
    last_seq: int
    bytes: int
    active: bool


@dataclass
class _Segment:
    path: Path
    first_seq: int
    size: int  # bytes of intact data: where the next record goes


def _sync(fd: int) -> None:
    # fdatasync skips metadata a reader does not need (mtime) but does flush a grown size.
    if hasattr(os, "fdatasync"):
        os.fdatasync(fd)
    else:  # pragma: no cover - macOS
        os.fsync(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    done = 0
    while done < len(view):
        n = os.write(fd, view[done:])
        if n <= 0:
            raise OSError(f"write returned {n}")
        done += n


def _lock_folder(folder: Path) -> int:
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        # The lock dies with its process (SIGKILL included), so a crash never leaves it stale.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise ConflictError(
            f"event log {folder} is already open (by this or another process); one writer "
            "at a time",
            path=str(folder),
        ) from exc
    return fd


def _load_meta(folder: Path) -> str:
    """The log's id from ``log.json``, creating the file in an empty folder."""
    path = folder / META_FILE
    if path.is_file():
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            fmt, version, log_id = meta["format"], int(meta["format_version"]), str(meta["log_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(f"{path} is corrupt: {exc}", path=str(path)) from exc
        if fmt != FORMAT or version > FORMAT_VERSION:
            raise WorkspaceError(
                f"{path}: format {fmt!r} version {version} is not a {FORMAT} this shopmind "
                f"reads (up to version {FORMAT_VERSION})",
                path=str(path),
            )
        return log_id
    others = sorted(p.name for p in folder.iterdir() if p.name not in _OWN_FILES)
    if others:
        raise WorkspaceError(
            f"{folder} is not empty ({', '.join(others[:5])}) but has no {META_FILE}, so it "
            "is not an event log; refusing to write into it",
            path=str(folder),
        )
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "log_id": uuid.uuid4().hex,
        "created_at": datetime.now(UTC).isoformat(),
    }
    tmp = folder / (META_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(folder)
    return str(meta["log_id"])


def _encode_events(events: Sequence[Mapping[str, Any]]) -> tuple[bytes, int]:
    """JSON payload of a batch (keys sorted, so a retry that reorders keys matches) and size."""
    if isinstance(events, str | bytes | Mapping) or not isinstance(events, Sequence):
        raise InvalidArgument(
            f"events must be a list of event objects, not {type(events).__name__}",
            argument="events",
        )
    if not events:
        raise InvalidArgument(
            "events is empty: a batch holds at least one event", argument="events"
        )
    rows: list[Mapping[str, Any]] = []
    for i, event in enumerate(events):
        if not isinstance(event, Mapping):
            raise InvalidArgument(
                f"events[{i}] is a {type(event).__name__}, not an object", argument="events"
            )
        if is_tombstone(event):  # reserved: it would vanish from replay and compaction
            raise InvalidArgument(f"events[{i}] is the erased-event tombstone", argument="events")
        rows.append(event if type(event) is dict else dict(event))
    try:
        payload = orjson.dumps(rows, option=orjson.OPT_SORT_KEYS)
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
        raise InvalidArgument(
            f"events are not JSON-serialisable: {exc}", argument="events"
        ) from exc
    if len(payload) > MAX_BODY_BYTES - MAX_KEY_BYTES:
        raise InvalidArgument(
            f"batch is {len(payload)} bytes of JSON; at most {MAX_BODY_BYTES - MAX_KEY_BYTES}",
            argument="events",
        )
    return payload, len(rows)


def _encode_key(key: str | None) -> bytes:
    if key is None:
        return b""
    if not isinstance(key, str) or not key:
        raise InvalidArgument(
            "idempotency_key must be a non-empty string", argument="idempotency_key"
        )
    try:
        raw = key.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgument(
            f"idempotency_key is not valid Unicode: {exc}", argument="idempotency_key"
        ) from exc
    if len(raw) > MAX_KEY_BYTES:
        raise InvalidArgument(
            f"idempotency_key is {len(raw)} bytes; at most {MAX_KEY_BYTES}",
            argument="idempotency_key",
        )
    return raw


class EventLog:
    """An append-only, segmented, fsynced log of event batches. Open with :meth:`open`.

    Thread-safe. One process at a time may have a log folder open (enforced with ``flock``).
    """

    def __init__(self, folder: Path, segment_bytes: int, fsync: bool, max_keys: int) -> None:
        """Internal: use :meth:`open`, which also recovers the folder's segments."""
        self.folder = folder
        self.segment_bytes = segment_bytes
        self.fsync = fsync
        self.log_id = ""
        self.recovered_bytes = 0  # bytes of torn tail cut away by the last open
        self._keys = KeyIndex(max_keys)
        self._segments: list[_Segment] = []
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._fd = -1
        self._lock_fd = -1
        self._next_seq = 1
        self._durable_seq = 0  # every event up to here is on disk
        self._syncing = False
        self._failure: BaseException | None = None
        self._closed = False

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        folder: Path | str,
        *,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES,
        fsync: bool = True,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> EventLog:
        """Open (or create) the log in ``folder`` and recover it.

        ``segment_bytes``: size (bytes) at which the newest segment is sealed and a new one
        started; a batch bigger than that gets a segment of its own. ``fsync``: when False,
        appends return once written to the OS (they survive a killed process, not a power
        loss). ``max_keys``: idempotency keys remembered, newest first.

        A torn tail of the newest segment (an unacknowledged write cut short) is truncated and
        its size left in :attr:`recovered_bytes`; any other damage raises WorkspaceError naming
        the file and byte offset. Raises ConflictError when the log is open elsewhere.
        """
        if isinstance(segment_bytes, bool) or not isinstance(segment_bytes, int):
            raise InvalidArgument("segment_bytes must be an integer", argument="segment_bytes")
        if segment_bytes < MIN_SEGMENT_BYTES:
            raise InvalidArgument(
                f"segment_bytes={segment_bytes}: must be at least {MIN_SEGMENT_BYTES}",
                argument="segment_bytes",
            )
        if isinstance(max_keys, bool) or not isinstance(max_keys, int) or max_keys < 1:
            raise InvalidArgument(f"max_keys={max_keys!r}: must be >= 1", argument="max_keys")
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise InvalidArgument(f"{folder} is not a folder", argument="folder")
        folder.mkdir(parents=True, exist_ok=True)
        opened = cls(folder, segment_bytes, fsync, max_keys)
        opened._lock_fd = _lock_folder(folder)
        try:
            opened._recover()
        except BaseException:
            if opened._fd >= 0:
                os.close(opened._fd)
            os.close(opened._lock_fd)
            raise
        return opened

    def _recover(self) -> None:
        found = sorted(
            (first, p)
            for p in self.folder.iterdir()
            if (first := parse_segment_name(p)) is not None and p.is_file()
        )
        self.log_id = _load_meta(self.folder)
        if not found:
            self._create_segment(1)
            self._next_seq = 1
            self._durable_seq = 0
            return
        expected = found[0][0]
        for i, (first, path) in enumerate(found):
            if first != expected:
                raise WorkspaceError(
                    f"event log {self.folder} is missing events {expected}..{first - 1}: "
                    f"segment {path.name} starts at {first}",
                    path=str(path),
                )
            scan = scan_segment(path, first, newest=i == len(found) - 1)
            for key, entry in scan.keys:
                self._keys.add(key, entry)
            if scan.torn_bytes or not scan.header_ok:
                self._repair(scan)
            self._segments.append(_Segment(path, first, scan.end))
            expected = scan.next_seq
        newest = self._segments[-1]
        self._fd = os.open(newest.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        if self.fsync:
            # A killed predecessor's last writes may sit only in the page cache. Flush them
            # before anyone reads them: an OS crash must not later hand their sequence
            # numbers to other events.
            _sync(self._fd)
            fsync_dir(self.folder)
        self._next_seq = expected
        self._durable_seq = expected - 1

    def _repair(self, scan: SegmentScan) -> None:
        """Cut the torn tail off the newest segment (rewriting a torn segment header)."""
        with scan.path.open("r+b") as fh:
            if scan.header_ok:
                fh.truncate(scan.end)
            else:
                fh.truncate(0)
                fh.write(segment_header(scan.first_seq))
                scan.end = SEGMENT_HEADER.size
            fh.flush()
            os.fsync(fh.fileno())
        cut = scan.torn_bytes if scan.header_ok else scan.size
        self.recovered_bytes += cut
        log.warning(
            "event log %s: cut %d bytes of torn tail from %s (an unacknowledged write)",
            self.folder,
            cut,
            scan.path.name,
        )

    def _create_segment(self, first_seq: int) -> None:
        path = self.folder / segment_name(first_seq)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o644)
        try:
            _write_all(fd, segment_header(first_seq))
            # Header and directory entry go to disk before any record, so a segment that
            # exists after a crash is always a well-formed (maybe empty) one.
            _sync(fd)
            fsync_dir(self.folder)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._segments.append(_Segment(path, first_seq, SEGMENT_HEADER.size))

    # ---- writing -------------------------------------------------------------------------
    def append(
        self, events: Sequence[Mapping[str, Any]], idempotency_key: str | None = None
    ) -> AppendResult:
        """Log a batch of events; returns once it is on disk (fsynced when ``fsync``).

        With ``idempotency_key``, a retry of an earlier batch returns that batch's result with
        ``duplicate=True`` and writes nothing; the same key with different events raises
        ConflictError. Raises InvalidArgument for an empty or non-JSON batch and
        WorkspaceError when the disk write fails (after which a failed sync makes the log
        refuse further appends until reopened).
        """
        payload, count = _encode_events(events)
        key = _encode_key(idempotency_key)
        digest = payload_digest(payload)
        received_at = time.time()
        size = RECORD_HEADER.size + len(key) + len(payload)
        with self._lock:
            # Rotation must not close the descriptor a running sync uses, so wait for that
            # sync first. Waiting releases the lock, which is why it happens before the key
            # lookup and the numbering: from there to the write the lock is held throughout.
            while self._needs_rotation(size) and self._syncing:
                self._cond.wait()
            self._check_usable()
            if idempotency_key is not None:
                hit = self._keys.get(idempotency_key)
                if hit is not None:
                    if hit.digest != digest:
                        raise ConflictError(
                            f"idempotency key {idempotency_key!r} was already used for a "
                            f"different batch (events {hit.first_seq}..{hit.last_seq}); "
                            "use a new key for new events",
                            key=idempotency_key,
                        )
                    # The original may still be waiting for its sync: a retry is acknowledged
                    # no earlier than the original would be.
                    self._wait_durable(hit.last_seq)
                    return AppendResult(hit.first_seq, hit.count, duplicate=True)
            if self._needs_rotation(size):
                self._rotate()
            active = self._segments[-1]
            first = self._next_seq
            record = encode_record(first, count, received_at, digest, key, payload)
            self._write(record)
            active.size += len(record)
            self._next_seq = first + count
            if idempotency_key is not None:
                self._keys.add(idempotency_key, KeyEntry(first, count, digest))
            self._wait_durable(first + count - 1)
        return AppendResult(first, count)

    def _needs_rotation(self, record_bytes: int) -> bool:
        active = self._segments[-1]
        # An empty segment takes any record, so a batch larger than a segment still fits.
        return active.size > SEGMENT_HEADER.size and active.size + record_bytes > self.segment_bytes

    def _write(self, record: bytes) -> None:
        try:
            _write_all(self._fd, record)
        except OSError as exc:
            # A partial record left in place would sit in front of the next append and read
            # as mid-file corruption on the next open: cut it off, or stop writing.
            try:
                os.ftruncate(self._fd, self._segments[-1].size)
            except OSError:
                self._failure = exc
                raise self._failed_error() from exc
            raise WorkspaceError(
                f"cannot append to event log {self._segments[-1].path}: {exc}",
                path=str(self._segments[-1].path),
            ) from exc

    def _wait_durable(self, target: int) -> None:
        """Block (lock held on entry and exit) until event ``target`` is on disk."""
        if not self.fsync:
            self._durable_seq = self._next_seq - 1
            return
        while self._durable_seq < target:
            self._check_usable()
            if self._syncing:
                self._cond.wait()
                continue
            self._syncing = True
            fd, seq = self._fd, self._next_seq - 1
            error: OSError | None = None
            self._lock.release()
            try:
                _sync(fd)
            except OSError as exc:
                error = exc
            finally:
                self._lock.acquire()
                self._syncing = False
                self._cond.notify_all()
            if error is not None:
                # After a failed fsync the kernel may have dropped the dirty pages: what is on
                # disk is unknown, so only a reopen (and its recovery scan) may write again.
                self._failure = error
                raise self._failed_error() from error
            self._durable_seq = max(self._durable_seq, seq)

    def _rotate(self) -> None:
        """Seal the newest segment and start the next one (lock held, no sync running)."""
        if self._syncing:  # pragma: no cover - append waits for the sync before rotating
            raise RuntimeError("rotation while a sync still uses the segment's descriptor")
        old = self._fd
        try:
            # Sealed segments are always whole on disk, even with fsync=False: recovery
            # treats damage in them as corruption, never as a torn tail.
            _sync(old)
            self._durable_seq = self._next_seq - 1
            self._create_segment(self._next_seq)
        except OSError as exc:
            self._failure = exc
            raise self._failed_error() from exc
        os.close(old)
        self._cond.notify_all()

    def truncate_before(self, seq: int) -> list[Path]:
        """Delete whole sealed segments whose events all have sequence numbers below ``seq``.

        The newest segment is never deleted. Returns the deleted files, oldest first. Call it
        only for events already compacted into the workspace.
        """
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise InvalidArgument(f"seq={seq!r}: must be an integer >= 0", argument="seq")
        with self._lock:
            self._check_open()
            if seq > self._next_seq:
                raise InvalidArgument(
                    f"seq={seq}: beyond the log's next sequence number {self._next_seq}",
                    argument="seq",
                )
            removed: list[Path] = []
            # Oldest first, so a crash part-way leaves a contiguous run of segments.
            while len(self._segments) > 1 and self._segments[1].first_seq <= seq:
                segment = self._segments.pop(0)
                segment.path.unlink(missing_ok=True)
                removed.append(segment.path)
            if removed:
                fsync_dir(self.folder)
            return removed

    def erase(self, match: Callable[[Mapping[str, Any]], bool]) -> EraseResult:
        """Physically remove each event ``match(event)`` is true for (right to be forgotten).

        Every segment is searched; an erased event becomes a tombstone in its record, so
        sequence numbers stay and :meth:`replay` skips it. How and why, and what a retry of a
        batch with erased events gets (still a duplicate): :mod:`shopmind.events.erase`.
        Appends wait meanwhile. Raises InvalidArgument for a non-callable ``match``.
        """
        erasure.check_match(match)
        with self._lock:
            while self._syncing:  # as for _rotate: the active segment's descriptor is replaced
                self._cond.wait()
            self._check_usable()
            try:
                return erasure.erase_segments(self.folder, self._segments, match, self._reopened)
            except OSError as exc:  # a folder fsync after a rename: unknown what a crash leaves
                self._failure = exc
                raise self._failed_error() from exc

    def _reopened(self, fd: int) -> None:
        """Append to the active segment's erased copy; fsynced, it holds every write so far."""
        old, self._fd, self._durable_seq = self._fd, fd, self._next_seq - 1
        os.close(old)

    # ---- reading -------------------------------------------------------------------------
    def replay(self, after_seq: int = 0, *, erased: bool = False) -> Iterator[LoggedEvent]:
        """Every durable event with a sequence number above ``after_seq``, in order.

        The set of events is fixed when this is called; appends made while iterating are not
        included. Events already removed by :meth:`truncate_before` are not returned: start
        at :attr:`first_seq` or later. Events removed by :meth:`erase` are skipped; with
        ``erased=True`` their tombstones (``{"_erased": true}``) are yielded too, for readers
        that must account for every sequence number (compaction). An erase while iterating
        may already hide events of segments not read yet.
        """
        if isinstance(after_seq, bool) or not isinstance(after_seq, int) or after_seq < 0:
            raise InvalidArgument(
                f"after_seq={after_seq!r}: must be an integer >= 0", argument="after_seq"
            )
        with self._lock:
            self._check_open()
            durable = self._durable_seq
            plan: list[tuple[Path, int, int]] = []
            for i, segment in enumerate(self._segments):
                newest = i == len(self._segments) - 1
                next_first = durable + 1 if newest else self._segments[i + 1].first_seq
                if next_first <= after_seq + 1:
                    continue  # every event in it is at or below after_seq
                plan.append((segment.path, segment.first_seq, next_first - 1))
        return self._replay(plan, after_seq, erased)

    def _replay(
        self, plan: list[tuple[Path, int, int]], after_seq: int, erased: bool
    ) -> Iterator[LoggedEvent]:
        for path, first, last in plan:
            try:
                for rec in read_segment(path, first, last):
                    if rec.last_seq <= after_seq:
                        continue
                    events = orjson.loads(rec.payload)
                    if not isinstance(events, list) or len(events) != rec.count:
                        raise corrupt(path, rec.offset, f"payload does not hold {rec.count} events")
                    for i, event in enumerate(events):
                        seq = rec.first_seq + i
                        if seq > after_seq and (erased or not is_tombstone(event)):
                            yield LoggedEvent(seq, event, rec.key, rec.received_at)
            except FileNotFoundError as exc:
                raise WorkspaceError(
                    f"segment {path} was removed (truncate_before) while replaying; replay "
                    "from a later sequence number",
                    path=str(path),
                ) from exc

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest durable event (0 for an empty log)."""
        with self._lock:
            return self._durable_seq

    @property
    def first_seq(self) -> int:
        """Sequence number of the oldest event still in the log (after truncation)."""
        with self._lock:
            return self._segments[0].first_seq if self._segments else 1

    def segments(self) -> list[SegmentInfo]:
        """The segment files, oldest first."""
        with self._lock:
            out = []
            for i, segment in enumerate(self._segments):
                newest = i == len(self._segments) - 1
                next_first = self._next_seq if newest else self._segments[i + 1].first_seq
                out.append(
                    SegmentInfo(
                        segment.path, segment.first_seq, next_first - 1, segment.size, newest
                    )
                )
            return out

    # ---- lifecycle -----------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise WorkspaceError(f"event log {self.folder} is closed", path=str(self.folder))

    def _check_usable(self) -> None:
        self._check_open()
        if self._failure is not None:
            raise self._failed_error()

    def _failed_error(self) -> WorkspaceError:
        return WorkspaceError(
            f"event log {self.folder} stopped after a failed disk write or sync "
            f"({self._failure}); unacknowledged events may be lost. Reopen the log to recover.",
            path=str(self.folder),
        )

    def close(self) -> None:
        """Flush and close the log; further calls raise WorkspaceError. Idempotent."""
        with self._lock:
            if self._closed:
                return
            while self._syncing:
                self._cond.wait()
            self._closed = True
            try:
                if self._failure is None and self._fd >= 0:
                    _sync(self._fd)
                    # Anyone still waiting for a sync is covered by this one.
                    self._durable_seq = self._next_seq - 1
            finally:
                if self._fd >= 0:
                    os.close(self._fd)
                    self._fd = -1
                os.close(self._lock_fd)
                self._lock_fd = -1
                self._cond.notify_all()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EventLog({str(self.folder)!r}, last_seq={self._durable_seq})"
