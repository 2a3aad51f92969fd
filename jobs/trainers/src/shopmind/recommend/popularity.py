"""``popularity`` and ``trending``: what many people chose, optionally recent, per category.

Each interaction counts ``EVENT_WEIGHTS[event] * 0.5 ** (age_days / half_life_days)``, ages
measured from the newest event in the data (``half_life_days=None``: no decay). With
``category_boost > 0`` a history's own categories lift their items:
``score = log1p(popularity) + category_boost * share of the item's category in the history``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from shopmind.errors import InvalidArgument
from shopmind.recommend.base import Ranked, Recommender, Shortlist, top_k
from shopmind.recommend.data import EVENT_WEIGHTS, History, Interactions
from shopmind.text.finetune import check_ranges

DAY = 86_400.0


@dataclass(frozen=True)
class PopularityParams:
    half_life_days: float | None = None
    category_boost: float = 0.0

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {
                "half_life_days": self.half_life_days is None or self.half_life_days > 0,
                "category_boost": self.category_boost >= 0,
            },
        )


class Popularity(Recommender):
    """Most interacted-with items overall; see the module docstring."""

    name = "popularity"
    params_type = PopularityParams
    default_params = PopularityParams()

    def __init__(self, params: PopularityParams | None = None) -> None:
        self.params = params or self.default_params
        self.popularity = np.zeros(0, np.float32)
        self._order: np.ndarray | None = None  # items by popularity, for shortlists

    def fit(self, data: Interactions) -> Self:
        self.catalog = data.catalog
        w = EVENT_WEIGHTS[np.clip(data.events, 0, len(EVENT_WEIGHTS) - 1)].astype(np.float64)
        timed = data.times >= 0
        if self.params.half_life_days is not None and timed.any():
            age = (data.times[timed].max() - np.where(timed, data.times, 0)) / DAY
            w = w * np.where(timed, 0.5 ** (age / self.params.half_life_days), 1.0)
        pop = np.bincount(data.items, weights=w, minlength=data.n_items)
        self.popularity = np.log1p(pop).astype(np.float32)
        self._order = None
        return self

    def scores(self, histories: Sequence[History]) -> np.ndarray:
        out = np.repeat(self.popularity[None, :], len(histories), axis=0)
        if self.params.category_boost > 0 and self.catalog.category:
            cats = np.asarray(self.catalog.category)
            for r, h in enumerate(histories):
                if len(h) == 0:
                    continue
                counts = Counter(cats[h.items].tolist())
                counts.pop("", None)
                for cat, n in counts.items():
                    out[r, cats == cat] += self.params.category_boost * n / len(h)
        return out

    def shortlists(self, histories: Sequence[History], n: int) -> list[Shortlist]:
        """The head of the items sorted once by popularity, less each history's items (every
        history's list is the same bar those, unless categories boost it)."""
        if self.params.category_boost > 0 and self.catalog.category:
            return super().shortlists(histories, n)
        if self._order is None:
            # ties by index, as top_k breaks them
            self._order = np.lexsort((np.arange(self.popularity.shape[0]), -self.popularity))
        popularity = self.popularity

        def score(asked: np.ndarray) -> np.ndarray:
            return popularity[asked]

        out = []
        for h in histories:
            head = self._order[: n + len(h)]
            items = head[~np.isin(head, h.items)][:n].astype(np.int64)
            out.append(Shortlist(items, popularity[items], score))
        return out

    def popular_in(self, category: str, k: int = 10) -> Ranked:
        """The ``k`` most popular items whose category is ``category`` or below it."""
        if not self.catalog.category:
            raise InvalidArgument("the catalog has no categories", argument="category")
        cats = self.catalog.category
        outside = [
            i for i, c in enumerate(cats) if not (c == category or c.startswith(category + ">"))
        ]
        return top_k(self.popularity, k, outside)

    def similar_items(self, item: int, k: int = 10) -> Ranked:
        """Popular items of ``item``'s category (all items when the catalog has none)."""
        self._check_item(item)
        cat = self.catalog.category_of(item)
        if not cat:
            return top_k(self.popularity, k, [item])
        same = np.asarray(self.catalog.category) == cat
        s = np.where(same, self.popularity, -np.inf)
        return top_k(s, k, [item])

    def arrays(self) -> dict[str, np.ndarray]:
        return {"popularity": self.popularity}

    def set_arrays(self, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> None:
        self.popularity = arrays["popularity"]
        self._order = None


class Trending(Popularity):
    """Popularity with a 7-day half-life: what is being chosen now."""

    name = "trending"
    default_params = PopularityParams(half_life_days=7.0)
