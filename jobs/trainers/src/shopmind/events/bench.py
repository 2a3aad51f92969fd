"""Throughput of durable appends to the event log, and how long a restart takes to read it back."""

from __future__ import annotations

import os
import platform
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.errors import InvalidArgument
from shopmind.events.log import DEFAULT_SEGMENT_BYTES, EventLog

_TYPES = ("view", "view", "view", "click", "add_to_cart", "purchase", "search")


def _batch(b: int, size: int) -> list[dict[str, Any]]:
    """A batch shaped like what the HTTP API receives (about 200 bytes of JSON per event)."""
    out = []
    for j in range(size):
        i = b * size + j
        kind = _TYPES[i % len(_TYPES)]
        out.append(
            {
                "user_id": f"u{i % 99_991}",
                "session_id": f"s{i % 499_979}",
                "item_id": None if kind == "search" else f"P{i % 20_011}",
                "event_type": kind,
                "timestamp": f"2026-01-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:"
                f"{i % 60:02d}Z",
                "query": "red running shoes" if kind == "search" else None,
                "price": 19.99 if kind == "purchase" else None,
                "quantity": 1 if kind == "purchase" else None,
            }
        )
    return out


def bench_event_log(
    folder: Path | str,
    batches: int = 1000,
    batch_size: int = 100,
    *,
    fsync: bool = True,
    threads: int = 1,
    segment_bytes: int = DEFAULT_SEGMENT_BYTES,
) -> dict[str, Any]:
    """Append ``batches`` batches of ``batch_size`` events to a new log in ``folder``; time it.

    Each append carries an idempotency key, as HTTP batches do. With ``threads`` > 1 the
    batches are spread over that many threads (their syncs are then shared). ``folder`` must
    be absent or empty. Returns events/s and batches/s (wall clock over all appends), append
    latency percentiles (milliseconds), bytes written, and the time (seconds) to reopen the
    log and replay every event, as a server restart does.
    """
    for name, value in (("batches", batches), ("batch_size", batch_size), ("threads", threads)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgument(f"{name}={value!r}: must be an integer >= 1", argument=name)
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise InvalidArgument(
            f"{folder} is not empty; the benchmark writes a fresh log", argument="folder"
        )
    work = [_batch(b, batch_size) for b in range(batches)]  # built before the clock starts
    latencies = np.zeros(batches, dtype=np.float64)

    with EventLog.open(folder, segment_bytes=segment_bytes, fsync=fsync) as log:

        def run(worker: int) -> None:
            for b in range(worker, batches, threads):
                t0 = time.perf_counter()
                log.append(work[b], idempotency_key=f"bench-{b}")
                latencies[b] = time.perf_counter() - t0

        started = time.perf_counter()
        pool = [threading.Thread(target=run, args=(w,)) for w in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        seconds = time.perf_counter() - started
        on_disk = sum(s.bytes for s in log.segments())
        segments = len(log.segments())
        last = log.last_seq

    t0 = time.perf_counter()
    with EventLog.open(folder, segment_bytes=segment_bytes, fsync=fsync) as log:
        opened = time.perf_counter() - t0
        replayed = sum(1 for _ in log.replay())
    replay_s = time.perf_counter() - t0
    events = batches * batch_size
    if last != events or replayed != events:
        raise AssertionError(f"logged {last} and replayed {replayed} of {events} events")
    ms = latencies * 1000.0
    return {
        "events": events,
        "batches": batches,
        "batch_size": batch_size,
        "threads": threads,
        "fsync": fsync,
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds),
        "batches_per_s": round(batches / seconds, 1),
        "append_ms_p50": round(float(np.percentile(ms, 50)), 3),
        "append_ms_p99": round(float(np.percentile(ms, 99)), 3),
        "append_ms_max": round(float(ms.max()), 3),
        "bytes": on_disk,
        "bytes_per_event": round(on_disk / events, 1),
        "segments": segments,
        "reopen_s": round(opened, 3),
        "reopen_replay_s": round(replay_s, 3),
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.system()}",
    }
