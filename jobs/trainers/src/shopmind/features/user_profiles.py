"""``user_profiles``: per-user activity, category/brand affinities, price band, embedding.

Every interaction (view, click, add_to_cart, purchase of a catalog item) carries the weight
``type_weight * 0.5 ** (age_days / half_life_days)`` (see ``_common``). From those weights:

* affinities: a category's or brand's share of the user's total weight, top-k kept;
* price band: each item is ``low``/``mid``/``high`` by the catalog's price terciles within
  its top-level category; the user's band is the weighted median of their items' bands;
* embedding (optional): the weighted mean of the vectors of the user's ``recent_items`` most
  recently touched items, L2-normalised.

The aggregations are DuckDB SQL over the Parquet files; only the embedding step runs in
numpy, in bounded chunks of users. Docs: docs/features.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from shopmind.config import Settings
from shopmind.errors import InvalidArgument
from shopmind.features._common import (
    EVENT_COLUMNS,
    ITEM_EVENT_TYPES,
    PRODUCT_COLUMNS,
    InteractionParams,
    check_int,
    iso_us,
    one_row,
    reference_us,
)
from shopmind.features._embedding import load_item_vectors, unit_means
from shopmind.workspace import AssetRef, AssetVersion, Workspace
from shopmind.workspace.engine import job_connection, lit
from shopmind.workspace.refs import check_columns

ASSET = "user_profiles"
PRODUCED_BY = "features.user_profiles"
USERS_PER_BATCH = 65_536  # rows of the output written at a time; bounds Python-side memory


def _shares_type(key: str) -> pa.DataType:
    return pa.list_(pa.struct([pa.field(key, pa.string()), pa.field("share", pa.float64())]))


BASE_SCHEMA = pa.schema(
    [
        pa.field("user_id", pa.string()),
        pa.field("n_events", pa.int64()),
        pa.field("n_interactions", pa.int64()),
        pa.field("last_event_at", pa.timestamp("us", tz="UTC")),
        pa.field("top_categories", _shares_type("category")),
        pa.field("leaf_categories", _shares_type("category")),
        pa.field("brands", _shares_type("brand")),
        pa.field("median_price", pa.float64()),
        pa.field("price_band", pa.string()),
    ]
)


@dataclass(frozen=True)
class ProfileParams(InteractionParams):
    """Parameters of :func:`build_user_profiles`.

    ``top_k_categories`` and ``top_k_brands`` (>= 1) cap each affinity list;
    ``recent_items`` (>= 1) is how many of the user's most recently touched items (that have
    an embedding) make up the profile embedding.
    """

    top_k_categories: int = 5
    top_k_brands: int = 5
    recent_items: int = 50

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("top_k_categories", self.top_k_categories, 1)
        check_int("top_k_brands", self.top_k_brands, 1)
        check_int("recent_items", self.recent_items, 1)


def _prepare_sql(events: str, products: str, params: ProfileParams, ref_us: int) -> list[str]:
    """SQL building tables ``items`` (with price band) and ``ev`` (weighted interactions)."""
    types = ", ".join(lit(t) for t in ITEM_EVENT_TYPES)
    weight = f"{params.weight_sql('e.event_type')} * {params.decay_sql(ref_us, 'e.timestamp')}"
    return [
        # Terciles per top-level category: a 300 USD jacket and a 300 USD camera are not in
        # the same band. Items without a category are banded among themselves ('' group).
        f"""CREATE TABLE items AS
        WITH p AS (
            SELECT item_id, category, brand, price,
                nullif(trim(split_part(category, '>', 1)), '') AS top
            FROM read_parquet({lit(products)})),
        t AS (
            SELECT coalesce(top, '') AS g, quantile_cont(price, 1 / 3) AS q1,
                quantile_cont(price, 2 / 3) AS q2
            FROM p WHERE price IS NOT NULL GROUP BY 1)
        SELECT p.item_id, p.category, p.top, p.brand, p.price,
            CASE WHEN p.price IS NULL THEN NULL WHEN p.price <= t.q1 THEN 0
                WHEN p.price <= t.q2 THEN 1 ELSE 2 END AS band
        FROM p LEFT JOIN t ON coalesce(p.top, '') = t.g""",
        f"""CREATE TABLE ev AS
        SELECT e.user_id, e.item_id, e.timestamp AS ts, {weight} AS w,
            coalesce(e.price, i.price) AS price, i.category, i.top, i.brand, i.band
        FROM read_parquet({lit(events)}) e JOIN items i USING (item_id)
        WHERE e.user_id IS NOT NULL AND e.event_type IN ({types})""",
        """CREATE TABLE tot AS
        SELECT user_id, count(*) AS n_interactions, sum(w) AS total FROM ev GROUP BY 1""",
    ]


def _shares_sql(column: str, key: str, k: int) -> str:
    """SQL: per user, the top-k values of ``column`` by share of the user's total weight."""
    return f"""
        SELECT x.user_id,
            list(struct_pack({key} := x.v, share := x.s / t.total) ORDER BY x.s DESC, x.v)
                AS shares
        FROM (
            SELECT user_id, {column} AS v, sum(w) AS s FROM ev
            WHERE {column} IS NOT NULL GROUP BY 1, 2
            QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY s DESC, v) <= {k}
        ) x JOIN tot t USING (user_id)
        WHERE t.total > 0
        GROUP BY 1"""


# The weighted median of the user's item bands (0, 1, 2): the first band whose cumulative
# weight reaches half the total. Lower weighted median of the price, likewise, over the
# (user, price) weights sorted by price.
_PRICE_SQL = """
    WITH b AS (
        SELECT user_id,
            coalesce(sum(w) FILTER (band = 0), 0) AS c0,
            coalesce(sum(w) FILTER (band = 1), 0) AS c1,
            sum(w) FILTER (band IS NOT NULL) / 2 AS half
        FROM ev GROUP BY 1),
    p AS (
        SELECT user_id, price,
            sum(s) OVER (PARTITION BY user_id ORDER BY price
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
            sum(s) OVER (PARTITION BY user_id) / 2 AS half
        FROM (SELECT user_id, price, sum(w) AS s FROM ev WHERE price IS NOT NULL GROUP BY 1, 2)),
    m AS (SELECT user_id, min(price) FILTER (cum >= half) AS median_price
        FROM p WHERE half > 0 GROUP BY 1)
    SELECT coalesce(b.user_id, m.user_id) AS user_id, m.median_price,
        CASE WHEN b.half IS NULL OR b.half <= 0 THEN NULL WHEN b.c0 >= b.half THEN 'low'
            WHEN b.c0 + b.c1 >= b.half THEN 'mid' ELSE 'high' END AS price_band
    FROM b FULL JOIN m USING (user_id)"""


def _profiles_sql(events: str, params: ProfileParams) -> str:
    """SQL building ``prof``: one row per user of the events, numbered by ``uidx``."""
    empty = "[]"
    return f"""CREATE TABLE prof AS
        WITH base AS (
            SELECT user_id, count(*) AS n_events, max(timestamp) AS last_event_at
            FROM read_parquet({lit(events)}) WHERE user_id IS NOT NULL GROUP BY 1),
        tc AS ({_shares_sql("top", "category", params.top_k_categories)}),
        lc AS ({_shares_sql("category", "category", params.top_k_categories)}),
        br AS ({_shares_sql("brand", "brand", params.top_k_brands)}),
        pr AS ({_PRICE_SQL})
        SELECT row_number() OVER (ORDER BY b.user_id) - 1 AS uidx, b.user_id, b.n_events,
            coalesce(t.n_interactions, 0) AS n_interactions, b.last_event_at,
            coalesce(tc.shares, {empty}) AS top_categories,
            coalesce(lc.shares, {empty}) AS leaf_categories,
            coalesce(br.shares, {empty}) AS brands,
            pr.median_price, pr.price_band
        FROM base b LEFT JOIN tot t USING (user_id) LEFT JOIN tc USING (user_id)
            LEFT JOIN lc USING (user_id) LEFT JOIN br USING (user_id)
            LEFT JOIN pr USING (user_id)
        ORDER BY uidx"""


def _recent_sql(n: int) -> str:
    """SQL building ``recent``: (uidx, row, w) for each user's ``n`` latest embedded items.

    Weights are divided by the user's largest one: the profile is normalised anyway, and
    this keeps old users' decayed weights from underflowing float32.
    """
    return f"""CREATE TABLE recent AS
        SELECT p.uidx, r.row, (r.w / max(r.w) OVER (PARTITION BY r.user_id))::FLOAT AS w
        FROM (
            SELECT ev.user_id, x.row, sum(ev.w) AS w, max(ev.ts) AS last
            FROM ev JOIN emb_ids x USING (item_id) GROUP BY 1, 2
            HAVING sum(ev.w) > 0
            QUALIFY row_number() OVER (PARTITION BY ev.user_id ORDER BY last DESC, x.row) <= {n}
        ) r JOIN prof p USING (user_id)
        ORDER BY p.uidx"""


def build_user_profiles(
    ws: Workspace,
    events: AssetVersion,
    products: AssetVersion,
    item_embeddings: AssetVersion | None = None,
    params: ProfileParams | None = None,
    *,
    settings: Settings | None = None,
) -> AssetVersion:
    """Build and commit ``user_profiles@N``; return its record.

    One row per user_id in ``events`` (users with only searches get empty affinities). With
    ``item_embeddings`` the table also has ``embedding`` (float32, unit L2 norm, null when
    none of the user's items has a vector) and ``embedding_items``. ``settings`` only sizes
    the DuckDB session. ``user_id`` is tagged ``pii``.
    """
    started = time.perf_counter()
    params = ProfileParams() if params is None else params
    if not isinstance(params, ProfileParams):
        raise InvalidArgument(
            f"params must be ProfileParams, got {type(params).__name__}", argument="params"
        )
    check_columns(events, EVENT_COLUMNS, "events")
    check_columns(products, PRODUCT_COLUMNS, "products")
    vectors = None if item_embeddings is None else load_item_vectors(ws, item_embeddings)
    settings = Settings() if settings is None else settings
    events_path, products_path = str(ws.data_path(events)), str(ws.data_path(products))
    schema = BASE_SCHEMA
    if vectors is not None:
        dim = vectors[1].shape[1]
        schema = schema.append(pa.field("embedding", pa.list_(pa.float32(), dim)))
        schema = schema.append(pa.field("embedding_items", pa.int32()))

    with ws.transaction(PRODUCED_BY) as txn:
        staged = txn.stage(ASSET)
        con = job_connection(settings, txn.dir)
        ref_us = reference_us(con, ws.data_path(events))
        for sql in _prepare_sql(events_path, products_path, params, ref_us or 0):
            con.execute(sql)
        con.execute(_profiles_sql(events_path, params))
        if vectors is not None:
            con.register("emb_ids", vectors[0])
            con.execute(_recent_sql(params.recent_items))
        n_users = int(one_row(con, "SELECT count(*) FROM prof")[0])
        with_vector = 0
        with pq.ParquetWriter(staged.data_path, schema, compression="zstd") as writer:
            for lo in range(0, max(n_users, 1), USERS_PER_BATCH):
                hi = min(lo + USERS_PER_BATCH, n_users)
                where = f"WHERE uidx >= {lo} AND uidx < {hi} ORDER BY uidx"
                batch = con.sql(f"SELECT * EXCLUDE (uidx) FROM prof {where}").to_arrow_table()
                if vectors is not None:
                    pairs = con.sql(f"SELECT uidx, row, w FROM recent {where}").to_arrow_table()
                    emb, counts = unit_means(
                        pairs["uidx"].to_numpy() - lo,
                        pairs["row"].to_numpy(),
                        pairs["w"].to_numpy(),
                        vectors[1],
                        hi - lo,
                    )
                    with_vector += len(emb) - emb.null_count
                    batch = batch.append_column("embedding", emb)
                    batch = batch.append_column("embedding_items", counts)
                writer.write_table(batch.cast(schema))
        (idle_users,) = one_row(con, "SELECT count(*) FILTER (n_interactions = 0) FROM prof")
        con.close()
        inputs: tuple[AssetRef, ...] = (events.ref, products.ref)
        if item_embeddings is not None:
            inputs += (item_embeddings.ref,)
        staged.describe(
            params=params.to_params(),
            inputs=inputs,
            tags={"user_id": frozenset({"pii"})},
            quality={
                "users": n_users,
                "users_without_interactions": int(idle_users),
                "users_with_embedding": with_vector,
            },
            report={
                "reference_time": iso_us(ref_us),
                "embedding_dim": None if vectors is None else int(vectors[1].shape[1]),
                "items_with_embedding": None if vectors is None else len(vectors[0]),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
    return txn.committed[0]
