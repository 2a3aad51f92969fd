from __future__ import annotations

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.text.finetune import FinetuneParams, _batches, finetune, split_by_query
from shopmind.text.sources import ModelSource

COLORS = ["red", "blue", "black"]
THINGS = ["shoe", "shirt", "kettle", "lamp", "cup", "phone"]
PAIRS = [(f"{c} {t}", f"{c} {t} acme") for c in COLORS for t in THINGS]


def test_params_guard() -> None:
    with pytest.raises(InvalidArgument, match="batch_size"):
        FinetuneParams(batch_size=1)
    with pytest.raises(InvalidArgument, match="temperature"):
        FinetuneParams(temperature=0)


def test_holdout_splits_whole_queries() -> None:
    pairs = [(f"q{i % 10}", f"d{i}") for i in range(50)]
    train, test = split_by_query(pairs, 0.2, seed=1)
    assert len(train) + len(test) == 50
    assert not {q for q, _ in train} & {q for q, _ in test}
    assert len({q for q, _ in test}) == 2


def test_batches_never_repeat_a_query_or_product() -> None:
    pairs = [("q1", "a"), ("q1", "b"), ("q2", "a"), ("q3", "c"), ("q4", "d"), ("q2", "e")]
    batches = _batches(pairs, 3, np.random.default_rng(0))
    for batch in batches:
        assert len({q for q, _ in batch}) == len(batch) == len({d for _, d in batch})
    assert sum(len(b) for b in batches) <= len(pairs)


def test_training_lowers_the_loss(tiny_src: ModelSource) -> None:
    params = FinetuneParams(
        epochs=8, batch_size=6, learning_rate=3e-3, holdout_fraction=0.0, warmup_fraction=0.0
    )
    tuned, report = finetune(tiny_src, PAIRS, params)
    assert report["steps"] == 8 * 3
    assert report["loss_last"] < report["loss_first"]
    # the source model is left untouched (a new encoder version is a copy)
    assert tuned.model is not tiny_src.model
    before = next(tiny_src.model.parameters()).detach()
    after = next(tuned.model.parameters()).detach()
    assert not np.allclose(before.numpy(), after.numpy())


def test_too_few_pairs(tiny_src: ModelSource) -> None:
    with pytest.raises(InvalidArgument, match="at least 2"):
        finetune(tiny_src, PAIRS[:1], FinetuneParams())
