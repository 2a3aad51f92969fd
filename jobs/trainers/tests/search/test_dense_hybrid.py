from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from shopmind.errors import InvalidArgument
from shopmind.search.base import Hits, top_k
from shopmind.search.dense import DenseRetriever
from shopmind.search.hybrid import FusionParams, HybridRetriever, fuse
from shopmind.text.base import Encoder, EncoderInfo


class LookupEncoder(Encoder):
    """Maps known texts to fixed unit vectors (a stand-in model with a known answer)."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table
        self.info = EncoderInfo("lookup", "test", dim=3, max_tokens=8)

    def _encode_batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return np.array([self.table.get(t, [0.0, 0.0, 1.0]) for t in texts], np.float32)


ITEMS = np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 1, 0], [0, 0, 1]], np.float32)


class FixedScores:
    def __init__(self, scores: list[float]) -> None:
        self.scores = np.array(scores, np.float32)

    def score_all(self, query: str) -> npt.NDArray[np.float32]:
        return self.scores


def test_top_k_orders_and_masks() -> None:
    hits = top_k(np.array([0.1, 0.9, -np.inf, 0.5], np.float32), 3)
    assert hits.rows.tolist() == [1, 3, 0]
    masked = top_k(np.array([0.1, 0.9, 0.2], np.float32), 5, np.array([True, False, True]))
    assert masked.rows.tolist() == [2, 0]
    assert len(top_k(np.zeros(0, np.float32), 3)) == 0


def test_dense_ranks_by_cosine() -> None:
    enc = LookupEncoder({"x": [1, 0, 0], "y": [0, 1, 0]})
    r = DenseRetriever(ITEMS, enc)
    assert r.search("x", 2).rows.tolist() == [0, 1]
    assert r.search("y", 2).rows.tolist() == [2, 1]
    assert len(r.search("   ", 3)) == 0
    with pytest.raises(InvalidArgument, match="k must be"):
        r.search("x", 0)
    with pytest.raises(InvalidArgument, match="vectors must be"):
        DenseRetriever(np.zeros((2, 5), np.float32), enc)


def test_score_fusion_uses_both_sides() -> None:
    lexical = FixedScores([0.0, 10.0, 5.0, 0.0])  # BM25: item 1 best
    dense = FixedScores([0.9, 0.1, 0.8, 0.0])  # cosine: item 0 best
    only_dense = fuse(lexical.score_all(""), dense.score_all(""), FusionParams(weight=0.0))
    only_lex = fuse(lexical.score_all(""), dense.score_all(""), FusionParams(weight=1.0))
    both = fuse(lexical.score_all(""), dense.score_all(""), FusionParams(weight=0.5))
    assert int(np.argmax(only_dense)) == 0 and int(np.argmax(only_lex)) == 1
    assert int(np.argmax(both)) == 2  # decent on both sides wins the blend


def test_rrf_rewards_items_found_by_both() -> None:
    lexical = FixedScores([3.0, 2.0, 0.0, 1.0])
    dense = FixedScores([0.1, 0.9, 0.8, 0.0])
    hybrid = HybridRetriever(lexical, dense, FusionParams(method="rrf", weight=0.5))
    hits: Hits = hybrid.search("q", 4)
    assert hits.rows[0] == 1  # second for BM25, first for vectors
    assert len(hybrid.search("", 4)) == 0


def test_fusion_params_guard() -> None:
    with pytest.raises(InvalidArgument, match="method"):
        FusionParams(method="max")
    with pytest.raises(InvalidArgument, match="weight"):
        FusionParams(weight=2.0)
