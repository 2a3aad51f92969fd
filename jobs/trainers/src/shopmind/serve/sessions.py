"""Live session state of the service: each user's newest events, by item id, in memory.

It outlives releases: a release switch replays it into the new recommender, so a session goes
on across the switch. It is rebuilt from the durable event log on start. Bounded in both
directions (``max_events`` per user, ``max_users`` least recently active users kept), so memory
stays flat however long the server runs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class LiveEvent:
    item_id: str
    event_type: str
    timestamp: int  # unix seconds


class SessionStore:
    """Thread-safe, bounded per-user event buffers (module docstring)."""

    def __init__(self, max_users: int = 100_000, max_events: int = 50) -> None:
        self.max_users = max_users
        self.max_events = max_events
        self._users: OrderedDict[str, deque[LiveEvent]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, user: str, event: LiveEvent) -> None:
        with self._lock:
            buf = self._users.get(user)
            if buf is None:
                buf = self._users[user] = deque(maxlen=self.max_events)
                if len(self._users) > self.max_users:
                    self._users.popitem(last=False)  # the least recently active user
            else:
                self._users.move_to_end(user)
            buf.append(event)

    def events(self, user: str) -> list[LiveEvent]:
        """The user's buffered events, oldest first (empty when unknown)."""
        with self._lock:
            return list(self._users.get(user, ()))

    def recent_items(self, user: str) -> list[str]:
        return [e.item_id for e in self.events(user)]

    def snapshot(self) -> list[tuple[str, list[LiveEvent]]]:
        """Every user's events, least recently active first (for replay into a release)."""
        with self._lock:
            return [(u, list(buf)) for u, buf in self._users.items()]

    def forget(self, user: str) -> None:
        with self._lock:
            self._users.pop(user, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._users)
