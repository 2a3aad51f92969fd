from __future__ import annotations

import itertools

import numpy as np
import pytest

from shopmind.search.features import FEATURES, ItemSignals, ranking_features
from shopmind.search.lexical import LexicalRetriever

TITLES = ["Red leather shoe", "Blue cotton shirt", "Red ceramic cup 2x4", "Shoe rack 2x4 pine"]


@pytest.fixture(scope="module")
def setup() -> tuple[LexicalRetriever, ItemSignals]:
    lexical = LexicalRetriever.from_columns({"title": TITLES})
    signals = ItemSignals.build(
        lexical.index.analyzer,
        TITLES,
        brands=["Acme", None, "RED", None],
        categories=["Shoes", "Shirts", "Kitchen", "Shoes"],
        prices=[50.0, None, 5.0, 20.0],
        popularity=[10.0, 0.0, None, 3.0],
        ctr=[0.5, None, 0.1, 0.2],
    )
    return lexical, signals


def _f(x: np.ndarray, row: int, name: str) -> float:
    return float(x[row, FEATURES.index(name)])


def test_features_of_candidates(setup: tuple[LexicalRetriever, ItemSignals]) -> None:
    lexical, signals = setup
    query = "red shoe 2x4"
    bm25 = lexical.score_all(query)
    cosine = np.array([0.9, 0.1, 0.5, 0.7], np.float32)
    rows = np.array([0, 2, 3, 1])
    x = ranking_features(query, rows, np.array([1, 2, 3, 0]), bm25, cosine, lexical.index, signals)
    assert x.shape == (4, len(FEATURES))
    assert _f(x, 3, "bm25") == 0.0 and max(x[:, FEATURES.index("bm25_rel")]) == 1.0
    assert _f(x, 0, "cosine_rel") == 0.0 and _f(x, 1, "cosine_rel") == pytest.approx(-0.4)
    # the analyser keeps "2x4" and its parts: red, shoe, 2, 2x4, 4; row 0 has two of five
    assert _f(x, 0, "coverage") == pytest.approx(2 / 5)
    assert _f(x, 2, "head_match") == 1.0 and _f(x, 0, "head_match") == 0.0  # "4" is last
    assert _f(x, 1, "number_match") == 1.0 and _f(x, 0, "number_match") == 0.0
    assert _f(x, 0, "bigram_match") == 0.0  # "red shoe" is not adjacent in the title
    assert _f(x, 0, "title_terms") == 3 and _f(x, 0, "query_terms") == 5
    assert _f(x, 3, "fused_rank") == 0
    # intent: of the ranked candidates (rows 0, 2, 3), Shoes hold ranks 1 and 3
    assert _f(x, 0, "category_intent") == pytest.approx((1 + 1 / 3) / (1 + 1 / 2 + 1 / 3))
    assert _f(x, 1, "brand_in_query") == 1.0 and _f(x, 0, "brand_in_query") == 0.0
    assert _f(x, 0, "popularity") == pytest.approx(np.log1p(10.0))
    assert _f(x, 3, "ctr") == -1.0 and _f(x, 3, "log_price") == -1.0
    assert _f(x, 0, "affinity") == 0.0
    personal = ranking_features(
        query,
        rows,
        np.array([1, 2, 3, 0]),
        bm25,
        cosine,
        lexical.index,
        signals,
        affinity=np.array([0.0, 2.0, 0.0, 0.0], np.float32),
    )
    assert _f(personal, 3, "affinity") == 2.0


def test_typo_counts_half_and_empty_queries(setup: tuple[LexicalRetriever, ItemSignals]) -> None:
    lexical, signals = setup
    bm25 = lexical.score_all("shoee")
    cosine = np.zeros(4, np.float32)
    x = ranking_features(
        "shoee", np.array([0]), np.array([1]), bm25, cosine, lexical.index, signals
    )
    assert _f(x, 0, "coverage") == 0.5
    none = ranking_features(
        "red", np.zeros(0, np.int64), np.zeros(0, np.int64), bm25, cosine, lexical.index, signals
    )
    assert none.shape == (0, len(FEATURES))
    blank = ranking_features(
        "   ", np.array([0]), np.array([1]), bm25, cosine, lexical.index, signals
    )
    assert _f(blank, 0, "coverage") == 0.0 and _f(blank, 0, "query_terms") == 0


def test_title_and_brand_features_match_a_plain_set_computation() -> None:
    """The CSR-coded matches equal the set arithmetic they stand for, on random shop text."""
    rng = np.random.default_rng(3)
    words = ["red", "blue", "drill", "saw", "2x4", "pine", "acme", "bolt", "cup", "rack"]
    titles = [" ".join(rng.choice(words, size=int(rng.integers(0, 7)))) for _ in range(300)]
    brands = [str(rng.choice(["Acme", "Bolt Works", "", "Red Saw"])) or None for _ in range(300)]
    lexical = LexicalRetriever.from_columns({"title": titles})
    analyzer = lexical.index.analyzer
    signals = ItemSignals.build(analyzer, titles, brands=brands)
    rows = np.arange(300)
    for query in ("red drill", "acme red saw saw", "bolt works 2x4 pine", "unknownword red"):
        x = ranking_features(
            query,
            rows,
            np.zeros(300, np.int64),
            lexical.score_all(query),
            np.zeros(300, np.float32),
            lexical.index,
            signals,
        )
        sequence = analyzer.tokens(query)
        pairs = set(itertools.pairwise(sequence))
        for r in range(300):
            title = analyzer.tokens(titles[r])
            brand = frozenset(analyzer.tokens(brands[r] or ""))
            bigram = len(pairs & set(itertools.pairwise(title))) / len(pairs) if pairs else 0.0
            assert _f(x, r, "bigram_match") == pytest.approx(bigram)
            assert _f(x, r, "title_terms") == len(title)
            assert _f(x, r, "brand_in_query") == float(bool(brand) and brand <= set(sequence))
