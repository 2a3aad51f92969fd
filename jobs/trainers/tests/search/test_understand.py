from __future__ import annotations

import numpy as np
import pytest

from shopmind.search.lexical import LexicalRetriever
from shopmind.search.understand import BOOSTS, QueryUnderstanding

TITLES = [
    "Black & Decker 20V cordless drill",
    "Acme red desk lamp",
    "Acme cotton shirt XL blue",
    "红色 陶瓷 杯子",
    "Makita hammer drill",
]
BRANDS = ["Black & Decker", "Acme", "Acme", "", "Makita"]
CATEGORIES = [
    "Tools > Drills",
    "Home > Lamps",
    "Clothing > Shirts",
    "Kitchen > Cups",
    "Tools > Drills",
]


@pytest.fixture(scope="module")
def qu() -> QueryUnderstanding:
    lexical = LexicalRetriever.from_columns({"title": TITLES})
    return QueryUnderstanding(lexical.index, BRANDS, CATEGORIES)


def test_brand_and_category_mentions(qu: QueryUnderstanding) -> None:
    found = qu.understand("black & decker drills")
    assert "brand: black decker" in found.mentions
    assert "category: Tools > Drills" in found.mentions
    assert found.boost is not None
    assert found.boost[0] == pytest.approx(BOOSTS["brand"] + BOOSTS["category"])
    assert found.boost[4] == pytest.approx(BOOSTS["category"])  # a drill of another brand
    assert found.boost[1] == 0.0


def test_colours_and_sizes(qu: QueryUnderstanding) -> None:
    red = qu.understand("red lamp")
    assert "colour: red" in red.mentions and "category: Home > Lamps" in red.mentions
    assert red.boost is not None and red.boost[1] > red.boost[0] == 0.0
    shirt = qu.understand("shirt size XL")
    assert "size: XL" in shirt.mentions and shirt.boost is not None and shirt.boost[2] > 0
    zh = qu.understand("红色杯子")
    assert "colour: 红色" in zh.mentions and zh.boost is not None and zh.boost[3] > 0


def test_nothing_to_understand(qu: QueryUnderstanding) -> None:
    for query in ("", "   ", "\x00\x01", "zzz qqq", "x" * 5000):
        found = qu.understand(query)
        assert found.mentions == [] and found.boost is None


def test_category_intent(qu: QueryUnderstanding) -> None:
    intent = qu.intent(np.array([0, 4, 1, 3]))
    assert intent[0]["category"] == "Tools > Drills"
    total = 1 + 1 / 2 + 1 / 3 + 1 / 4
    assert intent[0]["share"] == pytest.approx((1 + 1 / 2) / total, abs=1e-3)
    assert qu.intent(np.zeros(0, np.int64)) == []
