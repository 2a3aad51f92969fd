"""Facet counts over a query's candidates: most frequent first, ties in order of appearance."""

from __future__ import annotations

from collections import Counter

import numpy as np

from shopmind.search.filters import Catalog


def test_facets_count_like_a_counter_over_the_rows() -> None:
    rng = np.random.default_rng(0)
    brands = ["Acme", "Bolt", "", "Crest", "Dune"]
    cats = ["Home > Kitchen", "Garden", "", "Home", "Tools > Saws"]
    rows = [
        {"brand": str(rng.choice(brands)), "category": str(rng.choice(cats)), "price": 20.0}
        for _ in range(500)
    ]
    catalog = Catalog(rows)
    for size in (0, 1, 7, 60, 300):
        pick = rng.choice(500, size=size, replace=False).astype(np.int64)
        facets = catalog.facets(pick, top=3)
        want_brand = Counter(catalog.brand[r] for r in pick.tolist() if catalog.brand[r])
        want_top = Counter(catalog.top[r] for r in pick.tolist() if catalog.top[r])
        assert [(f["value"], f["count"]) for f in facets["brand"]] == want_brand.most_common(3)
        assert [(f["value"], f["count"]) for f in facets["category"]] == want_top.most_common(3)


def test_facet_ties_keep_the_order_the_candidates_came_in() -> None:
    catalog = Catalog([{"brand": b, "category": ""} for b in ("Zed", "Amp", "Zed", "Amp", "Kit")])
    facets = catalog.facets(np.array([4, 1, 0, 3, 2], np.int64))
    assert [f["value"] for f in facets["brand"]] == ["Amp", "Zed", "Kit"]
    assert facets["category"] == []
