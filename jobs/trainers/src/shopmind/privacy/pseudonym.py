"""Keyed pseudonyms for identifiers of people (user ids, session ids).

``pseudonym(value)`` is an HMAC-SHA256 of the value under a workspace secret, cut to 60
bits, written as 10 URL-safe base-64 characters and prefixed with ``p_``: 12 characters, which
DuckDB keeps inline (docs/privacy.md: what longer ones cost, and the odds of two ids sharing a
pseudonym). Workspaces of format 1 keep their 22 characters (128 bits),
as recorded in the workspace (:func:`shopmind.workspace.store.pseudonym_chars`). The same value
always gives the same pseudonym under one key, so tables pseudonymised separately still join;
without the key nobody can compute a user's pseudonym from their id (a plain hash could be
reversed by hashing every plausible id).

The key lives outside the assets: a configured secret when the caller passes one, else a
file ``WORKSPACE/secrets/pseudonym.key`` that is created on first use with 32 random bytes and
owner-only permissions.
A key's fingerprint (an HMAC of a fixed label, never the key) can be recorded with each
version, so a changed key, which breaks joins with older versions, is detected.

Columns are hashed by a small C extension over OpenSSL (``_hmac``, built with the package)
when it is present, else by DuckDB; both give the values :meth:`Pseudonymizer.pseudonym` gives.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopmind.errors import InvalidArgument
from shopmind.workspace.store import PSEUDONYM_CHARS, pseudonym_chars

try:  # optional: compiled at install where a C compiler and OpenSSL's headers exist
    from shopmind.privacy import _hmac
except ImportError:  # pragma: no cover - depends on the build
    _hmac = None  # type: ignore[assignment]

PREFIX = "p_"
KEY_FILE = Path("secrets") / "pseudonym.key"
_MIN_KEY_BYTES = 16
_BLOCK = 64  # SHA-256's block size in bytes
#: Pseudonym lengths (characters after ``p_``) -> bytes of the MAC they are written from
FORMS = {10: 8, 22: 16}
#: How columns are hashed: ``native`` (the C extension) when it was built, else ``duckdb``.
KERNELS = ("native", "duckdb") if _hmac is not None else ("duckdb",)
# RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)), cut to the form's bytes (hex digits, twice);
# the padded keys are parameters, never SQL text
_HMAC_SQL = (
    "SELECT unhex(substr(sha256(?::BLOB || unhex(sha256(?::BLOB || encode(v)))), 1, {hex})) "
    "FROM dictionary"
)


class Pseudonymizer:
    """Maps identifiers to keyed pseudonyms (module docstring)."""

    def __init__(self, key: bytes, kernel: str = "", chars: int = PSEUDONYM_CHARS) -> None:
        """``kernel``: how :meth:`column` hashes, one of :data:`KERNELS`; empty picks the
        first (the C extension when it was built). ``chars``: characters after ``p_``, a key
        of :data:`FORMS`."""
        if not isinstance(key, bytes) or len(key) < _MIN_KEY_BYTES:
            raise InvalidArgument(
                f"the pseudonym key must be at least {_MIN_KEY_BYTES} bytes", argument="key"
            )
        if chars not in FORMS:
            raise InvalidArgument(
                f"chars must be one of {', '.join(map(str, FORMS))}, got {chars!r}",
                argument="chars",
            )
        self.chars = chars
        self._width = FORMS[chars]
        self._form = re.compile(rf"{PREFIX}[A-Za-z0-9_-]{{{chars}}}")
        if kernel and kernel not in KERNELS:
            raise InvalidArgument(
                f"kernel must be one of {', '.join(KERNELS)}, got {kernel!r}", argument="kernel"
            )
        self.kernel = kernel or KERNELS[0]
        self._key = key
        self._mac = hmac.new(key, digestmod=hashlib.sha256)
        self._cache: dict[str, str] = {}
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        # RFC 2104's padded keys, for the vectorised form in :meth:`column`
        block = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
        self._ipad = bytes(b ^ 0x36 for b in block)
        self._opad = bytes(b ^ 0x5C for b in block)

    @classmethod
    def for_workspace(cls, root: Path, configured: str = "") -> Pseudonymizer:
        """The workspace's pseudonymizer, in the form its assets hold: keyed by ``configured``
        (a setting) when given, else by the key file under ``root``, created on first use."""
        chars = pseudonym_chars(root)
        if configured:
            return cls(configured.encode("utf-8"), chars=chars)
        return cls(_key_file(root), chars=chars)

    def pseudonym(self, value: str) -> str:
        """``p_`` + :attr:`chars` URL-safe base-64 characters; stable for ``value`` under this
        key."""
        found = self._cache.get(value)
        if found is None:
            mac = self._mac.copy()  # the keyed state is set up once, not per value
            mac.update(value.encode("utf-8"))
            text = base64.urlsafe_b64encode(mac.digest()[: self._width]).decode()
            found = PREFIX + text[: self.chars]
            if len(self._cache) < 100_000:
                self._cache[value] = found
        return found

    def column(self, values: pa.Array | pa.ChunkedArray, keep_pseudonyms: bool = False) -> pa.Array:
        """Pseudonyms of a string column (nulls stay null), equal to :meth:`pseudonym` of each
        value. With ``keep_pseudonyms``, values that already are pseudonyms stay as they are
        (for input that was partly pseudonymised upstream).

        Each distinct value is hashed once, and the digests are written as text in one numpy
        pass. The C extension hashes from the two keyed SHA-256 states with the GIL released,
        0.2 µs of CPU a value; DuckDB, which cannot start from a keyed state, 1.3 µs on all
        cores. A loop in Python (0.9 µs) holds the GIL, which slowed the validation running
        beside it by a third.
        """
        encoded = pc.dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        distinct = pc.cast(encoded.dictionary, pa.string())
        return pc.take(self._hashed(distinct, keep_pseudonyms), encoded.indices)

    def _hashed(self, distinct: pa.Array, keep_pseudonyms: bool) -> pa.Array:
        """HMAC pseudonyms of ``distinct`` values, in order."""
        if keep_pseudonyms:
            anchored = f"^{self._form.pattern}$"
            kept = pc.fill_null(pc.match_substring_regex(distinct, anchored), False)
            if pc.any(kept).as_py():
                todo = pc.invert(kept)
                hashed = self._hashed(pc.filter(distinct, todo), False)
                return pc.replace_with_mask(distinct, todo, hashed)
        if self.kernel == "native":
            return _encoded(_native_digests(self._key, distinct, self._width), self.chars)
        table = pa.table({"v": distinct})
        # DuckDB scans Arrow in parallel by record batch: hand it several
        batches = table.to_batches(max_chunksize=max(1, -(-table.num_rows // 8)))
        with self._lock:
            if self._con is None:  # one connection for the pseudonymizer's life: 14 ms each
                self._con = duckdb.connect()
            self._con.register("dictionary", pa.Table.from_batches(batches, table.schema))
            sql = _HMAC_SQL.format(hex=2 * self._width)
            digests = self._con.sql(sql, params=[self._opad, self._ipad]).to_arrow_table()
            self._con.unregister("dictionary")
        return _encoded(digests.column(0).combine_chunks(), self.chars)

    def is_pseudonym(self, value: str) -> bool:
        """True when ``value`` has the form of this pseudonymizer's pseudonyms (``p_`` +
        :attr:`chars` URL-safe base-64 characters)."""
        return self._form.fullmatch(value) is not None

    def fingerprint(self) -> str:
        """A short id of the key (an HMAC of a fixed label), safe to record with data."""
        mac = self._mac.copy()
        mac.update(b"\0shopmind pseudonym key fingerprint")
        return mac.hexdigest()[:16]


def _native_digests(key: bytes, values: pa.Array, width: int) -> pa.Array:
    """``width``-byte HMAC-SHA256 prefixes of ``values`` (a string array without nulls: a
    column's dictionary) by the C extension, as a binary array."""
    assert _hmac is not None, "the native kernel needs the compiled extension"
    assert values.null_count == 0, "hash a column's dictionary, which holds no nulls"
    n = len(values)
    if n == 0:
        return pa.array([], pa.binary())
    _, offsets, data = values.buffers()
    raw = _hmac.digests(
        key,
        memoryview(data) if data is not None else b"",
        memoryview(offsets.slice(4 * values.offset, 4 * (n + 1))),  # int32 offsets
        width,
    )
    starts = np.arange(0, width * n + 1, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(starts), pa.py_buffer(raw)])


def _encoded(digests: pa.Array, chars: int) -> pa.Array:
    """``p_`` + the first ``chars`` characters of the URL-safe base 64 of each digest (all of
    one width), built as one buffer: a digest zero-padded to a multiple of 3 bytes encodes
    without ``=``, and its first ``chars`` characters are those of the digest alone."""
    n = len(digests)
    width = FORMS[chars]
    offsets = np.frombuffer(digests.buffers()[1], dtype=np.int32)[digests.offset :][: n + 1]
    assert not n or (np.diff(offsets) == width).all(), f"every digest must be {width} bytes"
    data = np.frombuffer(digests.buffers()[2] or b"", dtype=np.uint8)
    padded = np.zeros((n, -(-width // 3) * 3), dtype=np.uint8)
    padded[:, :width] = data[offsets[0] : offsets[0] + width * n].reshape(n, width)
    text = np.frombuffer(base64.urlsafe_b64encode(padded.tobytes()), dtype=np.uint8)
    out = np.empty((n, len(PREFIX) + chars), dtype=np.uint8)
    out[:, : len(PREFIX)] = np.frombuffer(PREFIX.encode(), dtype=np.uint8)
    out[:, len(PREFIX) :] = text.reshape(n, padded.shape[1] // 3 * 4)[:, :chars]
    starts = np.arange(0, out.size + 1, out.shape[1], dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(starts), pa.py_buffer(out))


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
