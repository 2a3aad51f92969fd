"""``item_popularity``: how much shoppers wanted each product lately.

Each event about a product counts ``weight[type] * 0.5 ** (age_days / half_life_days)``, the age
measured from the newest event the snapshot holds (not from the clock, so the same snapshot and
params always give the same table). The artifact is a JSON table of the ``top_k`` products by
score, best first, ties by product id.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from shopmind.errors import InvalidArgument
from shopmind.trainers.base import Report, TrainResult, write_artifact
from shopmind.trainers.snapshot import Snapshot

DAY_S = 86_400.0
#: What one event says about interest (the same scale as the recommenders' ``EVENT_WEIGHTS``).
DEFAULT_WEIGHTS = {"view": 1.0, "click": 1.5, "add_to_cart": 3.0, "purchase": 5.0, "search": 0.0}
#: Weight of an event type not listed.
OTHER_WEIGHT = 1.0
#: Progress is reported every this many events while reading.
REPORT_EVERY = 100_000


@dataclass(frozen=True)
class ItemPopularityParams:
    half_life_days: float = 14.0
    top_k: int = 10_000
    weights: dict[str, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ItemPopularityParams:
        """The params of a job (the TypeScript side validated them too; a trainer re-checks)."""
        unknown = set(raw) - {"half_life_days", "top_k", "weights"}
        if unknown:
            raise InvalidArgument(f"item_popularity: unknown params {sorted(unknown)}")
        half_life = raw.get("half_life_days", cls.half_life_days)
        top_k = raw.get("top_k", cls.top_k)
        weights = raw.get("weights", {})
        if not isinstance(half_life, int | float) or not 0 < half_life <= 3650:
            raise InvalidArgument("item_popularity: half_life_days must be in (0, 3650]")
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= 1_000_000:
            raise InvalidArgument("item_popularity: top_k must be a whole number in [1, 1000000]")
        if not isinstance(weights, dict) or not all(
            isinstance(k, str) and isinstance(v, int | float) and 0 <= v <= 1000
            for k, v in weights.items()
        ):
            raise InvalidArgument(
                "item_popularity: weights maps event types to numbers in [0, 1000]"
            )
        return cls(float(half_life), top_k, {k: float(v) for k, v in weights.items()})

    def weight(self, event_type: str) -> float:
        if event_type in self.weights:
            return self.weights[event_type]
        return DEFAULT_WEIGHTS.get(event_type, OTHER_WEIGHT)


def _log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) without overflow."""
    hi, lo = (a, b) if a >= b else (b, a)
    return hi + math.log1p(math.exp(lo - hi))


def train(
    snapshot: Snapshot, raw_params: dict[str, Any], out_dir: Path, report: Report
) -> TrainResult:
    """Scores every product the snapshot's events mention and writes the table to ``out_dir``."""
    params = ItemPopularityParams.parse(raw_params)
    report("read", 0.0, f"reading events up to seq {snapshot.bound}")
    # One pass: the decay is measured from the newest event, known only at the end, so each
    # product keeps log(sum of w * exp(rate * (t - t0))) against a fixed anchor t0 (log space,
    # since exp(rate * t) overflows within a few hundred half-lives), rescaled once at the end.
    rate = math.log(2) / (params.half_life_days * DAY_S)
    counts: dict[str, int] = defaultdict(int)
    log_sums: dict[str, float] = {}
    users: set[str] = set()
    anchor: float | None = None
    newest: datetime | None = None
    read = 0
    max_seq = 0
    for ev in snapshot.events():
        read += 1
        max_seq = max(max_seq, ev.seq)
        counts[ev.product_id] += 1
        users.add(ev.user_id)
        if newest is None or ev.timestamp > newest:
            newest = ev.timestamp
        w = params.weight(ev.type)
        if w > 0:
            t = ev.timestamp.timestamp()
            if anchor is None:
                anchor = t
            term = math.log(w) + rate * (t - anchor)
            prev = log_sums.get(ev.product_id)
            log_sums[ev.product_id] = term if prev is None else _log_add(prev, term)
        if read % REPORT_EVERY == 0:
            report("read", 0.3, f"{read} events read")
    report("score", 0.6, f"{read} events about {len(counts)} products")

    shift = 0.0
    if newest is not None and anchor is not None:
        shift = rate * (newest.timestamp() - anchor)
    scores = {
        item: math.exp(log_sums[item] - shift) if item in log_sums else 0.0 for item in counts
    }
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[: params.top_k]

    report("write", 0.9, f"writing the top {len(ranked)} products")
    table = {
        "feature": "item_popularity",
        "event_bound": snapshot.bound,
        "reference_time": newest.isoformat() if newest is not None else None,
        "params": asdict(params),
        "items": [
            {"item_id": item, "score": round(score, 9), "events": counts[item]}
            for item, score in ranked
        ],
    }
    artifact = write_artifact(out_dir, "item_popularity.json", json.dumps(table, sort_keys=True))
    metrics: dict[str, Any] = {
        "events_read": read,
        "max_seq_read": max_seq,
        "items": len(counts),
        "items_kept": len(ranked),
        "users": len(users),
        "top_item": ranked[0][0] if ranked else None,
        "top_score": round(ranked[0][1], 9) if ranked else 0.0,
    }
    return TrainResult(artifacts=[artifact], metrics=metrics, params=asdict(params))
