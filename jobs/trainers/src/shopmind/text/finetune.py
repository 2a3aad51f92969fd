"""Adapting the encoder to a shop: contrastive training on (query, product) pairs.

Loss: for a batch of B pairs, queries and products are encoded by the same model, L2-normalised,
and the (B, B) matrix of cosines, scaled by ``1 / temperature``, is trained with cross-entropy so
that each query picks its own product among the batch's products (in-batch negatives). A batch
never holds the same product or the same query twice, so no "negative" is really a positive.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer
from torch.nn import functional as F

from shopmind.errors import InvalidArgument
from shopmind.text.sources import ModelSource
from shopmind.text.tokenize import batch_ids
from shopmind.text.torch_encoder import TorchEncoder


@dataclass(frozen=True)
class FinetuneParams:
    """Hyper-parameters of one fine-tuning run, passed whole and recorded in the asset."""

    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_fraction: float = 0.1
    temperature: float = 0.05
    max_tokens: int = 64
    holdout_fraction: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs >= 1,
            "batch_size": self.batch_size >= 2,
            "learning_rate": self.learning_rate > 0,
            "warmup_fraction": 0 <= self.warmup_fraction < 1,
            "temperature": self.temperature > 0,
            "max_tokens": self.max_tokens >= 4,
            "holdout_fraction": 0 <= self.holdout_fraction < 1,
        }
        check_ranges(self, checks)


def check_ranges(params: object, checks: dict[str, bool]) -> None:
    """Raise for the first field of ``params`` whose check (name -> passed) failed."""
    for name, ok in checks.items():
        if not ok:
            raise InvalidArgument(
                f"{type(params).__name__}.{name}={getattr(params, name)!r} is out of range",
                argument=name,
            )


def warmup_linear(total: int, warmup: int) -> Callable[[int], float]:
    """Learning-rate factor per step: linear warm-up over ``warmup`` steps, then linear decay
    to 0 at ``total``."""
    return lambda s: (
        min(1.0, (s + 1) / max(1, warmup))
        if s < warmup
        else max(0.0, (total - s) / max(1, total - warmup))
    )


def unit_embeddings(
    model: torch.nn.Module, tokenizer: Tokenizer, texts: Sequence[str]
) -> torch.Tensor:
    """(len(texts), C) L2-normalised embeddings, with gradients (training mode)."""
    ids, mask = batch_ids(tokenizer, texts)
    return F.normalize(model(torch.from_numpy(ids), torch.from_numpy(mask)), dim=-1)


class Trainer:
    """AdamW with :func:`warmup_linear` over ``total`` steps, gradient clipping at 1, and the
    loss of every step; ``finish`` raises when training diverged."""

    def __init__(
        self, model: torch.nn.Module, learning_rate: float, total: int, warmup_fraction: float
    ) -> None:
        self.model = model
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, warmup_linear(total, int(total * warmup_fraction))
        )
        self.losses: list[float] = []

    def step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.scheduler.step()
        self.losses.append(float(loss.detach()))

    def finish(self) -> None:
        if any(math.isnan(x) for x in self.losses):
            raise InvalidArgument(
                "fine-tuning diverged (loss became NaN); lower learning_rate",
                argument="learning_rate",
            )


def split_by_query(
    pairs: Sequence[tuple[str, str]], fraction: float, seed: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Hold out whole queries (not pairs), so evaluation queries were never trained on."""
    queries = sorted({q for q, _ in pairs})
    rng = np.random.default_rng(seed)
    held = (
        set(rng.choice(queries, size=int(len(queries) * fraction), replace=False).tolist())
        if queries and fraction > 0
        else set()
    )
    train = [p for p in pairs if p[0] not in held]
    test = [p for p in pairs if p[0] in held]
    return train, test


def _batches(
    pairs: list[tuple[str, str]], size: int, rng: np.random.Generator
) -> list[list[tuple[str, str]]]:
    """Shuffled batches in which no query and no product text repeats."""
    order = rng.permutation(len(pairs))
    batches: list[list[tuple[str, str]]] = []
    open_: list[tuple[list[tuple[str, str]], set[str], set[str]]] = []
    for i in order:
        q, d = pairs[int(i)]
        for batch, qs, ds in open_:
            if q not in qs and d not in ds:
                batch.append((q, d))
                qs.add(q)
                ds.add(d)
                if len(batch) == size:
                    batches.append(batch)
                    open_.remove((batch, qs, ds))
                break
        else:
            open_.append(([(q, d)], {q}, {d}))
    batches.extend(b for b, _qs, _ds in open_ if len(b) >= 2)
    return batches


def retrieval_recall(
    encoder: TorchEncoder, pairs: Sequence[tuple[str, str]], k: int = 10
) -> dict[str, float]:
    """Recall@k and MRR of each query's products among all products in ``pairs``."""
    if not pairs:
        return {}
    docs = sorted({d for _q, d in pairs})
    queries = sorted({q for q, _d in pairs})
    relevant: dict[str, set[int]] = {}
    index = {d: i for i, d in enumerate(docs)}
    for q, d in pairs:
        relevant.setdefault(q, set()).add(index[d])
    dv = encoder.encode(docs)
    qv = encoder.encode_queries(queries)
    scores = qv @ dv.T  # (queries, docs)
    top = np.argsort(-scores, axis=1)
    recalls, rr = [], []
    for row, q in enumerate(queries):
        rel = relevant[q]
        recalls.append(len(rel & set(top[row, :k].tolist())) / len(rel))
        ranks = [r for r, j in enumerate(top[row].tolist()) if j in rel]
        rr.append(1.0 / (ranks[0] + 1))
    return {
        f"recall@{k}": round(float(np.mean(recalls)), 4),
        "mrr": round(float(np.mean(rr)), 4),
        "queries": len(queries),
        "products": len(docs),
    }


def finetune(
    source: ModelSource, pairs: Sequence[tuple[str, str]], params: FinetuneParams, threads: int = 1
) -> tuple[ModelSource, dict[str, Any]]:
    """Train a copy of ``source`` on ``pairs``; return it and a report (loss, held-out recall)."""
    if len(pairs) < 2:
        raise InvalidArgument(
            f"fine-tuning needs at least 2 (query, product) pairs, got {len(pairs)}",
            argument="pairs",
        )
    torch.manual_seed(params.seed)
    torch.set_num_threads(threads)
    rng = np.random.default_rng(params.seed)
    train, test = split_by_query(list(pairs), params.holdout_fraction, params.seed)
    import copy

    model = copy.deepcopy(source.model)
    tokenizer = copy.deepcopy(source.tokenizer)
    tokenizer.enable_truncation(max_length=params.max_tokens)

    def evaluate() -> dict[str, float]:
        enc = TorchEncoder(model, source.tokenizer, source.name, source.max_tokens, threads)
        return retrieval_recall(enc, test)

    before = evaluate()
    steps_per_epoch = len(_batches(train, params.batch_size, np.random.default_rng(0)))
    trainer = Trainer(
        model,
        params.learning_rate,
        max(1, steps_per_epoch * params.epochs),
        params.warmup_fraction,
    )
    started = time.perf_counter()
    model.train()
    for _epoch in range(params.epochs):
        for batch in _batches(train, params.batch_size, rng):
            q = unit_embeddings(model, tokenizer, [q for q, _d in batch])
            d = unit_embeddings(model, tokenizer, [d for _q, d in batch])
            logits = q @ d.T / params.temperature  # (B, B): row i's positive is column i
            trainer.step(F.cross_entropy(logits, torch.arange(len(batch))))
    model.eval()
    seconds = time.perf_counter() - started
    losses = trainer.losses
    after = evaluate()
    report = {
        "params": asdict(params),
        "pairs": len(pairs),
        "train_pairs": len(train),
        "holdout_pairs": len(test),
        "steps": len(losses),
        "train_seconds": round(seconds, 2),
        "loss_first": round(losses[0], 4) if losses else None,
        "loss_last": round(float(np.mean(losses[-max(1, len(losses) // 10) :])), 4)
        if losses
        else None,
        "holdout_before": before,
        "holdout_after": after,
        "pairs_per_s": round(len(losses) * params.batch_size / seconds, 1) if seconds else None,
    }
    trainer.finish()
    return ModelSource(
        source.name,
        model,
        source.tokenizer,
        source.max_tokens,
        {**source.origin, "finetuned": True},
    ), report
