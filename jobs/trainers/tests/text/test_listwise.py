from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from shopmind.errors import InvalidArgument
from shopmind.text.listwise import (
    ListwiseParams,
    _batch_targets,
    _draw,
    finetune_listwise,
    gains,
)
from shopmind.text.sources import ModelSource
from shopmind.text.tokenize import batch_ids

COLORS = ["red", "blue", "black"]
THINGS = ["shoe", "shirt", "kettle", "lamp"]
# each query: its exact product (grade 3), the same thing in another colour (2), a stranger (1)
GROUPS = {
    f"{c} {t}": {
        f"{c} {t} acme": 3.0,
        f"{COLORS[(i + 1) % 3]} {t} acme": 2.0,
        f"{c} {THINGS[(j + 1) % 4]} acme": 1.0,
    }
    for i, c in enumerate(COLORS)
    for j, t in enumerate(THINGS)
}


def test_gains_and_targets() -> None:
    assert gains([1.0, 2.0, 3.0], lowest=1.0, scale=1.0) == [0.0, 1.0, 3.0]
    texts, target = _batch_targets(["red shoe", "blue lamp"], GROUPS, 1.0, 1.0)
    assert target.shape == (2, len(texts))
    np.testing.assert_allclose(target.sum(dim=1).numpy(), [1.0, 1.0])
    # the grade-3 product holds 3/4 of the query's target, the grade-2 one 1/4, grade 1 none
    assert float(target[0, texts.index("red shoe acme")]) == pytest.approx(0.75)
    assert float(target[0, texts.index("blue shoe acme")]) == pytest.approx(0.25)
    assert float(target[0, texts.index("red shirt acme")]) == 0.0


def test_params_guard() -> None:
    with pytest.raises(InvalidArgument, match="queries_per_batch"):
        ListwiseParams(queries_per_batch=1)
    with pytest.raises(InvalidArgument, match="gain_scale"):
        ListwiseParams(gain_scale=0)


def _order_accuracy(src: ModelSource) -> float:
    """Share of (grade 3 > grade 2 > grade 1) pairs the model orders right by cosine."""
    right = total = 0
    with torch.no_grad():
        for query, judged in GROUPS.items():
            texts = list(judged)
            ids, mask = batch_ids(src.tokenizer, [query, *texts])
            v = F.normalize(src.model(torch.from_numpy(ids), torch.from_numpy(mask)), dim=-1)
            cos = (v[1:] @ v[0]).numpy()
            for a in range(3):
                for b in range(3):
                    if judged[texts[a]] > judged[texts[b]]:
                        total += 1
                        right += cos[a] > cos[b]
    return right / total


def test_training_learns_the_grades(tiny_src: ModelSource) -> None:
    params = ListwiseParams(
        epochs=15, queries_per_batch=4, learning_rate=3e-3, warmup_fraction=0.0, gain_scale=1.0
    )
    tuned, report = finetune_listwise(tiny_src, GROUPS, params)
    assert report["queries"] == len(GROUPS) and report["steps"] == 15 * 3
    assert report["loss_last"] < report["loss_first"]
    assert tuned.model is not tiny_src.model
    assert _order_accuracy(tuned) > max(0.8, _order_accuracy(tiny_src))


def test_nothing_to_learn(tiny_src: ModelSource) -> None:
    with pytest.raises(InvalidArgument, match="at least 2 queries"):
        finetune_listwise(tiny_src, {"q": {"a": 1.0, "b": 1.0}, "r": {"c": 1.0}}, ListwiseParams())
    with pytest.raises(InvalidArgument, match="judged products"):
        finetune_listwise(tiny_src, {}, ListwiseParams())


def test_hard_negatives_are_columns_with_no_share() -> None:
    rng = np.random.default_rng(0)
    pool = {"red shoe": ["red sock acme", "red shoe acme", "red boot acme"]}
    drawn = _draw(["red shoe", "blue lamp"], GROUPS, pool, 5, rng)
    # never a product the query judged, never more than the pool holds, none for "blue lamp"
    assert sorted(drawn) == ["red boot acme", "red sock acme"]
    texts, target = _batch_targets(["red shoe", "blue lamp"], GROUPS, 1.0, 1.0, drawn)
    assert "red sock acme" in texts and float(target[:, texts.index("red sock acme")].sum()) == 0
    np.testing.assert_allclose(target.sum(dim=1).numpy(), [1.0, 1.0])
    with pytest.raises(InvalidArgument, match="hard_negatives"):
        ListwiseParams(hard_negatives=-1)


def test_training_with_hard_negatives(tiny_src: ModelSource) -> None:
    params = ListwiseParams(
        epochs=2, queries_per_batch=4, learning_rate=3e-3, warmup_fraction=0.0, hard_negatives=2
    )
    # each query's hard negatives: the same thing in a third colour, which it did not judge
    pool = {
        q: [f"{COLORS[(COLORS.index(q.split()[0]) + 2) % 3]} {q.split()[1]} acme"] for q in GROUPS
    }
    _, plain = finetune_listwise(tiny_src, GROUPS, replace(params, hard_negatives=0))
    _, report = finetune_listwise(tiny_src, GROUPS, params, negatives=pool)
    assert report["steps"] == plain["steps"]
    assert report["products_encoded"] > plain["products_encoded"]  # the negatives were encoded
