"""Erasure of one user: every file of the workspace is free of their id and pseudonym after.

The shop is built for real (ingest, search index, recommender, user profiles, release), with
one user whose id is long enough that finding it in any file by chance is impossible: two
ingested versions of events hold them, the users table too, a quarantine holds a record of
theirs that could not be parsed, and the server's event log holds their live events.
"""

from __future__ import annotations

import json
import shutil
import string
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from shopmind.cli.main import cli
from shopmind.config import Settings, load_settings
from shopmind.errors import InvalidArgument
from shopmind.ingest import ingest_file
from shopmind.pipeline.build import run_build
from shopmind.privacy.erasure import erase_user, stale_versions
from shopmind.privacy.pseudonym import Pseudonymizer
from shopmind.serve import create_app
from shopmind.serve.keys import KeyStore
from shopmind.synth import SynthConfig, write_shop
from shopmind.text.asset import build_encoder_asset
from shopmind.text.sources import tiny_source
from shopmind.workspace import Workspace

TARGET = "erasure-target-7f3a9c"
NEIGHBOUR = "erasure-target-7f3a9c-neighbour"  # shares a prefix: must survive
VOCAB = list(string.ascii_lowercase + string.digits) + [
    "##" + c for c in string.ascii_lowercase + string.digits
]


def holders(root: Path, needles: list[str]) -> dict[str, list[str]]:
    """Files under ``root`` holding any needle: raw bytes, and Parquet and npz decoded."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        text = data.decode("latin-1")
        if data[:4] == b"PAR1":
            text += json.dumps(pq.read_table(path).to_pylist(), default=str)
        elif path.suffix == ".npz":
            with np.load(path) as z:
                text += " ".join(str(z[k].tolist()) for k in z.files)
        hits = [n for n in needles if n in text]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def _with_users(events_csv: Path, out: Path, copies: dict[str, int]) -> Path:
    """The events file plus, per user, copies of its first item events re-attributed to
    them, and last a record of the target that cannot be parsed (an unclosed quote)."""
    lines = events_csv.read_text().splitlines()
    item_rows = [ln for ln in lines[1:] if ",view," in ln or ",purchase," in ln]
    theirs = [user + ln[ln.index(",") :] for user, n in copies.items() for ln in item_rows[:n]]
    broken = f'{TARGET},S99,P000001,view,"2026-01-01T00:00:00Z,,1,1'
    out.write_text("\n".join([*lines, *theirs, broken]) + "\n")
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("erasure")
    settings = load_settings(environ={}, workspace=tmp / "ws", threads=1, recommender="itemcf")
    ws = Workspace.open(settings.workspace, create=True)
    files = write_shop(SynthConfig.tiny(seed=5), tmp / "data")["files"]
    assert isinstance(files, dict)
    users = Path(files["users"])
    users.write_text(
        users.read_text() + f"{TARGET},2025-01-01T00:00:00Z,GB,regular\n"
        f"{NEIGHBOUR},2025-01-01T00:00:00Z,GB,regular\n"
    )
    ingest_file(ws, "products", files["products"], settings)
    ingest_file(ws, "users", users, settings)
    ingest_file(ws, "queries", files["queries"], settings)
    events = Path(files["events"])
    ingest_file(ws, "events", _with_users(events, tmp / "e1.csv", {TARGET: 5}), settings)
    second = _with_users(events, tmp / "e2.csv", {TARGET: 5, NEIGHBOUR: 3})
    ingest_file(ws, "events", second, settings)
    encoder = build_encoder_asset(ws, tiny_source(VOCAB, seed=0), ["red shoe", "kettle"])
    run_build(ws, settings, encoder_asset=encoder)
    store = KeyStore(ws.root)
    keys = {role: store.create(role, f"test {role}")[0] for role in ("read", "admin")}
    return settings.workspace, settings, keys


@pytest.fixture
def shop(
    built: tuple[Path, Settings, dict[str, str]], tmp_path: Path
) -> tuple[Workspace, Settings, dict[str, str]]:
    root, settings, keys = built
    shutil.copytree(root, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws"), replace(settings, workspace=tmp_path / "ws"), keys


def _pseudonym(ws: Workspace, user: str) -> str:
    return Pseudonymizer.for_workspace(ws.root).pseudonym(user)


def test_raw_ids_never_reach_an_asset_but_unparseable_records(
    shop: tuple[Workspace, Settings, dict[str, str]],
) -> None:
    ws, _, _ = shop
    found = holders(ws.root / "assets", [TARGET, _pseudonym(ws, TARGET)])
    raw_holders = [path for path, hits in found.items() if TARGET in hits]
    # the raw id is only in the quarantine's copy of the record that could not be parsed
    assert raw_holders and all("events.quarantine" in p for p in raw_holders)
    assert any(p.startswith("events/") for p in found)  # the pseudonym is in the events
    assert ws.get("events").tags["user_id"] == frozenset({"pii", "pseudonymised"})


def test_erasure_through_the_api_leaves_no_trace(
    shop: tuple[Workspace, Settings, dict[str, str]],
) -> None:
    ws, settings, keys = shop
    pseudonym = _pseudonym(ws, TARGET)
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        event = {"user_id": TARGET, "item_id": "P000002", "event_type": "view"}
        assert client.post("/v1/events", json=event, headers=admin).status_code in (200, 201)
        assert client.get(f"/v1/recommend/{TARGET}", headers=admin).json()["known"] is True
        assert holders(ws.root / "service", [pseudonym])  # the live event is logged
        read = {"Authorization": f"Bearer {keys['read']}"}
        assert (
            client.post("/v1/privacy/erase", json={"user": TARGET}, headers=read).status_code == 403
        )
        response = client.post("/v1/privacy/erase", json={"user": TARGET}, headers=admin)
        assert response.status_code == 200, response.text
        report = response.json()
        assert client.get(f"/v1/recommend/{TARGET}", headers=admin).json()["known"] is False
        assert client.get(f"/v1/recommend/{NEIGHBOUR}", headers=admin).json()["known"] is True
    assert report["user"] == TARGET and report["pseudonym"] == pseudonym
    assert report["rows_removed"] > 0 and report["event_log"]["events_erased"] == 1
    assert report["live"]["session_cleared"] is True
    assert {"events@1", "events@2", "users@1", "user_profiles@1", "events.quarantine@1"} <= set(
        report["assets_rewritten"]
    )
    assert holders(ws.root, [TARGET, pseudonym]) == {}
    assert holders(ws.root, [_pseudonym(ws, NEIGHBOUR)])  # the neighbour is untouched
    assert ws.verify() == []


def test_erasure_from_the_cli_reports_marks_and_repeats_safely(
    shop: tuple[Workspace, Settings, dict[str, str]],
) -> None:
    ws, _, _ = shop
    before = {v.ref: v.rows for v in ws.versions()}
    runner = CliRunner()
    args = ["privacy", "erase", TARGET, "--workspace", str(ws.root), "--json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["user"] == TARGET and report["pseudonym"] == _pseudonym(ws, TARGET)
    assert report["rows_removed"] == sum(r["rows_removed"] for r in report["rewritten"]) > 0
    for entry in report["rewritten"]:
        version = ws.resolve(entry["asset"])
        if "data.parquet" in version.files:
            assert before[version.ref] - version.rows == entry["rows_removed"]
        assert version.amendments[0]["ticket"] == report["ticket"]
    recommender = ws.get("recommender")
    assert recommender.needs_rebuild and str(recommender.ref) in report["marked_for_rebuild"]
    assert ws.get("item_stats").needs_rebuild  # counted their events
    assert not ws.get("products").needs_rebuild
    assert {v.ref for v in stale_versions(ws)} >= {recommender.ref}
    assert holders(ws.root, [TARGET, report["pseudonym"]]) == {}
    # the audit names the command, never the person
    audit = (ws.root / "audit" / "audit.jsonl").read_text()
    assert "cli privacy erase" in audit and "user=[person]" in audit
    again = json.loads(runner.invoke(cli, args).output)
    assert again["rows_removed"] == 0 and again["assets_rewritten"] == []


def test_erasure_rejects_an_empty_id(shop: tuple[Workspace, Settings, dict[str, str]]) -> None:
    ws, settings, _ = shop
    with pytest.raises(InvalidArgument, match="user"):
        erase_user(ws, settings, "  ")
