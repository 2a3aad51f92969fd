"""Arrow tables to CSV and JSON Lines bytes, column-at-a-time with Arrow compute.

Rows are rendered as whole lines so a corrupted row can be given a wrong column count, which a
regular CSV writer refuses to produce. Output depends only on the input, never on locale.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_NUMBER = r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"


def to_text(table: pa.Table) -> pa.Table:
    """Every column as strings: timestamps ISO 8601 UTC with millisecond precision and "Z"."""
    cols = []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_timestamp(field.type):
            cols.append(_iso(col.combine_chunks(), field.type))
        elif pa.types.is_string(field.type):
            cols.append(col)
        else:
            cols.append(pc.cast(col, pa.string()))
    return pa.table(cols, names=table.column_names)


def _iso(arr: pa.Array, type_: pa.TimestampType) -> pa.Array:
    # numpy formats dates about twice as fast as Arrow's strftime, which matters at 10M rows.
    raw = arr.cast(pa.int64()).fill_null(0).to_numpy()
    when = raw.astype(f"datetime64[{type_.unit}]").astype("datetime64[ms]")
    text = pa.array(np.datetime_as_string(when, unit="ms"), pa.string())
    out: pa.Array = pc.binary_join_element_wise(text, "Z", "")
    return pc.if_else(arr.is_null(), pa.scalar(None, pa.string()), out)


def _lines_to_bytes(lines: pa.ChunkedArray | pa.Array) -> bytes:
    """Concatenate string values (each already ending in a newline) into one bytes object."""
    arr = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    if len(arr) == 0:
        return b""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    data: bytes = arr.buffers()[2].to_pybytes()
    return data[int(offsets[0]) : int(offsets[-1])]


def _csv_field(col: pa.ChunkedArray) -> pa.ChunkedArray:
    needs = pc.match_substring_regex(col, r'[",\r\n]')
    if not pc.any(needs).as_py():
        return pc.fill_null(col, "")  # the common case; quoting every value would cost 5x
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    return pc.fill_null(pc.if_else(needs, quoted, col), "")


def csv_header(names: list[str]) -> bytes:
    """The header line."""
    return (",".join(names) + "\n").encode("utf-8")


def csv_bytes(text: pa.Table, extra_field_rows: np.ndarray | None = None) -> bytes:
    """CSV data lines (no header) for an all-string table; nulls become empty fields.

    Rows in ``extra_field_rows`` get one field too many, like a hand-edited export.
    """
    if text.num_rows == 0:
        return b""
    line = pc.binary_join_element_wise(*(_csv_field(c) for c in text.columns), ",")
    if extra_field_rows is not None and len(extra_field_rows):
        mask = np.zeros(text.num_rows, dtype=bool)
        mask[extra_field_rows] = True
        line = pc.if_else(pa.array(mask), pc.binary_join_element_wise(line, "extra", ","), line)
    return _lines_to_bytes(pc.binary_join_element_wise(line, "\n", ""))


def _json_string(col: pa.ChunkedArray) -> pa.ChunkedArray:
    escaped = pc.replace_substring(pc.replace_substring(col, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def jsonl_bytes(text: pa.Table, numeric: frozenset[str], raw_json: frozenset[str]) -> bytes:
    """One JSON object per line for an all-string table.

    Columns in ``numeric`` are written as JSON numbers when they parse as one (a corrupted
    value such as "abc" stays a string); columns in ``raw_json`` already hold JSON text.
    """
    if text.num_rows == 0:
        return b""
    parts = []
    for name, col in zip(text.column_names, text.columns, strict=True):
        if name in raw_json:
            value = col
        elif name in numeric:
            value = pc.if_else(pc.match_substring_regex(col, _NUMBER), col, _json_string(col))
        else:
            value = _json_string(col)
        parts.append(pc.binary_join_element_wise(f'"{name}":', pc.fill_null(value, "null"), ""))
    body = pc.binary_join_element_wise(*parts, ",")
    return _lines_to_bytes(pc.binary_join_element_wise("{", body, "}\n", ""))
