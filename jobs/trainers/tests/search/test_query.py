from __future__ import annotations

import pytest

from shopmind.search.filters import Filters
from shopmind.search.query import parse_query


@pytest.mark.parametrize(
    ("query", "text", "low", "high"),
    [
        ("red running shoes under 50", "red running shoes", None, 50.0),
        ("drill up to $100", "drill", None, 100.0),
        ("shoes 50-100 元", "shoes", 50.0, 100.0),
        ("lamp 20 to 40 dollars", "lamp", 20.0, 40.0),
        ("$50 - $100 lamp", "lamp", 50.0, 100.0),
        ("100元以下 手机", "手机", None, 100.0),
        ("低于200元 运动鞋", "运动鞋", None, 200.0),
        ("over 20 dollars kettle", "kettle", 20.0, None),
        ("cheaper than 15.5 cup", "cup", None, 15.5),
        # sizes, capacities and model numbers are not prices
        ("2x4 lumber 8 ft", "2x4 lumber 8 ft", None, None),
        ("1/2 in. pipe", "1/2 in. pipe", None, None),
        ("holds up to 50 lbs shelf", "holds up to 50 lbs shelf", None, None),
        ("over 100 pcs screws", "over 100 pcs screws", None, None),
        ("under 10 ft ladder", "under 10 ft ladder", None, None),
        ("18v drill", "18v drill", None, None),
        ("", "", None, None),
    ],
)
def test_price_phrases(query: str, text: str, low: float | None, high: float | None) -> None:
    parsed = parse_query(query)
    assert (parsed.text, parsed.price_min, parsed.price_max) == (text, low, high)


def test_filters_from_cli_pairs() -> None:
    f = Filters.from_pairs(
        [
            "brand=Acme",
            "brand=Velora",
            "price_max=30",
            "in_stock=true",
            "attr.color=red",
            "category=Shoes",
        ]
    )
    assert f.brands == ("Acme", "Velora") and f.price_max == 30.0 and f.in_stock is True
    assert dict(f.attributes) == {"color": "red"} and f.category == "Shoes"
    assert Filters().empty and not f.empty
