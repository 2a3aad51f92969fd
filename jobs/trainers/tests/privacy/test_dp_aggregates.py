"""Private aggregates: contribution bounding, counts, and exports with lineage and a budget."""

from __future__ import annotations

import collections
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from shopmind.errors import BudgetExhausted, InvalidArgument
from shopmind.privacy.aggregates import (
    dp_category_counts,
    dp_item_popularity,
    export_category_counts,
    export_item_popularity,
    top_level_category,
)
from shopmind.privacy.bounding import bound_contributions
from shopmind.privacy.budget import PrivacyBudget
from shopmind.workspace import AssetRef, Workspace

HUGE = 1e12  # noise of scale k / 1e12 rounds away: the release equals the bounded counts


def _events(rows: Sequence[tuple[str, str | None, str]]) -> pa.Table:
    n = len(rows)
    return pa.table(
        {
            "user_id": [r[0] for r in rows],
            "session_id": [f"s-{r[0]}" for r in rows],
            "item_id": pa.array([r[1] for r in rows], pa.string()),
            "event_type": [r[2] for r in rows],
            "timestamp": pa.array(
                [datetime(2024, 1, 1, tzinfo=UTC)] * n, pa.timestamp("us", "UTC")
            ),
        }
    )


PRODUCTS = pa.table(
    {
        "item_id": ["a", "b", "c", "d", "e"],
        "title": ["A", "B", "C", "D", "E"],
        "category": ["Home > Kitchen", "Home > Bath", "Toys > Puzzles", "Toys", None],
    }
)


def _random_events(seed: int, users: int = 40, items: int = 25, n: int = 400) -> pa.Table:
    gen = np.random.default_rng(seed)
    rows = [(f"u{gen.integers(users)}", f"i{gen.integers(items)}", "view") for _ in range(n)]
    return _events(rows)


def _distinct_pairs(events: pa.Table) -> dict[str, set[str]]:
    out: dict[str, set[str]] = collections.defaultdict(set)
    for u, i in zip(events["user_id"].to_pylist(), events["item_id"].to_pylist(), strict=True):
        if u is not None and i is not None:
            out[u].add(i)
    return out


@pytest.mark.parametrize("k", [1, 3, 100])
def test_bounding_caps_each_user(k: int) -> None:
    events = _random_events(1)
    truth = _distinct_pairs(events)
    kept = bound_contributions(events["user_id"], events["item_id"], k, np.random.default_rng(2))
    per_user: dict[str, set[str]] = collections.defaultdict(set)
    for u, key in zip(kept["user_id"].to_pylist(), kept["key"].to_pylist(), strict=True):
        assert key not in per_user[u]  # pairs are distinct
        per_user[u].add(key)
    assert set(per_user) == set(truth)
    for user, keys in per_user.items():
        assert keys <= truth[user]
        assert len(keys) == min(k, len(truth[user]))


def test_bounding_is_seeded_and_drops_nulls() -> None:
    events = _random_events(5)
    a = bound_contributions(events["user_id"], events["item_id"], 2, np.random.default_rng(9))
    b = bound_contributions(events["user_id"], events["item_id"], 2, np.random.default_rng(9))
    assert a.equals(b)
    users = pa.array(["u1", None, "u2"])
    keys = pa.array([None, "x", "y"])
    kept = bound_contributions(users, keys, 1, np.random.default_rng(0))
    assert kept.to_pylist() == [{"user_id": "u2", "key": "y"}]


def test_item_popularity_with_huge_epsilon_is_the_exact_count() -> None:
    events = _events(
        [
            ("u1", "a", "view"),
            ("u1", "a", "purchase"),  # the same user twice counts once
            ("u1", "b", "view"),
            ("u2", "a", "click"),
            ("u3", "c", "view"),
            ("u3", None, "search"),
            ("u4", "zz", "view"),  # not in the catalog: never released
        ]
    )
    out = dp_item_popularity(
        events, HUGE, items=PRODUCTS["item_id"], max_items_per_user=5, rng=np.random.default_rng(0)
    )
    assert out.schema.names == ["item_id", "noisy_count"]
    assert out.schema.field("noisy_count").type == pa.int64()
    assert dict(zip(*out.to_pydict().values(), strict=True)) == {
        "a": 2,
        "b": 1,
        "c": 1,
        "d": 0,
        "e": 0,
    }
    purchases = dp_item_popularity(
        events,
        HUGE,
        items=["a", "b", "c"],
        event_types=["purchase"],
        rng=np.random.default_rng(0),
    )
    assert purchases["noisy_count"].to_pylist() == [1, 0, 0]


def test_item_popularity_bounded_counts_sum_to_the_capped_contributions() -> None:
    events = _random_events(3)
    truth = _distinct_pairs(events)
    items = sorted({i for keys in truth.values() for i in keys})
    true_counts = collections.Counter(i for keys in truth.values() for i in keys)
    k = 2
    out = dp_item_popularity(
        events, HUGE, items=items, max_items_per_user=k, rng=np.random.default_rng(4)
    )
    counts = dict(zip(*out.to_pydict().values(), strict=True))
    assert sum(counts.values()) == sum(min(k, len(v)) for v in truth.values())
    assert all(counts[i] <= true_counts[i] for i in items)


def test_item_popularity_noise_is_present_and_post_processed() -> None:
    events = _random_events(6)
    items = [f"i{j}" for j in range(25)]
    exact = dp_item_popularity(events, HUGE, items=items, rng=np.random.default_rng(1))
    noisy = dp_item_popularity(events, 0.1, items=items, rng=np.random.default_rng(1))
    values = noisy["noisy_count"].to_numpy()
    assert values.dtype == np.int64 and (values >= 0).all()
    assert noisy["noisy_count"] != exact["noisy_count"]
    again = dp_item_popularity(events, 0.1, items=items, rng=np.random.default_rng(1))
    assert again.equals(noisy)


def test_top_level_category() -> None:
    paths = pa.array(["Home > Kitchen > Knives", "Toys", " Garden >x", "", None, " > a"])
    assert top_level_category(paths).to_pylist() == ["Home", "Toys", "Garden", None, None, None]


def test_category_counts_with_huge_epsilon() -> None:
    events = _events(
        [
            ("u1", "a", "view"),
            ("u1", "b", "view"),  # same top level as a: u1 counts once for Home
            ("u1", "c", "view"),
            ("u2", "d", "view"),
            ("u3", "e", "view"),  # no category
            ("u4", "zz", "view"),  # not in the catalog
        ]
    )
    out = dp_category_counts(
        events, PRODUCTS, HUGE, max_categories_per_user=5, rng=np.random.default_rng(0)
    )
    assert out.to_pydict() == {"category": ["Home", "Toys"], "noisy_count": [1, 2]}
    capped = dp_category_counts(
        events, PRODUCTS, HUGE, max_categories_per_user=1, rng=np.random.default_rng(0)
    )
    # u1 touches two categories and keeps one; u2 keeps Toys
    assert sum(capped["noisy_count"].to_pylist()) == 2


def test_release_guards() -> None:
    events = _events([("u1", "a", "view")])
    rng = np.random.default_rng(0)
    cases = [
        (lambda: dp_item_popularity(events, 0.0, items=["a"], rng=rng), "epsilon"),
        (
            lambda: dp_item_popularity(events, 1.0, items=["a"], max_items_per_user=0, rng=rng),
            "max_items_per_user",
        ),
        (lambda: dp_item_popularity(events, 1.0, items="a", rng=rng), "items"),
        (
            lambda: dp_item_popularity(events.drop_columns(["user_id"]), 1.0, items=["a"], rng=rng),
            "events",
        ),
        (
            lambda: dp_item_popularity(events, 1.0, items=["a"], event_types=["buy"], rng=rng),
            "event_types",
        ),
        (
            lambda: dp_category_counts(events, PRODUCTS.drop_columns(["category"]), 1.0, rng=rng),
            "products",
        ),
    ]
    for call, argument in cases:
        with pytest.raises(InvalidArgument) as exc:
            call()
        assert exc.value.details["argument"] == argument


# ---- exports ---------------------------------------------------------------------------------
@pytest.fixture
def shop(tmp_path: Path) -> Workspace:
    ws = Workspace.open(tmp_path / "ws", create=True)
    ws.write_table("products", PRODUCTS, "test")
    ws.write_table(
        "events",
        _events([("u1", "a", "view"), ("u1", "c", "view"), ("u2", "b", "click")]),
        "test",
    )
    return ws


def test_export_writes_an_asset_with_lineage_then_refuses(shop: Workspace) -> None:
    report = export_item_popularity(
        shop,
        0.6,
        total_epsilon=1.0,
        who="analyst",
        max_items_per_user=4,
        rng=np.random.default_rng(0),
    )
    assert report["asset"] == "dp_item_popularity@1"
    assert report["epsilon"] == 0.6 and report["mechanism"] == "laplace"
    assert report["remaining_epsilon"] == pytest.approx(0.4)
    version = shop.get("dp_item_popularity")
    assert version.produced_by == "privacy.dp_export"
    assert version.inputs == (AssetRef("events", 1), AssetRef("products", 1))
    assert version.params["epsilon"] == 0.6
    assert version.params["delta"] == 0.0
    assert version.params["mechanism"] == "laplace"
    assert version.params["max_items_per_user"] == 4
    table = shop.read_table(version)
    assert table["item_id"].to_pylist() == ["a", "b", "c", "d", "e"]
    assert version.report["spend"]["epsilon"] == 0.6

    cats = export_category_counts(shop, 0.4, total_epsilon=1.0, who="analyst")
    assert cats["asset"] == "dp_category_counts@1"
    assert cats["remaining_epsilon"] == pytest.approx(0.0, abs=1e-12)
    assert shop.read_table(shop.get("dp_category_counts"))["category"].to_pylist() == [
        "Home",
        "Toys",
    ]

    ledger = shop.root / "privacy" / "budget.jsonl"
    before = ledger.read_bytes()
    with pytest.raises(BudgetExhausted):
        export_item_popularity(shop, 0.1, total_epsilon=1.0, who="analyst")
    assert [v.ref.version for v in shop.versions("dp_item_popularity")] == [1]
    assert ledger.read_bytes() == before
    assert [json.loads(x)["dataset"] for x in before.decode().splitlines()] == ["events", "events"]
    assert not any((shop.root / "staging").iterdir())


def test_export_checks_inputs_before_spending(shop: Workspace) -> None:
    shop.write_table("events", _events([("u1", "a", "view")]).drop_columns(["item_id"]), "test")
    with pytest.raises(InvalidArgument) as exc:
        export_item_popularity(shop, 0.5, total_epsilon=1.0, who="analyst")
    assert exc.value.details["argument"] == "events"
    with pytest.raises(InvalidArgument) as exc:
        export_item_popularity(shop, 0.5, total_epsilon=1.0, who="")
    assert exc.value.details["argument"] == "who"
    assert PrivacyBudget(shop.root, 1.0).spent("events") == (0.0, 0.0)
    assert shop.versions("dp_item_popularity") == []


def test_export_reads_the_newest_events(shop: Workspace) -> None:
    shop.write_table("events", _events([("u9", "d", "view")]), "test")
    export_item_popularity(shop, 1.0, total_epsilon=5.0, who="a", rng=np.random.default_rng(0))
    version = shop.get("dp_item_popularity")
    assert AssetRef("events", 2) in version.inputs
