"""Vector retrieval: cosine between the query's vector and the item vectors.

Without an approximate index (or with an exact one) every item is scored: one matrix-vector
product, about 2 ms for 55k items of 384 dimensions on two cores. With an HNSW index only the
index's best :data:`ANN_DEPTH` items, and any rows the caller adds (the lexical side's best, so
fusion sees their true cosine), are scored exactly; every other item reads as
:data:`UNREACHED`, below any real cosine of a related item.

Between :data:`EXACT_SCAN_MAX` items and the HNSW threshold, the float product grows past
10 ms a query (100k items: 11.6 ms on one core, all of it memory traffic), so the pool comes
from an inverted-file index over the same vectors (:class:`~shopmind.search.ann.IvfIndex`,
1.5 ms), built when the retriever opens; the pool's cosines are then exact.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from shopmind.errors import InvalidArgument
from shopmind.search.ann import IvfIndex, VectorIndex
from shopmind.search.base import Hits, Retriever, top_k
from shopmind.text.base import Encoder

ANN_DEPTH = 400
UNREACHED = -1.0
EXACT_SCAN_MAX = 80_000  # more items than this: the pool comes from an IVF index


class DenseRetriever(Retriever):
    """Items as unit vectors (n, d); queries encoded with ``encoder.encode_queries``."""

    name = "dense"

    def __init__(
        self,
        vectors: npt.NDArray[np.float32],
        encoder: Encoder,
        index: VectorIndex | None = None,
    ) -> None:
        if vectors.ndim != 2 or vectors.shape[1] != encoder.info.dim:
            raise InvalidArgument(
                f"vectors must be (n, {encoder.info.dim}) for encoder {encoder.info.model_id}, "
                f"got {vectors.shape}",
                argument="vectors",
            )
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.encoder = encoder
        if index is not None and index.size != self.vectors.shape[0]:
            raise InvalidArgument(
                f"index covers {index.size} items, the vectors {self.vectors.shape[0]}",
                argument="index",
            )
        self.index = index if index is not None and index.kind != "exact" else None
        if self.index is None and self.vectors.shape[0] > EXACT_SCAN_MAX:
            self.index = IvfIndex(self.vectors)

    @property
    def approximate(self) -> bool:
        return self.index is not None

    def query_vector(self, query: str) -> npt.NDArray[np.float32]:
        """(d,) unit vector of ``query``."""
        return self.encoder.encode_queries([query])[0]

    def score_all(
        self, query: str, also: npt.NDArray[np.int64] | None = None
    ) -> npt.NDArray[np.float32]:
        """(n,) cosine of ``query`` with the items (see the module docstring for what an
        approximate index leaves out); ``also``: rows to score exactly in any case."""
        n = self.vectors.shape[0]
        if not query.strip():
            return np.full(n, -np.inf, dtype=np.float32)
        if self.index is None:
            return self.vectors @ self.query_vector(query)
        rows, cosines = self.score_pool(query, also)
        out = np.full(n, UNREACHED, dtype=np.float32)
        out[rows] = cosines
        return out

    def score_pool(
        self, query: str, also: npt.NDArray[np.int64] | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The rows an approximate index reaches (its best :data:`ANN_DEPTH`, plus ``also``),
        ascending, and their exact cosines; every row without an index."""
        q = self.query_vector(query)
        if self.index is None:
            return np.arange(self.vectors.shape[0], dtype=np.int64), self.vectors @ q
        rows = self.index.search(q, ANN_DEPTH).rows
        rows = np.union1d(rows, also) if also is not None and also.size else np.sort(rows)
        return rows.astype(np.int64), self.vectors[rows] @ q

    def search(self, query: str, k: int = 10) -> Hits:
        if k < 1:
            raise InvalidArgument(f"k must be >= 1, got {k}", argument="k")
        return top_k(self.score_all(query), k)
