"""Hybrid retrieval: lexical and vector scores fused, by rank (RRF) or by normalised score.

* ``rrf``: ``sum_i w_i / (rrf_k + rank_i)`` over each retriever's top ``candidates``
  (rank from 1); robust when the score scales mean nothing to each other.
* ``score``: ``w * bm25 / max(bm25) + (1 - w) * cosine`` over every item; uses how much better
  the best matches are, not only their order. BM25 is divided by the query's best BM25 score so
  both parts live in [0, 1]-ish ranges whatever the query length.

The weight is tuned on training judgements (see ``pipeline/bench_search.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from shopmind.errors import InvalidArgument
from shopmind.search.base import Hits, Retriever, top_k


class FullScorer(Protocol):
    """A retriever that can score every item for a query: (n,) float32, -inf = no match."""

    def score_all(self, query: str) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True)
class FusionParams:
    """``method``: rrf or score; ``weight``: share of the lexical side; ``rrf_k``: RRF constant;
    ``candidates``: how deep each side's list goes for RRF."""

    method: str = "score"
    weight: float = 0.3
    rrf_k: int = 60
    candidates: int = 200

    def __post_init__(self) -> None:
        if self.method not in ("rrf", "score"):
            raise InvalidArgument(
                f"method must be rrf or score, got {self.method!r}", argument="method"
            )
        if not 0.0 <= self.weight <= 1.0:
            raise InvalidArgument(f"weight must be in [0, 1], got {self.weight}", argument="weight")
        if self.rrf_k < 1 or self.candidates < 1:
            raise InvalidArgument("rrf_k and candidates must be >= 1", argument="rrf_k")


def fuse(
    lexical: npt.NDArray[np.float32], dense: npt.NDArray[np.float32], params: FusionParams
) -> npt.NDArray[np.float32]:
    """Fused scores (n,) from a lexical and a dense score vector of the same items."""
    lex = np.where(np.isfinite(lexical), lexical, 0.0).astype(np.float32)
    den = np.where(np.isfinite(dense), dense, -1.0).astype(np.float32)
    if params.method == "score":
        top = float(lex.max()) if lex.size else 0.0
        lex_part = lex / top if top > 0 else lex
        return (params.weight * lex_part + (1.0 - params.weight) * den).astype(np.float32)
    fused = np.zeros(lex.shape[0], dtype=np.float32)
    for scores, w, matched in (
        (lex, params.weight, lex > 0),
        (den, 1.0 - params.weight, np.ones_like(lex, dtype=bool)),
    ):
        hits = top_k(scores, params.candidates, matched)
        fused[hits.rows] += w / (params.rrf_k + np.arange(1, len(hits) + 1, dtype=np.float32))
    return fused


class HybridRetriever(Retriever):
    """Fuses a lexical and a dense retriever over the same items."""

    name = "hybrid"

    def __init__(
        self, lexical: FullScorer, dense: FullScorer, params: FusionParams | None = None
    ) -> None:
        self.lexical = lexical
        self.dense = dense
        self.params = params or FusionParams()

    def score_all(self, query: str) -> npt.NDArray[np.float32]:
        return fuse(self.lexical.score_all(query), self.dense.score_all(query), self.params)

    def search(self, query: str, k: int = 10) -> Hits:
        if k < 1:
            raise InvalidArgument(f"k must be >= 1, got {k}", argument="k")
        if not query.strip():
            return Hits.empty()
        return top_k(self.score_all(query), k)
