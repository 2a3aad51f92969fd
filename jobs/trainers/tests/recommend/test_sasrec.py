"""The transformer learns a planted sequential pattern within seconds, and uses its inputs."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from rec_helpers import chain_shop, next_item_hit1
from test_contract import TINY_SASREC

from shopmind.errors import InvalidArgument
from shopmind.recommend.data import Catalog, History, Interactions
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.sasrec.config import SasRecParams
from shopmind.recommend.sasrec.model import SasRec
from shopmind.recommend.sasrec.network import gap_buckets
from shopmind.recommend.sasrec.training import training_windows


def test_learns_the_planted_next_item_in_seconds(shop: Interactions) -> None:
    started = time.perf_counter()
    model = SasRec(TINY_SASREC).fit(shop.truncated(1))
    seconds = time.perf_counter() - started
    hit1 = next_item_hit1(model, shop)
    pop = next_item_hit1(Popularity().fit(shop.truncated(1)), shop)
    # the chain's next item is exactly predictable; popularity only knows category 0 is big
    assert hit1 > 0.9, hit1
    assert pop < 0.2, pop
    assert seconds < 60, seconds
    assert model.report.best_ndcg10 > 0.8
    assert model.report.stopped in ("patience", "max_epochs", "time")


def test_text_vectors_score_items_never_seen_in_training() -> None:
    shop = chain_shop(seed=1)
    # item 9 (category 0) never appears in training: drop every history that touches it
    keep = [u for u in range(shop.n_users) if 9 not in shop.history(u).items.tolist()]
    seqs = [shop.history(u).items.tolist() for u in keep]
    data = Interactions.from_sequences(shop.catalog, seqs)
    model = SasRec(TINY_SASREC).fit(data)
    s = model.scores([History.of([0, 1, 2])])[0]
    # with text fused in, the unseen category-0 item outranks every out-of-category item
    assert s[9] > np.max(s[10:])


def test_windows_cover_every_event_of_long_histories() -> None:
    catalog = Catalog(ids=tuple(str(i) for i in range(30)))
    data = Interactions.from_sequences(catalog, [list(range(25))])
    windows = training_windows(data, max_len=10)
    # every event but the first is some window's target exactly once
    targets = [int(i) for w in windows for i in w.items[1:]]
    assert sorted(targets) == list(range(1, 25))
    assert all(len(w) <= 11 for w in windows)


def test_gap_buckets() -> None:
    t = np.array([0, 60, 60 + 3600, -1, 10], np.int64)
    b = gap_buckets(t)
    assert b[0] == 0  # first event: no gap
    assert b[1] == 1 + int(np.log2(2.0))  # one minute
    assert b[2] > b[1]  # an hour is a larger gap than a minute
    assert b[3] == 0 and b[4] == 0  # unknown times


@pytest.mark.parametrize(
    ("field", "value"), [("dim", 3), ("dropout", 1.0), ("heads", 0), ("max_len", 1)]
)
def test_params_are_checked(field: str, value: float) -> None:
    with pytest.raises(InvalidArgument, match=field):
        replace(SasRecParams(), **{field: value})


def test_time_cap_stops_training(shop: Interactions) -> None:
    params = replace(TINY_SASREC, max_minutes=0.0001, max_epochs=1000, eval_every=1)
    model = SasRec(params).fit(shop)
    assert model.report.stopped == "time"
    assert model.report.epochs == 1  # the cap is checked between batches, not only epochs


def test_sampled_softmax_learns_the_planted_next_item(shop: Interactions) -> None:
    # a third of the catalog as negatives per batch, against every item in the full softmax
    params = replace(TINY_SASREC, sampled_from_items=1, negatives=len(shop.catalog) // 3)
    model = SasRec(params).fit(shop.truncated(1))
    hit1 = next_item_hit1(model, shop)
    assert hit1 > 0.6, hit1  # popularity: under 0.2 (the test above)


def test_last_hidden_skips_shared_padding_without_changing_the_state() -> None:
    import torch

    from shopmind.recommend.sasrec.network import SeqNet

    torch.manual_seed(0)
    net = SeqNet(replace(TINY_SASREC, max_len=12), n_items=30).eval()
    items = torch.zeros(3, 12, dtype=torch.long)
    items[0, -3:] = torch.tensor([4, 5, 6])
    items[1, -5:] = torch.tensor([1, 2, 3, 4, 5])
    items[2, -1:] = torch.tensor([7])
    events = (items > 0).long()
    gaps = torch.zeros_like(items)
    with torch.no_grad():
        full = net.forward(items, events, gaps)[:, -1]
        cut = net.last_hidden(items, events, gaps)
        alone = net.last_hidden(items[2:], events[2:], gaps[2:])  # one position only
    torch.testing.assert_close(cut, full, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(alone, full[2:], rtol=1e-5, atol=1e-5)
