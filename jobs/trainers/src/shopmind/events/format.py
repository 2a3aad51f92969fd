"""On-disk framing of the event log: segment files holding checksummed batch records.

A segment file is named after the sequence number of its first event,
``{first_seq:020d}.seg``, and holds::

    segment header   8s magic b"SMEVSEG1" | Q first_seq                       (16 bytes)
    record*          one per append call, however many events it carries

A record (all integers little-endian)::

    4s  magic        b"SMEv": lets recovery look for a later intact record after a bad one
    I   body_len     bytes after the fixed header: key + payload
    I   crc32        zlib.crc32 of every byte after this field (rest of header + body)
    Q   first_seq    sequence number of the batch's first event
    I   count        events in the batch (>= 1)
    d   received_at  Unix seconds when the log accepted the batch
    16s digest       BLAKE2b-128 of the payload as appended (an erase keeps it): tells a
                     retry from a reused key
    H   key_len      bytes of the idempotency key (0: none)
    key (UTF-8), payload (JSON array of the batch's event objects, keys sorted; an erased
    event reads ``{"_erased": true}``, see :mod:`shopmind.events.erase`)

Keeping key and digest in the fixed header lets :func:`read_record` rebuild the idempotency
index on open without parsing any JSON.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

SEGMENT_MAGIC = b"SMEVSEG1"
SEGMENT_HEADER = struct.Struct("<8sQ")
RECORD_MAGIC = b"SMEv"
RECORD_HEADER = struct.Struct("<4sIIQId16sH")
# The CRC covers the header from first_seq on: a flipped sequence number or key is caught too.
_CRC_FROM = 12
_CRC_FIELD = struct.Struct("<I")
MAX_KEY_BYTES = 1024
# Bounds a length field read from a damaged header before any allocation is made for it.
MAX_BODY_BYTES = 256 * 1024 * 1024
SEGMENT_SUFFIX = ".seg"
_SEGMENT_NAME = re.compile(r"^(\d{20})\.seg$")


@dataclass(frozen=True)
class Record:
    """One decoded record; ``offset`` and ``size`` are in bytes within its segment file."""

    offset: int
    size: int
    first_seq: int
    count: int
    received_at: float
    digest: bytes
    key: str | None
    payload: bytes

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1


@dataclass(frozen=True)
class BadRecord:
    """Why the bytes at ``offset`` are not an intact record."""

    offset: int
    reason: str


def segment_name(first_seq: int) -> str:
    return f"{first_seq:020d}{SEGMENT_SUFFIX}"


def parse_segment_name(path: Path) -> int | None:
    """The first sequence number a segment file name declares, or None for other files."""
    m = _SEGMENT_NAME.match(path.name)
    return int(m.group(1)) if m else None


def segment_header(first_seq: int) -> bytes:
    return SEGMENT_HEADER.pack(SEGMENT_MAGIC, first_seq)


def payload_digest(payload: bytes) -> bytes:
    """BLAKE2b-128 of a payload (16 bytes)."""
    return hashlib.blake2b(payload, digest_size=16).digest()


def encode_record(
    first_seq: int,
    count: int,
    received_at: float,
    digest: bytes,
    key: bytes,
    payload: bytes,
) -> bytes:
    """The bytes of one record, ready for a single write."""
    header = bytearray(
        RECORD_HEADER.pack(
            RECORD_MAGIC,
            len(key) + len(payload),
            0,
            first_seq,
            count,
            received_at,
            digest,
            len(key),
        )
    )
    crc = zlib.crc32(payload, zlib.crc32(key, zlib.crc32(memoryview(header)[_CRC_FROM:])))
    _CRC_FIELD.pack_into(header, 8, crc)
    return b"".join((header, key, payload))


def read_record(fh: BinaryIO, offset: int) -> Record | BadRecord:
    """Decode the record starting at ``offset`` (``fh`` must be positioned there).

    Never raises for damaged bytes: returns a :class:`BadRecord` saying what is wrong, so the
    caller decides between a torn tail and corruption.
    """
    head = fh.read(RECORD_HEADER.size)
    if len(head) < RECORD_HEADER.size:
        return BadRecord(offset, f"incomplete record header ({len(head)} bytes)")
    magic, body_len, crc, first_seq, count, received_at, digest, key_len = RECORD_HEADER.unpack(
        head
    )
    if magic != RECORD_MAGIC:
        return BadRecord(offset, f"bad record magic {magic!r}")
    if body_len > MAX_BODY_BYTES or key_len > min(body_len, MAX_KEY_BYTES):
        return BadRecord(offset, f"implausible lengths (body {body_len}, key {key_len})")
    body = fh.read(body_len)
    if len(body) < body_len:
        return BadRecord(offset, f"incomplete record: {len(body)} of {body_len} body bytes")
    if zlib.crc32(body, zlib.crc32(head[_CRC_FROM:])) != crc:
        return BadRecord(offset, "checksum mismatch")
    if count < 1:
        return BadRecord(offset, "record holds no events")
    try:
        key = body[:key_len].decode("utf-8") if key_len else None
    except UnicodeDecodeError:
        return BadRecord(offset, "idempotency key is not UTF-8")
    return Record(
        offset=offset,
        size=RECORD_HEADER.size + body_len,
        first_seq=first_seq,
        count=count,
        received_at=received_at,
        digest=digest,
        key=key,
        payload=body[key_len:],
    )
