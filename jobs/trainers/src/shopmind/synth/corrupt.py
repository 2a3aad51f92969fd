"""Malformed rows planted on purpose, so ingest's quarantine can be tested against a count.

Each planted row carries exactly one defect. Which rows and which defect are drawn from a
stream keyed by file and chunk, so the same config plants the same rows every time. Typed
Parquet columns cannot hold "abc" as a price or an unparseable timestamp, and only CSV can
have a wrong column count, so each format gets the defects it can express.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopmind.synth.rng import stream

NEGATIVE_PRICE = "negative_price"
UNPARSEABLE_PRICE = "unparseable_price"
FUTURE_TIMESTAMP = "future_timestamp"
UNPARSEABLE_TIMESTAMP = "unparseable_timestamp"
UNKNOWN_EVENT_TYPE = "unknown_event_type"
EMPTY_ITEM_ID = "empty_item_id"
WRONG_COLUMN_COUNT = "wrong_column_count"

_KINDS = {
    "products": (NEGATIVE_PRICE, UNPARSEABLE_PRICE, EMPTY_ITEM_ID, WRONG_COLUMN_COUNT),
    "events": (
        NEGATIVE_PRICE,
        UNPARSEABLE_PRICE,
        FUTURE_TIMESTAMP,
        UNPARSEABLE_TIMESTAMP,
        UNKNOWN_EVENT_TYPE,
        EMPTY_ITEM_ID,
        WRONG_COLUMN_COUNT,
    ),
}
_TEXT_ONLY = frozenset({UNPARSEABLE_PRICE, UNPARSEABLE_TIMESTAMP, WRONG_COLUMN_COUNT})
# Defects that need an item row (a search event has no item id or price to spoil).
_NEEDS_ITEM = frozenset({NEGATIVE_PRICE, UNPARSEABLE_PRICE, EMPTY_ITEM_ID})
BAD_TIMESTAMPS = ("2026-13-45T25:61:00Z", "yesterday")
UNKNOWN_TYPE = "teleport"
FAR_FUTURE_YEAR = 2999


def kinds_for(kind: str, fmt: str) -> tuple[str, ...]:
    """The defects planted in a ``kind`` ("products"/"events") file written as ``fmt``."""
    allowed = _KINDS[kind]
    if fmt == "parquet":
        return tuple(k for k in allowed if k not in _TEXT_ONLY)
    if fmt == "jsonl":
        return tuple(k for k in allowed if k != WRONG_COLUMN_COUNT)
    return allowed


@dataclass
class Tally:
    """What was planted in one file: counts and 1-based data row numbers per defect."""

    rows_written: int = 0
    rows: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready manifest entry."""
        rows = {k: [int(x) for part in v for x in part] for k, v in sorted(self.rows.items())}
        counts = {k: len(v) for k, v in rows.items()}
        return {
            "rows_written": self.rows_written,
            "malformed": sum(counts.values()),
            "counts": counts,
            "rows": rows,
        }


class Corruptor:
    """Plans and applies defects to successive chunks of one file."""

    def __init__(self, seed: int, kind: str, fmt: str, fraction: float) -> None:
        self.kinds = kinds_for(kind, fmt)
        self.text = fmt != "parquet"
        self.fraction = fraction
        self.tally = Tally(rows={k: [] for k in self.kinds} if fraction > 0 else {})
        self._seed, self._kind = seed, kind
        self._chunk = 0

    def plan(self, table: pa.Table) -> dict[str, np.ndarray]:
        """Row indices (within ``table``) to spoil with each defect; records them in the tally."""
        n = table.num_rows
        first_row = self.tally.rows_written
        self.tally.rows_written += n
        rng = stream(self._seed, f"corrupt.{self._kind}", self._chunk)
        self._chunk += 1
        if self.fraction <= 0 or n == 0:
            return {}
        rows = np.flatnonzero(rng.random(n) < self.fraction)
        kind = rng.integers(0, len(self.kinds), size=len(rows))
        if "item_id" in table.column_names and self._kind == "events":
            no_item = table["item_id"].is_null().to_numpy(zero_copy_only=False)[rows]
            safe = [i for i, k in enumerate(self.kinds) if k not in _NEEDS_ITEM]
            # Re-roll search rows onto a defect they can show.
            kind = np.where(no_item, np.array(safe)[kind % len(safe)], kind)
        out = {k: rows[kind == i] for i, k in enumerate(self.kinds)}
        for k, r in out.items():
            self.tally.rows[k].append(first_row + r + 1)
        return out

    def apply(self, table: pa.Table, plan: dict[str, np.ndarray]) -> pa.Table:
        """``table`` (all-string when writing text, typed for Parquet) with the plan's defects."""
        for kind, rows in plan.items():
            if len(rows) == 0 or kind == WRONG_COLUMN_COUNT:
                continue  # column counts are spoiled by the CSV renderer
            column, values = self._spoil(kind, table, rows)
            mask = np.zeros(table.num_rows, dtype=bool)
            mask[rows] = True
            col = table[column].combine_chunks()
            new = pc.replace_with_mask(col, pa.array(mask), values.cast(col.type))
            table = table.set_column(table.schema.get_field_index(column), column, new)
        return table

    def _spoil(self, kind: str, table: pa.Table, rows: np.ndarray) -> tuple[str, pa.Array]:
        n = len(rows)
        if kind == NEGATIVE_PRICE:
            price = table["price"].combine_chunks().take(pa.array(rows))
            if self.text:
                return "price", pc.binary_join_element_wise("-", price, "")
            return "price", pc.negate(pc.abs(price))
        if kind == UNPARSEABLE_PRICE:
            return "price", pa.array(["abc"] * n)
        if kind == EMPTY_ITEM_ID:
            return "item_id", pa.array([""] * n)
        if kind == UNKNOWN_EVENT_TYPE:
            return "event_type", pa.array([UNKNOWN_TYPE] * n)
        if kind == UNPARSEABLE_TIMESTAMP:
            return "timestamp", pa.array([BAD_TIMESTAMPS[i % 2] for i in range(n)])
        if kind == FUTURE_TIMESTAMP:
            ts = table["timestamp"].combine_chunks().take(pa.array(rows))
            if self.text:
                # 2999 is no leap year: Feb 29 would make the date invalid, not just late.
                rest = pc.replace_substring(pc.utf8_slice_codeunits(ts, 4), "-02-29", "-02-28")
                return "timestamp", pc.binary_join_element_wise(str(FAR_FUTURE_YEAR), rest, "")
            us = ts.cast(pa.int64()).to_numpy(zero_copy_only=False).astype("datetime64[us]")
            into_year = us - us.astype("datetime64[Y]")
            moved = np.datetime64(f"{FAR_FUTURE_YEAR}-01-01", "us") + into_year
            return "timestamp", pa.array(moved.astype(np.int64), ts.type)
        raise ValueError(f"unknown defect {kind!r}")
