from __future__ import annotations

import string
from pathlib import Path

from shopmind.config import load_settings
from shopmind.pipeline.bench_search_scale import bench_search_scale
from shopmind.text.sources import tiny_source

VOCAB = list(string.ascii_lowercase + string.digits) + [
    "##" + c for c in string.ascii_lowercase + string.digits
]


def test_scale_bench_runs_the_service_over_hnsw(tmp_path: Path) -> None:
    settings = load_settings(environ={}, workspace=tmp_path / "ws", threads=1)
    out = bench_search_scale(
        settings,
        n_items=600,
        distinct=100,
        n_queries=40,
        vector_index="hnsw",
        encoder_source=tiny_source(VOCAB, seed=0),
    )
    assert out["products"] == 600 and out["distinct_vectors"] == 100
    assert out["vector_index"]["kind"] == "hnsw" and out["vector_index"]["recall@100"] > 0.5
    for system in ("hybrid", "hybrid, filtered", "hybrid+ranker"):
        summary = out["latency_ms"][system]
        assert 0 < summary["p50_ms"] <= summary["p99_ms"]
    assert out["ranker_held_out"]["queries"] >= 0
