"""Hyper-parameters of the sequential transformer, passed whole and recorded with the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shopmind.text.finetune import check_ranges


@dataclass(frozen=True)
class SasRecParams:
    """One training run of :class:`~shopmind.recommend.sasrec.model.SasRec`.

    The defaults are the ones measured in docs/benchmarks.md (Amazon Beauty).
    ``text_weight`` > 0 fuses the text encoder's item vectors into every item's representation
    (``id embedding + W @ text vector``) so items never seen in training still get a score.
    """

    dim: int = 64  # C: width of item, position and hidden vectors
    layers: int = 2
    heads: int = 2
    max_len: int = 50  # T: most recent events the model reads
    dropout: float = 0.5  # on embeddings and residual branches
    attn_dropout: float = 0.0  # on attention weights: 3x the cost of attention on CPU
    learning_rate: float = 5e-3
    weight_decay: float = 0.1
    batch_size: int = 64
    max_epochs: int = 200
    patience: int = 5  # evaluations without a better validation NDCG@10 before stopping
    eval_every: int = 2  # epochs between validation evaluations
    max_minutes: float = 18.0  # wall-clock cap on training
    # "cosine": the learning rate decays to lr_floor x learning_rate along a cosine over the
    # training budget (whichever of max_minutes and max_epochs is nearer); "constant": it stays
    schedule: str = "cosine"
    lr_floor: float = 0.02
    text_weight: bool = True  # fuse text vectors when the catalog has them
    id_dropout: float = 0.1  # share of items scored by text alone per batch (with text)
    use_events: bool = True  # event-type embeddings (when the data records types)
    use_gaps: bool = True  # time-gap bucket embeddings (when the data records times)
    # From this many items on, the loss is a sampled softmax: the target against `negatives`
    # items drawn uniformly per batch (shared by its rows), where the full softmax would cost
    # (M x N x C) per batch (for 100,000 items, minutes per epoch). Below it: all items.
    sampled_from_items: int = 50_000
    negatives: int = 8192
    threads: int = 0  # torch threads; 0 leaves torch's default
    # Serving: from this many items on, a history's shortlist for the hybrid comes from a scan
    # of a float16 copy of the item table (faiss; half the bytes of the float32 product, which
    # is memory-bound: 1.1 -> 0.5 ms at 100,000 items) and is then scored exactly.
    # scores() always stays the exact float32 product.
    shortlist_fp16_from: int = 20_000
    seed: int = 0

    @classmethod
    def tiny(cls, **overrides: Any) -> SasRecParams:
        """A model small enough to train in seconds on a tiny shop (tests build their own)."""
        small: dict[str, Any] = {
            "dim": 16,
            "layers": 1,
            "heads": 1,
            "max_len": 10,
            "dropout": 0.1,
            "max_epochs": 40,
            "eval_every": 5,
            "patience": 3,
            "learning_rate": 5e-3,
            "weight_decay": 0.0,
            "threads": 1,
        }
        return cls(**{**small, **overrides})

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {
                "dim": self.dim >= 4 and self.dim % max(self.heads, 1) == 0,
                "layers": self.layers >= 1,
                "heads": self.heads >= 1,
                "max_len": self.max_len >= 2,
                "dropout": 0 <= self.dropout < 1,
                "attn_dropout": 0 <= self.attn_dropout < 1,
                "id_dropout": 0 <= self.id_dropout < 1,
                "learning_rate": self.learning_rate > 0,
                "weight_decay": self.weight_decay >= 0,
                "batch_size": self.batch_size >= 1,
                "max_epochs": self.max_epochs >= 1,
                "patience": self.patience >= 1,
                "eval_every": self.eval_every >= 1,
                "max_minutes": self.max_minutes > 0,
                "schedule": self.schedule in ("cosine", "constant"),
                "lr_floor": 0 <= self.lr_floor <= 1,
                "threads": self.threads >= 0,
                "sampled_from_items": self.sampled_from_items >= 1,
                "negatives": self.negatives >= 1,
                "shortlist_fp16_from": self.shortlist_fp16_from >= 1,
            },
        )
