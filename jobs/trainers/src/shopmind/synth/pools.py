"""Vectorised sampling: "an item from pool p, weighted" and "a time, with seasonality".

Both work by inverse CDF over one sorted array, so drawing a million samples is one
``searchsorted`` rather than a million ``rng.choice`` calls.
"""

from __future__ import annotations

from datetime import date

import numpy as np

US_PER_HOUR = 3_600 * 1_000_000
# Relative traffic per hour of day (UTC): quiet nights, a lunch bump, an evening peak.
_HOURLY = np.array(
    [
        0.35,
        0.25,
        0.18,
        0.15,
        0.15,
        0.2,
        0.35,
        0.55,
        0.75,
        0.85,
        0.9,
        1.0,
        1.1,
        1.05,
        0.95,
        0.9,
        0.95,
        1.05,
        1.2,
        1.4,
        1.5,
        1.4,
        1.1,
        0.65,
    ]
)
# Monday..Sunday: weekends shop more.
_WEEKLY = np.array([0.95, 0.92, 0.93, 0.97, 1.05, 1.2, 1.15])


class PoolSampler:
    """Draws one value per request from a weighted pool.

    Built from entries ``(pool, value, weight)``; a value may sit in several pools.
    ``sample(pools, u)`` returns, for each requested pool id, the value whose cumulative
    weight interval in that pool contains ``u`` in [0, 1), or -1 where the pool is empty.
    """

    def __init__(
        self, pool: np.ndarray, value: np.ndarray, weight: np.ndarray, n_pools: int
    ) -> None:
        order = np.lexsort((value, pool))  # deterministic order inside each pool
        pool_s = pool[order].astype(np.int64)
        w = np.asarray(weight, dtype=np.float64)[order]
        self.counts = np.bincount(pool_s, minlength=n_pools)
        totals = np.bincount(pool_s, weights=w, minlength=n_pools)
        csum = np.cumsum(w)
        before = np.concatenate([[0.0], np.cumsum(totals)])[pool_s]
        frac = (csum - before) / np.where(totals[pool_s] > 0, totals[pool_s], 1.0)
        # Pool p occupies (p, p + 1]; the last entry of each pool sits exactly at p + 1.
        self._cum = pool_s + np.minimum(frac, 1.0)
        ends = np.cumsum(self.counts) - 1
        self._cum[ends[self.counts > 0]] = np.flatnonzero(self.counts > 0) + 1.0
        self._values = np.asarray(value)[order]

    def sample(self, pools: np.ndarray, u: np.ndarray) -> np.ndarray:
        """(n,) values drawn from ``pools`` with uniforms ``u``; -1 where a pool is empty."""
        pools = np.asarray(pools, dtype=np.int64)
        if len(self._values) == 0:
            return np.full(len(pools), -1, dtype=np.int64)
        ok = (pools >= 0) & (pools < len(self.counts))
        ok[ok] = self.counts[pools[ok]] > 0
        idx = np.searchsorted(self._cum, pools + np.minimum(u, 1.0 - 1e-12), side="right")
        idx = np.minimum(idx, len(self._values) - 1)
        out: np.ndarray = np.where(ok, self._values[idx], -1)
        return out


class TimeSampler:
    """Timestamps over ``[start, start + days)`` with daily and weekly seasonality.

    ``sample(lo, hi, u)`` maps uniforms into the slice ``[lo, hi)`` of the traffic CDF, so
    chunk k of K can draw only from its own ``[k/K, (k+1)/K)`` share of the traffic.
    """

    def __init__(self, start_us: int, start: date, days: int) -> None:
        hours = np.arange(days * 24)
        weekday = (start.weekday() + hours // 24) % 7
        w = _HOURLY[hours % 24] * _WEEKLY[weekday]
        self._cdf = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
        self._start = start_us
        self.end_us = start_us + days * 24 * US_PER_HOUR

    def sample(self, lo: float, hi: float, u: np.ndarray) -> np.ndarray:
        """(n,) int64 microseconds, millisecond precision, in the [lo, hi) traffic slice."""
        q = lo + (hi - lo) * u
        hour = np.clip(np.searchsorted(self._cdf, q, side="right") - 1, 0, len(self._cdf) - 2)
        within = (q - self._cdf[hour]) / (self._cdf[hour + 1] - self._cdf[hour])
        us = self._start + ((hour + np.clip(within, 0.0, 0.999999)) * US_PER_HOUR).astype(np.int64)
        out: np.ndarray = us - us % 1000
        return out
