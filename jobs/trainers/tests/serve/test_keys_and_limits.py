"""API keys (hashed, roles, revocation) and the per-key token bucket."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from shopmind.errors import InvalidArgument, NotFound
from shopmind.serve.keys import Forbidden, KeyStore, Unauthorized, role_allows
from shopmind.serve.ratelimit import RateLimited, RateLimiter
from shopmind.serve.sessions import LiveEvent, SessionStore


def test_keys_are_stored_hashed_and_checked_by_role(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    key, record = store.create("write", "storefront")
    assert key.startswith(f"sm_{record.id}_") and record.role == "write"
    text = store.path.read_text()
    assert key.split("_", 2)[2] not in text  # the secret is never written
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert json.loads(text)["keys"][0]["sha256"] == record.sha256
    assert store.check(key, "read").id == record.id  # write includes read
    assert store.check(key, "write").id == record.id
    with pytest.raises(Forbidden, match="needs the 'admin' role"):
        store.check(key, "admin")
    for bad in (None, "", "nonsense", f"sm_{record.id}_wrong", "sm_ffffffff_" + "x" * 43):
        with pytest.raises(Unauthorized):
            store.check(bad, "read")
    # another process's store sees a revocation at its next check
    other = KeyStore(tmp_path)
    assert other.check(key, "read").id == record.id
    store.revoke(record.id)
    with pytest.raises(Unauthorized, match="revoked"):
        other.check(key, "read")
    assert [r.revoked for r in other.records()] == [True]
    with pytest.raises(NotFound):
        store.revoke("nope")
    with pytest.raises(InvalidArgument, match="role must be one of"):
        store.create("owner")


def test_role_order() -> None:
    assert role_allows("admin", "read") and role_allows("write", "write")
    assert not role_allows("read", "write") and not role_allows("write", "admin")


def test_token_bucket() -> None:
    now = [100.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.take("k")
    with pytest.raises(RateLimited) as caught:
        limiter.take("k")
    assert caught.value.details["retry_after"] == 1
    limiter.take("other")  # buckets are per key
    now[0] += 0.5  # one token back at 2/s
    limiter.take("k")
    with pytest.raises(RateLimited):
        limiter.take("k")
    now[0] += 100  # refills cap at the burst
    for _ in range(3):
        limiter.take("k")
    with pytest.raises(RateLimited):
        limiter.take("k")
    RateLimiter(rate=0, burst=1).take("k")  # 0 turns limits off
    with pytest.raises(InvalidArgument):
        RateLimiter(rate=-1, burst=1)


def test_sessions_are_bounded() -> None:
    store = SessionStore(max_users=2, max_events=3)
    for n in range(5):
        store.add("a", LiveEvent(f"i{n}", "view", n))
    assert store.recent_items("a") == ["i2", "i3", "i4"]
    store.add("b", LiveEvent("x", "click", 1))
    store.add("a", LiveEvent("i5", "view", 5))  # a is now the most recent user
    store.add("c", LiveEvent("y", "view", 1))  # drops b, the least recently active
    assert len(store) == 2 and store.events("b") == [] and store.recent_items("c") == ["y"]
    assert [u for u, _ in store.snapshot()] == ["a", "c"]
