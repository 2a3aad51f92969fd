"""``item_stats``: per-item interaction counts, popularity, rates and revenue, in DuckDB SQL.

One row per product of the catalog version (items without events get zero counts), computed
by one GROUP BY over the events Parquet file, so memory stays bounded at 10M+ events.
Formulas (see docs/features.md):

* ``popularity = sum(type_weight)`` over the item's events (a weighted interaction count);
* ``decayed_popularity = sum(type_weight * 0.5 ** (age_days / half_life_days))``, the age
  measured back from the newest event in the data, so a rebuild gives the same numbers;
* ``ctr = clicks / max(views, clicks)``, NULL for an item with neither;
* ``conversion_rate = (purchases + m * p0) / (max(views, purchases) + m)``: additive
  smoothing towards the catalog-wide rate ``p0`` with the weight of ``m`` prior views;
* ``revenue = sum(price * quantity)`` of purchases, in the item's currency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from shopmind.config import Settings
from shopmind.errors import InvalidArgument
from shopmind.features._common import (
    EVENT_COLUMNS,
    ITEM_EVENT_TYPES,
    PRODUCT_COLUMNS,
    InteractionParams,
    check_number,
    iso_us,
    one_row,
    reference_us,
)
from shopmind.workspace import AssetVersion, Workspace
from shopmind.workspace.engine import job_connection, lit
from shopmind.workspace.refs import check_columns

ASSET = "item_stats"
PRODUCED_BY = "features.item_stats"


@dataclass(frozen=True)
class StatsParams(InteractionParams):
    """Parameters of :func:`build_item_stats`.

    ``conversion_prior_views`` (views, > 0) is the strength ``m`` of the conversion-rate
    prior: an item's rate starts at the catalog-wide rate and moves to its own rate as its
    views outnumber ``m``. With the default 20, one purchase on one view reads as about
    ``(1 + 20 * p0) / 21`` (under 10% when ``p0`` is 5%), not as 100%.
    """

    conversion_prior_views: float = 20.0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_number("conversion_prior_views", self.conversion_prior_views, 0.0, inclusive=False)


def _aggregate_sql(events_path: str, params: StatsParams, ref_us: int) -> str:
    """SQL: one row per item_id named by an item event, with raw counts and sums."""
    types = ", ".join(lit(t) for t in ITEM_EVENT_TYPES)
    w = params.weight_sql()
    decay = params.decay_sql(ref_us)
    return f"""
        SELECT item_id,
            count(*) FILTER (event_type = 'view') AS views,
            count(*) FILTER (event_type = 'click') AS clicks,
            count(*) FILTER (event_type = 'add_to_cart') AS add_to_carts,
            count(*) FILTER (event_type = 'purchase') AS purchases,
            count(DISTINCT user_id) AS unique_users,
            sum({w}) AS popularity,
            sum({w} * {decay}) AS decayed_popularity,
            -- Purchases without a price are valued at the catalog price after the join;
            -- summing their units here avoids joining every event to the catalog.
            sum(price * coalesce(quantity, 1))
                FILTER (event_type = 'purchase' AND price IS NOT NULL) AS revenue_priced,
            sum(coalesce(quantity, 1))
                FILTER (event_type = 'purchase' AND price IS NULL) AS units_unpriced,
            min(timestamp) AS first_seen,
            max(timestamp) AS last_seen
        FROM read_parquet({lit(events_path)})
        WHERE item_id IS NOT NULL AND event_type IN ({types})
        GROUP BY item_id
    """


def _final_sql(products_path: str, prior_views: float, p0: float) -> str:
    """SQL: every product left-joined to ``agg``, with rates and revenue."""
    m = repr(float(prior_views))
    return f"""
        SELECT p.item_id,
            coalesce(a.views, 0)::BIGINT AS views,
            coalesce(a.clicks, 0)::BIGINT AS clicks,
            coalesce(a.add_to_carts, 0)::BIGINT AS add_to_carts,
            coalesce(a.purchases, 0)::BIGINT AS purchases,
            coalesce(a.unique_users, 0)::BIGINT AS unique_users,
            coalesce(a.popularity, 0.0)::DOUBLE AS popularity,
            coalesce(a.decayed_popularity, 0.0)::DOUBLE AS decayed_popularity,
            -- A click or purchase without a logged view still means the item was shown, so
            -- the exposure count is at least the outcome count and both rates stay in [0, 1].
            CASE WHEN greatest(a.views, a.clicks) > 0
                THEN a.clicks / greatest(a.views, a.clicks) END::DOUBLE AS ctr,
            ((coalesce(a.purchases, 0) + {m} * {p0!r})
                / (coalesce(greatest(a.views, a.purchases), 0) + {m}))::DOUBLE
                AS conversion_rate,
            (coalesce(a.revenue_priced, 0.0)
                + coalesce(a.units_unpriced, 0) * coalesce(p.price, 0.0))::DOUBLE AS revenue,
            p.currency,
            a.first_seen,
            a.last_seen
        FROM read_parquet({lit(products_path)}) p
        LEFT JOIN agg a USING (item_id)
        ORDER BY p.item_id
    """


def build_item_stats(
    ws: Workspace,
    events: AssetVersion,
    products: AssetVersion,
    params: StatsParams | None = None,
    *,
    settings: Settings | None = None,
) -> AssetVersion:
    """Build and commit ``item_stats@N`` from ``events`` and ``products``; return its record.

    ``params`` (default :class:`StatsParams`) sets the weights, half-life and prior and is
    recorded whole in the version's ``params``. ``settings`` only sizes the DuckDB session
    (threads, memory); it never changes the result. Events naming items missing from
    ``products`` are left out (their count is in the report as ``unknown_item_events``).
    """
    started = time.perf_counter()
    params = StatsParams() if params is None else params
    if not isinstance(params, StatsParams):
        raise InvalidArgument(
            f"params must be StatsParams, got {type(params).__name__}", argument="params"
        )
    check_columns(events, EVENT_COLUMNS, "events")
    check_columns(products, PRODUCT_COLUMNS, "products")
    settings = Settings() if settings is None else settings
    events_path, products_path = str(ws.data_path(events)), str(ws.data_path(products))

    with ws.transaction(PRODUCED_BY) as txn:
        staged = txn.stage(ASSET)
        con = job_connection(settings, txn.dir)
        ref_us = reference_us(con, ws.data_path(events))
        con.execute(f"CREATE TABLE agg AS {_aggregate_sql(events_path, params, ref_us or 0)}")
        # p0: the catalog-wide conversion rate, the prior every item is smoothed towards;
        # events of items missing from the catalog are counted, not used.
        p0, unknown_items, unknown_events = one_row(
            con,
            f"""SELECT coalesce(sum(a.purchases) FILTER (p.item_id IS NOT NULL)
                    / nullif(sum(greatest(a.views, a.purchases)) FILTER (p.item_id IS NOT NULL),
                    0), 0.0)::DOUBLE,
                count(*) FILTER (p.item_id IS NULL),
                coalesce(sum(a.views + a.clicks + a.add_to_carts + a.purchases)
                    FILTER (p.item_id IS NULL), 0)
            FROM agg a LEFT JOIN read_parquet({lit(products_path)}) p USING (item_id)""",
        )
        con.execute(
            f"COPY ({_final_sql(products_path, params.conversion_prior_views, float(p0))}) "
            f"TO {lit(str(staged.data_path))} (FORMAT parquet, COMPRESSION zstd)"
        )
        n_items, idle_items = one_row(
            con,
            f"""SELECT count(*), count(*) FILTER (views + clicks + add_to_carts + purchases = 0)
            FROM read_parquet({lit(str(staged.data_path))})""",
        )
        con.close()
        staged.describe(
            params=params.to_params(),
            inputs=(events.ref, products.ref),
            tags={},
            quality={"items": int(n_items), "items_without_events": int(idle_items)},
            report={
                "reference_time": iso_us(ref_us),
                "global_conversion_rate": round(float(p0), 12),
                "unknown_items": int(unknown_items),
                "unknown_item_events": int(unknown_events),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
    return txn.committed[0]
