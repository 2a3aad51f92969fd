"""One thread per request: how serving code scores a single user.

Scoring one history is a few small matrix products. Left at their defaults, torch's OpenMP
pool and numpy's OpenBLAS pool each start a worker per core and spin while waiting; on two
cores the two pools then fight for the CPUs, and a hybrid that calls both per request was
measured at p99 106 ms instead of 10 ms (Amazon Beauty, 12k items). A server gets its
parallelism from concurrent requests, so it scores each request on one thread.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from threadpoolctl import threadpool_limits


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run the body with one thread in torch (when loaded) and in every BLAS/OpenMP pool.

    Entering costs about a millisecond (the pools are looked up), so wrap a serving loop or a
    server's lifetime, not each request."""
    torch = sys.modules.get("torch")
    previous = torch.get_num_threads() if torch is not None else 0
    if torch is not None:
        torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(previous)


def limit_threads_for_serving() -> None:
    """One thread per request for the rest of the process (a server's start-up and after it
    loads a release: pools of libraries loaded since then are limited too)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
    threadpool_limits(limits=1)
