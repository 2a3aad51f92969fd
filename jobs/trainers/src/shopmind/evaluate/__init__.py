"""Offline evaluation: search metrics over graded judgements and the Home Depot loaders.

Evaluators return ``dict[str, float]`` (``recall@100``, ``ndcg@10_open``, ``pair_acc``,
``ndcg@10`` ...); see :mod:`shopmind.evaluate.search_metrics` for the definitions.
"""

from shopmind.evaluate.homedepot import (
    Judgement,
    group_judgements,
    load_judgement_rows,
    load_products,
    load_queries,
    query_bucket,
    split_queries,
)
from shopmind.evaluate.label_noise import NoiseReport, judgement_noise
from shopmind.evaluate.search_metrics import (
    MIN_PAIR_DIFF,
    RELEVANT_AT,
    evaluate_search,
    evaluate_search_per_query,
    latency_summary,
    metric_names,
    ndcg_at_k_open,
    ndcg_at_k_rerank,
    pair_accuracy,
    ranked_from_hits,
    recall_at_k,
    relevant_ids,
    rerank_order,
    timed,
)

__all__ = [
    "MIN_PAIR_DIFF",
    "RELEVANT_AT",
    "Judgement",
    "NoiseReport",
    "evaluate_search",
    "evaluate_search_per_query",
    "group_judgements",
    "judgement_noise",
    "latency_summary",
    "load_judgement_rows",
    "load_products",
    "load_queries",
    "metric_names",
    "ndcg_at_k_open",
    "ndcg_at_k_rerank",
    "pair_accuracy",
    "query_bucket",
    "ranked_from_hits",
    "recall_at_k",
    "relevant_ids",
    "rerank_order",
    "split_queries",
    "timed",
]
