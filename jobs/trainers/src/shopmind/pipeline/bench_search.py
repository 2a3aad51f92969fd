"""Search benchmark on the Home Depot format, every system measured on test queries.

Products are ingested through the real ingest path and embedded with the workspace's encoder.
Systems: ``bm25``, ``dense``, ``hybrid`` (fused, the fusion tuned on training queries) and
``hybrid+ranker`` (the hybrid's candidates reordered by LambdaMART trained on training
queries); with fine-tuning on, the same three again over an encoder fine-tuned on the other
training queries (``dense-ft``, ``hybrid-ft``, ``hybrid-ft+ranker``). Test queries are used for
scoring only (docs/benchmarks.md has the definitions of the four metrics).
"""

from __future__ import annotations

import functools
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shopmind.config import Settings
from shopmind.contracts.vectors import vectors_matrix
from shopmind.evaluate import (
    evaluate_search,
    judgement_noise,
    latency_summary,
    load_queries,
    relevant_ids,
    split_queries,
)
from shopmind.features import build_item_embeddings
from shopmind.ingest import ingest_file
from shopmind.pipeline.encoders import calibration_texts, ensure_encoder, family_of, open_encoder
from shopmind.search.base import Hits, top_k
from shopmind.search.dense import DenseRetriever
from shopmind.search.features import ItemSignals
from shopmind.search.hybrid import FusionParams, fuse
from shopmind.search.lexical import LexicalRetriever
from shopmind.search.ranker import Ranker, RankerParams
from shopmind.search.rerank import CANDIDATES, RankingStage, Reranked, Retrieved, grade_label
from shopmind.text.asset import build_encoder_asset, load_source
from shopmind.text.listwise import ListwiseParams, finetune_listwise
from shopmind.workspace import AssetVersion, Workspace

Judgements = dict[str, dict[str, float]]
Scorer = Callable[[str], npt.NDArray[np.float32]]
WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


# query -> its results, best first: (item id, score)
Results = dict[str, list[tuple[str, float]]]


def _run(
    scorer: Scorer, item_ids: list[str], judgements: Judgements, k: int = 100
) -> tuple[dict[str, float], list[float], Results]:
    """Score every query: the metrics of its top-k results and of the scores of its judged
    products, the latency per query, and the results themselves."""
    position = {item: i for i, item in enumerate(item_ids)}
    results: Results = {}
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
    return evaluate_search(results, judgements, rerank_scores=rerank), latencies, results


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
    """A hybrid's candidates reordered by the learned ranker, trained the way it serves."""

    def __init__(
        self,
        lexical: LexicalRetriever,
        dense: DenseRetriever,
        fusion: FusionParams,
        signals: ItemSignals,
        item_ids: list[str],
        candidates: int = CANDIDATES,
    ) -> None:
        self.lexical, self.dense, self.fusion = lexical, dense, fusion
        self.item_ids, self.candidates = item_ids, candidates
        self.position = {item: i for i, item in enumerate(item_ids)}
        self.stage = RankingStage(lexical.index, signals, Ranker(RankerParams()))

    def retrieve(self, query: str) -> Retrieved:
        bm25 = self.lexical.score_all(query)
        cosine = self.dense.score_all(query)
        candidates = top_k(fuse(bm25, cosine, self.fusion), self.candidates)
        return query, candidates, bm25, cosine, None

    def fit(self, judgements: Judgements) -> dict[str, int]:
        labelled = {
            query: {
                self.position[item]: grade_label(rel, 1.0, 3.0)
                for item, rel in judged.items()
                if item in self.position
            }
            for query, judged in judgements.items()
        }
        return self.stage.fit(labelled, self.retrieve)

    def run(self, judgements: Judgements) -> tuple[dict[str, float], list[float]]:
        results: dict[str, list[tuple[str, float]]] = {}
        rerank: dict[str, dict[str, float]] = {}
        latencies = []
        for query, judged in judgements.items():
            started = time.perf_counter()
            _, candidates, bm25, cosine, _ = self.retrieve(query)
            ranked = self.stage.rerank(query, candidates, bm25, cosine)
            latencies.append((time.perf_counter() - started) * 1000.0)
            results[query] = [
                (self.item_ids[int(r)], float(s))
                for r, s in zip(ranked.rows, ranked.scores, strict=True)
            ]
            judged_rows = np.array(
                [self.position[i] for i in judged if i in self.position], np.int64
            )
            if judged_rows.size:
                scores = self._catalog_order(query, candidates, ranked, bm25, cosine, judged_rows)
                rerank[query] = {
                    self.item_ids[int(r)]: float(v)
                    for r, v in zip(judged_rows, scores, strict=True)
                }
        return evaluate_search(results, judgements, rerank_scores=rerank), latencies

    def _catalog_order(
        self,
        query: str,
        candidates: Hits,
        ranked: Reranked,
        bm25: npt.NDArray[np.float32],
        cosine: npt.NDArray[np.float32],
        rows: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.float64]:
        """Scores of ``rows`` in the order the system puts the whole catalog: its candidates
        by the ranker, then everything else below them in fused order (what a next page
        would show). The ranker never scores a product outside its candidates: it was not
        trained on such rows, and their features (no fused rank) would be out of its range."""
        out = np.empty(rows.shape[0], np.float64)
        inside = np.isin(rows, candidates.rows)
        if inside.any():
            _, x = self.stage.features(query, candidates, bm25, cosine, rows=rows[inside])
            out[inside] = self.stage.ranker.score(x)
        outside = ~inside
        if outside.any():
            floor = float(ranked.scores.min()) if ranked.scores.size else 0.0
            fused = fuse(bm25, cosine, self.fusion)[rows[outside]].astype(np.float64)
            # below every candidate, best fused first; products no retriever found tie last
            place = np.argsort(np.argsort(-fused, kind="stable"), kind="stable")
            out[outside] = np.where(
                np.isfinite(fused), floor - 1.0 - place, floor - 2.0 - outside.sum()
            )
        return out


def _tune_fusion(
    lexical: LexicalRetriever, dense: DenseRetriever, item_ids: list[str], tune: Judgements
) -> tuple[FusionParams, list[dict[str, Any]]]:
    """The fusion setting with the best open-retrieval metrics on ``tune``, and every trial."""
    tuning = []
    for method in ("score", "rrf"):
        for w in WEIGHTS:
            params = FusionParams(method=method, weight=w)
            metrics, _, _ = _run(
                lambda q, p=params: fuse(lexical.score_all(q), dense.score_all(q), p),  # type: ignore[misc]
                item_ids,
                tune,
            )
            tuning.append({"method": method, "weight": w, **metrics})
    best = max(tuning, key=_objective)
    return FusionParams(method=str(best["method"]), weight=float(best["weight"])), tuning


@dataclass(frozen=True)
class SearchBenchParams:
    """How the benchmark splits and trains (passed whole, recorded in the output).

    The training queries are split in two, by a seeded sample: ``side_queries`` of them tune
    the fusion (a sample of ``tune_queries``) and train the ranker; the rest fine-tune the
    encoder. So neither the fusion nor the ranker learns to trust a similarity measured on the
    very queries the encoder was trained on."""

    test_fraction: float = 0.2
    tune_queries: int = 500
    side_queries: int = 2000
    finetune: bool = True
    candidates: int = CANDIDATES
    # with listwise.hard_negatives > 0: each query's negatives come from the base hybrid's
    # best results that it did not judge, this deep
    negative_pool: int = 30
    listwise: ListwiseParams = field(default_factory=ListwiseParams)


def _finetuned_dense(
    ws: Workspace,
    settings: Settings,
    product_version: AssetVersion,
    base: AssetVersion,
    titles: dict[str, str],
    train: Judgements,
    params: ListwiseParams,
    negatives: dict[str, list[str]] | None = None,
) -> tuple[DenseRetriever, dict[str, Any]]:
    """Fine-tune the encoder on ``train`` (listwise), commit it, embed the catalog with it."""
    groups = {
        q: {titles[i]: rel for i, rel in judged.items() if i in titles}
        for q, judged in train.items()
    }
    started = time.perf_counter()
    tuned, report = finetune_listwise(
        load_source(ws, base), groups, params, settings.threads, negatives
    )
    version = build_encoder_asset(
        ws,
        tuned,
        calibration_texts(ws, product_version),
        settings.threads,
        produced_by="text.finetune",
        inputs=(base.ref, product_version.ref),
        params={"family": family_of(base), "base": str(base.ref), "loss": "listwise"},
    )
    report["seconds_with_export"] = round(time.perf_counter() - started, 2)
    encoder = open_encoder(ws, version, settings)
    started = time.perf_counter()
    emb = build_item_embeddings(ws, product_version, encoder, version)
    report["embed_seconds"] = round(time.perf_counter() - started, 2)
    return DenseRetriever(vectors_matrix(ws.read_table(emb)["vector"]), encoder), report


def miss_profile(
    results: Results, lexical: LexicalRetriever, item_ids: list[str], judgements: Judgements
) -> dict[str, int]:
    """Where a system's misses come from: of the relevant products its ``results`` (top 100
    per query) leave out, how many hold every analysed query term in their text (so only
    ranking among other full matches kept them out) and how many lack one (a different word,
    a typo)."""
    index = lexical.index
    position = {item: i for i, item in enumerate(item_ids)}
    relevant = missed = full = 0
    for query, judged in judgements.items():
        wanted = [position[i] for i in relevant_ids(judged) if i in position]
        if not wanted:
            continue
        top = {position[item] for item, _ in results.get(query, [])[:100]}
        lost = [r for r in wanted if r not in top]
        relevant, missed = relevant + len(wanted), missed + len(lost)
        terms = set(index.analyzer.tokens(query))
        ids = [index.term_ids[t] for t in terms if t in index.term_ids]
        if lost and terms and len(ids) == len(terms):  # a term no product has: nobody holds all
            holders = functools.reduce(np.intersect1d, (index.posting(t) for t in ids))
            full += int(np.isin(np.array(lost), holders).sum())
    return {
        "relevant": relevant,
        "missed": missed,
        "missed_with_every_query_term": full,
        "missed_lacking_a_query_term": missed - full,
    }


def _unjudged_results(
    lexical: LexicalRetriever,
    dense: DenseRetriever,
    item_ids: list[str],
    titles: dict[str, str],
    judgements: Judgements,
    depth: int,
) -> dict[str, list[str]]:
    """Per query, the titles of the base hybrid's best ``depth`` results it did not judge."""
    out = {}
    for query, judged in judgements.items():
        hits = top_k(fuse(lexical.score_all(query), dense.score_all(query), FusionParams()), depth)
        found = (item_ids[int(r)] for r in hits.rows)
        out[query] = [titles[i] for i in found if i not in judged and i in titles]
    return out


def bench_search(
    settings: Settings,
    products: Path,
    train_queries: Path,
    test_queries: Path,
    params: SearchBenchParams | None = None,
) -> dict[str, Any]:
    """Run the benchmark; when train and test are the same file, split it by query hash."""
    params = params or SearchBenchParams()
    train: Judgements = load_queries(train_queries)
    test: Judgements = load_queries(test_queries)
    same_file = train_queries.resolve() == test_queries.resolve()
    if same_file:
        train, test = split_queries(train, params.test_fraction)
    overlap = set(train) & set(test)
    train = {q: j for q, j in train.items() if q not in overlap}
    side = {q: train[q] for q in tune_keys_for(train, params.side_queries, seed=1)}
    encoder_train = {q: j for q, j in train.items() if q not in side}
    tune = {q: side[q] for q in tune_keys_for(side, params.tune_queries, seed=0)}

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws", create=True)
        started = time.perf_counter()
        ingest_file(ws, "products", products, settings, encoding="latin-1")
        product_version = ws.get("products")
        table = ws.read_table(product_version, columns=["item_id", "title"])
        item_ids = [str(x) for x in table["item_id"].to_pylist()]
        titles = table["title"].to_pylist()
        lexical = LexicalRetriever.from_columns({"title": titles})
        seconds = {"bm25_index": round(time.perf_counter() - started, 2)}
        enc_version = ensure_encoder(ws, settings, product_version)
        encoder = open_encoder(ws, enc_version, settings)
        started = time.perf_counter()
        emb = build_item_embeddings(ws, product_version, encoder, enc_version)
        seconds["embeddings"] = round(time.perf_counter() - started, 2)
        signals = ItemSignals.build(lexical.index.analyzer, titles)
        # what the judgements let a title-only system learn (docs/search.md, "Label noise")
        noise = judgement_noise({**train, **test}, dict(zip(item_ids, titles, strict=True)))

        denses = {"": DenseRetriever(vectors_matrix(ws.read_table(emb)["vector"]), encoder)}
        finetune_report: dict[str, Any] | None = None
        if params.finetune:
            title_of = {i: t for i, t in zip(item_ids, titles, strict=True) if t}
            negatives = None
            if params.listwise.hard_negatives:
                negatives = _unjudged_results(
                    lexical, denses[""], item_ids, title_of, encoder_train, params.negative_pool
                )
            denses["-ft"], finetune_report = _finetuned_dense(
                ws,
                settings,
                product_version,
                enc_version,
                title_of,
                encoder_train,
                params.listwise,
                negatives,
            )

        out: dict[str, Any] = {}
        fusion: dict[str, Any] = {}
        misses: dict[str, dict[str, int]] = {}
        for suffix, dense in denses.items():
            chosen, tuning = _tune_fusion(lexical, dense, item_ids, tune)
            fusion["hybrid" + suffix] = {"chosen": asdict(chosen), "tuning": tuning}
            systems: dict[str, Scorer] = {
                "dense" + suffix: dense.score_all,
                "hybrid" + suffix: lambda q, d=dense, c=chosen: fuse(  # type: ignore[misc]
                    lexical.score_all(q), d.score_all(q), c
                ),
            }
            if not suffix:
                systems = {"bm25": lexical.score_all, **systems}
            for name, scorer in systems.items():
                scorer("warm up")
                metrics, latencies, results = _run(scorer, item_ids, test)
                out[name] = {**metrics, **latency_summary(latencies)}
                if name.startswith("hybrid"):
                    misses[name] = miss_profile(results, lexical, item_ids, test)
            ranked = _RankedSystem(lexical, dense, chosen, signals, item_ids, params.candidates)
            started = time.perf_counter()
            used = ranked.fit(side)
            train_s = time.perf_counter() - started
            ranked.stage.ranker.compile()  # as a served release is readied
            metrics, latencies = ranked.run(test)
            out[f"hybrid{suffix}+ranker"] = {
                **metrics,
                **latency_summary(latencies),
                "train_queries": used["queries"],
                "train_seconds": round(train_s, 2),
            }
    return {
        "data": {
            "products": len(item_ids),
            "train_queries": len(train),
            "encoder_train_queries": len(encoder_train) if params.finetune else 0,
            "side_queries": len(side),
            "tune_queries": len(tune),
            "test_queries": len(test),
            "split": "by query hash" if same_file else "files as given",
        },
        "params": asdict(params),
        "encoder": encoder.info.model_id,
        "seconds": seconds,
        "finetune": finetune_report,
        "judgements": noise.to_dict(),
        "misses": misses,
        "fusion": fusion,
        "systems": out,
    }
