"""Every recommender passes the same contract (rec_helpers.RecommenderContract)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from rec_helpers import RecommenderContract

from shopmind.recommend.base import Recommender, top_k
from shopmind.recommend.content import ContentKNN, ContentParams
from shopmind.recommend.data import History, Interactions
from shopmind.recommend.ease import Ease, EaseParams
from shopmind.recommend.hybrid import Hybrid, HybridParams
from shopmind.recommend.itemcf import ItemCF
from shopmind.recommend.popularity import Popularity, Trending
from shopmind.recommend.sasrec.config import SasRecParams
from shopmind.recommend.sasrec.model import SasRec

TINY_SASREC = SasRecParams.tiny(batch_size=64)


class TestPopularity(RecommenderContract):
    @staticmethod
    def make() -> Recommender:
        return Popularity()


class TestTrending(RecommenderContract):
    @staticmethod
    def make() -> Recommender:
        return Trending()


class TestItemCF(RecommenderContract):
    @staticmethod
    def make() -> Recommender:
        return ItemCF()


class TestEase(RecommenderContract):
    @staticmethod
    def make() -> Recommender:
        return Ease(EaseParams(l2=10.0))


class TestContent(RecommenderContract):
    @staticmethod
    def make() -> Recommender:
        return ContentKNN()


class TestContentGraph(RecommenderContract):
    """The same contract through the HNSW graph that large catalogs use."""

    @staticmethod
    def make() -> Recommender:
        return ContentKNN(ContentParams(ann_from=1, ann_k=20))


def test_content_graph_finds_the_exact_neighbours(shop: Interactions) -> None:
    exact = ContentKNN().fit(shop)
    graph = ContentKNN(ContentParams(ann_from=1, ann_k=10)).fit(shop)
    histories = [shop.history(u) for u in range(20)]
    want, got = exact.scores(histories), graph.scores(histories)
    assert np.isfinite(got).sum(axis=1).max() == 10  # only the graph's neighbours are scored
    for r in range(len(histories)):
        top = np.argsort(-want[r])[:10]
        assert set(np.flatnonzero(np.isfinite(got[r]))) == set(top)
        np.testing.assert_allclose(got[r, top], want[r, top], rtol=1e-4)


class TestSasRec(RecommenderContract):
    @staticmethod
    def make() -> Recommender:
        return SasRec(TINY_SASREC)


class TestHybrid(RecommenderContract):
    @staticmethod
    def make() -> Recommender:
        return Hybrid(
            {"sasrec": SasRec(TINY_SASREC), "itemcf": ItemCF(), "popularity": Popularity()},
            HybridParams(candidates=20, trees=30),
        )


def test_content_graph_scores_any_item_exactly(shop: Interactions) -> None:
    """The graph proposes few items, but its shortlists score every item by its cosine."""
    exact = ContentKNN().fit(shop)
    graph = ContentKNN(ContentParams(ann_from=1, ann_k=5)).fit(shop)
    items = np.arange(len(shop.catalog))
    histories = [shop.history(u) for u in range(10)]
    for h, s in zip(histories, graph.shortlists(histories, 3), strict=True):
        assert len(s) <= 3
        np.testing.assert_allclose(s.score(items), exact.scores([h])[0], rtol=1e-4, atol=1e-6)


def test_sasrec_fp16_shortlists_match_the_exact_ones(shop: Interactions) -> None:
    """The float16 scan finds the exact float32 top items, and scores them exactly."""
    exact = SasRec(TINY_SASREC).fit(shop)
    scan = SasRec(replace(TINY_SASREC, shortlist_fp16_from=1))
    scan.catalog, scan.net = exact.catalog, exact.net
    scan.prepare()
    assert scan.fp16_index().ntotal == shop.n_items
    histories = [shop.history(u) for u in range(30)] + [History.of([])]
    same = 0
    for h, a, b in zip(
        histories, exact.shortlists(histories, 10), scan.shortlists(histories, 10), strict=True
    ):
        assert not set(b.items.tolist()) & set(h.items.tolist())
        np.testing.assert_allclose(b.scores, b.score(b.items), rtol=1e-6)
        same += len(set(a.items.tolist()) & set(b.items.tolist()))
        assert len(b) == len(a)
    assert same >= 0.99 * sum(len(a) for a in exact.shortlists(histories, 10))


def test_itemcf_shortlists_never_build_a_full_row(shop: Interactions) -> None:
    model = ItemCF().fit(shop)
    h = shop.history(0)
    row = model.scores([h])[0]
    (s,) = model.shortlists([h], 5)
    touched = np.isfinite(s.score(np.arange(shop.n_items)))
    assert touched.sum() == np.isfinite(row).sum()  # the same items reached, and no others


def test_hybrid_features_do_not_depend_on_the_content_index(shop: Interactions) -> None:
    """The hybrid asks the graph for the exact cosines of every candidate, so its features are
    those of exact content scoring wherever both propose the same items."""
    params = HybridParams(candidates=5, trees=5, max_queries=50)
    exact = Hybrid({"content": ContentKNN(), "itemcf": ItemCF()}, params).fit(shop)
    graph = Hybrid(
        {"content": ContentKNN(ContentParams(ann_from=1, ann_k=50)), "itemcf": ItemCF()}, params
    ).fit(shop)
    histories = [shop.history(u) for u in range(10)]
    for (ci, fi), (cg, fg) in zip(
        zip(*exact.candidates(histories), strict=True),
        zip(*graph.candidates(histories), strict=True),
        strict=True,
    ):
        np.testing.assert_array_equal(ci, cg)
        np.testing.assert_allclose(fi, fg, rtol=1e-4, atol=1e-5)


def test_prepared_hybrid_predicts_with_compiled_trees(shop: Interactions, tmp_path: Path) -> None:
    params = HybridParams(candidates=5, trees=5, max_queries=50)
    model = Hybrid({"itemcf": ItemCF(), "popularity": Popularity()}, params).fit(shop)
    assert model.forest is not None and not model.forest.compiled
    model.prepare(tmp_path)
    assert model.forest.compiled
    assert list(tmp_path.glob("*.o"))  # cached for the next process


def test_hybrid_recommend_equals_the_top_of_its_scores(shop: Interactions) -> None:
    """The hybrid reads its list off the candidates; it must be the full row's top k."""
    params = HybridParams(candidates=5, trees=5, max_queries=50)
    model = Hybrid({"itemcf": ItemCF(), "popularity": Popularity()}, params).fit(shop)
    for user in range(12):
        h = shop.history(user)
        exclude = h.items[-2:]
        for k in (1, 5, 40):
            fast = model.recommend(h, k, exclude)
            full = top_k(model.scores([h])[0], k, exclude)
            np.testing.assert_array_equal(fast.items, full.items)
            np.testing.assert_allclose(fast.scores, full.scores, rtol=1e-6)
