"""The ranking stage: the fused list's best candidates reordered by a learned ranker.

Serving and training share this code, so the ranker is trained on exactly the candidates and
features it will see: the fused top :data:`CANDIDATES` of each query (after filters), each
labelled by its judged grade (or engagement) and 0 when not judged.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from shopmind.errors import InvalidArgument
from shopmind.search.base import Hits
from shopmind.search.features import FEATURES, ItemSignals, ranking_features
from shopmind.search.lexical import BM25Index
from shopmind.search.ranker import Ranker

CANDIDATES = 200
K = TypeVar("K", bound=Hashable)
Vector = npt.NDArray[np.float32]
# query text, its candidates, bm25 (n,), cosine (n,), the user's affinities (n,) or None
Retrieved = tuple[str, Hits, Vector, Vector, Vector | None]


def grade_label(relevance: float, lowest: float, highest: float, levels: int = 4) -> int:
    """A judged relevance on [lowest, highest] as an integer label 1..levels+1 (0 is kept for
    "not judged"), so LambdaMART gains separate judged grades from unjudged candidates."""
    if highest <= lowest:
        return 1
    share = (min(max(relevance, lowest), highest) - lowest) / (highest - lowest)
    return 1 + round(share * levels)


@dataclass
class Reranked:
    """The candidates in ranker order, with their scores and feature rows."""

    rows: npt.NDArray[np.int64]  # (m,) product rows, best first
    scores: npt.NDArray[np.float32]  # (m,) ranker scores
    features: npt.NDArray[np.float32]  # (m, len(FEATURES)), in the same order


class RankingStage:
    """Features + ranker over one index; ``ranker`` may be untrained while collecting data."""

    def __init__(self, index: BM25Index, signals: ItemSignals, ranker: Ranker) -> None:
        self.index, self.signals, self.ranker = index, signals, ranker

    def features(
        self,
        query: str,
        candidates: Hits,
        bm25: npt.NDArray[np.float32],
        cosine: npt.NDArray[np.float32],
        affinity: npt.NDArray[np.float32] | None = None,
        rows: npt.NDArray[np.int64] | None = None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Feature rows of ``rows`` (default: the candidates), ranked within ``candidates``."""
        if rows is None:
            rows = candidates.rows
            ranks = np.arange(1, rows.shape[0] + 1, dtype=np.int64)
        else:  # a dict over the candidates, not an array over the whole catalog per query
            rank_of = {int(r): i for i, r in enumerate(candidates.rows.tolist(), start=1)}
            ranks = np.array([rank_of.get(int(r), 0) for r in rows.tolist()], dtype=np.int64)
        x = ranking_features(query, rows, ranks, bm25, cosine, self.index, self.signals, affinity)
        return rows, x

    def rerank(
        self,
        query: str,
        candidates: Hits,
        bm25: npt.NDArray[np.float32],
        cosine: npt.NDArray[np.float32],
        affinity: npt.NDArray[np.float32] | None = None,
    ) -> Reranked:
        rows, x = self.features(query, candidates, bm25, cosine, affinity)
        if rows.shape[0] == 0:
            return Reranked(rows, np.zeros(0, np.float32), x)
        scores = self.ranker.score(x)
        order = np.argsort(-scores, kind="stable")
        return Reranked(rows[order], scores[order], x[order])

    def fit(
        self,
        labelled: Mapping[K, Mapping[int, int]],
        retrieve: Callable[[K], Retrieved],
    ) -> dict[str, int]:
        """Train on ``{key: {row: label}}`` (labels >= 1; unlisted candidates are 0).

        ``retrieve(key)`` gives the query text, its candidates, bm25 and cosine vectors and the
        user's affinities (or None), as served; the key is the query text, or (query, user)
        when labels come from users' sessions. Queries with no labelled product among their
        candidates teach nothing and are skipped; the counts say how many were used."""
        xs, ys, groups = [], [], []
        for key, labels in labelled.items():
            query, candidates, bm25, cosine, affinity = retrieve(key)
            rows, x = self.features(query, candidates, bm25, cosine, affinity)
            y = [labels.get(int(r), 0) for r in rows.tolist()]
            if not any(y):
                continue
            xs.append(x)
            ys.extend(y)
            groups.append(len(y))
        if len(groups) < 2:
            raise InvalidArgument(
                f"the ranker needs at least 2 queries with a labelled product among their "
                f"candidates, found {len(groups)}",
                argument="judgements",
            )
        self.ranker.fit(np.concatenate(xs), np.array(ys, np.int64), groups)
        return {"queries": len(groups), "rows": len(ys), "features": len(FEATURES)}
