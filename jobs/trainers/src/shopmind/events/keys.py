"""The idempotency index: the newest N keys and the batch each one wrote."""

from __future__ import annotations

from collections import OrderedDict

from shopmind.events.segment import KeyEntry


class KeyIndex:
    """Idempotency key -> :class:`KeyEntry`, keeping only the ``max_keys`` newest keys.

    "Newest" is by write order, so the oldest key is evicted first; a lookup does not refresh a
    key, because a retry window is measured from the original write, not the last retry.
    """

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self._entries: OrderedDict[str, KeyEntry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> KeyEntry | None:
        return self._entries.get(key)

    def add(self, key: str, entry: KeyEntry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_keys:
            self._entries.popitem(last=False)
