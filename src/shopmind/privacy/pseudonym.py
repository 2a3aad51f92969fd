"""Keyed pseudonyms for identifiers of people (user ids, session ids).

``pseudonym(value)`` is an HMAC-SHA256 of the value under a workspace secret, shortened to 26
base-32 characters (130 bits) and prefixed with ``p_``. The same value always gives the same
pseudonym under one key, so tables pseudonymised separately still join; without the key
nobody can compute a user's pseudonym from their id (a plain hash could be reversed by hashing
every plausible id).

The key lives outside the assets: a configured secret when the caller passes one, else a
file ``WORKSPACE/secrets/pseudonym.key`` that is created on first use with 32 random bytes and
owner-only permissions.
A key's fingerprint (an HMAC of a fixed label, never the key) can be recorded with each
version, so a changed key, which breaks joins with older versions, is detected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from shopmind.errors import InvalidArgument

PREFIX = "p_"
KEY_FILE = Path("secrets") / "pseudonym.key"
_MIN_KEY_BYTES = 16


class Pseudonymizer:
    """Maps identifiers to keyed pseudonyms (module docstring)."""

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
            raise InvalidArgument(
                f"the pseudonym key must be at least {_MIN_KEY_BYTES} bytes", argument="key"
            )
        self._mac = hmac.new(key, digestmod=hashlib.sha256)
        self._cache: dict[str, str] = {}

    @classmethod
    def for_workspace(cls, root: Path, configured: str = "") -> Pseudonymizer:
        """The workspace's pseudonymizer: ``configured`` (a setting) when given, else the key
        file under ``root``, created on first use."""
        if configured:
            return cls(configured.encode("utf-8"))
        return cls(_key_file(root))

    def pseudonym(self, value: str) -> str:
        """``p_`` + 26 base-32 characters; stable for ``value`` under this key."""
        found = self._cache.get(value)
        if found is None:
            mac = self._mac.copy()  # the keyed state is set up once, not per value
            mac.update(value.encode("utf-8"))
            found = PREFIX + base64.b32encode(mac.digest()[:17]).decode("ascii")[:26].lower()
            if len(self._cache) < 1_000_000:
                self._cache[value] = found
        return found

    def column(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Pseudonyms of a string column (nulls stay null); each distinct value is hashed
        once."""
        encoded = pc.dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        mapped = pa.array([self.pseudonym(v) for v in encoded.dictionary.to_pylist()], pa.string())
        return pc.take(mapped, encoded.indices)

    def fingerprint(self) -> str:
        """A short id of the key (an HMAC of a fixed label), safe to record with data."""
        mac = self._mac.copy()
        mac.update(b"\0shopmind pseudonym key fingerprint")
        return mac.hexdigest()[:16]


def _key_file(root: Path) -> bytes:
    path = root / KEY_FILE
    if not path.exists():
        path.parent.mkdir(mode=0o700, exist_ok=True)
        try:  # O_EXCL: two processes starting at once must not write two different keys
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
                fh.flush()
                os.fsync(fh.fileno())
    key = path.read_bytes()
    if len(key) < _MIN_KEY_BYTES:
        raise InvalidArgument(
            f"{path} holds {len(key)} bytes; a pseudonym key needs at least {_MIN_KEY_BYTES}",
            argument="key",
        )
    return key
