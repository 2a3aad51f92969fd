from __future__ import annotations

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.text.asset import build_encoder_asset, load_encoder, load_source
from shopmind.text.sources import ModelSource
from shopmind.workspace import Workspace

TEXTS = ["red running shoes", "blue cotton shirt", "steel kettle", "tea cup", ""]


def test_encoder_asset_round_trip(ws: Workspace, tiny_src: ModelSource) -> None:
    v = build_encoder_asset(ws, tiny_src, TEXTS)
    assert str(v.ref) == "encoder@1"
    assert set(v.files) == {
        "config.json",
        "model.int8.onnx",
        "tokenizer.json",
        "weights.safetensors",
    }
    agree = v.quality["int8_agreement"]
    assert agree["texts"] == len(TEXTS) and agree["min_cosine"] > 0.99
    torch_enc = load_encoder(ws, v, "torch")
    onnx_enc = load_encoder(ws, v, "onnx-int8")
    assert torch_enc.info.model_id == "tiny-32x2@1/torch"
    assert onnx_enc.info.model_id == "tiny-32x2@1/onnx-int8"
    # the stored weights reproduce the source model exactly
    src_vectors = load_source(ws, v)
    a = torch_enc.encode(TEXTS)
    from shopmind.text.torch_encoder import TorchEncoder

    b = TorchEncoder(src_vectors.model, src_vectors.tokenizer, "x", 64).encode(TEXTS)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert ws.verify() == []


def test_unknown_backend_is_named(ws: Workspace, tiny_src: ModelSource) -> None:
    v = build_encoder_asset(ws, tiny_src, TEXTS)
    with pytest.raises(InvalidArgument, match="backend must be one of"):
        load_encoder(ws, v, "gpu")


def test_empty_calibration_is_refused(ws: Workspace, tiny_src: ModelSource) -> None:
    with pytest.raises(InvalidArgument, match="calibration"):
        build_encoder_asset(ws, tiny_src, [])
    assert ws.versions() == []
