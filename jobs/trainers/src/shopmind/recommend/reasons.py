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

#: (candidates (c,), history items (h,)) -> (c, h) similarity of each candidate to each item
Similarity = Callable[[np.ndarray, np.ndarray], np.ndarray]


def cosine_similarity(catalog: Catalog) -> Similarity | None:
    """Text-vector cosine, when the catalog has vectors."""
    vectors = catalog.vectors
    if vectors is None:
        return None

    def sim(items: np.ndarray, history: np.ndarray) -> np.ndarray:
        return vectors[items] @ vectors[history].T

    return sim


def reasons(
    items: np.ndarray, history: History, catalog: Catalog, similarities: list[Similarity]
) -> list[dict[str, str | None]]:
    """Per item of ``items``: ``{"reason": text, "because": item id or None}``, why it follows
    ``history``. Each similarity is asked once for all items (one sparse or dense product per
    recommendation list instead of one per item)."""
    recent = history.items[-RECENT:]
    events = history.events[-RECENT:] if history.events is not None else None
    out: list[dict[str, str | None]] = [{} for _ in range(items.shape[0])]
    todo = np.arange(items.shape[0])
    for sim in similarities:
        if recent.shape[0] == 0 or todo.shape[0] == 0:
            break
        s = np.asarray(sim(items[todo], recent))  # (t, h)
        best = s.shape[1] - 1 - np.argmax(s[:, ::-1], axis=1)  # ties go to the newest event
        value = s[np.arange(s.shape[0]), best]
        for r, j, v in zip(todo.tolist(), best.tolist(), value.tolist(), strict=True):
            if v > 0:
                code = int(events[j]) if events is not None else 0
                because = catalog.ids[int(recent[j])]
                out[r] = {
                    "reason": f"because you {VERBS.get(code, VERBS[0])} {because}",
                    "because": because,
                }
        todo = todo[value <= 0]
    for r in todo.tolist():
        out[r] = {"reason": "recommended for you", "because": None}
    return out
