"""The /v1 API: health, assets, search, recommendations, and the one error format."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from serve_helpers import Shop

from filetools import synthetic_users
from shopmind.errors import ConfigError
from shopmind.serve import create_app


def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["release"] == 1
    text = client.get("/metrics").text
    assert "shopmind_requests_total" in text and "shopmind_release 1.0" in text
    assert 'route="/readyz"' in text


def test_assets_lineage_and_quarantine(client: TestClient, shop: Shop) -> None:
    admin = shop.headers("admin")
    refs = {a["ref"] for a in client.get("/v1/assets", headers=admin).json()}
    assert {"products@1", "search_index@1", "recommender@1"} <= refs
    detail = client.get("/v1/assets/products@1", headers=admin).json()
    assert detail["rows"] > 0 and "quarantined" in detail["report"]
    lineage = client.get("/v1/assets/search_index/lineage", headers=admin).json()
    assert lineage[0]["ref"] == "search_index@1"
    assert any(n["ref"] == "products@1" for n in lineage)
    page = client.get("/v1/assets/events/quarantine?limit=5", headers=admin).json()
    assert page["asset"] == "events.quarantine@1" and len(page["rows"]) <= 5


def test_search_recommend_similar(client: TestClient, shop: Shop) -> None:
    read = shop.headers("read")
    title = shop.ws.read_table(shop.ws.get("products")).to_pylist()[0]["title"]
    r = client.get("/v1/search", params={"q": title, "k": 3}, headers=read)
    assert r.status_code == 200 and r.json()["release"] == 1 and len(r.json()["results"]) == 3
    stored = shop.ws.read_table(shop.ws.get("events"), columns=["user_id"])["user_id"][0]
    user = synthetic_users(shop.ws.root)[stored.as_py()]  # the id the shop sends
    rec = client.get(f"/v1/recommend/{user}", params={"k": 5}, headers=read).json()
    assert rec["known"] is True and len(rec["items"]) == 5 and rec["items"][0]["reason"]
    stranger = client.get("/v1/recommend/nobody-at-all", headers=read).json()
    assert stranger["known"] is False and stranger["items"][0]["reason"].startswith("popular")
    item = rec["items"][0]["item_id"]
    sim = client.get(f"/v1/similar/{item}", headers=read).json()
    assert sim["items"] and all(i["item_id"] != item for i in sim["items"])
    missing = client.get("/v1/similar/no-such-item", headers=read)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_keys_and_roles(client: TestClient, shop: Shop) -> None:
    none = client.get("/v1/search", params={"q": "shoe"})
    assert none.status_code == 401 and none.json()["error"] == "unauthorized"
    assert none.headers["www-authenticate"] == "Bearer"
    wrong = shop.keys["read"][:-3] + "xyz"
    r = client.get("/v1/search", params={"q": "shoe"}, headers={"X-API-Key": wrong})
    assert r.status_code == 401
    assert client.get("/v1/assets", headers=shop.headers("read")).status_code == 403
    assert client.get("/v1/assets", headers=shop.headers("write")).status_code == 403
    event = {"user_id": "u", "item_id": "x", "event_type": "view"}
    assert client.post("/v1/events", json=event, headers=shop.headers("read")).status_code == 403
    assert client.post("/v1/releases/rollback", headers=shop.headers("write")).status_code == 403
    # higher roles include lower ones
    r = client.get("/v1/search", params={"q": "shoe"}, headers=shop.headers("admin"))
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/events"),
        ("post", "/v1/events/batch"),
        ("post", "/v1/products"),
        ("delete", "/v1/products/abc"),
        ("get", "/v1/assets"),
        ("get", "/v1/assets/products"),
        ("get", "/v1/releases"),
        ("post", "/v1/releases"),
        ("post", "/v1/releases/1/activate"),
        ("post", "/v1/releases/rollback"),
        # assets can hold columns tagged pii (user_profiles.user_id): reading them is admin
        ("get", "/v1/assets/user_profiles/rows"),
        ("get", "/v1/audit"),
        ("post", "/v1/audit/compact"),
        ("post", "/v1/privacy/erase"),
        ("get", "/v1/assets/events/rows"),  # user ids (pseudonymised, still personal data)
        ("get", "/v1/assets/events/quarantine"),
    ],
)
def test_every_write_and_admin_route_needs_a_key(
    client: TestClient, shop: Shop, method: str, path: str
) -> None:
    assert getattr(client, method)(path).status_code == 401
    bad = {"Authorization": "Bearer sm_00000000_not-a-real-key"}
    assert getattr(client, method)(path, headers=bad).status_code == 401
    assert getattr(client, method)(path, headers=shop.headers("read")).status_code == 403


def test_revoked_key_is_refused(client: TestClient, shop: Shop) -> None:
    from shopmind.serve.keys import KeyStore

    store = KeyStore(shop.ws.root)
    key, record = store.create("read", "short-lived")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/v1/search", params={"q": "a"}, headers=headers).status_code == 200
    store.revoke(record.id)
    assert client.get("/v1/search", params={"q": "a"}, headers=headers).status_code == 401


def test_one_error_format(client: TestClient, shop: Shop) -> None:
    read = shop.headers("read")
    r = client.get("/v1/search", params={"q": "x", "k": 0}, headers=read)
    body = r.json()
    assert r.status_code == 422 and body["error"] == "validation"
    assert body["details"]["errors"][0]["field"] == "query.k" and body["request_id"]
    assert r.headers["x-request-id"] == body["request_id"]
    r = client.get("/v1/search", params={"q": "x", "price_min": 9, "price_max": 1}, headers=read)
    assert r.status_code == 400 and "impossible price range" in r.json()["message"]
    r = client.get("/v1/nothing-here", headers=read)
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.get("/v1/assets/Bad%20Name", headers=shop.headers("admin"))
    assert r.status_code == 400 and r.json()["error"] == "invalid_argument"
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


def test_unexpected_errors_hide_the_trace(
    client: TestClient, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = client.app.state.service.served  # type: ignore[attr-defined]

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(served.recommend, "recommend", boom)
    r = client.get("/v1/recommend/u1", headers=shop.headers("read"))
    assert r.status_code == 500 and r.json()["error"] == "internal"
    assert "secret" not in r.text and "Traceback" not in r.text


def test_body_size_and_batch_limits(shop: Shop) -> None:
    settings = replace(shop.settings, max_body_bytes=2000, max_batch_events=3)
    with TestClient(create_app(settings)) as c:
        w = shop.headers("write")
        events = [{"user_id": "u", "item_id": "i", "event_type": "view"}] * 4
        r = c.post("/v1/events/batch", json={"events": events}, headers=w)
        assert r.status_code == 400 and "max_batch_events" in r.json()["message"]
        big = {"events": [{"user_id": "u" * 150, "item_id": "i", "event_type": "view"}] * 20}
        r = c.post("/v1/events/batch", json=big, headers=w)
        assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_rate_limit(shop: Shop) -> None:
    settings = replace(shop.settings, rate_limit_per_s=0.5, rate_limit_burst=2)
    with TestClient(create_app(settings)) as c:
        read = shop.headers("read")
        codes = [c.get("/v1/search", params={"q": "a"}, headers=read).status_code for _ in range(3)]
        assert codes[:2] == [200, 200] and codes[2] == 429
        r = c.get("/v1/search", params={"q": "a"}, headers=read)
        assert r.json()["error"] == "rate_limited" and int(r.headers["retry-after"]) >= 1


def test_auth_off_only_on_loopback(shop: Shop) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        create_app(replace(shop.settings, auth="off", serve_host="0.0.0.0"))
    with TestClient(create_app(replace(shop.settings, auth="off"))) as c:
        assert c.get("/v1/search", params={"q": "a"}).status_code == 200


def test_cors_is_off_unless_configured(shop: Shop) -> None:
    pre = {"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(shop.settings)) as c:
        assert "access-control-allow-origin" not in c.options("/v1/search", headers=pre).headers
    settings = replace(shop.settings, cors_origins="https://shop.example")
    with TestClient(create_app(settings)) as c:
        r = c.options("/v1/search", headers=pre)
        assert r.headers["access-control-allow-origin"] == "https://shop.example"


def test_dashboard_page(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "<title>shopmind" in r.text
