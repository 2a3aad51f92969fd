from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.contracts.vectors import vectors_matrix
from shopmind.errors import InputFileError, InvalidArgument
from shopmind.search.ann import (
    IvfIndex,
    VectorIndex,
    VectorIndexParams,
    build_index,
    build_vector_index_asset,
    load_vector_index,
    measured_recall,
)
from shopmind.search.dense import UNREACHED, DenseRetriever
from shopmind.workspace import Workspace


def _vectors(n: int = 3000, d: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((30, d))
    x = centres[rng.integers(0, 30, n)] + 0.3 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_params_guard_and_auto_kind() -> None:
    with pytest.raises(InvalidArgument, match="kind"):
        VectorIndexParams(kind="ivf")
    with pytest.raises(InvalidArgument, match="m must"):
        VectorIndexParams(m=0)
    assert VectorIndexParams().resolved(1000) == "exact"
    assert VectorIndexParams().resolved(10_000_000) == "hnsw"
    assert VectorIndexParams(kind="hnsw").resolved(10) == "hnsw"


def test_hnsw_agrees_with_exact_search() -> None:
    x = _vectors()
    hnsw = build_index(x, VectorIndexParams(kind="hnsw", m=16, ef_construction=64))
    exact = VectorIndex(x)
    assert hnsw.kind == "hnsw" and exact.kind == "exact"
    q = x[7]
    assert hnsw.search(q, 1).rows[0] == exact.search(q, 1).rows[0] == 7
    quality = measured_recall(hnsw, queries=50, k=20)
    assert quality["recall@20"] >= 0.95 and quality["queries"] == 50 and quality["depth"] == 400
    assert measured_recall(exact, queries=10, k=20)["recall@20"] == 1.0
    np.testing.assert_allclose(hnsw.cosines(q, np.array([7, 8])), x[[7, 8]] @ q, rtol=1e-6)


def test_asset_round_trip_with_lineage(ws: Workspace, tmp_path: Path) -> None:
    import pyarrow as pa

    from shopmind.contracts.vectors import vectors_column

    x = _vectors(500)
    emb = ws.write_table(
        "item_embeddings",
        pa.table({"item_id": [str(i) for i in range(500)], "vector": vectors_column(x)}),
        produced_by="test",
    )
    version = build_vector_index_asset(
        ws, emb, vectors_matrix(ws.read_table(emb)["vector"]), VectorIndexParams(kind="hnsw")
    )
    assert version.inputs == (emb.ref,) and version.params["kind"] == "hnsw"
    assert version.quality["recall@100"] >= 0.95
    loaded = load_vector_index(ws.version_dir(version.ref), x)
    assert loaded.kind == "hnsw" and loaded.search(x[3], 5).rows[0] == 3
    with pytest.raises(InputFileError, match="covers 500 items"):
        load_vector_index(ws.version_dir(version.ref), x[:10])
    with pytest.raises(InputFileError, match="unreadable"):
        load_vector_index(tmp_path, x)
    exact = build_vector_index_asset(ws, emb, x, VectorIndexParams(kind="auto"))
    assert load_vector_index(ws.version_dir(exact.ref), x).kind == "exact"


class _FixedEncoder:
    """Encodes every query as one given vector (enough for the retriever's bookkeeping)."""

    def __init__(self, vector: np.ndarray) -> None:
        from shopmind.text.base import EncoderInfo

        self.vector = vector
        self.info = EncoderInfo(model_id="fixed", backend="test", dim=len(vector), max_tokens=8)

    def encode_queries(self, queries: list[str]) -> np.ndarray:
        return np.stack([self.vector] * len(queries))


def test_dense_retriever_over_hnsw_scores_reached_rows_exactly() -> None:
    x = _vectors(3000)
    encoder = _FixedEncoder(x[11])
    hnsw = build_index(x, VectorIndexParams(kind="hnsw", m=16))
    exact = DenseRetriever(x, encoder, VectorIndex(x))  # type: ignore[arg-type]
    approx = DenseRetriever(x, encoder, hnsw)  # type: ignore[arg-type]
    assert not exact.approximate and approx.approximate
    full = exact.score_all("anything")
    part = approx.score_all("anything", also=np.array([int(np.argmin(full))]))
    reached = part > UNREACHED
    assert 100 <= reached.sum() < len(x)
    np.testing.assert_allclose(part[reached], full[reached], rtol=1e-5)
    assert reached[int(np.argmin(full))]  # the row asked for is scored although far away
    assert approx.search("anything", k=5).rows[0] == 11
    with pytest.raises(InvalidArgument, match="index covers"):
        DenseRetriever(x[:10], encoder, hnsw)  # type: ignore[arg-type]


def test_ivf_agrees_with_exact_search() -> None:
    x = _vectors(3000)
    ivf = IvfIndex(x)
    assert ivf.kind == "ivf" and ivf.flat.nprobe >= 4
    assert ivf.search(x[7], 1).rows[0] == 7
    quality = measured_recall(ivf, queries=50, k=20)
    assert quality["recall@20"] >= 0.95


def test_mid_size_catalogs_get_an_ivf_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    import shopmind.search.dense as dense

    x = _vectors(3000)
    encoder = _FixedEncoder(x[11])
    assert not DenseRetriever(x, encoder).approximate  # type: ignore[arg-type]
    monkeypatch.setattr(dense, "EXACT_SCAN_MAX", 1000)
    pooled = DenseRetriever(x, encoder)  # type: ignore[arg-type]
    assert pooled.approximate and isinstance(pooled.index, IvfIndex)
    full = x @ x[11]
    part = pooled.score_all("anything")
    reached = part > UNREACHED
    assert reached.sum() >= 400
    np.testing.assert_allclose(part[reached], full[reached], rtol=1e-5)  # exact cosines
    assert set(np.argsort(-full)[:10]) <= set(np.flatnonzero(reached))
