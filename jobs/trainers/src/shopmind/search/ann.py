"""Vector indexes over item embeddings: exact for small catalogs, HNSW (faiss) for large ones.

Both answer "the k items of highest cosine to this unit query vector". The exact index is a
matrix product, about 2-3 ms per query over 55k items on two cores and linear in the catalog
size; HNSW (Malkov & Yashunin 2016, faiss ``IndexHNSWFlat`` over inner products) visits a few
thousand items whatever the size, at the cost of a build and a small recall loss, which is
measured at build time against the exact answer and kept with the ``vector_index`` asset.

``kind = "auto"`` picks exact below :data:`AUTO_HNSW_AT` items. Between 80,000 items and that,
the search service scans with an inverted-file index built when it opens (:class:`IvfIndex`,
:mod:`shopmind.search.dense`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shopmind.errors import InputFileError, InvalidArgument
from shopmind.search.base import Hits, top_k
from shopmind.workspace import AssetVersion, Workspace

ASSET = "vector_index"
KINDS = ("auto", "exact", "hnsw")
AUTO_HNSW_AT = 200_000
INDEX_FILE = "hnsw.faiss"
META_FILE = "vector_index.json"


@dataclass(frozen=True)
class VectorIndexParams:
    """``m``: HNSW links per node; ``ef_construction`` / ``ef_search``: candidate-list sizes at
    build and query time (larger: better recall, slower); ``threads``: build threads."""

    kind: str = "auto"
    m: int = 32
    ef_construction: int = 100
    ef_search: int = 128
    threads: int = 2

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidArgument(
                f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}", argument="kind"
            )
        for name in ("m", "ef_construction", "ef_search", "threads"):
            if getattr(self, name) < 1:
                raise InvalidArgument(f"{name} must be >= 1", argument=name)

    def resolved(self, n: int) -> str:
        """The concrete kind for a catalog of ``n`` items."""
        if self.kind != "auto":
            return self.kind
        return "hnsw" if n >= AUTO_HNSW_AT else "exact"


class VectorIndex:
    """Top-k by cosine over unit vectors (n, d); rows are the vectors' positions."""

    kind = "exact"

    def __init__(self, vectors: npt.NDArray[np.float32]) -> None:
        if vectors.ndim != 2:
            raise InvalidArgument(
                f"vectors must be (n, d), got {vectors.shape}", argument="vectors"
            )
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    def search(self, query: npt.NDArray[np.float32], k: int) -> Hits:
        """The ``k`` rows of highest cosine with the unit vector ``query`` (d,)."""
        return top_k(self.vectors @ query, k)

    def cosines(
        self, query: npt.NDArray[np.float32], rows: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """(len(rows),) exact cosines of ``rows``."""
        return self.vectors[rows] @ query


class HnswIndex(VectorIndex):
    """faiss HNSW over inner products; exact cosines for any row still come from the vectors."""

    kind = "hnsw"

    def __init__(self, vectors: npt.NDArray[np.float32], graph: Any, ef_search: int) -> None:
        super().__init__(vectors)
        self.graph = graph
        self.graph.hnsw.efSearch = ef_search

    @classmethod
    def build(cls, vectors: npt.NDArray[np.float32], params: VectorIndexParams) -> HnswIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        faiss.omp_set_num_threads(params.threads)
        graph = faiss.IndexHNSWFlat(vectors.shape[1], params.m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = params.ef_construction
        graph.add(vectors)
        return cls(vectors, graph, params.ef_search)

    def search(self, query: npt.NDArray[np.float32], k: int) -> Hits:
        return _faiss_search(self.graph, query, min(k, self.size))


class IvfIndex(VectorIndex):
    """An inverted-file index (faiss ``IndexIVFFlat``): k-means cells, a query scans the
    ``nprobe`` cells nearest to it.

    For mid-size catalogs, built when the search service opens (seeded, about 7 s for 100,000
    vectors on one core; nothing stored): ``sqrt(n)`` cells, ``nprobe`` a sixteenth of them,
    so a query reads about 6% of the vectors. On the 100,000-product synthetic shop it found
    every one of the exact top 100 in its top 400 (200 jittered item vectors) in 1.5 ms,
    against 11.6 ms for the full float product."""

    kind = "ivf"

    def __init__(self, vectors: npt.NDArray[np.float32], seed: int = 0) -> None:
        import faiss

        super().__init__(vectors)
        d = self.vectors.shape[1]
        cells = max(16, int(self.size**0.5))
        faiss.omp_set_num_threads(1)  # at load time, beside requests already being served
        self.coarse = faiss.IndexFlatIP(d)
        self.flat = faiss.IndexIVFFlat(self.coarse, d, cells, faiss.METRIC_INNER_PRODUCT)
        self.flat.cp.seed = seed
        self.flat.train(self.vectors)
        self.flat.add(self.vectors)
        # a sixteenth of the cells, and enough of them to hold about 2,000 vectors, so a
        # pool of 400 is always full
        self.flat.nprobe = min(cells, max(4, cells // 16, -(-cells * 2000 // self.size)))

    def search(self, query: npt.NDArray[np.float32], k: int) -> Hits:
        return _faiss_search(self.flat, query, min(k, self.size))


def _faiss_search(index: Any, query: npt.NDArray[np.float32], k: int) -> Hits:
    """The ``k`` best rows of a faiss ``index`` for one query vector (d,)."""
    import faiss

    # one query at a time from many request threads: OpenMP fan-out would only contend
    faiss.omp_set_num_threads(1)
    if k <= 0:
        return Hits.empty()
    scores, rows = index.search(query.reshape(1, -1).astype(np.float32), k)
    keep = rows[0] >= 0
    return Hits(rows[0][keep].astype(np.int64), scores[0][keep].astype(np.float32))


def build_index(vectors: npt.NDArray[np.float32], params: VectorIndexParams) -> VectorIndex:
    """The index ``params`` asks for over ``vectors`` (n, d)."""
    if params.resolved(vectors.shape[0]) == "hnsw":
        return HnswIndex.build(vectors, params)
    return VectorIndex(vectors)


def measured_recall(
    index: VectorIndex, queries: int = 200, k: int = 100, depth: int = 400, seed: int = 0
) -> dict[str, float]:
    """Share of the exact top ``k`` found in the index's top ``depth`` (the depth a search
    asks for), items' own vectors jittered (so an item is not trivially its own nearest
    neighbour) as queries; and ms per index query."""
    if index.size == 0:
        return {"recall": 1.0, "queries": 0}
    rng = np.random.default_rng(seed)
    picks = rng.choice(index.size, size=min(queries, index.size), replace=False)
    found = 0
    total = 0
    elapsed = 0.0
    for row in picks.tolist():
        noise = rng.normal(0.0, 0.01, size=index.vectors.shape[1])
        q = (index.vectors[row] + noise).astype(np.float32)
        q /= np.linalg.norm(q)
        truth = set(top_k(index.vectors @ q, k).rows.tolist())
        started = time.perf_counter()
        got = index.search(q, max(k, depth))
        elapsed += time.perf_counter() - started
        found += len(truth & set(got.rows.tolist()))
        total += len(truth)
    return {
        f"recall@{k}": round(found / total, 4),
        "depth": max(k, depth),
        "queries": len(picks),
        "ms_per_query": round(1000 * elapsed / len(picks), 3),
    }


def build_vector_index_asset(
    ws: Workspace,
    embeddings: AssetVersion,
    vectors: npt.NDArray[np.float32],
    params: VectorIndexParams | None = None,
) -> AssetVersion:
    """Commit ``vector_index@N`` over the item vectors of ``embeddings`` (lineage input)."""
    params = params or VectorIndexParams()
    started = time.perf_counter()
    index = build_index(vectors, params)
    build_s = time.perf_counter() - started
    quality = measured_recall(index) if index.kind == "hnsw" else {"recall@100": 1.0}
    with ws.transaction("search.vector_index") as txn:
        staged = txn.stage(ASSET)
        if isinstance(index, HnswIndex):
            import faiss

            faiss.write_index(index.graph, str(staged.dir / INDEX_FILE))
        meta = {"kind": index.kind, "params": asdict(params), "size": index.size}
        (staged.dir / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
        staged.describe(
            params={**asdict(params), "requested": params.kind, "kind": index.kind},
            inputs=(embeddings.ref,),
            rows=index.size,
            columns=(),
            quality=quality,
            report={"build_seconds": round(build_s, 3)},
        )
    return txn.committed[0]


def load_vector_index(folder: Path, vectors: npt.NDArray[np.float32]) -> VectorIndex:
    """The index saved in ``folder`` over ``vectors`` (the embeddings it was built from)."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"unreadable vector index in {folder}: {exc}", path=str(folder)
        ) from exc
    if int(meta["size"]) != vectors.shape[0]:
        raise InputFileError(
            f"vector index in {folder} covers {meta['size']} items, the embeddings "
            f"{vectors.shape[0]}",
            path=str(folder),
        )
    if meta["kind"] == "exact":
        return VectorIndex(vectors)
    import faiss

    params = VectorIndexParams(**meta["params"])
    return HnswIndex(vectors, faiss.read_index(str(folder / INDEX_FILE)), params.ef_search)
