"""Search benchmark on the Home Depot format: bm25, dense, hybrid, measured on test queries.

Products are ingested through the real ingest path and embedded with the workspace's encoder;
the hybrid's fusion weight is tuned on the training queries only; every system is then scored
on the test queries (docs/benchmarks.md has the definitions of the four metrics).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shopmind.config import Settings
from shopmind.contracts.vectors import vectors_matrix
from shopmind.evaluate import evaluate_search, latency_summary, load_queries, split_queries
from shopmind.features import build_item_embeddings
from shopmind.ingest import ingest_file
from shopmind.pipeline.encoders import ensure_encoder, open_encoder
from shopmind.search.analyze import Analyzer
from shopmind.search.base import top_k
from shopmind.search.dense import DenseRetriever
from shopmind.search.hybrid import FusionParams, fuse
from shopmind.search.lexical import LexicalRetriever
from shopmind.search.ranker import Ranker, RankerParams, pair_features
from shopmind.workspace import Workspace

Judgements = dict[str, dict[str, float]]
Scorer = Callable[[str], npt.NDArray[np.float32]]
CANDIDATES = 100  # hybrid results the ranker reorders
WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _run(
    scorer: Scorer, item_ids: list[str], judgements: Judgements, k: int = 100
) -> tuple[dict[str, float], list[float]]:
    """Score every query: top-k results, scores of its judged products, latency per query."""
    position = {item: i for i, item in enumerate(item_ids)}
    results: dict[str, list[tuple[str, float]]] = {}
    rerank: dict[str, dict[str, float]] = {}
    latencies: list[float] = []
    for query, judged in judgements.items():
        started = time.perf_counter()
        scores = scorer(query)
        hits = top_k(scores, k)
        latencies.append((time.perf_counter() - started) * 1000.0)
        results[query] = [
            (item_ids[r], float(s)) for r, s in zip(hits.rows, hits.scores, strict=True)
        ]
        rerank[query] = {item: float(scores[position[item]]) for item in judged if item in position}
    return evaluate_search(results, judgements, rerank_scores=rerank), latencies


def _objective(metrics: dict[str, Any]) -> float:
    # what the fusion weight is tuned for: the open-retrieval metrics the goals name
    return float(metrics["ndcg@10_open"]) + float(metrics["recall@100"])


def tune_keys_for(judgements: Judgements, n: int, seed: int) -> list[str]:
    """A seeded sample of ``n`` query keys (all when there are fewer)."""
    keys = sorted(judgements)
    if len(keys) <= n:
        return keys
    rng = np.random.default_rng(seed)
    return [keys[int(i)] for i in rng.choice(len(keys), n, replace=False)]


class _RankedSystem:
    """The hybrid's top-100 reordered by the learned ranker.

    Trained the way it serves: on each training query's hybrid top-100, judged products at
    their grade + 1 and unjudged ones at 0; queries with no judged product among them are
    skipped (nothing to learn)."""

    def __init__(
        self,
        lexical: LexicalRetriever,
        dense: DenseRetriever,
        fusion: FusionParams,
        title_tokens: list[frozenset[str]],
        analyzer: Analyzer,
        item_ids: list[str],
    ) -> None:
        self.lexical, self.dense, self.fusion = lexical, dense, fusion
        self.title_tokens, self.analyzer, self.item_ids = title_tokens, analyzer, item_ids
        self.position = {item: i for i, item in enumerate(item_ids)}
        self.ranker = Ranker(RankerParams())

    def _features(
        self, query: str, rows: npt.NDArray[np.int64] | None
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        bm25 = self.lexical.score_all(query)
        cosine = self.dense.score_all(query)
        hits = top_k(fuse(bm25, cosine, self.fusion), CANDIDATES)
        ranks = {int(r): i + 1 for i, r in enumerate(hits.rows.tolist())}
        rows = hits.rows if rows is None else rows
        x = pair_features(query, rows, bm25, cosine, self.title_tokens, ranks, self.analyzer)
        return x, rows

    def fit(self, judgements: Judgements) -> int:
        xs, ys, groups = [], [], []
        for query, judged in judgements.items():
            x, rows = self._features(query, None)
            labels = [
                round((judged[self.item_ids[r]] - 1.0) * 2) + 1 if self.item_ids[r] in judged else 0
                for r in rows.tolist()
            ]
            if not any(labels):
                continue
            xs.append(x)
            ys.extend(labels)
            groups.append(len(rows))
        self.ranker.fit(np.concatenate(xs), np.array(ys, np.int64), groups)
        return len(groups)

    def run(self, judgements: Judgements) -> tuple[dict[str, float], list[float]]:
        results: dict[str, list[tuple[str, float]]] = {}
        rerank: dict[str, dict[str, float]] = {}
        latencies = []
        for query, judged in judgements.items():
            started = time.perf_counter()
            x, rows = self._features(query, None)
            scores = self.ranker.score(x) if len(rows) else np.zeros(0, np.float32)
            order = np.argsort(-scores, kind="stable")
            latencies.append((time.perf_counter() - started) * 1000.0)
            results[query] = [(self.item_ids[int(rows[i])], float(scores[i])) for i in order]
            judged_rows = np.array(
                [self.position[i] for i in judged if i in self.position], np.int64
            )
            if judged_rows.size:
                xj, _ = self._features(query, judged_rows)
                rerank[query] = {
                    self.item_ids[int(r)]: float(v)
                    for r, v in zip(judged_rows, self.ranker.score(xj), strict=True)
                }
        return evaluate_search(results, judgements, rerank_scores=rerank), latencies


def bench_search(
    settings: Settings,
    products: Path,
    train_queries: Path,
    test_queries: Path,
    test_fraction: float = 0.2,
    tune_queries: int = 500,
    rank_queries: int = 3000,
) -> dict[str, Any]:
    """Run the benchmark; when train and test are the same file, split it by query hash."""
    train: Judgements = load_queries(train_queries)
    test: Judgements = load_queries(test_queries)
    if train_queries.resolve() == test_queries.resolve():
        train, test = split_queries(train, test_fraction)
    overlap = set(train) & set(test)
    train = {q: j for q, j in train.items() if q not in overlap}

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws", create=True)
        started = time.perf_counter()
        ingest_file(ws, "products", products, settings, encoding="latin-1")
        product_version = ws.get("products")
        table = ws.read_table(product_version, columns=["item_id", "title"])
        item_ids = [str(x) for x in table["item_id"].to_pylist()]
        titles = table["title"].to_pylist()
        lexical = LexicalRetriever.from_columns({"title": titles})
        bm25_s = time.perf_counter() - started
        enc_version = ensure_encoder(ws, settings, product_version)
        encoder = open_encoder(ws, enc_version, settings)
        started = time.perf_counter()
        emb = build_item_embeddings(ws, product_version, encoder, enc_version)
        vectors = vectors_matrix(ws.read_table(emb)["vector"])
        embed_s = time.perf_counter() - started
        dense = DenseRetriever(vectors, encoder)

        # tune the fusion weight on (a sample of) the training queries only
        tune = {q: train[q] for q in tune_keys_for(train, tune_queries, seed=0)}
        tuning = []
        for method in ("score", "rrf"):
            for w in WEIGHTS:
                params = FusionParams(method=method, weight=w)
                metrics, _ = _run(
                    lambda q, p=params: fuse(
                        lexical.score_all(q),  # type: ignore[misc]
                        dense.score_all(q),
                        p,
                    ),
                    item_ids,
                    tune,
                )
                tuning.append({"method": method, "weight": w, **metrics})
        best = max(tuning, key=_objective)
        chosen = FusionParams(method=str(best["method"]), weight=float(best["weight"]))

        systems: dict[str, Scorer] = {
            "bm25": lexical.score_all,
            "dense": dense.score_all,
            "hybrid": lambda q: fuse(lexical.score_all(q), dense.score_all(q), chosen),
        }
        out: dict[str, Any] = {}
        for name, scorer in systems.items():
            scorer("warm up")
            metrics, latencies = _run(scorer, item_ids, test)
            out[name] = {**metrics, **latency_summary(latencies)}

        analyzer = Analyzer()
        title_tokens = [frozenset(analyzer.tokens(t or "")) for t in titles]
        ranked = _RankedSystem(lexical, dense, chosen, title_tokens, analyzer, item_ids)
        started = time.perf_counter()
        used = ranked.fit({q: train[q] for q in tune_keys_for(train, rank_queries, seed=1)})
        ranker_s = time.perf_counter() - started
        metrics, latencies = ranked.run(test)
        out["hybrid+ranker"] = {
            **metrics,
            **latency_summary(latencies),
            "train_queries": used,
            "train_seconds": round(ranker_s, 2),
        }
    return {
        "data": {
            "products": len(item_ids),
            "train_queries": len(train),
            "test_queries": len(test),
            "tune_queries": len(tune),
            "split": "by query hash"
            if train_queries.resolve() == test_queries.resolve()
            else "files as given",
        },
        "encoder": encoder.info.model_id,
        "index_seconds": {"bm25": round(bm25_s, 2), "embeddings": round(embed_s, 2)},
        "fusion": {"chosen": {"method": chosen.method, "weight": chosen.weight}, "tuning": tuning},
        "systems": out,
    }
