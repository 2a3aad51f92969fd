"""item_stats: counts against a recount, every product present, decay, rates, lineage, guards."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

import pytest
from feature_helpers import REF, Shop, write_events, write_products

from shopmind.config import Settings
from shopmind.errors import InvalidArgument
from shopmind.features import StatsParams, build_item_stats
from shopmind.workspace import Workspace

TYPES = ("view", "click", "add_to_cart", "purchase")
COUNT_COLUMN = {"view": "views", "click": "clicks", "add_to_cart": "add_to_carts"}


def _recount(shop: Shop) -> dict[str, dict[str, Any]]:
    """Per item, straight from the events table in Python."""
    out: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"users": set(), "revenue": 0.0, "ts": [], **{t: 0 for t in TYPES}}
    )
    for e in shop.rows(shop.events):
        if e["item_id"] is None or e["event_type"] not in TYPES:
            continue
        r = out[e["item_id"]]
        r[e["event_type"]] += 1
        r["users"].add(e["user_id"])
        r["ts"].append(e["timestamp"])
        if e["event_type"] == "purchase":
            r["revenue"] += e["price"] * e["quantity"]
    return out


def test_counts_match_a_direct_recount_of_the_events(shop: Shop) -> None:
    stats = {r["item_id"]: r for r in shop.rows(shop.item_stats)}
    recount = _recount(shop)
    assert recount, "the tiny shop should have item events"
    for item_id, want in recount.items():
        got = stats[item_id]
        assert [got["views"], got["clicks"], got["add_to_carts"], got["purchases"]] == [
            want[t] for t in TYPES
        ]
        assert got["unique_users"] == len(want["users"])
        assert got["revenue"] == pytest.approx(want["revenue"])
        assert (got["first_seen"], got["last_seen"]) == (min(want["ts"]), max(want["ts"]))
        # default weights 1/2/3/5: popularity is the weighted interaction count
        weighted = want["view"] + 2 * want["click"] + 3 * want["add_to_cart"] + 5 * want["purchase"]
        assert got["popularity"] == pytest.approx(weighted)
        assert 0 < got["decayed_popularity"] <= got["popularity"]


def test_every_product_appears_once_and_idle_items_are_zero(shop: Shop) -> None:
    rows = shop.rows(shop.item_stats)
    product_ids = shop.ws.read_table(shop.products, columns=["item_id"])["item_id"].to_pylist()
    assert sorted(r["item_id"] for r in rows) == sorted(product_ids)
    seen = _recount(shop)
    idle = [r for r in rows if r["item_id"] not in seen]
    assert idle and len(idle) == shop.item_stats.quality["items_without_events"]
    p0 = shop.item_stats.report["global_conversion_rate"]
    for r in idle:
        assert r["views"] == r["purchases"] == r["unique_users"] == 0
        assert r["popularity"] == r["decayed_popularity"] == r["revenue"] == 0.0
        assert r["ctr"] is None and r["first_seen"] is None
        assert r["conversion_rate"] == pytest.approx(p0)  # nothing seen: the prior alone


def test_rates_lie_in_the_unit_interval_and_follow_the_smoothing(shop: Shop) -> None:
    rows = shop.rows(shop.item_stats)
    p0 = shop.item_stats.report["global_conversion_rate"]
    m = StatsParams().conversion_prior_views
    assert 0 < p0 < 1
    for r in rows:
        assert 0.0 <= r["conversion_rate"] <= 1.0
        assert r["ctr"] is None or 0.0 <= r["ctr"] <= 1.0
        exposure = max(r["views"], r["purchases"])
        assert r["conversion_rate"] == pytest.approx((r["purchases"] + m * p0) / (exposure + m))


def test_decay_ranks_recently_popular_above_long_ago(ws: Workspace, settings: Settings) -> None:
    products = write_products(
        ws,
        [
            {"item_id": "OLD", "title": "o", "price": 10.0, "currency": "USD"},
            {"item_id": "NEW", "title": "n", "price": 4.0, "currency": "USD"},
            {"item_id": "IDLE", "title": "i", "price": 1.0, "currency": "USD"},
        ],
    )
    # OLD: ten views two months ago; NEW: three interactions in the last day
    rows: list[dict[str, Any]] = [
        {"user_id": f"u{i}", "item_id": "OLD", "event_type": "view", "days_ago": 60.0}
        for i in range(10)
    ]
    rows += [
        {"user_id": "a", "item_id": "NEW", "event_type": "view", "days_ago": 1.0},
        {"user_id": "b", "item_id": "NEW", "event_type": "click", "days_ago": 0.0},  # no view
        # no price on the event: valued at the catalog price, times the quantity
        {
            "user_id": "b",
            "item_id": "NEW",
            "event_type": "purchase",
            "days_ago": 0.0,
            "quantity": 3,
        },
        {"user_id": "c", "item_id": "GONE", "event_type": "view", "days_ago": 2.0},
        {"user_id": "c", "event_type": "search", "query": "x", "days_ago": 5.0},
    ]
    events = write_events(ws, rows)
    version = build_item_stats(
        ws, events, products, StatsParams(half_life_days=14), settings=settings
    )
    got = {r["item_id"]: r for r in ws.read_table(version).to_pylist()}
    assert got["OLD"]["popularity"] == 10.0 > got["NEW"]["popularity"] == 1 + 2 + 5
    assert got["NEW"]["decayed_popularity"] > got["OLD"]["decayed_popularity"]
    assert got["OLD"]["decayed_popularity"] == pytest.approx(10 * 0.5 ** (60 / 14))
    assert got["NEW"]["decayed_popularity"] == pytest.approx(0.5 ** (1 / 14) + 2 + 5)
    assert got["NEW"]["ctr"] == 1.0  # one click, one view
    assert got["NEW"]["revenue"] == pytest.approx(12.0)
    assert got["NEW"]["unique_users"] == 2
    assert set(got) == {"OLD", "NEW", "IDLE"}  # the unknown item is counted, not listed
    assert version.report["unknown_item_events"] == 1
    assert version.report["reference_time"] == REF.isoformat()  # newest event, not now


def test_lineage_params_and_a_repeatable_rebuild(shop: Shop) -> None:
    v = shop.item_stats
    assert v.ref.name == "item_stats" and v.produced_by == "features.item_stats"
    assert v.inputs == (shop.events.ref, shop.products.ref)
    assert dict(v.params) == asdict(StatsParams())
    again = build_item_stats(shop.ws, shop.events, shop.products, settings=shop.settings)
    assert again.ref.version == v.ref.version + 1
    # Same inputs, same params, same numbers (floats up to summation order).
    for a, b in zip(shop.rows(v), shop.rows(again), strict=True):
        floats = {k for k, x in a.items() if isinstance(x, float)}
        assert {k: a[k] for k in floats} == pytest.approx({k: b[k] for k in floats})
        assert {k: a[k] for k in a.keys() - floats} == {k: b[k] for k in b.keys() - floats}


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"half_life_days": 0}, "half_life_days"),
        ({"half_life_days": float("inf")}, "half_life_days"),
        ({"weight_click": -1.0}, "weight_click"),
        ({"weight_purchase": True}, "weight_purchase"),
        (
            {"weight_view": 0, "weight_click": 0, "weight_add_to_cart": 0, "weight_purchase": 0},
            "weight_view",
        ),
        ({"conversion_prior_views": 0}, "conversion_prior_views"),
    ],
)
def test_bad_params_name_the_argument(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        StatsParams(**kwargs)
    assert err.value.details["argument"] == argument
    assert argument in err.value.message


def test_bad_inputs_name_the_argument(shop: Shop) -> None:
    with pytest.raises(InvalidArgument) as err:
        build_item_stats(shop.ws, shop.products, shop.products)  # products are not events
    assert err.value.details["argument"] == "events"
    not_params: Any = {"half_life_days": 3}  # a dict where StatsParams belongs
    with pytest.raises(InvalidArgument) as err:
        build_item_stats(shop.ws, shop.events, shop.products, not_params)
    assert err.value.details["argument"] == "params"
