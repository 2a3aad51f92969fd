"""What recommenders learn from: chronological histories over a dense item index.

Item ids are strings outside (``item_id`` of the products asset, or a dataset's ids); inside,
every model works on dense indices ``0..n_items-1`` so scores are plain ``(n_items,)`` arrays.
Histories are stored CSR-style: user ``u`` owns positions ``offsets[u]:offsets[u+1]`` of the
flat ``items`` / ``events`` / ``times`` arrays, oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from shopmind.errors import InvalidArgument, NotFound

#: Event codes shared by every model; 0 means "not recorded" (datasets without event types).
EVENT_CODES = {"view": 1, "click": 2, "add_to_cart": 3, "purchase": 4}
NO_TIME = -1  # a history without timestamps stores this in ``times``
#: How much one event says about interest, by event code (index); unknown types count 1.
EVENT_WEIGHTS = np.array([1.0, 1.0, 1.5, 3.0, 5.0], np.float32)


@dataclass(frozen=True)
class Catalog:
    """The items a recommender ranks, with what rules and cold start need to know of them.

    ``vectors`` (``(n_items, d)`` float32, L2-normalised) are the text encoder's item
    embeddings when known; ``category`` / ``brand`` are ``""`` when unknown; ``in_stock`` is
    True when unknown.
    """

    ids: tuple[str, ...]
    category: tuple[str, ...] = ()
    brand: tuple[str, ...] = ()
    in_stock: np.ndarray | None = None  # (n_items,) bool
    vectors: np.ndarray | None = None  # (n_items, d) float32
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if n == 0:
            raise InvalidArgument("a recommender catalog needs at least one item", argument="ids")
        for name, col in (("category", self.category), ("brand", self.brand)):
            if col and len(col) != n:
                raise InvalidArgument(f"{name} has {len(col)} entries for {n} items", argument=name)
        if self.in_stock is not None and self.in_stock.shape != (n,):
            raise InvalidArgument(f"in_stock must have shape ({n},)", argument="in_stock")
        if self.vectors is not None and (self.vectors.ndim != 2 or self.vectors.shape[0] != n):
            raise InvalidArgument(f"vectors must have shape ({n}, d)", argument="vectors")
        self._index.update({item: i for i, item in enumerate(self.ids)})
        if len(self._index) != n:
            raise InvalidArgument("item ids must be unique", argument="ids")

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, item: str) -> int:
        """Dense index of ``item``; NotFound when the catalog lacks it."""
        try:
            return self._index[item]
        except KeyError:
            raise NotFound(f"item {item!r} is not in the recommender's catalog") from None

    def known(self, items: Iterable[str]) -> list[int]:
        """Dense indices of the items the catalog has, in order; unknown ones are skipped."""
        return [self._index[i] for i in items if i in self._index]

    def category_of(self, i: int) -> str:
        return self.category[i] if self.category else ""

    def brand_of(self, i: int) -> str:
        return self.brand[i] if self.brand else ""


@dataclass(frozen=True)
class History:
    """One user's interactions, oldest first: item indices, event codes, unix seconds."""

    items: np.ndarray  # (L,) int64
    events: np.ndarray | None = None  # (L,) int8, EVENT_CODES values
    times: np.ndarray | None = None  # (L,) int64 seconds

    @classmethod
    def of(cls, items: Sequence[int]) -> History:
        return cls(np.asarray(items, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.items.shape[0])

    def extended(
        self, items: Sequence[int], events: Sequence[int], times: Sequence[int]
    ) -> History:
        """This history followed by live events (the real-time path)."""
        ev = self.events if self.events is not None else np.zeros(len(self), np.int8)
        tm = self.times if self.times is not None else np.full(len(self), NO_TIME, np.int64)
        return History(
            np.concatenate([self.items, np.asarray(items, np.int64)]),
            np.concatenate([ev, np.asarray(events, np.int8)]),
            np.concatenate([tm, np.asarray(times, np.int64)]),
        )


@dataclass(frozen=True)
class Interactions:
    """Every user's history over one catalog, CSR-style (see the module docstring)."""

    catalog: Catalog
    users: tuple[str, ...]
    offsets: np.ndarray  # (n_users + 1,) int64
    items: np.ndarray  # (nnz,) int64
    events: np.ndarray  # (nnz,) int8, 0 when not recorded
    times: np.ndarray  # (nnz,) int64, NO_TIME when not recorded

    def __post_init__(self) -> None:
        if self.offsets.shape != (len(self.users) + 1,):
            raise InvalidArgument("offsets must have n_users + 1 entries", argument="offsets")
        n = int(self.offsets[-1])
        for name in ("items", "events", "times"):
            if getattr(self, name).shape != (n,):
                raise InvalidArgument(f"{name} must have {n} entries", argument=name)
        if n and (self.items.min() < 0 or self.items.max() >= len(self.catalog)):
            raise InvalidArgument("item indices must lie in the catalog", argument="items")

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.catalog)

    @property
    def n_interactions(self) -> int:
        return int(self.offsets[-1])

    def history(self, u: int) -> History:
        a, b = int(self.offsets[u]), int(self.offsets[u + 1])
        return History(self.items[a:b], self.events[a:b], self.times[a:b])

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def item_counts(self) -> np.ndarray:
        """Interactions per item, ``(n_items,)`` int64."""
        return np.bincount(self.items, minlength=self.n_items)

    def truncated(self, drop_last: int) -> Interactions:
        """Every history without its last ``drop_last`` interactions (leave-one-out splits)."""
        lengths = np.maximum(self.lengths() - drop_last, 0)
        keep = np.concatenate(
            [np.arange(a, a + n) for a, n in zip(self.offsets[:-1], lengths, strict=True)]
            or [np.zeros(0, np.int64)]
        ).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return Interactions(
            self.catalog,
            self.users,
            offsets,
            self.items[keep],
            self.events[keep],
            self.times[keep],
        )

    @classmethod
    def from_sequences(
        cls,
        catalog: Catalog,
        sequences: Sequence[Sequence[int]],
        users: Sequence[str] | None = None,
        events: Sequence[Sequence[int]] | None = None,
        times: Sequence[Sequence[int]] | None = None,
    ) -> Interactions:
        """Build from per-user lists of item indices (oldest first)."""
        lengths = np.fromiter((len(s) for s in sequences), np.int64, len(sequences))
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        n = int(offsets[-1])

        def flat(rows: Sequence[Sequence[int]] | None, dtype: type, fill: int) -> np.ndarray:
            if rows is None:
                return np.full(n, fill, dtype)
            out: np.ndarray = np.fromiter((x for r in rows for x in r), dtype, n)
            return out

        return cls(
            catalog,
            tuple(users) if users is not None else tuple(str(u) for u in range(len(sequences))),
            offsets,
            flat(sequences, np.int64, 0),
            flat(events, np.int8, 0),
            flat(times, np.int64, NO_TIME),
        )
