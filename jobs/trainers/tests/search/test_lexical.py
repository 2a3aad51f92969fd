"""BM25Index / LexicalRetriever on a handmade 10-product catalog."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shopmind.errors import InputFileError, InvalidArgument, NotFound
from shopmind.search.analyze import Analyzer
from shopmind.search.base import Hits
from shopmind.search.lexical import BM25Index, BM25Params, LexicalRetriever

FIELDS: dict[str, list[str | None]] = {
    "title": [
        "DeWalt 20V Cordless Drill",
        "Makita 18V Impact Driver",
        "Simpson Strong-Tie 12-Gauge Angle",
        "Behr Premium Exterior Paint 1 gal.",
        "Glacier Bay Kitchen Faucet in Chrome",
        "2 in. x 4 in. x 8 ft. Lumber Stud",
        "Copper Pipe 1/2 in. x 10 ft.",
        "LED Light Bulb 60W Equivalent",
        "Garden Hose 50 ft.",
        "Lawn Sprinkler Head",
    ],
    "brand": [
        "DeWalt", "Makita", "Simpson", "Behr", "Glacier Bay",
        None, "Mueller", "Philips", "Flexzilla", "Rain Bird",
    ],
    "description": [
        "Compact drill driver with 2 batteries",
        "Brushless impact driver",
        "Galvanized steel angle for framing",
        "Flat exterior paint and primer",
        "Single handle kitchen faucet",
        "Kiln-dried whitewood stud",
        "Type M copper pipe",
        "Soft white bulb, 10 pack",
        "Kink resistant garden hose, works with any sprinkler",
        "Pop-up spray head for lawn irrigation",
    ],
}  # fmt: skip
WEIGHTS = {"title": 3.0, "brand": 2.0, "description": 1.0}


@pytest.fixture(scope="module")
def index() -> BM25Index:
    return BM25Index.build(FIELDS, WEIGHTS, Analyzer())


@pytest.fixture(scope="module")
def retriever(index: BM25Index) -> LexicalRetriever:
    return LexicalRetriever(index)


@pytest.mark.parametrize(
    ("query", "row"),
    [
        ("garden hose", 8),
        ("simpson strong-tie angle", 2),
        ("strongtie", 2),
        ("2x4 stud", 5),
        ("1/2 inch copper pipe", 6),
        ("makita impact drivers", 1),
        ("60 watt bulb", 7),
        ("1 gallon exterior paint", 3),
    ],
)
def test_exact_match_ranks_first(retriever: LexicalRetriever, query: str, row: int) -> None:
    hits = retriever.search(query, k=3)
    assert hits.rows[0] == row
    assert hits.rows.dtype == np.int64 and hits.scores.dtype == np.float32
    assert np.all(np.diff(hits.scores) <= 0)


def test_field_weights_decide_title_vs_description() -> None:
    # "sprinkler" is in row 9's title and in row 8's description.
    title_first = LexicalRetriever(BM25Index.build(FIELDS, WEIGHTS)).search("sprinkler")
    assert title_first.rows.tolist() == [9, 8]
    flipped = {"title": 0.2, "brand": 2.0, "description": 3.0}
    desc_first = LexicalRetriever(BM25Index.build(FIELDS, flipped)).search("sprinkler")
    assert desc_first.rows.tolist() == [8, 9]


def test_zero_weight_field_is_not_indexed() -> None:
    index = BM25Index.build(FIELDS, {"title": 1.0, "description": 0.0})
    assert LexicalRetriever(index).search("brushless", 5).rows.size == 0


def test_rare_term_beats_common_term() -> None:
    docs: list[str | None] = ["apple banana", "apple cherry", "apple date", "apple fig", "kiwi fig"]
    ret = LexicalRetriever(BM25Index.build({"t": docs}, {"t": 1.0}))
    hits = ret.search("apple kiwi", 5)
    assert hits.rows[0] == 4  # kiwi is in one document, apple in four
    assert len(hits) == 5


def test_score_matches_the_bm25_formula() -> None:
    docs: list[str | None] = ["red chair", "red red table lamp", "blue sofa", None]
    k1, b = 1.2, 0.75
    index = BM25Index.build({"t": docs}, {"t": 2.0}, Analyzer(stem=False), BM25Params(k1, b))
    scores = LexicalRetriever(index).score_all("red")
    avg = (2 + 4 + 2) / 3  # averaged over documents that have the field
    idf = math.log(1 + (4 - 2 + 0.5) / (2 + 0.5))
    for row, tf, length in ((0, 1, 2), (1, 2, 4)):
        tfw = 2.0 * tf / (1 - b + b * length / avg)
        assert scores[row] == pytest.approx(idf * tfw * (k1 + 1) / (k1 + tfw), rel=1e-5)
    assert np.isneginf(scores[2]) and np.isneginf(scores[3])


def test_explain_lists_matched_terms(retriever: LexicalRetriever) -> None:
    hits = retriever.search("garden hose nozzle", k=2)
    assert hits.explain["terms"] == ["garden", "hose"]
    assert hits.explain["unknown"] == ["nozzl"]
    matched = hits.explain["matched"]
    assert isinstance(matched, list)
    assert matched[0] == ["garden", "hose"]


def test_typo_fallback(index: BM25Index) -> None:
    hits = LexicalRetriever(index).search("garden hoze", 3)
    assert hits.rows[0] == 8
    assert hits.explain["typos"] == {"hoze": ["hose"]}
    exact = LexicalRetriever(index).search("garden hose", 3)
    assert hits.scores[0] < exact.scores[0]  # a corrected term counts less
    assert len(LexicalRetriever(index, typo_weight=0.0).search("hoze")) == 0
    assert index.typo_candidates("2x5") == []  # sizes and model numbers are never corrected
    assert index.typo_candidates("hos") == []  # too short


def test_compound_words_are_joined_and_split() -> None:
    titles = [
        "Kwikset Halifax satin nickel lever",
        "Liberty center mount drawer slide",
        "Satin nickel cabinet pull",
        "Drawer organiser tray",
    ]
    index = BM25Index.build({"title": titles}, {"title": 1.0})
    joined = LexicalRetriever(index).search("kwik set lever", 2)
    assert joined.rows[0] == 0
    assert joined.explain["joined"] == {"kwik set": "kwikset"}
    split = LexicalRetriever(index).search("centermount slide", 2)
    assert split.rows[0] == 1
    assert split.explain["split"] == {"centermount": ["center", "mount"]}
    assert split.explain["unknown"] == []
    # a variant counts like a typo stand-in, so below the word as the catalog writes it
    exact = LexicalRetriever(index).search("center mount slide", 1)
    assert split.scores[0] < exact.scores[0]
    # typo fall-back off turns compounds off too
    off = LexicalRetriever(index, typo_weight=0.0).search("centermount", 2)
    assert len(off) == 0
    assert "joined" not in LexicalRetriever(index).search("satin nickel", 2).explain


@pytest.mark.parametrize("query", ["", "   ", "the of and", "zzzzzz qqqqqq", "\x00😀"])
def test_empty_or_unknown_query_gives_no_hits(retriever: LexicalRetriever, query: str) -> None:
    hits = retriever.search(query, 10)
    assert len(hits) == 0 and isinstance(hits, Hits)
    assert np.isneginf(retriever.score_all(query)).all()


def test_k_larger_than_matches(retriever: LexicalRetriever) -> None:
    assert retriever.search("copper", 100).rows.tolist() == [6]


def test_save_load_round_trip(index: BM25Index, tmp_path: Path) -> None:
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert loaded.vocabulary == index.vocabulary
    assert loaded.analyzer == index.analyzer and loaded.params == index.params
    assert loaded.weights == index.weights
    a, b = LexicalRetriever(index), LexicalRetriever(loaded)
    for q in ("garden hose", "2x4 stud", "sprinkler head", "hoze", "1/2 in. pipe"):
        np.testing.assert_array_equal(a.score_all(q), b.score_all(q))
        assert a.search(q).explain == b.search(q).explain


def test_load_errors(index: BM25Index, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        BM25Index.load(tmp_path / "missing")
    index.save(tmp_path)
    meta = json.loads((tmp_path / "bm25.json").read_text())
    meta["vocabulary"] = meta["vocabulary"][:-1]
    (tmp_path / "bm25.json").write_text(json.dumps(meta))
    with pytest.raises(InputFileError):
        BM25Index.load(tmp_path)
    (tmp_path / "bm25.json").write_text("{not json")
    with pytest.raises(InputFileError):
        BM25Index.load(tmp_path)


def test_from_columns_uses_default_weights() -> None:
    ret = LexicalRetriever.from_columns({"title": FIELDS["title"], "notes": FIELDS["description"]})
    assert ret.index.weights == {"title": 3.0, "notes": 1.0}
    assert ret.search("sprinkler").rows.tolist() == [9, 8]


def test_empty_catalog() -> None:
    index = BM25Index.build({"title": []}, {"title": 1.0})
    assert len(LexicalRetriever(index).search("anything")) == 0


@pytest.mark.parametrize(
    ("fields", "weights", "argument"),
    [
        ({"title": ["a b"]}, {"brand": 1.0}, "weights"),
        ({"title": ["a b"]}, {"title": -1.0}, "weights"),
        ({"title": ["a b"]}, {"title": math.nan}, "weights"),
        ({"title": ["a b"]}, {"title": 0.0}, "weights"),
        ({"title": ["a", "b"], "brand": ["c"]}, {"title": 1.0}, "fields"),
        ({}, {}, "fields"),
        ({"title": ["a", 3]}, {"title": 1.0}, "fields"),
    ],
)
def test_build_guards(fields: Any, weights: dict[str, float], argument: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        BM25Index.build(fields, weights)
    assert err.value.details["argument"] == argument


def test_search_and_param_guards(retriever: LexicalRetriever, index: BM25Index) -> None:
    for k in (0, -1):
        with pytest.raises(InvalidArgument) as err:
            retriever.search("hose", k)
        assert err.value.details["argument"] == "k"
    with pytest.raises(InvalidArgument) as err:
        retriever.search(None, 3)  # type: ignore[arg-type]
    assert err.value.details["argument"] == "query"
    with pytest.raises(InvalidArgument) as err:
        BM25Params(b=1.5)
    assert err.value.details["argument"] == "b"
    with pytest.raises(InvalidArgument) as err:
        BM25Params(k1=-1.0)
    assert err.value.details["argument"] == "k1"
    with pytest.raises(InvalidArgument) as err:
        LexicalRetriever(index, typo_weight=2.0)
    assert err.value.details["argument"] == "typo_weight"
