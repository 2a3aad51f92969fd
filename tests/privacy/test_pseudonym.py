"""Keyed pseudonyms: stable under one key, different under another, unreadable without it."""

from __future__ import annotations

import stat
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.errors import InvalidArgument
from shopmind.privacy.pseudonym import KEY_FILE, Pseudonymizer, is_pseudonym

KEY_A = b"a" * 32
KEY_B = b"b" * 32


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_stable_and_distinct(x: str, y: str) -> None:
    a1, a2, b = Pseudonymizer(KEY_A), Pseudonymizer(KEY_A), Pseudonymizer(KEY_B)
    assert a1.pseudonym(x) == a2.pseudonym(x)  # joins across tables and processes
    assert a1.pseudonym(x) != b.pseudonym(x)  # another key, another pseudonym
    assert (a1.pseudonym(x) == a1.pseudonym(y)) == (x == y)
    p = a1.pseudonym(x)
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert p.startswith("p_") and len(p) == 24 and set(p[2:]) <= alphabet
    # the vectorised form (DuckDB's SHA-256) is the same HMAC
    assert a1.column(pa.array([x, y])).to_pylist() == [p, a1.pseudonym(y)]


def test_column_keeps_nulls_and_matches_the_scalar_form() -> None:
    ps = Pseudonymizer(KEY_A)
    col = pa.chunked_array([["u1", None, "u2"], ["u1"]])
    out = ps.column(col).to_pylist()
    assert out == [ps.pseudonym("u1"), None, ps.pseudonym("u2"), ps.pseudonym("u1")]


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
    assert is_pseudonym(p)
    # input pseudonymised upstream keeps its pseudonyms; its raw ids are still hashed
    col = pa.array([p, x])
    kept = ps.column(col, keep_pseudonyms=True).to_pylist()
    assert kept[0] == p
    assert kept[1] == (x if is_pseudonym(x) else p)
