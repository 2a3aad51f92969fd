"""``shopmind-trainers bench pii``: precision and recall of the personal-data detectors on a
labelled synthetic set (:mod:`shopmind.synth.pii`).

A found span counts as a hit when it has the planted kind and covers at least half of a
planted span (and the planted span covers at least half of it); everything else it finds is a
false alarm, and every planted span without a hit a miss.
"""

from __future__ import annotations

import time
from typing import Any

from shopmind.privacy.pii import KINDS, Found, find_pii
from shopmind.synth.pii import Planted, labelled_texts


def _overlap(a: Found, b: Planted) -> bool:
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared * 2 >= (b.end - b.start) and shared * 2 >= (a.end - a.start)


def bench_pii(texts: int = 20_000, seed: int = 0) -> dict[str, Any]:
    """Per kind: planted, found, hits, precision and recall; and the detectors' speed."""
    data = labelled_texts(texts, seed)
    started = time.perf_counter()
    found = [find_pii(text) for text, _ in data]
    seconds = time.perf_counter() - started
    tally = {k: {"planted": 0, "found": 0, "hits": 0} for k in KINDS}
    misses: list[str] = []
    for (text, planted), got in zip(data, found, strict=True):
        for f in got:
            tally[f.kind]["found"] += 1
        used: set[int] = set()
        for p in planted:
            tally[p.kind]["planted"] += 1
            hit = next(
                (
                    i
                    for i, f in enumerate(got)
                    if i not in used and f.kind == p.kind and _overlap(f, p)
                ),
                None,
            )
            if hit is None:
                if len(misses) < 20:
                    misses.append(text[p.start : p.end])
                continue
            used.add(hit)
            tally[p.kind]["hits"] += 1
    kinds = {
        k: {
            **t,
            "precision": round(t["hits"] / t["found"], 4) if t["found"] else None,
            "recall": round(t["hits"] / t["planted"], 4) if t["planted"] else None,
        }
        for k, t in tally.items()
    }
    return {
        "texts": texts,
        "seed": seed,
        "with_pii": sum(1 for _, p in data if p),
        "kinds": kinds,
        "missed_examples": misses,
        "texts_per_s": round(texts / seconds),
    }
