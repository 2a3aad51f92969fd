"""Profile embeddings: per-user weighted means of item vectors, in bounded-memory numpy chunks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopmind.errors import InvalidArgument
from shopmind.workspace import AssetVersion, Workspace

# Rows of (user, item) pairs gathered at once: 65,536 x 768 float32 is 200 MiB at most,
# whatever the number of users or events.
PAIR_CHUNK = 65_536


def load_item_vectors(ws: Workspace, version: AssetVersion) -> tuple[pa.Table, np.ndarray]:
    """The asset's ids as a table (``item_id``, ``row``) and its vectors as float32 [n, dim].

    Rows with a null vector are dropped (the item then has no embedding). Raises
    InvalidArgument naming ``item_embeddings`` when the columns are missing or of the wrong
    type, or an item_id repeats (which vector to use would be a guess).
    """
    if not isinstance(version, AssetVersion):
        raise InvalidArgument(
            f"item_embeddings must be an AssetVersion or None, got {type(version).__name__}",
            argument="item_embeddings",
        )
    have = dict(version.columns)
    if "item_id" not in have or "vector" not in have:
        raise InvalidArgument(
            f"item_embeddings ({version.ref}) needs columns item_id and vector; "
            f"it has {', '.join(sorted(have))}",
            argument="item_embeddings",
        )
    table = ws.read_table(version, columns=["item_id", "vector"])
    vtype = table.schema.field("vector").type
    if not pa.types.is_fixed_size_list(vtype) or not pa.types.is_floating(vtype.value_type):
        raise InvalidArgument(
            f"item_embeddings ({version.ref}): vector must be fixed_size_list<float>, got {vtype}",
            argument="item_embeddings",
        )
    table = table.filter(pc.is_valid(table["vector"]))
    ids = table["item_id"].combine_chunks()
    if pc.count_distinct(ids).as_py() != len(ids):
        raise InvalidArgument(
            f"item_embeddings ({version.ref}): item_id values repeat", argument="item_embeddings"
        )
    dim = vtype.list_size
    vectors = table["vector"].combine_chunks().cast(pa.list_(pa.float32(), dim))
    # flatten() honours the array's offset, unlike .values; nulls were filtered above.
    matrix = vectors.flatten().to_numpy(zero_copy_only=False).reshape(-1, dim)
    index = pa.table({"item_id": ids, "row": pa.array(np.arange(len(ids), dtype=np.int64))})
    return index, np.ascontiguousarray(matrix, dtype=np.float32)


def unit_means(
    users: np.ndarray,
    rows: np.ndarray,
    weights: np.ndarray,
    matrix: np.ndarray,
    n_users: int,
) -> tuple[pa.FixedSizeListArray, pa.Int32Array]:
    """L2-normalised weighted sums of ``matrix`` rows, one per user.

    ``users`` (0..n_users-1, sorted ascending), ``rows`` (into ``matrix``) and ``weights``
    describe (user, item, weight) triples. The result holds ``n_users`` vectors (null for a
    user with no triple or a zero sum) and the number of items behind each. A weighted mean
    and a weighted sum differ by a positive factor, which normalisation removes.
    """
    dim = matrix.shape[1]
    sums = np.zeros((n_users, dim), dtype=np.float32)
    for lo in range(0, len(users), PAIR_CHUNK):
        seg = users[lo : lo + PAIR_CHUNK]
        starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        part = matrix[rows[lo : lo + PAIR_CHUNK]]
        part *= weights[lo : lo + PAIR_CHUNK, None].astype(np.float32)
        # Within one chunk each user is one contiguous run, so seg[starts] has no repeats
        # and the fancy-indexed += is exact; a user split across chunks is summed twice.
        sums[seg[starts]] += np.add.reduceat(part, starts, axis=0)
    norms = np.linalg.norm(sums, axis=1)
    valid = norms > 0
    sums[valid] /= norms[valid, None]
    counts = np.bincount(users, minlength=n_users).astype(np.int32)
    vectors = pa.FixedSizeListArray.from_arrays(
        pa.array(sums.ravel(), type=pa.float32()), dim, mask=pa.array(~valid)
    )
    return vectors, pa.array(counts, type=pa.int32())
