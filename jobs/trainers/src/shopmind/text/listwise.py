"""Fine-tuning on graded judgements: a listwise loss with in-batch negatives.

Plain contrastive fine-tuning (:mod:`shopmind.text.finetune`) learns "this product answers this
query" but is blind to *how well*: every judged product a shop's engine showed for a query is
lexically close to it, and the order among them is what a ranker is judged on. Here a batch is
Q queries with all their judged products. The (Q, P) matrix of cosines over the batch's P
distinct product texts, scaled by ``1 / temperature``, is trained with cross-entropy against a
target distribution per query: each of its judged products gets a share proportional to the
NDCG gain ``2 ** (scale * (relevance - lowest)) - 1``, everything else (its unjudged batch-mates,
other queries' products) gets none. So the model learns to retrieve the query's products against
in-batch negatives and, at the same time, to order them by grade (ListNet, Cao et al. 2007).

With ``hard_negatives`` > 0 each query also brings that many products drawn from a pool the
caller gives, typically the search's best results the query did not judge, as more columns
with no share: products that look like answers, which in-batch negatives rarely are.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from shopmind.errors import InvalidArgument
from shopmind.text.finetune import Trainer, check_ranges, unit_embeddings
from shopmind.text.sources import ModelSource

# {query: {product text: relevance}}
GradedGroups = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class ListwiseParams:
    """Hyper-parameters of one listwise run, passed whole and recorded with the result."""

    epochs: int = 1
    queries_per_batch: int = 16
    learning_rate: float = 3e-5
    warmup_fraction: float = 0.1
    temperature: float = 0.05
    gain_scale: float = 2.0
    max_tokens: int = 48
    hard_negatives: int = 0  # per query and batch, from the caller's pool; 0: in-batch only
    seed: int = 0

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs >= 1,
            "queries_per_batch": self.queries_per_batch >= 2,
            "learning_rate": self.learning_rate > 0,
            "warmup_fraction": 0 <= self.warmup_fraction < 1,
            "temperature": self.temperature > 0,
            "gain_scale": self.gain_scale > 0,
            "max_tokens": self.max_tokens >= 4,
            "hard_negatives": self.hard_negatives >= 0,
        }
        check_ranges(self, checks)


def gains(relevance: Sequence[float], lowest: float, scale: float) -> list[float]:
    """NDCG-style gains: 0 at ``lowest`` (irrelevant), growing exponentially with the grade."""
    return [2.0 ** (scale * max(0.0, r - lowest)) - 1.0 for r in relevance]


def _batch_targets(
    queries: Sequence[str],
    groups: GradedGroups,
    lowest: float,
    scale: float,
    extra: Sequence[str] = (),
) -> tuple[list[str], torch.Tensor]:
    """The batch's distinct product texts (``extra`` ones included, with no share) and the
    (Q, P) target distribution over them."""
    texts = sorted({t for q in queries for t in groups[q]} | set(extra))
    column = {t: j for j, t in enumerate(texts)}
    target = torch.zeros(len(queries), len(texts))
    for i, q in enumerate(queries):
        judged = list(groups[q].items())
        g = gains([r for _t, r in judged], lowest, scale)
        total = sum(g)
        for (text, _r), gi in zip(judged, g, strict=True):
            target[i, column[text]] = gi / total
    return texts, target


def _draw(
    batch: Sequence[str],
    groups: GradedGroups,
    negatives: Mapping[str, Sequence[str]],
    k: int,
    rng: np.random.Generator,
) -> list[str]:
    """Up to ``k`` texts per query from its pool, never one the query judged."""
    out: list[str] = []
    for q in batch:
        pool = [t for t in negatives.get(q, ()) if t not in groups[q]]
        if pool:
            picked = rng.choice(len(pool), min(k, len(pool)), replace=False)
            out.extend(pool[int(i)] for i in picked)
    return out


def finetune_listwise(
    source: ModelSource,
    groups: GradedGroups,
    params: ListwiseParams,
    threads: int = 1,
    negatives: Mapping[str, Sequence[str]] | None = None,
) -> tuple[ModelSource, dict[str, Any]]:
    """Train a copy of ``source`` on graded ``groups``; return it and a training report.

    ``negatives``: per query, product texts to draw ``params.hard_negatives`` from each time
    the query is in a batch. Queries whose judged products all sit at the lowest grade teach no
    order and are skipped."""
    all_rel = [r for judged in groups.values() for r in judged.values()]
    if not all_rel:
        raise InvalidArgument("listwise fine-tuning needs judged products", argument="groups")
    lowest = min(all_rel)
    usable = sorted(
        q for q, judged in groups.items() if q.strip() and any(r > lowest for r in judged.values())
    )
    if len(usable) < 2:
        raise InvalidArgument(
            f"listwise fine-tuning needs at least 2 queries with a relevant product, "
            f"got {len(usable)}",
            argument="groups",
        )
    torch.manual_seed(params.seed)
    torch.set_num_threads(threads)
    rng = np.random.default_rng(params.seed)
    model = copy.deepcopy(source.model)
    tokenizer = copy.deepcopy(source.tokenizer)
    tokenizer.enable_truncation(max_length=params.max_tokens)
    per_epoch = math.ceil(len(usable) / params.queries_per_batch)
    trainer = Trainer(
        model, params.learning_rate, per_epoch * params.epochs, params.warmup_fraction
    )
    products_seen = 0
    started = time.perf_counter()
    model.train()
    for _epoch in range(params.epochs):
        order = rng.permutation(len(usable))
        for start in range(0, len(order), params.queries_per_batch):
            batch = [usable[int(i)] for i in order[start : start + params.queries_per_batch]]
            if len(batch) < 2:
                continue
            extra = (
                _draw(batch, groups, negatives, params.hard_negatives, rng)
                if negatives and params.hard_negatives
                else []
            )
            texts, target = _batch_targets(batch, groups, lowest, params.gain_scale, extra)
            q = unit_embeddings(model, tokenizer, batch)
            d = unit_embeddings(model, tokenizer, texts)
            logits = q @ d.T / params.temperature  # (Q, P)
            trainer.step(-(target * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean())
            products_seen += len(texts)
    model.eval()
    seconds = time.perf_counter() - started
    trainer.finish()
    losses = trainer.losses
    tail = max(1, len(losses) // 10)
    report = {
        "params": asdict(params),
        "queries": len(usable),
        "steps": len(losses),
        "products_encoded": products_seen,
        "train_seconds": round(seconds, 2),
        "loss_first": round(losses[0], 4) if losses else None,
        "loss_last": round(float(np.mean(losses[-tail:])), 4) if losses else None,
    }
    tuned = ModelSource(
        source.name,
        model,
        source.tokenizer,
        source.max_tokens,
        {**source.origin, "finetuned": "listwise"},
    )
    return tuned, report
