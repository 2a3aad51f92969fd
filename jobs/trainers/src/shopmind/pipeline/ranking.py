"""Training the search ranker: the shop's judgements and engagement -> ``ranker@N``.

Labels come from two sources:

* ``judgements``: each judged (query, product) pair, its relevance mapped onto grades 1..5;
* ``events``: a search followed in the same session (before the next search) by engagement
  with a product: click = 1, add to cart = 2, purchase = 3, the strongest one counting, and
  the searching user's affinities as the personal feature.

Queries are split by a hash of their text: 80% train the ranker, 20% measure it against the
fused order it replaces (NDCG@10 over the candidates, unlabelled ones at gain 0). Both figures
go in the asset's quality, so a ranker that does not beat the fusion is visible as such. With
judgements, the quality also holds their label noise and the pair accuracy a perfect
title-only ranker could reach on them (:mod:`shopmind.evaluate.label_noise`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

import duckdb
import numpy as np
import numpy.typing as npt

from shopmind.config import Settings
from shopmind.errors import InvalidArgument, NotFound
from shopmind.evaluate import judgement_noise, split_queries
from shopmind.pipeline.searching import open_search
from shopmind.search.base import top_k
from shopmind.search.hybrid import fuse
from shopmind.search.ranker import Ranker, RankerParams
from shopmind.search.rerank import CANDIDATES, RankingStage, Retrieved, grade_label
from shopmind.search.service import SearchService
from shopmind.workspace import AssetRef, AssetVersion, Workspace

ASSET = "ranker"
SOURCES = ("auto", "judgements", "events", "both")
ENGAGEMENT = {"click": 1, "add_to_cart": 2, "purchase": 3}

# (user, query, item, strongest engagement) for every search followed by engagement in the same
# session, before the session's next search.
_ENGAGED = """
WITH s AS (
  SELECT user_id, session_id, "timestamp", event_type, item_id, query,
         count(*) FILTER (WHERE event_type = 'search')
           OVER (PARTITION BY user_id, session_id
                 ORDER BY "timestamp", CASE WHEN event_type = 'search' THEN 0 ELSE 1 END
                 ROWS UNBOUNDED PRECEDING) AS search_no
  FROM read_parquet(?) WHERE session_id IS NOT NULL
), q AS (
  SELECT user_id, session_id, search_no, any_value(query) AS query
  FROM s WHERE event_type = 'search' GROUP BY ALL
)
SELECT q.user_id, q.query, s.item_id,
       max(CASE s.event_type WHEN 'purchase' THEN 3 WHEN 'add_to_cart' THEN 2 ELSE 1 END) AS grade
FROM s JOIN q USING (user_id, session_id, search_no)
WHERE s.event_type IN ('click', 'add_to_cart', 'purchase') AND s.item_id IS NOT NULL
  AND q.query IS NOT NULL AND trim(q.query) <> ''
GROUP BY ALL
"""

# A labelled query: (query text, user or None) -> {row: label}
Labelled = dict[tuple[str, str | None], dict[int, int]]


def judgement_labels(ws: Workspace, version: AssetVersion, rows: Mapping[str, int]) -> Labelled:
    """Labels 1..5 from a judgements asset (relevance scaled over its own range)."""
    table = ws.read_table(version, columns=["query", "item_id", "relevance"]).to_pylist()
    if not table:
        return {}
    rel = [float(r["relevance"]) for r in table]
    lo, hi = min(rel), max(rel)
    out: Labelled = {}
    for r in table:
        row = rows.get(str(r["item_id"]))
        if row is not None and str(r["query"]).strip():
            out.setdefault((str(r["query"]), None), {})[row] = grade_label(
                float(r["relevance"]), lo, hi
            )
    return out


def _judgement_noise(
    ws: Workspace, version: AssetVersion, service: SearchService
) -> dict[str, object] | None:
    """How much of the judgements a title-only ranker can learn (None: too few to say)."""
    judged: dict[str, dict[str, float]] = {}
    for r in ws.read_table(version, columns=["query", "item_id", "relevance"]).to_pylist():
        judged.setdefault(str(r["query"]), {})[str(r["item_id"])] = float(r["relevance"])
    titles = dict(zip(service.item_ids, service.titles, strict=True))
    try:
        return judgement_noise(judged, titles).to_dict()
    except InvalidArgument:
        return None


def event_labels(ws: Workspace, version: AssetVersion, rows: Mapping[str, int]) -> Labelled:
    """Labels 1..3 (click, cart, purchase) from search sessions in an events asset."""
    con = duckdb.connect()
    try:
        found = con.execute(_ENGAGED, [str(ws.data_path(version))]).fetchall()
    finally:
        con.close()
    out: Labelled = {}
    for user, query, item, grade in found:
        row = rows.get(str(item))
        if row is not None:
            key = (str(query), str(user) if user is not None else None)
            out.setdefault(key, {})[row] = max(int(grade), out.get(key, {}).get(row, 0))
    return out


def _ndcg(labels: npt.NDArray[np.int64], k: int = 10) -> float:
    gains = (2.0 ** labels[:k] - 1) / np.log2(np.arange(2, min(k, len(labels)) + 2))
    ideal_labels = np.sort(labels)[::-1][:k]
    ideal = (2.0**ideal_labels - 1) / np.log2(np.arange(2, len(ideal_labels) + 2))
    return float(gains.sum() / ideal.sum()) if ideal.sum() > 0 else 0.0


def _retriever(service: SearchService) -> Callable[[str, str | None], Retrieved]:
    def retrieve(query: str, user: str | None) -> Retrieved:
        bm25 = service.lexical.score_all(query)
        cosine = service.dense.score_all(query)
        candidates = top_k(fuse(bm25, cosine, service.fusion), CANDIDATES)
        affinity = service.affinity(user) if user is not None else None
        return query, candidates, bm25, cosine, affinity

    return retrieve


def _held_out_ndcg(
    stage: RankingStage,
    service: SearchService,
    test: Labelled,
) -> dict[str, float]:
    retrieve = _retriever(service)
    fused, ranked = [], []
    for (query, user), labels in test.items():
        _, candidates, bm25, cosine, affinity = retrieve(query, user)
        if not any(labels.get(int(r), 0) for r in candidates.rows.tolist()):
            continue
        fused.append(_ndcg(np.array([labels.get(int(r), 0) for r in candidates.rows.tolist()])))
        order = stage.rerank(query, candidates, bm25, cosine, affinity).rows
        ranked.append(_ndcg(np.array([labels.get(int(r), 0) for r in order.tolist()])))
    if not fused:
        return {"queries": 0}
    return {
        "queries": len(fused),
        "ndcg@10_fused": round(float(np.mean(fused)), 4),
        "ndcg@10_ranked": round(float(np.mean(ranked)), 4),
    }


def train_ranker(
    ws: Workspace,
    settings: Settings,
    source: str = "auto",
    params: RankerParams | None = None,
    service: SearchService | None = None,
) -> AssetVersion:
    """Train LambdaMART for the newest search index and commit ``ranker@N``.

    ``source``: ``judgements``, ``events``, ``both``, or ``auto`` (whichever the workspace
    has). Raises :class:`NotFound` when there is no label source, and
    :class:`InvalidArgument` when fewer than two queries have a labelled candidate."""
    if source not in SOURCES:
        raise InvalidArgument(f"source must be one of {', '.join(SOURCES)}", argument="source")
    service = service or open_search(ws, settings)
    rows = {item: i for i, item in enumerate(service.item_ids)}
    labelled: Labelled = {}
    inputs: list[AssetRef] = [service.version.ref]
    used: dict[str, int] = {}
    sources: dict[str, AssetVersion] = {}
    for name, reader in (("judgements", judgement_labels), ("events", event_labels)):
        if source not in ("auto", "both", name):
            continue
        try:
            version = ws.get(name)
        except NotFound:
            if source in (name, "both"):
                raise
            continue
        found = reader(ws, version, rows)
        used[name] = len(found)
        sources[name] = version
        inputs.append(version.ref)
        for key, labels in found.items():
            merged = labelled.setdefault(key, {})
            for row, label in labels.items():
                merged[row] = max(label, merged.get(row, 0))
    if not used:
        raise NotFound(
            "no judgements or events to train a ranker from: ingest queries or events first",
            asset=ASSET,
        )
    if service.stats_version is not None:
        inputs.append(service.stats_version.ref)
    if service.profiles_version is not None:
        inputs.append(service.profiles_version.ref)
    # split by query text, so no query is measured that was trained on (under another user)
    _, test_texts = split_queries(dict.fromkeys(q for q, _u in labelled), 0.2)
    train = {key: labels for key, labels in labelled.items() if key[0] not in test_texts}
    test = {key: labels for key, labels in labelled.items() if key[0] in test_texts}
    stage = RankingStage(service.lexical.index, service.signals, Ranker(params or RankerParams()))
    retrieve = _retriever(service)
    started = time.perf_counter()
    try:
        counts = stage.fit(train, lambda key: retrieve(*key))
    except InvalidArgument as exc:
        raise InvalidArgument(
            f"{exc}; label more searches (judgements or sessions) first", argument="source"
        ) from exc
    seconds = time.perf_counter() - started
    held_out = _held_out_ndcg(stage, service, test)
    quality: dict[str, object] = {"held_out": held_out}
    if "judgements" in sources:
        quality["judgement_noise"] = _judgement_noise(ws, sources["judgements"], service)
    with ws.transaction("search.ranker") as txn:
        staged = txn.stage(ASSET)
        stage.ranker.save(staged.dir)
        (staged.dir / "labels.json").write_text(json.dumps(used), encoding="utf-8")
        staged.describe(
            params={"source": source, **stage.ranker.describe()},
            inputs=tuple(inputs),
            rows=counts["rows"],
            columns=(),
            quality=quality,
            report={
                "train_queries": counts["queries"],
                "test_queries": len(test),
                "labelled_queries": used,
                "seconds": round(seconds, 3),
            },
        )
    return txn.committed[0]
