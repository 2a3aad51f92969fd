"""Exact nearest neighbours over unit vectors, in row blocks so memory stays bounded.

One pass gives both what near-duplicate detection needs (every pair above a cosine threshold)
and what category inference needs (each item's top-k neighbours). Cost is O(n^2 d) multiply-adds
in BLAS; for catalogs past a few hundred thousand items an ANN index should replace it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shopmind.errors import InvalidArgument


@dataclass(frozen=True)
class Neighbours:
    """``top_idx``/``top_sim``: (n, k) neighbour rows and cosines, best first, self excluded.
    ``pairs``: (m, 3) rows of (i, j, cosine) with i < j and cosine >= threshold."""

    top_idx: npt.NDArray[np.int64]
    top_sim: npt.NDArray[np.float32]
    pairs: list[tuple[int, int, float]]


def scan(
    vectors: npt.NDArray[np.float32], k: int, threshold: float, block: int = 1024
) -> Neighbours:
    """Top-``k`` neighbours of every row and all pairs with cosine >= ``threshold``.

    ``vectors``: (n, d) float32, rows L2-normalised (zero rows match nothing).
    """
    if vectors.ndim != 2:
        raise InvalidArgument("vectors must be a 2-D array (n, d)", argument="vectors")
    if k < 1:
        raise InvalidArgument("k must be >= 1", argument="k")
    if not -1.0 <= threshold <= 1.0:
        raise InvalidArgument("threshold must be a cosine in [-1, 1]", argument="threshold")
    n = vectors.shape[0]
    kk = min(k, max(n - 1, 0))
    top_idx = np.full((n, k), -1, dtype=np.int64)
    top_sim = np.full((n, k), -np.inf, dtype=np.float32)
    pairs: list[tuple[int, int, float]] = []
    norms = np.linalg.norm(vectors, axis=1)
    valid = norms > 0
    for start in range(0, n, block):
        stop = min(start + block, n)
        sims = vectors[start:stop] @ vectors.T  # (b, n)
        rows = np.arange(stop - start)
        sims[rows, rows + start] = -np.inf  # an item is not its own neighbour
        sims[:, ~valid] = -np.inf
        sims[~valid[start:stop]] = -np.inf
        if kk:
            part = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]  # (b, kk) unordered
            part_sim = np.take_along_axis(sims, part, axis=1)
            order = np.argsort(-part_sim, axis=1, kind="stable")
            top_idx[start:stop, :kk] = np.take_along_axis(part, order, axis=1)
            top_sim[start:stop, :kk] = np.take_along_axis(part_sim, order, axis=1)
        bi, bj = np.nonzero(sims >= threshold)
        gi = bi + start
        upper = bj > gi
        pairs.extend(
            zip(
                gi[upper].tolist(),
                bj[upper].tolist(),
                sims[bi[upper], bj[upper]].astype(float).tolist(),
                strict=True,
            )
        )
    return Neighbours(top_idx, top_sim, pairs)
