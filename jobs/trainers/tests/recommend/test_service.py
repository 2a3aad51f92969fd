"""The recommendation service: live events change the next answer, reasons, rules, fallback."""

from __future__ import annotations

import pytest

from shopmind.errors import InvalidArgument, NotFound
from shopmind.recommend.data import Interactions
from shopmind.recommend.itemcf import ItemCF
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.rules import RuleSet
from shopmind.recommend.service import RecommendService


@pytest.fixture(scope="module")
def service(shop: Interactions) -> RecommendService:
    model = ItemCF().fit(shop)
    return RecommendService(model, shop, Popularity().fit(shop))


def test_a_live_event_changes_the_next_recommendation(shop: Interactions) -> None:
    svc = RecommendService(ItemCF().fit(shop), shop, Popularity().fit(shop))
    user = shop.users[0]
    before = [r.item_id for r in svc.recommend(user, 5)]
    assert svc.record(user, "p042", "view", 1_800_000_000)  # category 4, chain at 2
    after = svc.recommend(user, 5)
    assert [r.item_id for r in after] != before
    assert after[0].item_id in ("p043", "p041")  # the chain's neighbours of the live event
    assert after[0].reason == "because you viewed p042"
    assert after[0].because == "p042"


def test_unknown_user_gets_popular_items(service: RecommendService) -> None:
    recs = service.recommend("nobody", 5)
    assert len(recs) == 5
    assert all(r.reason.startswith("popular") for r in recs)
    assert not service.knows("nobody")
    assert all(r.item_id[1] == "0" for r in recs)  # category 0 is the popular one


def test_rules_apply_to_recommendations(shop: Interactions) -> None:
    svc = RecommendService(ItemCF().fit(shop), shop, Popularity().fit(shop), RuleSet())
    # a user walking category 5 (out of stock) is shown none of its items
    user = next(u for n, u in enumerate(shop.users) if shop.history(n).items[0] // 10 == 5)
    recs = svc.recommend(user, 10)
    assert recs and not any(r.item_id.startswith("p05") for r in recs)
    # bought items (each history ends with a purchase) do not come back
    n = shop.users.index(user)
    bought = shop.catalog.ids[int(shop.history(n).items[-1])]
    assert bought not in [r.item_id for r in recs]


def test_similar_items(service: RecommendService) -> None:
    recs = service.similar("p012", 3)
    assert {r.item_id for r in recs} <= {"p011", "p013", "p010", "p014"}
    assert recs[0].reason == "similar to p012"
    with pytest.raises(NotFound):
        service.similar("nope")


def test_bad_input(service: RecommendService) -> None:
    with pytest.raises(InvalidArgument, match="k must be"):
        service.recommend("u1", 0)
    with pytest.raises(InvalidArgument, match="event_type"):
        service.record("u1", "p001", "teleport", 0)
    assert service.record("u1", "not-in-catalog", "view", 0) is False
