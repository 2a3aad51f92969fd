"""CSV and TSV with a header line.

The fast path is Arrow's streaming CSV parser: every column read as bytes, rows with the wrong
number of fields handed to a callback and quarantined. Arrow cannot report a bad row whose text
is not valid UTF-8 (it fails while decoding the row for the callback), so on any parse error the
reader continues from the first record not yet yielded with Python's ``csv`` module, which
decodes with ``surrogateescape`` and therefore sees every record. The slow path only runs for
files that need it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from shopmind.errors import InputFileError
from shopmind.ingest.decode import binary_to_strings, decode_raw
from shopmind.ingest.sources import ReadOptions, RejectedRecord, SourceChunk, strings_table
from shopmind.ingest.textio import first_line, open_binary, open_stream


def csv_header(path: Path, delimiter: str, options: ReadOptions) -> list[str]:
    """The header's column names; errors for an empty file, bad bytes or repeated names."""
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


def _undecodable_field(names: list[str], fields: list[str]) -> str | None:
    """The first column whose value held bytes that are not UTF-8 (surrogate escapes)."""
    for name, value in zip(names, fields, strict=True):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return name
    return None


def _wrong_width(number: int, raw: str, expected: int, found: int) -> RejectedRecord:
    return RejectedRecord(
        row=number, raw=raw, field="_record", reason=f"expected {expected} fields, found {found}"
    )


@contextlib.contextmanager
def _quiet_undecodable_rows() -> Iterator[None]:
    """Silence Arrow's "exception ignored" report for rows it cannot decode (we re-read them)."""
    previous = sys.unraisablehook

    def hook(info: Any) -> None:
        if not isinstance(info.exc_value, UnicodeDecodeError):
            previous(info)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _arrow_chunks(
    path: Path, names: list[str], delimiter: str, options: ReadOptions, state: dict[str, int]
) -> Iterator[SourceChunk]:
    """Arrow's parser; ``state["done"]`` is the last record number fully yielded."""
    invalid: list[RejectedRecord] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # Arrow numbers records from 1 including the header; ours count data records only.
        invalid.append(
            _wrong_width(int(row.number) - 1, row.text, row.expected_columns, row.actual_columns)
        )
        return "skip"

    reader = pacsv.open_csv(
        open_stream(path),
        read_options=pacsv.ReadOptions(
            use_threads=False,
            # A record must fit in one block, so the block size is the longest one we accept.
            block_size=options.max_line_bytes,
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
    for batch in reader:
        numbers: list[int] = []
        taken = 0  # invalid records numbered below next_row belong to this batch
        while len(numbers) < batch.num_rows:
            if taken < len(invalid) and invalid[taken].row == next_row:
                taken += 1
            else:
                numbers.append(next_row)
            next_row += 1
        while taken < len(invalid) and invalid[taken].row < next_row:
            taken += 1
        table, rows, rejected = binary_to_strings(
            pa.Table.from_batches([batch]), pa.array(numbers, type=pa.int64())
        )
        done, invalid = invalid[:taken], invalid[taken:]
        yield SourceChunk(table=table, rows=rows, rejected=done + rejected)
        state["done"] = next_row - 1
    if invalid:
        yield SourceChunk(strings_table({n: [] for n in names}), pa.array([], pa.int64()), invalid)


def _python_chunks(
    path: Path, names: list[str], delimiter: str, options: ReadOptions, skip: int
) -> Iterator[SourceChunk]:
    """Python's csv module from record ``skip + 1`` on; bad bytes are kept as escapes."""
    encoding = options.encoding or "utf-8"
    codecs.lookup(encoding)
    errors = "strict" if options.encoding else "surrogateescape"
    with (
        open_binary(path) as raw,
        io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="") as text,
    ):
        csv.field_size_limit(options.max_line_bytes)
        records = csv.reader(text, delimiter=delimiter, strict=False)
        next(records, None)  # header
        number = 0
        columns: dict[str, list[str | None]] = {n: [] for n in names}
        numbers: list[int] = []
        rejected: list[RejectedRecord] = []
        for fields in records:
            number += 1
            if number <= skip:
                continue
            joined = delimiter.join(fields)
            shown = decode_raw(joined.encode("utf-8", "surrogateescape"))
            if len(fields) != len(names):
                if fields:  # a blank line is no record
                    rejected.append(_wrong_width(number, shown, len(names), len(fields)))
                else:
                    number -= 1
            elif (bad := _undecodable_field(names, fields)) is not None:
                rejected.append(
                    RejectedRecord(number, shown, bad, f"broken encoding: {bad}: invalid UTF-8")
                )
            else:
                for n, v in zip(names, fields, strict=True):
                    columns[n].append(v)
                numbers.append(number)
            if len(numbers) + len(rejected) >= options.chunk_rows:
                yield SourceChunk(strings_table(columns), pa.array(numbers, pa.int64()), rejected)
                columns, numbers, rejected = {n: [] for n in names}, [], []
        if numbers or rejected:
            yield SourceChunk(strings_table(columns), pa.array(numbers, pa.int64()), rejected)


def read_delimited(path: Path, options: ReadOptions, delimiter: str = ",") -> Iterator[SourceChunk]:
    """CSV/TSV with a header line; records with the wrong number of fields are rejected."""
    if options.delimiter:
        delimiter = options.delimiter
    else:  # a ".csv" that is really tab-separated is common enough to recognise
        head = first_line(path, options.max_line_bytes)
        if delimiter == "," and b"\t" in head and b"," not in head:
            delimiter = "\t"
    names = csv_header(path, delimiter, options)
    state = {"done": 0}
    try:
        with _quiet_undecodable_rows():
            yield from _arrow_chunks(path, names, delimiter, options, state)
        return
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{path}: cannot read: {exc}", path=str(path)) from exc
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        if "straddling" in msg or "block size" in msg.lower():
            raise InputFileError(
                f"{path}: cannot parse as delimited text: a record is longer than "
                f"{options.max_line_bytes} bytes (ingest_max_line_bytes) or a quote is never "
                "closed",
                path=str(path),
            ) from exc
    try:
        yield from _python_chunks(path, names, delimiter, options, state["done"])
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise InputFileError(
            f"{path}: cannot parse as delimited text: {exc}", path=str(path)
        ) from exc
