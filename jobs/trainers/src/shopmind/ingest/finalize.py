"""Whole-file steps after every chunk is validated: duplicates, references, catalog diff.

Duplicate rule (docs/data-contracts.md):

* products, users, judgements: rows sharing the key (item_id / user_id / query+item_id) keep
  the LAST one in file order, on the view that a later row is a later edit; earlier rows go
  to quarantine as ``duplicate`` (identical to the kept row) or ``superseded`` (different).
* events: rows identical in every field keep the FIRST; the others go to quarantine as
  ``duplicate``. Events that merely look alike (same item twice in a session) are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from shopmind.contracts import TableContract
from shopmind.workspace.engine import lit, q


def _src(path: Path) -> str:
    return f"read_parquet({lit(str(path))})"


def dedupe(con: duckdb.DuckDBPyConnection, contract: TableContract, staged: Path) -> None:
    """Create table ``ranked`` from the staged rows with ``_winner`` and ``_identical`` columns.

    ``_winner`` is the record number of the row kept for the row's key; ``_identical`` says
    whether the row equals the kept one in every field. Window aggregates without ORDER BY
    keep this a hash partition, not a sort.
    """
    cols = ", ".join(q(c) for c in contract.names)
    if contract.kind == "events":
        con.execute(
            # Partitioning on a 64-bit hash of the row plus its timestamp is much cheaper than
            # on eight text columns; a false match needs a hash collision at the same instant.
            f"CREATE OR REPLACE TABLE ranked AS SELECT *, min(_row) OVER "
            f'(PARTITION BY hash({cols}), "timestamp") AS _winner, true AS _identical '
            f"FROM {_src(staged)}"
        )
        return
    key = ", ".join(q(c) for c in contract.key)
    con.execute(
        f"CREATE OR REPLACE TABLE ranked AS SELECT *, max(_row) OVER w AS _winner, "
        f"arg_max(hash({cols}), _row) OVER w = hash({cols}) AS _identical "
        f"FROM {_src(staged)} WINDOW w AS (PARTITION BY {key})"
    )


def duplicate_rows_sql(contract: TableContract) -> str:
    """Quarantine rows (QUARANTINE_SCHEMA) for the rows ``dedupe`` did not keep."""
    key = "+".join(contract.key)
    return (
        "SELECT _row AS row, "
        f"{lit(key)} AS field, "
        "CASE WHEN _identical THEN 'duplicate' ELSE 'superseded' END AS check, "
        "CASE WHEN _identical THEN 'duplicate: identical to row ' || _winner || ' (kept)' "
        f"ELSE 'superseded: {key} repeated; row ' || _winner || ' wins (last row wins)' END "
        "AS reason, "
        f"to_json(struct_pack({', '.join(f'{q(c)} := {q(c)}' for c in contract.names)}))::VARCHAR"
        " AS raw FROM ranked WHERE _row <> _winner"
    )


def unknown_items_sql(products: Path) -> str:
    """Kept events whose item_id is not in the catalog at ``products`` (CTE-ready SELECT)."""
    return (
        f"SELECT r._row FROM ranked r WHERE r._row = r._winner AND r.item_id IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {_src(products)} p WHERE p.item_id = r.item_id)"
    )


def diff_versions(
    con: duckdb.DuckDBPyConnection, contract: TableContract, old: Path, new: Path, sample: int = 5
) -> dict[str, Any]:
    """Added / changed / removed / unchanged counts by key between two versions."""
    key = ", ".join(q(c) for c in contract.key)
    cols = ", ".join(q(c) for c in contract.names)
    join = " AND ".join(f"o.{q(c)} IS NOT DISTINCT FROM n.{q(c)}" for c in contract.key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE diff AS SELECT "
        f"CASE WHEN o._h IS NULL THEN 'added' WHEN n._h IS NULL THEN 'removed' "
        f"WHEN o._h <> n._h THEN 'changed' ELSE 'unchanged' END AS status, "
        f"COALESCE(n._k, o._k) AS k FROM "
        f"(SELECT concat_ws('|', {key}) AS _k, hash({cols}) AS _h, {key} FROM {_src(old)}) o "
        f"FULL OUTER JOIN "
        f"(SELECT concat_ws('|', {key}) AS _k, hash({cols}) AS _h, {key} FROM {_src(new)}) n "
        f"ON {join}"
    )
    counts = dict(con.sql("SELECT status, count(*) FROM diff GROUP BY 1").fetchall())
    out: dict[str, Any] = {
        s: int(counts.get(s, 0)) for s in ("added", "changed", "removed", "unchanged")
    }
    for status in ("added", "changed", "removed"):
        rows = con.sql(
            f"SELECT k FROM diff WHERE status = {lit(status)} ORDER BY k LIMIT {sample}"
        ).fetchall()
        out[f"{status}_sample"] = [r[0] for r in rows]
    return out
