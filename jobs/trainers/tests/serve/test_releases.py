"""Releases over HTTP: list, create, activate, roll back; a broken one is refused; a switch
under load drops no request."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient
from serve_helpers import Shop, fresh_copy

from shopmind.serve import create_app
from shopmind.workspace.releases import ReleaseBook


def test_create_activate_and_roll_back(shop: Shop, tmp_path: Path) -> None:
    shop = fresh_copy(shop, tmp_path)
    admin = shop.headers("admin")
    with TestClient(create_app(shop.settings)) as c:
        listed = c.get("/v1/releases", headers=admin).json()
        assert [r["id"] for r in listed] == [1] and listed[0]["active"]
        made = c.post("/v1/releases", params={"note": "again"}, headers=admin)
        assert made.status_code == 201 and made.json()["id"] == 2 and not made.json()["active"]
        switched = c.post("/v1/releases/2/activate", headers=admin).json()
        assert switched["release"]["id"] == 2 and switched["checks"]["search"]["hits"] > 0
        # the recommendation check is recorded without the user it asked for (no person's
        # id in a release file, which erasure does not rewrite)
        assert switched["checks"]["recommend"]["items"] > 0
        assert "user" not in switched["checks"]["recommend"]
        assert c.get("/readyz").json()["release"] == 2
        back = c.post("/v1/releases/rollback", headers=admin).json()
        assert back["release"]["id"] == 1 and c.get("/readyz").json()["release"] == 1
        nothing = c.post("/v1/releases/rollback", headers=admin)
        assert nothing.status_code == 409 and "roll back" in nothing.json()["message"]
        missing = c.post("/v1/releases/99/activate", headers=admin)
        assert missing.status_code == 404


def test_a_broken_release_is_refused_and_the_old_one_keeps_serving(
    shop: Shop, tmp_path: Path
) -> None:
    shop = fresh_copy(shop, tmp_path)
    # recommender@2: a version whose model files are garbage
    with shop.ws.transaction("test.break") as txn:
        staged = txn.stage("recommender")
        (staged.dir / "model").mkdir()
        (staged.dir / "model" / "state.json").write_text("{ not json")
        staged.describe(rows=0)
    book = ReleaseBook(shop.ws)
    pins = {**book.get(1).pins, "recommender": "recommender@2"}
    broken = book.create(pins, note="broken recommender")
    admin, read = shop.headers("admin"), shop.headers("read")
    with TestClient(create_app(shop.settings)) as c:
        r = c.post(f"/v1/releases/{broken.id}/activate", headers=admin)
        assert r.status_code == 409 and r.json()["error"] == "release_refused"
        assert f"release {broken.id} cannot be loaded" in r.json()["message"]
        assert c.get("/readyz").json()["release"] == 1
        assert c.get("/v1/recommend/u1", headers=read).json()["release"] == 1
    assert book.history() == [1]  # never recorded as active


def test_switch_under_load_drops_no_request(shop: Shop, tmp_path: Path) -> None:
    shop = fresh_copy(shop, tmp_path)
    admin, read = shop.headers("admin"), shop.headers("read")
    with TestClient(create_app(shop.settings)) as c:
        assert c.post("/v1/releases", headers=admin).json()["id"] == 2
        statuses: list[int] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                statuses.append(c.get("/v1/search", params={"q": "a"}, headers=read).status_code)
                statuses.append(c.get("/v1/recommend/u1", headers=read).status_code)

        workers = [threading.Thread(target=hammer) for _ in range(4)]
        for t in workers:
            t.start()
        for target in (2, 1, 2, 1):
            assert c.post(f"/v1/releases/{target}/activate", headers=admin).status_code == 200
        stop.set()
        for t in workers:
            t.join()
        assert statuses and set(statuses) == {200}
