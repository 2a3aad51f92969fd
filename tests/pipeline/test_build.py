from __future__ import annotations

import pytest

from shopmind.config import Settings
from shopmind.errors import NotFound
from shopmind.pipeline.build import format_build, run_build
from shopmind.workspace import AssetVersion, Workspace


def test_build_makes_every_asset_with_lineage(
    shop_ws: tuple[Workspace, Settings, AssetVersion],
) -> None:
    ws, settings, encoder = shop_ws
    summary = run_build(ws, settings, encoder_asset=encoder)
    steps = [s["step"] for s in summary["steps"]]
    assert steps == [
        "encoder",
        "item_embeddings",
        "quality_suggestions",
        "item_stats",
        "user_profiles",
    ]
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


def test_build_without_products(ws: Workspace, settings: Settings) -> None:
    with pytest.raises(NotFound, match="ingest products"):
        run_build(ws, settings)
