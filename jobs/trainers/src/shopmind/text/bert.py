"""A BERT encoder with mean pooling, written out in torch: the sentence-embedding model.

One module serves the pretrained all-MiniLM-L6-v2 weights (loaded from the package that carries
them), the tiny randomly initialised model the tests build, and fine-tuning. It is small on
purpose so that its ONNX export is a plain graph. Shapes: B batch, T tokens, C hidden size,
H heads.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from shopmind.errors import ConfigError, InvalidArgument


@dataclass(frozen=True)
class BertConfig:
    """Hyper-parameters of the encoder, passed whole."""

    vocab_size: int = 30522
    hidden: int = 384
    layers: int = 6
    heads: int = 12
    intermediate: int = 1536
    max_positions: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    dropout: float = 0.1

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden", "layers", "heads", "intermediate", "max_positions"):
            if getattr(self, name) < 1:
                raise InvalidArgument(f"BertConfig.{name} must be >= 1", argument=name)
        if self.hidden % self.heads:
            raise InvalidArgument(
                f"BertConfig.hidden ({self.hidden}) must be divisible by heads ({self.heads})",
                argument="heads",
            )

    @classmethod
    def from_hf(cls, path: Path) -> BertConfig:
        """Read a Hugging Face ``config.json`` of a BERT model."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read model config {path}: {exc}") from exc
        return cls(
            vocab_size=raw["vocab_size"],
            hidden=raw["hidden_size"],
            layers=raw["num_hidden_layers"],
            heads=raw["num_attention_heads"],
            intermediate=raw["intermediate_size"],
            max_positions=raw["max_position_embeddings"],
            type_vocab_size=raw.get("type_vocab_size", 2),
            layer_norm_eps=raw.get("layer_norm_eps", 1e-12),
            dropout=raw.get("hidden_dropout_prob", 0.1),
        )

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


class SelfAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.query = nn.Linear(cfg.hidden, cfg.hidden)
        self.key = nn.Linear(cfg.hidden, cfg.hidden)
        self.value = nn.Linear(cfg.hidden, cfg.hidden)
        self.out = nn.Linear(cfg.hidden, cfg.hidden)
        self.norm = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        self.dropout = cfg.dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape  # (B, T, C)
        d = c // self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, d).transpose(1, 2)  # (B, H, T, C/H)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        # bias: (B, 1, 1, T), 0 for real tokens and a large negative number for padding
        scores = q @ k.transpose(-2, -1) / math.sqrt(d) + bias  # (B, H, T, T)
        weights = F.dropout(scores.softmax(dim=-1), self.dropout, self.training)
        y = (weights @ v).transpose(1, 2).reshape(b, t, c)  # (B, T, C)
        y = F.dropout(self.out(y), self.dropout, self.training)
        return self.norm(x + y)


class FeedForward(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.up = nn.Linear(cfg.hidden, cfg.intermediate)
        self.down = nn.Linear(cfg.intermediate, cfg.hidden)
        self.norm = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        self.dropout = cfg.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.dropout(self.down(F.gelu(self.up(x))), self.dropout, self.training)
        return self.norm(x + y)


class Layer(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.attention = SelfAttention(cfg)
        self.ffn = FeedForward(cfg)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return self.ffn(self.attention(x, bias))


class BertEncoder(nn.Module):
    """Token ids (B, T) and attention mask (B, T) -> mean-pooled embeddings (B, C).

    The output is not normalised (the ONNX graph stays the same for training and inference);
    callers L2-normalise.
    """

    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.word = nn.Embedding(cfg.vocab_size, cfg.hidden)
        self.position = nn.Embedding(cfg.max_positions, cfg.hidden)
        self.token_type = nn.Embedding(cfg.type_vocab_size, cfg.hidden)
        self.norm = nn.LayerNorm(cfg.hidden, eps=cfg.layer_norm_eps)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.layers))
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        t = input_ids.shape[1]
        positions = torch.arange(t, device=input_ids.device).unsqueeze(0)  # (1, T)
        x = self.word(input_ids) + self.position(positions) + self.token_type.weight[0]
        x = F.dropout(self.norm(x), self.cfg.dropout, self.training)  # (B, T, C)
        mask = attention_mask.to(x.dtype)  # (B, T)
        bias = (1.0 - mask)[:, None, None, :] * torch.finfo(x.dtype).min  # (B, 1, 1, T)
        for layer in self.layers:
            x = layer(x, bias)
        summed = (x * mask.unsqueeze(-1)).sum(dim=1)  # (B, C)
        return summed / mask.sum(dim=1, keepdim=True).clamp(min=1.0)


# Hugging Face BERT parameter names -> ours (the layer index is kept).
_HF_NAMES = {
    "embeddings.word_embeddings": "word",
    "embeddings.position_embeddings": "position",
    "embeddings.token_type_embeddings": "token_type",
    "embeddings.LayerNorm": "norm",
    "attention.self.query": "attention.query",
    "attention.self.key": "attention.key",
    "attention.self.value": "attention.value",
    "attention.output.dense": "attention.out",
    "attention.output.LayerNorm": "attention.norm",
    "intermediate.dense": "ffn.up",
    "output.dense": "ffn.down",
    "output.LayerNorm": "ffn.norm",
}


def rename_hf_key(key: str) -> str | None:
    """Map one Hugging Face BERT weight name to ours; None for weights we do not use."""
    key = key.removeprefix("bert.")
    if key.startswith("pooler.") or key.endswith("position_ids"):
        return None
    key = key.replace("encoder.layer.", "layers.")
    for hf, ours in _HF_NAMES.items():
        if hf in key:
            return key.replace(hf, ours).replace(".gamma", ".weight").replace(".beta", ".bias")
    raise ConfigError(f"unexpected weight {key!r} in a BERT checkpoint")


def load_hf_bert(model_dir: Path) -> BertEncoder:
    """Build a :class:`BertEncoder` from a Hugging Face folder (config.json + model.safetensors)."""
    from safetensors.torch import load_file

    cfg = BertConfig.from_hf(model_dir / "config.json")
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ConfigError(f"no model.safetensors in {model_dir}")
    state = {}
    for key, tensor in load_file(str(weights)).items():
        name = rename_hf_key(key)
        if name is not None:
            state[name] = tensor
    model = BertEncoder(cfg)
    model.load_state_dict(state, strict=True)
    return model.eval()
