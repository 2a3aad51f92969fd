"""Encoder benchmark: texts/s per backend and the int8 model's agreement with torch."""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.text.base import Encoder
from shopmind.text.onnx_encoder import OnnxEncoder, export_onnx, quantize_int8
from shopmind.text.sources import ModelSource
from shopmind.text.torch_encoder import TorchEncoder

WARMUP = 64


def _timed(encoder: Encoder, texts: Sequence[str]) -> tuple[np.ndarray, float]:
    encoder.encode(texts[:WARMUP])
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    return vectors, time.perf_counter() - started


def bench_encoder(
    source: ModelSource, texts: Sequence[str], threads: int, batch_size: int = 64
) -> dict[str, Any]:
    """Encode ``texts`` with torch and with the int8 ONNX export of ``source``; compare."""
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "model": source.name,
        "texts": len(texts),
        "threads": threads,
        "batch_size": batch_size,
        "max_tokens": source.max_tokens,
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1) if texts else 0.0,
        "backends": {},
    }
    reference = TorchEncoder(
        source.model, source.tokenizer, source.name, source.max_tokens, threads, batch_size
    )
    ref_vectors, seconds = _timed(reference, texts)
    results["backends"]["torch"] = {
        "texts_per_s": round(len(texts) / seconds, 1),
        "seconds": round(seconds, 3),
    }
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        fp32 = export_onnx(source.model, Path(tmp) / "model.onnx")
        int8 = quantize_int8(fp32, Path(tmp) / "model.int8.onnx")
        export_s = time.perf_counter() - started
        encoder = OnnxEncoder(
            int8,
            source.tokenizer,
            source.name,
            source.model.cfg.hidden,
            source.max_tokens,
            threads,
            batch_size=batch_size,
        )
        vectors, seconds = _timed(encoder, texts)
        cos = (vectors * ref_vectors).sum(axis=1)
        results["backends"]["onnx-int8"] = {
            "texts_per_s": round(len(texts) / seconds, 1),
            "seconds": round(seconds, 3),
            "min_cosine": round(float(cos.min()), 5),
            "mean_cosine": round(float(cos.mean()), 5),
            "p01_cosine": round(float(np.percentile(cos, 1)), 5),
            "export_seconds": round(export_s, 2),
            "model_bytes": int8.stat().st_size,
        }
    torch_speed = results["backends"]["torch"]["texts_per_s"]
    results["backends"]["onnx-int8"]["speedup_vs_torch"] = round(
        results["backends"]["onnx-int8"]["texts_per_s"] / torch_speed, 2
    )
    return results
