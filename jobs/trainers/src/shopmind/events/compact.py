"""Compaction: the event log's new records become the next ``events`` version.

``events@N`` = the rows of the previous ``events`` version + the log's events not compacted
before, validated by the file ingest's own steps (read as JSON Lines, column mapping,
per-field validation, duplicate resolution, the catalog reference check), so a bad event lands
in ``events.quarantine@N`` with its reason exactly as a bad row of a file would. Both versions
are committed in one workspace transaction.

The watermark (the last log sequence number compacted, per log id) is stored in the new
version's ``params["event_log"]``; it moves only when that version commits. A crash before the
commit leaves the old watermark, and the next run redoes the same range; a crash after the
commit but before the log is truncated is repaired by the next run, which finds nothing new
and truncates. So every event is compacted exactly once.

In the quarantine of a compacted version, ``row`` is the event's log sequence number.

Events erased from the log (:meth:`EventLog.erase`) before compaction are left out: they are
in neither table and counted as ``erased``. A range holding only erased events commits no
version (there is nothing to add); it is passed over with the next real event.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shopmind.config import Settings
from shopmind.contracts import TableContract, contract_for
from shopmind.errors import ContractError, ShopmindError, WorkspaceError
from shopmind.events.erase import is_tombstone
from shopmind.events.log import EventLog
from shopmind.ingest.finalize import dedupe

# The file ingest's own steps, reused so log events meet exactly the same rules as file rows.
from shopmind.ingest.job import _check_references, _stream, _write_outputs, pii_quality
from shopmind.ingest.mapping import map_columns
from shopmind.ingest.readers import read_jsonl
from shopmind.ingest.sources import Reader, ReadOptions, SourceChunk
from shopmind.ingest.validate import Rules
from shopmind.privacy.policy import IngestPrivacy
from shopmind.quality import profile_parquet
from shopmind.workspace import AssetVersion, Transaction, Workspace
from shopmind.workspace.engine import job_connection, lit
from shopmind.workspace.files import sha256_file

PARAM = "event_log"
PRODUCED_BY = "compact.events"
_BATCH_ROWS = 65_536
# One compaction at a time per process; a log folder is only ever open in one process.
_LOCK = threading.Lock()
#: Held by a compaction from its export to its commit; an erasure in the same process takes it
#: so that no events it tombstones are committed from an export made just before.
COMPACTION_LOCK = _LOCK


@dataclass
class CompactReport:
    """What one compaction did. ``events == accepted + quarantined`` always holds.

    ``first_seq``/``last_seq``: the log range compacted (None when there was nothing new);
    ``erased``: events of that range erased from the log before compaction, in no table
    (``last_seq - first_seq + 1 == events + erased``); ``watermark``: the last compacted
    sequence number after this run; ``seconds``: wall time.
    """

    log_id: str
    first_seq: int | None
    last_seq: int | None
    events: int
    accepted: int
    quarantined: int
    quarantine_by_check: dict[str, int]
    asset: str | None
    quarantine_asset: str | None
    previous: str | None
    previous_rows: int
    watermark: int
    truncated_segments: int = 0
    erased: int = 0
    references: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["events_per_s"] = round(self.events / self.seconds) if self.seconds else None
        return out


def log_watermark(ws: Workspace, log_id: str) -> int:
    """Last sequence number of log ``log_id`` already in an ``events`` version (0: none)."""
    for version in reversed(ws.versions("events")):
        mark = version.params.get(PARAM)
        if isinstance(mark, Mapping) and mark.get("log_id") == log_id:
            return int(mark["last_seq"])
    return 0


def _with_required_columns(contract: TableContract, table: pa.Table) -> pa.Table:
    """Add all-null columns for required fields no key of the chunk maps to.

    A file missing a required column is refused as a whole; a log cannot be refused, so such
    events must reach validation and be quarantined row by row as ``missing`` instead.
    """
    if table.num_rows == 0:
        return table
    try:
        map_columns(contract, table.column_names)
    except ContractError as exc:
        for name in exc.details.get("missing", []):
            table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    return table


def _log_reader(contract: TableContract, after_seq: int) -> Reader:
    """JSON Lines reader whose record numbers are log sequence numbers (line + ``after_seq``)."""

    def read(path: Path, options: ReadOptions) -> Iterator[SourceChunk]:
        offset = pa.scalar(after_seq, pa.int64())
        for chunk in read_jsonl(path, options):
            yield SourceChunk(
                _with_required_columns(contract, chunk.table),
                pc.add(chunk.rows, offset),
                [replace(r, row=r.row + after_seq) for r in chunk.rejected],
            )

    return read


@dataclass(frozen=True)
class _Export:
    events: int  # lines holding an event; erased events are not counted
    erased: int
    last_seq: int
    longest_line: int


def _export(log: EventLog, after_seq: int, path: Path) -> _Export:
    """Write the durable events after ``after_seq`` as JSON Lines, one event per line.

    An erased event (a tombstone) is written as an empty line: the JSON Lines reader skips it,
    so it is neither a row nor counted as read, yet line ``n`` still holds event
    ``after_seq + n``, which quarantine row numbers rely on.
    """
    expected = after_seq + 1
    longest = erased = 0
    with path.open("wb") as fh:
        for logged in log.replay(after_seq, erased=True):
            if logged.seq != expected:
                raise WorkspaceError(
                    f"event log {log.folder} skips from {expected - 1} to {logged.seq}",
                    path=str(log.folder),
                )
            expected += 1
            if is_tombstone(logged.event):
                fh.write(b"\n")
                erased += 1
                continue
            event = logged.event
            if event.get("timestamp") is None:
                # the service logs events as sent (so a retry matches byte for byte); one
                # sent without a time happened when the server received it
                event = {**event, "timestamp": int(logged.received_at)}
            line = orjson.dumps(event) + b"\n"
            fh.write(line)
            longest = max(longest, len(line))
    return _Export(expected - 1 - after_seq - erased, erased, expected - 1, longest)


def _append_rows(
    ws: Workspace, previous: AssetVersion | None, new: Path, out: Path, schema: pa.Schema
) -> int:
    """Write previous version's rows then ``new``'s to ``out``; returns the previous rows."""
    kept = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        sources = ([ws.data_path(previous)] if previous is not None else []) + [new]
        for i, path in enumerate(sources):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS):
                writer.write_table(pa.Table.from_batches([batch]).select(schema.names).cast(schema))
                if previous is not None and i == 0:
                    kept += batch.num_rows
    return kept


def _check_range(log: EventLog, watermark: int) -> None:
    """Refuse a log that lost events the workspace never received, or is behind it."""
    first, last = log.first_seq, log.last_seq
    if first > watermark + 1:
        raise WorkspaceError(
            f"event log {log.folder} starts at event {first}, but events up to only {watermark} "
            f"were compacted into {log.log_id!r}'s watermark: events {watermark + 1}..{first - 1}"
            " were truncated without being compacted into this workspace",
            path=str(log.folder),
        )
    if last < watermark:
        raise WorkspaceError(
            f"event log {log.folder} ends at event {last}, but this workspace already holds "
            f"events up to {watermark} from it: the log lost acknowledged events",
            path=str(log.folder),
        )


def compact(ws: Workspace, log: EventLog, settings: Settings) -> CompactReport:
    """Compact the log's new events into ``events@N`` + ``events.quarantine@N``, then truncate.

    Returns a report whose ``asset`` is None when there was nothing new (the log is still
    truncated up to the watermark, finishing a run that crashed after its commit).
    """
    started = time.perf_counter()
    contract = contract_for("events")
    with _LOCK:
        watermark = log_watermark(ws, log.log_id)
        _check_range(log, watermark)
        previous = ws.registry.get("events", None)
        products = ws.registry.get("products", None)
        report = CompactReport(
            log_id=log.log_id,
            first_seq=None,
            last_seq=None,
            events=0,
            accepted=0,
            quarantined=0,
            quarantine_by_check={},
            asset=None,
            quarantine_asset=None,
            previous=str(previous.ref) if previous is not None else None,
            previous_rows=0,
            watermark=watermark,
        )
        with ws.transaction(PRODUCED_BY) as txn:
            jsonl = txn.dir / "log.jsonl"
            exported = _export(log, watermark, jsonl)
            if exported.events:  # with nothing staged the transaction commits nothing
                inputs = _Inputs(previous, products, jsonl, exported)
                _compact_into(ws, txn, contract, settings, log, inputs, report)
        if exported.events:
            refs = {v.ref.name: str(v.ref) for v in txn.committed}
            report.asset = refs["events"]
            report.quarantine_asset = refs["events.quarantine"]
            report.watermark = exported.last_seq
        report.truncated_segments = len(log.truncate_before(report.watermark + 1))
    report.seconds = round(time.perf_counter() - started, 3)
    return report


@dataclass(frozen=True)
class _Inputs:
    previous: AssetVersion | None  # the events version the new one extends
    products: AssetVersion | None  # the catalog event item ids are checked against
    jsonl: Path
    exported: _Export


def _compact_into(
    ws: Workspace,
    txn: Transaction,
    contract: TableContract,
    settings: Settings,
    log: EventLog,
    inputs: _Inputs,
    report: CompactReport,
) -> None:
    """Validate the exported events and stage both versions in ``txn``; fills ``report``."""
    watermark = report.watermark
    previous, products, jsonl, exported = (
        inputs.previous,
        inputs.products,
        inputs.jsonl,
        inputs.exported,
    )
    data = txn.stage("events")
    quar = txn.stage("events.quarantine")
    options = ReadOptions(
        chunk_rows=settings.ingest_chunk_rows,
        # The line limit guards against unbounded input files; log records are bounded already.
        max_line_bytes=max(settings.ingest_max_line_bytes, exported.longest_line),
    )
    rules = Rules(
        now=datetime.now(UTC),
        max_future_s=settings.ingest_max_future_s,
        min_year=settings.ingest_min_year,
        default_currency=settings.default_currency,
    )
    con = job_connection(settings, txn.dir)
    ok_path, bad_path = txn.dir / "accepted.parquet", txn.dir / "rejected.parquet"
    new_path = txn.dir / "new.parquet"
    reader = _log_reader(contract, watermark)
    # live events were pseudonymised before they were logged (ServiceState.record)
    privacy = IngestPrivacy.from_settings(ws.root, settings, contract, already_pseudonymised=True)
    staged = _stream(con, contract, reader, jsonl, options, rules, {}, ok_path, bad_path, privacy)
    dedupe(con, contract, ok_path)
    references = _check_references(con, ws, products, settings.ingest_unknown_items)
    to_quarantine = (
        str(products.ref)
        if products is not None and settings.ingest_unknown_items == "quarantine"
        else None
    )
    _write_outputs(con, contract, bad_path, new_path, quar.data_path, to_quarantine)
    os.remove(ok_path)
    os.remove(bad_path)
    accepted = pq.read_metadata(new_path).num_rows
    quarantined = pq.read_metadata(quar.data_path).num_rows
    if not exported.events == staged.input_rows == accepted + quarantined:
        raise ShopmindError(
            f"compaction did not reconcile: {exported.events} events exported, "
            f"{staged.input_rows} read, {accepted} accepted + {quarantined} quarantined; "
            "nothing was committed"
        )
    previous_rows = _append_rows(ws, previous, new_path, data.data_path, contract.arrow_schema())
    os.remove(new_path)
    by_check = {
        str(k): int(v)
        for k, v in con.sql(
            f'SELECT "check", count(*) FROM read_parquet({lit(str(quar.data_path))}) '
            "GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    }
    quality = profile_parquet(con, data.data_path, tuple(f.name for f in contract.fields if f.enum))
    quality.update(pii_quality(data.data_path, contract, privacy))
    con.close()

    report.first_seq, report.last_seq = watermark + 1, exported.last_seq
    report.events, report.accepted, report.quarantined = exported.events, accepted, quarantined
    report.erased = exported.erased
    report.quarantine_by_check, report.references = by_check, references
    report.previous_rows = previous_rows
    mark = {
        "log_id": log.log_id,
        "folder": str(log.folder.resolve()),
        "first_seq": watermark + 1,
        "last_seq": exported.last_seq,
    }
    params = {
        "kind": contract.kind,
        "format": "event_log",
        PARAM: mark,
        "unknown_items": settings.ingest_unknown_items,
        "max_future_s": settings.ingest_max_future_s,
        "min_year": settings.ingest_min_year,
        "default_currency": settings.default_currency,
        **privacy.params(),
    }
    source = {**mark, "events": exported.events, "sha256": sha256_file(jsonl)}
    lineage = tuple(v.ref for v in (previous, products) if v is not None)
    stored = {
        k: v
        for k, v in report.to_dict().items()
        if k
        not in (
            "asset",
            "quarantine_asset",
            "watermark",
            "seconds",
            "events_per_s",
            "truncated_segments",
        )
    }
    data.describe(
        params=params,
        sources=(source,),
        inputs=lineage,
        tags=privacy.tags(),
        quality={
            **quality,
            "quarantined": quarantined,
            "quarantine_fraction": round(quarantined / exported.events, 6),
        },
        report={**stored, "mapping": dict(staged.mapping.fields)},
    )
    quar.describe(
        params=params,
        sources=(source,),
        inputs=lineage,
        tags={"raw": frozenset({"pii", "free_text"})},
        quality={"rows": quarantined, "by_check": by_check},
        report={"quarantine_of": contract.kind},
    )
