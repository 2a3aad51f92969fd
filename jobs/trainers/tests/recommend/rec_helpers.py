"""A synthetic shop with planted answers, and the contract every recommender passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.evaluate.recsys_metrics import evaluate, leave_one_out_cases
from shopmind.recommend.base import Recommender, top_k
from shopmind.recommend.data import Catalog, History, Interactions

N_CATS = 6
PER_CAT = 10
N_ITEMS = N_CATS * PER_CAT


def chain_shop(n_users: int = 400, seed: int = 0) -> Interactions:
    """Users walk a chain inside one category: item ``c*10 + (s + t) % 10`` at step ``t``.

    Planted answers: the next item is the chain's next (sequential models); the category is
    the history's (content); half the users walk category 0 (popularity). Category 5's items
    are out of stock; vectors are category one-hots plus noise; timestamps are minutes apart.
    """
    rng = np.random.default_rng(seed)
    cats = rng.choice(N_CATS, n_users, p=[0.5, 0.1, 0.1, 0.1, 0.1, 0.1])
    seqs, events, times = [], [], []
    for c in cats:
        start, length = int(rng.integers(PER_CAT)), int(rng.integers(5, 9))
        seqs.append([int(c) * PER_CAT + (start + t) % PER_CAT for t in range(length)])
        events.append([1] * (length - 1) + [4])
        t0 = int(rng.integers(1_700_000_000, 1_700_100_000))
        times.append([t0 + 60 * t for t in range(length)])
    vectors = np.zeros((N_ITEMS, 16), np.float32)
    vectors[np.arange(N_ITEMS), np.arange(N_ITEMS) // PER_CAT] = 1.0
    vectors += rng.normal(0, 0.05, vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    catalog = Catalog(
        ids=tuple(f"p{i:03d}" for i in range(N_ITEMS)),
        category=tuple(f"Cat{i // PER_CAT}" for i in range(N_ITEMS)),
        brand=tuple(f"Brand{i % 3}" for i in range(N_ITEMS)),
        in_stock=np.array([i // PER_CAT != 5 for i in range(N_ITEMS)]),
        vectors=vectors,
    )
    return Interactions.from_sequences(
        catalog, seqs, [f"u{n}" for n in range(n_users)], events, times
    )


def next_item_hit1(model: Recommender, data: Interactions) -> float:
    """Share of users whose last item is the model's first recommendation."""
    cases = leave_one_out_cases(data)
    hits = [
        model.recommend(h, 1, h.items).items.tolist() == [int(t)]
        for h, t in zip(cases.histories, cases.targets, strict=True)
    ]
    return float(np.mean(hits))


class RecommenderContract:
    """Mixin: a test class sets ``make`` (a fresh model) and gets the contract tests."""

    chance_multiple = 1.5  # HR@10 must beat 10 / n_items by this factor

    @staticmethod
    def make() -> Recommender:
        raise NotImplementedError

    @pytest.fixture(scope="class")
    @classmethod
    def fitted(cls, shop: Interactions) -> Recommender:
        model = cls.make()
        assert model.fit(shop.truncated(1)) is model
        return model

    def test_scores_shape(self, fitted: Recommender, shop: Interactions) -> None:
        s = fitted.scores([shop.history(0), shop.history(1)])
        assert s.shape == (2, shop.n_items)
        assert s.dtype == np.float32

    def test_recommend_respects_k_and_exclude(
        self, fitted: Recommender, shop: Interactions
    ) -> None:
        h = shop.history(3)
        ranked = fitted.recommend(h, 7, exclude=h.items)
        items = ranked.items.tolist()
        assert len(items) <= 7
        assert len(set(items)) == len(items)
        assert not set(items) & set(h.items.tolist())
        assert np.all(np.diff(ranked.scores) <= 0)

    def test_similar_items_exclude_the_item(self, fitted: Recommender) -> None:
        ranked = fitted.similar_items(5, 5)
        assert 5 not in ranked.items.tolist()
        assert len(ranked) <= 5

    def test_bad_arguments(self, fitted: Recommender) -> None:
        with pytest.raises(InvalidArgument, match="k must be"):
            fitted.recommend(History.of([1]), 0)
        with pytest.raises(InvalidArgument, match="item"):
            fitted.similar_items(10_000)

    def test_save_load_same_scores(
        self, fitted: Recommender, shop: Interactions, tmp_path: Path
    ) -> None:
        fitted.save(tmp_path / "m")
        loaded = type(fitted).load(tmp_path / "m")
        hs = [shop.history(u) for u in range(5)]
        np.testing.assert_allclose(loaded.scores(hs), fitted.scores(hs), rtol=1e-5, atol=1e-6)
        assert loaded.catalog.ids == fitted.catalog.ids
        # readying the loaded model for serving (compiling, caches) never changes a score
        before = loaded.scores(hs)
        loaded.prepare(tmp_path / "cache")
        np.testing.assert_allclose(loaded.scores(hs), before, rtol=1e-6, atol=1e-7)

    def test_shortlists_agree_with_scores(self, fitted: Recommender, shop: Interactions) -> None:
        """Best first, never the history, and scored as ``scores`` scores wherever that is
        finite (outside the history), and the top of its row (the approximate indexes, which
        these tiny shops never reach, have tests of their own)."""
        hs = [shop.history(u) for u in range(8)] + [History.of([])]
        rows = fitted.scores(hs)
        lists = fitted.shortlists(hs, 6)
        assert len(lists) == len(hs)
        everything = np.arange(shop.n_items)
        for row, h, s in zip(rows, hs, lists, strict=True):
            assert len(s) <= 6 and len(set(s.items.tolist())) == len(s)
            assert not set(s.items.tolist()) & set(h.items.tolist())
            assert np.all(np.isfinite(s.scores)) and np.all(np.diff(s.scores) <= 0)
            np.testing.assert_allclose(s.score(s.items), s.scores, rtol=1e-5, atol=1e-6)
            scored = s.score(everything)
            assert scored.shape == (shop.n_items,) and scored.dtype == np.float32
            finite = np.isfinite(row)
            finite[h.items] = False  # the history's own items are never asked for
            np.testing.assert_allclose(scored[finite], row[finite], rtol=1e-4, atol=1e-5)
            want = top_k(row, 6, h.items)
            np.testing.assert_allclose(s.scores, want.scores, rtol=1e-5, atol=1e-6)

    def test_beats_chance(self, fitted: Recommender, shop: Interactions) -> None:
        m = evaluate(fitted.scores, leave_one_out_cases(shop), shop.n_items)
        assert m["hr@10"] > self.chance_multiple * 10 / shop.n_items, m
