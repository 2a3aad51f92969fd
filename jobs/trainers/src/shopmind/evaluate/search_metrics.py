"""Offline search metrics over graded judgements (Home Depot style: relevance 1..3).

Two ways to score a search system, and the metrics of each:

Open retrieval over the whole catalog, from the system's ranked result list:
- ``recall@k``: share of the query's relevant products (relevance >= 2.67) in the top ``k``.
- ``ndcg@k_open``: nDCG of the top ``k`` with gain ``relevance - 1`` and gain 0 for unjudged
  products, so it is a lower bound (an unjudged product may well be relevant); the ideal DCG is
  built from the query's judged products only.

Re-ranking of the query's judged products, from the system's score of each judged product:
- ``pair_acc``: share of judged pairs whose relevance differs by >= 0.3 that the scores order
  correctly (ties count half, so a constant or random scorer gets 0.5).
- ``ndcg@k``: nDCG of the judged products sorted by score, gain ``relevance - 1``.

Per-query functions return ``None`` where the metric is undefined for the query (no relevant
product, ideal DCG 0, no comparable pair); aggregates skip those queries and report how many
queries each metric averaged over. Aggregates are plain means over queries (macro averages).

Gains are ``max(relevance - 1, 0)``: the clip never changes Home Depot data (relevance >= 1) and
keeps nDCG within [0, 1] for judgements on another scale. Scores that are missing or NaN count as
``-inf``, the lowest possible score. Item ids are any hashable values (the project uses strings).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from shopmind.errors import InvalidArgument

if TYPE_CHECKING:  # only for the annotation: evaluate must not need search at run time
    from shopmind.search.base import Hits

ItemId = TypeVar("ItemId", bound=Hashable)
"""An item id: any hashable value, the same type across one call (the project uses ``str``)."""

Ranked = Sequence[tuple[ItemId, float]]
"""One query's results, best first: ``(item_id, score)`` pairs."""

RELEVANT_AT = 2.67
"""Relevance from which a judged product counts as relevant for recall (2 of 3 raters said 3)."""

MIN_PAIR_DIFF = 0.3
"""Smallest relevance difference for a judged pair to count in ``pair_acc``.

Home Depot relevances are means of 3 ratings, so neighbouring grades differ by 0.33 or 0.34;
0.3 keeps those and drops the 0.25 steps of 4-rater means, which are closer to noise.
"""

# Relevances are parsed from decimal text (2.67, 2.33 ...), so comparisons against thresholds
# allow for float noise: 2.3 - 2.0 == 0.2999999999999998 must still count as a 0.3 difference.
_EPS = 1e-9

_T = TypeVar("_T")
_R = TypeVar("_R")


def _check_k(k: int) -> None:
    if k < 1:
        raise InvalidArgument(f"k must be at least 1, got {k}", k=k)


def _gain(relevance: float) -> float:
    """Gain of a judged product: ``relevance - 1`` (irrelevant = 0), never below 0."""
    return max(float(relevance) - 1.0, 0.0)


def _discount(rank: int) -> float:
    """Standard log2 discount for a 1-based ``rank``: rank 1 -> 1/log2(2) = 1."""
    return 1.0 / math.log2(rank + 1)


def _dcg(gains: Iterable[float]) -> float:
    return sum(g * _discount(rank) for rank, g in enumerate(gains, start=1))


def _ideal_dcg(judgements: Mapping[ItemId, float], k: int) -> float:
    return _dcg(sorted((_gain(r) for r in judgements.values()), reverse=True)[:k])


def _score(value: float | None) -> float:
    """A usable score: missing or NaN become ``-inf`` so they rank last and tie each other."""
    if value is None:
        return -math.inf
    value = float(value)
    return -math.inf if math.isnan(value) else value


def relevant_ids(judgements: Mapping[ItemId, float], threshold: float = RELEVANT_AT) -> set[ItemId]:
    """The judged products with ``relevance >= threshold`` (default 2.67)."""
    return {item for item, rel in judgements.items() if float(rel) >= threshold - _EPS}


def recall_at_k(
    ranked_ids: Sequence[Hashable], relevant_ids: Collection[Hashable], k: int = 100
) -> float | None:
    """Recall@k: ``|top k of ranked_ids ∩ relevant| / |relevant|``.

    ``relevant_ids`` are the query's products judged >= 2.67 (see :func:`relevant_ids`).
    Returns ``None`` when the query has no relevant product: recall is undefined there, and the
    aggregate skips such queries rather than counting them as 0 or 1.
    """
    _check_k(k)
    relevant: set[Hashable] = set(relevant_ids)
    if not relevant:
        return None
    # A set, so an id the system returns twice is found once.
    found = relevant.intersection(ranked_ids[:k])
    return len(found) / len(relevant)


def ndcg_at_k_open(
    ranked_ids: Sequence[ItemId], judgements: Mapping[ItemId, float], k: int = 10
) -> float | None:
    """nDCG@k of an open retrieval result over the whole catalog.

    ``DCG = sum_{rank=1..k} gain(rank) / log2(rank + 1)`` with ``gain = relevance - 1`` for judged
    products and 0 for unjudged ones, which makes the value a lower bound. The ideal DCG sorts
    the query's judged gains in descending order and keeps the best ``k``. An id repeated in the
    results gains only at its first (best) position, so duplicates cannot push nDCG above 1.
    Returns ``None`` when the ideal DCG is 0 (no judged product with gain above 0).
    """
    _check_k(k)
    ideal = _ideal_dcg(judgements, k)
    if ideal <= 0.0:
        return None
    seen: set[ItemId] = set()
    gains: list[float] = []
    for item in ranked_ids[:k]:
        gains.append(_gain(judgements[item]) if item in judgements and item not in seen else 0.0)
        seen.add(item)
    return _dcg(gains) / ideal


def pair_accuracy(
    scores: Mapping[ItemId, float],
    judgements: Mapping[ItemId, float],
    min_diff: float = MIN_PAIR_DIFF,
) -> float | None:
    """Share of judged pairs, relevance differing by >= ``min_diff``, that ``scores`` order right.

    A pair ``(a, b)`` with ``rel(a) - rel(b) >= min_diff`` counts 1 when ``score(a) > score(b)``,
    0.5 when the scores tie and 0 otherwise, so a random or constant scorer gets 0.5. A judged
    product absent from ``scores`` (or scored NaN) gets the lowest score, ``-inf``; two such
    products tie. Returns ``None`` when the query has no pair that differs enough.
    """
    items = list(judgements)
    if len(items) < 2:
        return None
    rel = np.array([float(judgements[i]) for i in items], dtype=np.float64)
    sc = np.array([_score(scores.get(i)) for i in items], dtype=np.float64)
    # Every ordered pair (a, b) with a judged clearly above b, counted once.
    above = (rel[:, None] - rel[None, :]) >= min_diff - _EPS
    pairs = int(above.sum())
    if pairs == 0:
        return None
    # Compare rather than subtract: -inf - -inf is NaN, while two unscored products must tie.
    right = (sc[:, None] > sc[None, :]) & above
    ties = (sc[:, None] == sc[None, :]) & above
    return (float(right.sum()) + 0.5 * float(ties.sum())) / pairs


def rerank_order(scores: Mapping[ItemId, float], items: Iterable[ItemId]) -> list[ItemId]:
    """``items`` sorted by score, best first; ties by ascending ``str(item_id)``.

    Missing and NaN scores are ``-inf``. The string tie rule is stable across runs and Python
    versions and works for any id type (integer ids therefore tie-break as text: "10" < "9").
    """
    return sorted(items, key=lambda item: (-_score(scores.get(item)), str(item)))


def ndcg_at_k_rerank(
    scores: Mapping[ItemId, float], judgements: Mapping[ItemId, float], k: int = 10
) -> float | None:
    """nDCG@k of the query's judged products re-ranked by ``scores``.

    Only judged products take part: they are ordered by :func:`rerank_order` (score descending,
    missing score = ``-inf``, ties by ascending id text) and scored with ``gain = relevance - 1``
    and the log2 discount; the ideal DCG is the same products in the best order. Returns
    ``None`` when the ideal DCG is 0 (all judged products irrelevant).
    """
    _check_k(k)
    ideal = _ideal_dcg(judgements, k)
    if ideal <= 0.0:
        return None
    order = rerank_order(scores, judgements)[:k]
    return _dcg(_gain(judgements[item]) for item in order) / ideal


def metric_names(k_recall: int = 100, k_ndcg: int = 10) -> tuple[str, str, str, str]:
    """Keys of :func:`evaluate_search`, in order: recall, open nDCG, pairs, re-rank nDCG."""
    return f"recall@{k_recall}", f"ndcg@{k_ndcg}_open", "pair_acc", f"ndcg@{k_ndcg}"


def _result_scores(ranked: Ranked[ItemId]) -> dict[ItemId, float]:
    # The list is best first, so an id listed twice keeps its first, higher, score.
    out: dict[ItemId, float] = {}
    for item, score in ranked:
        out.setdefault(item, _score(score))
    return out


def evaluate_search_per_query(
    results: Mapping[str, Ranked[ItemId]],
    judgements: Mapping[str, Mapping[ItemId, float]],
    k_recall: int = 100,
    k_ndcg: int = 10,
    rerank_scores: Mapping[str, Mapping[ItemId, float]] | None = None,
    relevant_at: float = RELEVANT_AT,
    min_diff: float = MIN_PAIR_DIFF,
) -> dict[str, dict[str, float]]:
    """Each judged query's metrics; a metric undefined for a query is left out of its dict.

    Arguments as :func:`evaluate_search`. Useful for paired comparisons of two systems.
    """
    _check_k(k_recall)
    _check_k(k_ndcg)
    recall_key, open_key, pair_key, rerank_key = metric_names(k_recall, k_ndcg)
    out: dict[str, dict[str, float]] = {}
    for query, judged in judgements.items():
        # A judged query the system has no results for is a miss, not a skip.
        ranked = results.get(query, ())
        ids = [item for item, _ in ranked]
        # Full scores first; the result list covers at most the judged products it returned.
        full = rerank_scores.get(query, {}) if rerank_scores is not None else {}
        listed = _result_scores(ranked)
        scores = {item: _score(full.get(item, listed.get(item))) for item in judged}
        relevant = relevant_ids(judged, relevant_at)
        values = {
            recall_key: recall_at_k(ids, relevant, k_recall),
            open_key: ndcg_at_k_open(ids, judged, k_ndcg),
            pair_key: pair_accuracy(scores, judged, min_diff),
            rerank_key: ndcg_at_k_rerank(scores, judged, k_ndcg),
        }
        out[query] = {name: value for name, value in values.items() if value is not None}
    return out


def evaluate_search(
    results: Mapping[str, Ranked[ItemId]],
    judgements: Mapping[str, Mapping[ItemId, float]],
    k_recall: int = 100,
    k_ndcg: int = 10,
    rerank_scores: Mapping[str, Mapping[ItemId, float]] | None = None,
    relevant_at: float = RELEVANT_AT,
    min_diff: float = MIN_PAIR_DIFF,
) -> dict[str, float]:
    """Mean search metrics over the judged queries.

    ``results``: query -> the system's ranked ``(item_id, score)`` list over the whole catalog,
    best first (at least ``k_recall`` long for a fair recall). ``judgements``: query ->
    ``{item_id: relevance}``; exactly these queries are evaluated (result lists of other queries
    are ignored, a judged query without results scores 0 where defined). Query keys must match
    exactly.

    ``rerank_scores``: optional query -> ``{item_id: score}`` from scoring every judged product
    of the query with the same system. ``pair_acc`` and ``ndcg@k`` need a score for each judged
    product, and a judged product the system did not return has none in ``results``; each
    score comes from ``rerank_scores``, then from the result list, then is ``-inf``. Mixing the
    two sources assumes their scores are comparable; pass full scores for all judged products
    to avoid relying on that.

    Returns keys ``recall@{k_recall}``, ``ndcg@{k_ndcg}_open``, ``pair_acc``, ``ndcg@{k_ndcg}``
    (``recall@100``, ``ndcg@10_open``, ``pair_acc``, ``ndcg@10`` by default), each the mean over
    the queries where it is defined, NaN when there is none; ``queries_<key>`` the number of
    queries each mean is over; and ``queries`` the number of judged queries.
    """
    per_query = evaluate_search_per_query(
        results, judgements, k_recall, k_ndcg, rerank_scores, relevant_at, min_diff
    )
    out: dict[str, float] = {}
    for name in metric_names(k_recall, k_ndcg):
        values = [row[name] for row in per_query.values() if name in row]
        out[name] = float(np.mean(values)) if values else math.nan
        out[f"queries_{name}"] = float(len(values))
    out["queries"] = float(len(per_query))
    return out


def ranked_from_hits(hits: Hits, item_ids: Sequence[ItemId]) -> list[tuple[ItemId, float]]:
    """A :class:`~shopmind.search.base.Hits` as ``(item_id, score)`` pairs, best first.

    ``hits.rows`` index the retriever's items, so ``item_ids`` must be the list it indexed.
    """
    return [
        (item_ids[int(row)], float(score))
        for row, score in zip(hits.rows.tolist(), hits.scores.tolist(), strict=True)
    ]


def latency_summary(ms: Sequence[float]) -> dict[str, float]:
    """``p50_ms``, ``p99_ms`` (linear interpolation between samples) and ``mean_ms`` of ``ms``.

    Raises :class:`InvalidArgument` for an empty list or a negative or non-finite value: a
    summary of nothing or of broken timings would look like a real figure.
    """
    values = np.asarray(ms, dtype=np.float64)
    if values.size == 0:
        raise InvalidArgument("no latencies to summarise")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise InvalidArgument("latencies must be finite and non-negative")
    p50, p99 = np.percentile(values, [50, 99])
    return {"p50_ms": float(p50), "p99_ms": float(p99), "mean_ms": float(values.mean())}


def timed(fn: Callable[[_T], _R], inputs: Iterable[_T]) -> tuple[list[_R], list[float]]:
    """Call ``fn`` on each input in turn; return the outputs and each call's wall time in ms.

    One call at a time, so each figure is a single request's latency, not a batch's share.
    """
    outputs: list[_R] = []
    ms: list[float] = []
    for value in inputs:
        start = time.perf_counter()
        outputs.append(fn(value))
        ms.append((time.perf_counter() - start) * 1000.0)
    return outputs, ms
