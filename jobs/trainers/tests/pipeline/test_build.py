from __future__ import annotations

from dataclasses import replace

import pytest

from shopmind.config import Settings
from shopmind.errors import NotFound
from shopmind.pipeline.build import BUILD_STEPS, format_build, run_build
from shopmind.workspace import AssetVersion, Workspace
from shopmind.workspace.releases import ReleaseBook


def test_build_makes_every_asset_with_lineage(
    shop_ws: tuple[Workspace, Settings, AssetVersion],
) -> None:
    ws, settings, encoder = shop_ws
    summary = run_build(ws, settings, encoder_asset=encoder)
    steps = [s["step"] for s in summary["steps"]]
    assert steps == list(BUILD_STEPS)
    products, events = ws.get("products"), ws.get("events")
    emb = ws.get("item_embeddings")
    ranker_step = summary["steps"][-2]
    assert ranker_step["assets"] == ["ranker@1"], ranker_step
    assert summary["steps"][-3]["assets"] == ["recommender@1"]
    # the build ends by pinning what it made into release 1 and activating it
    release = summary["steps"][-1]
    assert release["release"] == 1 and "ranker@1" in release["assets"]
    assert ReleaseBook(ws).active() == ReleaseBook(ws).get(1)
    assert ws.get("recommender").inputs == (events.ref, products.ref, emb.ref)
    ranker = ws.get("ranker")
    assert ranker.inputs[0] == ws.get("search_index").ref and ws.get("events").ref in ranker.inputs
    assert ranker.quality["held_out"]["queries"] > 0
    products, events = ws.get("products"), ws.get("events")
    emb = ws.get("item_embeddings")
    assert emb.inputs == (products.ref, encoder.ref) and emb.rows == products.rows
    assert ws.get("near_duplicates").inputs == (products.ref, emb.ref)
    assert ws.get("category_suggestions").inputs == (products.ref, emb.ref)
    assert ws.get("item_stats").inputs[:2] == (events.ref, products.ref)
    assert emb.ref in ws.get("user_profiles").inputs
    # lineage runs from the profiles back to the raw files
    chain = [str(v.ref) for _d, v in ws.lineage(ws.get("user_profiles"))]
    assert "encoder@1" in chain and "products@1" in chain
    assert "build from products@1" in format_build(summary)

    again = run_build(ws, settings, encoder_asset=encoder)
    step = next(s for s in again["steps"] if s["step"] == "item_embeddings")
    assert (step["encoded"], step["reused"]) == (0, products.rows)
    assert again["steps"][-1]["release"] == 2 and ReleaseBook(ws).history() == [1, 2]


def test_build_without_products(ws: Workspace, settings: Settings) -> None:
    with pytest.raises(NotFound, match="ingest products"):
        run_build(ws, settings)


def test_products_quality_profile_lists_the_suggestions(
    shop_ws: tuple[Workspace, Settings, AssetVersion],
) -> None:
    import json

    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from shopmind.cli.main import cli
    from shopmind.quality.report import quality_profile
    from shopmind.serve import create_app

    ws, settings, encoder = shop_ws
    products = ws.get("products")
    assert quality_profile(ws, products)["near_duplicates"] is None
    run_build(ws, settings, encoder_asset=encoder)
    profile = quality_profile(ws, products, sample=3)
    assert profile["near_duplicates"]["asset"] == "near_duplicates@1"
    assert profile["category_suggestions"]["asset"] == "category_suggestions@1"
    assert len(profile["near_duplicates"]["sample"]) <= 3
    assert "item_id" in profile["profile"]["columns"]

    out = CliRunner().invoke(
        cli,
        ["assets", "quality", "products", "--json", "--workspace", str(ws.root)],
        catch_exceptions=False,
    )
    assert json.loads(out.stdout)["near_duplicates"]["asset"] == "near_duplicates@1"
    with TestClient(create_app(replace(settings, auth="off"))) as client:
        api = client.get("/v1/assets/products/quality?limit=2")
    assert api.status_code == 200 and api.json()["category_suggestions"]["rows"] >= 0
