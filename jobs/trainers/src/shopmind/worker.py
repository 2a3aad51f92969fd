"""The ``train`` queue's worker: ``python -m shopmind.worker --redis URL --prefix P
--database-url URL --artifacts DIR``.

It takes a training job from BullMQ (the TypeScript side enqueues it as the child of a
``register`` job), runs the feature's trainer against a read-only snapshot of the catalog up to
the job's event bound, writes the trainer's files into ``DIR/staging/<job id>/`` and returns
``{artifacts, metrics, params, trainer}``; the TypeScript ``register`` worker then adopts the
files and registers the version. This process never writes the catalog.

BullMQ's Python worker is asyncio: the job lock is renewed on the event loop, so the trainer runs
in a thread (``asyncio.to_thread``); a trainer on the loop would starve the renewals, and BullMQ
would take the job for stalled and hand it to another worker. See docs/jobs.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bullmq import Worker
from bullmq.custom_errors import UnrecoverableError

from shopmind import __version__
from shopmind.errors import ConfigError, InvalidArgument
from shopmind.trainers import TRAINERS
from shopmind.trainers.snapshot import open_snapshot

log = logging.getLogger("shopmind.worker")

QUEUE = "train"
DISTRIBUTION = "shopmind-trainers"
#: Job ids become folder names: the TypeScript side uses catalog Job ids (cuids).
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
#: How long a progress update may take before the trainer goes on without it.
PROGRESS_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class WorkerConfig:
    redis: str
    prefix: str
    database_url: str
    artifacts: Path
    concurrency: int = 1
    lock_ms: int = 30_000


@dataclass(frozen=True)
class TrainSpec:
    feature: str
    params: dict[str, Any]
    event_bound: int


def parse_spec(data: Any) -> TrainSpec:
    """A ``train`` job's data: ``{feature, params, eventBound}`` (more keys are ignored)."""
    if not isinstance(data, dict):
        raise InvalidArgument(f"train job data must be an object, got {type(data).__name__}")
    feature = data.get("feature")
    params = data.get("params", {})
    bound = data.get("eventBound")
    if not isinstance(feature, str) or feature not in TRAINERS:
        raise InvalidArgument(f"no trainer for feature {feature!r}; known: {sorted(TRAINERS)}")
    if not isinstance(params, dict):
        raise InvalidArgument("train job params must be an object")
    if not isinstance(bound, int) or isinstance(bound, bool) or bound < 0:
        raise InvalidArgument(f"train job eventBound must be a whole number >= 0, got {bound!r}")
    return TrainSpec(feature, params, bound)


def staging_dir(artifacts: Path, job_id: str) -> Path:
    """Where the trainer of job ``job_id`` writes its files."""
    if not JOB_ID.match(job_id):
        raise InvalidArgument(f"job id {job_id!r} cannot name a staging folder")
    return artifacts / "staging" / job_id


def run_training(config: WorkerConfig, spec: TrainSpec, job_id: str, report: Any) -> dict[str, Any]:
    """Runs one job's trainer (in a worker thread) and returns the job's result."""
    out_dir = staging_dir(config.artifacts, job_id)
    # A retried attempt starts from an empty folder: nothing half-written survives from the last.
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    with open_snapshot(config.database_url, spec.event_bound) as snapshot:
        result = TRAINERS[spec.feature](snapshot, spec.params, out_dir, report)
    out = result.to_json()
    out["eventBound"] = spec.event_bound
    out["trainer"] = {"name": DISTRIBUTION, "version": __version__, "feature": spec.feature}
    return out


def make_processor(config: WorkerConfig) -> Any:
    """The BullMQ processor for ``train`` jobs."""

    async def process(job: Any, token: str) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        attempt = int(getattr(job, "attemptsMade", 0)) + 1

        def report(step: str, fraction: float, message: str) -> None:
            # Called from the trainer's thread: the update itself runs on the loop.
            payload = {"step": step, "fraction": fraction, "message": message, "attempt": attempt}
            future = asyncio.run_coroutine_threadsafe(job.updateProgress(payload), loop)
            try:
                future.result(timeout=PROGRESS_TIMEOUT_S)
            except Exception as err:  # progress is advisory: training goes on without it
                log.warning("job %s: progress update failed: %s", job.id, err)

        async def report_async(step: str, fraction: float, message: str) -> None:
            payload = {"step": step, "fraction": fraction, "message": message, "attempt": attempt}
            try:
                await job.updateProgress(payload)
            except Exception as err:
                log.warning("job %s: progress update failed: %s", job.id, err)

        try:
            spec = parse_spec(job.data)
            staging_dir(config.artifacts, str(job.id))
        except InvalidArgument as err:
            await report_async("error", 0.0, str(err))
            # Retrying cannot fix the job's own data.
            raise UnrecoverableError(str(err)) from err
        await report_async("start", 0.0, f"{spec.feature} up to event {spec.event_bound}")
        try:
            result = await asyncio.to_thread(run_training, config, spec, str(job.id), report)
        except (InvalidArgument, ConfigError) as err:
            await report_async("error", 0.0, str(err))
            raise UnrecoverableError(str(err)) from err
        except Exception as err:
            await report_async("error", 0.0, f"{type(err).__name__}: {err}")
            raise
        await report_async("trained", 1.0, json.dumps(result["metrics"], sort_keys=True))
        return result

    return process


async def serve(config: WorkerConfig, stop: asyncio.Event | None = None) -> None:
    """Works the ``train`` queue until SIGTERM/SIGINT (or ``stop``), then lets the running job
    finish and closes."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = Worker(
        QUEUE,
        make_processor(config),
        {
            "connection": config.redis,
            "prefix": config.prefix,
            "concurrency": config.concurrency,
            "lockDuration": config.lock_ms,
        },
    )
    worker.on("failed", lambda job, err: log.warning("job %s failed: %s", job.id, err))
    worker.on("completed", lambda job, _result: log.info("job %s done", job.id))
    # One line on stdout tells a supervisor (and tests) that the worker is listening.
    print(json.dumps({"ready": True, "queue": QUEUE, "prefix": config.prefix}), flush=True)
    try:
        await stop.wait()
    finally:
        await worker.close()


def parse_args(argv: list[str] | None = None) -> WorkerConfig:
    ap = argparse.ArgumentParser(
        prog="python -m shopmind.worker", description="shopmind's Python trainer worker"
    )
    ap.add_argument("--redis", required=True, help="Redis URL (REDIS_URL of the shop)")
    ap.add_argument("--prefix", required=True, help="BullMQ key prefix (SHOPMIND_QUEUE_PREFIX)")
    ap.add_argument("--database-url", required=True, help="the catalog (read-only)")
    ap.add_argument("--artifacts", required=True, type=Path, help="the artifact store's folder")
    ap.add_argument("--concurrency", type=int, default=1, help="jobs at once (default 1)")
    ap.add_argument("--lock-ms", type=int, default=30_000, help="BullMQ job lock, milliseconds")
    args = ap.parse_args(argv)
    if args.concurrency < 1 or args.lock_ms < 1000:
        ap.error("--concurrency must be >= 1 and --lock-ms >= 1000")
    return WorkerConfig(
        redis=args.redis,
        prefix=args.prefix,
        database_url=args.database_url,
        artifacts=args.artifacts.resolve(),
        concurrency=args.concurrency,
        lock_ms=args.lock_ms,
    )


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
