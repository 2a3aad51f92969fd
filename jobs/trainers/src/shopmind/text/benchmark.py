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

from shopmind.text.asset import SMOOTH_ALPHA
from shopmind.text.base import Encoder
from shopmind.text.onnx_encoder import OnnxEncoder, export_onnx, has_vnni, quantize_int8
from shopmind.text.smooth import smooth_for_int8
from shopmind.text.sources import ModelSource
from shopmind.text.torch_encoder import TorchEncoder

WARMUP = 64


def _timed(encoder: Encoder, texts: Sequence[str], repeats: int) -> tuple[np.ndarray, list[float]]:
    """Vectors of ``texts`` and the seconds of each of ``repeats`` full passes (after warm-up).

    Several passes because this kind of machine (shared virtual cores) varies by +-20% from run
    to run; the median is reported.
    """
    encoder.encode(texts[:WARMUP])
    seconds = []
    vectors = np.zeros((0, 0), dtype=np.float32)
    for _ in range(repeats):
        started = time.perf_counter()
        vectors = encoder.encode(texts)
        seconds.append(time.perf_counter() - started)
    return vectors, seconds


def _speed(n: int, seconds: list[float]) -> dict[str, Any]:
    return {
        "texts_per_s": round(n / float(np.median(seconds)), 1),
        "texts_per_s_runs": [round(n / s, 1) for s in seconds],
        "seconds_median": round(float(np.median(seconds)), 3),
    }


def bench_encoder(
    source: ModelSource,
    texts: Sequence[str],
    calibration: Sequence[str],
    threads: int,
    batch_size: int = 32,
    repeats: int = 3,
    smooth_alpha: float = SMOOTH_ALPHA,
    reduce_range: bool | None = None,
) -> dict[str, Any]:
    """Encode ``texts`` with torch and with the int8 ONNX export of ``source``; compare.

    ``calibration``: other texts of the same kind, used to smooth activations before int8
    (kept apart from ``texts`` so the agreement is measured out of sample). ``reduce_range``:
    7-bit int8 weights; None decides as the encoder asset does (:func:`quantize_int8`).
    """
    if reduce_range is None:
        reduce_range = not has_vnni()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "model": source.name,
        "texts": len(texts),
        "calibration_texts": len(calibration),
        "smooth_alpha": smooth_alpha,
        "threads": threads,
        "batch_size": batch_size,
        "repeats": repeats,
        "max_tokens": source.max_tokens,
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1) if texts else 0.0,
        "backends": {},
    }
    reference = TorchEncoder(
        source.model, source.tokenizer, source.name, source.max_tokens, threads, batch_size
    )
    ref_vectors, seconds = _timed(reference, texts, repeats)
    results["backends"]["torch"] = {
        **_speed(len(texts), seconds),
    }
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        model = (
            smooth_for_int8(source.model, source.tokenizer, calibration, smooth_alpha)
            if smooth_alpha > 0
            else source.model
        )  # 0: plain int8, for comparison
        fp32 = export_onnx(model, Path(tmp) / "model.onnx")
        int8 = quantize_int8(fp32, Path(tmp) / "model.int8.onnx", reduce_range)
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
        vectors, seconds = _timed(encoder, texts, repeats)
        cos = (vectors * ref_vectors).sum(axis=1)
        results["backends"]["onnx-int8"] = {
            **_speed(len(texts), seconds),
            "min_cosine": round(float(cos.min()), 5),
            "mean_cosine": round(float(cos.mean()), 5),
            "p01_cosine": round(float(np.percentile(cos, 1)), 5),
            "export_seconds": round(export_s, 2),
            "reduce_range": reduce_range,
            "model_bytes": int8.stat().st_size,
        }
    torch_speed = results["backends"]["torch"]["texts_per_s"]
    results["backends"]["onnx-int8"]["speedup_vs_torch"] = round(
        results["backends"]["onnx-int8"]["texts_per_s"] / torch_speed, 2
    )
    return results
