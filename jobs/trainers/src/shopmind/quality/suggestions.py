"""Suggestions from item embeddings: near-duplicate products and inferred categories.

Both are written as assets (``near_duplicates@N``, ``category_suggestions@N``) whose lineage
names the products and embeddings versions they came from; the catalog itself is never
rewritten. A person (or a later rule) decides what to do with them.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from shopmind.contracts.vectors import vectors_matrix
from shopmind.errors import InvalidArgument
from shopmind.quality.neighbours import Neighbours, scan
from shopmind.workspace import AssetVersion, Workspace

# Model numbers such as "X-200", "GT50", "SM-G991B": letters, an optional hyphen, digits.
MODEL_NUMBER = re.compile(r"\b[A-Za-z]{1,4}-?\d{2,6}[A-Za-z]?\b")


@dataclass(frozen=True)
class SuggestionParams:
    """``duplicate_threshold``: cosine at or above which two products are candidate
    near-duplicates; a candidate is kept unless the two disagree on a fact (an attribute both
    have with different values, different brands, or prices more than ``max_price_ratio``
    apart): variants of one product (size M and size L) read alike but are not duplicates.
    ``k``: neighbours that vote on a category. ``min_confidence``: weight share a category
    needs to be suggested for an uncategorised product. ``disagree_confidence``: share needed
    to call an existing category suspicious (and the current category must hold at most
    ``max_current_share`` of the votes)."""

    duplicate_threshold: float = 0.95
    max_price_ratio: float = 1.5
    k: int = 10
    min_confidence: float = 0.5
    disagree_confidence: float = 0.8
    max_current_share: float = 0.1

    def __post_init__(self) -> None:
        for name in (
            "duplicate_threshold",
            "min_confidence",
            "disagree_confidence",
            "max_current_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidArgument(f"{name} must be in [0, 1], got {value}", argument=name)
        if self.max_price_ratio < 1.0:
            raise InvalidArgument(
                f"max_price_ratio must be >= 1, got {self.max_price_ratio}",
                argument="max_price_ratio",
            )
        if self.k < 1:
            raise InvalidArgument(f"k must be >= 1, got {self.k}", argument="k")


def conflicts(a: dict[str, Any], b: dict[str, Any], params: SuggestionParams) -> list[str]:
    """Facts on which two products disagree (empty: they may be the same product).

    ``a``/``b`` hold ``brand``, ``price``, ``attrs`` (a dict) and ``models`` (the model
    numbers in the title, a set) of each product.
    """
    out = []
    if a["brand"] and b["brand"] and str(a["brand"]).casefold() != str(b["brand"]).casefold():
        out.append("brand")
    pa_, pb = a["price"], b["price"]
    if pa_ and pb and max(pa_, pb) / max(min(pa_, pb), 1e-9) > params.max_price_ratio:
        out.append("price")
    if a["models"] and b["models"] and not a["models"] & b["models"]:
        out.append("model_number")
    for key in sorted(set(a["attrs"]) & set(b["attrs"])):
        if str(a["attrs"][key]).casefold() != str(b["attrs"][key]).casefold():
            out.append(f"attribute:{key}")
    return out


def product_facts(row: dict[str, Any]) -> dict[str, Any]:
    """What :func:`conflicts` compares, from a products row (title, brand, price, attributes)."""
    try:
        attrs = orjson.loads(row["attributes"]) if row["attributes"] else {}
    except orjson.JSONDecodeError:
        attrs = {}
    return {
        "brand": row["brand"],
        "price": row["price"],
        "attrs": attrs if isinstance(attrs, dict) else {},
        "models": {m.upper().replace("-", "") for m in MODEL_NUMBER.findall(row["title"] or "")},
    }


def infer_categories(
    categories: list[str | None], nb: Neighbours, params: SuggestionParams
) -> list[dict[str, Any]]:
    """Weighted kNN vote of labelled neighbours; one suggestion dict per flagged item."""
    out = []
    for i, current in enumerate(categories):
        votes: dict[str, float] = defaultdict(float)
        neighbours = []
        for j, sim in zip(nb.top_idx[i], nb.top_sim[i], strict=True):
            if j < 0 or not np.isfinite(sim) or categories[j] is None:
                continue
            votes[str(categories[j])] += max(float(sim), 0.0)
            neighbours.append(int(j))
        total = sum(votes.values())
        if not total:
            continue
        best, weight = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
        confidence = weight / total
        if current is None and confidence >= params.min_confidence:
            reason = "missing"
        elif (
            current is not None
            and best != current
            and confidence >= params.disagree_confidence
            and votes.get(current, 0.0) / total <= params.max_current_share
        ):
            reason = "disagrees"
        else:
            continue
        out.append(
            {
                "row": i,
                "suggested": best,
                "confidence": round(confidence, 4),
                "reason": reason,
                "support": len(neighbours),
                "neighbours": neighbours[:5],
            }
        )
    return out


def build_suggestions(
    ws: Workspace,
    products: AssetVersion,
    embeddings: AssetVersion,
    params: SuggestionParams | None = None,
) -> list[AssetVersion]:
    """Commit ``near_duplicates@N`` and ``category_suggestions@N`` for one catalog version."""
    params = params or SuggestionParams()
    started = time.perf_counter()
    prod = ws.read_table(
        products, columns=["item_id", "title", "brand", "category", "price", "attributes"]
    )
    emb = ws.read_table(embeddings, columns=["item_id", "text_hash", "vector"])
    if emb["item_id"].to_pylist() != prod["item_id"].to_pylist():
        raise InvalidArgument(
            f"{embeddings.ref} was not built from {products.ref} (item ids differ)",
            argument="embeddings",
        )
    ids = prod["item_id"].to_pylist()
    titles, brands = prod["title"].to_pylist(), prod["brand"].to_pylist()
    cats = prod["category"].to_pylist()
    hashes = emb["text_hash"].to_pylist()
    nb = scan(vectors_matrix(emb["vector"]), params.k, params.duplicate_threshold)
    scan_s = time.perf_counter() - started

    facts = [
        product_facts(r) for r in prod.select(["title", "brand", "price", "attributes"]).to_pylist()
    ]
    candidates = len(nb.pairs)
    pairs = sorted(
        (p for p in nb.pairs if not conflicts(facts[p[0]], facts[p[1]], params)),
        key=lambda p: -p[2],
    )
    dup = pa.table(
        {
            "item_a": [ids[i] for i, _j, _s in pairs],
            "item_b": [ids[j] for _i, j, _s in pairs],
            "cosine": pa.array([s for _i, _j, s in pairs], pa.float32()),
            "title_a": [titles[i] for i, _j, _s in pairs],
            "title_b": [titles[j] for _i, j, _s in pairs],
            "same_brand": [brands[i] is not None and brands[i] == brands[j] for i, j, _s in pairs],
            "same_text": [hashes[i] == hashes[j] for i, j, _s in pairs],
        },
        schema=pa.schema(
            [
                ("item_a", pa.string()),
                ("item_b", pa.string()),
                ("cosine", pa.float32()),
                ("title_a", pa.string()),
                ("title_b", pa.string()),
                ("same_brand", pa.bool_()),
                ("same_text", pa.bool_()),
            ]
        ),
    )
    suggestions = infer_categories(cats, nb, params)
    cat = pa.table(
        {
            "item_id": [ids[s["row"]] for s in suggestions],
            "title": [titles[s["row"]] for s in suggestions],
            "current_category": pa.array([cats[s["row"]] for s in suggestions], pa.string()),
            "suggested_category": pa.array([s["suggested"] for s in suggestions], pa.string()),
            "confidence": pa.array([s["confidence"] for s in suggestions], pa.float32()),
            "reason": pa.array([s["reason"] for s in suggestions], pa.string()),
            "support": pa.array([s["support"] for s in suggestions], pa.int32()),
            "neighbours": pa.array(
                [[ids[j] for j in s["neighbours"]] for s in suggestions], pa.list_(pa.string())
            ),
        }
    )
    in_dup = {i for i, _j, _s in pairs} | {j for _i, j, _s in pairs}
    by_reason: dict[str, int] = defaultdict(int)
    for s in suggestions:
        by_reason[s["reason"]] += 1
    inputs = (products.ref, embeddings.ref)
    with ws.transaction("quality.suggestions") as txn:
        d = txn.stage("near_duplicates")
        pq.write_table(dup, d.data_path)
        d.describe(
            params=asdict(params),
            inputs=inputs,
            quality={
                "pairs": len(pairs),
                "candidates": candidates,
                "rejected_by_conflict": candidates - len(pairs),
                "products_involved": len(in_dup),
                "exact_text_pairs": int(sum(dup["same_text"].to_pylist())),
            },
            report={"scan_seconds": round(scan_s, 3)},
        )
        c = txn.stage("category_suggestions")
        pq.write_table(cat, c.data_path)
        c.describe(
            params=asdict(params),
            inputs=inputs,
            quality={
                "suggestions": len(suggestions),
                "by_reason": dict(by_reason),
                "uncategorised": sum(1 for x in cats if x is None),
            },
            report={"seconds": round(time.perf_counter() - started, 3)},
        )
    return txn.committed
