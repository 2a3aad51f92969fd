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
    """Per-product inputs of the features, in index order (n products).

    Title and brand terms are kept as integer codes in CSR arrays, not Python tuples and sets:
    a query's candidates are then matched in a few array operations (a loop over 200 of them
    in Python cost half a millisecond), and a million products take tens of MB, not hundreds.
    """

    title_length: npt.NDArray[np.int32]  # (n,) analysed title terms
    pair_ptr: npt.NDArray[np.int64]  # (n + 1,) CSR offsets into pair_codes
    pair_codes: npt.NDArray[np.int64]  # distinct adjacent title-term pairs, a << 32 | b
    brand_ptr: npt.NDArray[np.int64]  # (n + 1,) CSR offsets into brand_ids
    brand_ids: npt.NDArray[np.int64]  # distinct analysed brand terms
    vocabulary: dict[str, int]  # term -> code, over titles and brands
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
        vocabulary: dict[str, int] = {}
        lengths, pairs, brand_terms = [], [], []
        for title in titles:
            ids = [vocabulary.setdefault(t, len(vocabulary)) for t in analyzer.tokens(title or "")]
            lengths.append(len(ids))
            pairs.append({_pair(a, b) for a, b in itertools.pairwise(ids)})
        for brand in brands or [None] * n:
            terms = analyzer.tokens(brand or "")
            brand_terms.append({vocabulary.setdefault(t, len(vocabulary)) for t in terms})
        pair_ptr, pair_codes = _csr(pairs)
        brand_ptr, brand_ids = _csr(brand_terms)
        price = column(prices, False)
        return cls(
            title_length=np.array(lengths, np.int32),
            pair_ptr=pair_ptr,
            pair_codes=pair_codes,
            brand_ptr=brand_ptr,
            brand_ids=brand_ids,
            vocabulary=vocabulary,
            category=category,
            popularity=column(popularity, True),
            ctr=column(ctr, False),
            log_price=np.where(price >= 0, np.log1p(np.maximum(price, 0)), -1.0).astype(np.float32),
        )


def _pair(a: int, b: int) -> int:
    return (a << 32) | b


def _csr(sets: Sequence[set[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Offsets ``(len(sets) + 1,)`` and the concatenated members of each set."""
    ptr = np.zeros(len(sets) + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in sets])
    values = np.fromiter(itertools.chain.from_iterable(sets), np.int64, count=int(ptr[-1]))
    return ptr, values


def _members_in(
    ptr: npt.NDArray[np.int64],
    values: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    wanted: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per row of ``rows``: how many of its CSR members are in ``wanted``, and how many it has."""
    starts = ptr[rows]
    sizes = ptr[rows + 1] - starts
    owner = np.repeat(np.arange(rows.shape[0]), sizes)
    first = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
    members = values[first + np.arange(owner.shape[0])]
    found = np.bincount(owner[np.isin(members, wanted)], minlength=rows.shape[0])
    return found, sizes


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
    out[:, 9] = signals.title_length[rows]
    pairs = set(itertools.pairwise(sequence))
    ids = [signals.vocabulary.get(t, -1) for t in sequence]
    if pairs:  # a pair with a term no title has cannot match, but still counts as asked
        known = {_pair(a, b) for a, b in itertools.pairwise(ids) if a >= 0 and b >= 0}
        found, _ = _members_in(
            signals.pair_ptr, signals.pair_codes, rows, np.fromiter(known, np.int64)
        )
        out[:, 8] = found / len(pairs)
    found, sizes = _members_in(
        signals.brand_ptr, signals.brand_ids, rows, np.array([i for i in ids if i >= 0], np.int64)
    )
    out[:, 12] = (sizes > 0) & (found == sizes)
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
