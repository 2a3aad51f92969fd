"""Read the next chunk in a background thread while the current one is validated.

Arrow's CSV parser and DuckDB both release the GIL, so overlapping them uses the second core.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetch(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``depth`` ahead in a worker thread.

    An exception in the producer is re-raised in the consumer at the point it occurred.
    If the consumer stops early, the producer is told to stop after its current item.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(item)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            q.put(exc)
            return
        q.put(_DONE)

    worker = threading.Thread(target=produce, name="shopmind-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # drain so a blocked put() can finish
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.05)
        worker.join()
