"""Long jobs started over HTTP (the dashboard's build and evaluate buttons).

One job runs at a time, in a background thread: both kinds use every core, and two at once
would each run several times slower. A job records its progress (a share of its steps and
the step it is on) and a log of what finished; ``GET /v1/jobs/{id}`` reads them while it runs.
When a build makes a release, the server switches to it (the same swap as activating one).
Jobs live in memory: a restart forgets finished ones, and kills a running one, whose staged
work the workspace discards (commits are atomic).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shopmind.errors import ConflictError, InvalidArgument, NotFound, ShopmindError

log = logging.getLogger(__name__)
KINDS = ("build", "evaluate")
KEEP = 50  # finished jobs remembered


@dataclass
class Job:
    id: int
    kind: str
    requested_by: str
    status: str = "queued"  # queued, running, done, failed
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    started: float | None = None
    finished: float | None = None
    progress: float = 0.0  # 0..1
    step: str = ""
    log: list[str] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        end = self.finished or time.time()
        return {
            "id": self.id,
            "kind": self.kind,
            "requested_by": self.requested_by,
            "status": self.status,
            "created_at": self.created_at,
            "seconds": round(end - self.started, 1) if self.started else 0.0,
            "progress": round(self.progress, 3),
            "step": self.step,
            "log": list(self.log),
            "result": self.result,
            "error": self.error,
        }


#: how a job body reports: (step it is on, progress 0..1, a line for the log or None)
Report = Callable[[str, float, str | None], None]
#: a job body: (job, report) -> result
Body = Callable[[Job, Report], dict[str, Any]]


class JobRunner:
    """Runs one job at a time in a thread; remembers the last ``KEEP`` (module docstring)."""

    def __init__(self, bodies: dict[str, Body]) -> None:
        unknown = set(bodies) - set(KINDS)
        if unknown:
            raise InvalidArgument(f"unknown job kinds {sorted(unknown)}", argument="bodies")
        self.bodies = bodies
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, kind: str, requested_by: str) -> Job:
        """Start a ``kind`` job; ConflictError (409) while another one runs."""
        if kind not in self.bodies:
            raise InvalidArgument(
                f"kind must be one of {', '.join(self.bodies)}, got {kind!r}", argument="kind"
            )
        with self._lock:
            running = [j for j in self._jobs.values() if j.status in ("queued", "running")]
            if running:
                raise ConflictError(
                    f"job {running[0].id} ({running[0].kind}) is still running: one job at a time",
                    job=running[0].id,
                )
            job = Job(next(self._ids), kind, requested_by)
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[:-KEEP]:
                del self._jobs[old]
        threading.Thread(target=self._run, args=(job,), name=f"job-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: int) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}", job=job_id)
        return job

    def all(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: -j.id)

    def wait(self, job_id: int, timeout: float) -> Job:
        """Block until job ``job_id`` ends or ``timeout`` seconds pass (tests, scripts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job.status in ("done", "failed"):
                return job
            time.sleep(0.05)
        return self.get(job_id)

    def _run(self, job: Job) -> None:
        def report(step: str, progress: float, line: str | None) -> None:
            job.step = step
            job.progress = min(max(progress, 0.0), 1.0)
            if line:
                job.log.append(line)

        job.status, job.started = "running", time.time()
        try:
            job.result = self.bodies[job.kind](job, report)
        except ShopmindError as exc:
            job.status, job.error = "failed", str(exc)
        except Exception as exc:  # a job must end with a status, not a thread's trace
            log.error("job %s failed:\n%s", job.id, traceback.format_exc())
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        else:
            job.status, job.progress, job.step = "done", 1.0, "done"
        finally:
            job.finished = time.time()
