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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import orjson

from shopmind.contracts.vectors import vectors_matrix
from shopmind.errors import InvalidArgument
from shopmind.search.ann import load_vector_index
from shopmind.search.base import Hits, top_k
from shopmind.search.dense import UNREACHED, DenseRetriever
from shopmind.search.features import FEATURES, ItemSignals
from shopmind.search.filters import Catalog, Filters
from shopmind.search.hybrid import FusionParams, fuse
from shopmind.search.lexical import DEFAULT_WEIGHTS, BM25Index, LexicalRetriever
from shopmind.search.query import ParsedQuery, parse_query
from shopmind.search.ranker import Ranker
from shopmind.search.rerank import CANDIDATES, RankingStage, Reranked
from shopmind.search.synonyms import ASSET as SYNONYMS
from shopmind.search.synonyms import load_synonyms
from shopmind.search.understand import QueryUnderstanding, Understanding
from shopmind.text.base import Encoder
from shopmind.workspace import AssetVersion, Workspace

ASSET = "search_index"
FIELDS = ("title", "brand", "category", "attributes")
MAX_QUERY_CHARS = 1000
# Weight of the user's affinity (category and brand shares, 0..~3) added to the fused score
# (0..~1): enough to reorder close results, not to bury the query's best match. A starting
# value; the learned ranker will take the affinities as features instead.
PERSONAL_WEIGHT = 0.1
# With a ranker that never saw users: the boost per unit of affinity, in standard deviations of
# the ranker's scores over the query's candidates (a scale-free nudge, as above).
PERSONAL_RANKED = 0.5
FACET_DEPTH = 1000
# how the lexical side read the query differently from how it was written, reported with
# every search so a shopper can be told "showing results for ..."
CORRECTIONS = ("typos", "joined", "split", "synonyms")


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
    vector_index: AssetVersion | None = None,
) -> AssetVersion:
    """Commit ``search_index@N`` for ``products`` (lexical index + fusion settings), naming the
    embeddings and, when given, the ``vector_index`` over them that dense retrieval uses."""
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
            "vector_index": str(vector_index.ref) if vector_index else None,
            "fields": weights,
        }
        (staged.dir / "search.json").write_text(json.dumps(meta), encoding="utf-8")
        staged.describe(
            params={"fusion": asdict(fusion), "fields": weights},
            inputs=(products.ref, embeddings.ref, *((vector_index.ref,) if vector_index else ())),
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
    ranked: bool = False
    intent: list[dict[str, Any]] = field(default_factory=list)
    corrections: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "searched": self.searched,
            "filters": {**asdict(self.filters), "attributes": dict(self.filters.attributes)},
            "understood": self.understood,
            "results": [asdict(r) for r in self.results],
            "facets": self.facets,
            "personalised": self.personalised,
            "ranked": self.ranked,
            "intent": self.intent,
            "corrections": self.corrections,
        }


class SearchService:
    """Hybrid search over one ``search_index`` version."""

    def __init__(
        self,
        ws: Workspace,
        index_version: AssetVersion,
        encoder: Encoder,
        profiles: AssetVersion | None = None,
        stats: AssetVersion | None = None,
        ranker: tuple[AssetVersion, Ranker] | None = None,
        synonyms: AssetVersion | Literal["newest"] | None = "newest",
    ) -> None:
        """``synonyms`` is the synonyms version to expand queries with (a release pins one),
        None for none, or "newest"."""
        folder = ws.version_dir(index_version.ref)
        meta = json.loads((folder / "search.json").read_text(encoding="utf-8"))
        self.version = index_version
        self.item_ids: list[str] = meta["item_ids"]
        self._row = {item: n for n, item in enumerate(self.item_ids)}
        self.fusion = FusionParams(**meta["fusion"])
        if synonyms == "newest":
            synonyms = ws.get(SYNONYMS) if ws.versions(SYNONYMS) else None
        self.synonyms_version = synonyms
        expansions = load_synonyms(ws, synonyms) if synonyms else None
        self.lexical = LexicalRetriever(BM25Index.load(folder), synonyms=expansions)
        embeddings = ws.resolve(meta["embeddings"])
        vectors = vectors_matrix(ws.read_table(embeddings)["vector"])
        vector_index = None
        if meta.get("vector_index"):
            self.vector_index_version = ws.resolve(meta["vector_index"])
            vector_index = load_vector_index(ws.version_dir(self.vector_index_version.ref), vectors)
        self.dense = DenseRetriever(vectors, encoder, vector_index)
        products = ws.resolve(str(index_version.inputs[0]))
        rows = ws.read_table(
            products, columns=["title", "brand", "category", "price", "stock", "attributes"]
        ).to_pylist()
        self.titles: list[str | None] = [r["title"] for r in rows]
        self.catalog = Catalog(rows)
        self._affinity_codes = {
            part: np.unique(np.array(values, dtype=object).astype(str), return_inverse=True)
            for part, values in (
                ("top", self.catalog.top),
                ("leaf", self.catalog.category),
                ("brand", self.catalog.brand),
            )
        }
        self.understanding = QueryUnderstanding(
            self.lexical.index, self.catalog.brand, self.catalog.category
        )
        self.stats_version = stats
        self.signals = self._signals(ws, rows, stats)
        self.ranker_version = ranker[0] if ranker else None
        self.ranking = RankingStage(self.lexical.index, self.signals, ranker[1]) if ranker else None
        # a ranker trained without users (judgements only) never learned the affinity
        # feature: personalisation then stays an additive boost on its scores
        self.ranker_personal = ranker is not None and ranker[1].uses("affinity")
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

    def _signals(
        self, ws: Workspace, rows: list[dict[str, Any]], stats: AssetVersion | None
    ) -> ItemSignals:
        popularity: list[float | None] | None = None
        ctr: list[float | None] | None = None
        if stats is not None:
            table = ws.read_table(stats, columns=["item_id", "popularity", "ctr"]).to_pylist()
            by_item = {str(r["item_id"]): r for r in table}
            found = [by_item.get(item, {}) for item in self.item_ids]
            popularity = [r.get("popularity") for r in found]
            ctr = [r.get("ctr") for r in found]
        return ItemSignals.build(
            self.lexical.index.analyzer,
            self.titles,
            brands=[r["brand"] for r in rows],
            categories=[r["category"] for r in rows],
            prices=[r["price"] for r in rows],
            popularity=popularity,
            ctr=ctr,
        )

    def title_of(self, item_id: str) -> str | None:
        """The product's title, or None when ``item_id`` is not in the served catalog."""
        row = self._row.get(item_id)
        return self.titles[row] if row is not None else None

    def affinity(self, user_id: str, recent: Sequence[str] = ()) -> npt.NDArray[np.float32] | None:
        """(n,) the user's affinity to each product (top-level category + leaf category +
        brand shares), or None for an unknown user (who then gets unpersonalised results).

        ``recent`` are item ids of the user's live session (newest last): their categories
        and brands count as much as the whole built profile, so what the user does now
        shows in the next search; a user known only from the session is personalised too."""
        profile = self.profiles.get(user_id)
        session = self._session_profile(recent)
        if session is not None:
            profile = session if profile is None else _mix(profile, session)
        if profile is None:
            return None
        out = np.zeros(len(self.item_ids), dtype=np.float32)
        for part, (vocabulary, codes) in self._affinity_codes.items():
            shares = profile[part]
            # a share per distinct value, then one gather: no per-product Python work
            out += np.array([shares.get(v, 0.0) for v in vocabulary], np.float32)[codes]
        return out

    def _session_profile(self, recent: Sequence[str]) -> dict[str, dict[str, float]] | None:
        rows = [self._row[i] for i in recent if i in self._row]
        if not rows:
            return None
        out: dict[str, dict[str, float]] = {}
        for part, values in (
            ("top", self.catalog.top),
            ("leaf", self.catalog.category),
            ("brand", self.catalog.brand),
        ):
            shares: dict[str, float] = {}
            for r in rows:
                if values[r]:
                    shares[values[r]] = shares.get(values[r], 0.0) + 1.0 / len(rows)
            out[part] = shares
        return out

    def search(
        self,
        query: str,
        k: int = 10,
        explain: bool = False,
        filters: Filters | None = None,
        understand: bool = True,
        user_id: str | None = None,
        recent: Sequence[str] = (),
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
        lexical, reading = self.lexical.score_and_read(text)  # (n,)
        outcome.corrections = {k: reading[k] for k in CORRECTIONS if reading.get(k)}
        # At catalog scale (an approximate vector index) only a pool is scored: the lexical
        # side's best and the index's best; fusion, filters and facets work on that pool.
        pool: npt.NDArray[np.int64] | None = None
        if self.dense.approximate:
            best_lexical = top_k(lexical, FACET_DEPTH, np.isfinite(lexical)).rows
            pool, cosines = self.dense.score_pool(text, best_lexical)
            dense = np.full(lexical.shape[0], UNREACHED, dtype=np.float32)
            dense[pool] = cosines
        else:
            dense = self.dense.score_all(text)
        lex_p = lexical if pool is None else lexical[pool]
        fused = fuse(lex_p, dense if pool is None else dense[pool], self.fusion)
        mentions = self.understanding.understand(text) if understand else Understanding()
        if mentions.boost is not None:
            fused = fused + (mentions.boost if pool is None else mentions.boost[pool])
            outcome.understood.extend(mentions.mentions)
        personal = self.affinity(user_id, recent) if user_id is not None else None
        if personal is not None:
            fused = fused + PERSONAL_WEIGHT * (personal if pool is None else personal[pool])
            outcome.personalised = True
        valid = None if filters.empty else self.catalog.mask(filters, pool)
        best = top_k(fused, FACET_DEPTH, valid)
        # Every product has some cosine with any query, so facets count the products that
        # match a query term when there are any; otherwise the best candidates.
        matched = np.isfinite(lex_p) if valid is None else np.isfinite(lex_p) & valid
        facet_rows = top_k(fused, FACET_DEPTH, matched).rows if matched.any() else best.rows
        if pool is not None:
            best = Hits(pool[best.rows], best.scores)
            facet_rows = pool[facet_rows]
        candidates = best
        outcome.facets = self.catalog.facets(facet_rows)
        outcome.intent = self.understanding.intent(candidates.rows)
        rows, scores = candidates.rows[:k], candidates.scores[:k]
        ranked: Reranked | None = None
        spread = 0.0
        if self.ranking is not None and len(candidates):
            ranked, spread = self._rerank(text, candidates, lexical, dense, personal)
            rows, scores = ranked.rows[:k], ranked.scores[:k]
        outcome.ranked = ranked is not None
        top_bm25 = float(np.max(np.where(np.isfinite(lexical), lexical, 0.0)))
        contributions = (
            self.ranking.ranker.contributions(ranked.features[:k])
            if explain and ranked is not None and self.ranking is not None
            else None
        )
        for i, (row, score) in enumerate(zip(rows.tolist(), scores.tolist(), strict=True)):
            detail: dict[str, Any] = {}
            if explain:
                bm25 = float(lexical[row]) if np.isfinite(lexical[row]) else 0.0
                detail = {"bm25": round(bm25, 4), "cosine": round(float(dense[row]), 4)}
                if ranked is not None and contributions is not None:
                    detail["features"] = {
                        name: round(float(v), 4)
                        for name, v in zip(FEATURES, ranked.features[i], strict=True)
                    }
                    detail["contributions"] = contributions[i]
                else:
                    detail["bm25_part"] = (
                        round(self.fusion.weight * bm25 / top_bm25, 4) if top_bm25 > 0 else 0.0
                    )
                    detail["cosine_part"] = round((1 - self.fusion.weight) * float(dense[row]), 4)
                if mentions.boost is not None and ranked is None:
                    detail["understood_part"] = round(float(mentions.boost[row]), 4)
                if personal is not None:
                    detail["personal_part"] = round(
                        self._personal_part(float(personal[row]), ranked, spread), 4
                    )
            outcome.results.append(
                SearchResult(self.item_ids[row], self.titles[row], round(score, 6), detail)
            )
        return outcome

    def _rerank(
        self,
        text: str,
        candidates: Hits,
        lexical: npt.NDArray[np.float32],
        dense: npt.NDArray[np.float32],
        personal: npt.NDArray[np.float32] | None,
    ) -> tuple[Reranked, float]:
        """The best :data:`CANDIDATES` reordered by the ranker (with the personal boost when
        the ranker did not learn the affinity feature itself), and the spread of its scores."""
        assert self.ranking is not None
        head = Hits(candidates.rows[:CANDIDATES], candidates.scores[:CANDIDATES])
        ranked = self.ranking.rerank(text, head, lexical, dense, personal)
        if personal is None or self.ranker_personal or not len(ranked.rows):
            return ranked, 0.0
        spread = float(ranked.scores.std()) or 1.0
        boosted = ranked.scores + np.float32(PERSONAL_RANKED * spread) * personal[ranked.rows]
        order = np.argsort(-boosted, kind="stable")
        return Reranked(ranked.rows[order], boosted[order], ranked.features[order]), spread

    def _personal_part(self, affinity: float, ranked: Reranked | None, spread: float) -> float:
        if ranked is None:
            return PERSONAL_WEIGHT * affinity
        if self.ranker_personal:
            return 0.0  # inside the ranker's score: see the affinity contribution
        return PERSONAL_RANKED * spread * affinity


def _mix(
    a: dict[str, dict[str, float]], b: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    """Half of each profile's shares, per part."""
    out: dict[str, dict[str, float]] = {}
    for part in a.keys() | b.keys():
        merged = {k: 0.5 * v for k, v in a.get(part, {}).items()}
        for k, v in b.get(part, {}).items():
            merged[k] = merged.get(k, 0.0) + 0.5 * v
        out[part] = merged
    return out
