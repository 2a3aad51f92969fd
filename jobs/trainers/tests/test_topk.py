"""``top_unordered`` and both ``top_k`` find exactly the best items, whatever the scores."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.recommend.base import top_k
from shopmind.search.base import top_k as search_top_k
from shopmind.topk import top_unordered


@st.composite
def rows(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    n = draw(st.integers(1, 5000))
    k = draw(st.integers(1, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    row = rng.standard_normal(n).astype(np.float32)
    kind = draw(st.sampled_from(["plain", "sparse", "ties", "sorted", "constant"]))
    if kind == "sparse":  # a model that proposes few items
        row[rng.random(n) < 0.95] = -np.inf
    elif kind == "ties":
        row = np.round(row, 1)
    elif kind == "sorted":  # scores that grow with the index defeat a strided sample
        row = np.sort(row)
    elif kind == "constant":
        row[:] = 1.0
    return row, k


@settings(max_examples=200, deadline=None)
@given(rows())
def test_top_unordered_is_exactly_the_best_k(case: tuple[np.ndarray, int]) -> None:
    row, k = case
    got = top_unordered(row, k)
    want = min(k, row.shape[0])
    assert got.shape[0] == want and np.unique(got).shape[0] == want
    assert np.array_equal(np.sort(row[got])[::-1], np.sort(row)[::-1][:want])


@settings(max_examples=100, deadline=None)
@given(rows())
def test_top_k_is_sorted_finite_and_excludes(case: tuple[np.ndarray, int]) -> None:
    row, k = case
    exclude = list(range(0, row.shape[0], 3))
    ranked = top_k(row, k, exclude)
    kept = row.copy()
    kept[exclude] = -np.inf
    finite = np.sort(kept[np.isfinite(kept)])[::-1]
    assert len(ranked) == min(k, finite.shape[0])
    assert not set(ranked.items.tolist()) & set(exclude)
    assert np.array_equal(ranked.scores, finite[: len(ranked)])


@settings(max_examples=100, deadline=None)
@given(rows())
def test_search_top_k_is_sorted_finite_and_respects_valid(case: tuple[np.ndarray, int]) -> None:
    row, k = case
    valid = np.arange(row.shape[0]) % 4 != 0
    hits = search_top_k(row, k, valid)
    kept = np.where(valid, row, -np.inf)
    finite = np.sort(kept[np.isfinite(kept)])[::-1]
    assert len(hits) == min(k, finite.shape[0])
    assert valid[hits.rows].all()
    assert np.array_equal(hits.scores, finite[: len(hits)])
