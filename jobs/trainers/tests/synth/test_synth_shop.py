"""The in-memory shop: sizes, event shapes, funnels, tastes and judgements against ground truth."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopmind.contracts.tables import EVENT_TYPES, EVENTS, JUDGEMENTS, PRODUCTS, USERS
from shopmind.synth import Shop, SynthConfig, generate_shop
from shopmind.synth.vocab import LEAVES
from shopmind.synth.words import VALUE_SETS

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_TO_EN = {zh: en for pairs in VALUE_SETS.values() for en, zh in pairs}


def test_tables_follow_the_canonical_contracts(shop: Shop) -> None:
    assert shop.products.schema == PRODUCTS.arrow_schema()
    assert shop.users.schema == USERS.arrow_schema()
    assert shop.events.schema == EVENTS.arrow_schema()
    assert shop.judgements.schema == JUDGEMENTS.arrow_schema()


def test_counts_match_the_config(shop: Shop, tiny_config: SynthConfig) -> None:
    assert shop.products.num_rows == tiny_config.n_items
    assert shop.users.num_rows == tiny_config.n_users
    assert shop.events.num_rows == tiny_config.n_events
    assert len(set(shop.judgements["query"].to_pylist())) == tiny_config.n_queries
    assert len(set(shop.products["item_id"].to_pylist())) == tiny_config.n_items


def test_same_seed_same_shop_and_other_seed_other_shop(
    shop: Shop, tiny_config: SynthConfig
) -> None:
    again = generate_shop(tiny_config)
    for name in ("products", "users", "events", "judgements"):
        assert getattr(again, name).equals(getattr(shop, name)), name
    other = generate_shop(SynthConfig.tiny(seed=tiny_config.seed + 1))
    assert not other.events.equals(shop.events)
    assert other.products["title"].to_pylist() != shop.products["title"].to_pylist()


def test_event_types_and_search_rows(shop: Shop) -> None:
    ev = shop.events
    assert set(ev["event_type"].to_pylist()) == set(EVENT_TYPES)
    search = pc.equal(ev["event_type"], "search")
    searches, items = ev.filter(search), ev.filter(pc.invert(search))
    assert searches.num_rows > 0
    assert searches["item_id"].null_count == searches.num_rows
    assert searches["price"].null_count == searches.num_rows
    assert searches["query"].null_count == 0
    assert all(q.strip() for q in searches["query"].to_pylist())
    assert items["item_id"].null_count == 0 and items["query"].null_count == items.num_rows
    assert pc.min(items["price"]).as_py() > 0
    assert pc.min(ev["quantity"]).as_py() >= 1
    assert (
        pc.max(pc.filter(ev["quantity"], pc.not_equal(ev["event_type"], "purchase"))).as_py() == 1
    )


def test_timestamps_stay_in_the_window_and_increase_within_sessions(
    shop: Shop, tiny_config: SynthConfig
) -> None:
    start = datetime.fromisoformat(tiny_config.start).replace(tzinfo=UTC)
    ts = shop.events["timestamp"]
    assert pc.min(ts).as_py() >= start
    assert pc.max(ts).as_py() < start + timedelta(days=tiny_config.days)
    by_session: dict[str, list[datetime]] = defaultdict(list)
    for sid, t in zip(shop.events["session_id"].to_pylist(), ts.to_pylist(), strict=True):
        by_session[sid].append(t)
    assert all(a < b for times in by_session.values() for a, b in pairwise(times))
    owners: dict[str, set[str]] = defaultdict(set)
    for sid, uid in zip(
        shop.events["session_id"].to_pylist(), shop.events["user_id"].to_pylist(), strict=True
    ):
        owners[sid].add(uid)
    assert all(len(u) == 1 for u in owners.values())


def test_funnel_narrows_and_purchases_follow_views(shop: Shop) -> None:
    counts = Counter(shop.events["event_type"].to_pylist())
    assert counts["view"] > counts["click"] > counts["add_to_cart"] > counts["purchase"] > 0
    seen: set[tuple[str, str]] = set()
    bought = viewed_first = 0
    rows = zip(
        shop.events["session_id"].to_pylist(),
        shop.events["item_id"].to_pylist(),
        shop.events["event_type"].to_pylist(),
        strict=True,
    )
    for sid, item, kind in rows:
        if kind == "view":
            seen.add((sid, item))
        elif kind == "purchase":
            bought += 1
            viewed_first += (sid, item) in seen
    assert viewed_first >= 0.95 * bought


def test_users_buy_and_browse_in_their_preferred_categories(shop: Shop) -> None:
    truth = shop.truth
    ev = shop.events.filter(pc.is_valid(shop.events["item_id"]))
    hits = [
        truth.top_category_of(i) == truth.preferred_category(u)
        for i, u in zip(ev["item_id"].to_pylist(), ev["user_id"].to_pylist(), strict=True)
    ]
    share = float(np.mean(hits))
    # What a shop that ignored tastes would show: the catalogue's popularity mass per category.
    mass = Counter()
    for item, p in zip(truth.item_ids, truth.item_popularity, strict=True):
        mass[truth.top_category_of(item)] += p
    baseline = float(
        np.mean([mass[truth.preferred_category(u)] for u in ev["user_id"].to_pylist()])
    )
    assert share > 0.5 and share > 3 * baseline, (share, baseline)


def test_sessions_stay_in_one_leaf_more_often_than_chance(shop: Shop) -> None:
    truth = shop.truth
    views = shop.events.filter(pc.equal(shop.events["event_type"], "view"))
    last: dict[str, str] = {}
    same = pairs = 0
    for sid, item in zip(
        views["session_id"].to_pylist(), views["item_id"].to_pylist(), strict=True
    ):
        if sid in last and last[sid] != item:
            pairs += 1
            same += truth.category_of(last[sid]) == truth.category_of(item)
        last[sid] = item
    assert pairs > 50 and same / pairs > 0.4


def test_consumables_are_bought_again_in_later_sessions(shop: Shop) -> None:
    sessions: dict[tuple[str, str], set[str]] = defaultdict(set)
    buys = shop.events.filter(pc.equal(shop.events["event_type"], "purchase"))
    for uid, sid, item in zip(
        buys["user_id"].to_pylist(),
        buys["session_id"].to_pylist(),
        buys["item_id"].to_pylist(),
        strict=True,
    ):
        sessions[(uid, item)].add(sid)
    repeated = [item for (_, item), s in sessions.items() if len(s) > 1]
    consumable = {leaf.category() for leaf in LEAVES if leaf.consumable}
    # A durable can be bought twice by chance; most repeats must be consumables.
    assert len(repeated) >= 5
    assert np.mean([shop.truth.category_of(i) in consumable for i in repeated]) > 0.8


def test_relevance_three_products_satisfy_every_constraint(shop: Shop) -> None:
    products = {r["item_id"]: r for r in shop.products.to_pylist()}
    grades = Counter()
    for row in shop.judgements.to_pylist():
        spec, item = shop.truth.query(row["query"]), products[row["item_id"]]
        attrs = json.loads(item["attributes"])
        colour = ZH_TO_EN.get(attrs.get("color", ""), attrs.get("color"))
        material = ZH_TO_EN.get(attrs.get("material", ""), attrs.get("material"))
        checks = [
            spec.brand is None or item["brand"] == spec.brand,
            spec.color is None or colour == spec.color,
            spec.material is None or material == spec.material,
            spec.max_price is None or item["price"] <= spec.max_price,
        ]
        same_leaf = item["category"] == spec.category and item["language"] == spec.language
        grades[row["relevance"]] += 1
        if row["relevance"] == 3:
            assert same_leaf and all(checks), (row, spec)
        elif row["relevance"] == 2:
            assert same_leaf and checks.count(False) == 1, (row, spec)
        else:
            assert not (same_leaf and all(checks)), (row, spec)
    assert grades[3] and grades[2] and grades[0]


def test_queries_read_like_their_constraints(shop: Shop) -> None:
    for spec in shop.truth.queries:
        if spec.language == "en":
            assert spec.brand is None or spec.brand.lower() in spec.text
            assert spec.color is None or spec.color in spec.text
            assert spec.max_price is None or f"under {spec.max_price:g}" in spec.text


def test_chinese_listings_appear_only_when_asked_for(shop: Shop) -> None:
    rows = shop.products.to_pylist()
    zh = [r for r in rows if r["language"] == "zh"]
    assert zh and all(CJK.search(r["title"]) and r["currency"] == "CNY" for r in zh)
    assert all(
        not CJK.search(r["title"]) and r["currency"] == "USD" for r in rows if r["language"] == "en"
    )
    plain = generate_shop(SynthConfig.tiny(zh_fraction=0.0, n_events=200))
    assert not any(CJK.search(t) for t in plain.products["title"].to_pylist())


def test_catalogue_looks_like_a_shop(shop: Shop) -> None:
    p = shop.products
    assert all(" > " in c for c in p["category"].to_pylist())
    assert len(set(p["brand"].to_pylist())) > 10
    assert pc.min(p["price"]).as_py() > 0 and pc.min(p["stock"]).as_py() == 0
    assert all(isinstance(json.loads(a), dict) for a in p["attributes"].to_pylist())
    assert p["image_url"].to_pylist()[0] == f"https://img.example.com/{p['item_id'][0]}.jpg"
    # Zipf popularity: the busiest tenth of items draws a large share of item events.
    views = Counter(shop.events.filter(pc.is_valid(shop.events["item_id"]))["item_id"].to_pylist())
    top = sum(c for _, c in views.most_common(len(views) // 10))
    assert top > 0.3 * sum(views.values())


def test_truth_answers_questions_about_users_items_and_queries(shop: Shop) -> None:
    truth = shop.truth
    user = shop.users["user_id"][0].as_py()
    assert truth.preferred_category(user) == truth.preferred_categories(user, k=2)[0]
    assert truth.preferred_category(user) in truth.tops
    item = shop.products["item_id"][0].as_py()
    assert truth.category_of(item).startswith(truth.top_category_of(item))
    row = shop.judgements.slice(0, 1).to_pylist()[0]
    assert truth.relevance(row["query"], row["item_id"]) == row["relevance"]
    assert isinstance(shop.judgements["relevance"], pa.ChunkedArray)


def test_price_sensitive_users_buy_cheaper_than_the_rest() -> None:
    shop = generate_shop(
        SynthConfig(
            seed=2, n_items=300, n_users=300, n_events=30_000, n_queries=20, zh_fraction=0.0
        )
    )
    truth = shop.truth
    buys = shop.events.filter(pc.equal(shop.events["event_type"], "purchase"))
    leaf_price = np.array([leaf.price for leaf in LEAVES])
    items = np.array([truth.item_index(i) for i in buys["item_id"].to_pylist()])
    users = np.array([truth.user_index(u) for u in buys["user_id"].to_pylist()])
    # Log price against the category's typical price: < 0 is a cheap pick.
    rel = np.log(truth.item_price[items] / leaf_price[truth.item_leaf[items]])
    sens = truth.price_sensitivity[users]
    assert rel[sens > 0.7].mean() < rel[sens < 0.3].mean() - 0.05
