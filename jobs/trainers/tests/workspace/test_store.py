from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from shopmind.errors import InvalidArgument, NotFound, WorkspaceError, WorkspaceVersionError
from shopmind.workspace import AssetRef, Workspace


def _table(n: int) -> pa.Table:
    return pa.table({"x": list(range(n))})


def test_versions_are_numbered_and_immutable(ws: Workspace) -> None:
    v1 = ws.write_table("things", _table(3), "test.job", params={"a": 1})
    v2 = ws.write_table("things", _table(5), "test.job", inputs=(v1.ref,))
    assert (str(v1.ref), str(v2.ref)) == ("things@1", "things@2")
    assert ws.get("things").ref == v2.ref
    assert ws.get("things", 1).rows == 3
    assert ws.read_table(ws.get("things", 1))["x"].to_pylist() == [0, 1, 2]
    assert v1.content_hash != v2.content_hash
    assert v1.columns == (("x", "int64"),)
    assert v2.inputs == (AssetRef("things", 1),)
    assert [str(v.ref) for _d, v in ws.lineage(v2)] == ["things@2", "things@1"]


def test_failed_job_leaves_nothing_visible(ws: Workspace) -> None:
    with pytest.raises(RuntimeError), ws.transaction("test.fail") as txn:
        staged = txn.stage("things")
        staged.data_path.write_bytes(b"half written")
        raise RuntimeError("boom")
    assert ws.versions() == []
    assert list((ws.root / "staging").iterdir()) == []


def test_multi_asset_commit_shares_a_job(ws: Workspace) -> None:
    import pyarrow.parquet as pq

    with ws.transaction("test.pair") as txn:
        for name in ("a", "a.quarantine"):
            pq.write_table(_table(1), txn.stage(name).data_path)
    a = ws.get("a")
    assert {str(v.ref) for v in ws.siblings(a)} == {"a@1", "a.quarantine@1"}


def test_resolve_specs_and_errors(ws: Workspace) -> None:
    ws.write_table("things", _table(1), "t")
    assert ws.resolve("things@latest").ref.version == 1
    assert ws.resolve("things@1").rows == 1
    with pytest.raises(NotFound, match="things@9"):
        ws.resolve("things@9")
    with pytest.raises(NotFound, match="known assets: things"):
        ws.resolve("other")
    with pytest.raises(InvalidArgument, match="version must be"):
        ws.resolve("things@x")
    with pytest.raises(InvalidArgument, match="asset name"):
        ws.resolve("Bad Name")


def test_verify_detects_tampering(ws: Workspace) -> None:
    v = ws.write_table("things", _table(3), "t")
    assert ws.verify() == []
    (ws.version_dir(v.ref) / "data.parquet").write_bytes(b"changed")
    assert ws.verify() == ["things@1: content hash mismatch"]


def test_gc_removes_litter_but_not_committed(ws: Workspace) -> None:
    v = ws.write_table("things", _table(3), "t")
    litter = ws.root / "assets" / "things" / "v2"
    litter.mkdir()
    (ws.root / "staging" / "deadjob").mkdir()
    removed = ws.gc()
    assert litter in removed and not litter.exists()
    assert ws.version_dir(v.ref).exists()
    assert ws.verify() == []


def test_commit_replaces_uncommitted_folder_of_killed_job(ws: Workspace) -> None:
    litter = ws.root / "assets" / "things" / "v1"
    litter.mkdir(parents=True)
    (litter / "junk").write_text("x")
    v = ws.write_table("things", _table(2), "t")
    assert v.ref.version == 1
    assert not (ws.version_dir(v.ref) / "junk").exists()


def test_open_missing_workspace(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no workspace"):
        Workspace.open(tmp_path / "nope")


def test_refuses_foreign_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not a shopmind workspace"):
        Workspace.open(tmp_path, create=True)


def test_newer_format_is_refused(ws: Workspace) -> None:
    marker = ws.root / "workspace.json"
    info = json.loads(marker.read_text())
    info["format_version"] = 99
    marker.write_text(json.dumps(info))
    with pytest.raises(WorkspaceVersionError, match="format version 99"):
        Workspace.open(ws.root)


def test_manifest_is_written_beside_the_files(ws: Workspace) -> None:
    v = ws.write_table("things", _table(2), "t", tags={"x": frozenset({"pii"})})
    manifest = json.loads((ws.version_dir(v.ref) / "manifest.json").read_text())
    assert manifest["ref"] == "things@1"
    assert manifest["tags"] == {"x": ["pii"]}
