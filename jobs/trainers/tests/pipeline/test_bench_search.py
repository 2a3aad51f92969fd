from __future__ import annotations

import numpy as np
import numpy.typing as npt

from shopmind.pipeline.bench_search import _run
from shopmind.search.hybrid import fuse


def test_run_scores_results_and_judged_products() -> None:
    items = ["a", "b", "c", "d"]
    scores = {"q1": [0.9, 0.1, 0.5, -np.inf], "q2": [0.0, 0.2, 0.1, 0.3]}

    def scorer(query: str) -> npt.NDArray[np.float32]:
        return np.array(scores[query], np.float32)

    judgements = {"q1": {"a": 3.0, "c": 1.0}, "q2": {"d": 3.0, "a": 1.0}}
    metrics, latencies, results = _run(scorer, items, judgements, k=2)
    assert len(latencies) == 2 and all(ms >= 0 for ms in latencies)
    assert [item for item, _ in results["q1"]] == ["a", "c"]
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

    # a top 100 without the three relevant products, so all of them are missed
    results = {"red drill": [(item, 1.0) for item in items[3:103]]}
    judgements = {"red drill": {"0": 3.0, "1": 3.0, "2": 3.0, "3": 1.0}}
    profile = miss_profile(results, lexical, items, judgements)
    # "0" and "1" hold both query terms, "2" neither; "3" is not relevant (1.0)
    assert profile == {
        "relevant": 3,
        "missed": 3,
        "missed_with_every_query_term": 2,
        "missed_lacking_a_query_term": 1,
    }


class _BM25Ranker:
    """A stand-in for the trained ranker: scores a candidate by its bm25 feature."""

    def score(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return x[:, 0].astype(np.float32)


def test_ranked_system_orders_the_catalog_as_served() -> None:
    from shopmind.pipeline.bench_search import _RankedSystem
    from shopmind.search.dense import DenseRetriever
    from shopmind.search.features import ItemSignals
    from shopmind.search.hybrid import FusionParams
    from shopmind.search.lexical import LexicalRetriever
    from shopmind.text.base import Encoder, EncoderInfo

    class Fixed(Encoder):
        def __init__(self) -> None:
            self.info = EncoderInfo("fixed", "test", dim=2, max_tokens=8)

        def _encode_batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
            return np.tile(np.array([1.0, 0.0], np.float32), (len(texts), 1))

    titles = ["red drill", "red drill kit", "drill bit", "blue saw", "hammer", "red lamp"]
    angles = np.linspace(0.0, 1.4, len(titles))  # cosine to the query falls with the row
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    lexical = LexicalRetriever.from_columns({"title": titles})
    items = [str(i) for i in range(len(titles))]
    system = _RankedSystem(
        lexical,
        DenseRetriever(vectors, Fixed()),
        FusionParams(weight=0.5),
        ItemSignals.build(lexical.index.analyzer, titles),
        items,
        candidates=2,
    )
    system.stage.ranker = _BM25Ranker()  # type: ignore[assignment]
    judged = {"red drill": dict(zip(items, [3.0, 3.0, 2.0, 1.0, 1.0, 1.0], strict=True))}
    _, candidates, bm25, cosine, _ = system.retrieve("red drill")
    ranked = system.stage.rerank("red drill", candidates, bm25, cosine)
    rows = np.arange(len(titles), dtype=np.int64)
    scores = system._catalog_order("red drill", candidates, ranked, bm25, cosine, rows)
    inside = np.isin(rows, candidates.rows)
    assert inside.sum() == 2
    # the candidates keep the ranker's scores, everything else sits below them in fused order
    np.testing.assert_allclose(scores[inside], ranked.scores[np.argsort(ranked.rows)])
    assert scores[~inside].max() < scores[inside].min()
    fused_outside = fuse(bm25, cosine, system.fusion)[rows[~inside]]
    assert (np.argsort(-scores[~inside]) == np.argsort(-fused_outside, kind="stable")).all()
    # "red drill" and "red drill kit" lead both orders; every judged product then follows in
    # fused order, which here falls with the row, as the grades do
    metrics, _ = system.run(judged)
    assert metrics["pair_acc"] == 1.0
