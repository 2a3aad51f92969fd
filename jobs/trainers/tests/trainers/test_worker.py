"""The ``train`` queue's worker: job data checked, training off the event loop, the result
shape the TypeScript side reads, and a real job through Redis."""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from bullmq.custom_errors import UnrecoverableError
from catalog_helpers import sqlite_catalog

from shopmind import __version__
from shopmind.errors import InvalidArgument
from shopmind.trainers import TRAINERS
from shopmind.worker import WorkerConfig, make_processor, parse_args, parse_spec, serve

EVENTS = [
    (1, "u1", "a", "view", "2026-01-01T00:00:00.000Z"),
    (2, "u2", "b", "purchase", "2026-01-02T00:00:00.000Z"),
    (3, "u2", "a", "purchase", "2026-01-03T00:00:00.000Z"),
]
REDIS = "redis://127.0.0.1:6379"


class FakeJob:
    def __init__(self, data: Any, job_id: str = "job1") -> None:
        self.id = job_id
        self.data = data
        self.attemptsMade = 0
        self.progress: list[dict[str, Any]] = []

    async def updateProgress(self, progress: dict[str, Any]) -> None:
        self.progress.append(progress)


def config(tmp_path: Path) -> WorkerConfig:
    url = sqlite_catalog(tmp_path, ["a", "b"], EVENTS)
    return WorkerConfig(redis=REDIS, prefix="unused", database_url=url, artifacts=tmp_path / "art")


def test_job_data_is_checked() -> None:
    spec = parse_spec({"feature": "item_popularity", "params": {}, "eventBound": 3})
    assert spec.event_bound == 3
    for bad in (
        None,
        {"feature": "nope", "eventBound": 1},
        {"feature": "item_popularity", "eventBound": -1},
        {"feature": "item_popularity", "eventBound": True},
        {"feature": "item_popularity", "params": [], "eventBound": 1},
    ):
        with pytest.raises(InvalidArgument):
            parse_spec(bad)


def test_processor_trains_in_a_thread_and_returns_the_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = config(tmp_path)
    threads: list[int] = []
    real = TRAINERS["item_popularity"]

    def spy(*args: Any) -> Any:
        threads.append(threading.get_ident())
        return real(*args)

    monkeypatch.setitem(TRAINERS, "item_popularity", spy)
    job = FakeJob({"feature": "item_popularity", "params": {}, "eventBound": 2})

    async def go() -> tuple[dict[str, Any], int]:
        out = await make_processor(cfg)(job, "token")
        return out, threading.get_ident()

    result, loop_thread = asyncio.run(go())
    assert threads and threads[0] != loop_thread  # never on the event loop
    (artifact,) = result["artifacts"]
    assert (cfg.artifacts / "staging" / "job1" / artifact["path"]).is_file()
    assert result["metrics"]["events_read"] == 2
    assert result["eventBound"] == 2
    assert result["trainer"] == {
        "name": "shopmind-trainers",
        "version": __version__,
        "feature": "item_popularity",
    }
    assert [p["step"] for p in job.progress] == ["start", "read", "score", "write", "trained"]


def test_bad_jobs_fail_without_retry(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    process = make_processor(cfg)
    for data, job_id in (
        ({"feature": "nope", "eventBound": 1}, "job2"),
        ({"feature": "item_popularity", "params": {"top_k": 0}, "eventBound": 1}, "job3"),
        ({"feature": "item_popularity", "eventBound": 1}, "../escape"),
    ):
        job = FakeJob(data, job_id)
        with pytest.raises(UnrecoverableError):
            asyncio.run(process(job, "token"))
        assert job.progress[-1]["step"] == "error"


def test_arguments() -> None:
    cfg = parse_args(
        ["--redis", REDIS, "--prefix", "p", "--database-url", "file:x.db", "--artifacts", "a"]
    )
    assert cfg.artifacts.is_absolute() and cfg.concurrency == 1
    with pytest.raises(SystemExit):
        parse_args(["--redis", REDIS])


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.skipif(not redis_up(), reason="no Redis server for the tests")
def test_a_job_through_redis(tmp_path: Path) -> None:
    from bullmq import Queue

    cfg = config(tmp_path)
    prefix = f"pytest-{uuid.uuid4().hex[:10]}"
    cfg = WorkerConfig(cfg.redis, prefix, cfg.database_url, cfg.artifacts)

    async def go() -> Any:
        queue = Queue("train", {"connection": REDIS, "prefix": prefix})
        stop = asyncio.Event()
        worker = asyncio.ensure_future(serve(cfg, stop))
        try:
            job = await queue.add(
                "item_popularity",
                {"feature": "item_popularity", "params": {}, "eventBound": 3},
                {"jobId": "row1"},
            )
            for _ in range(300):
                state = await queue.getJobState(job.id)
                if state in ("completed", "failed"):
                    break
                await asyncio.sleep(0.05)
            done = await queue.getJobs(["completed"])
            return state, done
        finally:
            stop.set()
            await worker
            await queue.obliterate(force=True)
            await queue.close()

    state, done = asyncio.run(go())
    assert state == "completed"
    (job,) = done
    assert job.returnvalue["metrics"]["events_read"] == 3
    assert job.returnvalue["metrics"]["top_item"] == "a"
