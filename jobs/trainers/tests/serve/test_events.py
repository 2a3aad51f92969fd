"""/v1/events: durable, idempotent, applied to the live state at once, replayed on start."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from serve_helpers import Shop, fresh_copy

from shopmind.serve import create_app


def _items(c: TestClient, shop: Shop, user: str) -> list[str]:
    r = c.get(f"/v1/recommend/{user}", params={"k": 10}, headers=shop.headers("read"))
    assert r.status_code == 200
    return [i["item_id"] for i in r.json()["items"]]


def test_an_event_changes_the_next_recommendation(shop: Shop, tmp_path: Path) -> None:
    shop = fresh_copy(shop, tmp_path)
    products = shop.ws.read_table(shop.ws.get("products"), columns=["item_id"])["item_id"]
    with TestClient(create_app(shop.settings)) as c:
        before = _items(c, shop, "new-user")
        item = products[7].as_py()
        r = c.post(
            "/v1/events",
            json={"user_id": "new-user", "item_id": item, "event_type": "click"},
            headers=shop.headers("write"),
        )
        assert r.status_code == 201 and r.json() == {
            "accepted": 1,
            "first_seq": 1,
            "duplicate": False,
        }
        after = c.get("/v1/recommend/new-user", headers=shop.headers("read")).json()
        assert after["known"] is True and [i["item_id"] for i in after["items"]] != before
        assert any(i["because"] == item for i in after["items"])
        # search personalises from the live session too
        s = c.get("/v1/search", params={"q": "a", "user": "new-user"}, headers=shop.headers("read"))
        assert s.json()["personalised"] is True


def test_retries_with_an_idempotency_key_are_stored_once(shop: Shop, tmp_path: Path) -> None:
    shop = fresh_copy(shop, tmp_path)
    batch = {
        "events": [
            {
                "user_id": "u9",
                "item_id": "whatever",
                "event_type": "view",
                "timestamp": 1_700_000_000,
            },
            {"user_id": "u9", "event_type": "search", "query": "red shoes"},
        ]
    }
    headers = {**shop.headers("write"), "Idempotency-Key": "batch-1"}
    with TestClient(create_app(shop.settings)) as c:
        first = c.post("/v1/events/batch", json=batch, headers=headers).json()
        again = c.post("/v1/events/batch", json=batch, headers=headers).json()
        assert first == {"accepted": 2, "first_seq": 1, "duplicate": False}
        assert again == {"accepted": 2, "first_seq": 1, "duplicate": True}
        batch["events"][0]["item_id"] = "another"
        clash = c.post("/v1/events/batch", json=batch, headers=headers)
        assert clash.status_code == 409
    with TestClient(create_app(shop.settings)) as c:  # a restart replays the log
        assert c.get("/readyz").json()["replayed_events"] == 2


def test_bad_events_get_clear_errors(client: TestClient, shop: Shop) -> None:
    w = shop.headers("write")
    cases = [
        ({"user_id": "u", "event_type": "view"}, "item_id is required"),
        ({"user_id": "u", "item_id": "i", "event_type": "teleport"}, "event_type"),
        ({"user_id": "", "item_id": "i", "event_type": "view"}, "user_id"),
        ({"user_id": "u", "event_type": "search"}, "query is required"),
        ({"user_id": "u", "item_id": "i", "event_type": "view", "colour": "red"}, "colour"),
        ({"user_id": "u", "item_id": "i", "event_type": "view", "price": -1}, "price"),
    ]
    for body, words in cases:
        r = client.post("/v1/events", json=body, headers=w)
        assert r.status_code == 422, body
        assert words in r.json()["message"] or words in str(r.json()["details"]), r.json()
    r = client.post("/v1/events", content=b"\xff\xfe not json", headers=w)
    assert r.status_code == 422
    assert client.post("/v1/events/batch", json={"events": []}, headers=w).status_code == 422


def test_compaction_while_serving(shop: Shop, tmp_path: Path) -> None:
    shop = fresh_copy(shop, tmp_path)
    products = shop.ws.read_table(shop.ws.get("products"), columns=["item_id"])["item_id"]
    before = shop.ws.get("events").rows
    w, admin = shop.headers("write"), shop.headers("admin")
    batch = {
        "events": [
            {"user_id": "c1", "item_id": products[0].as_py(), "event_type": "view"},
            {"user_id": "c1", "item_id": products[1].as_py(), "event_type": "purchase"},
            {"user_id": "c1", "item_id": "not-in-catalog", "event_type": "view"},
        ]
    }
    with TestClient(create_app(shop.settings)) as c:
        assert c.post("/v1/events/batch", json=batch, headers=w).status_code == 201
        first = c.post("/v1/events/compact", headers=admin).json()
        assert first["events"] == 3 and first["asset"] == "events@2"
        assert first["previous_rows"] == before
        assert c.post("/v1/events/compact", headers=w).status_code == 403
        assert c.post("/v1/events", json=batch["events"][0], headers=w).status_code == 201
        second = c.post("/v1/events/compact", headers=admin).json()
        assert second["events"] == 1 and second["first_seq"] == 4 and second["asset"] == "events@3"
        assert c.post("/v1/events/compact", headers=admin).json()["asset"] is None
    assert shop.ws.get("events").rows == before + 4 - (first["quarantined"] + second["quarantined"])


def test_product_changes_are_logged_then_compacted(shop: Shop, tmp_path: Path) -> None:
    shop = fresh_copy(shop, tmp_path)
    before = shop.ws.read_table(shop.ws.get("products")).to_pylist()
    w, admin = shop.headers("write"), shop.headers("admin")
    new = {"item_id": "NEW-1", "title": "Linen summer shirt", "price": 25.5, "stock": 3}
    changed = {**{k: before[0][k] for k in ("item_id", "title")}, "price": 1.0}
    with TestClient(create_app(shop.settings)) as c:
        r = c.post("/v1/products", json={"products": [new, changed]}, headers=w)
        assert r.status_code == 202 and r.json()["accepted"] == 2 and r.json()["applies"]
        assert c.delete(f"/v1/products/{before[1]['item_id']}", headers=w).status_code == 202
        bad = c.post("/v1/products", json={"products": [{"item_id": "x"}]}, headers=w)
        assert bad.status_code == 422 and "title" in bad.json()["message"]
        report = c.post("/v1/products/compact", headers=admin).json()
        assert (report["operations"], report["upserts"], report["deletes"]) == (3, 2, 1)
        assert report["asset"] == "products@2" and report["quarantined"] == 0
        again = c.post("/v1/products/compact", headers=admin).json()
        assert again["asset"] is None and again["operations"] == 0
    after = {r["item_id"]: r for r in shop.ws.read_table(shop.ws.get("products")).to_pylist()}
    assert len(after) == len(before)  # one added, one deleted
    assert after["NEW-1"]["title"] == "Linen summer shirt" and before[1]["item_id"] not in after
    assert float(after[before[0]["item_id"]]["price"]) == 1.0
    assert after[before[2]["item_id"]]["title"] == before[2]["title"]  # untouched rows stay
