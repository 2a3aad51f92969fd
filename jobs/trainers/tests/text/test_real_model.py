"""The real packaged all-MiniLM-L6-v2 (slow: loads 90 MB of weights; run with -m slow)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from encoder_contract import EncoderContract
from shopmind.text.asset import build_encoder_asset, load_encoder
from shopmind.text.base import Encoder
from shopmind.text.sources import ModelSource, load_packaged, packaged_dir
from shopmind.text.torch_encoder import TorchEncoder
from shopmind.workspace import Workspace

pytestmark = pytest.mark.slow

TITLES = [
    "18-Volt Lithium-Ion Cordless Drill Driver Kit",
    "cordless drill 18v",
    "Porcelain Floor and Wall Tile 12 in. x 24 in.",
    "ceramic tile for bathroom floor",
    "Stainless Steel Electric Kettle 1.7 L",
    "electric tea kettle",
]


@pytest.fixture(scope="module")
def minilm() -> ModelSource:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return load_packaged("all-MiniLM-L6-v2", 128)


def test_matches_sentence_transformers(minilm: ModelSource) -> None:
    from sentence_transformers import SentenceTransformer

    ours = TorchEncoder(minilm.model, minilm.tokenizer, minilm.name, 128).encode(TITLES)
    st = SentenceTransformer(str(packaged_dir("all-MiniLM-L6-v2")), device="cpu")
    theirs = st.encode(TITLES, normalize_embeddings=True)
    assert (ours * theirs).sum(axis=1).min() > 0.9999


def test_related_titles_are_closer_than_unrelated(minilm: ModelSource) -> None:
    v = TorchEncoder(minilm.model, minilm.tokenizer, minilm.name, 128).encode(TITLES)
    sims = v @ v.T
    for a, b in ((0, 1), (2, 3), (4, 5)):
        others = [j for j in range(len(TITLES)) if j not in (a, b)]
        assert sims[a, b] > max(sims[a, j] for j in others)


@pytest.fixture(scope="module")
def real_ws(tmp_path_factory: pytest.TempPathFactory, minilm: ModelSource) -> Workspace:
    ws = Workspace.open(Path(tmp_path_factory.mktemp("real")) / "ws", create=True)
    build_encoder_asset(ws, minilm, TITLES * 20, threads=2)
    return ws


def test_int8_agrees_with_torch(real_ws: Workspace) -> None:
    agree = real_ws.get("encoder").quality["int8_agreement"]
    assert agree["min_cosine"] >= 0.99


class TestRealInt8(EncoderContract):
    min_batch_cosine = 0.99

    @pytest.fixture
    def encoder(self, real_ws: Workspace) -> Encoder:
        return load_encoder(real_ws, real_ws.get("encoder"), "onnx-int8", threads=2)

    def test_int8_close_to_torch_on_new_texts(self, encoder: Encoder, real_ws: Workspace) -> None:
        ref = load_encoder(real_ws, real_ws.get("encoder"), "torch", threads=2)
        texts = ["Husky 3/8 in. Drive Ratchet", "outdoor patio umbrella 9 ft", "LED bulb 60W"]
        cos = (encoder.encode(texts) * ref.encode(texts)).sum(axis=1)
        assert np.all(cos > 0.99)
