"""Shared plumbing of the public-format readers: opening, line decoding, chunk building.

Every reader here follows the contract of :mod:`shopmind.ingest.sources`: string columns,
1-based record numbers, and a :class:`RejectedRecord` for every record it cannot parse.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import pyarrow as pa

from shopmind.errors import InputFileError, InvalidArgument, NotFound
from shopmind.ingest.sources import ReadOptions, RejectedRecord, SourceChunk

# What a reader emits when the record as a whole is at fault (see RejectedRecord.field).
RECORD = "_record"

# Files without timestamps get ``SYNTHETIC_EPOCH + position`` seconds per user, so that the
# order of a sequence survives any later sort by time. 2000-01-01T00:00:00Z: clearly artificial,
# yet inside every range a timestamp validator would accept.
SYNTHETIC_EPOCH = 946_684_800


def is_int(text: str) -> bool:
    """True for a non-empty run of ASCII digits (``str.isdigit`` alone accepts ``'²'``)."""
    return text.isdigit() and text.isascii()


def epoch_text(text: str) -> str | None:
    """Epoch seconds/milliseconds as integer text, or None when ``text`` is not one.

    RecBole declares timestamps ``float``; an integral float such as ``"881250949.0"`` is
    accepted and written without the fraction so every format emits the same shape.
    """
    if is_int(text):
        return text
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
        return None
    return str(int(value)) if value >= 0 else None


def compact_json(values: Mapping[str, str]) -> str | None:
    """The contract's JSON form (compact, sorted keys) of the non-empty ``values``."""
    kept = {k: v for k, v in values.items() if v}
    if not kept:
        return None
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_options(options: ReadOptions, default_encoding: str) -> str:
    """Validate ``options`` and return the encoding to decode with."""
    if options.chunk_rows < 1:
        raise InvalidArgument(
            f"chunk_rows must be at least 1, got {options.chunk_rows}", argument="chunk_rows"
        )
    if options.max_line_bytes < 1:
        raise InvalidArgument(
            f"max_line_bytes must be at least 1, got {options.max_line_bytes}",
            argument="max_line_bytes",
        )
    encoding = options.encoding or default_encoding
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InvalidArgument(f"unknown encoding {encoding!r}", argument="encoding") from None
    return encoding


class TextSource:
    """The lines of a (possibly gzip'd) text file, decoded one by one.

    Lines are decoded separately so that one bad byte costs one record, not the file.
    Use as a context manager; ``header()`` consumes the first line, after which data
    lines are numbered from 1 (the record numbers of :class:`RejectedRecord`).
    """

    def __init__(
        self,
        path: Path,
        options: ReadOptions,
        default_encoding: str = "utf-8",
        keep_ends: bool = False,
    ) -> None:
        self.path = path
        self.encoding = check_options(options, default_encoding)
        self._max = options.max_line_bytes
        self._keep_ends = keep_ends
        self._stream: io.BufferedIOBase | None = None
        if not path.exists():
            raise NotFound(f"{path}: no such file", path=str(path))
        if not path.is_file():
            raise InputFileError(f"{path}: not a regular file", path=str(path))

    def __enter__(self) -> TextSource:
        try:
            if self.path.name.endswith(".gz"):
                # GzipFile.readline is Python code; a BufferedReader on top reads lines in C.
                self._stream = io.BufferedReader(gzip.GzipFile(self.path, "rb"), 1 << 16)
            else:
                self._stream = open(self.path, "rb")
        except OSError as exc:
            raise InputFileError(f"{self.path}: cannot open: {exc}", path=str(self.path)) from exc
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            self._stream.close()

    def fail(self, problem: str) -> InputFileError:
        """An :class:`InputFileError` naming this file and ``problem``."""
        return InputFileError(f"{self.path}: {problem}", path=str(self.path))

    def lines(self) -> Iterator[tuple[str, str | None]]:
        """Each physical line as ``(text, problem)``; ``problem`` is None for a good line.

        A bad line (undecodable, longer than ``max_line_bytes``) comes back with its bytes
        escaped and the problem, so callers can reject it with its number.
        """
        if self._stream is None:
            raise RuntimeError("TextSource used outside a with block")
        readline = self._stream.readline
        limit = self._max + 1
        encoding, keep_ends = self.encoding, self._keep_ends
        while True:
            try:
                data = readline(limit)
            except (OSError, EOFError, zlib.error) as exc:
                raise self.fail(f"cannot read (corrupt or truncated file?): {exc}") from exc
            if not data:
                return
            if len(data) > self._max and not data.endswith(b"\n"):
                yield self._drain_long(data)
                continue
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                shown = data.decode(encoding, "backslashreplace").rstrip("\r\n")
                yield shown, f"not valid {encoding}: {exc.reason} at byte {exc.start}"
                continue
            yield (text if keep_ends else text.rstrip("\r\n")), None

    def _drain_long(self, head: bytes) -> tuple[str, str]:
        # Skip the rest of an over-long line without holding it, keep a short preview as raw.
        assert self._stream is not None
        preview = head[:200].decode(self.encoding, "backslashreplace") + "..."
        size, part = len(head), head
        while not part.endswith(b"\n"):
            try:
                part = self._stream.readline(self._max)
            except (OSError, EOFError, zlib.error) as exc:
                raise self.fail(f"cannot read (corrupt or truncated file?): {exc}") from exc
            if not part:
                break
            size += len(part)
        return preview, f"line is {size} bytes, more than max_line_bytes={self._max}"

    def header(self, delimiter: str = "\t") -> list[str]:
        """Column names from the first line, RecBole ``name:type`` suffixes removed."""
        for text, problem in self.lines():
            if problem is not None:
                raise self.fail(f"unreadable header line: {problem}")
            text = text.lstrip("\ufeff").rstrip("\r\n")
            return [name.split(":", 1)[0].strip() for name in text.split(delimiter)]
        raise self.fail("file is empty, expected a header line")

    def numbered(self, sink: ChunkBuilder) -> Iterator[tuple[int, str | None]]:
        """Data lines as ``(record number, text)``.

        A bad line goes to ``sink`` as a reject and comes as ``(number, None)``, so the
        caller still gets to flush a chunk full of rejects and memory stays bounded.
        """
        for number, (text, problem) in enumerate(self.lines(), start=1):
            if problem is None:
                yield number, text
            else:
                sink.reject(number, text, RECORD, problem)
                yield number, None


def column_index(
    source: TextSource, header: Sequence[str], wanted: Sequence[str], required: bool = True
) -> dict[str, int]:
    """Positions of the first of each ``wanted`` name group found in ``header``.

    ``wanted`` entries may be ``"a|b"``: the first of ``a``, ``b`` present is used, keyed by
    the entry. A missing required entry means the file cannot be this format at all.
    """
    found: dict[str, int] = {}
    missing: list[str] = []
    for entry in wanted:
        for name in entry.split("|"):
            if name in header:
                found[entry] = header.index(name)
                break
        else:
            missing.append(entry.replace("|", " or "))
    if missing and required:
        raise source.fail(f"header {list(header)} lacks required column(s): {', '.join(missing)}")
    return found


class ChunkBuilder:
    """Collects rows column by column and hands them out as :class:`SourceChunk` s.

    Readers append to the lists in ``data`` and ``rows`` directly (the hot loop), and call
    ``flush()`` when ``full``; the lists are cleared in place so those references stay valid.
    """

    def __init__(
        self, columns: Sequence[str], chunk_rows: int, constants: Mapping[str, str] | None = None
    ) -> None:
        self.columns = tuple(columns)
        self.constants = dict(constants or {})
        self.data: dict[str, list[str | None]] = {
            c: [] for c in self.columns if c not in self.constants
        }
        self.rows: list[int] = []
        self.rejected: list[RejectedRecord] = []
        self._chunk_rows = chunk_rows
        self._emitted = False

    def reject(self, row: int, raw: str, field: str, reason: str) -> None:
        """Record that source record ``row`` could not be parsed."""
        self.rejected.append(RejectedRecord(row=row, raw=raw, field=field, reason=reason))

    @property
    def full(self) -> bool:
        """Whether the pending rows and rejects reach ``chunk_rows``."""
        return len(self.rows) + len(self.rejected) >= self._chunk_rows

    def flush(self) -> SourceChunk:
        """The pending rows and rejects as one chunk; the builder is empty afterwards."""
        n = len(self.rows)
        arrays: dict[str, pa.Array] = {}
        for name in self.columns:
            if name in self.constants:
                arrays[name] = pa.array([self.constants[name]] * n, type=pa.string())
            else:
                arrays[name] = pa.array(self.data[name], type=pa.string())
        chunk = SourceChunk(
            table=pa.table(arrays),
            rows=pa.array(self.rows, type=pa.int64()),
            rejected=self.rejected,
        )
        for values in self.data.values():
            values.clear()
        self.rows.clear()
        self.rejected = []
        self._emitted = True
        return chunk

    def tail(self) -> Iterator[SourceChunk]:
        """The last chunk; also an empty one when nothing was emitted, to carry the columns."""
        if self.rows or self.rejected or not self._emitted:
            yield self.flush()
