"""Product search: lexical (BM25) and vector retrieval, hybrid fusion, ranking."""

from shopmind.search.base import Hits, Retriever, top_k

__all__ = ["Hits", "Retriever", "top_k"]
