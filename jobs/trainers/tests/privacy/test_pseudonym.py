"""Keyed pseudonyms: stable under one key, different under another, unreadable without it."""

from __future__ import annotations

import base64
import hmac
import json
import stat
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.errors import InvalidArgument
from shopmind.privacy import pseudonym as pseudonym_module
from shopmind.privacy.pseudonym import FORMS, KERNELS, KEY_FILE, Pseudonymizer
from shopmind.workspace.store import MARKER, PSEUDONYM_CHARS, Workspace

KEY_A = b"a" * 32
KEY_B = b"b" * 32


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.sampled_from(sorted(FORMS)))
def test_stable_and_distinct(x: str, y: str, chars: int) -> None:
    a1, a2 = Pseudonymizer(KEY_A, chars=chars), Pseudonymizer(KEY_A, chars=chars)
    b = Pseudonymizer(KEY_B, chars=chars)
    assert a1.pseudonym(x) == a2.pseudonym(x)  # joins across tables and processes
    assert a1.pseudonym(x) != b.pseudonym(x)  # another key, another pseudonym
    assert (a1.pseudonym(x) == a1.pseudonym(y)) == (x == y)
    p = a1.pseudonym(x)
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert p.startswith("p_") and len(p) == 2 + chars and set(p[2:]) <= alphabet
    # the HMAC-SHA256 of RFC 2104 cut to the form's bytes, in base 64
    mac = hmac.digest(KEY_A, x.encode("utf-8"), "sha256")[: FORMS[chars]]
    assert p[2:] == base64.urlsafe_b64encode(mac).decode()[:chars]
    # the vectorised forms (C extension, DuckDB) compute the same
    for kernel in KERNELS:
        column = Pseudonymizer(KEY_A, kernel=kernel, chars=chars).column(pa.array([x, y]))
        assert column.to_pylist() == [p, a1.pseudonym(y)], kernel


def test_short_pseudonyms_are_the_start_of_the_long_ones() -> None:
    # a workspace of format 1 holds 22 characters; the 10 of today are their first 10
    short, long = Pseudonymizer(KEY_A), Pseudonymizer(KEY_A, chars=22)
    assert short.chars == PSEUDONYM_CHARS == 10
    assert short.pseudonym("u1") == long.pseudonym("u1")[:12]
    assert short.is_pseudonym(short.pseudonym("u1"))
    assert not short.is_pseudonym(long.pseudonym("u1"))
    with pytest.raises(InvalidArgument, match="chars must be one of 10, 22"):
        Pseudonymizer(KEY_A, chars=16)


def test_the_workspace_records_its_pseudonym_length(tmp_path: Path) -> None:
    new = Workspace.open(tmp_path / "new", create=True)
    assert Pseudonymizer.for_workspace(new.root).chars == 10
    # a workspace of format 1 has no record: it keeps the 22 characters its assets hold
    old = tmp_path / "old"
    old.mkdir()
    (old / MARKER).write_text(json.dumps({"format_version": 1}))
    assert Pseudonymizer.for_workspace(old).chars == 22
    assert Pseudonymizer.for_workspace(old, "x" * 20).chars == 22


@pytest.mark.parametrize("kernel", KERNELS)
def test_column_keeps_nulls_and_matches_the_scalar_form(kernel: str) -> None:
    ps = Pseudonymizer(KEY_A, kernel=kernel)
    col = pa.chunked_array([["u1", None, "u2"], ["u1"]])
    out = ps.column(col).to_pylist()
    assert out == [ps.pseudonym("u1"), None, ps.pseudonym("u2"), ps.pseudonym("u1")]
    assert ps.column(pa.array([], pa.string())).to_pylist() == []
    assert ps.column(pa.array([None], pa.string())).to_pylist() == [None]


@pytest.mark.parametrize("kernel", KERNELS)
def test_long_keys_long_values_and_slices(kernel: str) -> None:
    # keys longer than SHA-256's 64-byte block are hashed first (RFC 2104); values longer
    # than a block take several compressions; a slice of an array starts at an offset
    values = ["", "é" * 50, "x" * 200, "u1", "日本語のユーザー"]
    for key in (b"k" * 16, b"K" * 64, b"L" * 65, bytes(range(200))):
        scalar = Pseudonymizer(key)
        ps = Pseudonymizer(key, kernel=kernel)
        sliced = pa.array(["skip me", *values])[1:]
        assert ps.column(sliced).to_pylist() == [scalar.pseudonym(v) for v in values]


def test_unknown_kernel_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="kernel must be one of"):
        Pseudonymizer(KEY_A, kernel="gpu")


@pytest.mark.skipif("native" not in KERNELS, reason="the C extension was not built")
def test_native_kernel_checks_its_input() -> None:
    native = pseudonym_module._hmac
    assert native is not None
    offsets = pa.array([0, 2, 5], pa.int32()).buffers()[1]
    assert len(native.digests(b"key", b"abcde", offsets, 16)) == 2 * 16
    assert len(native.digests(b"key", b"abcde", offsets, 32)) == 2 * 32
    with pytest.raises(ValueError, match="inside data"):
        native.digests(b"key", b"abcd", offsets, 16)
    with pytest.raises(ValueError, match="rise"):
        native.digests(b"key", b"abcde", pa.array([0, 3, 2], pa.int32()).buffers()[1], 16)
    with pytest.raises(ValueError, match="width"):
        native.digests(b"key", b"abcde", offsets, 33)
    with pytest.raises(ValueError, match="n \\+ 1 int32"):
        native.digests(b"key", b"abcde", b"\0\0\0", 16)


def test_workspace_key_file_is_created_once_and_private(tmp_path: Path) -> None:
    first = Pseudonymizer.for_workspace(tmp_path)
    again = Pseudonymizer.for_workspace(tmp_path)
    assert first.pseudonym("u1") == again.pseudonym("u1")
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    configured = Pseudonymizer.for_workspace(tmp_path, "x" * 20)
    assert configured.pseudonym("u1") != first.pseudonym("u1")
    assert first.fingerprint() != configured.fingerprint()
    assert "u1" not in first.fingerprint()


def test_short_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="at least 16 bytes"):
        Pseudonymizer(b"short")
    (tmp_path / KEY_FILE).parent.mkdir()
    (tmp_path / KEY_FILE).write_bytes(b"tiny")
    with pytest.raises(InvalidArgument, match="pseudonym key needs"):
        Pseudonymizer.for_workspace(tmp_path)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_every_pseudonym_is_recognised_and_kept_when_asked(x: str) -> None:
    ps = Pseudonymizer(KEY_A)
    p = ps.pseudonym(x)
    assert ps.is_pseudonym(p)
    # input pseudonymised upstream keeps its pseudonyms; its raw ids are still hashed
    col = pa.array([p, x])
    kept = ps.column(col, keep_pseudonyms=True).to_pylist()
    assert kept[0] == p
    assert kept[1] == (x if ps.is_pseudonym(x) else p)
