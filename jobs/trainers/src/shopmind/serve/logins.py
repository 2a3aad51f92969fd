"""Dashboard logins: an API key typed once into the login form becomes a session cookie.

The browser never keeps the key: ``POST /ui/login`` checks it and answers with a random
session token in an ``HttpOnly; SameSite=Strict`` cookie (scripts cannot read it, other sites
cannot send it). The server keeps only the token's SHA-256, the key's id and an expiry, in
memory: a restart logs everyone out, and revoking the key ends its sessions at the next
request, because every request re-reads the key's record.

Requests that change something (POST, PUT, PATCH, DELETE) with the cookie must also carry
the header ``X-Shopmind-UI: 1``: a cross-site form cannot set a custom header, and with CORS
off a cross-site script cannot either, so a forged request is refused (CSRF).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from shopmind.serve.keys import Forbidden, KeyRecord, KeyStore, Unauthorized, check_role

COOKIE = "shopmind_session"
UI_HEADER = "x-shopmind-ui"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Logins:
    """Session tokens of dashboard logins (module docstring). Safe to share between threads."""

    def __init__(self, ttl_seconds: float = 8 * 3600, max_sessions: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[str, float]] = {}  # sha256(token) -> (key id, expiry)

    def open(self, record: KeyRecord) -> str:
        """A new session for the key ``record``; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            if len(self._sessions) >= self.max_sessions:
                self._sessions = {h: s for h, s in self._sessions.items() if s[1] > now}
                while len(self._sessions) >= self.max_sessions:  # still full: drop the oldest
                    self._sessions.pop(next(iter(self._sessions)))
            self._sessions[_digest(token)] = (record.id, now + self.ttl)
        return token

    def close(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(_digest(token), None)

    def check(
        self, token: str, keys: KeyStore, needed: str, method: str, ui_header: str | None
    ) -> KeyRecord:
        """The key record behind ``token`` when the session is live, the key still valid and
        its role allows ``needed``; raises :class:`Unauthorized` or :class:`Forbidden`."""
        h = _digest(token)
        with self._lock:
            found = self._sessions.get(h)
            if found is not None and found[1] <= time.monotonic():
                del self._sessions[h]
                found = None
        if found is None:
            raise Unauthorized("the dashboard session has expired or ended: log in again")
        record = keys.find(found[0])
        if record is None or record.revoked:
            self.close(token)
            raise Unauthorized("the key of this dashboard session was revoked: log in again")
        if method.upper() not in SAFE_METHODS and ui_header != "1":
            raise Forbidden(
                "a change made with the dashboard's cookie needs the header 'X-Shopmind-UI: 1'"
            )
        check_role(record, needed)
        return record
