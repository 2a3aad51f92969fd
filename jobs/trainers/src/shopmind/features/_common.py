"""What the feature jobs share: event weights and time decay, input checks, the DuckDB session.

Both jobs score an interaction the same way::

    weight(event) = type_weight[event_type] * 0.5 ** (age_days / half_life_days)
    age_days      = (reference_time - event.timestamp) in days

``reference_time`` is the newest event timestamp in the events version, never the wall clock,
so the same inputs and parameters always give the same asset.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

# The event types that name an item; ``search`` events have none and carry no item signal.
from shopmind.contracts.tables import ITEM_EVENT_TYPES
from shopmind.errors import InvalidArgument
from shopmind.workspace.engine import lit

US_PER_DAY = 86_400_000_000
EVENT_COLUMNS = ("user_id", "item_id", "event_type", "timestamp", "price", "quantity")
PRODUCT_COLUMNS = ("item_id", "category", "brand", "price", "currency")


def check_number(name: str, value: object, low: float, inclusive: bool) -> None:
    # bool is an int subclass; True as a weight is always a caller's mistake.
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok and math.isfinite(float(value)):  # type: ignore[arg-type]
        v = float(value)  # type: ignore[arg-type]
        if v > low or (inclusive and v == low):
            return
    bound = f">= {low:g}" if inclusive else f"> {low:g}"
    raise InvalidArgument(f"{name} must be a finite number {bound}, got {value!r}", argument=name)


def check_int(name: str, value: object, low: int) -> None:
    """Raise InvalidArgument naming ``name`` unless ``value`` is an int >= ``low``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InvalidArgument(f"{name} must be an integer >= {low}, got {value!r}", argument=name)


@dataclass(frozen=True)
class InteractionParams:
    """Event-type weights (unitless) and the decay half-life (days) shared by both jobs.

    Defaults rank intent: a purchase (5) says more than a cart add (3), a click (2) or a view
    (1). A weight of 0 ignores that event type; at least one weight must be positive.
    """

    weight_view: float = 1.0
    weight_click: float = 2.0
    weight_add_to_cart: float = 3.0
    weight_purchase: float = 5.0
    half_life_days: float = 14.0

    def __post_init__(self) -> None:
        for event_type in ITEM_EVENT_TYPES:
            name = f"weight_{event_type}"
            check_number(name, getattr(self, name), 0.0, inclusive=True)
        if not any(w > 0 for w in self.weights().values()):
            raise InvalidArgument(
                "at least one of weight_view, weight_click, weight_add_to_cart and "
                "weight_purchase must be > 0, got all zero",
                argument="weight_view",
            )
        check_number("half_life_days", self.half_life_days, 0.0, inclusive=False)

    def weights(self) -> dict[str, float]:
        """Event type -> weight."""
        return {t: float(getattr(self, f"weight_{t}")) for t in ITEM_EVENT_TYPES}

    def to_params(self) -> dict[str, Any]:
        """The JSON-ready form recorded in an asset version's ``params``."""
        return asdict(self)

    # ---- SQL fragments -------------------------------------------------------------------
    def weight_sql(self, event_type: str = "event_type") -> str:
        """SQL: the type weight of the row's event (0 for types without a weight)."""
        cases = " ".join(f"WHEN {lit(t)} THEN {w!r}" for t, w in self.weights().items())
        return f"(CASE {event_type} {cases} ELSE 0.0 END)"

    def decay_sql(self, reference_us: int, ts: str = "timestamp") -> str:
        """SQL: ``0.5 ** (age / half_life)``, age measured back from ``reference_us``."""
        span = float(self.half_life_days) * US_PER_DAY
        return f"pow(0.5, ({reference_us} - epoch_us({ts})) / {span!r})"


def one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The single row of an aggregate query.

    ``fetchall`` rather than ``fetchone``: DuckDB refuses further work on a connection while
    a result is only partly fetched.
    """
    rows = con.execute(sql).fetchall()
    if len(rows) != 1:
        raise AssertionError(f"expected one row, got {len(rows)}: {sql}")
    return tuple(rows[0])


def reference_us(con: duckdb.DuckDBPyConnection, events_path: Path) -> int | None:
    """Newest event timestamp in the file (UTC microseconds); None when it has no events."""
    (newest,) = one_row(
        con, f"SELECT epoch_us(max(timestamp)) FROM read_parquet({lit(str(events_path))})"
    )
    return None if newest is None else int(newest)


def iso_us(us: int | None) -> str | None:
    """UTC microseconds as an ISO 8601 string (for reports)."""
    if us is None:
        return None
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).isoformat()
