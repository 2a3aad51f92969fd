"""``content``: k-nearest neighbours over the text encoder's item vectors.

It needs no interactions with an item, so it covers new items (their title alone places them)
and new users (one viewed item is enough). A history's vector is the ``decay ** age`` weighted
mean of its newest ``max_history`` item vectors; scores are cosines to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np

from shopmind.errors import InvalidArgument
from shopmind.recommend.base import Ranked, Recommender, top_k
from shopmind.recommend.data import History, Interactions
from shopmind.text.finetune import check_ranges


@dataclass(frozen=True)
class ContentParams:
    decay: float = 0.7
    max_history: int = 10

    def __post_init__(self) -> None:
        check_ranges(self, {"decay": 0 < self.decay <= 1, "max_history": self.max_history >= 1})


class ContentKNN(Recommender):
    """Cosine neighbours in text-embedding space (module docstring)."""

    name = "content"
    params_type = ContentParams

    def __init__(self, params: ContentParams | None = None) -> None:
        self.params = params or ContentParams()

    def fit(self, data: Interactions) -> Self:
        if data.catalog.vectors is None:
            raise InvalidArgument(
                "the content model needs item vectors: build item_embeddings first",
                argument="catalog.vectors",
            )
        self.catalog = data.catalog
        return self

    @property
    def vectors(self) -> np.ndarray:
        v = self.catalog.vectors
        assert v is not None  # checked in fit
        return v

    def scores(self, histories: Sequence[History]) -> np.ndarray:
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
        out = users @ v.T
        out[norms[:, 0] == 0] = -np.inf
        return out.astype(np.float32, copy=False)

    def similar_items(self, item: int, k: int = 10) -> Ranked:
        self._check_item(item)
        return top_k(self.vectors @ self.vectors[item], k, [item])
