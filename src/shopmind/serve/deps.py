"""Request dependencies: the service state and the API-key check with its rate limit."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from shopmind.errors import ShopmindError
from shopmind.pipeline.releasing import Served
from shopmind.serve.keys import KeyRecord
from shopmind.serve.logins import COOKIE, UI_HEADER
from shopmind.serve.state import ServiceState

ANONYMOUS = KeyRecord(id="anonymous", name="auth off", role="admin", sha256="", created_at="")


class NotReady(ShopmindError):
    """Nothing is served yet (no release and nothing built), or the server is starting."""

    status = 503
    code = "not_ready"


def state_of(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def served(request: Request) -> Served:
    """The release serving this request (read once: a switch mid-request does not touch it)."""
    current = state_of(request).served
    if current is None:
        raise NotReady("nothing is served yet: run 'shopmind build' to make a release")
    return current


def presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None
    return request.headers.get("x-api-key")


def require(role: str) -> Callable[[Request], KeyRecord]:
    """A dependency that admits keys of ``role`` or above and spends one of their tokens."""

    def check(request: Request) -> KeyRecord:
        state = state_of(request)
        if state.settings.auth == "off":
            return ANONYMOUS
        presented = presented_key(request)
        token = request.cookies.get(COOKIE) if presented is None else None
        if token:  # a dashboard session (serve/logins.py)
            record = state.logins.check(
                token, state.keys, role, request.method, request.headers.get(UI_HEADER)
            )
        else:
            record = state.keys.check(presented, role)
        state.limiter.take(record.id)
        request.state.key_id = record.id
        return record

    check.__name__ = f"require_{role}"
    return check
