"""Helpers for the feature tests: the session shop's record, fake embeddings, hand-made tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from shopmind.config import Settings
from shopmind.contracts import contract_for
from shopmind.synth import GroundTruth
from shopmind.workspace import AssetVersion, Workspace

REF = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # the newest event of every hand-made log


@dataclass
class Shop:
    """The ingested tiny shop and the feature versions built from it with default params."""

    ws: Workspace
    settings: Settings
    events: AssetVersion
    products: AssetVersion
    truth: GroundTruth
    item_stats: AssetVersion
    embeddings: AssetVersion
    profiles: AssetVersion

    def rows(self, version: AssetVersion) -> list[dict[str, Any]]:
        return self.ws.read_table(version).to_pylist()


def one_hot_embeddings(ws: Workspace, products: AssetVersion) -> AssetVersion:
    """A fake item_embeddings asset: item i is the i-th unit vector (so profiles show items)."""
    ids = ws.read_table(products, columns=["item_id"])["item_id"]
    eye = np.eye(len(ids), dtype=np.float32)
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(eye.ravel()), len(ids))
    table = pa.table({"item_id": ids, "vector": vectors, "model_id": ["one-hot"] * len(ids)})
    return ws.write_table("item_embeddings", table, "test")


def ts_us(value: datetime) -> int:
    """A timestamp as UTC microseconds since the epoch."""
    return (value - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def write_products(ws: Workspace, rows: list[dict[str, Any]]) -> AssetVersion:
    """Commit hand-made products (missing fields are null) with the contract's schema."""
    schema = contract_for("products").arrow_schema()
    return ws.write_table("products", pa.Table.from_pylist(rows, schema=schema), "test")


def write_events(ws: Workspace, rows: list[dict[str, Any]]) -> AssetVersion:
    """Commit hand-made events; ``days_ago`` (float) sets ``timestamp`` back from REF."""
    schema = contract_for("events").arrow_schema()
    full = [
        {
            "quantity": 1,
            **{k: v for k, v in r.items() if k != "days_ago"},
            "timestamp": REF - timedelta(days=r["days_ago"]),
        }
        for r in rows
    ]
    return ws.write_table("events", pa.Table.from_pylist(full, schema=schema), "test")
