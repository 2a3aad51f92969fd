"""Retention: rows older than an asset's policy are removed from every version of it.

The policy is the setting ``privacy_retention`` (``events=90d,events.quarantine=30d``). For
each asset named there, every committed version is checked, oldest first:

* a table with a ``timestamp`` column (events) loses the rows whose ``timestamp`` is before
  ``now - duration``; a table with a ``last_event_at`` column (user profiles) the same on
  that column. Rows whose time is NULL are kept (their age is unknown).
* a table with neither column (a quarantine) is judged by the version's age: once its
  ``created_at`` is before the cutoff, all its rows go (it becomes an empty table with the
  same columns); until then it is kept whole.
* anything else (a folder without ``data.parquet``: a model, an index) is skipped and reported.

A version that loses rows is rewritten in place: DuckDB copies the rows it keeps into a
temporary file in the version's folder, which :meth:`Workspace.amend` fsyncs and renames over
``data.parquet``, recording ``{"kind": "retention", ...}`` in the version's ``amendments``
with a new content hash and row count. Versions with nothing to remove are not touched, so
the job can run as often as one likes. A crash between the rename and the record leaves a
version whose file holds fewer rows than its record: the next run finds the mismatch and
records it (``rows_in_file_before``), which also repairs the content hash. Runs are
serialised with erasures by the workspace's privacy lock; a version found changed since it
was read is still left as the other writer wrote it and reported as skipped.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from shopmind.config import Settings, parse_retention
from shopmind.errors import InvalidArgument
from shopmind.workspace.engine import job_connection, lit, q
from shopmind.workspace.files import content_hash, remove_tree
from shopmind.workspace.refs import AssetVersion
from shopmind.workspace.store import DATA_FILE, OWNER_FILE, Workspace

__all__ = [
    "TIME_COLUMNS",
    "RetentionReport",
    "RetentionSkip",
    "RetentionVersion",
    "apply_retention",
    "format_duration",
    "parse_retention",
]

TIME_COLUMNS = ("timestamp", "last_event_at")
"""Columns that date a row, in order of preference."""

TMP_SUFFIX = ".retention.tmp"


def format_duration(duration: timedelta) -> str:
    """``timedelta(days=90)`` -> ``"90d"``, ``timedelta(hours=12)`` -> ``"12h"``."""
    seconds = int(duration.total_seconds())
    if seconds % 86_400 == 0:
        return f"{seconds // 86_400}d"
    return f"{seconds // 3600}h"


@dataclass(frozen=True)
class RetentionVersion:
    """One version that lost rows (or would, in a dry run).

    ``rows_before`` is the version's recorded row count; ``rows_removed`` how many of them are
    gone afterwards. ``rule`` is the column that dated the rows, or ``version_age``.
    """

    ref: str
    policy: str
    cutoff: datetime
    rule: str
    rows_before: int
    rows_removed: int
    rows_in_file_before: int

    @property
    def rows_after(self) -> int:
        return self.rows_before - self.rows_removed

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ref": self.ref,
            "policy": self.policy,
            "cutoff": self.cutoff.isoformat(),
            "rule": self.rule,
            "rows_before": self.rows_before,
            "rows_removed": self.rows_removed,
            "rows_after": self.rows_after,
        }
        if self.rows_in_file_before != self.rows_before:
            out["rows_in_file_before"] = self.rows_in_file_before
        return out


@dataclass(frozen=True)
class RetentionSkip:
    """An asset (``ref`` None: it does not exist) or version retention left alone, and why."""

    asset: str
    ref: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"asset": self.asset, "ref": self.ref, "reason": self.reason}


@dataclass
class RetentionReport:
    """What one run removed (or, with ``dry_run``, would remove)."""

    when: datetime
    dry_run: bool
    policies: dict[str, str]
    versions: list[RetentionVersion] = field(default_factory=list)
    skipped: list[RetentionSkip] = field(default_factory=list)
    versions_checked: int = 0
    seconds: float = 0.0

    @property
    def rows_removed(self) -> int:
        return sum(v.rows_removed for v in self.versions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "when": self.when.isoformat(),
            "dry_run": self.dry_run,
            "policies": dict(self.policies),
            "versions": [v.to_dict() for v in self.versions],
            "skipped": [s.to_dict() for s in self.skipped],
            "totals": {
                "assets": len(self.policies),
                "versions_checked": self.versions_checked,
                "versions_touched": len(self.versions),
                "rows_removed": self.rows_removed,
                "skipped": len(self.skipped),
            },
            "seconds": round(self.seconds, 3),
        }


def apply_retention(
    ws: Workspace,
    settings: Settings,
    now: datetime | None = None,
    dry_run: bool = False,
    policies: Mapping[str, timedelta] | None = None,
) -> RetentionReport:
    """Apply the retention policies (``settings.privacy_retention``, or ``policies`` when
    given) to every version of every asset they name; see the module docstring.

    ``now`` (timezone-aware; default the current time) fixes the cutoffs, ``now - duration``.
    With ``dry_run`` nothing is written: the report says what would be removed. Assets that
    do not exist and versions that are not tables are reported in ``skipped``, never errors.
    Runs and erasures are serialised by the workspace's privacy lock.
    """
    if not isinstance(ws, Workspace):
        raise InvalidArgument("ws must be a Workspace", argument="ws")
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidArgument("now must be timezone-aware (UTC)", argument="now")
    now = now.astimezone(UTC)
    chosen = parse_retention(settings.privacy_retention) if policies is None else policies
    for name, duration in chosen.items():
        if duration <= timedelta(0):
            raise InvalidArgument(
                f"retention of {name!r} must be positive, got {duration}", argument="policies"
            )
    start = time.perf_counter()
    report = RetentionReport(
        when=now,
        dry_run=dry_run,
        policies={name: format_duration(d) for name, d in sorted(chosen.items())},
    )
    if not chosen:
        return report
    with _scratch(ws, dry_run) as workdir, _locked(ws, dry_run):
        con = job_connection(settings, workdir)
        try:
            for name in sorted(chosen):
                _retain_asset(ws, con, report, name, chosen[name], now, dry_run)
        finally:
            con.close()
    report.seconds = time.perf_counter() - start
    return report


def _retain_asset(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    report: RetentionReport,
    name: str,
    duration: timedelta,
    now: datetime,
    dry_run: bool,
) -> None:
    versions = ws.versions(name)
    if not versions:
        report.skipped.append(
            RetentionSkip(name, None, "no such asset in the workspace: nothing to remove")
        )
        return
    policy = format_duration(duration)
    cutoff = now - duration
    for listed in versions:
        version = ws.get(name, listed.ref.version)  # the newest record, amendments included
        path = ws.version_dir(version.ref) / DATA_FILE
        if DATA_FILE not in version.files or not path.is_file():
            report.skipped.append(
                RetentionSkip(
                    name,
                    str(version.ref),
                    f"not a table (no {DATA_FILE}): retention removes rows of tables only",
                )
            )
            continue
        column, problem = _time_column(version)
        if problem:
            report.skipped.append(RetentionSkip(name, str(version.ref), problem))
            continue
        report.versions_checked += 1
        seen = _identity(path)
        in_file = pq.read_metadata(path).num_rows
        rows_before, interrupted = in_file, False
        if in_file != version.rows and _hash_mismatch(ws, version):
            # the file was replaced but its record was not (a job died in between): this
            # run completes the record, from the rows the record still counts
            if in_file > version.rows:
                report.skipped.append(
                    RetentionSkip(
                        name,
                        str(version.ref),
                        f"files do not match the record ({in_file} rows in the file, "
                        f"{version.rows} recorded): see 'shopmind-trainers assets verify'",
                    )
                )
                continue
            rows_before, interrupted = version.rows, True
        expired = column is None and version.created_at < cutoff
        if column is None:
            old = in_file if expired else 0
        else:
            row = con.execute(
                f"SELECT count(*) FILTER (WHERE {_older(column, cutoff)}) "
                f"FROM read_parquet({lit(str(path))})"
            ).fetchone()
            old = int(row[0]) if row else 0
        if old == 0 and not interrupted:
            continue  # nothing to remove: the version is not touched
        kept = in_file - old
        done = RetentionVersion(
            ref=str(version.ref),
            policy=policy,
            cutoff=cutoff,
            rule=column or "version_age",
            rows_before=rows_before,
            rows_removed=rows_before - kept,
            rows_in_file_before=in_file,
        )
        if not dry_run:
            if column is None:
                keep = "false" if expired else "true"
            else:
                keep = f"NOT coalesce({_older(column, cutoff)}, false)"
            if not _rewrite(ws, con, version, path, seen, keep, kept, done, now):
                report.skipped.append(
                    RetentionSkip(
                        name,
                        str(version.ref),
                        "changed by another job while retention ran: left as it was (run "
                        "retention again)",
                    )
                )
                continue
        report.versions.append(done)


def _identity(path: Path) -> tuple[int, int, int]:
    """What changes when a file is replaced or rewritten: inode, size, modification time."""
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _hash_mismatch(ws: Workspace, version: AssetVersion) -> bool:
    d = ws.version_dir(version.ref)
    return content_hash(d, version.files) != version.content_hash


def _time_column(version: AssetVersion) -> tuple[str | None, str | None]:
    """The column that dates the rows (None: the version's age decides), or why none can."""
    types = dict(version.columns)
    for column in TIME_COLUMNS:
        if column in types:
            kind = types[column]
            if not kind.startswith(("timestamp", "date")):
                return None, (
                    f"column {column!r} is {kind}, not a timestamp: its rows cannot be dated"
                )
            return column, None
    return None, None


def _older(column: str, cutoff: datetime) -> str:
    """SQL: the row's time is before the cutoff (NULL, an unknown time, is not)."""
    return f"{q(column)} < CAST({lit(cutoff.isoformat())} AS TIMESTAMPTZ)"


def _rewrite(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    version: AssetVersion,
    path: Path,
    seen: tuple[int, int, int],
    keep: str,
    kept: int,
    done: RetentionVersion,
    now: datetime,
) -> bool:
    """Copy the rows matching SQL ``keep`` beside ``path``, then amend the version with it.

    False, and nothing changed, when the file or the record changed since it was counted
    (``seen``): another job (an erasure) rewrote the version, and replacing its file now
    would bring back what that job removed.
    """
    tmp = path.with_name(DATA_FILE + TMP_SUFFIX)
    try:
        con.execute(
            f"COPY (SELECT * FROM read_parquet({lit(str(path))}) WHERE {keep}) "
            f"TO {lit(str(tmp))} (FORMAT parquet, COMPRESSION zstd)"
        )
        amendment: dict[str, Any] = {
            "kind": "retention",
            "at": now.isoformat(),
            "policy": done.policy,
            "cutoff": done.cutoff.isoformat(),
            "rule": done.rule,
            "rows_before": done.rows_before,
            "rows_removed": done.rows_removed,
        }
        if done.rows_in_file_before != done.rows_before:
            # an earlier run (or another privacy job) replaced the file but died before its
            # record: this one completes it
            amendment["rows_in_file_before"] = done.rows_in_file_before
        current = ws.get(version.ref.name, version.ref.version)
        changed = _identity(path) != seen or current != version
        if changed or pq.read_metadata(tmp).num_rows != kept:
            return False
        ws.amend(version, amendment, {DATA_FILE: tmp})
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def _scratch(ws: Workspace, dry_run: bool) -> Iterator[Path]:
    """A folder for DuckDB's database and spill files: the workspace's staging (swept by
    ``assets gc`` if the job is killed), or outside the workspace for a dry run, which writes
    nothing there."""
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="shopmind-retention-") as tmp:
            yield Path(tmp)
        return
    d = ws.root / "staging" / f"retention-{uuid.uuid4().hex}"
    d.mkdir(parents=True)
    (d / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
    try:
        yield d
    finally:
        remove_tree(d)


@contextlib.contextmanager
def _locked(ws: Workspace, dry_run: bool) -> Iterator[None]:
    if dry_run:
        yield
        return
    with ws.privacy_lock():  # shared with erasure: one in-place rewriter at a time
        yield
