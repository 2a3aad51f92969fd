"""Request dependencies: the service state and the API-key check with its rate limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from shopmind.errors import ShopmindError
from shopmind.pipeline.releasing import Served
from shopmind.serve.auditing import AUDITED_ROLES, ROLE_STATE
from shopmind.serve.keys import ROLES, KeyRecord, check_role
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


async def served(request: Request) -> Served:
    """The release serving this request (read once: a switch mid-request does not touch it).

    This and the key check are ``async`` because they only read memory: FastAPI runs a plain
    ``def`` dependency in its thread pool, and each such hop cost a request more than the
    check itself."""
    state = state_of(request)
    current = state.served
    if current is None:
        raise NotReady("nothing is served yet: run 'shopmind-trainers build' to make a release")
    if state.halted is not None:
        raise NotReady(state.halted)
    return current


def presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None
    return request.headers.get("x-api-key")


def require(role: str) -> Callable[[Request], Awaitable[KeyRecord]]:
    """A dependency that admits keys of ``role`` or above and spends one of their tokens.

    For the ``write`` and ``admin`` roles it also marks the request for the access audit,
    which the middleware appends after the response (serve/auditing.py)."""
    audited = role in AUDITED_ROLES

    async def check(request: Request) -> KeyRecord:
        if audited:  # first, so that a refused request is audited too
            request.scope.setdefault("state", {})[ROLE_STATE] = role
        state = state_of(request)
        if state.settings.auth == "off":
            return ANONYMOUS
        presented = presented_key(request)
        token = request.cookies.get(COOKIE) if presented is None else None
        # authenticate with the lowest role, then authorise: the audit then names the proven
        # key of a request refused for its role (403), not just the id it claimed
        if token:  # a dashboard session (serve/logins.py)
            record = state.logins.check(
                token, state.keys, ROLES[0], request.method, request.headers.get(UI_HEADER)
            )
        else:
            record = state.keys.check(presented, ROLES[0])
        request.state.key_id = record.id
        check_role(record, role)
        state.limiter.take(record.id)
        return record

    check.__name__ = f"require_{role}"
    return check
