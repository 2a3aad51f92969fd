"""What a running server holds: the served release, live sessions, the event log, keys.

Requests read ``state.served`` once and use that object to the end, so a release switch (one
reference assignment) never changes the ground under a request in flight: no request is
dropped and none sees half of two releases. Loading a release happens before the switch and
outside any lock; a release that fails to load or to answer its check is refused and the
current one keeps serving.

Events: an event is appended to the durable log first (the acknowledgement waits for the
fsync), then applied to the live sessions and to the served recommender, so the user's next
search and recommendation see it.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shopmind.config import Settings
from shopmind.contracts.tables import ITEM_EVENT_TYPES
from shopmind.errors import NotFound
from shopmind.events.compact import COMPACTION_LOCK
from shopmind.events.log import AppendResult, EventLog
from shopmind.pipeline.releasing import Served, newest_release, open_release
from shopmind.privacy.audit import AuditLog
from shopmind.privacy.erasure import ErasureReport, erase_assets, erase_logged, start_erasure
from shopmind.privacy.policy import LivePrivacy
from shopmind.recommend.threads import limit_threads_for_serving
from shopmind.serve.jobs import Job, JobRunner, Report
from shopmind.serve.keys import KeyStore
from shopmind.serve.logins import Logins
from shopmind.serve.ratelimit import RateLimiter
from shopmind.serve.sessions import LiveEvent, SessionStore
from shopmind.workspace import Workspace
from shopmind.workspace.releases import Release, ReleaseBook

log = logging.getLogger(__name__)
EVENTS_DIR = Path("service") / "events"
PRODUCTS_DIR = Path("service") / "products"


class ServiceState:
    """Shared by every request of one server process (module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = Path(settings.workspace)
        self.keys = KeyStore(self.root)
        self.logins = Logins()
        self.jobs = JobRunner({"build": self._build_job, "evaluate": self._evaluate_job})
        self.limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
        self.sessions = SessionStore(settings.session_max_users, settings.session_max_events)
        self.served: Served | None = None
        self.started_at = time.time()
        self.ready = False
        self.replayed = 0
        self._switch = threading.Lock()  # one release switch at a time
        self._apply = threading.Lock()  # live events vs. the replay into a new release
        self._events: EventLog | None = None
        self._products: EventLog | None = None
        self.audit = AuditLog(self.root, settings.audit_sync_ms / 1000)
        # ids are pseudonymised before anything stores or looks them up (docs/privacy.md)
        self.privacy = LivePrivacy.from_settings(self.root, settings)
        # why recommend and search answer 503 (an erasure under privacy_erasure_serving=stop)
        self.halted: str | None = None

    # -- life cycle -------------------------------------------------------------------------
    def workspace(self) -> Workspace:
        return Workspace.open(self.root)

    def start(self) -> None:
        """Open the logs, rebuild live sessions from them, and load the active release (or the
        newest versions when no release was ever activated). A workspace with nothing to
        serve yet still starts: search and recommend answer 503 until a release exists."""
        ws = self.workspace()
        self._events = EventLog.open(self.root / EVENTS_DIR, fsync=self.settings.events_fsync)
        self._products = EventLog.open(self.root / PRODUCTS_DIR, fsync=self.settings.events_fsync)
        self.audit.open()
        for entry in self._events.replay():
            self._apply_to_sessions(_stamped(entry.event, int(entry.received_at)))
            self.replayed += 1
        book = ReleaseBook(ws)
        release = book.active()
        try:
            candidate = release if release is not None else newest_release(ws)
        except NotFound:
            log.warning("nothing to serve yet: run 'shopmind-trainers build'")
        else:
            self._swap(open_release(ws, self.settings, candidate))
        self.ready = True

    def close(self) -> None:
        for part in (self._events, self._products):
            if part is not None:
                part.close()
        self.audit.close()

    @property
    def events(self) -> EventLog:
        if self._events is None:
            raise RuntimeError("the service state was not started")
        return self._events

    @property
    def products(self) -> EventLog:
        if self._products is None:
            raise RuntimeError("the service state was not started")
        return self._products

    # -- releases ---------------------------------------------------------------------------
    def activate(self, release_id: int) -> Served:
        """Load release ``release_id``, check it, then make it the active and served one."""
        with self._switch:
            ws = self.workspace()
            book = ReleaseBook(ws)
            served = open_release(ws, self.settings, book.get(release_id))  # may refuse
            book.activate(release_id)
            self._swap(served)
            return served

    def rollback(self) -> Served:
        """Serve the release that was active before the current one."""
        with self._switch:
            ws = self.workspace()
            book = ReleaseBook(ws)
            history = book.history()
            if len(history) < 2:
                book.rollback()  # raises the ConflictError that explains why
            served = open_release(ws, self.settings, book.get(history[-2]))
            book.rollback()
            self._swap(served)
            return served

    def reload_active(self) -> Served | None:
        """Serve the release the book says is active (after a build made and activated one)."""
        with self._switch:
            ws = self.workspace()
            release = ReleaseBook(ws).active()
            if release is None:
                return None
            served = open_release(ws, self.settings, release)
            self._swap(served)
            return served

    # -- long jobs (serve/jobs.py) ----------------------------------------------------------
    def _build_job(self, job: Job, report: Report) -> dict[str, Any]:
        from shopmind.pipeline.build import BUILD_STEPS, run_build

        done = 0

        def on_step(step: dict[str, Any]) -> None:
            nonlocal done
            done += 1
            made = ", ".join(step["assets"]) or step.get("skipped") or "nothing"
            report(
                step["step"],
                done / len(BUILD_STEPS),
                f"{step['step']}: {made} ({step['seconds']} s)",
            )

        report(BUILD_STEPS[0], 0.0, "build started")
        summary = run_build(self.workspace(), self.settings, on_step=on_step)
        served = self.reload_active()
        if served is not None:
            report("release", 1.0, f"now serving release {served.release.id}")
        return summary

    def _evaluate_job(self, job: Job, report: Report) -> dict[str, Any]:
        from shopmind.pipeline.evaluating import evaluate_workspace

        def on_model(name: str, n: int, total: int) -> None:
            report(name, n / total, f"fitting and scoring {name}")

        return evaluate_workspace(self.workspace(), self.settings, on_model=on_model)

    def _swap(self, served: Served) -> None:
        with self._apply:  # no live event may slip between the replay and the switch
            if served.recommend is not None:
                for user, events in self.sessions.snapshot():
                    for e in events:
                        served.recommend.record(user, e.item_id, e.event_type, e.timestamp)
            previous = self.served
            self.served = served
            self.halted = self._halt_reason(served)
        limit_threads_for_serving()  # the release may have loaded torch or another BLAS
        _freeze_heap()
        log.info(
            "serving release %s (was %s), loaded in %.1f s",
            served.release.id,
            previous.release.id if previous else None,
            served.load_seconds,
        )

    def _halt_reason(self, served: Served) -> str | None:
        """Why ``served`` must not answer, under ``privacy_erasure_serving=stop``: a model it
        pins was trained on data an erasure removed."""
        if self.settings.privacy_erasure_serving != "stop":
            return None
        ws = self.workspace()
        stale = [ref for ref in served.release.pins.values() if ws.resolve(ref).needs_rebuild]
        if not stale:
            return None
        return (
            f"serving stopped: {', '.join(stale)} were trained on erased data and need a "
            "rebuild ('shopmind-trainers build', then a new release)"
        )

    def erase(self, user: str) -> ErasureReport:
        """Erase ``user`` everywhere (:func:`~shopmind.privacy.erasure.erase_user`, with this
        server's event log) and from the live sessions and the served release's memory."""
        started = time.perf_counter()
        ws = self.workspace()
        report = start_erasure(ws, self.settings, user)
        stored = self.privacy.user(user)
        # a compaction exporting the log now could commit the user's events after the tables
        # are cleaned: wait for it, and clean the log and the live state before the tables
        with COMPACTION_LOCK:
            with self._apply:  # no live event of the user lands between these steps
                erase_logged(report, [self.events])
                had_session = bool(self.sessions.events(stored))
                self.sessions.forget(stored)
                served = self.served
                if served is not None and served.recommend is not None:
                    served.recommend.forget(stored)
                if served is not None and served.search is not None:
                    served.search.profiles.pop(stored, None)
            erase_assets(ws, report)
        if report.marked_for_rebuild and self.served is not None:
            self.halted = self._halt_reason(self.served)
        report.live = {
            "session_cleared": had_session,
            "serving": "stopped" if self.halted else "continues",
        }
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def release(self) -> Release | None:
        return self.served.release if self.served else None

    # -- events -----------------------------------------------------------------------------
    def record(
        self, events: Sequence[Mapping[str, Any]], idempotency_key: str | None
    ) -> AppendResult:
        """Append ``events`` durably; on success apply them to the live state at once.

        User and session ids are pseudonymised and typed personal data masked first: the
        log, the sessions and the assets compacted from the log never see the raw values."""
        events = [self.privacy.event(e) for e in events]
        # logged as sent: a retry must match byte for byte, so the server's clock is not
        # written in; an event without a time gets its receipt time (the log records it)
        result = self.events.append(events, idempotency_key=idempotency_key)
        if not result.duplicate:  # a retry was applied the first time
            now = int(time.time())
            with self._apply:
                for e in events:
                    stamped = _stamped(e, now)
                    self._apply_to_sessions(stamped)
                    self._apply_to_release(stamped)
        return result

    def _apply_to_sessions(self, e: Mapping[str, Any]) -> None:
        if e.get("event_type") in ITEM_EVENT_TYPES and e.get("item_id"):
            self.sessions.add(
                str(e["user_id"]),
                LiveEvent(str(e["item_id"]), str(e["event_type"]), int(e["timestamp"])),
            )

    def _apply_to_release(self, e: Mapping[str, Any]) -> None:
        served = self.served
        if served is None or served.recommend is None:
            return
        if e.get("event_type") in ITEM_EVENT_TYPES and e.get("item_id"):
            served.recommend.record(
                str(e["user_id"]), str(e["item_id"]), str(e["event_type"]), int(e["timestamp"])
            )


def _freeze_heap() -> None:
    """Move what is alive now (the release just loaded) out of the garbage collector's sight.

    A release holds a few hundred thousand long-lived container objects; a full collection
    walks them all and held the interpreter for 157 ms at 100,000 products, a stall every
    request in flight would wait out. Frozen objects are still freed by reference counting
    when the release goes; unfreezing first lets the previous release's cycles be collected."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _stamped(event: Mapping[str, Any], received_at: int) -> dict[str, Any]:
    """The event with a timestamp (unix seconds; its receipt time when the client sent none)."""
    out = dict(event)
    if out.get("timestamp") is None:
        out["timestamp"] = received_at
    return out
