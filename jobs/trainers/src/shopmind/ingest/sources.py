"""What every reader yields: chunks of string columns plus the records it could not parse.

A reader never drops a record. A record it can parse becomes a row of ``SourceChunk.table``
(all columns ``pa.string()``, source column names, nulls for absent values); a record it cannot
parse (bad JSON, wrong column count, broken encoding) becomes a :class:`RejectedRecord`.
Validation against the contract happens later, in one place, for every format.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa


@dataclass(frozen=True)
class RejectedRecord:
    """A source record that could not be turned into a row.

    ``row`` is the 1-based record number in the source (the data line for text formats,
    header excluded). ``raw`` is the record as found (text, with undecodable bytes escaped).
    ``field`` is the column at fault, or ``"_record"`` when the record as a whole is unreadable.
    """

    row: int
    raw: str
    field: str
    reason: str


@dataclass
class SourceChunk:
    """A block of parsed records.

    ``table``: (n, c) string columns named as in the source.
    ``rows``: (n,) int64 1-based record numbers of the table's rows in the source.
    ``rejected``: records in this block that could not be parsed at all.
    """

    table: pa.Table
    rows: pa.Array
    rejected: list[RejectedRecord] = field(default_factory=list)


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file. ``encoding`` None means UTF-8 with invalid bytes rejected per row."""

    chunk_rows: int = 262_144
    max_line_bytes: int = 16 * 1024 * 1024
    encoding: str | None = None
    delimiter: str | None = None


class Reader(Protocol):
    """A file format: yields chunks of the file's records, in order, each exactly once."""

    def __call__(self, path: Path, options: ReadOptions) -> Iterator[SourceChunk]: ...


def row_numbers(start: int, n: int) -> pa.Array:
    """Record numbers ``start .. start + n - 1`` as an int64 array."""
    return pa.array(range(start, start + n), type=pa.int64())


def strings_table(columns: dict[str, list[str | None]]) -> pa.Table:
    """A table of string columns from Python lists (for readers that parse record by record)."""
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})
