"""``ease``: the closed-form linear item-item model EASE (Steck, WWW 2019).

``B = I - P / diag(P)`` with ``P = (X^T X + lambda I)^-1`` over the binary user x item matrix
``X``; a history ``x`` scores ``x @ B``. Here ``x`` weights the newest events more
(``decay ** age``), which suits next-item prediction. The ``(n, n)`` matrix is dense, so only
the ``max_items`` most popular items are modelled (the others score ``-inf``): 20k items take
1.6 GB while fitting and ~0.8 GB as float16 on disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from scipy import sparse

from shopmind.errors import InvalidArgument
from shopmind.recommend.base import Recommender
from shopmind.recommend.data import History, Interactions
from shopmind.recommend.itemcf import history_matrix
from shopmind.text.finetune import check_ranges

#: Gram matrices of at least this many bytes (float64: 16,384 items and up) are inverted in
#: float32. The bundled OpenBLAS crashed (segmentation fault, in LU and in Cholesky, through
#: numpy and through scipy) on the 18,357-item float64 matrix of Amazon Sports (2.7 GB); the
#: same matrix in float32 (1.35 GB) inverts, and EASE's scores need far fewer digits.
FLOAT64_LIMIT_BYTES = 2**31


@dataclass(frozen=True)
class EaseParams:
    l2: float = 200.0
    max_items: int = 20_000
    decay: float = 0.8
    max_history: int = 50

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {
                "l2": self.l2 > 0,
                "max_items": self.max_items >= 1,
                "decay": 0 < self.decay <= 1,
                "max_history": self.max_history >= 1,
            },
        )


class Ease(Recommender):
    """Closed-form linear autoencoder over the most popular items (module docstring)."""

    name = "ease"
    params_type = EaseParams

    def __init__(self, params: EaseParams | None = None) -> None:
        self.params = params or EaseParams()
        self.kept = np.zeros(0, np.int64)  # (m,) catalog indices that B covers
        self.weights = np.zeros((0, 0), np.float32)  # (m, m) B
        self._column_of: np.ndarray | None = None

    def fit(self, data: Interactions) -> Self:
        p = self.params
        self.catalog = data.catalog
        counts = data.item_counts()
        kept = np.flatnonzero(counts > 0)
        if kept.shape[0] > p.max_items:
            kept = np.sort(kept[np.argsort(-counts[kept], kind="stable")[: p.max_items]])
        self.kept = kept.astype(np.int64)
        remap = np.full(data.n_items, -1, np.int64)
        remap[kept] = np.arange(kept.shape[0])
        users = np.repeat(np.arange(data.n_users), data.lengths())
        cols = remap[data.items]
        ok = cols >= 0
        x = sparse.csr_matrix(
            (np.ones(int(ok.sum())), (users[ok], cols[ok])),
            shape=(data.n_users, kept.shape[0]),
        )
        x.data[:] = 1.0  # binary even when an item repeats
        gram = (x.T @ x).toarray()
        if gram.nbytes >= FLOAT64_LIMIT_BYTES:
            gram = gram.astype(np.float32)  # see FLOAT64_LIMIT_BYTES
        gram[np.diag_indices_from(gram)] += p.l2
        inv = spd_inverse(gram)
        b = -inv / np.diag(inv)[None, :]
        b[np.diag_indices_from(b)] = 0.0
        # rounded to the float16 it is saved as, so a loaded model scores exactly the same
        # C order: scoring reads whole rows (scipy's inverse comes back in Fortran order,
        # which made each read a strided walk over the whole matrix: 1.3 s instead of 4 ms)
        self.weights = np.ascontiguousarray(b.astype(np.float16).astype(np.float32))
        self._column_of = None
        return self

    def scores(self, histories: Sequence[History]) -> np.ndarray:
        p = self.params
        if len(histories) == 1:
            return self._one(histories[0])
        h = history_matrix(histories, len(self.catalog), p.decay, p.max_history)
        # columns renumbered to B's rows (items outside B dropped) without scipy's slow
        # column slicing; the sparse x dense product then reads only the history's rows of B
        cols = self._columns()[h.indices]
        keep = cols >= 0
        row_of = np.repeat(np.arange(h.shape[0]), np.diff(h.indptr))
        x = sparse.csr_matrix(
            (h.data[keep], (row_of[keep], cols[keep])),
            shape=(h.shape[0], self.kept.shape[0]),
            dtype=np.float32,
        )
        out = np.full((len(histories), len(self.catalog)), -np.inf, np.float32)
        out[:, self.kept] = x @ self.weights
        return out

    def _one(self, history: History) -> np.ndarray:
        """``(1, n_items)``: one history's scores (a request). The same weighted sum of B's rows
        as the batch path, without building sparse matrices, which cost 5x the product here."""
        items = history.items[-self.params.max_history :]
        w = (self.params.decay ** np.arange(items.shape[0] - 1, -1, -1)).astype(np.float32)
        cols = self._columns()[items]
        keep = cols >= 0
        out = np.full((1, len(self.catalog)), -np.inf, np.float32)
        out[0, self.kept] = w[keep] @ self.weights[cols[keep]]
        return out

    def _columns(self) -> np.ndarray:
        """``(n_items,)``: each catalog item's row in B, or -1 (cached)."""
        if self._column_of is None or self._column_of.shape[0] != len(self.catalog):
            column_of = np.full(len(self.catalog), -1, np.int64)
            column_of[self.kept] = np.arange(self.kept.shape[0])
            self._column_of = column_of
        return self._column_of

    def arrays(self) -> dict[str, np.ndarray]:
        return {"kept": self.kept, "weights": self.weights.astype(np.float16)}

    def set_arrays(self, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> None:
        self.kept = arrays["kept"]
        self.weights = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
        self._column_of = None


def spd_inverse(a: np.ndarray) -> np.ndarray:
    """The inverse of the symmetric positive definite ``a`` (``(m, m)``, float32 or float64).

    Through its Cholesky factor (LAPACK ``potrf`` then ``potri``): about a third of the
    flops of a general inverse, 3x faster here on 5,000 items."""
    from scipy.linalg import lapack

    potrf, potri = (
        (lapack.spotrf, lapack.spotri) if a.dtype == np.float32 else (lapack.dpotrf, lapack.dpotri)
    )
    factor, info = potrf(a, lower=False, clean=False, overwrite_a=False)
    if info != 0:
        raise InvalidArgument(
            f"the item Gram matrix is not positive definite (LAPACK info {info}); raise l2",
            argument="l2",
        )
    upper, info = potri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise InvalidArgument(
            f"the item Gram matrix cannot be inverted (LAPACK info {info}); raise l2",
            argument="l2",
        )
    inv: np.ndarray = np.triu(upper)
    inv += np.triu(upper, 1).T  # potri fills one triangle
    if not np.isfinite(inv).all():
        raise InvalidArgument("the item Gram matrix is ill-conditioned; raise l2", argument="l2")
    return inv
