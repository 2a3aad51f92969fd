"""``item_embeddings@N``: one vector per product, re-encoding only what changed.

Each product's text (:func:`shopmind.text.templates.product_text`) is hashed together with the
encoder's model id. Vectors of the newest earlier version made by the same encoder are reused
for hashes it already has, so after a catalog change only new or edited products are encoded.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shopmind.contracts.vectors import vectors_column, vectors_matrix
from shopmind.text.base import Encoder
from shopmind.text.templates import TEMPLATE_VERSION, product_text, text_hash
from shopmind.workspace import AssetVersion, Workspace

ASSET = "item_embeddings"
_TEXT_COLUMNS = ["item_id", "title", "brand", "category", "attributes"]


def build_item_embeddings(
    ws: Workspace,
    products: AssetVersion,
    encoder: Encoder,
    encoder_asset: AssetVersion | None = None,
) -> AssetVersion:
    """Encode every product of ``products`` with ``encoder`` and commit ``item_embeddings@N``.

    Lineage: the products version and, when given, the encoder asset version.
    """
    started = time.perf_counter()
    model_id = encoder.info.model_id
    table = ws.read_table(products, columns=_TEXT_COLUMNS)
    rows = table.to_pylist()
    texts = [product_text(r["title"], r["brand"], r["category"], r["attributes"]) for r in rows]
    hashes = [text_hash(t, model_id) for t in texts]

    dim = encoder.info.dim
    matrix = np.zeros((len(texts), dim), dtype=np.float32)
    have = np.zeros(len(texts), dtype=bool)
    previous = None
    for v in reversed(ws.versions(ASSET)):
        if v.params.get("model_id") == model_id:
            previous = v
            break
    if previous is not None:
        old = ws.read_table(previous, columns=["text_hash", "vector"])
        position = {h: i for i, h in enumerate(old["text_hash"].to_pylist())}
        hits = [(i, position[h]) for i, h in enumerate(hashes) if h in position]
        if hits:
            new_idx, old_idx = map(np.array, zip(*hits, strict=True))
            old_matrix = vectors_matrix(old["vector"].take(pa.array(old_idx)))
            matrix[new_idx] = old_matrix
            have[new_idx] = True
    todo = np.flatnonzero(~have)
    encode_started = time.perf_counter()
    if len(todo):
        matrix[todo] = encoder.encode([texts[i] for i in todo])
    encode_s = time.perf_counter() - encode_started

    out = pa.table(
        {
            "item_id": table["item_id"],
            "text_hash": pa.array(hashes, pa.string()),
            "vector": vectors_column(matrix),
        }
    )
    report: dict[str, Any] = {
        "items": len(texts),
        "encoded": len(todo),
        "reused": int(have.sum()),
        "reused_from": str(previous.ref) if previous is not None else None,
        "encode_seconds": round(encode_s, 3),
        "texts_per_s": round(len(todo) / encode_s) if len(todo) and encode_s > 0 else None,
    }
    inputs = (products.ref,) + ((encoder_asset.ref,) if encoder_asset is not None else ())
    with ws.transaction("features.item_embeddings") as txn:
        staged = txn.stage(ASSET)
        pq.write_table(out, staged.data_path)
        report["seconds"] = round(time.perf_counter() - started, 3)
        staged.describe(
            params={
                "model_id": model_id,
                "backend": encoder.info.backend,
                "dim": dim,
                "template_version": TEMPLATE_VERSION,
            },
            inputs=inputs,
            report=report,
            quality={"empty_texts": sum(1 for t in texts if not t)},
        )
    return txn.committed[0]
