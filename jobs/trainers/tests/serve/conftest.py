"""A tiny built shop per module (search index, item-CF recommender, release 1), and keys."""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from serve_helpers import Shop

from shopmind.config import load_settings
from shopmind.ingest import ingest_file
from shopmind.pipeline.build import run_build
from shopmind.serve import create_app
from shopmind.serve.keys import KeyStore
from shopmind.synth import SynthConfig, write_shop
from shopmind.text.asset import build_encoder_asset
from shopmind.text.sources import tiny_source
from shopmind.workspace import Workspace

VOCAB = list(string.ascii_lowercase + string.digits) + [
    "##" + c for c in string.ascii_lowercase + string.digits
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    tmp = tmp_path_factory.mktemp("shop")
    settings = load_settings(environ={}, workspace=tmp / "ws", threads=1, recommender="itemcf")
    ws = Workspace.open(settings.workspace, create=True)
    files = write_shop(SynthConfig.tiny(seed=3), tmp / "data")["files"]
    assert isinstance(files, dict)
    for kind in ("products", "events", "queries"):
        ingest_file(ws, kind, files[kind], settings)
    encoder = build_encoder_asset(ws, tiny_source(VOCAB, seed=0), ["red shoe", "kettle"])
    run_build(ws, settings, encoder_asset=encoder)
    store = KeyStore(ws.root)
    keys = {role: store.create(role, f"test {role}")[0] for role in ("read", "write", "admin")}
    return Shop(ws, settings, keys)


@pytest.fixture
def client(shop: Shop) -> Iterator[TestClient]:
    with TestClient(create_app(shop.settings), raise_server_exceptions=False) as c:
        yield c
