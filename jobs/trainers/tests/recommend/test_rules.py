"""Business rules: stock, purchases, repeat categories, boost and bury, diversity and caps."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.recommend.base import Ranked
from shopmind.recommend.data import Catalog
from shopmind.recommend.rules import RuleSet, apply_rules

CATALOG = Catalog(
    ids=tuple(f"i{n}" for n in range(8)),
    category=("A", "A", "A", "B", "B", "Grocery>Milk", "C", "C"),
    brand=("x", "x", "y", "y", "z", "z", "x", "w"),
    in_stock=np.array([True, True, True, False, True, True, True, True]),
)


def ranked(items: list[int]) -> Ranked:
    return Ranked(np.array(items, np.int64), np.linspace(1.0, 0.1, len(items)).astype(np.float32))


def ids(r: Ranked) -> list[str]:
    return [CATALOG.ids[i] for i in r.items.tolist()]


def test_out_of_stock_and_purchased_are_dropped_except_repeat_categories() -> None:
    rules = RuleSet(repeat_categories=("Grocery",))
    out = apply_rules(ranked(list(range(8))), CATALOG, rules, 10, purchased=[1, 5])
    assert "i3" not in ids(out)  # out of stock
    assert "i1" not in ids(out)  # bought, category A repeats no purchase
    assert "i5" in ids(out)  # bought, but Grocery>Milk is under a repeat category


def test_boost_and_bury() -> None:
    rules = RuleSet(boost={"i7": 5.0}, bury=("i0",))
    out = ids(apply_rules(ranked([0, 1, 2, 7]), CATALOG, rules, 4))
    assert out[0] == "i7"
    assert out[-1] == "i0"


def test_caps_per_brand_and_category() -> None:
    out = ids(apply_rules(ranked([0, 1, 2, 4, 6, 7]), CATALOG, RuleSet(max_per_brand=1), 6))
    brands = [CATALOG.brand[int(i[1:])] for i in out]
    assert len(brands) == len(set(brands))
    out = ids(apply_rules(ranked([0, 1, 2, 4, 6]), CATALOG, RuleSet(max_per_category=1), 5))
    assert out == ["i0", "i4", "i6"]


def test_mmr_interleaves_categories() -> None:
    plain = ids(apply_rules(ranked([0, 1, 2, 6, 7]), CATALOG, RuleSet(), 5))
    diverse = ids(apply_rules(ranked([0, 1, 2, 6, 7]), CATALOG, RuleSet(mmr_lambda=0.3), 5))
    assert plain[:3] == ["i0", "i1", "i2"]
    # i7 shares neither category nor brand with i0 (i6 shares brand x): it moves up first
    assert diverse[:2] == ["i0", "i7"]
    assert sorted(diverse) == sorted(plain)


def test_rules_are_checked() -> None:
    with pytest.raises(InvalidArgument, match="mmr_lambda"):
        RuleSet(mmr_lambda=1.5)
