"""Privacy over HTTP: ids are looked up by pseudonym, never audited raw, and erasure can stop
serving models trained on the erased data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from serve_helpers import Shop, fresh_copy

from filetools import synthetic_users
from shopmind.serve import create_app
from shopmind.serve.auditing import _target


def _a_user(shop: Shop) -> str:
    stored = shop.ws.read_table(shop.ws.get("events"), columns=["user_id"])["user_id"][0]
    return synthetic_users(shop.ws.root)[stored.as_py()]


def test_the_audit_never_records_whom_a_request_was_about(client: TestClient, shop: Shop) -> None:
    user = _a_user(shop)
    admin = shop.headers("admin")
    assert client.get(f"/v1/users/{user}", headers=admin).json()["known"] is True
    entries = client.get("/v1/audit", params={"limit": 10_000}, headers=admin).json()
    mine = [e for e in entries if e["action"] == "GET /v1/users/{user}"]
    assert mine and all(e["target"] == "/v1/users/[person]" for e in mine)
    assert not any(user in e["target"] for e in entries)
    scope = {"path": "/v1/search", "path_params": {}, "query_string": b"q=shoe&user=U00001&k=3"}
    assert _target(scope, "/v1/search") == "/v1/search?q=shoe&user=[person]&k=3"


def test_serving_stops_after_an_erasure_when_the_setting_says_so(
    shop: Shop, tmp_path: Path
) -> None:
    shop = fresh_copy(shop, tmp_path)
    settings = replace(shop.settings, privacy_erasure_serving="stop")
    user = _a_user(shop)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        read = shop.headers("read")
        assert client.get("/v1/recommend/someone", headers=read).status_code == 200
        r = client.post("/v1/privacy/erase", json={"user": user}, headers=shop.headers("admin"))
        assert r.status_code == 200 and r.json()["live"]["serving"] == "stopped"
        refused = client.get("/v1/recommend/someone", headers=read)
        assert refused.status_code == 503 and "rebuild" in refused.json()["message"]
        assert client.get("/v1/search", params={"q": "a"}, headers=read).status_code == 503
    # a restarted server still refuses the stale release
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/v1/recommend/someone", headers=shop.headers("read")).status_code == 503
    # with the default, serving continues and the erased user is a stranger
    with TestClient(create_app(shop.settings), raise_server_exceptions=False) as client:
        r = client.get(f"/v1/recommend/{user}", headers=shop.headers("read"))
        assert r.status_code == 200 and r.json()["known"] is False


def test_erasure_validates_its_body(client: TestClient, shop: Shop) -> None:
    r = client.post("/v1/privacy/erase", json={"user": ""}, headers=shop.headers("admin"))
    assert r.status_code == 422 and "user" in r.text
