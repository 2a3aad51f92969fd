"""Which requests the access audit records, and the entry for one (docs/privacy.md).

Audited: every request to a route that requires the ``write`` or ``admin`` role (the route's
``require`` dependency leaves the role in ``scope["state"]``), and every request under
``/v1`` or ``/ui`` that may change something (any method but GET, HEAD and OPTIONS), refused
ones included. A read route costs two dictionary lookups and two set tests.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from starlette.types import Scope

from shopmind.privacy.audit import PERSON_PARAMS, AuditEntry
from shopmind.serve.logins import COOKIE, SAFE_METHODS

AUDITED_ROLES = frozenset({"write", "admin"})
ROLE_STATE = "audit_role"  # set on request.state by deps.require for audited roles
_PREFIXES = ("/v1/", "/ui/")
_KEY_ID = re.compile(r"^sm_([A-Za-z0-9]{1,32})_")


def is_audited(scope: Scope) -> bool:
    """True when the request in ``scope`` belongs in the audit log (module docstring)."""
    if scope.get("state", {}).get(ROLE_STATE) in AUDITED_ROLES:
        return True
    if scope["method"] in SAFE_METHODS:
        return False
    path: str = scope["path"]
    return path.startswith(_PREFIXES) or path in ("/v1", "/ui")


def api_entry(scope: Scope, status: int, request_id: str) -> AuditEntry:
    """The audit entry of a finished request: who (the key ``require`` accepted, else the
    one the request claimed), what (method and route), the concrete target, the status."""
    state = scope.get("state", {})
    headers = _headers(scope)
    presented = _presented(headers)
    via = "key" if presented else ("session" if COOKIE in headers.get("cookie", "") else None)
    key_id = state.get("key_id")
    if key_id is not None:
        who, verified = f"key:{key_id}", True
    else:
        claimed = _KEY_ID.match(presented or "")
        who, verified = (f"key:{claimed.group(1)}" if claimed else "anonymous"), False
    route = scope.get("route")
    template = getattr(route, "path", None) or scope["path"]
    return AuditEntry(
        who=who,
        via=via,
        verified=verified,
        channel="api",
        action=f"{scope['method']} {template}",
        target=_target(scope, template),
        outcome=str(status),
        role=state.get(ROLE_STATE),
        request_id=request_id,
    )


def _target(scope: Scope, template: str) -> str:
    """The concrete path and query, with any person's id replaced by ``[person]``: the audit
    log only grows, so an id written there could never be erased (docs/privacy.md)."""
    path: str = scope["path"]
    params = scope.get("path_params") or {}
    if any(name in PERSON_PARAMS for name in params):
        path = template
        for name, value in params.items():
            shown = "[person]" if name in PERSON_PARAMS else str(value)
            path = path.replace("{" + name + "}", shown).replace("{" + name + ":path}", shown)
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        pairs = [p.partition("=") for p in query.split("&")]
        query = "&".join(
            f"{k}{sep}{'[person]' if unquote_plus(k) in PERSON_PARAMS else v}"
            for k, sep, v in pairs
        )
    return path + ("?" + query if query else "")


def _headers(scope: Scope) -> dict[str, str]:
    return {
        bytes(k).decode("latin-1"): bytes(v).decode("latin-1") for k, v in scope.get("headers", [])
    }


def _presented(headers: dict[str, str]) -> str | None:
    """The API key as ``deps.presented_key`` reads it."""
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None
    return headers.get("x-api-key")
