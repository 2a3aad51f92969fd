"""One ASGI middleware around every request: request id, body size limit, metrics, access log,
and the access audit of write and admin requests (serve/auditing.py).

Written against raw ASGI rather than Starlette's ``BaseHTTPMiddleware`` because it sits on the
hot path of every request and must also bound bodies sent without a ``Content-Length``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopmind.errors import ShopmindError
from shopmind.privacy.audit import AuditLog
from shopmind.serve.auditing import api_entry, is_audited
from shopmind.serve.metrics import Metrics

log = logging.getLogger("shopmind.access")
audit_log = logging.getLogger("shopmind.audit")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class TooLarge(ShopmindError):
    """The request body is larger than the setting ``max_body_bytes`` allows."""

    status = 413
    code = "too_large"


def error_response(status: int, body: dict[str, Any]) -> tuple[Message, Message]:
    payload = orjson.dumps(body)
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": payload}


class ServiceMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        max_body_bytes: int,
        audit: AuditLog | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = _header(scope, b"x-request-id")
        request_id = sent if sent and _REQUEST_ID.match(sent) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        declared = _header(scope, b"content-length")
        try:
            if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
                await self._too_large(send_with_id, request_id)
            else:
                received = 0

                async def bounded_receive() -> Message:
                    # raised inside the app's body read, so the app's error handler renders it
                    nonlocal received
                    message = await receive()
                    if message["type"] == "http.request":
                        received += len(message.get("body", b""))
                        if received > self.max_body:
                            raise TooLarge(self._message())
                    return message

                await self.app(scope, bounded_receive, send_with_id)
        finally:
            # after the response, so the client never waits for it; in ``finally`` so that a
            # request that crashed (answered 500 further out) is recorded too
            if self.audit is not None and is_audited(scope):
                await self._record(self.audit, scope, status, request_id)
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        seconds = time.perf_counter() - started
        self.metrics.requests.labels(template, scope["method"], str(status)).inc()
        self.metrics.latency.labels(template).observe(seconds)
        if log.isEnabledFor(logging.INFO):
            log.info(
                orjson.dumps(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": template,
                        "status": status,
                        "ms": round(seconds * 1000, 2),
                    }
                ).decode()
            )

    async def _record(self, audit: AuditLog, scope: Scope, status: int, request_id: str) -> None:
        try:
            entry = api_entry(scope, status, request_id)
            if audit.sync_interval_s == 0:  # a sync per entry must not stall the event loop
                await run_in_threadpool(audit.append, entry)
            else:  # one write to the page cache: microseconds
                audit.append(entry)
        except (OSError, ShopmindError):
            # the response is already sent; the failure must reach the operator
            audit_log.exception("request %s: could not append to the audit log", request_id)

    async def _too_large(self, send: Send, request_id: str) -> None:
        start, body = error_response(
            TooLarge.status,
            {"error": TooLarge.code, "message": self._message(), "request_id": request_id},
        )
        await send(start)
        await send(body)

    def _message(self) -> str:
        return f"the request body is larger than {self.max_body} bytes (setting max_body_bytes)"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None
