"""Encoders as workspace assets: weights, tokenizer, the int8 ONNX export and its agreement.

An ``encoder@N`` version holds everything needed to encode without the original package:

    weights.safetensors   float32 weights (the torch reference; fine-tuning starts here)
    config.json           BertConfig, name, max_tokens, origin
    tokenizer.json        the tokenizer
    model.int8.onnx       the inference model

Its ``quality`` records the int8 model's agreement with the torch reference (min / mean cosine
on the calibration texts), measured when it was built.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.torch import load_file, save_file

from shopmind.errors import ConfigError, InvalidArgument
from shopmind.text.base import Encoder
from shopmind.text.bert import BertConfig, BertEncoder
from shopmind.text.onnx_encoder import OnnxEncoder, export_onnx, has_vnni, quantize_int8
from shopmind.text.smooth import smooth_for_int8
from shopmind.text.sources import ModelSource
from shopmind.text.tokenize import load_tokenizer
from shopmind.text.torch_encoder import TorchEncoder
from shopmind.workspace import AssetRef, AssetVersion, Workspace

ASSET = "encoder"
# Share of each activation outlier moved into the weights before int8 (see text/smooth.py);
# 0.7 measured best on Home Depot titles (docs/benchmarks.md).
SMOOTH_ALPHA = 0.7
BACKENDS = ("onnx-int8", "torch")


def agreement(reference: Encoder, candidate: Encoder, texts: Sequence[str]) -> dict[str, float]:
    """Cosine between the two encoders' vectors of the same texts: min, mean, 1st percentile."""
    a, b = reference.encode(texts), candidate.encode(texts)
    cos = (a * b).sum(axis=1)
    return {
        "min_cosine": float(cos.min()),
        "mean_cosine": float(cos.mean()),
        "p01_cosine": float(np.percentile(cos, 1)),
        "texts": len(texts),
    }


def build_encoder_asset(
    ws: Workspace,
    source: ModelSource,
    calibration: Sequence[str],
    threads: int = 1,
    produced_by: str = "text.export",
    inputs: tuple[AssetRef, ...] = (),
    params: dict[str, Any] | None = None,
) -> AssetVersion:
    """Export ``source`` to int8 ONNX, measure it against torch, commit ``encoder@N``."""
    if not calibration:
        raise InvalidArgument("calibration texts must not be empty", argument="calibration")
    started = time.perf_counter()
    with ws.transaction(produced_by) as txn:
        staged = txn.stage(ASSET)
        d = staged.dir
        save_file(
            {k: v.contiguous() for k, v in source.model.state_dict().items()},
            str(d / "weights.safetensors"),
        )
        source.tokenizer.save(str(d / "tokenizer.json"))
        config = {
            "name": source.name,
            "max_tokens": source.max_tokens,
            "bert": source.model.cfg.to_dict(),
            "origin": source.origin,
        }
        (d / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        smoothed = smooth_for_int8(source.model, source.tokenizer, calibration, SMOOTH_ALPHA)
        with tempfile.TemporaryDirectory(dir=txn.dir) as tmp:
            fp32 = export_onnx(smoothed, Path(tmp) / "model.onnx")
            # 7-bit weights unless this CPU multiplies int8 without saturating (quantize_int8)
            reduce_range = not has_vnni()
            quantize_int8(fp32, d / "model.int8.onnx", reduce_range)
        reference = TorchEncoder(
            source.model, source.tokenizer, source.name, source.max_tokens, threads
        )
        int8 = OnnxEncoder(
            d / "model.int8.onnx",
            source.tokenizer,
            source.name,
            source.model.cfg.hidden,
            source.max_tokens,
            threads,
        )
        agree = agreement(reference, int8, calibration)
        staged.describe(
            params={
                "name": source.name,
                "max_tokens": source.max_tokens,
                "smooth_alpha": SMOOTH_ALPHA,
                "int8_reduce_range": reduce_range,
                **(params or {}),
            },
            inputs=inputs,
            sources=(source.origin,) if source.origin else (),
            quality={"int8_agreement": agree, "dim": source.model.cfg.hidden},
            report={
                "seconds": round(time.perf_counter() - started, 3),
                "model_ids": {"torch": reference.info.model_id, "onnx-int8": int8.info.model_id},
            },
            rows=0,
            columns=(),
        )
    return txn.committed[0]


def _model_name(version: AssetVersion) -> str:
    # The version is part of the name: vectors of encoder@1 and a fine-tuned encoder@2 differ.
    return f"{version.params.get('name', 'encoder')}@{version.ref.version}"


def load_encoder(
    ws: Workspace,
    version: AssetVersion,
    backend: str = "onnx-int8",
    threads: int = 1,
    batch_size: int = 64,
) -> Encoder:
    """An :class:`Encoder` over an ``encoder`` asset version, with the chosen backend."""
    if backend not in BACKENDS:
        raise InvalidArgument(
            f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}", argument="backend"
        )
    d = ws.version_dir(version.ref)
    try:
        config = json.loads((d / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{version.ref} is not a readable encoder: {exc}") from exc
    max_tokens = int(config["max_tokens"])
    tokenizer = load_tokenizer(d / "tokenizer.json", max_tokens)
    name = _model_name(version)
    if backend == "onnx-int8":
        return OnnxEncoder(
            d / "model.int8.onnx",
            tokenizer,
            name,
            int(config["bert"]["hidden"]),
            max_tokens,
            threads,
            batch_size=batch_size,
        )
    model = BertEncoder(BertConfig(**config["bert"]))
    model.load_state_dict(load_file(str(d / "weights.safetensors")))
    return TorchEncoder(model, tokenizer, name, max_tokens, threads, batch_size)


def load_source(ws: Workspace, version: AssetVersion) -> ModelSource:
    """The torch model and tokenizer of an encoder asset (to fine-tune or re-export)."""
    enc = load_encoder(ws, version, backend="torch")
    assert isinstance(enc, TorchEncoder)
    config = json.loads((ws.version_dir(version.ref) / "config.json").read_text("utf-8"))
    return ModelSource(
        str(config["name"]),
        enc.model,
        enc.tokenizer,
        int(config["max_tokens"]),
        dict(config.get("origin", {})),
    )
