"""The embedded workspace: one folder of Parquet files plus a SQLite registry.

Layout::

    DIR/workspace.json            format marker and version
    DIR/registry.sqlite           which versions exist (the only source of truth)
    DIR/assets/NAME/vN/...        the files of one committed version, never changed
    DIR/staging/JOB/NAME/...      a job's files while it runs; invisible to readers

A job stages files, then commits: inside one registry transaction each staged folder is renamed
into ``assets/`` and its record inserted. Until that transaction commits nothing is visible, so
a failed or killed job leaves no partial version behind (only staging litter, removed by
:meth:`Workspace.gc`).
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from shopmind import __version__
from shopmind.errors import (
    InvalidArgument,
    NotFound,
    WorkspaceError,
    WorkspaceVersionError,
)
from shopmind.workspace.files import (
    content_hash,
    fsync_dir,
    fsync_tree,
    list_files,
    remove_tree,
)
from shopmind.workspace.refs import AssetRef, AssetVersion, check_asset_name, parse_spec
from shopmind.workspace.registry import Registry, SqliteRegistry

# 2: pseudonyms of 10 characters after ``p_``, recorded in the marker (format 1: 22)
FORMAT_VERSION = 2
MARKER = "workspace.json"
#: Base-64 characters after ``p_`` in the pseudonyms of a workspace created now (60 bits:
#: the whole id fits the 12 bytes DuckDB stores inline; docs/privacy.md says what it costs).
PSEUDONYM_CHARS = 10
_PSEUDONYM_CHARS_V1 = 22
DATA_FILE = "data.parquet"
OWNER_FILE = "owner.pid"
PRIVACY_LOCK = "privacy.lock"


def pseudonym_chars(root: Path) -> int:
    """Characters after ``p_`` in the pseudonyms of the workspace at ``root``: what its marker
    records; 22 in a workspace of format 1, which predates the record, so that its assets keep
    joining with what is ingested later; :data:`PSEUDONYM_CHARS` where no workspace is yet."""
    marker = Path(root) / MARKER
    if not marker.is_file():
        return PSEUDONYM_CHARS
    return int(_marker_info(marker).get("pseudonym_chars", _PSEUDONYM_CHARS_V1))


def _marker_info(marker: Path) -> dict[str, Any]:
    """The workspace marker's record, with its ``format_version`` checked to be a number."""
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        info["format_version"] = int(info["format_version"])
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkspaceError(f"{marker} is corrupt: {exc}", path=str(marker)) from exc
    return dict(info)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class StagedVersion:
    """A version being written. Put files under ``dir``, then call :meth:`describe`."""

    name: str
    dir: Path
    produced_by: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[AssetRef, ...] = ()
    sources: tuple[Mapping[str, Any], ...] = ()
    tags: Mapping[str, frozenset[str]] = field(default_factory=dict)
    quality: Mapping[str, Any] = field(default_factory=dict)
    report: Mapping[str, Any] = field(default_factory=dict)
    rows: int | None = None
    columns: tuple[tuple[str, str], ...] | None = None

    @property
    def data_path(self) -> Path:
        return self.dir / DATA_FILE

    def describe(self, **kwargs: Any) -> None:
        """Set record fields (produced_by, params, inputs, sources, tags, quality, report...)."""
        for key, value in kwargs.items():
            if not hasattr(self, key) or key in {"name", "dir"}:
                raise InvalidArgument(f"describe(): unknown field {key!r}", argument=key)
            setattr(self, key, value)


class Transaction:
    """Versions staged by one job, committed together or not at all."""

    def __init__(self, ws: Workspace, produced_by: str) -> None:
        self.ws = ws
        self.job_id = uuid.uuid4().hex
        self.produced_by = produced_by
        self.dir = ws.root / "staging" / self.job_id
        self.dir.mkdir(parents=True)
        (self.dir / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
        self.staged: list[StagedVersion] = []
        self.committed: list[AssetVersion] = []

    def stage(self, name: str) -> StagedVersion:
        """Start a new version of asset ``name``; its number is assigned at commit."""
        check_asset_name(name)
        if any(s.name == name for s in self.staged):
            raise InvalidArgument(f"asset {name!r} is already staged in this job", argument="name")
        d = self.dir / name
        d.mkdir()
        staged = StagedVersion(name=name, dir=d, produced_by=self.produced_by)
        self.staged.append(staged)
        return staged

    def commit(self) -> list[AssetVersion]:
        """Publish every staged version atomically; returns their records in staging order."""
        now = datetime.now(UTC)
        for s in self.staged:
            if not any(s.dir.iterdir()):
                raise WorkspaceError(f"staged version of {s.name!r} has no files")
            fsync_tree(s.dir)

        def publish(refs: list[AssetRef]) -> list[AssetVersion]:
            out = []
            for s, ref in zip(self.staged, refs, strict=True):
                out.append(self._finish(s, ref, now))
            for s, v in zip(self.staged, out, strict=True):
                final = self.ws.version_dir(v.ref)
                # A folder already there is litter from a job killed mid-commit: its record
                # was never committed, so it was never visible and can go.
                if final.exists():
                    remove_tree(final)
                final.parent.mkdir(parents=True, exist_ok=True)
                os.rename(s.dir, final)
                fsync_dir(final.parent)
            return out

        versions = self.ws.registry.commit([s.name for s in self.staged], publish)
        remove_tree(self.dir)
        self.committed = versions
        return versions

    def _finish(self, s: StagedVersion, ref: AssetRef, now: datetime) -> AssetVersion:
        files = list_files(s.dir)
        rows, columns = s.rows, s.columns
        if DATA_FILE in files and (rows is None or columns is None):
            meta = pq.read_metadata(s.data_path)
            schema = meta.schema.to_arrow_schema()
            rows = meta.num_rows if rows is None else rows
            columns = tuple((f.name, str(f.type)) for f in schema) if columns is None else columns
        version = AssetVersion(
            ref=ref,
            columns=columns or (),
            rows=rows or 0,
            content_hash=content_hash(s.dir, files),
            created_at=now,
            produced_by=s.produced_by,
            job_id=self.job_id,
            params=s.params,
            inputs=tuple(s.inputs),
            sources=tuple(s.sources),
            tags=s.tags,
            quality=s.quality,
            report=s.report,
            files=tuple(files),
        )
        # The manifest beside the files makes a version folder self-describing for audits;
        # the registry stays the source of truth for what is visible.
        (s.dir / "manifest.json").write_text(
            json.dumps(version.to_dict(), indent=2, sort_keys=True), encoding="utf-8"
        )
        return version

    def abort(self) -> None:
        remove_tree(self.dir)


class Workspace:
    """A folder of versioned assets. Open with :meth:`open` (existing) or :meth:`create`."""

    def __init__(self, root: Path, registry: Registry) -> None:
        self.root = root
        self.registry = registry

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path | str, create: bool = False) -> Workspace:
        """Open the workspace at ``root``; with ``create`` make it when absent.

        Raises NotFound when absent and not creating, WorkspaceError when the folder is not a
        workspace, WorkspaceVersionError when a newer shopmind wrote it.
        """
        root = Path(root)
        marker = root / MARKER
        if not marker.is_file():
            if not create:
                raise NotFound(
                    f"no workspace at {root} (run 'shopmind-trainers ingest' or "
                    "'shopmind-trainers demo' to create one, or pass --workspace)",
                    path=str(root),
                )
            if root.exists() and any(root.iterdir()):
                raise WorkspaceError(
                    f"{root} exists and is not empty but is not a shopmind workspace "
                    f"(no {MARKER}); refusing to write into it",
                    path=str(root),
                )
            return cls._create(root)
        info = _marker_info(marker)
        found = info["format_version"]
        if found > FORMAT_VERSION:
            raise WorkspaceVersionError(
                f"workspace {root} has format version {found}, written by shopmind "
                f"{info.get('created_by', '?')}; this shopmind {__version__} reads up to "
                f"version {FORMAT_VERSION}. Upgrade shopmind to use it.",
                found=found,
                supported=FORMAT_VERSION,
            )
        return cls(root, SqliteRegistry(root / "registry.sqlite"))

    @classmethod
    def _create(cls, root: Path) -> Workspace:
        root.mkdir(parents=True, exist_ok=True)
        (root / "assets").mkdir(exist_ok=True)
        (root / "staging").mkdir(exist_ok=True)
        ws = cls(root, SqliteRegistry(root / "registry.sqlite"))
        info = {
            "format": "shopmind-workspace",
            "format_version": FORMAT_VERSION,
            "pseudonym_chars": PSEUDONYM_CHARS,
            "created_by": __version__,
            "created_at": datetime.now(UTC).isoformat(),
        }
        tmp = root / (MARKER + ".tmp")
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        os.replace(tmp, root / MARKER)
        fsync_dir(root)
        return ws

    # ---- writing -------------------------------------------------------------------------
    @contextmanager
    def transaction(self, produced_by: str) -> Iterator[Transaction]:
        """Stage versions in the block; they are committed together when it exits cleanly.

        On an exception the staged files are removed and nothing becomes visible.
        """
        txn = Transaction(self, produced_by)
        try:
            yield txn
        except BaseException:
            txn.abort()
            raise
        if txn.staged:
            txn.commit()
        else:
            txn.abort()

    def write_table(
        self, name: str, table: pa.Table, produced_by: str, **describe: Any
    ) -> AssetVersion:
        """Commit ``table`` as the next version of ``name`` (a one-asset job)."""
        with self.transaction(produced_by) as txn:
            staged = txn.stage(name)
            pq.write_table(table, staged.data_path)
            staged.describe(**describe)
        return self.get(name, None)

    # ---- reading -------------------------------------------------------------------------
    def get(self, name: str, version: int | None = None) -> AssetVersion:
        """The record of ``name@version`` (latest when ``version`` is None)."""
        found = self.registry.get(name, version)
        if found is None:
            what = f"{name}@{version}" if version else name
            known = sorted({v.ref.name for v in self.registry.versions()})
            raise NotFound(
                f"asset {what} does not exist in {self.root}"
                + (f"; known assets: {', '.join(known)}" if known else "; the workspace is empty"),
                asset=what,
            )
        return found

    def resolve(self, spec: str) -> AssetVersion:
        """``name``, ``name@N`` or ``name@latest`` to a record."""
        name, version = parse_spec(spec)
        return self.get(name, version)

    def versions(self, name: str | None = None) -> list[AssetVersion]:
        """Every version (of ``name`` if given), oldest first."""
        return self.registry.versions(name)

    def latest(self) -> list[AssetVersion]:
        """The newest version of every asset."""
        newest: dict[str, AssetVersion] = {}
        for v in self.registry.versions():
            newest[v.ref.name] = v
        return list(newest.values())

    def siblings(self, version: AssetVersion) -> list[AssetVersion]:
        """Versions committed by the same job (e.g. an ingest's data and its quarantine)."""
        return self.registry.by_job(version.job_id)

    def version_dir(self, ref: AssetRef) -> Path:
        return self.root / "assets" / ref.name / f"v{ref.version}"

    def data_path(self, version: AssetVersion) -> Path:
        path = self.version_dir(version.ref) / DATA_FILE
        if not path.is_file():
            raise WorkspaceError(
                f"{version.ref}: data file {path} is missing", asset=str(version.ref)
            )
        return path

    def read_table(self, version: AssetVersion, columns: Sequence[str] | None = None) -> pa.Table:
        return pq.read_table(self.data_path(version), columns=list(columns) if columns else None)

    def lineage(self, version: AssetVersion) -> list[tuple[int, AssetVersion]]:
        """Depth-first ancestry: (depth, version) pairs starting at ``version`` itself."""
        out: list[tuple[int, AssetVersion]] = []
        seen: set[AssetRef] = set()

        def walk(v: AssetVersion, depth: int) -> None:
            out.append((depth, v))
            if v.ref in seen:
                return
            seen.add(v.ref)
            for ref in v.inputs:
                walk(self.get(ref.name, ref.version), depth + 1)

        walk(version, 0)
        return out

    # ---- privacy amendments ----------------------------------------------------------------
    @contextmanager
    def privacy_lock(self) -> Iterator[None]:
        """Hold the workspace's privacy lock: one job that rewrites versions in place
        (erasure, retention) at a time, so neither copies a file the other is rewriting.
        Blocks until the lock is free; released when the process dies."""
        fd = os.open(self.root / PRIVACY_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def amend(
        self,
        version: AssetVersion,
        amendment: Mapping[str, Any],
        replaced: Mapping[str, Path] | None = None,
    ) -> AssetVersion:
        """Rewrite files of a committed version in place and record why (erasure, retention).

        ``replaced`` maps a file of the version (``data.parquet``, ``data/users.json``) to a
        new file written beside it; each is fsynced and renamed over the old one, so readers
        see the old or the new file, never a mix. The record gets ``amendment`` (plus the
        hash before) appended to its ``amendments``, a new content hash and, for a new
        ``data.parquet``, new row counts. A crash between the renames and the record leaves
        a hash mismatch that :meth:`verify` reports and re-running the job repairs.
        """
        d = self.version_dir(version.ref)
        for name, new in (replaced or {}).items():
            if name not in version.files:
                raise InvalidArgument(f"{version.ref} has no file {name!r}", argument="replaced")
            fd = os.open(new, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(new, d / name)
            fsync_dir((d / name).parent)
        rows, columns = version.rows, version.columns
        if replaced and DATA_FILE in replaced:
            meta = pq.read_metadata(d / DATA_FILE)
            rows = meta.num_rows
            columns = tuple((f.name, str(f.type)) for f in meta.schema.to_arrow_schema())
        entry = {**amendment, "content_hash_before": version.content_hash}
        amended = replace(
            version,
            rows=rows,
            columns=columns,
            content_hash=content_hash(d, version.files),
            amendments=(*version.amendments, entry),
        )
        tmp = d / "manifest.json.tmp"
        tmp.write_text(json.dumps(amended.to_dict(), indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, d / "manifest.json")
        self.registry.amend(amended)
        return amended

    # ---- maintenance ---------------------------------------------------------------------
    def verify(self) -> list[str]:
        """Check every committed version's files against its content hash; list problems."""
        problems = []
        for v in self.registry.versions():
            d = self.version_dir(v.ref)
            missing = [f for f in v.files if not (d / f).is_file()]
            if missing:
                problems.append(f"{v.ref}: missing files {missing}")
                continue
            if content_hash(d, v.files) != v.content_hash:
                problems.append(f"{v.ref}: content hash mismatch")
        return problems

    def gc(self) -> list[Path]:
        """Remove what killed jobs left: their staging folders and uncommitted version folders.

        Staging folders of jobs still running (their owner process is alive) are kept. The
        sweep of ``assets/`` runs inside the registry's write lock so it cannot race a commit.
        """
        removed: list[Path] = []
        staging = self.root / "staging"
        for d in sorted(staging.iterdir()) if staging.exists() else []:
            owner = d / OWNER_FILE
            try:
                pid = int(owner.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                continue
            remove_tree(d)
            removed.append(d)

        def sweep(_refs: list[AssetRef]) -> list[AssetVersion]:
            committed = {self.version_dir(v.ref) for v in self.registry.versions()}
            for d in sorted((self.root / "assets").glob("*/v*")):
                if d not in committed:
                    remove_tree(d)
                    removed.append(d)
            return []

        self.registry.commit([], sweep)
        return removed
