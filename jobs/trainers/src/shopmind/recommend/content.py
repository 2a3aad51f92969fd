"""``content``: k-nearest neighbours over the text encoder's item vectors.

It needs no interactions with an item, so it covers new items (their title alone places them)
and new users (one viewed item is enough). A history's vector is the ``decay ** age`` weighted
mean of its newest ``max_history`` item vectors; scores are cosines to it.

From ``ann_from`` items on, scoring every item costs more than a request can afford (one
history against 12,000 vectors of 384 floats reads 18 MB: about 1.3 ms on one core, 14 ms for
100,000), so the model keeps a faiss HNSW graph over the vectors and scores only the ``ann_k``
nearest; the rest are ``-inf`` (not proposed). The hybrid takes its candidates from the graph
and scores every other candidate by its exact cosine (:meth:`ContentKNN.shortlists`), in
training as in serving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from shopmind.errors import InvalidArgument
from shopmind.recommend.base import (
    Ranked,
    Recommender,
    Shortlist,
    best_first,
    dot_scorer,
    top_k,
)
from shopmind.recommend.data import History, Interactions
from shopmind.text.finetune import check_ranges


@dataclass(frozen=True)
class ContentParams:
    decay: float = 0.7
    max_history: int = 10
    ann_from: int = 10_000  # catalogs this large are searched through an HNSW graph ...
    ann_k: int = 100  # ... for this many neighbours of a history
    ann_m: int = 32  # HNSW links per node
    ann_ef_search: int = 128

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {
                "decay": 0 < self.decay <= 1,
                "max_history": self.max_history >= 1,
                "ann_from": self.ann_from >= 1,
                "ann_k": self.ann_k >= 1,
                "ann_m": self.ann_m >= 2,
                "ann_ef_search": self.ann_ef_search >= 1,
            },
        )


class ContentKNN(Recommender):
    """Cosine neighbours in text-embedding space (module docstring)."""

    name = "content"
    params_type = ContentParams

    def __init__(self, params: ContentParams | None = None) -> None:
        self.params = params or ContentParams()
        self.graph: Any = None  # faiss HNSW over the vectors, for catalogs from ann_from items

    def fit(self, data: Interactions) -> Self:
        if data.catalog.vectors is None:
            raise InvalidArgument(
                "the content model needs item vectors: build item_embeddings first",
                argument="catalog.vectors",
            )
        self.catalog = data.catalog
        self.graph = None
        if len(self.catalog) >= self.params.ann_from:
            self.graph = self._build_graph()
        return self

    def _build_graph(self) -> Any:
        import faiss

        v = np.ascontiguousarray(self.vectors, dtype=np.float32)
        graph = faiss.IndexHNSWFlat(v.shape[1], self.params.ann_m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = 100
        graph.add(v)
        return self._tuned(graph)

    def _tuned(self, graph: Any) -> Any:
        """``graph`` with its search depth set from the params (once, not per request)."""
        graph.hnsw.efSearch = max(self.params.ann_ef_search, self.params.ann_k)
        return graph

    def arrays(self) -> dict[str, np.ndarray]:
        if self.graph is None:
            return {}
        import faiss

        return {"graph": faiss.serialize_index(self.graph)}

    def set_arrays(self, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> None:
        self.graph = None
        if "graph" in arrays:
            import faiss

            self.graph = self._tuned(faiss.deserialize_index(arrays["graph"]))

    @property
    def vectors(self) -> np.ndarray:
        v = self.catalog.vectors
        assert v is not None  # checked in fit
        return v

    def _users(self, histories: Sequence[History]) -> tuple[np.ndarray, np.ndarray]:
        """``(B, D)`` unit history vectors and ``(B,)`` whether each history had any items."""
        p = self.params
        v = self.vectors
        users = np.zeros((len(histories), v.shape[1]), np.float32)
        for r, h in enumerate(histories):
            items = h.items[-p.max_history :]
            if items.shape[0] == 0:
                continue
            w = p.decay ** np.arange(items.shape[0] - 1, -1, -1, dtype=np.float32)
            users[r] = w @ v[items]
        norms = np.linalg.norm(users, axis=1, keepdims=True)
        users /= np.maximum(norms, 1e-12)
        return users, norms[:, 0] > 0

    def shortlists(self, histories: Sequence[History], n: int) -> list[Shortlist]:
        """From the graph's ``ann_k`` neighbours of each history when there is a graph; the
        scorer computes the exact cosine of any item either way."""
        if self.graph is None:
            return super().shortlists(histories, n)
        users, known = self._users(histories)
        sims, found = self._search(users, known)
        out = []
        for r, h in enumerate(histories):
            f, s = found[r], sims[r]
            keep = (f >= 0) & ~np.isin(f, h.items)
            items, scores = best_first(f[keep], s[keep], n)
            user = users[r] if known[r] else None
            out.append(Shortlist(items, scores, dot_scorer(self.vectors, user)))
        return out

    def scores(self, histories: Sequence[History]) -> np.ndarray:
        v = self.vectors
        users, known = self._users(histories)
        if self.graph is not None:
            return self._nearest(users, known)
        out = users @ v.T
        out[~known] = -np.inf
        return out.astype(np.float32, copy=False)

    def _nearest(self, users: np.ndarray, known: np.ndarray) -> np.ndarray:
        """``(B, N)``: cosines of each history's ``ann_k`` graph neighbours, ``-inf`` elsewhere."""
        out = np.full((users.shape[0], len(self.catalog)), -np.inf, np.float32)
        sims, found = self._search(users, known)
        for r, (f, s) in enumerate(zip(found, sims, strict=True)):
            ok = f >= 0
            out[r, f[ok]] = s[ok]
        return out

    def _search(self, users: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(B, ann_k)`` cosines and item indices of each history's graph neighbours (index
        ``-1`` past the end, and for every entry of a history with no items)."""
        import faiss

        k = min(self.params.ann_k, len(self.catalog))
        sims = np.full((users.shape[0], k), -np.inf, np.float32)
        found = np.full((users.shape[0], k), -1, np.int64)
        rows = np.flatnonzero(known)
        if rows.shape[0]:
            faiss.omp_set_num_threads(1)  # one history per request: fan-out would only contend
            sims[rows], found[rows] = self.graph.search(users[rows], k)
        return sims, found

    def similar_items(self, item: int, k: int = 10) -> Ranked:
        self._check_item(item)
        return top_k(self.vectors @ self.vectors[item], k, [item])
