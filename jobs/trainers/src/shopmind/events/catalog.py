"""Compacting the product change log (``POST/DELETE /v1/products``) into ``products@N``.

Each logged operation is ``{"op": "upsert", <product fields>}`` (insert or replace the whole
row of that ``item_id``) or ``{"op": "delete", "item_id": ...}``. Compaction applies the
operations not yet applied, in log order, to the newest ``products`` version, writes the
resulting catalog as a JSON Lines file next to the log, and ingests that file like any other:
the same contract checks, quarantine and lineage (the file is kept, so the new version's source
hash stays verifiable).

Which operations are applied is recorded in ``compacted.json`` after the commit. A crash
between the two re-applies the same operations at the next run, which is harmless: replacing a
row by the same row and deleting a deleted product change nothing.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from shopmind.config import Settings
from shopmind.events.log import EventLog
from shopmind.ingest import ingest_file
from shopmind.workspace import Workspace
from shopmind.workspace.files import fsync_dir

STATE_FILE = "compacted.json"
FILES_DIR = "compacted"


@dataclass
class ProductCompactReport:
    log_id: str
    operations: int
    upserts: int
    deletes: int
    previous: str | None
    asset: str | None  # None: nothing new
    accepted: int
    quarantined: int
    watermark: int
    seconds: float


def applied_through(log: EventLog) -> int:
    """The last sequence number of ``log`` already applied to a products version."""
    path = log.folder / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 0
    return int(state["last_seq"]) if state.get("log_id") == log.log_id else 0


def compact_products(ws: Workspace, log: EventLog, settings: Settings) -> ProductCompactReport:
    """Apply the logged product operations to a new ``products@N`` (module docstring)."""
    started = time.perf_counter()
    watermark = applied_through(log)
    ops = [(e.seq, e.event) for e in log.replay(watermark)]
    previous = ws.registry.get("products", None)
    report = ProductCompactReport(
        log_id=log.log_id,
        operations=len(ops),
        upserts=sum(1 for _, op in ops if op.get("op") == "upsert"),
        deletes=sum(1 for _, op in ops if op.get("op") == "delete"),
        previous=str(previous.ref) if previous is not None else None,
        asset=None,
        accepted=0,
        quarantined=0,
        watermark=watermark,
        seconds=0.0,
    )
    if ops:
        rows: dict[str, dict[str, Any]] = {}
        if previous is not None:
            for row in ws.read_table(previous).to_pylist():
                rows[str(row["item_id"])] = _plain(row)
        for _, op in ops:
            item_id = str(op["item_id"])
            if op.get("op") == "delete":
                rows.pop(item_id, None)
            else:
                rows[item_id] = {k: v for k, v in op.items() if k != "op"}
        last_seq = ops[-1][0]
        folder = log.folder / FILES_DIR
        folder.mkdir(exist_ok=True)
        path = folder / f"products-{last_seq:012d}.jsonl"
        with path.open("wb") as f:
            for row in rows.values():
                f.write(orjson.dumps(row) + b"\n")
            f.flush()
            os.fsync(f.fileno())
        ingested = ingest_file(ws, "products", path, settings, fmt="jsonl")
        report.asset = ingested.asset
        report.accepted = int(ingested.accepted)
        report.quarantined = int(ingested.quarantined)
        report.watermark = last_seq
        _write_state(log, last_seq, report.asset)
    log.truncate_before(report.watermark + 1)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _write_state(log: EventLog, last_seq: int, asset: str | None) -> None:
    tmp = log.folder / (STATE_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump({"log_id": log.log_id, "last_seq": last_seq, "asset": asset}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, log.folder / STATE_FILE)
    fsync_dir(log.folder)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A stored products row as JSON-ready values the JSON Lines reader takes back."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, list) and all(isinstance(p, tuple) for p in value):
            value = dict(value)  # an Arrow map comes back as (key, value) pairs
        out[key] = value
    return out
