"""Leave-one-out metrics on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np

from shopmind.evaluate.recsys_metrics import evaluate, leave_one_out_cases, metrics
from shopmind.recommend.data import Catalog, History, Interactions


def test_cases_take_the_last_event_and_skip_short_histories() -> None:
    catalog = Catalog(ids=tuple("abcdef"))
    data = Interactions.from_sequences(catalog, [[0, 1, 2, 3], [4, 5], [1, 1, 2]])
    test = leave_one_out_cases(data)
    assert test.targets.tolist() == [3, 2]  # the 2-event user has nothing to train on
    assert [h.items.tolist() for h in test.histories] == [[0, 1, 2], [1, 1]]
    valid = leave_one_out_cases(data, drop_last=1)
    assert valid.targets.tolist() == [2, 1]
    # counts come from what the model is fitted on: item 3 never, item 2 once
    assert test.cold.tolist() == [True, True]


def test_metrics_by_hand() -> None:
    rank = np.array([0, 4, 15, -1])
    tops = np.array([[0] * 10, [1] * 10, [2] * 10, [3] * 10])
    m = metrics(rank, tops, np.array([True, False, False, False]), n_items=8)
    assert m["hr@10"] == 0.5
    assert math.isclose(m["ndcg@10"], (1 + 1 / math.log2(6)) / 4)
    assert m["hr@20"] == 0.75
    assert math.isclose(m["ndcg@20"], (1 + 1 / math.log2(6) + 1 / math.log2(17)) / 4)
    assert m["coverage@10"] == 0.5
    assert m["cold_ndcg@10"] == 1.0


def test_earlier_items_are_excluded_even_when_they_are_the_target() -> None:
    catalog = Catalog(ids=tuple("abcd"))
    data = Interactions.from_sequences(catalog, [[0, 1, 0]])

    def score(histories: list[History]) -> np.ndarray:
        return np.tile(np.array([9.0, 8.0, 1.0, 0.0], np.float32), (len(histories), 1))

    m = evaluate(score, leave_one_out_cases(data), 4)
    assert m["hr@10"] == 0.0  # the target "a" was seen before: a miss, as in S3-Rec's code
