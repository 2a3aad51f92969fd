"""Ranking features of (query, product) pairs, computed for a query's candidates at once.

One row per candidate, one column per name in :data:`FEATURES`:

    bm25            BM25F score of the product (0 when no query term matches)
    bm25_rel        bm25 / the best bm25 among the candidates (0..1)
    cosine          cosine between query and product vectors
    cosine_rel      cosine - the best cosine among the candidates (<= 0)
    fused_rank      1-based rank in the fused candidate list
    coverage        share of the query's terms the product contains (a typo stand-in counts half)
    head_match      1 when the product contains the query's last term, usually the head noun
                    of a shop query ("cordless drill" -> "drill")
    number_match    share of the query's numbers and measures ("2x4", "1/2") the product has,
                    -1 when the query has none
    bigram_match    share of the query's adjacent term pairs found adjacent in the title
    title_terms     number of terms in the title
    query_terms     number of terms in the query
    category_intent share, among the best 20 candidates weighted by 1/rank, of the product's
                    category: the query's category intent read from its own results
    brand_in_query  1 when every term of the product's brand is in the query
    popularity      log(1 + weighted interactions) from item_stats (0 without events)
    ctr             click-through rate from item_stats (-1 when unknown)
    log_price       log(1 + price) (-1 when unknown)
    affinity        the user's affinity to the product's categories and brand (0 anonymous)

Everything a query needs is looked up in arrays built once per index (:class:`ItemSignals`),
so a query's 100 candidates cost well under a millisecond.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shopmind.search.analyze import Analyzer
from shopmind.search.lexical import BM25Index
from shopmind.search.understand import INTENT_DEPTH

FEATURES = (
    "bm25",
    "bm25_rel",
    "cosine",
    "cosine_rel",
    "fused_rank",
    "coverage",
    "head_match",
    "number_match",
    "bigram_match",
    "title_terms",
    "query_terms",
    "category_intent",
    "brand_in_query",
    "popularity",
    "ctr",
    "log_price",
    "affinity",
)
TYPO_CREDIT = 0.5


def _is_numeric(term: str) -> bool:
    return any(ch.isdigit() for ch in term)


@dataclass
class ItemSignals:
    """Per-product inputs of the features, in index order (n products)."""

    title_terms: list[tuple[str, ...]]  # analysed title terms, in order
    brand_terms: list[frozenset[str]]  # analysed brand terms (empty when unknown)
    category: npt.NDArray[np.int64]  # (n,) category code, -1 when unknown
    popularity: npt.NDArray[np.float32]  # (n,) log1p(popularity)
    ctr: npt.NDArray[np.float32]  # (n,) -1 when unknown
    log_price: npt.NDArray[np.float32]  # (n,) -1 when unknown

    @classmethod
    def build(
        cls,
        analyzer: Analyzer,
        titles: Sequence[str | None],
        brands: Sequence[str | None] | None = None,
        categories: Sequence[str | None] | None = None,
        prices: Sequence[float | None] | None = None,
        popularity: Sequence[float | None] | None = None,
        ctr: Sequence[float | None] | None = None,
    ) -> ItemSignals:
        """Signals from catalog columns (``None`` columns: the product has no such data)."""
        n = len(titles)

        def column(values: Sequence[float | None] | None, transform: bool) -> npt.NDArray:
            if values is None:
                return np.full(n, -1.0 if not transform else 0.0, np.float32)
            out = np.array([np.nan if v is None else float(v) for v in values], np.float64)
            if transform:
                out = np.log1p(np.maximum(np.nan_to_num(out, nan=0.0), 0.0))
            return np.where(np.isnan(out), -1.0, out).astype(np.float32)

        codes: dict[str, int] = {}
        category = np.array(
            [codes.setdefault(c, len(codes)) if c else -1 for c in (categories or [None] * n)],
            np.int64,
        )
        price = column(prices, False)
        return cls(
            title_terms=[tuple(analyzer.tokens(t or "")) for t in titles],
            brand_terms=[frozenset(analyzer.tokens(b or "")) for b in (brands or [None] * n)],
            category=category,
            popularity=column(popularity, True),
            ctr=column(ctr, False),
            log_price=np.where(price >= 0, np.log1p(np.maximum(price, 0)), -1.0).astype(np.float32),
        )


def _term_hits(
    index: BM25Index, terms: Sequence[str], rows: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """(len(rows), len(terms)): 1 where the product has the term, TYPO_CREDIT where it only has
    one of the term's typo stand-ins, else 0."""
    pos = np.full(index.n_docs, -1, dtype=np.int64)
    pos[rows] = np.arange(rows.shape[0])
    out = np.zeros((rows.shape[0], len(terms)), dtype=np.float32)
    for j, term in enumerate(terms):
        tid = index.term_ids.get(term)
        stand_ins = [(tid, 1.0)] if tid is not None else []
        if tid is None:
            stand_ins = [(index.term_ids[f], TYPO_CREDIT) for f in index.typo_candidates(term)]
        for t, credit in stand_ins:
            hit = pos[index.posting(t)]
            hit = hit[hit >= 0]
            out[hit, j] = np.maximum(out[hit, j], credit)
    return out


def ranking_features(
    query: str,
    rows: npt.NDArray[np.int64],
    ranks: npt.NDArray[np.int64],
    bm25: npt.NDArray[np.float32],
    cosine: npt.NDArray[np.float32],
    index: BM25Index,
    signals: ItemSignals,
    affinity: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.float32]:
    """(len(rows), len(FEATURES)) features of the candidates ``rows`` for ``query``.

    ``ranks``: (len(rows),) 1-based rank of each row in the fused list (0 = not in it);
    ``bm25`` and ``cosine``: (n,) the query's scores over the whole catalog; ``affinity``:
    (n,) the user's affinities, or None for an anonymous search."""
    terms = list(dict.fromkeys(index.analyzer.tokens(query)))
    sequence = index.analyzer.tokens(query)
    m = rows.shape[0]
    out = np.zeros((m, len(FEATURES)), dtype=np.float32)
    if m == 0:
        return out
    b = bm25[rows]
    b = np.where(np.isfinite(b), b, 0.0)
    c = cosine[rows]
    out[:, 0] = b
    out[:, 1] = b / b.max() if b.max() > 0 else 0.0
    out[:, 2] = c
    out[:, 3] = c - c.max()
    out[:, 4] = ranks
    if terms:
        hits = _term_hits(index, terms, rows)
        out[:, 5] = hits.mean(axis=1)
        out[:, 6] = hits[:, terms.index(sequence[-1])] > 0
        numeric = [j for j, t in enumerate(terms) if _is_numeric(t)]
        out[:, 7] = hits[:, numeric].mean(axis=1) if numeric else -1.0
    pairs = set(itertools.pairwise(sequence))
    for i, row in enumerate(rows.tolist()):
        title = signals.title_terms[row]
        out[i, 9] = len(title)
        if pairs:
            out[i, 8] = len(pairs & set(itertools.pairwise(title))) / len(pairs)
        brand = signals.brand_terms[row]
        out[i, 12] = bool(brand) and brand <= set(terms)
    out[:, 10] = len(sequence)
    cats = signals.category[rows]
    by_rank = np.argsort(np.where(ranks > 0, ranks, np.iinfo(np.int64).max), kind="stable")
    top = by_rank[:INTENT_DEPTH]
    top = top[(ranks[top] > 0) & (cats[top] >= 0)]
    if top.size:
        weight = 1.0 / ranks[top]
        share: dict[int, float] = {}
        for cat, w in zip(cats[top].tolist(), weight.tolist(), strict=True):
            share[cat] = share.get(cat, 0.0) + w
        total = float(weight.sum())
        out[:, 11] = [share.get(cat, 0.0) / total for cat in cats.tolist()]
    out[:, 13] = signals.popularity[rows]
    out[:, 14] = signals.ctr[rows]
    out[:, 15] = signals.log_price[rows]
    if affinity is not None:
        out[:, 16] = affinity[rows]
    return out
