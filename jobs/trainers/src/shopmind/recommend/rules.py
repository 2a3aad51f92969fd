"""Business rules applied to a model's ranked candidates before they are shown.

In order:
1. drop items that are out of stock, and items the user already purchased unless their
   category (or a parent of it) is a repeat-purchase category;
2. boost (``score + boost``) and bury (moved after every other item) lists;
3. diversity: maximal marginal relevance re-ranking (``lambda * relevance - (1 - lambda) *
   redundancy``, redundancy 1 for the same leaf category, 0.5 for the same brand), and hard caps
   on how many items of one brand or one category the list may hold.

Rules never add an item the model did not propose; they ask the model for more candidates than
they return (``overfetch``) so dropped items are replaced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from shopmind.recommend.base import Ranked
from shopmind.recommend.data import Catalog
from shopmind.text.finetune import check_ranges


@dataclass(frozen=True)
class RuleSet:
    """One shop's rules; the default drops out-of-stock and purchased items only."""

    drop_out_of_stock: bool = True
    drop_purchased: bool = True
    repeat_categories: tuple[str, ...] = ()  # e.g. ("Grocery", "Beauty>Skin Care")
    boost: Mapping[str, float] = field(default_factory=dict)  # item id -> added score
    bury: tuple[str, ...] = ()  # item ids shown only after everything else
    mmr_lambda: float = 1.0  # 1 = relevance only; 0.7 is a common diversity setting
    max_per_brand: int = 0  # 0 = no cap
    max_per_category: int = 0
    overfetch: int = 4  # candidates asked of the model per item returned

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {
                "mmr_lambda": 0 <= self.mmr_lambda <= 1,
                "max_per_brand": self.max_per_brand >= 0,
                "max_per_category": self.max_per_category >= 0,
                "overfetch": self.overfetch >= 1,
            },
        )


def _repeatable(category: str, repeat: tuple[str, ...]) -> bool:
    return any(category == c or category.startswith(c + ">") for c in repeat)


def apply_rules(
    ranked: Ranked, catalog: Catalog, rules: RuleSet, k: int, purchased: Iterable[int] = ()
) -> Ranked:
    """Filter, boost, bury and diversify ``ranked`` (best first); return at most ``k`` items."""
    items = ranked.items.tolist()
    scores = ranked.scores.astype(np.float64).tolist()
    bought = set(purchased) if rules.drop_purchased else set()
    kept: list[tuple[int, float]] = []
    for i, s in zip(items, scores, strict=True):
        if rules.drop_out_of_stock and catalog.in_stock is not None and not catalog.in_stock[i]:
            continue
        if i in bought and not _repeatable(catalog.category_of(i), rules.repeat_categories):
            continue
        kept.append((i, s + rules.boost.get(catalog.ids[i], 0.0)))
    buried = set(rules.bury)
    front = sorted(((i, s) for i, s in kept if catalog.ids[i] not in buried), key=lambda t: -t[1])
    back = [(i, s) for i, s in kept if catalog.ids[i] in buried]
    chosen = _diversify(front, catalog, rules, k)
    if len(chosen) < k:
        chosen += _diversify(back, catalog, rules, k - len(chosen), chosen)
    return Ranked(
        np.array([i for i, _ in chosen], np.int64), np.array([s for _, s in chosen], np.float32)
    )


def _diversify(
    pool: list[tuple[int, float]],
    catalog: Catalog,
    rules: RuleSet,
    k: int,
    already: list[tuple[int, float]] | None = None,
) -> list[tuple[int, float]]:
    """Greedy MMR with brand/category caps; ``already`` counts towards the caps."""
    taken = list(already or [])
    brands = Counter(catalog.brand_of(i) for i, _ in taken)
    cats = Counter(catalog.category_of(i) for i, _ in taken)
    out: list[tuple[int, float]] = []
    if not pool:
        return out
    top = max(s for _, s in pool)
    low = min(s for _, s in pool)
    span = (top - low) or 1.0
    left = list(pool)
    while left and len(out) < k:
        best, best_value = -1, -np.inf
        for n, (i, s) in enumerate(left):
            b, c = catalog.brand_of(i), catalog.category_of(i)
            if rules.max_per_brand and b and brands[b] >= rules.max_per_brand:
                continue
            if rules.max_per_category and c and cats[c] >= rules.max_per_category:
                continue
            value = (s - low) / span
            if rules.mmr_lambda < 1.0:
                redundancy = max(
                    (
                        1.0
                        if c and c == catalog.category_of(j)
                        else 0.5
                        if b and b == catalog.brand_of(j)
                        else 0.0
                        for j, _ in taken
                    ),
                    default=0.0,
                )
                value = rules.mmr_lambda * value - (1 - rules.mmr_lambda) * redundancy
            if value > best_value:
                best, best_value = n, value
            if rules.mmr_lambda == 1.0:
                break  # relevance only: the first admissible item is the best
        if best < 0:
            break  # every remaining item is over a cap
        i, s = left.pop(best)
        out.append((i, s))
        taken.append((i, s))
        brands[catalog.brand_of(i)] += 1
        cats[catalog.category_of(i)] += 1
    return out
