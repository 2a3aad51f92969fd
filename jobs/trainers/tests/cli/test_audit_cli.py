"""The access audit from the command line: changing commands are recorded with the OS user
and their outcome, read-only ones are not; ``shopmind-trainers privacy audit`` reads and
compacts."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from filetools import write
from shopmind.cli.main import cli
from shopmind.privacy.audit import AuditLog

PRODUCTS = "sku,title,price\nA,Alpha,1\nB,Beta,2\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def test_changing_commands_are_audited_and_reads_are_not(tmp_path: Path) -> None:
    wsdir = tmp_path / "ws"
    ws = ["--workspace", str(wsdir)]
    path = write(tmp_path / "p.csv", PRODUCTS)
    assert run("ingest", "products", str(path), "--map", "sku=item_id", *ws)[0] == 0
    (ingest,) = AuditLog(wsdir).read()
    assert ingest.channel == "cli" and ingest.who.startswith("cli:") and ingest.via == "os"
    assert ingest.action == "cli ingest products" and ingest.outcome == "ok"
    assert f"file={path}" in ingest.target and "maps=sku=item_id" in ingest.target
    assert run("assets", "list", *ws)[0] == 0  # read-only: not audited
    code, _ = run("keys", "revoke", "no-such-key", *ws)
    assert code == 2
    entries = AuditLog(wsdir).read()
    assert [e.action for e in entries] == ["cli ingest products", "cli keys revoke"]
    assert entries[-1].outcome == "not_found" and entries[-1].target == "key_id=no-such-key"


def test_nothing_is_written_without_a_workspace(tmp_path: Path) -> None:
    code, _ = run("keys", "revoke", "x", "--workspace", str(tmp_path / "none"))
    assert code == 2 and not (tmp_path / "none").exists()


def test_privacy_audit_prints_and_compacts(tmp_path: Path) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    run("ingest", "products", str(write(tmp_path / "p.csv", PRODUCTS)), *ws)
    code, out = run("privacy", "audit", "--json", *ws)
    assert code == 0
    data = json.loads(out)
    assert [e["action"] for e in data["entries"]] == ["cli ingest products"]
    assert data["compaction"] is None
    code, out = run("privacy", "audit", "--compact", "--limit", "1", "--json", *ws)
    data = json.loads(out)
    assert [e["action"] for e in data["entries"]] == ["cli privacy audit"]  # reads are audited
    assert data["compaction"] == {"asset": "audit@1", "entries": 2, "written": True}
    # only the first compaction's own record is new since audit@1: nothing is written
    code, out = run("privacy", "audit", "--compact", "--json", *ws)
    assert json.loads(out)["compaction"] == {"asset": "audit@1", "entries": 3, "written": False}
    code, out = run("privacy", "audit", *ws)
    assert code == 0 and "cli privacy audit" in out and "cli ingest products" in out
