from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from filetools import write
from shopmind.config import Settings
from shopmind.ingest import ingest_file
from shopmind.serve import create_app
from shopmind.workspace import Workspace


@pytest.fixture
def client(ws: Workspace, settings: Settings, tmp_path: Path) -> TestClient:
    path = write(tmp_path / "p.csv", "sku,title,price\nA,Alpha,1\nB,Beta,-2\n")
    ingest_file(ws, "products", path, settings)
    return TestClient(create_app(settings))


def test_health_and_assets(client: TestClient) -> None:
    assert client.get("/api/health").json()["assets"] == 2
    refs = {a["ref"] for a in client.get("/api/assets").json()}
    assert refs == {"products@1", "products.quarantine@1"}
    detail = client.get("/api/assets/products@1").json()
    assert detail["rows"] == 1 and detail["report"]["quarantined"] == 1


def test_lineage_and_quarantine(client: TestClient) -> None:
    lineage = client.get("/api/assets/products/lineage").json()
    assert lineage[0]["ref"] == "products@1" and lineage[0]["sources"][0]["format"] == "csv"
    page = client.get("/api/assets/products/quarantine").json()
    assert page["total"] == 1 and page["rows"][0]["check"] == "out_of_range"


def test_errors_are_rendered_with_status(client: TestClient) -> None:
    r = client.get("/api/assets/nothing")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    r = client.get("/api/assets/Bad%20Name")
    assert r.status_code == 400


def test_dashboard_page(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "<title>shopmind" in r.text
