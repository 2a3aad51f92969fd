"""Readers for the generic formats: CSV, TSV, JSON Lines and Parquet (gzip included).

Each yields :class:`SourceChunk`s of string columns. Text formats are streamed block by block,
so a file larger than memory is fine.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from shopmind.errors import InputFileError
from shopmind.ingest.sources import (
    ReadOptions,
    RejectedRecord,
    SourceChunk,
    row_numbers,
    strings_table,
)
from shopmind.ingest.textio import check_file, first_line, is_gzip, open_stream


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="backslashreplace")


def _to_strings(table: pa.Table, rows: pa.Array) -> tuple[pa.Table, pa.Array, list[RejectedRecord]]:
    """Cast binary columns to UTF-8 strings; rows with undecodable bytes are rejected."""
    bad: dict[int, str] = {}
    for name in table.column_names:
        col = table[name]
        try:
            col.cast(pa.string())
        except pa.ArrowInvalid:
            for i, value in enumerate(col.to_pylist()):
                if value is not None and i not in bad:
                    try:
                        value.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        bad[i] = f"{name}: invalid UTF-8 ({exc.reason} at byte {exc.start})"
    rejected = []
    if bad:
        records = table.to_pylist()
        for i, reason in sorted(bad.items()):
            raw = {k: (_decode(v) if isinstance(v, bytes) else v) for k, v in records[i].items()}
            rejected.append(
                RejectedRecord(
                    row=rows[i].as_py(),
                    raw=orjson.dumps(raw).decode(),
                    field=reason.split(":")[0],
                    reason="broken encoding: " + reason,
                )
            )
        keep = pa.array([i not in bad for i in range(table.num_rows)])
        table, rows = table.filter(keep), rows.filter(keep)
    cols = {name: table[name].cast(pa.string()) for name in table.column_names}
    return pa.table(cols), rows, rejected


def _csv_header(path: Path, delimiter: str, options: ReadOptions) -> list[str]:
    line = first_line(path, options.max_line_bytes)
    if options.encoding:
        text = line.decode(options.encoding, errors="replace")
    else:
        try:
            text = line.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{path}: the header line is not valid UTF-8 ({exc.reason}); pass --encoding "
                "(e.g. latin-1) if the file uses another encoding",
                path=str(path),
            ) from exc
    names = next(csv.reader([text], delimiter=delimiter), [])
    if not names or all(not n.strip() for n in names):
        raise InputFileError(f"{path}: the file is empty or has no header line", path=str(path))
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputFileError(f"{path}: header repeats column(s) {dupes}", path=str(path))
    return names


def read_delimited(path: Path, options: ReadOptions, delimiter: str = ",") -> Iterator[SourceChunk]:
    """CSV/TSV with a header line; rows with the wrong number of fields are rejected."""
    if options.delimiter:
        delimiter = options.delimiter
    else:  # a ".csv" that is really tab-separated is common enough to recognise
        head = first_line(path, options.max_line_bytes)
        if delimiter == "," and b"\t" in head and b"," not in head:
            delimiter = "\t"
    names = _csv_header(path, delimiter, options)
    invalid: list[RejectedRecord] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # pyarrow numbers records from 1 including the header; ours count data records only.
        invalid.append(
            RejectedRecord(
                row=int(row.number) - 1,
                raw=row.text,
                field="_record",
                reason=f"expected {row.expected_columns} fields, found {row.actual_columns}",
            )
        )
        return "skip"

    # A record must fit in one block, so the block size is the longest record we accept.
    block = options.max_line_bytes
    try:
        reader = pacsv.open_csv(
            open_stream(path),
            read_options=pacsv.ReadOptions(
                use_threads=False,
                block_size=block,
                encoding=options.encoding or "utf8",
                column_names=names,
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.binary() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        next_row = 1
        pending = 0  # index into ``invalid`` of the first record not yet numbered past
        for batch in reader:
            n = batch.num_rows
            numbers: list[int] = []
            while len(numbers) < n:
                if pending < len(invalid) and invalid[pending].row == next_row:
                    pending += 1
                else:
                    numbers.append(next_row)
                next_row += 1
            table, rows, rejected = _to_strings(
                pa.Table.from_batches([batch]), pa.array(numbers, type=pa.int64())
            )
            done, invalid = invalid[:pending], invalid[pending:]
            pending = 0
            yield SourceChunk(table=table, rows=rows, rejected=done + rejected)
        if invalid:
            yield SourceChunk(
                table=strings_table({n: [] for n in names}),
                rows=pa.array([], type=pa.int64()),
                rejected=invalid,
            )
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        msg = str(exc)
        if "straddling" in msg or "block size" in msg.lower():
            msg = (
                f"a line is longer than {block} bytes (ingest_max_line_bytes) or a quote is "
                "never closed"
            )
        raise InputFileError(
            f"{path}: cannot parse as delimited text: {msg}", path=str(path)
        ) from exc


def read_csv(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
    return read_delimited(path, options, ",")


def read_tsv(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
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
        return RejectedRecord(lineno, _decode(line.rstrip(b"\r\n")), "_record", reason)
    if not isinstance(obj, dict):
        return RejectedRecord(
            lineno,
            _decode(line.rstrip(b"\r\n")),
            "_record",
            f"expected a JSON object, found {type(obj).__name__}",
        )
    return obj


def read_jsonl(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
    """One JSON object per line; a line that is not an object is rejected."""
    check_file(path)
    with gzip.open(path, "rb") if is_gzip(path) else path.open("rb") as fh:
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
        table, rows, rejected = _to_strings(pa.table(cols), row_numbers(start, n))
        yield SourceChunk(table, rows, rejected)
        start += n


GENERIC_READERS = {"csv": read_csv, "tsv": read_tsv, "jsonl": read_jsonl, "parquet": read_parquet}
