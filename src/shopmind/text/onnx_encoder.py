"""The inference encoder: the BERT module exported to ONNX, weights quantised to int8.

Export and quantisation happen once (``shopmind build`` stores the result as an ``encoder``
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
from shopmind.text.base import Encoder, EncoderInfo
from shopmind.text.bert import BertEncoder
from shopmind.text.tokenize import batch_ids

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


def quantize_int8(src: Path, dst: Path) -> Path:
    """Dynamic int8 quantisation of the weight matrices (activations stay float).

    The FFN down-projections stay float32: their inputs come straight out of GELU with large
    outliers, which one dynamic int8 scale per tensor cannot represent. Quantising them too cost
    the most agreement with the torch reference (min cosine 0.985 -> 0.992 on Home Depot titles
    when they are left out); see docs/benchmarks.md.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src)).graph
    keep_float = [n.name for n in graph.node if n.op_type == "MatMul" and "ffn/down" in n.name]
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
            nodes_to_exclude=keep_float,
            extra_options={"MatMulConstBOnly": True},
        )
    finally:
        root.setLevel(level)
    return dst


class OnnxEncoder(Encoder):
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
        batch_size: int = 64,
    ) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
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

    def _encode_batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
        ids, mask = batch_ids(self.tokenizer, texts)
        (out,) = self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(out, dtype=np.float32)
