"""Sessions as arrays: who, when, which items in which order, and how far down the funnel.

A batch of S sessions is a set of (S,) arrays plus (S, MAX_SLOTS) slot arrays, one slot per
item looked at. ``events.py`` turns them into event rows. Every step is vectorised over the
batch; the only Python loops run over slot positions (at most MAX_SLOTS) and repeat rounds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from shopmind.synth.catalog import BRAND_NAMES, Catalog
from shopmind.synth.pools import PoolSampler, TimeSampler
from shopmind.synth.queries import QuerySet
from shopmind.synth.users import US_PER_DAY, Users
from shopmind.synth.vocab import LEAF_TOP, LEAVES, TOPS

MAX_SLOTS = 12
P_SEARCH = 0.25  # sessions that start with a search
P_SAME_LEAF = 0.6  # next item from the same leaf as the previous one
P_KEEP_TOP = 0.8  # otherwise stay in the session's top category
P_CLICK = 0.4
P_CART = 0.3
P_BUY = 0.5
P_REPEAT = 0.5  # a consumable purchase is bought again later
MEAN_REPEAT_DAYS = 20.0


@dataclass
class Batch:
    """S sessions. Slot arrays are (S, MAX_SLOTS); ``item`` is -1 in unused slots.

    The funnel is nested: ``buy`` implies ``cart`` implies ``click`` (every slot is viewed).
    """

    user: np.ndarray
    start: np.ndarray
    query: np.ndarray
    item: np.ndarray
    click: np.ndarray
    cart: np.ndarray
    buy: np.ndarray
    qty: np.ndarray

    def __len__(self) -> int:
        return len(self.user)

    def take(self, idx: np.ndarray) -> Batch:
        """The sessions at ``idx``, in that order."""
        return Batch(*(getattr(self, f.name)[idx] for f in fields(self)))

    @staticmethod
    def concat(batches: list[Batch]) -> Batch:
        """One batch holding every session of ``batches`` in order."""
        return Batch(
            *(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(Batch))
        )

    def n_events(self) -> np.ndarray:
        """(S,) events each session produces."""
        per_slot = (self.item >= 0) * (1 + self.click + self.cart + self.buy)
        out: np.ndarray = (self.query >= 0) + per_slot.sum(axis=1)
        return out


class SessionModel:
    """Samplers built once from the catalogue, users and queries; batches drawn on demand."""

    def __init__(
        self, catalog: Catalog, users: Users, queries: QuerySet, times: TimeSampler
    ) -> None:
        self.catalog, self.users, self.times = catalog, users, times
        n, n_tops = len(catalog), len(TOPS)
        every = np.arange(n)
        self._user_cdf = np.cumsum(users.activity)
        self._taste_cdf = np.cumsum(users.taste, axis=1)
        self._by_top = PoolSampler(
            catalog.top * 2 + catalog.lang, every, catalog.popularity, n_tops * 2
        )
        self._by_leaf = PoolSampler(
            catalog.leaf * 2 + catalog.lang, every, catalog.popularity, len(LEAVES) * 2
        )
        self._by_brand = PoolSampler(catalog.brand, every, catalog.popularity, len(BRAND_NAMES))
        q_leaf = np.array([s.leaf for s in queries.specs], dtype=np.int64)
        q_lang = np.array([s.language == "zh" for s in queries.specs], dtype=np.int64)
        q_top = np.array(LEAF_TOP, dtype=np.int64)[q_leaf] if len(q_leaf) else q_leaf
        self._has_queries = len(queries.specs) > 0
        self._queries = PoolSampler(
            q_top * 2 + q_lang, np.arange(len(q_leaf)), queries.popularity, n_tops * 2
        )
        qi, items, rel = queries.judged
        good = rel >= 2
        # Exact matches dominate what a shopper opens after searching.
        self._results = PoolSampler(
            qi[good],
            items[good],
            catalog.popularity[items[good]] * np.where(rel[good] == 3, 4.0, 1.0),
            max(len(queries.specs), 1),
        )
        self._leaf_price = np.array([lf.price for lf in LEAVES])
        self._consumable = np.array([lf.consumable for lf in LEAVES])[catalog.leaf]
        self._owned = np.zeros(0, dtype=np.int64)

    def reset(self) -> None:
        """Forget who owns what, so a new pass over the chunks repeats the first one."""
        self._owned = np.zeros(0, dtype=np.int64)

    def batch(self, rng: np.random.Generator, size: int, lo: float, hi: float) -> Batch:
        """``size`` fresh sessions starting in the [lo, hi) traffic slice, plus their repeats."""
        u = np.searchsorted(self._user_cdf, rng.random(size) * self._user_cdf[-1], side="right")
        user = np.minimum(u, len(self.users) - 1)
        lang = self.users.lang[user].astype(np.int64)
        start = self.times.sample(lo, hi, rng.random(size))
        top = self._pick_top(rng, user)
        query = np.full(size, -1, dtype=np.int64)
        if self._has_queries:
            wants = rng.random(size) < P_SEARCH
            query = np.where(wants, self._queries.sample(top * 2 + lang, rng.random(size)), -1)
        n_slots = np.minimum(rng.geometric(0.3, size=size), MAX_SLOTS)
        item = np.full((size, MAX_SLOTS), -1, dtype=np.int64)
        prev = np.full(size, -1, dtype=np.int64)
        for j in range(int(n_slots.max())):
            act = np.flatnonzero(n_slots > j)  # sessions still browsing at slot j
            cand = self._next_items(
                rng, user[act], lang[act], top[act], query[act], prev[act], first=j == 0
            )
            item[act, j] = cand
            prev[act] = cand
        fresh = self._funnel(rng, user, start, query, item)
        self._no_second_durable(fresh)
        return Batch.concat([fresh, *self._repeats(rng, fresh)])

    def _no_second_durable(self, batch: Batch) -> None:
        """Nobody buys the same laptop twice: later purchases of an owned durable are dropped.

        Ownership is kept as sorted ``user * n_items + item`` keys (8 bytes per purchase), so
        the check spans chunks without holding any events.
        """
        s, j = np.nonzero(batch.buy & ~self._consumable[np.maximum(batch.item, 0)])
        key = batch.user[s] * len(self.catalog) + batch.item[s, j]
        order = np.lexsort((batch.start[s], key))
        key = key[order]
        first = np.concatenate([[True], key[1:] != key[:-1]])
        drop = ~first | np.isin(key, self._owned, assume_unique=False)
        batch.buy[s[order][drop], j[order][drop]] = False
        self._owned = np.union1d(self._owned, key)

    def _pick_top(self, rng: np.random.Generator, user: np.ndarray) -> np.ndarray:
        u = rng.random(len(user))[:, None]
        top: np.ndarray = np.minimum((self._taste_cdf[user] < u).sum(axis=1), len(TOPS) - 1)
        return top.astype(np.int64)

    def _from_top(self, rng: np.random.Generator, top: np.ndarray, lang: np.ndarray) -> np.ndarray:
        # A top with no listing in the user's language falls back to the other language.
        return _with_fallback(
            self._by_top, top * 2 + lang, top * 2 + 1 - lang, rng.random(len(top))
        )

    def _next_items(
        self,
        rng: np.random.Generator,
        user: np.ndarray,
        lang: np.ndarray,
        top: np.ndarray,
        query: np.ndarray,
        prev: np.ndarray,
        first: bool,
    ) -> np.ndarray:
        size = len(user)
        from_top = self._from_top(rng, top, lang)
        from_result = np.full(size, -1, dtype=np.int64)
        searched = np.flatnonzero(query >= 0)
        from_result[searched] = self._results.sample(query[searched], rng.random(len(searched)))
        if first:
            loyal = np.flatnonzero(rng.random(size) < self.users.loyalty[user])
            from_brand = np.full(size, -1, dtype=np.int64)
            from_brand[loyal] = self._by_brand.sample(
                self.users.fav_brand[user[loyal], top[loyal]], rng.random(len(loyal))
            )
            pick = np.where(from_brand >= 0, from_brand, from_top)
            out: np.ndarray = np.where(from_result >= 0, from_result, pick)
            return out
        prev_leaf = self.catalog.leaf[np.maximum(prev, 0)].astype(np.int64)
        prev_lang = self.catalog.lang[np.maximum(prev, 0)].astype(np.int64)
        same = self._same_leaf(rng, prev_leaf * 2 + lang, prev_leaf * 2 + prev_lang)
        # One redraw when the pick is the item just seen: shoppers move on more than they loop.
        again = self._same_leaf(rng, prev_leaf * 2 + lang, prev_leaf * 2 + prev_lang)
        same = np.where(same == prev, again, same)
        wander = np.where(rng.random(size) < P_KEEP_TOP, top, self._pick_top(rng, user))
        elsewhere = self._from_top(rng, wander, lang)
        elsewhere = np.where((from_result >= 0) & (rng.random(size) < 0.5), from_result, elsewhere)
        stay = (rng.random(size) < P_SAME_LEAF) & (prev >= 0)
        out = np.where(stay, same, elsewhere)
        return out

    def _same_leaf(
        self, rng: np.random.Generator, pool: np.ndarray, fallback: np.ndarray
    ) -> np.ndarray:
        return _with_fallback(self._by_leaf, pool, fallback, rng.random(len(pool)))

    def _funnel(
        self,
        rng: np.random.Generator,
        user: np.ndarray,
        start: np.ndarray,
        query: np.ndarray,
        item: np.ndarray,
    ) -> Batch:
        cat, shape = self.catalog, item.shape
        it = np.maximum(item, 0)
        rel_price = cat.price_usd[it] / self._leaf_price[cat.leaf[it]]
        sens = self.users.price_sensitivity[user][:, None]
        # Sensitive users shy away from items priced above their category's norm.
        price_factor = np.clip(rel_price ** (-1.5 * sens), 0.2, 2.0)
        fav = self.users.fav_brand[user[:, None], cat.top[it]] == cat.brand[it]
        click = rng.random(shape) < P_CLICK * np.where(fav, 1.4, 1.0)
        cart = click & (rng.random(shape) < np.clip(P_CART * price_factor, 0.0, 0.9))
        buy = cart & (rng.random(shape) < np.clip(P_BUY * price_factor, 0.0, 0.95))
        qty = self._quantities(rng, item)
        valid = item >= 0
        return Batch(user, start, query, item, click & valid, cart & valid, buy & valid, qty)

    def _quantities(self, rng: np.random.Generator, item: np.ndarray) -> np.ndarray:
        consumable = self._consumable[np.maximum(item, 0)]
        extra = np.where(
            consumable, rng.poisson(0.6, size=item.shape), rng.random(item.shape) < 0.04
        )
        out: np.ndarray = (1 + extra).astype(np.int64)
        return out

    def _repeats(self, rng: np.random.Generator, batch: Batch) -> list[Batch]:
        """Later sessions that buy a consumable again, chained while the horizon allows."""
        out: list[Batch] = []
        for _ in range(20):
            s, j = np.nonzero(batch.buy & self._consumable[np.maximum(batch.item, 0)])
            keep = rng.random(len(s)) < P_REPEAT
            s, j = s[keep], j[keep]
            gap = (2.0 + rng.exponential(MEAN_REPEAT_DAYS, size=len(s))) * US_PER_DAY
            when = batch.start[s] + gap.astype(np.int64)
            ok = when < self.times.end_us - US_PER_DAY // 24
            s, j, when = s[ok], j[ok], when[ok] - when[ok] % 1000
            if len(s) == 0:
                break
            item = np.full((len(s), MAX_SLOTS), -1, dtype=np.int64)
            item[:, 0] = batch.item[s, j]
            done = item >= 0
            batch = Batch(
                batch.user[s],
                when,
                np.full(len(s), -1, dtype=np.int64),
                item,
                done,
                done,
                done.copy(),
                self._quantities(rng, item),
            )
            out.append(batch)
        return out


def _with_fallback(
    sampler: PoolSampler, pools: np.ndarray, fallback: np.ndarray, u: np.ndarray
) -> np.ndarray:
    got = sampler.sample(pools, u)
    miss = np.flatnonzero(got < 0)
    if len(miss):
        got[miss] = sampler.sample(fallback[miss], u[miss])
    return got
