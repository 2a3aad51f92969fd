"""Benchmark of the embedding-based quality suggestions on a synthetic catalog.

Near-duplicates: edited copies of random products are planted (``synth.duplicates``); a pair
counts as found when the detector reports (original, copy). Precision is measured over the
reported pairs that involve a planted copy (the synthetic catalog also holds genuinely
near-identical products of its own, which are reported but are not mistakes about the copies).
Category inference: the categories of random products are hidden and compared with what is
suggested for them.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from shopmind.config import Settings
from shopmind.contracts.vectors import vectors_matrix
from shopmind.features import build_item_embeddings
from shopmind.pipeline.encoders import ensure_encoder, open_encoder
from shopmind.quality.neighbours import scan
from shopmind.quality.suggestions import (
    SuggestionParams,
    conflicts,
    infer_categories,
    product_facts,
)
from shopmind.synth import SynthConfig, generate_shop
from shopmind.synth.duplicates import plant_duplicates
from shopmind.workspace import Workspace


def bench_quality(
    settings: Settings,
    items: int,
    planted: int,
    hidden: int,
    thresholds: list[float],
    seed: int = 0,
    zh_fraction: float = 0.0,
) -> dict[str, Any]:
    """Plant duplicates and hide categories in a synthetic catalog; score the suggestions."""
    shop = generate_shop(
        SynthConfig(
            seed=seed,
            n_items=items,
            n_users=50,
            n_events=1000,
            n_queries=10,
            zh_fraction=zh_fraction,
        )
    )
    table, truth = plant_duplicates(shop.products, planted, seed)
    rng = np.random.default_rng(seed + 1)
    n_orig = shop.products.num_rows
    hide = set(rng.choice(n_orig, size=hidden, replace=False).tolist())
    true_cats = table["category"].to_pylist()
    shown = [None if i in hide else c for i, c in enumerate(true_cats)]
    table = table.set_column(
        table.schema.get_field_index("category"), "category", pa.array(shown, pa.string())
    )
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws", create=True)
        products = ws.write_table("products", table, "bench.quality")
        enc_version = ensure_encoder(ws, settings, products)
        started = time.perf_counter()
        emb = build_item_embeddings(
            ws, products, open_encoder(ws, enc_version, settings), enc_version
        )
        encode_s = time.perf_counter() - started
        vectors = vectors_matrix(ws.read_table(emb)["vector"])
    started = time.perf_counter()
    nb = scan(vectors, k=10, threshold=min(thresholds))
    scan_s = time.perf_counter() - started

    ids = table["item_id"].to_pylist()
    facts = [
        product_facts(r)
        for r in table.select(["title", "brand", "price", "attributes"]).to_pylist()
    ]
    params = SuggestionParams()
    planted_pairs = {frozenset((a, b)): edit for a, b, edit in truth}
    copies = {b for _a, b, _e in truth}
    duplicates = []
    for thr in sorted(thresholds):
        found = [
            frozenset((ids[i], ids[j]))
            for i, j, s in nb.pairs
            if s >= thr and not conflicts(facts[i], facts[j], params)
        ]
        touching = [p for p in found if p & copies]
        tp = sum(1 for p in touching if p in planted_pairs)
        by_edit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        hit = set(touching) & set(planted_pairs)
        for pair, edit in planted_pairs.items():
            by_edit[edit][1] += 1
            by_edit[edit][0] += pair in hit
        duplicates.append(
            {
                "threshold": thr,
                "reported_pairs": len(found),
                "pairs_with_a_copy": len(touching),
                "precision": round(tp / len(touching), 4) if touching else None,
                "recall": round(tp / len(planted_pairs), 4) if planted_pairs else None,
                "recall_by_edit": {e: round(h / t, 3) for e, (h, t) in sorted(by_edit.items())},
            }
        )
    suggestions = infer_categories(shown, nb, SuggestionParams())
    missing = [s for s in suggestions if s["reason"] == "missing" and s["row"] in hide]
    correct = sum(1 for s in missing if s["suggested"] == true_cats[s["row"]])
    top_correct = sum(
        1
        for s in missing
        if s["suggested"].split(" > ")[0] == str(true_cats[s["row"]]).split(" > ")[0]
    )
    return {
        "catalog": {
            "items": n_orig,
            "zh_fraction": zh_fraction,
            "planted_copies": planted,
            "hidden_categories": hidden,
            "encoder": emb.params["model_id"],
            "seed": seed,
        },
        "timing": {"encode_seconds": round(encode_s, 2), "scan_seconds": round(scan_s, 2)},
        "near_duplicates": duplicates,
        "category_inference": {
            "hidden": hidden,
            "suggested": len(missing),
            "coverage": round(len(missing) / hidden, 4) if hidden else None,
            "accuracy_leaf": round(correct / len(missing), 4) if missing else None,
            "accuracy_top_level": round(top_correct / len(missing), 4) if missing else None,
            "min_confidence": SuggestionParams().min_confidence,
        },
    }
