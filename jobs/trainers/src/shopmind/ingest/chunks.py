"""Turning one source chunk into accepted rows and quarantine rows."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from shopmind.contracts import TableContract
from shopmind.ingest.mapping import ColumnMapping
from shopmind.ingest.normalise import merge_attributes, nfkc
from shopmind.ingest.sources import RejectedRecord, SourceChunk
from shopmind.ingest.validate import run_validation
from shopmind.privacy.policy import IngestPrivacy

# Products' attributes are rebuilt in Python (source map + extra columns) under this name.
ATTRIBUTES_COLUMN = "__attributes"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("row", pa.int64()),  # 1-based record number in the source file
        pa.field("field", pa.string()),  # the field at fault, "_record" for unreadable records
        pa.field("check", pa.string()),  # short code of the rule broken
        pa.field("reason", pa.string()),  # human-readable reason
        pa.field("raw", pa.string()),  # the record as found: JSON of source values, or text
    ]
)


def quarantine_table(records: list[RejectedRecord]) -> pa.Table:
    def code(r: RejectedRecord) -> str:
        return "broken_encoding" if r.reason.startswith("broken encoding") else "bad_record"

    return pa.table(
        {
            "row": pa.array([r.row for r in records], type=pa.int64()),
            "field": pa.array([r.field for r in records], type=pa.string()),
            "check": pa.array([code(r) for r in records], type=pa.string()),
            "reason": pa.array([r.reason for r in records], type=pa.string()),
            "raw": pa.array([r.raw for r in records], type=pa.string()),
        },
        schema=QUARANTINE_SCHEMA,
    )


def raw_json(table: pa.Table, indices: pa.Array) -> pa.Array:
    """JSON text of the source rows at ``indices``, with their original column names."""
    rows = table.take(indices).to_pylist()
    return pa.array([orjson.dumps(r).decode() for r in rows], type=pa.string())


@dataclass
class ChunkResult:
    accepted: pa.Table  # canonical columns + "_row"
    quarantined: pa.Table  # QUARANTINE_SCHEMA


class ChunkValidator:
    """Validates chunks of one file against one contract with a prepared SQL statement."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        contract: TableContract,
        mapping: ColumnMapping,
        sql: str,
        privacy: IngestPrivacy | None = None,
    ) -> None:
        self.con = con
        self.contract = contract
        self.mapping = mapping
        self.sql = sql
        self.privacy = privacy

    def _raw(self, table: pa.Table, indices: pa.Array) -> pa.Array:
        """Raw records of rejected rows, their identifiers and free text protected first."""
        if self.privacy is not None:
            table = self.privacy.source(table.take(indices), self.mapping.fields)
            indices = pa.array(range(len(indices)), type=pa.int64())
        return raw_json(table, indices)

    def run(self, chunk: SourceChunk) -> ChunkResult:
        table, rows = chunk.table, chunk.rows
        rejected = list(chunk.rejected)
        n = table.num_rows
        cols: dict[str, pa.Array] = {}
        for field, src in self.mapping.fields.items():
            if field == "attributes" and self.contract.extras == "attributes":
                continue
            cols[src] = nfkc(table[src]) if src in table.column_names else pa.nulls(n, pa.string())
        if self.contract.extras == "attributes":
            extras = {c: nfkc(table[c]) for c in self.mapping.extra if c in table.column_names}
            attr_src = self.mapping.fields.get("attributes")
            source_attrs = nfkc(table[attr_src]) if attr_src in table.column_names else None
            attrs, bad = merge_attributes(source_attrs, extras, n)
            cols[ATTRIBUTES_COLUMN] = attrs
            if bad:
                raws = self._raw(table, pa.array(bad, type=pa.int64()))
                for i, raw in zip(bad, raws.to_pylist(), strict=True):
                    rejected.append(
                        RejectedRecord(
                            rows[i].as_py(),
                            raw,
                            "attributes",
                            "attributes: not a JSON object of scalars or a key:value list",
                        )
                    )
                keep = pc.invert(pc.is_in(pa.array(range(n)), value_set=pa.array(bad)))
                cols = {k: v.filter(keep) for k, v in cols.items()}
                table, rows = table.filter(keep), rows.filter(keep)
                n = table.num_rows
        src = pa.table({**cols, "_idx": pa.array(range(n), type=pa.int64())})
        # DuckDB scans Arrow in parallel by record batch: hand it several.
        src = pa.Table.from_batches(src.to_batches(max_chunksize=max(1, -(-n // 8))))
        out = run_validation(self.con, src, self.sql)
        ok = pc.is_null(out["_check"])
        good = out.filter(ok)
        accepted = good.select(list(self.contract.names)).append_column(
            "_row", rows.take(good["_idx"])
        )
        bad_rows = out.filter(pc.invert(ok))
        q_parts = [quarantine_table(rejected)]
        if bad_rows.num_rows:
            idx = bad_rows["_idx"].combine_chunks()
            q_parts.append(
                pa.table(
                    {
                        "row": rows.take(idx),
                        "field": bad_rows["_field"],
                        "check": bad_rows["_check"],
                        "reason": bad_rows["_reason"],
                        "raw": self._raw(table, idx),
                    },
                    schema=QUARANTINE_SCHEMA,
                )
            )
        # the accepted rows are protected by the caller (``IngestPrivacy.accepted``), off the
        # validating thread; rejected rows' source records were protected above
        return ChunkResult(accepted, pa.concat_tables(q_parts))
