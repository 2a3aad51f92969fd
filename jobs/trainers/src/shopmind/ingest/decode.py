"""Turning raw bytes into UTF-8 text columns; rows that are not valid UTF-8 are rejected."""

from __future__ import annotations

import orjson
import pyarrow as pa

from shopmind.ingest.sources import RejectedRecord


def decode_raw(raw: bytes) -> str:
    """Bytes as text, undecodable bytes shown as ``\\xNN`` escapes (for quarantine ``raw``)."""
    return raw.decode("utf-8", errors="backslashreplace")


def binary_to_strings(
    table: pa.Table, rows: pa.Array
) -> tuple[pa.Table, pa.Array, list[RejectedRecord]]:
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
            raw = {k: (decode_raw(v) if isinstance(v, bytes) else v) for k, v in records[i].items()}
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
