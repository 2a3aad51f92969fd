"""Activation smoothing before int8 quantisation (the SmoothQuant idea, applied per layer).

Dynamic int8 quantisation gives each activation tensor one scale. BERT's activations have a few
channels with values far larger than the rest (after GELU above all), so one scale wastes most
of the 8 bits on them. For a linear layer ``y = x W`` we pick, per input channel j,

    s_j = max|x_j| ** alpha / max|W_j| ** (1 - alpha)

and compute ``y = (x / s) (diag(s) W)``: mathematically the same, but the outliers move from the
activations (quantised per tensor) into the weights (quantised per channel, where they are
harmless). ``max|x_j|`` is measured on calibration texts from the shop's own catalog. The
division is one element-wise Mul in the exported graph.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from tokenizers import Tokenizer
from torch import nn

from shopmind.errors import InvalidArgument
from shopmind.text.bert import BertEncoder
from shopmind.text.tokenize import batch_ids


class SmoothedLinear(nn.Module):
    """``linear(x * inv_scale)`` with the scale already folded into ``linear``'s weights."""

    inv_scale: torch.Tensor

    def __init__(self, linear: nn.Linear, scale: torch.Tensor) -> None:
        super().__init__()
        self.linear = linear
        self.register_buffer("inv_scale", (1.0 / scale).to(linear.weight.dtype))
        with torch.no_grad():
            linear.weight.mul_(scale)  # weight is (out, in): scale each input column

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x * self.inv_scale)


def _linears(model: BertEncoder) -> dict[str, nn.Linear]:
    return {name: m for name, m in model.named_modules() if isinstance(m, nn.Linear)}


def smooth_for_int8(
    model: BertEncoder,
    tokenizer: Tokenizer,
    calibration: Sequence[str],
    alpha: float = 0.5,
    batch_size: int = 32,
) -> BertEncoder:
    """A copy of ``model`` whose linear layers take smoothed inputs (same outputs in float).

    ``calibration``: texts like those the model will encode (their activation ranges set s).
    """
    if not 0.0 < alpha < 1.0:
        raise InvalidArgument(f"alpha must be in (0, 1), got {alpha}", argument="alpha")
    if not calibration:
        raise InvalidArgument("calibration texts must not be empty", argument="calibration")
    smoothed = copy.deepcopy(model).eval()
    linears = _linears(smoothed)
    absmax = {name: torch.zeros(m.in_features) for name, m in linears.items()}

    def hook(name: str):  # type: ignore[no-untyped-def]
        def record(_m: nn.Module, inputs: tuple[torch.Tensor, ...], _out: torch.Tensor) -> None:
            x = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1])  # (B*T, in)
            absmax[name] = torch.maximum(absmax[name], x.amax(dim=0))

        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in linears.items()]
    try:
        with torch.inference_mode():
            texts = list(calibration)
            for start in range(0, len(texts), batch_size):
                ids, mask = batch_ids(tokenizer, texts[start : start + batch_size])
                smoothed(torch.from_numpy(ids), torch.from_numpy(mask))
    finally:
        for h in handles:
            h.remove()

    # Query, key and value read the same input: one shared scale keeps their three Mul nodes
    # identical, so onnxruntime merges them and quantises that input once, not three times.
    groups: dict[str, list[str]] = {}
    for name in linears:
        block, _, attr = name.rpartition(".")
        key = f"{block}.qkv" if attr in ("query", "key", "value") else name
        groups.setdefault(key, []).append(name)
    for members in groups.values():
        w_max = torch.stack([linears[n].weight.detach().abs().amax(dim=0) for n in members])
        w_max = w_max.amax(dim=0).clamp(min=1e-5)  # (in,)
        x_max = absmax[members[0]].clamp(min=1e-5)
        scale = (x_max.pow(alpha) / w_max.pow(1.0 - alpha)).clamp(min=1e-5)
        for name in members:
            owner_name, _, attr = name.rpartition(".")
            owner = smoothed.get_submodule(owner_name) if owner_name else smoothed
            setattr(owner, attr, SmoothedLinear(linears[name], scale))
    return smoothed
