"""Vectors in Arrow tables: ``fixed_size_list<float32>[d]`` columns <-> (n, d) numpy arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa


def vectors_column(matrix: npt.NDArray[np.float32]) -> pa.FixedSizeListArray:
    """(n, d) float32 -> Arrow fixed_size_list<float32>[d]."""
    flat = pa.array(np.ascontiguousarray(matrix, dtype=np.float32).reshape(-1))
    return pa.FixedSizeListArray.from_arrays(flat, matrix.shape[1])


def vectors_matrix(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.float32]:
    """Arrow fixed_size_list<float32>[d] -> (n, d) float32."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    d = arr.type.list_size
    return arr.flatten().to_numpy(zero_copy_only=False).reshape(-1, d).astype(np.float32)
