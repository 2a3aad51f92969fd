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
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from shopmind.contracts.vectors import vectors_matrix
from shopmind.errors import InvalidArgument
from shopmind.search.base import top_k
from shopmind.search.dense import DenseRetriever
from shopmind.search.filters import Catalog, Filters
from shopmind.search.hybrid import FusionParams, fuse
from shopmind.search.lexical import DEFAULT_WEIGHTS, BM25Index, LexicalRetriever
from shopmind.search.query import ParsedQuery, parse_query
from shopmind.text.base import Encoder
from shopmind.workspace import AssetVersion, Workspace

ASSET = "search_index"
FIELDS = ("title", "brand", "category", "attributes")
MAX_QUERY_CHARS = 1000
# Weight of the user's affinity (category and brand shares, 0..~3) added to the fused score
# (0..~1): enough to reorder close results, not to bury the query's best match. A starting
# value; the learned ranker will take the affinities as features instead.
PERSONAL_WEIGHT = 0.1
FACET_DEPTH = 1000


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


@dataclass
class SearchOutcome:
    """One search: the results, what was searched, the filters applied and facet counts."""

    query: str
    searched: str
    filters: Filters
    understood: list[str]
    results: list[SearchResult] = field(default_factory=list)
    facets: dict[str, Any] = field(default_factory=dict)
    personalised: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "searched": self.searched,
            "filters": {**asdict(self.filters), "attributes": dict(self.filters.attributes)},
            "understood": self.understood,
            "results": [asdict(r) for r in self.results],
            "facets": self.facets,
            "personalised": self.personalised,
        }


class SearchService:
    """Hybrid search over one ``search_index`` version."""

    def __init__(
        self,
        ws: Workspace,
        index_version: AssetVersion,
        encoder: Encoder,
        profiles: AssetVersion | None = None,
    ) -> None:
        folder = ws.version_dir(index_version.ref)
        meta = json.loads((folder / "search.json").read_text(encoding="utf-8"))
        self.version = index_version
        self.item_ids: list[str] = meta["item_ids"]
        self.fusion = FusionParams(**meta["fusion"])
        self.lexical = LexicalRetriever(BM25Index.load(folder))
        embeddings = ws.resolve(meta["embeddings"])
        self.dense = DenseRetriever(vectors_matrix(ws.read_table(embeddings)["vector"]), encoder)
        products = ws.resolve(str(index_version.inputs[0]))
        rows = ws.read_table(
            products, columns=["title", "brand", "category", "price", "stock", "attributes"]
        ).to_pylist()
        self.titles: list[str | None] = [r["title"] for r in rows]
        self.catalog = Catalog(rows)
        self.profiles: dict[str, dict[str, dict[str, float]]] = {}
        self.profiles_version = profiles
        if profiles is not None:
            table = ws.read_table(
                profiles, columns=["user_id", "top_categories", "leaf_categories", "brands"]
            )
            for row in table.to_pylist():
                self.profiles[str(row["user_id"])] = {
                    "top": {x["category"]: x["share"] for x in row["top_categories"] or []},
                    "leaf": {x["category"]: x["share"] for x in row["leaf_categories"] or []},
                    "brand": {x["brand"]: x["share"] for x in row["brands"] or []},
                }

    def affinity(self, user_id: str) -> npt.NDArray[np.float32] | None:
        """(n,) the user's affinity to each product (top-level category + leaf category +
        brand shares), or None for an unknown user (who then gets unpersonalised results)."""
        profile = self.profiles.get(user_id)
        if profile is None:
            return None
        cat = self.catalog
        return np.array(
            [
                profile["top"].get(t, 0.0)
                + profile["leaf"].get(c, 0.0)
                + profile["brand"].get(b, 0.0)
                for t, c, b in zip(cat.top, cat.category, cat.brand, strict=True)
            ],
            dtype=np.float32,
        )

    def search(
        self,
        query: str,
        k: int = 10,
        explain: bool = False,
        filters: Filters | None = None,
        understand: bool = True,
        user_id: str | None = None,
    ) -> SearchOutcome:
        """The ``k`` best products for ``query`` that pass ``filters``, with facet counts.

        With ``understand``, price phrases in the query ("under 50", "50-100 元") become price
        filters (explicit ``filters`` win) and are removed from the searched text. Facets count
        the best 1,000 products matching a query term (the best candidates when none does).
        With ``explain`` each result carries its BM25 score, cosine and their two parts of the
        fused score.
        """
        if not isinstance(query, str):
            raise InvalidArgument(
                f"query must be a str, got {type(query).__name__}", argument="query"
            )
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 1000:
            raise InvalidArgument(f"k must be an int in [1, 1000], got {k!r}", argument="k")
        filters = filters or Filters()
        parsed = (
            parse_query(query[:MAX_QUERY_CHARS])
            if understand
            else ParsedQuery(query[:MAX_QUERY_CHARS])
        )
        if parsed.price_min is not None or parsed.price_max is not None:
            filters = replace(
                filters,
                price_min=filters.price_min if filters.price_min is not None else parsed.price_min,
                price_max=filters.price_max if filters.price_max is not None else parsed.price_max,
            )
        text = parsed.text
        outcome = SearchOutcome(
            query=query, searched=text, filters=filters, understood=list(parsed.matched)
        )
        if not text.strip():
            return outcome
        lexical = self.lexical.score_all(text)
        dense = self.dense.score_all(text)
        fused = fuse(lexical, dense, self.fusion)
        personal = self.affinity(user_id) if user_id is not None else None
        if personal is not None:
            fused = fused + PERSONAL_WEIGHT * personal
            outcome.personalised = True
        valid = None if filters.empty else self.catalog.mask(filters)
        candidates = top_k(fused, FACET_DEPTH, valid)
        # Every product has some cosine with any query, so facets count the products that
        # match a query term when there are any; otherwise the best candidates.
        matched = np.isfinite(lexical) if valid is None else np.isfinite(lexical) & valid
        facet_rows = top_k(fused, FACET_DEPTH, matched).rows if matched.any() else candidates.rows
        outcome.facets = self.catalog.facets(facet_rows)
        top_bm25 = float(np.max(np.where(np.isfinite(lexical), lexical, 0.0)))
        for row, score in zip(
            candidates.rows[:k].tolist(), candidates.scores[:k].tolist(), strict=True
        ):
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
                if personal is not None:
                    detail["personal_part"] = round(PERSONAL_WEIGHT * float(personal[row]), 4)
            outcome.results.append(
                SearchResult(self.item_ids[row], self.titles[row], round(score, 6), detail)
            )
        return outcome
