"""The ``Retriever`` role: index items, then answer a query with scored hits.

Lexical, vector and hybrid retrievers share it; a ranker reorders their hits. Scores are only
comparable within one retriever and one query.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from shopmind.topk import top_unordered


@dataclass(frozen=True)
class Hits:
    """Ranked results of one query: ``rows`` index the retriever's items, best first.

    ``rows``: (k,) int64; ``scores``: (k,) float32, descending.
    """

    rows: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float32]
    explain: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    @classmethod
    def empty(cls) -> Hits:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float32))


def top_k(
    scores: npt.NDArray[np.float32], k: int, valid: npt.NDArray[np.bool_] | None = None
) -> Hits:
    """The ``k`` best of a dense score vector (n,), optionally only where ``valid``."""
    if valid is not None:
        scores = np.where(valid, scores, -np.inf).astype(np.float32)
    part = top_unordered(scores, k)
    order = part[np.lexsort((part, -scores[part]))]  # ties by row: deterministic
    keep = np.isfinite(scores[order])
    order = order[keep]
    return Hits(order.astype(np.int64), scores[order].astype(np.float32))


class Retriever(ABC):
    """Base class of retrievers over a fixed list of items (row numbers are item positions)."""

    name: str = "retriever"

    @abstractmethod
    def search(self, query: str, k: int = 10) -> Hits:
        """The ``k`` best items for ``query`` (fewer when fewer match)."""

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[Hits]:
        return [self.search(q, k) for q in queries]
