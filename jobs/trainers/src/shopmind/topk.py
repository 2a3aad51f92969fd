"""The k best entries of a score vector, shared by search and recommendations.

Every request ends in a top-k over a catalog-sized array of scores (the lexical scores of a
search, each recommender's scores), and on 100,000 items a full partition costs about 0.5 ms:
a large share of a request. This lives at the bottom of the package so that both learning
packages can use it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_MIN_RANK = 8


def top_unordered(row: npt.NDArray[np.floating], k: int) -> npt.NDArray[np.int64]:
    """Indices of the ``k`` largest entries of ``row`` ``(N,)``, in no order (all of them when
    ``N <= k``; ``-inf`` entries are taken only when fewer than ``k`` are finite).

    A full partition of a 12,000-item row costs about 0.1 ms, several times a request's share
    for one model. So a threshold is read off a strided sample first (its ``~3k/stride``-th
    largest value, expected to pass about ``3k`` items); when at least ``k`` entries pass, the
    answer is exactly the top ``k`` of those few. Otherwise it falls back to the partition.

    The threshold is at least the sample's 8th largest: how many items pass a sample's r-th
    largest varies like a Gamma(r) draw, and with r = 1 (a sparse sample, as the first version
    took) fewer than ``k`` passed for one request in four on a recommender's skewed scores."""
    n = row.shape[0]
    if k <= 0:
        return np.zeros(0, np.int64)
    if n <= k:
        return np.arange(n)
    stride = min(n // 1024, 3 * k // _MIN_RANK)
    if stride >= 2:
        sample = row[::stride]
        # only finite values: partitioning thousands of equal -inf took 10x as long
        sample = sample[sample > -np.inf]
        rank = -(-3 * k // stride)  # ceil: the sample's rank-th largest, rank >= _MIN_RANK
        if sample.shape[0] >= rank:
            threshold = np.partition(sample, sample.shape[0] - rank)[sample.shape[0] - rank]
            passed = np.flatnonzero(row >= threshold)
            if k <= passed.shape[0] <= n // 4:  # many more pass only on heavy ties
                return passed[np.argpartition(-row[passed], k - 1)[:k]]
    finite = np.flatnonzero(row > -np.inf)
    if finite.shape[0] <= k:  # all that is finite, padded with -inf entries
        pad = np.flatnonzero(~(row > -np.inf))[: k - finite.shape[0]]
        return np.concatenate([finite, pad])
    if finite.shape[0] < n // 4:  # a model that proposes few items: search only those
        return finite[np.argpartition(-row[finite], k - 1)[:k]]
    return np.argpartition(-row, k - 1)[:k]
