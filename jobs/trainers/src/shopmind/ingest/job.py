"""The ingest job: one file in, a new table version plus its quarantine out, atomically."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from shopmind.config import Settings
from shopmind.contracts import TableContract, contract_for
from shopmind.errors import ContractError, InputFileError, NotFound, ShopmindError
from shopmind.ingest.chunks import (
    ATTRIBUTES_COLUMN,
    QUARANTINE_SCHEMA,
    ChunkValidator,
    quarantine_table,
)
from shopmind.ingest.finalize import dedupe, diff_versions, duplicate_rows_sql, unknown_items_sql
from shopmind.ingest.mapping import ColumnMapping, map_columns
from shopmind.ingest.prefetch import prefetch
from shopmind.ingest.readers import GENERIC_READERS
from shopmind.ingest.sources import Reader, ReadOptions
from shopmind.ingest.textio import check_file, sniff_format
from shopmind.ingest.validate import Rules, build_sql
from shopmind.privacy.policy import IngestPrivacy
from shopmind.privacy.scan import pii_counts
from shopmind.quality import profile_parquet
from shopmind.workspace import AssetVersion, Workspace
from shopmind.workspace.engine import job_connection, lit, q
from shopmind.workspace.files import sha256_file


@dataclass
class IngestReport:
    """What one ingest did. ``input_rows == accepted + quarantined`` always holds."""

    kind: str
    asset: str
    quarantine_asset: str
    source: dict[str, Any]
    input_rows: int
    accepted: int
    quarantined: int
    quarantine_by_check: dict[str, int]
    mapping: dict[str, Any]
    ignored_columns: list[str]
    references: dict[str, Any] = field(default_factory=dict)
    diff: dict[str, Any] | None = None
    seconds: float = 0.0
    #: where the time went: prepare (hash the source file, open the job), read_validate
    #: (read, validate, pseudonymise, stage), dedupe, references, write (data and quarantine
    #: files), profile (quality, drift)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["rows_per_s"] = round(self.input_rows / self.seconds) if self.seconds else None
        return out


def resolve_reader(fmt: str | None, kind: str, path: Path) -> tuple[str, Reader]:
    """The reader for ``fmt`` (sniffed from the file name when None)."""
    name = fmt or sniff_format(path)
    if name in GENERIC_READERS:
        return name, GENERIC_READERS[name]
    from shopmind.ingest.formats import PUBLIC_FORMATS  # the public readers load on demand

    if name in PUBLIC_FORMATS:
        return name, PUBLIC_FORMATS[name].reader(kind)
    known = sorted(GENERIC_READERS) + sorted(PUBLIC_FORMATS)
    raise InputFileError(
        f"unknown format {name!r}; expected one of {', '.join(known)}", format=name
    )


def _sql_fields(contract: TableContract, mapping: ColumnMapping) -> dict[str, str]:
    """Field -> column of the validation input (products' attributes are rebuilt first)."""
    if contract.extras == "attributes":
        return {**mapping.fields, "attributes": ATTRIBUTES_COLUMN}
    return dict(mapping.fields)


@dataclass
class _Staged:
    """Accepted and rejected rows of one file, streamed to staged Parquet files."""

    input_rows: int
    mapping: ColumnMapping


def _stream(
    con: duckdb.DuckDBPyConnection,
    contract: TableContract,
    reader: Reader,
    path: Path,
    options: ReadOptions,
    rules: Rules,
    explicit: Mapping[str, str],
    ok_path: Path,
    bad_path: Path,
    privacy: IngestPrivacy | None = None,
) -> _Staged:
    """Read, map and validate every chunk; write accepted rows (+ ``_row``) and rejects."""
    ok_schema = contract.arrow_schema().append(pa.field("_row", pa.int64()))
    input_rows = 0
    mapping: ColumnMapping | None = None
    columns_seen: tuple[str, ...] = ()
    validator: ChunkValidator | None = None
    pending: Future[None] | None = None

    def protect_and_write(accepted: pa.Table) -> None:
        if privacy is not None:
            accepted = privacy.accepted(accepted)
        ok_w.write_table(accepted.cast(ok_schema))

    # Staged files live seconds; fast LZ4 beats the final files' zstd here. Pseudonyms are
    # computed (DuckDB, no GIL) on a second thread while the next chunk is validated; one
    # chunk in flight keeps the order and bounds the memory.
    with (
        pq.ParquetWriter(ok_path, ok_schema, compression="lz4") as ok_w,
        pq.ParquetWriter(bad_path, QUARANTINE_SCHEMA, compression="lz4") as bad_w,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-protect") as pool,
    ):
        for chunk in prefetch(reader(path, options)):
            input_rows += chunk.table.num_rows + len(chunk.rejected)
            cols = tuple(chunk.table.column_names)
            if cols and cols != columns_seen:
                if mapping is None:
                    mapping = map_columns(contract, cols, explicit)
                else:  # JSON Lines may bring new keys later; a missing one is then null
                    with contextlib.suppress(ContractError):
                        mapping = map_columns(contract, cols, explicit)
                columns_seen = cols
                sql = build_sql(contract, _sql_fields(contract, mapping), rules)
                validator = ChunkValidator(con, contract, mapping, sql, privacy)
            if validator is None or chunk.table.num_rows == 0:
                if chunk.rejected:
                    bad_w.write_table(quarantine_table(chunk.rejected))
                continue
            result = validator.run(chunk)
            if pending is not None:
                pending.result()
            pending = pool.submit(protect_and_write, result.accepted)
            bad_w.write_table(result.quarantined)
        if pending is not None:
            pending.result()
    if input_rows == 0:
        raise InputFileError(f"{path}: no records found", path=str(path))
    return _Staged(input_rows, mapping or ColumnMapping(fields={}, extra=()))


def _check_references(
    con: duckdb.DuckDBPyConnection, ws: Workspace, products: AssetVersion | None, action: str
) -> dict[str, Any]:
    """Count kept events naming unknown products into table ``unknown``; describe the check."""
    if products is None:
        return {
            "checked_against": None,
            "note": "no products asset yet; item references not checked",
        }
    con.execute(f"CREATE TABLE unknown AS {unknown_items_sql(ws.data_path(products))}")
    (n_unknown,) = con.execute("SELECT count(*) FROM unknown").fetchall()[0]
    sample = [
        r[0]
        for r in con.sql(
            "SELECT DISTINCT r.item_id FROM ranked r JOIN unknown u USING (_row) ORDER BY 1 LIMIT 5"
        ).fetchall()
    ]
    return {
        "checked_against": str(products.ref),
        "unknown_item_rows": int(n_unknown),
        "unknown_item_sample": sample,
        "action": action,
    }


def _write_outputs(
    con: duckdb.DuckDBPyConnection,
    contract: TableContract,
    bad_path: Path,
    data_path: Path,
    quarantine_path: Path,
    unknown_to_quarantine: str | None,
) -> None:
    """Write the kept rows and the whole quarantine (rejects + duplicates [+ unknown items])."""
    keep = "_row = _winner"
    extra = ""
    if unknown_to_quarantine is not None:
        keep += " AND _row NOT IN (SELECT _row FROM unknown)"
        names = ", ".join(f"{q(c)} := r.{q(c)}" for c in contract.names)
        extra = (
            " UNION ALL SELECT r._row, 'item_id', 'unknown_item', "
            f"'item_id: ' || r.item_id || ' is not in ' || {lit(unknown_to_quarantine)}, "
            f"to_json(struct_pack({names}))::VARCHAR FROM ranked r JOIN unknown USING (_row)"
        )
    cols = ", ".join(q(c) for c in contract.names)
    con.execute(
        f"COPY (SELECT {cols} FROM ranked WHERE {keep} ORDER BY _row) "
        f"TO {lit(str(data_path))} (FORMAT parquet, COMPRESSION zstd)"
    )
    con.execute(
        f"COPY (SELECT * FROM (SELECT * FROM read_parquet({lit(str(bad_path))}) "
        f"UNION ALL {duplicate_rows_sql(contract)}{extra}) ORDER BY row) "
        f"TO {lit(str(quarantine_path))} (FORMAT parquet, COMPRESSION zstd)"
    )


def ingest_file(
    ws: Workspace,
    kind: str,
    path: Path | str,
    settings: Settings,
    fmt: str | None = None,
    column_map: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> IngestReport:
    """Ingest ``path`` as table ``kind``; commit ``KIND@N`` and ``KIND.quarantine@N`` together.

    Row problems never raise: rows go to quarantine. File-level problems (missing file,
    unreadable format, missing required columns) raise a ShopmindError and leave the
    workspace unchanged.
    """
    started = time.perf_counter()
    stages: dict[str, float] = {}
    mark = started

    def lap(stage: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        stages[stage] = round(now - mark, 3)
        mark = now

    contract = contract_for(kind)
    path = check_file(Path(path))
    fmt_name, reader = resolve_reader(fmt, contract.kind, path)
    options = ReadOptions(
        chunk_rows=settings.ingest_chunk_rows,
        max_line_bytes=settings.ingest_max_line_bytes,
        encoding=encoding,
    )
    rules = Rules(
        now=datetime.now(UTC),
        max_future_s=settings.ingest_max_future_s,
        min_year=settings.ingest_min_year,
        default_currency=settings.default_currency,
    )
    explicit = dict(column_map or {})
    source = {
        "path": str(path.resolve()),
        "format": fmt_name,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        "encoding": encoding or "utf-8",
    }
    products = ws.registry.get("products", None) if contract.kind == "events" else None
    previous = ws.registry.get(contract.kind, None)

    with ws.transaction(f"ingest.{contract.kind}") as txn:
        data = txn.stage(contract.kind)
        quar = txn.stage(f"{contract.kind}.quarantine")
        con = job_connection(settings, txn.dir)
        ok_path, bad_path = txn.dir / "accepted.parquet", txn.dir / "rejected.parquet"
        privacy = IngestPrivacy.from_settings(ws.root, settings, contract)
        lap("prepare")
        staged = _stream(
            con, contract, reader, path, options, rules, explicit, ok_path, bad_path, privacy
        )
        lap("read_validate")
        dedupe(con, contract, ok_path)
        lap("dedupe")
        references = (
            _check_references(con, ws, products, settings.ingest_unknown_items)
            if contract.kind == "events"
            else {}
        )
        lap("references")
        to_quarantine = (
            str(products.ref)
            if products is not None and settings.ingest_unknown_items == "quarantine"
            else None
        )
        _write_outputs(con, contract, bad_path, data.data_path, quar.data_path, to_quarantine)
        os.remove(ok_path)
        os.remove(bad_path)
        lap("write")

        accepted = pq.read_metadata(data.data_path).num_rows
        quarantined = pq.read_metadata(quar.data_path).num_rows
        if accepted + quarantined != staged.input_rows:
            raise ShopmindError(
                f"ingest did not reconcile: {staged.input_rows} input rows but {accepted} "
                f"accepted + {quarantined} quarantined; nothing was committed"
            )
        by_check = dict(
            con.sql(
                f'SELECT "check", count(*) FROM read_parquet({lit(str(quar.data_path))}) '
                "GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        )
        quality = profile_parquet(
            con, data.data_path, tuple(f.name for f in contract.fields if f.enum)
        )
        quality.update(pii_quality(data.data_path, contract, privacy))
        diff = (
            diff_versions(con, contract, ws.data_path(previous), data.data_path)
            if previous is not None and contract.kind != "events"
            else None
        )
        con.close()
        lap("profile")

        params = {
            "kind": contract.kind,
            "format": fmt_name,
            "map": explicit,
            "encoding": encoding,
            "unknown_items": settings.ingest_unknown_items,
            "max_future_s": settings.ingest_max_future_s,
            "min_year": settings.ingest_min_year,
            "default_currency": settings.default_currency,
            **privacy.params(),
        }
        report = IngestReport(
            kind=contract.kind,
            asset="",
            quarantine_asset="",
            source=source,
            input_rows=staged.input_rows,
            accepted=accepted,
            quarantined=quarantined,
            quarantine_by_check={str(k): int(v) for k, v in by_check.items()},
            mapping=dict(staged.mapping.fields),
            ignored_columns=list(staged.mapping.extra) if contract.extras == "ignore" else [],
            references=references,
            diff=diff,
            seconds=round(time.perf_counter() - started, 3),
            stage_seconds=stages,
        )
        inputs = (products.ref,) if products else ()
        stored = {
            k: v for k, v in report.to_dict().items() if k not in ("asset", "quarantine_asset")
        }
        quality = {
            **quality,
            "quarantined": quarantined,
            "quarantine_fraction": round(quarantined / staged.input_rows, 6),
        }
        data.describe(
            params=params,
            sources=(source,),
            inputs=inputs,
            tags=privacy.tags(),
            quality=quality,
            report=stored,
        )
        quar.describe(
            params=params,
            sources=(source,),
            inputs=inputs,
            tags={"raw": frozenset({"pii", "free_text"})},
            quality={"rows": quarantined, "by_check": report.quarantine_by_check},
            report={"quarantine_of": contract.kind},
        )
    refs = {v.ref.name: str(v.ref) for v in txn.committed}
    report.asset = refs[contract.kind]
    report.quarantine_asset = refs[f"{contract.kind}.quarantine"]
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def pii_quality(
    path: Path, contract: TableContract, privacy: IngestPrivacy
) -> dict[str, dict[str, Any]]:
    """The ``pii`` entry of a version's quality profile: per free-text column, the personal
    data it holds (docs/privacy.md); for masked columns, what was masked."""
    text_columns = [
        f.name for f in contract.fields if "free_text" in f.tags and f.name not in privacy.masked
    ]
    found = {**(pii_counts(path, text_columns) if text_columns else {}), **privacy.quality()}
    return {"pii": found} if found else {}


def quarantine_of(ws: Workspace, version: AssetVersion) -> AssetVersion:
    """The quarantine version committed with ``version`` (or ``version`` if it is one)."""
    if version.ref.name.endswith(".quarantine"):
        return version
    for sibling in ws.siblings(version):
        if sibling.ref.name == f"{version.ref.name}.quarantine":
            return sibling
    raise NotFound(
        f"{version.ref} has no quarantine (it was not produced by an ingest)",
        asset=str(version.ref),
    )
