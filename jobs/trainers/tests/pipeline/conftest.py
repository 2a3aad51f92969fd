"""A tiny synthetic shop ingested once per module, plus a tiny encoder asset."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from shopmind.config import Settings, load_settings
from shopmind.ingest import ingest_file
from shopmind.synth import SynthConfig, write_shop
from shopmind.text.asset import build_encoder_asset
from shopmind.text.sources import tiny_source
from shopmind.workspace import AssetVersion, Workspace

VOCAB = list(string.ascii_lowercase + string.digits) + [
    "##" + c for c in string.ascii_lowercase + string.digits
]


def _shop_ws(root: Path) -> tuple[Workspace, Settings, AssetVersion]:
    # builds here test search and lineage: a seconds-fast recommender (test_recommending.py
    # builds the default hybrid)
    settings = load_settings(environ={}, workspace=root / "ws", threads=1, recommender="itemcf")
    ws = Workspace.open(settings.workspace, create=True)
    files = write_shop(SynthConfig.tiny(seed=2), root / "data")["files"]
    assert isinstance(files, dict)
    for key, kind in (("products", "products"), ("events", "events"), ("queries", "queries")):
        ingest_file(ws, kind, files[key], settings)
    encoder = build_encoder_asset(ws, tiny_source(VOCAB, seed=0), ["red shoe", "kettle"])
    return ws, settings, encoder


@pytest.fixture
def shop_ws(tmp_path: Path) -> tuple[Workspace, Settings, AssetVersion]:
    """A fresh shop for a test that changes it."""
    return _shop_ws(tmp_path)


@pytest.fixture(scope="module")
def module_shop_ws(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Workspace, Settings, AssetVersion]:
    """One shop for a module's tests that only read it."""
    return _shop_ws(tmp_path_factory.mktemp("shop"))
