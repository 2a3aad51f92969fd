"""The recommendation service: a fitted model, users' histories, live sessions, rules, reasons.

``recommend(user)`` reads the user's history at the last build followed by their live events
(:mod:`~shopmind.recommend.live`), asks the model for ``k * overfetch`` candidates, applies the
shop's rules (:mod:`~shopmind.recommend.rules`), fills up from popularity when too few remain,
and says why each item is there (:mod:`~shopmind.recommend.reasons`). An unknown user gets the
popular items: that is the anonymous path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shopmind.errors import InvalidArgument, NotFound
from shopmind.recommend.base import Ranked, Recommender, top_k
from shopmind.recommend.data import EVENT_CODES, History, Interactions
from shopmind.recommend.hybrid import Hybrid
from shopmind.recommend.itemcf import ItemCF
from shopmind.recommend.live import LiveSessions
from shopmind.recommend.reasons import Similarity, cosine_similarity, reasons
from shopmind.recommend.rules import RuleSet, apply_rules

MAX_K = 1000


@dataclass(frozen=True)
class Recommendation:
    item_id: str
    score: float
    reason: str
    because: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "score": round(self.score, 6),
            "reason": self.reason,
            "because": self.because,
        }


def _itemcf_of(model: Recommender) -> ItemCF | None:
    if isinstance(model, ItemCF):
        return model
    if isinstance(model, Hybrid):
        for m in model.components.values():
            if isinstance(m, ItemCF):
                return m
    return None


class RecommendService:
    """Serving-time recommendations over one fitted model (module docstring)."""

    def __init__(
        self,
        model: Recommender,
        data: Interactions,
        popularity: Recommender,
        rules: RuleSet | None = None,
        live: LiveSessions | None = None,
    ) -> None:
        self.model = model
        self.data = data
        self.catalog = model.catalog
        self.popularity = popularity
        self.rules = rules or RuleSet()
        self.live = live or LiveSessions()
        self._user_row = {u: n for n, u in enumerate(data.users)}
        self._similarities: list[Similarity] = []
        cf = _itemcf_of(model)
        if cf is not None:
            sim = cf.sim

            def cf_sim(items: np.ndarray, history: np.ndarray) -> np.ndarray:
                return np.asarray(sim[history][:, items].T.todense())

            self._similarities.append(cf_sim)
        cos = cosine_similarity(self.catalog)
        if cos is not None:
            self._similarities.append(cos)

    def forget(self, user: str) -> None:
        """Drop ``user``'s built history and live events from memory (after an erasure)."""
        self._user_row.pop(user, None)
        self.live.forget(user)

    def knows(self, user: str) -> bool:
        return user in self._user_row or bool(self.live.events(user))

    def history(self, user: str) -> History:
        """The user's built history followed by their live events (empty when unknown)."""
        row = self._user_row.get(user)
        built = self.data.history(row) if row is not None else None
        return self.live.history(user, built)

    def record(self, user: str, item_id: str, event_type: str, timestamp: int) -> bool:
        """Add a live event; False when the item is unknown to the model (it is then ignored
        here, though the event log keeps it for the next build)."""
        code = EVENT_CODES.get(event_type)
        if code is None:
            raise InvalidArgument(
                f"event_type must be one of {', '.join(EVENT_CODES)}, got {event_type!r}",
                argument="event_type",
            )
        try:
            item = self.catalog.index(item_id)
        except NotFound:
            return False
        self.live.record(user, item, code, timestamp)
        return True

    def recommend(self, user: str, k: int = 10) -> list[Recommendation]:
        """Up to ``k`` items for ``user``, best first, each with its reason."""
        _check_k(k)
        history = self.history(user)
        purchased = {
            int(i)
            for i, e in zip(history.items, _events(history), strict=True)
            if e == EVENT_CODES["purchase"]
        }
        seen = {
            int(i)
            for i, e in zip(history.items, _events(history), strict=True)
            if e != EVENT_CODES["purchase"]
        }
        want = k * self.rules.overfetch
        ranked = (
            self.model.recommend(history, want, exclude=seen)
            if len(history)
            else Ranked(np.zeros(0, np.int64), np.zeros(0, np.float32))
        )
        chosen = apply_rules(ranked, self.catalog, self.rules, k, purchased)
        why = reasons(chosen.items, history, self.catalog, self._similarities)
        out = [
            Recommendation(self.catalog.ids[int(i)], float(s), **w)  # type: ignore[arg-type]
            for i, s, w in zip(chosen.items, chosen.scores, why, strict=True)
        ]
        if len(out) < k:
            taken = {*seen, *purchased, *chosen.items.tolist()}
            more = self.popularity.recommend(history, want, exclude=taken)
            extra = apply_rules(more, self.catalog, self.rules, k - len(out), purchased)
            for i, s in zip(extra.items, extra.scores, strict=True):
                cat = self.catalog.category_of(int(i))
                out.append(
                    Recommendation(
                        self.catalog.ids[int(i)],
                        float(s),
                        "popular" + (f" in {cat}" if cat else ""),
                        None,
                    )
                )
        return out

    def similar(self, item_id: str, k: int = 10) -> list[Recommendation]:
        """Items like ``item_id`` (out-of-stock ones dropped)."""
        _check_k(k)
        item = self.catalog.index(item_id)
        ranked = self.model.similar_items(item, k * self.rules.overfetch)
        if len(ranked) == 0:
            ranked = self.popularity.similar_items(item, k * self.rules.overfetch)
        stock_only = RuleSet(drop_purchased=False, overfetch=self.rules.overfetch)
        chosen = apply_rules(ranked, self.catalog, stock_only, k)
        return [
            Recommendation(self.catalog.ids[int(i)], float(s), f"similar to {item_id}", item_id)
            for i, s in zip(chosen.items, chosen.scores, strict=True)
        ]


def _events(h: History) -> Sequence[int]:
    return h.events.tolist() if h.events is not None else [0] * len(h)


def _check_k(k: int) -> None:
    if not 1 <= k <= MAX_K:
        raise InvalidArgument(f"k must be between 1 and {MAX_K}, got {k}", argument="k")


__all__ = ["RecommendService", "Recommendation", "top_k"]
