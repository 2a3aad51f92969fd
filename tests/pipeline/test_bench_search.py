from __future__ import annotations

import numpy as np
import numpy.typing as npt

from shopmind.pipeline.bench_search import _run


def test_run_scores_results_and_judged_products() -> None:
    items = ["a", "b", "c", "d"]
    scores = {"q1": [0.9, 0.1, 0.5, -np.inf], "q2": [0.0, 0.2, 0.1, 0.3]}

    def scorer(query: str) -> npt.NDArray[np.float32]:
        return np.array(scores[query], np.float32)

    judgements = {"q1": {"a": 3.0, "c": 1.0}, "q2": {"d": 3.0, "a": 1.0}}
    metrics, latencies = _run(scorer, items, judgements, k=2)
    assert len(latencies) == 2 and all(ms >= 0 for ms in latencies)
    assert metrics["recall@100"] == 1.0  # both relevant products are in each top 2
    assert metrics["pair_acc"] == 1.0  # judged pairs ordered right in both queries
    assert metrics["ndcg@10_open"] == 1.0


def test_miss_profile_tells_full_matches_from_word_gaps() -> None:
    from shopmind.pipeline.bench_search import miss_profile
    from shopmind.search.lexical import LexicalRetriever

    titles = ["red drill", "cordless drill red", "blue saw"] + [
        f"red drill {i}" for i in range(120)
    ]
    items = [str(i) for i in range(len(titles))]
    lexical = LexicalRetriever.from_columns({"title": titles})

    def scorer(query: str) -> npt.NDArray[np.float32]:
        # the three judged products last, so all of them are missed from the top 100
        scores = np.arange(len(items), dtype=np.float32)
        scores[:3] = -1.0
        return scores

    judgements = {"red drill": {"0": 3.0, "1": 3.0, "2": 3.0, "3": 1.0}}
    profile = miss_profile(scorer, lexical, items, judgements)
    # "0" and "1" hold both query terms, "2" neither; "3" is not relevant (1.0)
    assert profile == {
        "relevant": 3,
        "missed": 3,
        "missed_with_every_query_term": 2,
        "missed_lacking_a_query_term": 1,
    }
