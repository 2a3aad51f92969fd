"""Differentially private aggregates of user events, safe to share outside the data team.

Two releases, both counts of *distinct users* (not events) with epsilon-DP by the Laplace
mechanism:

* :func:`dp_item_popularity`: users per item, over a public list of item ids (the catalog);
* :func:`dp_category_counts`: users per top-level category (``"Home > Kitchen"`` -> ``"Home"``).

Each user first keeps at most ``k`` distinct keys (:mod:`shopmind.privacy.bounding`), so adding
or removing one user moves the vector of counts by at most ``k`` in L1 norm; Laplace noise of
scale ``k / epsilon`` per key then gives epsilon-DP. Rounding and clipping at 0 are
post-processing and cost no privacy.

The keys released come from the product catalog, never from the events: a key that only the
events name (an item bought by one user) would reveal that someone used it, noise or not. Every
catalog key is released, including those with no users.

:func:`export_item_popularity` and :func:`export_category_counts` run a release against a
workspace: they spend the budget of the events asset (:mod:`shopmind.privacy.budget`) *before*
computing, so a refused spend releases nothing, and write the result as a new asset version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopmind.contracts.tables import EVENT_TYPES
from shopmind.errors import InvalidArgument
from shopmind.privacy._checks import check_epsilon, check_positive_int, check_rng, check_text
from shopmind.privacy.bounding import Column, bound_contributions, count_per_key
from shopmind.privacy.budget import PrivacyBudget
from shopmind.privacy.dp import laplace_noise
from shopmind.workspace import Workspace
from shopmind.workspace.refs import check_columns

PRODUCED_BY = "privacy.dp_export"
MECHANISM = "laplace"
DEFAULT_MAX_ITEMS_PER_USER = 10
DEFAULT_MAX_CATEGORIES_PER_USER = 3


# ---- pure releases (tables in, table out) --------------------------------------------------
def top_level_category(paths: Column) -> pa.Array:
    """The first level of each ``>``-separated category path, trimmed; null when empty."""
    first = pc.list_element(pc.split_pattern(pc.cast(paths, pa.string()), ">", max_splits=1), 0)
    first = pc.utf8_trim_whitespace(first)
    first = pc.if_else(pc.equal(first, ""), pa.scalar(None, pa.string()), first)
    return first.combine_chunks() if isinstance(first, pa.ChunkedArray) else first


def dp_item_popularity(
    events: pa.Table,
    epsilon: float,
    *,
    items: Sequence[str] | Column,
    max_items_per_user: int = DEFAULT_MAX_ITEMS_PER_USER,
    event_types: Sequence[str] | None = None,
    rng: np.random.Generator,
) -> pa.Table:
    """Noisy count of distinct users per item; epsilon-DP with respect to adding or removing a user.

    ``events`` needs ``user_id`` and ``item_id`` (and ``event_type`` when ``event_types``
    picks some). ``items`` is the public list of item ids to release (the catalog); events of
    other items are ignored. Each user counts for at most ``max_items_per_user`` distinct items,
    the L1 sensitivity, so the Laplace scale is ``max_items_per_user / epsilon`` users.
    Returns ``item_id`` (string, sorted, one row per distinct id of ``items``) and
    ``noisy_count`` (int64 >= 0, users). ``rng`` is the only source of randomness.
    """
    eps = check_epsilon(epsilon)
    k = check_positive_int(max_items_per_user, "max_items_per_user")
    gen = check_rng(rng)
    domain = _domain(items, "items")
    users, keys = _event_columns(events, event_types)
    counts = _noisy_counts(users, keys, domain, eps, k, gen)
    return pa.table({"item_id": domain, "noisy_count": counts})


def dp_category_counts(
    events: pa.Table,
    products: pa.Table,
    epsilon: float,
    *,
    max_categories_per_user: int = DEFAULT_MAX_CATEGORIES_PER_USER,
    event_types: Sequence[str] | None = None,
    rng: np.random.Generator,
) -> pa.Table:
    """Noisy count of distinct users per top-level category; epsilon-DP per user.

    ``products`` (``item_id``, ``category``) maps each event's item to the first level of its
    category path; the categories released are every top level the catalog has. Each user
    counts for at most ``max_categories_per_user`` categories (the L1 sensitivity; Laplace
    scale ``max_categories_per_user / epsilon`` users). Returns ``category`` (string, sorted)
    and ``noisy_count`` (int64 >= 0, users).
    """
    eps = check_epsilon(epsilon)
    k = check_positive_int(max_categories_per_user, "max_categories_per_user")
    gen = check_rng(rng)
    _require(products, ("item_id", "category"), "products")
    catalog_items = pc.cast(products["item_id"], pa.string())
    catalog_tops = top_level_category(products["category"])
    domain = _domain(catalog_tops, "products")
    users, event_items = _event_columns(events, event_types)
    row = pc.index_in(event_items, value_set=catalog_items.combine_chunks())
    keys = pc.take(catalog_tops, row)
    counts = _noisy_counts(users, keys, domain, eps, k, gen)
    return pa.table({"category": domain, "noisy_count": counts})


def _noisy_counts(
    users: Column, keys: Column, domain: pa.Array, epsilon: float, k: int, rng: np.random.Generator
) -> pa.Array:
    # drop keys outside the domain before bounding, or a heavy user's cap could be used up by
    # keys that are never released
    inside = pc.fill_null(pc.is_in(keys, value_set=domain), False)
    pairs = bound_contributions(pc.filter(users, inside), pc.filter(keys, inside), k, rng)
    exact = count_per_key(pairs["key"], domain)
    noisy = exact + laplace_noise(len(domain), sensitivity=k, epsilon=epsilon, rng=rng)
    return pa.array(np.clip(np.rint(noisy), 0, None).astype(np.int64))


def _require(table: object, columns: Sequence[str], argument: str) -> None:
    if not isinstance(table, pa.Table):
        raise InvalidArgument(
            f"{argument} must be a pyarrow.Table, got {type(table).__name__}", argument=argument
        )
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise InvalidArgument(
            f"{argument} lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(table.column_names) or 'none'}",
            argument=argument,
        )


def _check_event_types(event_types: Sequence[str] | None) -> list[str] | None:
    if event_types is None:
        return None
    chosen = [event_types] if isinstance(event_types, str) else list(event_types)
    unknown = [t for t in chosen if t not in EVENT_TYPES]
    if not chosen or unknown:
        raise InvalidArgument(
            f"event_types must be a non-empty list of {', '.join(EVENT_TYPES)}, "
            f"got {event_types!r}",
            argument="event_types",
        )
    return chosen


def _event_columns(events: pa.Table, event_types: Sequence[str] | None) -> tuple[Column, Column]:
    chosen = _check_event_types(event_types)
    _require(events, ("user_id", "item_id", *(["event_type"] if chosen else [])), "events")
    if chosen:
        events = events.filter(
            pc.is_in(pc.cast(events["event_type"], pa.string()), pa.array(chosen))
        )
    return pc.cast(events["user_id"], pa.string()), pc.cast(events["item_id"], pa.string())


def _domain(values: Sequence[str] | Column, argument: str) -> pa.Array:
    if isinstance(values, str):
        raise InvalidArgument(
            f"{argument} must be a list of ids, not one string", argument=argument
        )
    try:
        arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
        arr = pc.cast(arr, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
        raise InvalidArgument(
            f"{argument} must be a list of ids: {exc}", argument=argument
        ) from exc
    unique = pc.unique(arr.drop_null())
    unique = unique.combine_chunks() if isinstance(unique, pa.ChunkedArray) else unique
    return pc.take(unique, pc.sort_indices(unique))


# ---- exports into a workspace --------------------------------------------------------------
def export_item_popularity(
    ws: Workspace,
    epsilon: float,
    *,
    total_epsilon: float,
    total_delta: float = 0.0,
    who: str,
    purpose: str | None = None,
    max_items_per_user: int = DEFAULT_MAX_ITEMS_PER_USER,
    event_types: Sequence[str] | None = None,
    events: str = "events",
    products: str = "products",
    output: str = "dp_item_popularity",
    rng: np.random.Generator | None = None,
) -> dict[str, Any]:
    """Release :func:`dp_item_popularity` of the newest ``events`` as a new ``output`` version.

    Spends ``epsilon`` (delta 0) from the budget of dataset ``events`` (totals
    ``total_epsilon``/``total_delta``, the caller's policy) before computing; raises
    BudgetExhausted and writes nothing when it is spent. The items released are the newest
    ``products`` catalog. ``rng`` None draws fresh OS entropy, the right choice outside tests.
    Returns a report: ``asset``, ``dataset``, ``epsilon``, ``delta``, ``mechanism``,
    ``remaining_epsilon``, ``remaining_delta``.
    """
    k = check_positive_int(max_items_per_user, "max_items_per_user")

    def compute(ev: pa.Table, pr: pa.Table, gen: np.random.Generator) -> pa.Table:
        return dp_item_popularity(
            ev, epsilon, items=pr["item_id"], max_items_per_user=k, event_types=event_types, rng=gen
        )

    return _export(
        ws,
        epsilon,
        compute=compute,
        bound=("max_items_per_user", k),
        product_columns=("item_id",),
        total_epsilon=total_epsilon,
        total_delta=total_delta,
        who=who,
        purpose=purpose,
        event_types=event_types,
        events=events,
        products=products,
        output=output,
        rng=rng,
    )


def export_category_counts(
    ws: Workspace,
    epsilon: float,
    *,
    total_epsilon: float,
    total_delta: float = 0.0,
    who: str,
    purpose: str | None = None,
    max_categories_per_user: int = DEFAULT_MAX_CATEGORIES_PER_USER,
    event_types: Sequence[str] | None = None,
    events: str = "events",
    products: str = "products",
    output: str = "dp_category_counts",
    rng: np.random.Generator | None = None,
) -> dict[str, Any]:
    """Release :func:`dp_category_counts` of the newest ``events`` and ``products``.

    Same budget, refusal and report as :func:`export_item_popularity`.
    """
    k = check_positive_int(max_categories_per_user, "max_categories_per_user")

    def compute(ev: pa.Table, pr: pa.Table, gen: np.random.Generator) -> pa.Table:
        return dp_category_counts(
            ev, pr, epsilon, max_categories_per_user=k, event_types=event_types, rng=gen
        )

    return _export(
        ws,
        epsilon,
        compute=compute,
        bound=("max_categories_per_user", k),
        product_columns=("item_id", "category"),
        total_epsilon=total_epsilon,
        total_delta=total_delta,
        who=who,
        purpose=purpose,
        event_types=event_types,
        events=events,
        products=products,
        output=output,
        rng=rng,
    )


def _export(
    ws: Workspace,
    epsilon: float,
    *,
    compute: Callable[[pa.Table, pa.Table, np.random.Generator], pa.Table],
    bound: tuple[str, int],
    product_columns: Sequence[str],
    total_epsilon: float,
    total_delta: float,
    who: str,
    purpose: str | None,
    event_types: Sequence[str] | None,
    events: str,
    products: str,
    output: str,
    rng: np.random.Generator | None,
) -> dict[str, Any]:
    # Everything that can fail on the caller's input is checked before the spend, so a typo
    # does not burn budget; only a crash after the spend can, and that errs on the safe side.
    eps = check_epsilon(epsilon)
    check_text(who, "who")
    chosen = _check_event_types(event_types)
    # OS entropy unless a test pins it: a seed anyone can read would let them undo the noise
    gen = np.random.default_rng() if rng is None else check_rng(rng)
    budget = PrivacyBudget(ws.root, total_epsilon, total_delta)
    ev_version, pr_version = ws.get(events), ws.get(products)
    ev_columns = ["user_id", "item_id", *(["event_type"] if chosen else [])]
    check_columns(ev_version, tuple(ev_columns), "events")
    ev_table = ws.read_table(ev_version, columns=list(ev_columns))
    check_columns(pr_version, tuple(product_columns), "products")
    pr_table = ws.read_table(pr_version, columns=list(product_columns))
    spend = budget.spend(
        events,
        eps,
        0.0,
        purpose or f"{output} from {ev_version.ref} and {pr_version.ref}",
        who,
    )
    released = compute(ev_table, pr_table, gen)
    name, k = bound
    version = ws.write_table(
        output,
        released,
        PRODUCED_BY,
        params={
            "epsilon": eps,
            "delta": 0.0,
            "mechanism": MECHANISM,
            name: k,
            "sensitivity": k,
            "event_types": chosen,
            "budget_dataset": events,
        },
        inputs=(ev_version.ref, pr_version.ref),
        report={"spend": spend.to_dict()},
    )
    left_eps, left_dlt = budget.remaining(events)
    return {
        "asset": str(version.ref),
        "dataset": events,
        "epsilon": eps,
        "delta": 0.0,
        "mechanism": MECHANISM,
        name: k,
        "remaining_epsilon": left_eps,
        "remaining_delta": left_dlt,
    }
