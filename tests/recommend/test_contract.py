"""Every recommender passes the same contract (rec_helpers.RecommenderContract)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rec_helpers import RecommenderContract

from shopmind.recommend.base import Recommender, top_k
from shopmind.recommend.content import ContentKNN, ContentParams
from shopmind.recommend.data import Interactions
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


def test_content_graph_rescores_any_item_exactly(shop: Interactions) -> None:
    exact = ContentKNN().fit(shop)
    graph = ContentKNN(ContentParams(ann_from=1, ann_k=5)).fit(shop)
    items = np.arange(len(shop.catalog))
    for u in range(10):
        h = shop.history(u)
        assert exact.rescore(h, items) is None  # exact scores are already complete
        got = graph.rescore(h, items)
        assert got is not None
        np.testing.assert_allclose(got, exact.scores([h])[0], rtol=1e-4, atol=1e-6)


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
