"""The access audit log: who changed or administered what, when, through the API or the CLI.

Entries go to ``WORKSPACE/audit/audit.jsonl``, outside ``assets/`` on purpose: assets are
immutable versions that erasure or garbage collection may rewrite, while the audit log must
only ever grow. It is append-only JSON lines, one entry a line::

    {"when": "2026-01-31T09:00:00.123456+00:00", "who": "key:1a2b3c4d", "via": "key",
     "verified": true, "channel": "api", "action": "POST /v1/events/batch",
     "target": "/v1/events/batch", "outcome": "201", "role": "write", "request_id": "4f1c..."}

(one line in the file, wrapped here).

Appending: one entry is one ``os.write`` on an ``O_APPEND`` descriptor, under an exclusive
``flock`` (so a CLI process and the server never interleave) and a thread lock (a ``flock``
belongs to the open file description, which every thread of a process shares). The write
reaches the OS page cache at once, so an entry survives a killed process as soon as ``append``
returns. ``fdatasync`` is grouped: with ``sync_interval_s > 0`` a background thread syncs at
most that long after the first unsynced entry, and :meth:`AuditLog.close` syncs what is left,
so a power loss can cost at most the last interval of entries; with 0 each append syncs before
it returns. The event route takes hundreds of requests a second, and a sync per request
would roughly halve its throughput (docs/privacy.md has the measurement).

Torn lines: a crash (or a full disk) mid-write can leave a last line without its newline.
Readers skip it and any other line that does not parse; the next append starts with a newline,
so the fragment never swallows a whole entry.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson
import pyarrow as pa

from shopmind.errors import InvalidArgument, NotFound, ShopmindError
from shopmind.workspace import AssetRef, Workspace
from shopmind.workspace.files import fsync_dir

log = logging.getLogger(__name__)

AUDIT_FILE = Path("audit") / "audit.jsonl"
COMPACT_LOCK = Path("audit") / "compact.lock"
ASSET = "audit"
PRODUCED_BY = "privacy.audit"
CHANNELS = ("api", "cli")
DEFAULT_SYNC_INTERVAL_S = 0.1
MAX_TEXT_CHARS = 500  # a client chooses the URL: entries stay small whatever it sends
DEFAULT_READ_LIMIT = 100
#: Route, query and command parameters that name a person, recorded as ``[person]``: the log
#: only grows, so an id written into it could never be erased.
PERSON_PARAMS = frozenset({"user", "user_id"})
# Records of compactions themselves: were they new entries, every compaction would find the
# previous one's record and write another version, forever.
COMPACT_ACTIONS = frozenset({"POST /v1/audit/compact"})
CLI_AUDIT_ACTION = "cli privacy audit"
_CHUNK = 64 * 1024
_PII = frozenset({"pii"})

SCHEMA = pa.schema(
    [
        pa.field("when", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("who", pa.string(), nullable=False),
        pa.field("via", pa.string()),
        pa.field("verified", pa.bool_(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("action", pa.string(), nullable=False),
        pa.field("target", pa.string(), nullable=False),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("role", pa.string()),
        pa.field("request_id", pa.string()),
    ]
)


def _now() -> datetime:
    return datetime.now(UTC)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 3] + "..."


@dataclass(frozen=True)
class AuditEntry:
    """One audited action.

    ``who``: ``key:<id>`` (an API key, also behind a dashboard session), ``cli:<os user>`` or
    ``anonymous``. ``via``: how the caller identified itself (``key``, ``session``, ``os``) or
    None. ``verified``: False when ``who`` is only what the request claimed (its key was
    missing, unknown, wrong or revoked; the outcome is then 401 or a refusal before the check).
    ``outcome``: the HTTP status (``"201"``) or ``"ok"`` / an error code for the CLI.
    ``role``: the role the route requires, when it requires one.
    """

    who: str
    channel: str
    action: str
    target: str
    outcome: str
    request_id: str | None = None
    role: str | None = None
    via: str | None = None
    verified: bool = True
    when: datetime = field(default_factory=_now)

    def __post_init__(self) -> None:
        for name in ("who", "action", "outcome"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InvalidArgument(f"{name} must be a non-empty string", argument=name)
        if self.channel not in CHANNELS:
            raise InvalidArgument(
                f"channel must be one of {', '.join(CHANNELS)}, got {self.channel!r}",
                argument="channel",
            )
        if not isinstance(self.target, str):
            raise InvalidArgument("target must be a string", argument="target")
        if not isinstance(self.when, datetime) or self.when.tzinfo is None:
            raise InvalidArgument("when must be a timezone-aware datetime", argument="when")
        # frozen: clipping happens once, here, so what is written is what is read back
        object.__setattr__(self, "who", _clip(self.who))
        object.__setattr__(self, "action", _clip(self.action))
        object.__setattr__(self, "target", _clip(self.target))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written to the log (``when`` in UTC ISO 8601)."""
        out: dict[str, Any] = {"when": self.when.astimezone(UTC).isoformat()}
        out.update((f.name, getattr(self, f.name)) for f in fields(self) if f.name != "when")
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AuditEntry:
        """Parse one log line's object; raises KeyError, TypeError, ValueError or
        InvalidArgument when it is malformed."""
        when = datetime.fromisoformat(str(raw["when"]))
        return cls(
            who=raw["who"],
            channel=raw["channel"],
            action=raw["action"],
            target=raw.get("target", ""),
            outcome=raw["outcome"],
            request_id=raw.get("request_id"),
            role=raw.get("role"),
            via=raw.get("via"),
            verified=bool(raw.get("verified", True)),
            when=when if when.tzinfo else when.replace(tzinfo=UTC),
        )

    def is_compaction(self) -> bool:
        """True for the record of a compaction of this log (see :data:`COMPACT_ACTIONS`)."""
        if self.action in COMPACT_ACTIONS:
            return True
        return self.action == CLI_AUDIT_ACTION and "compact" in self.target.split()


@dataclass(frozen=True)
class AuditCompaction:
    """What :meth:`AuditLog.compact` did: ``ref`` is the version holding the log (None when
    the log is empty and none exists); ``written`` False when nothing was new."""

    ref: AssetRef | None
    entries: int
    written: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "asset": str(self.ref) if self.ref else None,
            "entries": self.entries,
            "written": self.written,
        }


def _parse(line: bytes) -> AuditEntry | None:
    if not line.strip():
        return None
    try:
        raw = orjson.loads(line)
        return AuditEntry.from_dict(raw) if isinstance(raw, dict) else None
    except (ValueError, KeyError, TypeError, ShopmindError):
        return None  # a torn line, or one written by hand: never the reader's failure


def _reverse_lines(fh: IO[bytes], end: int) -> Iterator[bytes]:
    """Complete lines before ``end``, newest first; bytes after the last newline (an append
    in flight, or a torn tail) are left out."""
    pos, carry, complete = end, b"", False
    while pos > 0:
        step = min(_CHUNK, pos)
        pos -= step
        fh.seek(pos)
        parts = (fh.read(step) + carry).split(b"\n")
        carry = parts[0]
        for part in reversed(parts[1:]):
            if complete:
                yield part
            complete = True
    if complete and carry:
        yield carry


class AuditLog:
    """The access audit log of the workspace at ``root`` (module docstring). Thread-safe.

    ``sync_interval_s``: most seconds an entry may sit in the OS page cache before it is
    fsynced (0: each append syncs before it returns). Opens lazily on the first append, or
    with :meth:`open`; :meth:`close` syncs and closes, and a later append opens it again.
    """

    def __init__(self, root: Path | str, sync_interval_s: float = DEFAULT_SYNC_INTERVAL_S) -> None:
        if isinstance(sync_interval_s, bool) or not isinstance(sync_interval_s, int | float):
            raise InvalidArgument("sync_interval_s must be a number", argument="sync_interval_s")
        if not sync_interval_s >= 0:
            raise InvalidArgument(
                f"sync_interval_s={sync_interval_s!r}: must be >= 0", argument="sync_interval_s"
            )
        self.root = Path(root)
        self.sync_interval_s = float(sync_interval_s)
        self._lock = threading.Lock()  # the descriptor, the tail position, the dirty flag
        self._sync_lock = threading.Lock()  # close must not pull the fd from under a sync
        self._fd = -1
        self._end = -1  # where our last write ended: a different size means check the tail
        self._dirty = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None

    @property
    def path(self) -> Path:
        """The log file (it may not exist yet: nothing audited)."""
        return self.root / AUDIT_FILE

    # ---- writing -------------------------------------------------------------------------
    def open(self) -> None:
        """Create (if needed) and open the log file; idempotent. Raises NotFound when
        ``root`` is not a folder."""
        with self._lock:
            self._open_locked()

    def _open_locked(self) -> None:
        if self._fd >= 0:
            return
        if not self.root.is_dir():
            raise NotFound(f"no workspace folder at {self.root}", path=str(self.root))
        self.path.parent.mkdir(exist_ok=True)
        existed = self.path.exists()
        # owner-only: ``who`` and ``target`` are personal data; read-write for the tail check
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if not existed:
            fsync_dir(self.path.parent)
        self._end = -1
        if self.sync_interval_s > 0 and self._flusher is None:
            self._stop.clear()
            self._flusher = threading.Thread(
                target=self._flush_loop, name="audit-fsync", daemon=True
            )
            self._flusher.start()

    def append(self, entry: AuditEntry) -> None:
        """Append ``entry`` with one write; it is in the OS when this returns, and on disk
        within ``sync_interval_s`` (at once when 0). Raises InvalidArgument for a non-entry,
        OSError when the write fails."""
        if not isinstance(entry, AuditEntry):
            raise InvalidArgument(
                f"entry must be an AuditEntry, not {type(entry).__name__}", argument="entry"
            )
        line = orjson.dumps(entry.to_dict()) + b"\n"
        with self._lock:
            self._open_locked()
            fd = self._fd
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                # someone else wrote since our last append (or a crash did): make sure a torn
                # fragment ends before our entry starts
                if size != self._end and size > 0 and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
                written = os.write(fd, line)
                if written != len(line):  # a full disk: the reader skips the torn rest
                    raise OSError(f"short write to {self.path}: {written} of {len(line)} bytes")
                self._end = size + written
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            first_dirty = not self._dirty
            self._dirty = True
        if self.sync_interval_s == 0:
            self.flush()
        elif first_dirty:
            self._wake.set()

    def flush(self) -> None:
        """fdatasync what was appended and not yet synced."""
        with self._sync_lock:
            with self._lock:
                if not self._dirty or self._fd < 0:
                    return
                self._dirty = False
                fd = self._fd
            os.fdatasync(fd)

    def _flush_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            # sleep first: everything appended meanwhile shares this one sync
            self._stop.wait(self.sync_interval_s)
            try:
                self.flush()
            except OSError as exc:  # pragma: no cover - a failing disk
                with self._lock:
                    self._dirty = True  # close() tries again and raises
                log.error("audit log %s: fdatasync failed: %s", self.path, exc)

    def close(self) -> None:
        """Sync and close the file; idempotent. A later append opens it again."""
        flusher = self._flusher
        if flusher is not None:
            self._stop.set()
            self._wake.set()
            flusher.join()
            self._flusher = None
        with self._sync_lock, self._lock:
            if self._fd < 0:
                return
            fd, self._fd = self._fd, -1
            try:
                if self._dirty:  # an append racing close() is synced here too
                    os.fdatasync(fd)
                    self._dirty = False
            finally:
                os.close(fd)

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- reading -------------------------------------------------------------------------
    def read(
        self, since: datetime | None = None, limit: int | None = DEFAULT_READ_LIMIT
    ) -> list[AuditEntry]:
        """The newest ``limit`` entries (all with None) at or after ``since``, newest last.

        Reads the file from its end, so a small ``limit`` costs little however long the log.
        Lines that do not parse (a torn tail) are skipped.
        """
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise InvalidArgument("limit must be an integer or None", argument="limit")
        if limit is not None and limit < 1:
            raise InvalidArgument(f"limit={limit}: must be >= 1", argument="limit")
        if since is not None and (not isinstance(since, datetime) or since.tzinfo is None):
            raise InvalidArgument("since must be a timezone-aware datetime", argument="since")
        out: list[AuditEntry] = []
        if not self.path.exists():
            return out
        with self.path.open("rb") as fh:
            end = os.fstat(fh.fileno()).st_size
            for line in _reverse_lines(fh, end):
                entry = _parse(line)
                if entry is None or (since is not None and entry.when < since):
                    continue
                out.append(entry)
                if limit is not None and len(out) >= limit:
                    break
        out.reverse()
        return out

    # ---- compaction ----------------------------------------------------------------------
    def compact(self, ws: Workspace) -> AuditCompaction:
        """Write the whole log so far as the next version of asset ``audit`` (Parquet;
        ``who`` and ``target`` tagged ``pii``), unless it holds nothing new since the last
        version; the records of compactions alone do not count as new (they would make
        every compaction write a version)."""
        if not isinstance(ws, Workspace):
            raise InvalidArgument("ws must be a Workspace", argument="ws")
        self.root.joinpath(COMPACT_LOCK).parent.mkdir(parents=True, exist_ok=True)
        with open(self.root / COMPACT_LOCK, "ab") as lock:
            # two compactions at once would both write the same entries as two versions
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            entries = self.read(limit=None)
            try:
                previous = ws.get(ASSET)
            except NotFound:
                previous = None
            done = int(previous.params.get("entries", 0)) if previous else 0
            fresh = entries[done:] if done <= len(entries) else entries
            if not any(not e.is_compaction() for e in fresh):
                ref = previous.ref if previous else None
                return AuditCompaction(ref, len(entries), written=False)
            version = ws.write_table(
                ASSET,
                _to_table(entries),
                PRODUCED_BY,
                params={"entries": len(entries), "through": entries[-1].when.isoformat()},
                tags={"who": _PII, "target": _PII},
            )
            return AuditCompaction(version.ref, len(entries), written=True)


def _to_table(entries: list[AuditEntry]) -> pa.Table:
    columns: dict[str, list[Any]] = {f.name: [] for f in SCHEMA}
    for e in entries:
        for name in columns:
            columns[name].append(getattr(e, name))
    return pa.Table.from_pydict(columns, schema=SCHEMA)
