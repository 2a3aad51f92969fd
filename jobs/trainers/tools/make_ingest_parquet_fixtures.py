"""Writes the tiny Parquet fixtures of the TypeScript ingest tests (tests/ingest/readers.test.ts)
into tests/ingest/fixtures/ (run once; outputs are committed). It lives with the Python tools
because pyarrow is what can write a non-UTF-8 string column on purpose.

events.parquet: 5 events in two row groups (snappy): string ids, a timestamp column, float and
int64 columns, nulls, and one user_id whose bytes are not UTF-8.
products.zstd.parquet: 3 products (zstd), attributes as a struct column.
"""

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parents[3] / "tests" / "ingest" / "fixtures"


def strings(values):
    # Built from raw buffers so that invalid UTF-8 is written as is (pa.array would refuse it).
    data = b"".join(v for v in values)
    offsets = [0]
    for v in values:
        offsets.append(offsets[-1] + len(v))
    return pa.Array.from_buffers(
        pa.string(),
        len(values),
        [None, pa.py_buffer(pa.array(offsets, pa.int32()).buffers()[1]), pa.py_buffer(data)],
    )


ts = [datetime(2026, 1, 1, 10, i, tzinfo=UTC) for i in range(5)]
events = pa.table(
    {
        "user": strings([b"u1", b"u2", b"u\xff3", b"u4", b"u5"]),
        "product_id": ["p1", "p2", "p1", None, "p2"],
        "event_type": ["view", "purchase", "view", "search", "click"],
        "ts": pa.array(ts, pa.timestamp("ms", tz="UTC")),
        "q": [None, None, None, "red shoes", None],
        "price": [None, 12.5, None, None, None],
        "quantity": pa.array([None, 2, None, None, None], pa.int64()),
    }
)
pq.write_table(events, OUT / "events.parquet", row_group_size=3, compression="snappy")

products = pa.table(
    {
        "sku": ["p1", "p2", "p3"],
        "name": ["Red shoe", "Blue mug", "台灯"],
        "price": [19.99, 4.5, 30.0],
        "stock": pa.array([3, 0, 7], pa.int32()),
        "attributes": pa.array(
            [
                {"color": "red", "size": "42"},
                {"color": "blue", "size": None},
                {"color": None, "size": None},
            ],
            pa.struct([("color", pa.string()), ("size", pa.string())]),
        ),
    }
)
pq.write_table(products, OUT / "products.zstd.parquet", compression="zstd")
