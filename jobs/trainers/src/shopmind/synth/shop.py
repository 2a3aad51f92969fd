"""One call from a config to a whole shop: the generators wired together, in memory."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from shopmind.errors import InvalidArgument
from shopmind.synth.catalog import Catalog, build_catalog
from shopmind.synth.config import SynthConfig
from shopmind.synth.events import DEFAULT_CHUNK_EVENTS, EventStream
from shopmind.synth.queries import QuerySet, build_queries
from shopmind.synth.truth import GroundTruth
from shopmind.synth.users import Users, build_users

# Above this, events held as one table start to cost gigabytes: stream them with write_shop.
MAX_IN_MEMORY_EVENTS = 5_000_000


@dataclass
class World:
    """The generators' state for one config; events are drawn lazily from ``events``."""

    config: SynthConfig
    catalog: Catalog
    users: Users
    queries: QuerySet
    events: EventStream
    truth: GroundTruth


def build_world(config: SynthConfig) -> World:
    """Catalogue, users, queries and the event stream for ``config``."""
    catalog = build_catalog(config)
    users = build_users(config, catalog)
    queries = build_queries(config, catalog)
    return World(
        config,
        catalog,
        users,
        queries,
        EventStream(config, catalog, users, queries),
        GroundTruth.from_world(config, catalog, users, queries),
    )


@dataclass
class Shop:
    """A synthetic shop in memory: canonical tables plus the ground truth behind them."""

    config: SynthConfig
    products: pa.Table
    users: pa.Table
    events: pa.Table
    judgements: pa.Table
    truth: GroundTruth


def generate_shop(config: SynthConfig, chunk_events: int = DEFAULT_CHUNK_EVENTS) -> Shop:
    """Generate every table of ``config`` in memory (no malformed rows: those live in files)."""
    if config.n_events > MAX_IN_MEMORY_EVENTS:
        raise InvalidArgument(
            f"n_events must be <= {MAX_IN_MEMORY_EVENTS:,} to generate in memory, got "
            f"{config.n_events:,}; use write_shop to stream larger shops to files",
            argument="n_events",
        )
    world = build_world(config)
    events = pa.concat_tables(list(world.events.chunks(chunk_events)))
    return Shop(
        config,
        world.catalog.table(),
        world.users.table(),
        events,
        world.queries.table(world.catalog),
        world.truth,
    )
