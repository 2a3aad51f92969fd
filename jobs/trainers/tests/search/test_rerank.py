from __future__ import annotations

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.search.base import Hits, top_k
from shopmind.search.features import ItemSignals
from shopmind.search.lexical import LexicalRetriever
from shopmind.search.ranker import Ranker, RankerParams
from shopmind.search.rerank import RankingStage, Retrieved, grade_label

COLOURS = ["red", "blue", "green", "black", "white", "grey"]
THINGS = ["shoe", "shirt", "cup", "lamp", "chair", "table", "towel", "mug"]


def _catalog() -> list[str]:
    # every colour x thing, plus decoys that only share the thing
    titles = [f"{c} {t}" for c in COLOURS for t in THINGS]
    titles += [f"{t} holder for {t}s" for t in THINGS]
    return titles


def test_grade_label() -> None:
    assert grade_label(1.0, 1.0, 3.0) == 1 and grade_label(3.0, 1.0, 3.0) == 5
    assert grade_label(2.0, 1.0, 3.0) == 3 and grade_label(9.0, 1.0, 3.0) == 5
    assert grade_label(2.0, 2.0, 2.0) == 1


def test_stage_learns_to_put_full_matches_first() -> None:
    titles = _catalog()
    lexical = LexicalRetriever.from_columns({"title": titles})
    stage = RankingStage(
        lexical.index,
        ItemSignals.build(lexical.index.analyzer, titles),
        Ranker(RankerParams(n_estimators=30, min_child_samples=2)),
    )
    rng = np.random.default_rng(0)

    def retrieve(query: str) -> Retrieved:
        bm25 = lexical.score_all(query)
        # a noisy "dense" score that alone would not order the candidates right
        cosine = rng.random(len(titles)).astype(np.float32)
        return query, top_k(np.where(np.isfinite(bm25), cosine, -np.inf), 20), bm25, cosine, None

    queries = [f"{c} {t}" for c in COLOURS for t in THINGS]
    labelled = {q: {titles.index(q): 3} for q in queries}
    counts = stage.fit(labelled, retrieve)
    assert counts["queries"] == len(queries)
    hits_at_1 = 0
    for q in queries:
        _, candidates, bm25, cosine, _ = retrieve(q)
        ranked = stage.rerank(q, candidates, bm25, cosine)
        assert sorted(ranked.rows.tolist()) == sorted(candidates.rows.tolist())
        assert np.all(np.diff(ranked.scores) <= 0)
        hits_at_1 += titles[int(ranked.rows[0])] == q
    assert hits_at_1 / len(queries) > 0.9


def test_stage_needs_labelled_candidates() -> None:
    titles = _catalog()
    lexical = LexicalRetriever.from_columns({"title": titles})
    stage = RankingStage(lexical.index, ItemSignals.build(lexical.index.analyzer, titles), Ranker())

    def retrieve(query: str) -> Retrieved:
        bm25 = lexical.score_all(query)
        return query, top_k(bm25, 5), bm25, np.zeros(len(titles), np.float32), None

    with pytest.raises(InvalidArgument, match="at least 2 queries"):
        stage.fit({"red shoe": {titles.index("blue lamp"): 2}}, retrieve)
    empty = stage.rerank("zzz", Hits.empty(), lexical.score_all("red"), np.zeros(len(titles)))
    assert empty.rows.shape == (0,)
