"""Searching a workspace: the newest ``search_index`` (BM25F + fusion settings) with the item
embeddings and encoder it names; one object per process, opened once and reused.

``search_index@N`` holds ``bm25.npz`` / ``bm25.json`` (the lexical index over title, brand,
category and attributes) and ``search.json`` (item ids in index order, the fusion parameters);
its lineage names the products and ``item_embeddings`` versions, so a result can be traced to
the encoder and the raw catalog file.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import orjson

from shopmind.contracts.vectors import vectors_matrix
from shopmind.errors import InvalidArgument
from shopmind.search.base import top_k
from shopmind.search.dense import DenseRetriever
from shopmind.search.hybrid import FusionParams, fuse
from shopmind.search.lexical import DEFAULT_WEIGHTS, BM25Index, LexicalRetriever
from shopmind.text.base import Encoder
from shopmind.workspace import AssetVersion, Workspace

ASSET = "search_index"
FIELDS = ("title", "brand", "category", "attributes")
MAX_QUERY_CHARS = 1000


def _attribute_text(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        attrs = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
    return " ".join(f"{k} {v}" for k, v in attrs.items()) if isinstance(attrs, dict) else raw


def build_search_index(
    ws: Workspace,
    products: AssetVersion,
    embeddings: AssetVersion,
    fusion: FusionParams | None = None,
) -> AssetVersion:
    """Commit ``search_index@N`` for ``products`` (lexical index + fusion settings)."""
    fusion = fusion or FusionParams(method="score", weight=0.7)
    table = ws.read_table(products, columns=["item_id", *FIELDS])
    columns = {name: table[name].to_pylist() for name in FIELDS}
    columns["attributes"] = [_attribute_text(a) for a in columns["attributes"]]
    weights = {name: DEFAULT_WEIGHTS.get(name, 1.0) for name in FIELDS}
    started = time.perf_counter()
    index = BM25Index.build(columns, weights)
    with ws.transaction("search.index") as txn:
        staged = txn.stage(ASSET)
        index.save(staged.dir)
        meta = {
            "item_ids": table["item_id"].to_pylist(),
            "fusion": asdict(fusion),
            "embeddings": str(embeddings.ref),
            "fields": weights,
        }
        (staged.dir / "search.json").write_text(json.dumps(meta), encoding="utf-8")
        staged.describe(
            params={"fusion": asdict(fusion), "fields": weights},
            inputs=(products.ref, embeddings.ref),
            rows=table.num_rows,
            columns=(),
            report={"seconds": round(time.perf_counter() - started, 3)},
        )
    return txn.committed[0]


@dataclass
class SearchResult:
    item_id: str
    title: str | None
    score: float
    explain: dict[str, Any] = field(default_factory=dict)


class SearchService:
    """Hybrid search over one ``search_index`` version."""

    def __init__(self, ws: Workspace, index_version: AssetVersion, encoder: Encoder) -> None:
        folder = ws.version_dir(index_version.ref)
        meta = json.loads((folder / "search.json").read_text(encoding="utf-8"))
        self.version = index_version
        self.item_ids: list[str] = meta["item_ids"]
        self.fusion = FusionParams(**meta["fusion"])
        self.lexical = LexicalRetriever(BM25Index.load(folder))
        embeddings = ws.resolve(meta["embeddings"])
        self.dense = DenseRetriever(vectors_matrix(ws.read_table(embeddings)["vector"]), encoder)
        products = ws.resolve(str(index_version.inputs[0]))
        self.titles: list[str | None] = ws.read_table(products, columns=["title"])[
            "title"
        ].to_pylist()

    def search(self, query: str, k: int = 10, explain: bool = False) -> list[SearchResult]:
        """The ``k`` best products for ``query``; with ``explain`` each result carries its
        BM25 and cosine parts and the matched terms."""
        if not isinstance(query, str):
            raise InvalidArgument(
                f"query must be a str, got {type(query).__name__}", argument="query"
            )
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 1000:
            raise InvalidArgument(f"k must be an int in [1, 1000], got {k!r}", argument="k")
        query = query[:MAX_QUERY_CHARS]
        if not query.strip():
            return []
        lexical = self.lexical.score_all(query)
        dense = self.dense.score_all(query)
        fused = fuse(lexical, dense, self.fusion)
        hits = top_k(fused, k)
        out = []
        top_bm25 = float(np.max(np.where(np.isfinite(lexical), lexical, 0.0)))
        for row, score in zip(hits.rows.tolist(), hits.scores.tolist(), strict=True):
            detail: dict[str, Any] = {}
            if explain:
                bm25 = float(lexical[row]) if np.isfinite(lexical[row]) else 0.0
                detail = {
                    "bm25": round(bm25, 4),
                    "cosine": round(float(dense[row]), 4),
                    "bm25_part": round(self.fusion.weight * bm25 / top_bm25, 4)
                    if top_bm25 > 0
                    else 0.0,
                    "cosine_part": round((1 - self.fusion.weight) * float(dense[row]), 4),
                }
            out.append(SearchResult(self.item_ids[row], self.titles[row], round(score, 6), detail))
        return out
