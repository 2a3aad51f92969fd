"""Search latency at catalog scale: the real service over a synthetic shop of N products.

Everything a query touches is the production path: the BM25F index over all N products' title,
brand, category and attributes; the HNSW vector index (or exact search) over N vectors; fusion,
query understanding, filters, facets and, when the shop's judgements allow one, the learned
ranker. One shortcut, stated in the output: encoding a million titles would take about 20
minutes on two cores, so only ``distinct`` products are encoded for real and the other products
reuse one of those vectors with a little noise (the index then holds N distinct vectors of the
same geometry). Search quality is measured on real queries elsewhere (``bench search``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from shopmind.config import Settings
from shopmind.contracts.vectors import vectors_column
from shopmind.evaluate import latency_summary
from shopmind.pipeline.encoders import ensure_encoder, open_encoder
from shopmind.pipeline.ranking import train_ranker
from shopmind.search.ann import VectorIndexParams, build_vector_index_asset
from shopmind.search.filters import Filters
from shopmind.search.ranker import Ranker
from shopmind.search.service import SearchService, build_search_index
from shopmind.synth.catalog import build_catalog
from shopmind.synth.config import SynthConfig
from shopmind.synth.queries import build_queries
from shopmind.text.asset import build_encoder_asset
from shopmind.text.sources import ModelSource
from shopmind.text.templates import product_text
from shopmind.workspace import Workspace

NOISE = 0.02  # per-dimension std of the noise on reused vectors (unit vectors, d = 384)


def _timed(service: SearchService, queries: list[str], filters: Filters | None) -> list[float]:
    latencies = []
    for query in queries:
        started = time.perf_counter()
        service.search(query, k=10, filters=filters)
        latencies.append((time.perf_counter() - started) * 1000.0)
    return latencies


def bench_search_scale(
    settings: Settings,
    n_items: int = 1_000_000,
    distinct: int = 20_000,
    n_queries: int = 500,
    vector_index: str = "hnsw",
    seed: int = 0,
    encoder_source: ModelSource | None = None,
) -> dict[str, Any]:
    """Build a synthetic shop of ``n_items`` products and time ``n_queries`` searches.

    ``encoder_source``: a model to export instead of the configured encoder (tests pass a
    tiny one)."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    config = SynthConfig(
        seed=seed,
        n_items=n_items,
        n_users=1,
        n_events=1,
        n_queries=n_queries,
        zh_fraction=0.0,
    )
    catalog = build_catalog(config)
    query_set = build_queries(config, catalog)
    queries = [s.text for s in query_set.specs]
    seconds["synthesise"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws", create=True)
        products = ws.write_table("products", catalog.table(), produced_by="bench.synth")
        ws.write_table("judgements", query_set.table(catalog), produced_by="bench.synth")
        enc_version = (
            ensure_encoder(ws, settings, products)
            if encoder_source is None
            else build_encoder_asset(ws, encoder_source, queries[:50] or ["calibration"])
        )
        encoder = open_encoder(ws, enc_version, settings)

        started = time.perf_counter()
        rows = catalog.table().select(["title", "brand", "category", "attributes"]).to_pylist()
        k = min(distinct, n_items)
        texts = [
            product_text(r["title"], r["brand"], r["category"], r["attributes"]) for r in rows[:k]
        ]
        base = encoder.encode(texts)  # (k, d)
        seconds["encode_distinct"] = time.perf_counter() - started
        rng = np.random.default_rng(seed)
        vectors = np.empty((n_items, base.shape[1]), dtype=np.float32)
        vectors[:k] = base
        for start in range(k, n_items, 100_000):
            stop = min(n_items, start + 100_000)
            chunk = base[np.arange(start, stop) % k] + rng.normal(
                0.0, NOISE, size=(stop - start, base.shape[1])
            ).astype(np.float32)
            vectors[start:stop] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
        embeddings = ws.write_table(
            "item_embeddings",
            pa.table({"item_id": catalog.item_ids, "vector": vectors_column(vectors)}),
            produced_by="bench.synth",
            inputs=(products.ref, enc_version.ref),
        )
        started = time.perf_counter()
        vindex = build_vector_index_asset(
            ws, embeddings, vectors, VectorIndexParams(kind=vector_index, threads=settings.threads)
        )
        seconds["vector_index"] = time.perf_counter() - started
        del vectors
        started = time.perf_counter()
        index = build_search_index(ws, products, embeddings, vector_index=vindex)
        seconds["bm25_index"] = time.perf_counter() - started
        started = time.perf_counter()
        service = SearchService(ws, index, encoder)
        seconds["open_service"] = time.perf_counter() - started

        service.search("warm up", k=10)
        results: dict[str, Any] = {}
        results["hybrid"] = latency_summary(_timed(service, queries, None))
        results["hybrid, filtered"] = latency_summary(
            _timed(service, queries, Filters(price_max=100.0, in_stock=True))
        )
        started = time.perf_counter()
        ranker_version = train_ranker(ws, settings, "judgements", service=service)
        seconds["train_ranker"] = time.perf_counter() - started
        ranker = Ranker.load(ws.version_dir(ranker_version.ref))
        ranker.compile()  # as a served release is readied
        ranked = SearchService(ws, index, encoder, ranker=(ranker_version, ranker))
        ranked.search("warm up", k=10)
        results["hybrid+ranker"] = latency_summary(_timed(ranked, queries, None))
        quality = dict(vindex.quality)
    return {
        "products": n_items,
        "queries": len(queries),
        "distinct_vectors": k,
        "vector_noise": NOISE,
        "vector_index": {"kind": vector_index, **quality},
        "encoder": encoder.info.model_id,
        "seconds": {name: round(v, 2) for name, v in seconds.items()},
        "ranker_held_out": ranker_version.quality.get("held_out"),
        "latency_ms": results,
    }
