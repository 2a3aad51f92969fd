"""Shared helpers of the public-format reader tests."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from shopmind.ingest.sources import Reader, ReadOptions, RejectedRecord


@dataclass
class Result:
    """Everything a reader yielded, chunks concatenated."""

    table: pa.Table
    rows: list[int]
    rejected: list[RejectedRecord]
    chunks: int

    def column(self, name: str) -> list[str | None]:
        """One output column as a Python list."""
        return self.table.column(name).to_pylist()


def _read_all(reader: Reader, path: Path, **options: object) -> Result:
    # Runs ``reader`` to the end and gathers its output, checking chunk invariants on the way.
    tables: list[pa.Table] = []
    rows: list[int] = []
    rejected: list[RejectedRecord] = []
    for chunk in reader(path, ReadOptions(**options)):  # type: ignore[arg-type]
        assert all(pa.types.is_string(t) for t in chunk.table.schema.types)
        assert chunk.rows.type == pa.int64()
        assert len(chunk.rows) == chunk.table.num_rows
        tables.append(chunk.table)
        rows += chunk.rows.to_pylist()
        rejected += chunk.rejected
    assert tables, "a reader yields at least one chunk"
    return Result(pa.concat_tables(tables), rows, rejected, len(tables))


@pytest.fixture
def read_all() -> Callable[..., Result]:
    """``read_all(reader, path, **read_options) -> Result`` (tests are not a package)."""
    return _read_all


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text (UTF-8) or bytes to ``tmp_path/name``, gzip'd when the name ends in .gz."""

    def _write(name: str, content: str | bytes) -> Path:
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        return path

    return _write
