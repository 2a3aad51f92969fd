"""Why an item is recommended: the event in the history it is most like.

Similarity comes from item-to-item co-occurrence when the model has it (people who touched X
touched this), else from text vectors (this is like X). Without either, or when nothing in the
history is related, the reason is the item's popularity.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from shopmind.recommend.data import EVENT_CODES, Catalog, History

VERBS = {
    0: "interacted with",
    **{
        code: verb
        for verb, code in (
            ("viewed", EVENT_CODES["view"]),
            ("clicked", EVENT_CODES["click"]),
            ("added to cart", EVENT_CODES["add_to_cart"]),
            ("bought", EVENT_CODES["purchase"]),
        )
    },
}
RECENT = 10  # newest history events a reason may point at

#: (candidate, history items) -> similarity of the candidate to each history item
Similarity = Callable[[int, np.ndarray], np.ndarray]


def cosine_similarity(catalog: Catalog) -> Similarity | None:
    """Text-vector cosine, when the catalog has vectors."""
    vectors = catalog.vectors
    if vectors is None:
        return None

    def sim(item: int, history: np.ndarray) -> np.ndarray:
        return vectors[history] @ vectors[item]

    return sim


def reason(
    item: int, history: History, catalog: Catalog, similarities: list[Similarity], popular: bool
) -> dict[str, str | None]:
    """``{"reason": text, "because": item id or None}``: why ``item`` follows ``history``."""
    recent = history.items[-RECENT:]
    events = history.events[-RECENT:] if history.events is not None else None
    for sim in similarities:
        if recent.shape[0] == 0:
            break
        s = sim(item, recent)
        best = int(np.argmax(s[::-1]))  # ties go to the newest event
        j = recent.shape[0] - 1 - best
        if s[j] > 0:
            code = int(events[j]) if events is not None else 0
            verb = VERBS.get(code, VERBS[0])
            return {
                "reason": f"because you {verb} {catalog.ids[int(recent[j])]}",
                "because": catalog.ids[int(recent[j])],
            }
    cat = catalog.category_of(item)
    text = "popular" + (f" in {cat}" if cat else "") if popular else "recommended for you"
    return {"reason": text, "because": None}
