"""A small closed-loop HTTP load generator for ``shopmind bench serve``.

``concurrency`` workers each keep one HTTP/1.1 keep-alive connection and send their next
request as soon as the previous answer arrived, for ``seconds``; every request's latency is
recorded. It speaks just enough HTTP for the service (JSON bodies with ``Content-Length``) on
asyncio streams: a full client library costs several times the CPU per request, and on a
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
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        lat = np.array(self.latencies_ms) if self.latencies_ms else np.zeros(1)
        return {
            "requests": self.requests,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2),
            "max_ms": round(float(lat.max()), 2),
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
                result.latencies_ms.append((time.perf_counter() - t0) * 1000)
                result.requests += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status >= 400:
                    result.errors += 1
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
