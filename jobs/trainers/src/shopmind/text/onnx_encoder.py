"""The inference encoder: the BERT module exported to ONNX, weights quantised to int8.

Export and quantisation happen once (``shopmind-trainers build`` stores the result as an ``encoder``
asset, with its measured agreement with the torch reference); inference then needs only
onnxruntime.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from tokenizers import Tokenizer

from shopmind.errors import ConfigError
from shopmind.text.base import EncoderInfo, TokenEncoder
from shopmind.text.bert import BertEncoder

OPSET = 17


def export_onnx(model: BertEncoder, path: Path) -> Path:
    """Write ``model`` as float32 ONNX with dynamic batch and sequence axes."""
    model = model.eval()
    ids = torch.ones((2, 8), dtype=torch.int64)
    mask = torch.ones((2, 8), dtype=torch.int64)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            opset_version=OPSET,
            dynamo=False,
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
        )
    return path


def has_vnni(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """True when the CPU multiplies 8-bit integers with VNNI (AVX-512 VNNI or AVX-VNNI), as
    Linux reports it; False when it does not or cannot be told."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = next((ln for ln in text.splitlines() if ln.startswith("flags")), "").split()
    return "avx512_vnni" in flags or "avx_vnni" in flags


def quantize_int8(src: Path, dst: Path, reduce_range: bool) -> Path:
    """Dynamic int8 quantisation of every weight matrix (activations are quantised per batch).

    Export a model passed through :func:`shopmind.text.smooth.smooth_for_int8` first: without
    smoothing, the FFN down-projections (whose inputs come out of GELU with large outliers)
    cost most of the agreement with the torch reference (see docs/benchmarks.md).

    ``reduce_range``: weights in 7 bits. Without VNNI, onnxruntime multiplies the 8-bit
    activations and weights with AVX2 instructions that add pairs of products into saturating
    16-bit sums; full-range weights overflow them (on such a CPU the min cosine to torch fell
    from 0.991 to 0.987 and Home Depot dense recall@100 from 0.689 to 0.682). Callers reduce
    when the exporting CPU has no VNNI (:func:`has_vnni`).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    # onnxruntime logs a generic "consider pre-processing" hint on the root logger every time
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(src),
            str(dst),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            reduce_range=reduce_range,
            extra_options={"MatMulConstBOnly": True},
        )
    finally:
        root.setLevel(level)
    return dst


class OnnxEncoder(TokenEncoder):
    """Encode with an ONNX model in onnxruntime (CPU)."""

    def __init__(
        self,
        model_path: Path,
        tokenizer: Tokenizer,
        model_name: str,
        dim: int,
        max_tokens: int,
        threads: int = 1,
        backend: str = "onnx-int8",
        batch_size: int = 32,
    ) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # After each run onnxruntime's threads spin for a while waiting for more work; at
        # search time that steals the two cores from the numpy scoring that follows (dense
        # search p50 10.2 ms with spinning, 6.9 ms without, docs/benchmarks.md).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(
                str(model_path), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own, unrelated exception types
            raise ConfigError(f"cannot load ONNX model {model_path}: {exc}") from exc
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.info = EncoderInfo(
            model_id=f"{model_name}/{backend}", backend=backend, dim=dim, max_tokens=max_tokens
        )

    def _run(
        self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        (out,) = self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(out, dtype=np.float32)
