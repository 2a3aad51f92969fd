"""Every recommender passes the same contract (rec_helpers.RecommenderContract)."""

from __future__ import annotations

from rec_helpers import RecommenderContract

from shopmind.recommend.base import Recommender
from shopmind.recommend.content import ContentKNN
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
