"""Benchmark: rebuilding item embeddings after a small catalog change, against a full build.

The catalog file goes through the real ingest path twice: once as given, once with a fraction
of titles edited (a new products version); embeddings are built for both with the same
encoder, the second time reusing cached vectors for unchanged products.
"""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.config import Settings
from shopmind.features import build_item_embeddings
from shopmind.ingest import ingest_file
from shopmind.pipeline.encoders import ensure_encoder, open_encoder
from shopmind.workspace import Workspace


def bench_embeddings(
    settings: Settings, products_file: Path, change: float, encoding: str | None, seed: int = 0
) -> dict[str, Any]:
    """Full build, then an incremental build after editing ``change`` of the titles."""
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws", create=True)
        first = ingest_file(ws, "products", products_file, settings, encoding=encoding)
        products = ws.get("products")
        enc_version = ensure_encoder(ws, settings, products)
        encoder = open_encoder(ws, enc_version, settings)

        started = time.perf_counter()
        full = build_item_embeddings(ws, products, encoder, enc_version)
        full_s = time.perf_counter() - started

        rows = ws.read_table(products).to_pylist()
        rng = np.random.default_rng(seed)
        edited = set(
            rng.choice(len(rows), size=max(1, int(len(rows) * change)), replace=False).tolist()
        )
        changed_file = Path(tmp) / "products-changed.csv"
        fields = list(rows[0].keys())
        with changed_file.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            for i, row in enumerate(rows):
                if i in edited:
                    row = {**row, "title": f"{row['title']} (new model)"}
                writer.writerow(row)
        second = ingest_file(ws, "products", changed_file, settings)
        changed = ws.get("products")

        started = time.perf_counter()
        incremental = build_item_embeddings(ws, changed, encoder, enc_version)
        incremental_s = time.perf_counter() - started
    return {
        "catalog": {
            "file": str(products_file),
            "products": first.accepted,
            "edited": len(edited),
            "change": change,
            "diff": {k: second.diff[k] for k in ("added", "changed", "removed")}
            if second.diff
            else None,
        },
        "encoder": encoder.info.model_id,
        "full": {
            "seconds": round(full_s, 2),
            "encoded": full.report["encoded"],
            "texts_per_s": full.report["texts_per_s"],
        },
        "incremental": {
            "seconds": round(incremental_s, 2),
            "encoded": incremental.report["encoded"],
            "reused": incremental.report["reused"],
        },
        "speedup": round(full_s / incremental_s, 1) if incremental_s else None,
    }
