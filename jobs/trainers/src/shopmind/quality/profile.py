"""Column profiles of a Parquet table, computed in one DuckDB pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from shopmind.workspace.engine import q

_NUMERIC = ("DOUBLE", "BIGINT", "INTEGER", "FLOAT", "TIMESTAMP")


def profile_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, enum_columns: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Per column: nulls, approximate distinct count, and min/max for numbers and times.

    ``enum_columns`` also get exact value counts (e.g. ``event_type``). Returns
    ``{"rows": n, "columns": {name: {...}}}``.
    """
    src = f"read_parquet('{path}')"
    described = con.sql(f"DESCRIBE SELECT * FROM {src}").fetchall()
    parts = ["count(*)"]
    for name, typ, *_ in described:
        col = q(name)
        parts += [f"count(*) - count({col})", f"approx_count_distinct({col})"]
        if typ.upper().startswith(_NUMERIC):
            parts += [f"CAST(min({col}) AS VARCHAR)", f"CAST(max({col}) AS VARCHAR)"]
    row = con.execute(f"SELECT {', '.join(parts)} FROM {src}").fetchall()[0]
    assert row is not None
    values = list(row)
    rows = int(values.pop(0))
    columns: dict[str, Any] = {}
    for name, typ, *_ in described:
        nulls, distinct = int(values.pop(0)), int(values.pop(0))
        info: dict[str, Any] = {
            "type": typ,
            "nulls": nulls,
            "null_fraction": round(nulls / rows, 6) if rows else 0.0,
            "distinct_approx": distinct,
        }
        if typ.upper().startswith(_NUMERIC):
            info["min"], info["max"] = values.pop(0), values.pop(0)
        columns[name] = info
    for name in enum_columns:
        counts = con.sql(
            f"SELECT {q(name)}, count(*) FROM {src} GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        columns[name]["values"] = {str(k): int(v) for k, v in counts}
    return {"rows": rows, "columns": columns}
