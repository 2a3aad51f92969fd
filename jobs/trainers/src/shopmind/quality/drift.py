"""Drift between two versions of a table: how far each column's distribution moved.

The measure is the population stability index, ``PSI = sum (b - a) * ln(b / a)`` over bins
holding shares ``a`` (older version) and ``b`` (newer), the usual score of credit-risk and
MLOps monitoring: under 0.1 is read as stable, 0.1 to 0.25 as moderate, above 0.25 as a major
shift. Bins: for numbers and times, deciles of the older version (so each holds about 10% of
it); for text, its 20 most frequent values plus "other". Nulls are a bin of their own, so a
column that starts arriving empty drifts too. Shares are floored at 1e-4 so an empty bin
gives a large but finite score.

Columns with an identifier-like spread (as many distinct values as rows) are reported with
their null shares only: a new version of ``item_id`` is expected to hold new values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from shopmind.workspace.engine import lit, q

BINS = 10
TOP_VALUES = 20
FLOOR = 1e-4
STABLE, MODERATE = 0.1, 0.25
_NUMERIC = ("DOUBLE", "BIGINT", "INTEGER", "FLOAT", "SMALLINT", "TINYINT", "DECIMAL", "HUGEINT")
_TIME = ("TIMESTAMP", "DATE")


def psi(older: list[float], newer: list[float]) -> float:
    """Population stability index of two share vectors over the same bins."""
    if len(older) != len(newer):
        raise ValueError("older and newer need the same bins")
    total = 0.0
    for a, b in zip(older, newer, strict=True):
        a, b = max(a, FLOOR), max(b, FLOOR)
        total += (b - a) * math.log(b / a)
    return total


def verdict(score: float) -> str:
    return "stable" if score < STABLE else "moderate" if score < MODERATE else "major"


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    kind: str  # numeric, time, categorical or identifier
    psi: float | None
    null_share: tuple[float, float]  # older, newer
    bins: list[dict[str, Any]]  # label, older share, newer share

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "kind": self.kind,
            "psi": None if self.psi is None else round(self.psi, 4),
            "verdict": None if self.psi is None else verdict(self.psi),
            "null_share": [round(s, 6) for s in self.null_share],
            "bins": self.bins,
        }


def table_drift(older: Path, newer: Path) -> dict[str, Any]:
    """Per shared column of two Parquet files: PSI, verdict, null shares and the bins.

    Returns ``{"rows": [older, newer], "columns": [...], "added": [...], "removed": [...],
    "worst": column or None}``."""
    con = duckdb.connect()
    try:
        a_src, b_src = (f"read_parquet({lit(str(p))})" for p in (older, newer))
        a_cols = {r[0]: r[1] for r in con.sql(f"DESCRIBE SELECT * FROM {a_src}").fetchall()}
        b_cols = {r[0]: r[1] for r in con.sql(f"DESCRIBE SELECT * FROM {b_src}").fetchall()}
        rows = [_count(con, a_src), _count(con, b_src)]
        columns = []
        for name, typ in a_cols.items():
            if name in b_cols:
                columns.append(_column(con, name, str(typ).upper(), a_src, b_src, rows))
    finally:
        con.close()
    scored = [c for c in columns if c.psi is not None]
    worst = max(scored, key=lambda c: c.psi or 0.0) if scored else None
    return {
        "rows": rows,
        "columns": [c.to_dict() for c in columns],
        "added": [c for c in b_cols if c not in a_cols],
        "removed": [c for c in a_cols if c not in b_cols],
        "worst": worst.column if worst else None,
    }


def _first(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...] | None:
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else None


def _count(con: duckdb.DuckDBPyConnection, src: str) -> int:
    row = _first(con, f"SELECT count(*) FROM {src}")
    return int(row[0]) if row else 0


def _column(
    con: duckdb.DuckDBPyConnection, name: str, typ: str, a: str, b: str, rows: list[int]
) -> ColumnDrift:
    col = q(name)
    nulls = [
        _share(con, f"SELECT count(*) - count({col}) FROM {src}", n)
        for src, n in zip((a, b), rows, strict=True)
    ]
    if typ.startswith(_NUMERIC) or typ.startswith(_TIME):
        kind = "time" if typ.startswith(_TIME) else "numeric"
        value = f"epoch({col})" if kind == "time" else f"CAST({col} AS DOUBLE)"
        return _binned(con, name, kind, value, a, b, rows, nulls)
    distinct = _first(con, f"SELECT approx_count_distinct({col}) FROM {a}")
    if typ.startswith("VARCHAR") and distinct and rows[0] and distinct[0] >= 0.9 * rows[0]:
        return ColumnDrift(name, "identifier", None, (nulls[0], nulls[1]), [])
    if not typ.startswith(("VARCHAR", "BOOLEAN")):
        return ColumnDrift(name, "other", None, (nulls[0], nulls[1]), [])
    return _categorical(con, name, a, b, rows, nulls)


def _share(con: duckdb.DuckDBPyConnection, sql: str, total: int) -> float:
    row = _first(con, sql)
    return float(row[0]) / total if row and total else 0.0


def _binned(
    con: duckdb.DuckDBPyConnection,
    name: str,
    kind: str,
    value: str,
    a: str,
    b: str,
    rows: list[int],
    nulls: list[float],
) -> ColumnDrift:
    qs = ", ".join(str(i / BINS) for i in range(1, BINS))
    row = _first(con, f"SELECT quantile_disc({value}, [{qs}]) FROM {a}")
    edges = sorted(set(x for x in (row[0] if row and row[0] else []) if x is not None))
    labels = [f"<= {e:g}" for e in edges] + [f"> {edges[-1]:g}" if edges else "all"]
    shares = []
    for src, n in zip((a, b), rows, strict=True):
        case = " ".join(f"WHEN {value} <= {e!r} THEN {i}" for i, e in enumerate(edges))
        bucket = f"CASE {case} ELSE {len(edges)} END" if edges else "0"
        counts = dict(
            con.sql(
                f"SELECT {bucket} AS b, count(*) FROM {src} WHERE {value} IS NOT NULL GROUP BY b"
            ).fetchall()
        )
        shares.append([counts.get(i, 0) / n if n else 0.0 for i in range(len(labels))])
    return _scored(name, kind, labels, shares, nulls)


def _categorical(
    con: duckdb.DuckDBPyConnection,
    name: str,
    a: str,
    b: str,
    rows: list[int],
    nulls: list[float],
) -> ColumnDrift:
    col = q(name)
    top = [
        str(v)
        for (v,) in con.sql(
            f"SELECT CAST({col} AS VARCHAR) AS v FROM {a} WHERE {col} IS NOT NULL "
            f"GROUP BY v ORDER BY count(*) DESC, v LIMIT {TOP_VALUES}"
        ).fetchall()
    ]
    shares = []
    for src, n in zip((a, b), rows, strict=True):
        counts = {
            str(v): int(c)
            for v, c in con.sql(
                f"SELECT CAST({col} AS VARCHAR) AS v, count(*) FROM {src} "
                f"WHERE {col} IS NOT NULL GROUP BY v"
            ).fetchall()
        }
        kept = [counts.get(v, 0) for v in top]
        other = sum(counts.values()) - sum(kept)
        shares.append([c / n if n else 0.0 for c in [*kept, other]])
    return _scored(name, "categorical", [*top, "(other)"], shares, nulls)


def _scored(
    name: str, kind: str, labels: list[str], shares: list[list[float]], nulls: list[float]
) -> ColumnDrift:
    older = [*shares[0], nulls[0]]
    newer = [*shares[1], nulls[1]]
    bins = [
        {"bin": label, "older": round(x, 6), "newer": round(y, 6)}
        for label, x, y in zip([*labels, "(null)"], older, newer, strict=True)
    ]
    return ColumnDrift(name, kind, psi(older, newer), (nulls[0], nulls[1]), bins)
