"""Live session state: events accepted since the last build, per user, in memory.

The service appends every accepted event here at once, and every recommendation reads the
user's built history followed by these events, so the next answer reflects what the user just
did. Each user keeps at most ``max_events`` newest events (older ones are in the event log
and reach the models at the next build).
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

from shopmind.recommend.data import History


class LiveSessions:
    """Thread-safe per-user buffers of ``(item index, event code, unix seconds)``."""

    def __init__(self, max_events: int = 200) -> None:
        self.max_events = max_events
        self._events: dict[str, deque[tuple[int, int, int]]] = {}
        self._lock = threading.Lock()

    def record(self, user: str, item: int, event: int, time: int) -> None:
        with self._lock:
            buf = self._events.get(user)
            if buf is None:
                buf = self._events[user] = deque(maxlen=self.max_events)
            buf.append((item, event, time))

    def events(self, user: str) -> list[tuple[int, int, int]]:
        with self._lock:
            return list(self._events.get(user, ()))

    def history(self, user: str, built: History | None) -> History:
        """``built`` (the user's history at the last build) followed by the live events."""
        live = self.events(user)
        base = built if built is not None else History(np.zeros(0, np.int64))
        if not live:
            return base
        items, events, times = zip(*live, strict=True)
        return base.extended(items, events, times)

    def forget(self, user: str) -> None:
        with self._lock:
            self._events.pop(user, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)
