"""Erasure of one user (the right to be forgotten) from every asset version, model and log.

What :func:`erase_user` does, given the id as the shop sent it:

1. **Which ids.** The user's pseudonym under the workspace key and the raw id itself (a
   version ingested while ``privacy_pseudonymize`` was off holds raw ids).
2. **Tables.** Every version of every asset with a ``user_id`` column (events, users,
   user_profiles and their older versions) that holds a row of the user is rewritten without
   those rows. The rewrite streams row groups through Arrow, so the schema stays exactly as it
   was, goes to a new file in the version folder and is renamed over the old one
   (:meth:`Workspace.amend`): the old bytes are gone from the folder, not hidden.
3. **Quarantines.** A quarantine row keeps the source record as text; rows whose text names
   one of the ids (as a whole token) are removed the same way.
4. **Models.** A recommender keeps the histories it was built from (``interactions/users.json``
   and ``interactions/histories.npz``); the user's history is cut out of both.
5. **Rebuilds.** Every version built, directly or through others, from a rewritten version
   (recommenders, search indexes, rankers, item statistics) was trained on the user's data:
   each is marked ``needs_rebuild`` in its record, and :func:`stale_versions` lists them.
6. **Event log.** Events of the user waiting in the durable event log are replaced by
   tombstones (:meth:`EventLog.erase`), which keeps sequence numbers and compaction marks.

Each rewrite and mark is recorded in the version's ``amendments`` with a random ticket, the
time and the count of rows removed, never the id: after an erasure no file of the workspace
holds the user's id or pseudonym (``tests/privacy/test_erasure.py`` greps every file,
Parquet decoded). Re-running an erasure is safe: it finds nothing more to remove.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shopmind.config import Settings
from shopmind.errors import InvalidArgument
from shopmind.events.log import EventLog
from shopmind.privacy.policy import workspace_pseudonymizer
from shopmind.workspace import AssetRef, AssetVersion, Workspace
from shopmind.workspace.store import DATA_FILE

USER_COLUMN = "user_id"
RAW_COLUMN = "raw"
USERS_FILE = "interactions/users.json"  # as pipeline.recommending saves them
HISTORIES_FILE = "interactions/histories.npz"
MAX_USER_CHARS = 200


@dataclass
class ErasureReport:
    """What one erasure touched. ``user`` and ``pseudonym`` are returned to the caller and
    never written to the workspace."""

    user: str
    pseudonym: str | None
    ticket: str
    rows_removed: int = 0
    assets_rewritten: list[str] = field(default_factory=list)
    rewritten: list[dict[str, Any]] = field(default_factory=list)
    marked_for_rebuild: list[str] = field(default_factory=list)
    event_log: dict[str, int] | None = None
    live: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def check_user(user: object) -> str:
    """``user`` if it is a usable id (non-empty text, at most 200 characters)."""
    if not isinstance(user, str) or not user.strip() or len(user) > MAX_USER_CHARS:
        raise InvalidArgument(
            f"user must be a non-empty id of at most {MAX_USER_CHARS} characters, as it "
            "appeared in the ingested data",
            argument="user",
        )
    return user


def start_erasure(ws: Workspace, settings: Settings, user: str) -> ErasureReport:
    """An empty report for erasing ``user``: their pseudonym and a new ticket."""
    user = check_user(user)
    pseudonyms = workspace_pseudonymizer(ws.root, settings)
    pseudonym = pseudonyms.pseudonym(user) if pseudonyms is not None else None
    return ErasureReport(user=user, pseudonym=pseudonym, ticket=uuid.uuid4().hex)


def erase_user(
    ws: Workspace,
    settings: Settings,
    user: str,
    event_logs: Sequence[EventLog] = (),
) -> ErasureReport:
    """Remove ``user`` from the given event logs, then from every asset version and model
    history (module docstring); returns the report. The log goes first: events compacted
    from it meanwhile would otherwise land in a table already cleaned."""
    started = time.perf_counter()
    report = start_erasure(ws, settings, user)
    erase_logged(report, event_logs)
    erase_assets(ws, report)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def erase_assets(ws: Workspace, report: ErasureReport) -> None:
    """Steps 2 to 5 of the module docstring for the user of ``report``; fills it in."""
    ids = sorted(_ids(report))
    stamp = {"kind": "erasure", "ticket": report.ticket, "at": datetime.now(UTC).isoformat()}
    touched: set[AssetRef] = set()
    with ws.privacy_lock():  # never alongside a retention run rewriting the same files
        for version in ws.versions():
            removed = _erase_version(ws, version, ids, stamp)
            if removed is None:
                continue
            touched.add(version.ref)
            report.rows_removed += removed
            report.rewritten.append({"asset": str(version.ref), "rows_removed": removed})
        _mark_descendants(ws, touched, {**stamp, "kind": "needs_rebuild"})
    report.assets_rewritten = [str(r) for r in sorted(touched)]
    report.marked_for_rebuild = [
        str(v.ref)
        for v in ws.versions()
        if any(
            a.get("ticket") == report.ticket and a["kind"] == "needs_rebuild" for a in v.amendments
        )
    ]


def _ids(report: ErasureReport) -> set[str]:
    return {report.user} | ({report.pseudonym} if report.pseudonym else set())


def erase_logged(report: ErasureReport, event_logs: Sequence[EventLog]) -> None:
    """Tombstone the user's events in each of ``event_logs``; adds the counts to ``report``."""
    found = _ids(report)
    for log in event_logs:
        result = log.erase(lambda e: e.get(USER_COLUMN) in found)
        totals = report.event_log or {"events_erased": 0, "segments_rewritten": 0}
        totals["events_erased"] += result.events_erased
        totals["segments_rewritten"] += result.segments_rewritten
        report.event_log = totals


def stale_versions(ws: Workspace) -> list[AssetVersion]:
    """Versions an erasure marked for a rebuild (their newest amendment says so)."""
    return [v for v in ws.versions() if v.needs_rebuild]


# ---- one version ----------------------------------------------------------------------------
def _erase_version(
    ws: Workspace, version: AssetVersion, ids: list[str], stamp: dict[str, Any]
) -> int | None:
    """Rows (or histories) of the user removed from ``version``; None when it held none."""
    columns = {name for name, _ in version.columns}
    if DATA_FILE in version.files and USER_COLUMN in columns:
        keep = _table_filter(ids)
    elif DATA_FILE in version.files and RAW_COLUMN in columns:
        keep = _raw_filter(ids)
    elif USERS_FILE in version.files and HISTORIES_FILE in version.files:
        return _erase_histories(ws, version, ids, stamp)
    else:
        return None
    path = ws.data_path(version)
    source = pq.ParquetFile(path)
    # a first pass reads only the one column: most versions hold nothing of the user
    key = USER_COLUMN if USER_COLUMN in columns else RAW_COLUMN
    removed = sum(
        pc.sum(pc.invert(keep(b))).as_py() or 0
        for b in source.iter_batches(batch_size=65_536, columns=[key])
    )
    if removed == 0:
        return None
    tmp = path.with_name(DATA_FILE + ".erasing")
    with pq.ParquetWriter(tmp, source.schema_arrow, compression="zstd") as writer:
        for batch in source.iter_batches(batch_size=65_536):
            writer.write_batch(batch.filter(keep(batch)))
    ws.amend(version, {**stamp, "rows_removed": removed}, {DATA_FILE: tmp})
    return removed


def _table_filter(ids: list[str]) -> Any:
    value_set = pa.array(ids, pa.string())

    def keep(batch: pa.RecordBatch) -> pa.Array:
        column = pc.cast(batch.column(USER_COLUMN), pa.string())
        return pc.invert(pc.fill_null(pc.is_in(column, value_set=value_set), False))

    return keep


def _raw_filter(ids: list[str]) -> Any:
    # a whole token: erasing "u1" must not take the records of "u10"
    # ids are made of these characters ("user-42", "a.b@shop.com"); anything else ends one
    edge = r"[^0-9A-Za-z_.@-]"
    pattern = f"(^|{edge})(" + "|".join(re.escape(i) for i in ids) + f")($|{edge})"

    def keep(batch: pa.RecordBatch) -> pa.Array:
        column = pc.cast(batch.column(RAW_COLUMN), pa.string())
        return pc.invert(pc.fill_null(pc.match_substring_regex(column, pattern), False))

    return keep


def _erase_histories(
    ws: Workspace, version: AssetVersion, ids: list[str], stamp: dict[str, Any]
) -> int | None:
    """Cut the user's history out of a recommender's saved histories."""
    d = ws.version_dir(version.ref)
    users = json.loads((d / USERS_FILE).read_text())
    rows = [n for n, u in enumerate(users) if u in set(ids)]
    if not rows:
        return None
    with np.load(d / HISTORIES_FILE) as z:
        offsets, arrays = z["offsets"], {k: z[k] for k in ("items", "events", "times")}
    keep_users = np.ones(len(users), dtype=bool)
    keep_users[rows] = False
    lengths = np.diff(offsets)
    keep_rows = np.repeat(keep_users, lengths)
    removed = int(lengths[~keep_users].sum())
    new_offsets = np.concatenate([[0], np.cumsum(lengths[keep_users])]).astype(offsets.dtype)
    tmp_hist = d / (HISTORIES_FILE + ".erasing.npz")
    np.savez(tmp_hist, offsets=new_offsets, **{k: a[keep_rows] for k, a in arrays.items()})
    tmp_users = d / (USERS_FILE + ".erasing")
    tmp_users.write_text(json.dumps([u for n, u in enumerate(users) if keep_users[n]]))
    amended = ws.amend(
        version,
        {**stamp, "rows_removed": removed},
        {HISTORIES_FILE: tmp_hist, USERS_FILE: tmp_users},
    )
    # the model itself was trained on the history just removed
    ws.amend(amended, {**stamp, "kind": "needs_rebuild"})
    return removed


def _mark_descendants(
    ws: Workspace, touched: set[AssetRef], stamp: dict[str, Any]
) -> list[AssetVersion]:
    """Mark every version built (transitively) from a touched one as needing a rebuild."""
    versions = ws.versions()
    tainted = set(touched)
    marked: list[AssetVersion] = []
    changed = True
    while changed:  # versions only name older ones as inputs, but be order-agnostic
        changed = False
        for v in versions:
            if v.ref in tainted or not any(r in tainted for r in v.inputs):
                continue
            tainted.add(v.ref)
            changed = True
            if v.ref.name.endswith(".quarantine"):
                continue
            current = ws.get(v.ref.name, v.ref.version)
            marked.append(ws.amend(current, stamp))
    return marked
