"""Per-key rate limits: a token bucket per API key, refilled continuously.

Each key may spend ``burst`` requests at once and ``rate`` per second on average. A request
that finds the bucket empty is answered 429 with ``Retry-After`` (seconds until one token is
back), so a well-behaved client knows exactly when to retry.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from shopmind.errors import InvalidArgument, ShopmindError


class RateLimited(ShopmindError):
    """The key spent its request budget; retry after ``retry_after`` seconds."""

    status = 429
    code = "rate_limited"


class RateLimiter:
    """Token buckets by key id; ``rate`` 0 turns limiting off."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate < 0:
            raise InvalidArgument(f"rate must be >= 0 requests/s, got {rate}", argument="rate")
        if burst < 1:
            raise InvalidArgument(f"burst must be >= 1 request, got {burst}", argument="burst")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> None:
        """Spend ``cost`` tokens of ``key``'s bucket or raise :class:`RateLimited`."""
        if self.rate == 0:
            return
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < cost:
                self._buckets[key] = (tokens, now)
                wait = (cost - tokens) / self.rate
                raise RateLimited(
                    f"rate limit of {self.rate:g} requests/s (burst {self.burst}) reached "
                    f"for this key; retry in {wait:.2f} s",
                    retry_after=math.ceil(wait),
                )
            self._buckets[key] = (tokens - cost, now)
