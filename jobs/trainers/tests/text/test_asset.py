from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.text.asset import build_encoder_asset, load_encoder, load_source
from shopmind.text.onnx_encoder import has_vnni
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
    # 7-bit weights exactly where this CPU lacks VNNI (saturating AVX2 sums otherwise)
    assert v.params["int8_reduce_range"] is (not has_vnni())
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


def test_vnni_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    assert has_vnni(info)
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx_vnni\n")
    assert has_vnni(info)
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n")
    assert not has_vnni(info)
    assert not has_vnni(tmp_path / "missing")  # not Linux: the safe choice, 7-bit weights
