"""The knobs of a synthetic shop, validated once so every generator can trust them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shopmind.errors import InvalidArgument


@dataclass(frozen=True)
class SynthConfig:
    """Size, seed and shape of a synthetic shop.

    ``start`` is an ISO date (UTC midnight); events fall in ``[start, start + days)``.
    ``zh_fraction`` of products (and of users) are Chinese-language. ``malformed_fraction``
    of the rows written to the products and events files are corrupted on purpose.
    """

    seed: int = 0
    n_items: int = 500
    n_users: int = 200
    n_events: int = 10_000
    n_queries: int = 100
    start: str = "2026-01-01"
    days: int = 90
    zh_fraction: float = 0.15
    malformed_fraction: float = 0.0

    def __post_init__(self) -> None:
        _int_at_least("seed", self.seed, 0)
        _int_at_least("n_items", self.n_items, 10)
        _int_at_least("n_users", self.n_users, 1)
        _int_at_least("n_events", self.n_events, 1)
        _int_at_least("n_queries", self.n_queries, 0)
        _int_at_least("days", self.days, 1)
        _fraction("zh_fraction", self.zh_fraction, upper=1.0)
        # Half the rows broken would no longer be a shop's data with some noise in it.
        _fraction("malformed_fraction", self.malformed_fraction, upper=0.5)
        if not isinstance(self.start, str):
            raise InvalidArgument(
                f"start must be an ISO date string, got {self.start!r}", argument="start"
            )
        try:
            date.fromisoformat(self.start)
        except ValueError:
            raise InvalidArgument(
                f"start must be an ISO date like 2026-01-01, got {self.start!r}", argument="start"
            ) from None
        # Queries are built from distinct product attributes; a tiny catalogue runs out.
        if self.n_queries > 4 * self.n_items:
            raise InvalidArgument(
                f"n_queries must be <= 4 * n_items ({4 * self.n_items}), got {self.n_queries}",
                argument="n_queries",
            )

    @property
    def start_date(self) -> date:
        """``start`` as a date."""
        return date.fromisoformat(self.start)

    @classmethod
    def tiny(cls, seed: int = 0, **overrides: object) -> SynthConfig:
        """A shop that generates in well under a second: for unit tests."""
        base: dict[str, object] = dict(
            seed=seed, n_items=120, n_users=60, n_events=3_000, n_queries=30, days=30
        )
        base.update(overrides)
        return cls(**base)  # type: ignore[arg-type]

    @classmethod
    def demo(cls, seed: int = 0, **overrides: object) -> SynthConfig:
        """The shop ``shopmind-trainers demo`` builds: ~2,000 items, 1,000 users, 100k events."""
        base: dict[str, object] = dict(
            seed=seed, n_items=2_000, n_users=1_000, n_events=100_000, n_queries=300, days=90
        )
        base.update(overrides)
        return cls(**base)  # type: ignore[arg-type]


def _int_at_least(name: str, value: object, low: int) -> None:
    # bool is an int subclass; True as a count is always a caller's mistake.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgument(f"{name} must be an integer >= {low}, got {value!r}", argument=name)
    if value < low:
        raise InvalidArgument(f"{name} must be >= {low}, got {value}", argument=name)


def _fraction(name: str, value: object, upper: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise InvalidArgument(
            f"{name} must be a number in [0, {upper}], got {value!r}", argument=name
        )
    if not 0.0 <= float(value) <= upper:
        raise InvalidArgument(f"{name} must be in [0, {upper}], got {value}", argument=name)
