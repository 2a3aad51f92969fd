"""Drift between table versions: PSI per column, verdicts, nulls, new and missing columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shopmind.quality.drift import psi, table_drift, verdict


def _write(path: Path, **columns: object) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def _by_column(result: dict[str, object]) -> dict[str, dict[str, object]]:
    cols = result["columns"]
    assert isinstance(cols, list)
    return {c["column"]: c for c in cols}


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift() -> None:
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    small, large = psi([0.5, 0.5], [0.45, 0.55]), psi([0.5, 0.5], [0.1, 0.9])
    assert 0 < small < 0.1 < 0.25 < large
    assert (verdict(small), verdict(0.2), verdict(large)) == ("stable", "moderate", "major")
    with pytest.raises(ValueError, match="same bins"):
        psi([1.0], [0.5, 0.5])


def test_same_distribution_is_stable_and_a_shift_is_major(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 4000
    colours = ["red", "blue", "green"]
    older = _write(
        tmp_path / "a.parquet",
        price=rng.normal(50, 10, n),
        colour=[colours[i % 3] for i in range(n)],
        item_id=[f"i{i}" for i in range(n)],
        gone=np.zeros(n),
    )
    newer = _write(
        tmp_path / "b.parquet",
        price=rng.normal(80, 10, n),  # prices moved up
        colour=[colours[i % 3] for i in range(n)],  # unchanged
        item_id=[f"j{i}" for i in range(n)],  # new ids: expected, not drift
        fresh=np.ones(n),
    )
    result = table_drift(older, newer)
    cols = _by_column(result)
    assert result["rows"] == [n, n]
    assert cols["price"]["verdict"] == "major" and cols["price"]["kind"] == "numeric"
    assert cols["colour"]["verdict"] == "stable" and cols["colour"]["psi"] < 0.01
    assert cols["item_id"]["kind"] == "identifier" and cols["item_id"]["psi"] is None
    assert result["worst"] == "price"
    assert result["added"] == ["fresh"] and result["removed"] == ["gone"]


def test_nulls_and_new_values_count_as_drift(tmp_path: Path) -> None:
    n = 1000
    older = _write(tmp_path / "a.parquet", brand=["acme" if i % 2 else "zeta" for i in range(n)])
    newer = _write(
        tmp_path / "b.parquet",
        brand=[None if i % 3 == 0 else "nova" if i % 2 else "zeta" for i in range(n)],
    )
    brand = _by_column(table_drift(older, newer))["brand"]
    assert brand["null_share"] == [0.0, pytest.approx(0.334, abs=1e-3)]
    assert brand["verdict"] == "major"
    labels = [b["bin"] for b in brand["bins"]]
    assert labels[-2:] == ["(other)", "(null)"]  # the unseen "nova" lands in other
