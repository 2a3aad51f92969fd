"""A small HTTP load generator for ``shopmind-trainers bench serve``, closed or open loop.

Closed loop (:func:`run_load`): ``concurrency`` workers each keep one HTTP/1.1 keep-alive
connection and send their next request as soon as the previous answer arrived, for
``seconds``; every request's latency is recorded. Its latency at high concurrency is mostly
queueing (32 workers on a server that answers 400 requests/s wait 80 ms each), so it says how
much a box can do, not how fast it answers at a given load.

Open loop (:func:`run_rate`): requests arrive at a fixed mean rate (Poisson arrivals, seeded),
whatever the server's pace, each on a free keep-alive connection (a new one when none is
free). Latency counts from the moment a request was due, so a stalled server cannot hide its
queue by slowing the client down (coordinated omission). Stepping the rate up finds the
highest load at which p99 stays within a goal. How late the generator itself started each
request (its timer, its own turn on the shared cores) is reported beside it as the send lag:
it is inside the latency, and it is not the server's.

It speaks just enough HTTP for the service (JSON bodies with ``Content-Length``) on asyncio
streams: a full client library costs several times the CPU per request, and on a
2-core machine the load generator's CPU is taken from the server it measures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

#: a request: (method, path with query, JSON body or None)
Request = tuple[str, str, Any]


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    retried: int = 0  # GETs sent again after the server closed an idle connection
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    # open loop: how late the generator itself started each request (its own share of the
    # latency, since it shares the cores with the server it measures)
    lags_ms: list[float] = field(default_factory=list)

    def record(self, status: int, started: float) -> None:
        """One answered request: its status, and its latency from ``started`` (seconds on
        the :func:`time.perf_counter` clock)."""
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.requests += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status >= 400:
            self.errors += 1

    def summary(self) -> dict[str, Any]:
        lat = np.array(self.latencies_ms) if self.latencies_ms else np.zeros(1)
        return {
            "requests": self.requests,
            "errors": self.errors,
            "retried": self.retried,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2),
            "max_ms": round(float(lat.max()), 2),
            **(
                {
                    "send_lag_p50_ms": round(float(np.percentile(self.lags_ms, 50)), 2),
                    "send_lag_p99_ms": round(float(np.percentile(self.lags_ms, 99)), 2),
                }
                if self.lags_ms
                else {}
            ),
        }


class _Connection:
    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = orjson.dumps(body) if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.fixed}"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode("latin-1") + payload)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _run(
    host: str,
    port: int,
    headers: dict[str, str],
    make: Callable[[int, int], Request],
    concurrency: int,
    seconds: float,
    max_requests: int | None,
) -> LoadResult:
    result = LoadResult()
    deadline = time.perf_counter() + seconds
    sent = 0

    async def worker(w: int) -> None:
        nonlocal sent
        conn = _Connection(host, port, headers)
        n = 0
        try:
            while time.perf_counter() < deadline and (max_requests is None or sent < max_requests):
                sent += 1
                method, path, body = make(w, n)
                n += 1
                t0 = time.perf_counter()
                try:
                    status, _ = await conn.request(method, path, body)
                except (OSError, ConnectionError, asyncio.IncompleteReadError):
                    result.errors += 1
                    conn.close()
                    conn = _Connection(host, port, headers)
                    continue
                result.record(status, t0)
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def run_load(
    host: str,
    port: int,
    headers: dict[str, str],
    make: Callable[[int, int], Request],
    concurrency: int,
    seconds: float,
    max_requests: int | None = None,
) -> LoadResult:
    """Closed-loop load: ``concurrency`` workers for ``seconds`` (or ``max_requests`` in all);
    ``make(worker, n)`` gives each worker's n-th request."""
    return asyncio.run(_run(host, port, headers, make, concurrency, seconds, max_requests))


async def _run_open(
    host: str,
    port: int,
    headers: dict[str, str],
    make: Callable[[int, int], Request],
    rate: float,
    seconds: float,
    seed: int,
) -> LoadResult:
    result = LoadResult()
    rng = np.random.default_rng(seed)
    due = np.cumsum(rng.exponential(1.0 / rate, size=max(int(rate * seconds * 1.2), 16)))
    due = due[due < seconds]
    idle: list[_Connection] = []
    start = time.perf_counter()

    async def one(n: int, at: float) -> None:
        result.lags_ms.append((time.perf_counter() - at) * 1000)
        reused = bool(idle)
        conn = idle.pop() if idle else _Connection(host, port, headers)
        method, path, body = make(0, n)
        try:
            status, _ = await conn.request(method, path, body)
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            conn.close()
            if not (reused and method == "GET"):
                result.errors += 1
                return
            # a connection that sat idle past the server's keep-alive timeout is closed by
            # it; like any HTTP client, send an idempotent request again on a new one (its
            # latency still counts from when it was due)
            result.retried += 1
            conn = _Connection(host, port, headers)
            try:
                status, _ = await conn.request(method, path, body)
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                result.errors += 1
                conn.close()
                return
        result.record(status, at)
        idle.append(conn)

    tasks = []
    for n, offset in enumerate(due.tolist()):
        at = start + offset
        wait = at - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(n, at)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - start
    for conn in idle:
        conn.close()
    return result


def run_rate(
    host: str,
    port: int,
    headers: dict[str, str],
    make: Callable[[int, int], Request],
    rate: float,
    seconds: float,
    seed: int = 0,
) -> LoadResult:
    """Open-loop load: requests due at Poisson times, ``rate`` per second on average, for
    ``seconds``; latency from each request's due time (module docstring)."""
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be > 0")
    return asyncio.run(_run_open(host, port, headers, make, rate, seconds, seed))
