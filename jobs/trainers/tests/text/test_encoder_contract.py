"""Tiny torch and ONNX int8 encoders pass the contract (the real models: test_real_model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from encoder_contract import AWKWARD, TEXTS, EncoderContract
from shopmind.text.asset import build_encoder_asset, load_encoder
from shopmind.text.base import Encoder
from shopmind.text.sources import ModelSource
from shopmind.workspace import Workspace


class TestTinyTorch(EncoderContract):
    @pytest.fixture
    def encoder(self, tiny_torch: Encoder) -> Encoder:
        return tiny_torch


@pytest.fixture(scope="module")
def tiny_asset_ws(tmp_path_factory: pytest.TempPathFactory, tiny_src: ModelSource) -> Workspace:
    ws = Workspace.open(Path(tmp_path_factory.mktemp("enc")) / "ws", create=True)
    build_encoder_asset(ws, tiny_src, TEXTS + AWKWARD)
    return ws


class TestTinyOnnxInt8(EncoderContract):
    min_batch_cosine = 0.99

    @pytest.fixture
    def encoder(self, tiny_asset_ws: Workspace) -> Encoder:
        return load_encoder(tiny_asset_ws, tiny_asset_ws.get("encoder"), "onnx-int8", batch_size=4)


class TestTinyAssetTorch(EncoderContract):
    @pytest.fixture
    def encoder(self, tiny_asset_ws: Workspace) -> Encoder:
        return load_encoder(tiny_asset_ws, tiny_asset_ws.get("encoder"), "torch", batch_size=4)
