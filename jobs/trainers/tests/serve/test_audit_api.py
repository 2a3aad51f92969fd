"""The access audit over HTTP: write and admin requests (refused ones too) are recorded with
the key and the status; read routes are not; ``/v1/audit`` reads and compacts the log."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from serve_helpers import Shop, fresh_copy

from shopmind.privacy.audit import AuditEntry, AuditLog
from shopmind.serve import create_app

EVENT = {"user_id": "u-audit", "item_id": "x", "event_type": "view"}


def key_id(key: str) -> str:
    return key.split("_")[1]


def by_request(shop: Shop) -> dict[str | None, list[AuditEntry]]:
    out: dict[str | None, list[AuditEntry]] = {}
    for e in AuditLog(shop.ws.root).read(limit=None):
        out.setdefault(e.request_id, []).append(e)
    return out


def test_write_admin_and_refused_requests_are_audited(client: TestClient, shop: Shop) -> None:
    write, read, admin = (shop.headers(r) for r in ("write", "read", "admin"))
    wrong = {"Authorization": f"Bearer {shop.keys['write'][:-3]}xyz"}  # right id, bad secret
    calls = {
        "event": (client.post("/v1/events", json=EVENT, headers=write), 201),
        "assets": (client.get("/v1/assets", headers=admin), 200),
        "wrong_key": (client.post("/v1/events", json=EVENT, headers=wrong), 401),
        "no_key": (client.post("/v1/events/batch", json={"events": [EVENT]}), 401),
        "low_role": (client.get("/v1/assets", headers=read), 403),
        "low_role_audit": (client.get("/v1/audit", headers=read), 403),
        "invalid": (client.post("/v1/events", json={"user_id": "u"}, headers=write), 422),
    }
    search = client.get("/v1/search", params={"q": "shoe"}, headers=read)
    anonymous_search = client.get("/v1/search", params={"q": "shoe"})
    assert (search.status_code, anonymous_search.status_code) == (200, 401)
    entries = by_request(shop)
    for name, (response, status) in calls.items():
        assert response.status_code == status, (name, response.text)
        found = entries.get(response.headers["x-request-id"], [])
        assert len(found) == 1, name
        assert found[0].outcome == str(status) and found[0].channel == "api", name
    for response in (search, anonymous_search):  # read routes are not audited
        assert response.headers["x-request-id"] not in entries

    def one(name: str) -> AuditEntry:
        return entries[calls[name][0].headers["x-request-id"]][0]

    event = one("event")
    assert (event.who, event.verified, event.via) == (
        f"key:{key_id(shop.keys['write'])}",
        True,
        "key",
    )
    assert (event.action, event.target, event.role) == ("POST /v1/events", "/v1/events", "write")
    claimed = one("wrong_key")  # the id it claimed, marked unproven
    assert (claimed.who, claimed.verified) == (f"key:{key_id(shop.keys['write'])}", False)
    assert (one("no_key").who, one("no_key").via) == ("anonymous", None)
    low = one("low_role")  # a valid key refused for its role: the key is proven
    assert (low.who, low.verified, low.role) == (f"key:{key_id(shop.keys['read'])}", True, "admin")
    assert one("low_role_audit").action == "GET /v1/audit"


def test_reading_the_log_returns_the_newest_and_is_audited(client: TestClient, shop: Shop) -> None:
    admin = shop.headers("admin")
    client.post("/v1/events", json=EVENT, headers=shop.headers("write"))
    first = client.get("/v1/audit", params={"limit": 2}, headers=admin)
    assert first.status_code == 200
    got = first.json()
    assert len(got) == 2 and got[-1]["action"] == "POST /v1/events"
    assert got[0]["when"] <= got[1]["when"]
    second = client.get("/v1/audit", params={"limit": 1}, headers=admin).json()
    assert second[0]["request_id"] == first.headers["x-request-id"]
    assert second[0]["action"] == "GET /v1/audit" and second[0]["target"] == "/v1/audit?limit=2"
    bad = client.get("/v1/audit", params={"limit": 0}, headers=admin)
    assert bad.status_code == 422


def test_a_dashboard_session_is_named_by_its_key(client: TestClient, shop: Shop) -> None:
    login = client.post("/ui/login", json={"key": shop.keys["admin"]})
    assert login.status_code == 200
    overview = client.get("/v1/overview")
    assert overview.status_code == 200
    entries = by_request(shop)
    admin = f"key:{key_id(shop.keys['admin'])}"
    logged_in = entries[login.headers["x-request-id"]][0]
    assert (logged_in.who, logged_in.action, logged_in.role) == (admin, "POST /ui/login", None)
    viewed = entries[overview.headers["x-request-id"]][0]
    assert (viewed.who, viewed.via, viewed.outcome) == (admin, "session", "200")


def test_compaction_over_http(shop: Shop, tmp_path: Path) -> None:
    shop = fresh_copy(shop, tmp_path)
    admin = shop.headers("admin")
    with TestClient(create_app(shop.settings)) as c:
        c.post("/v1/events", json=EVENT, headers=shop.headers("write"))
        first = c.post("/v1/audit/compact", headers=admin).json()
        assert first["written"] and first["asset"] == "audit@1" and first["entries"] >= 1
        # only the record of the first compaction is new: nothing to write
        again = c.post("/v1/audit/compact", headers=admin).json()
        assert again == {**again, "asset": "audit@1", "written": False}
        shown = c.get("/v1/assets/audit", headers=admin).json()
        assert shown["produced_by"] == "privacy.audit" and "pii" in shown["tags"]["who"]
        assert c.get("/v1/assets/audit", headers=shop.headers("read")).status_code == 403
