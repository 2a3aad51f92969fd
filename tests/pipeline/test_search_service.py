from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from shopmind.cli.main import cli
from shopmind.config import Settings
from shopmind.errors import InvalidArgument
from shopmind.pipeline.build import run_build
from shopmind.pipeline.searching import open_search
from shopmind.serve import create_app
from shopmind.workspace import AssetVersion, Workspace


@pytest.fixture
def built(shop_ws: tuple[Workspace, Settings, AssetVersion]) -> tuple[Workspace, Settings]:
    ws, settings, encoder = shop_ws
    run_build(ws, settings, encoder_asset=encoder)
    return ws, settings


def test_search_finds_a_product_by_its_title(built: tuple[Workspace, Settings]) -> None:
    ws, settings = built
    index = ws.get("search_index")
    assert index.inputs == (ws.get("products").ref, ws.get("item_embeddings").ref)
    service = open_search(ws, settings)
    product = ws.read_table(ws.get("products")).slice(5, 1).to_pylist()[0]
    results = service.search(product["title"], k=5, explain=True)
    assert product["item_id"] in [r.item_id for r in results]
    top = results[0]
    assert set(top.explain) == {"bm25", "cosine", "bm25_part", "cosine_part"}
    assert top.score == pytest.approx(
        top.explain["bm25_part"] + top.explain["cosine_part"], abs=1e-3
    )


@pytest.mark.parametrize("query", ["", "   ", "\x00\x01\x02", "x" * 20000, "🙂 红色 ☃"])
def test_odd_queries_never_crash(built: tuple[Workspace, Settings], query: str) -> None:
    ws, settings = built
    results = open_search(ws, settings).search(query, k=3)
    assert len(results) <= 3


def test_bad_arguments_are_named(built: tuple[Workspace, Settings]) -> None:
    ws, settings = built
    service = open_search(ws, settings)
    with pytest.raises(InvalidArgument, match="k must be"):
        service.search("shoe", k=0)
    with pytest.raises(InvalidArgument, match="query must be a str"):
        service.search(None, k=3)  # type: ignore[arg-type]


def test_search_cli_and_api(built: tuple[Workspace, Settings]) -> None:
    ws, settings = built
    title = ws.read_table(ws.get("products")).slice(0, 1).to_pylist()[0]["title"]
    out = CliRunner().invoke(
        cli,
        ["search", title, "--k", "3", "--json", "--workspace", str(ws.root)],
        catch_exceptions=False,
    )
    data = json.loads(out.stdout)
    assert data["index"] == "search_index@1" and len(data["results"]) == 3
    api = TestClient(create_app(settings))
    r = api.get("/api/search", params={"q": title, "k": 2, "explain": "true"})
    assert r.status_code == 200 and len(r.json()["results"]) == 2
    assert api.get("/api/search", params={"q": "x", "k": 0}).status_code == 422
