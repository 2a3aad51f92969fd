from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from shopmind.contracts.vectors import vectors_column
from shopmind.errors import InvalidArgument
from shopmind.quality.neighbours import scan
from shopmind.quality.suggestions import (
    SuggestionParams,
    build_suggestions,
    conflicts,
    infer_categories,
)
from shopmind.workspace import Workspace


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _clusters(seed: int = 0) -> np.ndarray:
    """Two tight clusters of 6 around orthogonal centres."""
    rng = np.random.default_rng(seed)
    a, b = np.eye(16)[0], np.eye(16)[1]
    rows = [a + rng.normal(0, 0.05, 16) for _ in range(6)]
    rows += [b + rng.normal(0, 0.05, 16) for _ in range(6)]
    return _unit(np.array(rows))


def test_scan_top_k_and_pairs_match_brute_force() -> None:
    rng = np.random.default_rng(1)
    v = _unit(rng.normal(size=(57, 8)))
    nb = scan(v, k=5, threshold=0.6, block=10)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    expected = np.argsort(-sims, axis=1)[:, :5]
    np.testing.assert_array_equal(nb.top_idx, expected)
    brute = {(i, j) for i in range(57) for j in range(i + 1, 57) if sims[i, j] >= 0.6}
    assert {(i, j) for i, j, _s in nb.pairs} == brute


def test_scan_guards() -> None:
    with pytest.raises(InvalidArgument, match="k must be"):
        scan(np.zeros((2, 2), np.float32), k=0, threshold=0.9)
    with pytest.raises(InvalidArgument, match="threshold"):
        scan(np.zeros((2, 2), np.float32), k=1, threshold=2)


def test_category_votes() -> None:
    cats: list[str | None] = ["A"] * 6 + ["B"] * 6
    cats[2] = None  # uncategorised, sits in cluster A
    cats[8] = "A"  # labelled A, sits in cluster B
    nb = scan(_clusters(), k=5, threshold=0.99)
    got = {
        s["row"]: (s["suggested"], s["reason"])
        for s in infer_categories(cats, nb, SuggestionParams())
    }
    assert got == {2: ("A", "missing"), 8: ("B", "disagrees")}


def test_build_suggestions_assets(ws: Workspace) -> None:
    ids = [f"P{i}" for i in range(12)]
    cats: list[str | None] = ["Home > Kitchen"] * 6 + ["Shoes"] * 6
    cats[3] = None
    products = ws.write_table(
        "products",
        pa.table(
            {
                "item_id": ids,
                "title": [f"t{i}" for i in range(12)],
                "brand": ["x"] * 12,
                "category": pa.array(cats, pa.string()),
                "price": [10.0] * 12,
                "attributes": pa.array([None] * 12, pa.string()),
            }
        ),
        "test",
    )
    v = _clusters()
    v[7] = v[6]  # an exact duplicate
    emb = ws.write_table(
        "item_embeddings",
        pa.table(
            {
                "item_id": ids,
                "text_hash": [f"h{i}" for i in range(6)]
                + ["h6", "h6"]
                + [f"h{i}" for i in range(8, 12)],
                "vector": vectors_column(v),
            }
        ),
        "test",
    )
    dup_v, cat_v = build_suggestions(ws, products, emb, SuggestionParams(duplicate_threshold=0.999))
    assert str(dup_v.ref) == "near_duplicates@1" and dup_v.inputs == (products.ref, emb.ref)
    dups = ws.read_table(dup_v).to_pylist()
    assert [(d["item_a"], d["item_b"], d["same_text"]) for d in dups] == [("P6", "P7", True)]
    sugg = ws.read_table(cat_v).to_pylist()
    assert [(s["item_id"], s["suggested_category"], s["reason"]) for s in sugg] == [
        ("P3", "Home > Kitchen", "missing")
    ]
    assert cat_v.quality["uncategorised"] == 1


def test_mismatched_embeddings_are_refused(ws: Workspace) -> None:
    products = ws.write_table(
        "products",
        pa.table(
            {
                "item_id": ["a"],
                "title": ["t"],
                "brand": ["b"],
                "category": ["c"],
                "price": [1.0],
                "attributes": ["{}"],
            }
        ),
        "test",
    )
    emb = ws.write_table(
        "item_embeddings",
        pa.table(
            {
                "item_id": ["z"],
                "text_hash": ["h"],
                "vector": vectors_column(np.ones((1, 4), np.float32)),
            }
        ),
        "test",
    )
    with pytest.raises(InvalidArgument, match="was not built from"):
        build_suggestions(ws, products, emb)


@pytest.mark.parametrize(
    ("b", "expected"),
    [
        ({"brand": "ACME", "price": 11.0, "attrs": {"size": "m"}, "models": set()}, []),
        ({"brand": "Other", "price": 10.0, "attrs": {}, "models": {"X200"}}, ["brand"]),
        ({"brand": "acme", "price": 10.0, "attrs": {}, "models": {"GT50"}}, ["model_number"]),
        ({"brand": None, "price": 30.0, "attrs": {}, "models": set()}, ["price"]),
        (
            {
                "brand": "acme",
                "price": None,
                "attrs": {"size": "L", "color": "red"},
                "models": set(),
            },
            ["attribute:size"],
        ),
    ],
)
def test_conflicts_separate_variants_from_duplicates(
    b: dict[str, object], expected: list[str]
) -> None:
    a = {"brand": "acme", "price": 10.0, "attrs": {"size": "M"}, "models": {"X200"}}
    assert conflicts(a, b, SuggestionParams()) == expected


def test_model_numbers_are_read_from_titles() -> None:
    from shopmind.quality.suggestions import product_facts

    facts = product_facts(
        {"title": "Acme Drill X-200 18V", "brand": "Acme", "price": 1.0, "attributes": None}
    )
    assert facts["models"] == {"X200"}
