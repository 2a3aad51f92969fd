"""Readers for the generic formats: CSV, TSV, JSON Lines and Parquet (gzip included).

Each yields :class:`SourceChunk`s of string columns. Text formats are streamed block by block,
so a file larger than memory is fine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from shopmind.errors import InputFileError
from shopmind.ingest.decode import binary_to_strings, decode_raw
from shopmind.ingest.delimited import read_delimited
from shopmind.ingest.sources import (
    ReadOptions,
    RejectedRecord,
    SourceChunk,
    row_numbers,
    strings_table,
)
from shopmind.ingest.textio import check_file, is_gzip, open_binary


def read_csv(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
    """Comma-separated text with a header line (a tab-separated ".csv" is recognised)."""
    return read_delimited(path, options, ",")


def read_tsv(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
    """Tab-separated text with a header line."""
    return read_delimited(path, options, "\t")


def _json_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _parse_json_line(lineno: int, line: bytes) -> dict[str, object] | RejectedRecord:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        reason = (
            "broken encoding: invalid UTF-8"
            if "utf-8" in str(exc).lower()
            else f"invalid JSON: {exc}"
        )
        return RejectedRecord(lineno, decode_raw(line.rstrip(b"\r\n")), "_record", reason)
    if not isinstance(obj, dict):
        return RejectedRecord(
            lineno,
            decode_raw(line.rstrip(b"\r\n")),
            "_record",
            f"expected a JSON object, found {type(obj).__name__}",
        )
    return obj


def read_jsonl(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
    """One JSON object per line; a line that is not an object is rejected."""
    check_file(path)
    with open_binary(path) as fh:
        lineno = 0
        while True:
            columns: dict[str, list[str | None]] = {}
            numbers: list[int] = []
            rejected: list[RejectedRecord] = []
            while len(numbers) < options.chunk_rows:
                try:
                    line = fh.readline(options.max_line_bytes + 1)
                except (OSError, EOFError) as exc:
                    raise InputFileError(
                        f"{path}: cannot read after line {lineno}: {exc}", path=str(path)
                    ) from exc
                if not line:
                    break
                lineno += 1
                if len(line) > options.max_line_bytes and not line.endswith(b"\n"):
                    raise InputFileError(
                        f"{path}: line {lineno} is longer than {options.max_line_bytes} bytes "
                        "(ingest_max_line_bytes)",
                        path=str(path),
                    )
                if not line.strip():
                    continue
                parsed = _parse_json_line(lineno, line)
                if isinstance(parsed, RejectedRecord):
                    rejected.append(parsed)
                    continue
                for key in parsed:
                    if key not in columns:
                        columns[key] = [None] * len(numbers)
                for key, col in columns.items():
                    col.append(_json_value(parsed.get(key)))
                numbers.append(lineno)
            if not numbers and not rejected:
                return
            yield SourceChunk(strings_table(columns), pa.array(numbers, type=pa.int64()), rejected)


def read_parquet(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
    """Parquet, read in row batches; non-string columns are rendered as text for validation."""
    check_file(path)
    if is_gzip(path):
        raise InputFileError(
            f"{path}: gzip-compressed Parquet is not supported; decompress it "
            "first (Parquet compresses internally)",
            path=str(path),
        )
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(f"{path}: not a readable Parquet file: {exc}", path=str(path)) from exc
    try:
        yield from _parquet_chunks(pf, options)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(f"{path}: cannot read Parquet data: {exc}", path=str(path)) from exc


def _parquet_chunks(pf: pq.ParquetFile, options: ReadOptions) -> Iterator[SourceChunk]:
    start = 1
    for batch in pf.iter_batches(batch_size=options.chunk_rows):
        cols = {}
        for name, col in zip(batch.schema.names, batch.columns, strict=True):
            if pa.types.is_nested(col.type):
                cols[name] = pa.array([_json_value(v) for v in col.to_pylist()], type=pa.string())
            elif pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
                cols[name] = col.cast(pa.binary())  # decoded (or rejected) by _to_strings
            else:  # numbers, strings, timestamps ("2026-01-01 10:00:00.123456Z") as text
                cols[name] = col.cast(pa.string())
        n = batch.num_rows
        table, rows, rejected = binary_to_strings(pa.table(cols), row_numbers(start, n))
        yield SourceChunk(table, rows, rejected)
        start += n


GENERIC_READERS = {"csv": read_csv, "tsv": read_tsv, "jsonl": read_jsonl, "parquet": read_parquet}
