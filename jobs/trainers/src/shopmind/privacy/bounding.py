"""Contribution bounding: keep at most ``k`` distinct keys per user.

A count of distinct users per key (item, category) changes by at most 1 per key when one user
is added or removed, but a user can touch many keys; capping each user at ``k`` distinct keys
caps the L1 sensitivity of the whole vector of counts at ``k``. Which keys a heavy user keeps
is drawn at random from that user's own keys, so the choice depends on no one else's data and
the cap holds for every neighbouring dataset.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from shopmind.errors import InvalidArgument
from shopmind.privacy._checks import check_positive_int, check_rng

Column: TypeAlias = pa.Array | pa.ChunkedArray


def bound_contributions(
    users: Column, keys: Column, max_per_user: int, rng: np.random.Generator
) -> pa.Table:
    """Distinct (user, key) pairs, at most ``max_per_user`` per user.

    ``users`` and ``keys`` are equally long columns (one row per event); rows where either is
    null are dropped. Returns a table with columns ``user_id`` and ``key`` (string), sorted by
    user then key, where each user keeps all of their distinct keys if they have at most
    ``max_per_user``, else a uniformly random ``max_per_user`` of them drawn from ``rng``
    (the same seed gives the same choice).
    """
    k = check_positive_int(max_per_user, "max_per_user")
    gen = check_rng(rng)
    if len(users) != len(keys):
        raise InvalidArgument(
            f"users and keys must be equally long, got {len(users)} and {len(keys)}",
            argument="keys",
        )
    table = pa.table({"user_id": pc.cast(users, pa.string()), "key": pc.cast(keys, pa.string())})
    table = table.filter(pc.and_(pc.is_valid(table["user_id"]), pc.is_valid(table["key"])))
    # single-threaded and sorted, so a given seed always meets the pairs in the same order
    pairs = table.group_by(["user_id", "key"], use_threads=False).aggregate([])
    pairs = pairs.select(["user_id", "key"]).sort_by(
        [("user_id", "ascending"), ("key", "ascending")]
    )
    n = pairs.num_rows
    if n == 0:
        return pairs
    codes = pairs["user_id"].combine_chunks().dictionary_encode().indices.to_numpy()
    order = np.lexsort((gen.random(n), codes))
    grouped = codes[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    keep = np.sort(order[rank < k])
    return pairs.take(pa.array(keep))


def count_per_key(keys: Column, domain: pa.Array) -> NDArray[np.int64]:
    """How often each value of ``domain`` occurs in ``keys`` (int64, aligned with ``domain``).

    Keys outside the domain are not counted.
    """
    positions = pc.index_in(pc.cast(keys, pa.string()), value_set=domain).drop_null()
    found = np.asarray(positions.to_numpy(), dtype=np.int64)
    return np.bincount(found, minlength=len(domain)).astype(np.int64)
