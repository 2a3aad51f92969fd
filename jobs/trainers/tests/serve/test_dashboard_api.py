"""The dashboard's API: login sessions, overview, users, reports, rows, drift and jobs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from serve_helpers import Shop, fresh_copy

from filetools import synthetic_users
from shopmind.errors import ConflictError
from shopmind.serve import create_app
from shopmind.serve.jobs import Job, JobRunner, Report
from shopmind.serve.logins import COOKIE
from shopmind.workspace import Workspace


def _login(c: TestClient, key: str) -> dict[str, Any]:
    r = c.post("/ui/login", json={"key": key})
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_login_sets_an_httponly_cookie_not_the_key(client: TestClient, shop: Shop) -> None:
    r = client.post("/ui/login", json={"key": shop.keys["admin"]})
    assert r.status_code == 200 and r.json()["role"] == "admin"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower() and shop.keys["admin"] not in cookie
    assert client.get("/ui/me").json()["role"] == "admin"
    assert client.get("/v1/overview").status_code == 200  # the cookie alone is enough to read
    client.post("/ui/logout", headers={"X-Shopmind-UI": "1"})
    assert client.get("/ui/me").status_code == 401


def test_wrong_key_and_low_roles_are_refused(client: TestClient, shop: Shop) -> None:
    r = client.post("/ui/login", json={"key": "sm_nope_nope"})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert client.get("/ui/me").status_code == 401
    _login(client, shop.keys["read"])
    assert client.get("/ui/me").json()["role"] == "read"
    r = client.get("/v1/overview")
    assert r.status_code == 403 and "admin" in r.json()["message"]


def test_cookie_changes_need_the_ui_header(client: TestClient, shop: Shop) -> None:
    _login(client, shop.keys["admin"])
    event = {"user_id": "u-csrf", "item_id": "x", "event_type": "view"}
    r = client.post("/v1/events", json=event)  # as a forged cross-site form would
    assert r.status_code == 403 and "X-Shopmind-UI" in r.json()["message"]
    r = client.post("/v1/events", json=event, headers={"X-Shopmind-UI": "1"})
    assert r.status_code in (201, 202), r.text


def test_revoking_the_key_ends_its_sessions(shop: Shop, tmp_path: Path) -> None:
    mine = fresh_copy(shop, tmp_path)
    from shopmind.serve.keys import KeyStore

    key, record = KeyStore(mine.ws.root).create("admin", "to revoke")
    with TestClient(create_app(mine.settings)) as c:
        _login(c, key)
        assert c.get("/v1/overview").status_code == 200
        KeyStore(mine.ws.root).revoke(record.id)
        r = c.get("/v1/overview")
        assert r.status_code == 401 and "revoked" in r.json()["message"]


def test_overview_users_reports_and_rows(client: TestClient, shop: Shop) -> None:
    h = shop.headers("admin")
    o = client.get("/v1/overview", headers=h).json()
    names = {a["name"] for a in o["assets"]}
    assert {"products", "events", "recommender", "search_index"} <= names
    assert o["release"]["id"] == 1 and o["total_bytes"] > 0
    assert "ndcg@10" in o["headline"]["recommender"]["held_out"]

    stored = shop.ws.read_table(shop.ws.get("events"), columns=["user_id"])["user_id"][0]
    user = synthetic_users(shop.ws.root)[stored.as_py()]  # the id the shop sends
    u = client.get(f"/v1/users/{user}", headers=h).json()
    assert u["known"] is True and u["history"] and len(u["recommendations"]) == 10
    assert all(not e["live"] for e in u["history"])
    item = u["recommendations"][0]["item_id"]
    posted = client.post(
        "/v1/events", json={"user_id": user, "item_id": item, "event_type": "purchase"}, headers=h
    )
    assert posted.status_code in (201, 202)
    after = client.get(f"/v1/users/{user}", headers=h).json()
    assert after["history"][-1] == {**after["history"][-1], "item_id": item, "live": True}
    assert item not in [r["item_id"] for r in after["recommendations"]]  # bought: dropped

    rep = client.get("/v1/reports", headers=h).json()
    models = {p["model"] for p in rep["points"]}
    assert {"itemcf", "popularity"} <= models

    page = client.get("/v1/assets/products/rows?limit=5&offset=2", headers=h).json()
    assert page["offset"] == 2 and len(page["rows"]) == 5 and "item_id" in page["columns"]
    assert client.get("/v1/users/x", headers=shop.headers("read")).status_code == 403


def test_drift_route(client: TestClient, shop: Shop) -> None:
    r = client.get("/v1/assets/products/drift", headers=shop.headers("admin"))
    assert r.status_code == 400 and "no earlier version" in r.json()["message"]
    r = client.get("/v1/assets/products/drift?older=1&newer=1", headers=shop.headers("admin"))
    assert r.status_code == 400


def test_drift_between_two_ingests(shop: Shop, tmp_path: Path) -> None:
    mine = fresh_copy(shop, tmp_path)
    ws = Workspace.open(mine.ws.root)
    products = ws.read_table(ws.get("products"))
    changed = tmp_path / "products.parquet"
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    doubled = products.set_column(
        products.column_names.index("price"), "price", pc.multiply(products["price"], 3.0)
    )
    pq.write_table(doubled, changed)
    from shopmind.ingest import ingest_file

    ingest_file(ws, "products", changed, mine.settings)
    with TestClient(create_app(mine.settings)) as c:
        r = c.get("/v1/assets/products/drift", headers=mine.headers("admin"))
    assert r.status_code == 200, r.text
    cols = {c["column"]: c for c in r.json()["columns"]}
    assert cols["price"]["verdict"] == "major" and cols["item_id"]["kind"] == "identifier"


def test_evaluate_job_writes_a_report(shop: Shop, tmp_path: Path) -> None:
    mine = fresh_copy(shop, tmp_path)
    h = mine.headers("admin")
    with TestClient(create_app(mine.settings)) as c:
        job = c.post("/v1/jobs", json={"kind": "evaluate"}, headers=h)
        assert job.status_code == 202, job.text
        jid = job.json()["id"]
        state = c.app.state.service  # type: ignore[attr-defined]
        done = state.jobs.wait(jid, 120)
        assert done.status == "done", done.error
        body = c.get(f"/v1/jobs/{jid}", headers=h).json()
        assert body["progress"] == 1.0 and body["result"]["models"]["popularity"]["ndcg@10"] >= 0
        assert any("itemcf" in line for line in body["log"])
        rep = c.get("/v1/reports", headers=h).json()
        assert rep["files"] and any(p["source"] == rep["files"][0] for p in rep["points"])
        bad = c.post("/v1/jobs", json={"kind": "dance"}, headers=h)
        assert bad.status_code == 400 and "build, evaluate" in bad.json()["message"]


def test_build_job_reports_progress_and_switches_release(
    shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shopmind.pipeline.build as build

    mine = fresh_copy(shop, tmp_path)
    real = build.run_build
    encoder = Workspace.open(mine.ws.root).get("encoder")

    def with_tiny_encoder(ws: Workspace, settings: Any, **kw: Any) -> dict[str, Any]:
        return real(ws, settings, encoder_asset=encoder, **kw)

    monkeypatch.setattr(build, "run_build", with_tiny_encoder)
    with TestClient(create_app(mine.settings)) as c:
        h = mine.headers("admin")
        jid = c.post("/v1/jobs", json={"kind": "build"}, headers=h).json()["id"]
        done = c.app.state.service.jobs.wait(jid, 300)  # type: ignore[attr-defined]
        assert done.status == "done", done.error
        assert any(line.startswith("recommender:") for line in done.log)
        assert done.log[-1] == "now serving release 2"
        assert c.get("/readyz").json()["release"] == 2


def test_one_job_at_a_time() -> None:
    started = []

    def slow(job: Job, report: Report) -> dict[str, Any]:
        started.append(job.id)
        report("sleeping", 0.5, "half way")
        time.sleep(0.3)
        return {"ok": True}

    def broken(job: Job, report: Report) -> dict[str, Any]:
        raise RuntimeError("boom")

    runner = JobRunner({"build": slow, "evaluate": broken})
    first = runner.start("build", "k1")
    with pytest.raises(ConflictError, match="one job at a time"):
        runner.start("evaluate", "k1")
    assert runner.wait(first.id, 5).to_dict()["result"] == {"ok": True}
    failed = runner.wait(runner.start("evaluate", "k1").id, 5)
    assert failed.status == "failed" and failed.error == "RuntimeError: boom"
    assert [j.id for j in runner.all()] == [2, 1] and first.log == ["half way"]


def test_evaluate_command(shop: Shop, tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from shopmind.cli.main import cli

    mine = fresh_copy(shop, tmp_path)
    args = ["evaluate", "--models", "popularity,itemcf", "--json", "--workspace", str(mine.ws.root)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert list(report["models"]) == ["popularity", "itemcf"]
    assert report["models"]["itemcf"]["ndcg@10"] > report["models"]["popularity"]["ndcg@10"]
    assert (mine.ws.root / report["file"]).is_file()
    bad = CliRunner().invoke(
        cli, ["evaluate", "--models", "nope", "--workspace", str(mine.ws.root)]
    )
    assert bad.exit_code != 0 and "unknown recommender 'nope'" in bad.output
