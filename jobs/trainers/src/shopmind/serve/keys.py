"""API keys: roles, hashed storage, constant-time checks.

A key reads ``sm_<id>_<secret>``: the id finds the record, the secret is never stored, only its
SHA-256 (a key is 256 random bits, so a fast hash is enough: there is nothing to brute-force,
unlike a password). Comparison uses :func:`hmac.compare_digest`, so the time a check takes says
nothing about how much of a guess was right.

Roles are ordered: ``read`` (search, recommend, similar) < ``write`` (events, products; and
what read may do) < ``admin`` (assets, releases, keys; and everything else).

The store is one JSON file, ``service/keys.json`` in the workspace, replaced atomically.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from shopmind.errors import InvalidArgument, NotFound, ShopmindError, WorkspaceError

ROLES = ("read", "write", "admin")
KEYS_FILE = Path("service") / "keys.json"
PREFIX = "sm_"


class Unauthorized(ShopmindError):
    """No API key, or one that is unknown, malformed or revoked."""

    status = 401
    code = "unauthorized"


class Forbidden(ShopmindError):
    """A valid key whose role does not allow the route."""

    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class KeyRecord:
    """A stored key: never the secret itself."""

    id: str
    name: str
    role: str
    sha256: str
    created_at: str
    revoked: bool = False

    def public(self) -> dict[str, object]:
        """What listing shows (no hash)."""
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "revoked": self.revoked,
        }


def role_allows(role: str, needed: str) -> bool:
    """True when ``role`` is ``needed`` or above it."""
    return ROLES.index(role) >= ROLES.index(needed)


def check_role(record: KeyRecord, needed: str) -> None:
    """Raise :class:`Forbidden` unless the key's role allows ``needed``."""
    if not role_allows(record.role, needed):
        raise Forbidden(
            f"this route needs the {needed!r} role; the key {record.id!r} has {record.role!r}",
            needed=needed,
            role=record.role,
        )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyStore:
    """The workspace's API keys (module docstring). Safe to share between threads."""

    def __init__(self, workspace_root: Path) -> None:
        self.path = workspace_root / KEYS_FILE
        self._lock = threading.Lock()
        self._records: dict[str, KeyRecord] = {}
        self._mtime: float | None = None

    # -- reading ----------------------------------------------------------------------------
    def records(self) -> list[KeyRecord]:
        """Every key record, oldest first (reloaded when the file changed on disk)."""
        with self._lock:
            self._refresh()
            return sorted(self._records.values(), key=lambda r: r.created_at)

    def find(self, key_id: str) -> KeyRecord | None:
        """The record of ``key_id`` (revoked ones included), or None."""
        with self._lock:
            self._refresh()
            return self._records.get(key_id)

    def check(self, presented: str | None, needed: str) -> KeyRecord:
        """The record of ``presented`` when it is valid and its role allows ``needed``.

        Raises :class:`Unauthorized` (missing, malformed, unknown, wrong or revoked key) or
        :class:`Forbidden` (role too low). Every unknown-key path still hashes and compares, so
        answer times do not tell which part of a key was wrong."""
        if not presented:
            raise Unauthorized(
                "this route needs an API key: send it as 'Authorization: Bearer KEY'"
            )
        key_id, secret = _split(presented)
        with self._lock:
            self._refresh()
            record = self._records.get(key_id)
        expected = record.sha256 if record is not None else _digest("no such key")
        ok = hmac.compare_digest(_digest(secret), expected)
        if record is None or not ok or record.revoked:
            raise Unauthorized("the API key is unknown, wrong or revoked")
        check_role(record, needed)
        return record

    # -- writing ----------------------------------------------------------------------------
    def create(self, role: str, name: str = "") -> tuple[str, KeyRecord]:
        """A new key of ``role``: returns the key (shown once, never stored) and its record."""
        if role not in ROLES:
            raise InvalidArgument(
                f"role must be one of {', '.join(ROLES)}, got {role!r}", argument="role"
            )
        key_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        record = KeyRecord(
            id=key_id,
            name=name,
            role=role,
            sha256=_digest(secret),
            created_at=datetime.now(UTC).isoformat(),
        )
        with self._lock:
            self._refresh()
            self._records[key_id] = record
            self._write()
        return f"{PREFIX}{key_id}_{secret}", record

    def revoke(self, key_id: str) -> KeyRecord:
        """Mark ``key_id`` revoked (kept in the file so listing shows what happened)."""
        with self._lock:
            self._refresh()
            record = self._records.get(key_id)
            if record is None:
                raise NotFound(f"no API key with id {key_id!r}", key=key_id)
            revoked = KeyRecord(**{**asdict(record), "revoked": True})
            self._records[key_id] = revoked
            self._write()
        return revoked

    # -- file -------------------------------------------------------------------------------
    def _refresh(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            self._records, self._mtime = {}, None
            return
        if mtime == self._mtime:
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            records = [KeyRecord(**r) for r in raw["keys"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(f"{self.path} is corrupt: {exc}", path=str(self.path)) from exc
        self._records = {r.id: r for r in records}
        self._mtime = mtime

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {"keys": [asdict(r) for r in self._records.values()]}
        # owner-only: the hashes do not reveal keys, but nobody else needs to read them
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._mtime = self.path.stat().st_mtime


def _split(presented: str) -> tuple[str, str]:
    body = presented.strip()
    if not body.startswith(PREFIX) or body.count("_") < 2:
        raise Unauthorized("the API key is malformed: keys look like 'sm_<id>_<secret>'")
    key_id, _, secret = body[len(PREFIX) :].partition("_")
    return key_id, secret
