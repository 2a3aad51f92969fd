"""A tiny synthetic shop ingested once per session, with its feature assets built once."""

from __future__ import annotations

from pathlib import Path

import pytest
from feature_helpers import Shop, one_hot_embeddings

from shopmind.config import load_settings
from shopmind.features import build_item_stats, build_user_profiles
from shopmind.ingest import ingest_file
from shopmind.synth import GroundTruth, SynthConfig, write_shop
from shopmind.workspace import Workspace


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    root = tmp_path_factory.mktemp("features")
    written = write_shop(SynthConfig.tiny(), root / "data", fmt="parquet")
    files = written["files"]
    assert isinstance(files, dict)
    settings = load_settings(environ={}, workspace=root / "ws", threads=2)
    ws = Workspace.open(settings.workspace, create=True)
    for kind in ("products", "events"):
        ingest_file(ws, kind, Path(files[kind]), settings)
    events, products = ws.get("events"), ws.get("products")
    embeddings = one_hot_embeddings(ws, products)
    return Shop(
        ws=ws,
        settings=settings,
        events=events,
        products=products,
        truth=GroundTruth.load(Path(files["truth"])),
        item_stats=build_item_stats(ws, events, products, settings=settings),
        embeddings=embeddings,
        profiles=build_user_profiles(ws, events, products, embeddings, settings=settings),
    )
