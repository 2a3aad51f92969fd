"""Event rows, generated chunk by chunk so memory stays flat however many events are asked for.

Chunk k of K holds exactly its share of ``n_events`` and draws session start times from its
own slice of the traffic curve, so the output is roughly in time order without a global sort.
Within a session, events are in time order. Repeat purchases land later than their chunk.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopmind.contracts.tables import EVENT_TYPES, EVENTS
from shopmind.errors import InvalidArgument
from shopmind.synth.catalog import Catalog
from shopmind.synth.config import SynthConfig
from shopmind.synth.pools import TimeSampler
from shopmind.synth.queries import QuerySet
from shopmind.synth.rng import stream
from shopmind.synth.sessions import Batch, SessionModel
from shopmind.synth.users import Users, epoch_us

# Larger chunks cost peak memory, not speed (250k rows: ~60 MB more peak RSS, same rate).
DEFAULT_CHUNK_EVENTS = 100_000
SEARCH = EVENT_TYPES.index("search")
# Mean seconds before an event of each type (view, click, add_to_cart, purchase, search).
_GAP_S = np.array([40.0, 15.0, 25.0, 60.0, 0.0])


class EventStream:
    """Turns the shop's session model into event tables; iterate with :meth:`chunks`."""

    def __init__(
        self, config: SynthConfig, catalog: Catalog, users: Users, queries: QuerySet
    ) -> None:
        self.config = config
        self.times = TimeSampler(epoch_us(config), config.start_date, config.days)
        self.model = SessionModel(catalog, users, queries, self.times)
        self._users = pa.array(users.user_ids, pa.string())
        self._items = pa.array(catalog.item_ids, pa.string())
        self._queries = pa.array([s.text for s in queries.specs], pa.string())
        self._types = pa.array(EVENT_TYPES, pa.string())
        self._price = catalog.price
        # Sessions never outnumber events, so this width fits every session id.
        self._sid_width = max(8, len(str(config.n_events)))
        self.schema = EVENTS.arrow_schema()

    def chunks(self, chunk_events: int = DEFAULT_CHUNK_EVENTS) -> Iterator[pa.Table]:
        """Tables in the events contract's schema, ``chunk_events`` rows each (the last fewer)."""
        if chunk_events < 1:
            raise InvalidArgument(
                f"chunk_events must be >= 1, got {chunk_events}", argument="chunk_events"
            )
        total = self.config.n_events
        n_chunks = -(-total // chunk_events)
        self.model.reset()
        next_session = 0
        for k in range(n_chunks):
            first, last = k * chunk_events, min((k + 1) * chunk_events, total)
            rng = stream(self.config.seed, "events", k)
            batch, cap = self._sessions(rng, last - first, first / total, last / total)
            yield self._table(rng, batch, cap, next_session)
            next_session += len(batch)

    def _sessions(
        self, rng: np.random.Generator, need: int, lo: float, hi: float
    ) -> tuple[Batch, np.ndarray]:
        """Sessions holding exactly ``need`` events, sorted by start; cap: events kept each."""
        batches: list[Batch] = []
        have = 0
        while have < need:
            # About five events per session; a little extra so one round usually suffices.
            b = self.model.batch(rng, int((need - have) / 4.5) + 8, lo, hi)
            b = b.take(rng.permutation(len(b)))  # so trimming does not favour any kind
            batches.append(b)
            have += int(b.n_events().sum())
        batch = Batch.concat(batches)
        counts = batch.n_events()
        ends = np.cumsum(counts)
        cut = int(np.searchsorted(ends, need))  # the session that reaches ``need``
        batch, counts = batch.take(np.arange(cut + 1)), counts[: cut + 1].copy()
        counts[cut] -= int(ends[cut] - need)
        order = np.argsort(batch.start, kind="stable")
        return batch.take(order), counts[order]

    def _table(
        self, rng: np.random.Generator, b: Batch, cap: np.ndarray, first_session: int
    ) -> pa.Table:
        full = b.n_events()
        base = np.concatenate([[0], np.cumsum(full)[:-1]])
        has_search = b.query >= 0
        n_total = int(full.sum())
        etype = np.empty(n_total, dtype=np.int64)
        item = np.empty(n_total, dtype=np.int64)
        qty = np.ones(n_total, dtype=np.int64)
        query = np.full(n_total, -1, dtype=np.int64)

        s_idx = np.flatnonzero(has_search)
        etype[base[s_idx]] = SEARCH
        item[base[s_idx]] = -1
        query[base[s_idx]] = b.query[s_idx]

        per_slot = ((b.item >= 0) * (1 + b.click + b.cart + b.buy)).ravel()
        before = np.concatenate([[0], np.cumsum(per_slot)[:-1]])
        n_slots = b.item.shape[1]
        sess = np.arange(len(b)).repeat(n_slots)
        within = before - before[sess * n_slots]  # events of earlier slots, same session
        slot_start = base[sess] + has_search[sess] + within
        used = np.flatnonzero(per_slot)
        reps = per_slot[used]
        slot_of = used.repeat(reps)
        step = np.arange(int(reps.sum())) - np.concatenate([[0], np.cumsum(reps)[:-1]]).repeat(reps)
        pos = slot_start[slot_of] + step
        etype[pos] = step  # nested funnel: step k of a slot is view, click, add_to_cart, purchase
        item[pos] = b.item.ravel()[slot_of]
        qty[pos] = np.where(step == 3, b.qty.ravel()[slot_of], 1)

        ev_sess = np.arange(len(b)).repeat(full)
        local = np.arange(n_total) - base[ev_sess]
        # At least a second between events keeps timestamps strictly increasing in a session, so
        # no two events of a session are identical (ingest drops exact duplicates).
        gaps = 1.0 + rng.exponential(_GAP_S[etype])
        gaps[base] = 0.0
        csum = np.cumsum(gaps)
        offset_us = ((csum - csum[base[ev_sess]]) * 1e6).astype(np.int64)
        offset_us -= offset_us % 1000
        # A session that would run past the horizon starts early enough to end inside it.
        longest = np.maximum.reduceat(offset_us, base)
        start = np.minimum(b.start, self.times.end_us - 1000 - longest)
        ts = start[ev_sess] + offset_us

        keep = local < cap[ev_sess]
        sess_no = pa.array(first_session + ev_sess[keep])
        sid = pc.binary_join_element_wise(
            "S", pc.utf8_lpad(pc.cast(sess_no, pa.string()), width=self._sid_width, padding="0"), ""
        )
        it, q = item[keep], query[keep]
        return pa.table(
            {
                "user_id": self._users.take(pa.array(b.user[ev_sess[keep]])),
                "session_id": sid,
                "item_id": self._items.take(pa.array(np.maximum(it, 0), mask=it < 0)),
                "event_type": self._types.take(pa.array(etype[keep])),
                "timestamp": pa.array(ts[keep], pa.timestamp("us", tz="UTC")),
                "query": self._queries.take(pa.array(np.maximum(q, 0), mask=q < 0)),
                "price": pa.array(self._price[np.maximum(it, 0)], mask=it < 0),
                "quantity": qty[keep],
            },
            schema=EVENTS.arrow_schema(),
        )
