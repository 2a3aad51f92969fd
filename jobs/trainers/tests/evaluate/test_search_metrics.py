"""Search metrics against expectations worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.evaluate import (
    evaluate_search,
    evaluate_search_per_query,
    latency_summary,
    ndcg_at_k_open,
    ndcg_at_k_rerank,
    pair_accuracy,
    ranked_from_hits,
    recall_at_k,
    relevant_ids,
    rerank_order,
    timed,
)
from shopmind.search.base import Hits

LOG2_3 = math.log2(3)
GRADED = {"a": 3.0, "b": 2.0, "c": 1.0}  # gains 2, 1, 0


# recall ----------------------------------------------------------------------------------------


def test_relevant_ids_counts_only_from_2_67() -> None:
    judged = {"a": 3.0, "b": 2.67, "c": 2.66, "d": 2.33, "e": 2.75}
    assert relevant_ids(judged) == {"a", "b", "e"}


def test_recall_counts_relevant_found_in_top_k() -> None:
    judged = {"a": 3.0, "b": 2.67, "c": 2.33, "e": 3.0}
    relevant = relevant_ids(judged)  # a, b, e; c at 2.33 does not count
    assert recall_at_k(["c", "a", "x", "b"], relevant) == pytest.approx(2 / 3)
    assert recall_at_k(["c", "a", "x", "b"], relevant, k=2) == pytest.approx(1 / 3)
    assert recall_at_k(["c", "x"], relevant) == 0.0
    assert recall_at_k(["e", "b", "a"], relevant) == 1.0


def test_recall_counts_a_repeated_id_once_and_skips_queries_without_relevant() -> None:
    assert recall_at_k(["a", "a"], {"a", "b"}) == 0.5
    assert recall_at_k(["a"], set()) is None


def test_k_must_be_positive() -> None:
    with pytest.raises(InvalidArgument):
        recall_at_k(["a"], {"a"}, k=0)
    with pytest.raises(InvalidArgument):
        ndcg_at_k_open(["a"], GRADED, k=0)


# open nDCG -------------------------------------------------------------------------------------


def test_open_ndcg_of_perfect_ranking_is_one() -> None:
    assert ndcg_at_k_open(["a", "b", "c"], GRADED) == pytest.approx(1.0)


def test_open_ndcg_gives_unjudged_products_gain_zero() -> None:
    # x is unjudged: gains 0, 2, 1 against the ideal 2, 1.
    expected = (2 / LOG2_3 + 1 / 2) / (2 + 1 / LOG2_3)
    assert ndcg_at_k_open(["x", "a", "b"], GRADED) == pytest.approx(expected)
    assert expected == pytest.approx(0.66968, abs=1e-5)


def test_open_ndcg_cuts_at_k_and_counts_a_repeat_once() -> None:
    assert ndcg_at_k_open(["x", "y", "a"], GRADED, k=2) == 0.0
    # a twice: gains 2, 0 (not 2, 2), ideal 2 + 2/log2(3).
    judged = {"a": 3.0, "b": 3.0}
    assert ndcg_at_k_open(["a", "a"], judged) == pytest.approx(2 / (2 + 2 / LOG2_3))


def test_open_ndcg_skips_queries_without_gain() -> None:
    assert ndcg_at_k_open(["a"], {"a": 1.0, "b": 1.0}) is None


# pair accuracy ---------------------------------------------------------------------------------


def test_pair_accuracy_perfect_reversed_and_tied() -> None:
    assert pair_accuracy({"a": 3.0, "b": 2.0, "c": 1.0}, GRADED) == 1.0
    assert pair_accuracy({"a": 1.0, "b": 2.0, "c": 3.0}, GRADED) == 0.0
    assert pair_accuracy({"a": 0.5, "b": 0.5, "c": 0.5}, GRADED) == 0.5


def test_pair_accuracy_gives_missing_products_the_lowest_score() -> None:
    # a above b and c (both -inf): 1 + 1; b and c tie: 0.5. Three pairs.
    assert pair_accuracy({"a": -5.0}, GRADED) == pytest.approx(2.5 / 3)
    assert pair_accuracy({"b": float("nan"), "c": 0.0}, GRADED) == pytest.approx(0.5 / 3)


def test_pair_accuracy_uses_only_pairs_differing_by_0_3() -> None:
    # 2.33 vs 2.0 counts; 2.3 vs 2.0 counts despite float noise; 2.25 vs 2.0 does not.
    assert pair_accuracy({"a": 1.0, "b": 0.0}, {"a": 2.33, "b": 2.0}) == 1.0
    assert pair_accuracy({"a": 1.0, "b": 0.0}, {"a": 2.3, "b": 2.0}) == 1.0
    assert pair_accuracy({"a": 1.0, "b": 0.0}, {"a": 2.25, "b": 2.0}) is None
    assert pair_accuracy({"a": 1.0}, {"a": 3.0}) is None
    # (a, c) right, (b, c) wrong, (a, b) too close to count.
    judged = {"a": 3.0, "b": 2.75, "c": 2.0}
    assert pair_accuracy({"a": 2.0, "b": 0.0, "c": 1.0}, judged) == 0.5


# re-rank nDCG ----------------------------------------------------------------------------------


def test_rerank_ndcg_of_a_shuffled_order() -> None:
    judged = {"a": 3.0, "b": 2.33, "c": 1.67, "d": 1.0}  # gains 2, 1.33, 0.67, 0
    scores = {"c": 4.0, "a": 3.0, "d": 2.0, "b": 1.0}  # order c, a, d, b
    dcg = 0.67 + 2 / LOG2_3 + 0 / 2 + 1.33 / math.log2(5)
    ideal = 2 + 1.33 / LOG2_3 + 0.67 / 2 + 0
    assert ndcg_at_k_rerank(scores, judged) == pytest.approx(dcg / ideal)
    assert dcg / ideal == pytest.approx(0.78908, abs=1e-5)
    # Only c in the top 1: 0.67 / 2.
    assert ndcg_at_k_rerank(scores, judged, k=1) == pytest.approx(0.67 / 2)


def test_rerank_ndcg_perfect_and_ties_by_id() -> None:
    assert ndcg_at_k_rerank({"a": 3.0, "b": 2.0, "c": 1.0}, GRADED) == pytest.approx(1.0)
    # A tie goes to the smaller id: a (gain 0) before b (gain 2).
    judged = {"b": 3.0, "a": 1.0}
    assert rerank_order({"a": 1.0, "b": 1.0}, judged) == ["a", "b"]
    assert ndcg_at_k_rerank({"a": 1.0, "b": 1.0}, judged) == pytest.approx(1 / LOG2_3)
    # A product without a score goes last, whatever its id.
    assert rerank_order({"b": -1.0}, judged) == ["b", "a"]
    assert ndcg_at_k_rerank({"a": 1.0}, {"a": 1.0, "b": 1.0}) is None


# evaluate_search -------------------------------------------------------------------------------

JUDGED = {
    "q1": {"a": 3.0, "b": 2.0, "c": 1.0},
    "q2": {"d": 1.0, "e": 1.0},  # nothing relevant and no pair: skipped by every metric
    "q3": {"f": 3.0, "g": 1.0},  # the system returns nothing for it
}
RESULTS = {
    "q1": [("a", 0.9), ("x", 0.8), ("b", 0.1)],
    "q2": [("d", 1.0)],
    "unjudged query": [("a", 1.0)],
}


def test_evaluate_search_means_over_defined_queries() -> None:
    out = evaluate_search(RESULTS, JUDGED, rerank_scores={"q3": {"f": 0.1, "g": 0.5}})
    # q1: recall 1, open nDCG (2 + 0 + 1/2) / (2 + 1/log2 3), pairs 1 (c unscored), nDCG 1.
    # q3: recall 0, open nDCG 0, pairs 0 and nDCG (2/log2 3) / 2 from the full scores.
    q1_open = 2.5 / (2 + 1 / LOG2_3)
    assert set(out) == {
        "recall@100",
        "ndcg@10_open",
        "pair_acc",
        "ndcg@10",
        "queries_recall@100",
        "queries_ndcg@10_open",
        "queries_pair_acc",
        "queries_ndcg@10",
        "queries",
    }
    assert out["recall@100"] == pytest.approx(0.5)
    assert out["ndcg@10_open"] == pytest.approx(q1_open / 2)
    assert out["pair_acc"] == pytest.approx(0.5)
    assert out["ndcg@10"] == pytest.approx((1 + 1 / LOG2_3) / 2)
    assert all(out[f"queries_{k}"] == 2 for k in ("recall@100", "ndcg@10_open", "pair_acc"))
    assert out["queries_ndcg@10"] == 2
    assert out["queries"] == 3


def test_evaluate_search_prefers_full_scores_then_listed_then_lowest() -> None:
    # b: 0.95 from the full scores beats a's listed 0.9; c has neither and ranks last.
    per_query = evaluate_search_per_query(RESULTS, JUDGED, rerank_scores={"q1": {"b": 0.95}})
    assert per_query["q1"]["pair_acc"] == pytest.approx(2 / 3)
    assert per_query["q1"]["ndcg@10"] == pytest.approx((1 + 2 / LOG2_3) / (2 + 1 / LOG2_3))
    assert per_query["q2"] == {}
    # Without any score for q3, f and g tie (0.5) and go by id, f first.
    assert per_query["q3"]["pair_acc"] == 0.5
    assert per_query["q3"]["ndcg@10"] == 1.0
    assert "unjudged query" not in per_query


def test_evaluate_search_names_keys_after_k_and_reports_nan_when_empty() -> None:
    out = evaluate_search({}, {"q": {"a": 1.0}}, k_recall=5, k_ndcg=3)
    assert {"recall@5", "ndcg@3_open", "pair_acc", "ndcg@3"} <= set(out)
    assert math.isnan(out["recall@5"])
    assert out["queries_recall@5"] == 0
    assert out["queries"] == 1


def test_ranked_from_hits_maps_rows_to_ids() -> None:
    hits = Hits(np.array([2, 0], np.int64), np.array([0.5, 0.25], np.float32))
    assert ranked_from_hits(hits, ["a", "b", "c"]) == [("c", 0.5), ("a", 0.25)]


# latency ---------------------------------------------------------------------------------------


def test_latency_summary() -> None:
    out = latency_summary([4.0, 1.0, 3.0, 2.0])
    # Linear interpolation: p99 sits at 0.99 * 3 = 2.97 between the 3rd and 4th value.
    assert out == pytest.approx({"p50_ms": 2.5, "p99_ms": 3.97, "mean_ms": 2.5})
    with pytest.raises(InvalidArgument):
        latency_summary([])
    with pytest.raises(InvalidArgument):
        latency_summary([1.0, -1.0])


def test_timed_returns_outputs_and_one_time_per_call() -> None:
    outputs, ms = timed(len, ["a", "bb"])
    assert outputs == [1, 2]
    assert len(ms) == 2
    assert all(t >= 0 for t in ms)
