"""Ingest protects personal data: ids become pseudonyms, typed contact details are masked, in
the accepted rows and in the records quarantined; the version says what was done."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from filetools import write
from shopmind.config import Settings
from shopmind.ingest import ingest_file, quarantine_of
from shopmind.privacy.policy import LivePrivacy
from shopmind.privacy.pseudonym import Pseudonymizer
from shopmind.workspace import Workspace

EVENTS = (
    "user_id,session_id,item_id,event_type,timestamp,query\n"
    "alice,s-1,P1,view,2026-01-01T00:00:00Z,\n"
    "alice,s-1,,search,2026-01-01T00:01:00Z,mail me at alice@example.com\n"
    "bob,s-2,P2,nonsense,2026-01-01T00:02:00Z,\n"  # rejected: unknown event type
)


def _stored(ws: Workspace, name: str = "events") -> list[dict[str, object]]:
    return ws.read_table(ws.get(name)).to_pylist()


def test_ids_are_pseudonymised_and_queries_masked(
    tmp_path: Path, ws: Workspace, settings: Settings
) -> None:
    ingest_file(ws, "events", write(tmp_path / "e.csv", EVENTS), settings)
    ps = Pseudonymizer.for_workspace(ws.root)
    rows = _stored(ws)
    assert {r["user_id"] for r in rows} == {ps.pseudonym("alice")}
    assert {r["session_id"] for r in rows} == {ps.pseudonym("s-1")}
    assert rows[1]["query"] == "mail me at [EMAIL]"
    version = ws.get("events")
    assert version.tags["user_id"] == frozenset({"pii", "pseudonymised"})
    assert version.tags["session_id"] == frozenset({"pii", "pseudonymised"})
    assert version.tags["query"] == frozenset({"pii", "free_text", "masked"})
    assert version.params["pseudonym_key"] == ps.fingerprint()
    assert version.params["pseudonymised"] == ["user_id", "session_id"]
    # the quarantined record keeps its shape, with its ids pseudonymised too
    (bad,) = ws.read_table(quarantine_of(ws, version)).to_pylist()
    raw = json.loads(str(bad["raw"]))
    assert raw["user_id"] == ps.pseudonym("bob") and raw["session_id"] == ps.pseudonym("s-2")
    assert "bob" not in str(bad["raw"]) + str(bad["reason"])


def test_the_same_id_joins_across_tables_and_ingests(
    tmp_path: Path, ws: Workspace, settings: Settings
) -> None:
    users = "user_id,country\nalice,GB\n"
    ingest_file(ws, "users", write(tmp_path / "u.csv", users), settings)
    ingest_file(ws, "events", write(tmp_path / "e.csv", EVENTS), settings)
    assert _stored(ws, "users")[0]["user_id"] == _stored(ws)[0]["user_id"]


def test_settings_can_keep_raw_ids_or_use_a_configured_key(
    tmp_path: Path, ws: Workspace, settings: Settings
) -> None:
    path = write(tmp_path / "e.csv", EVENTS)
    ingest_file(ws, "events", path, replace(settings, privacy_pseudonymize=False))
    assert _stored(ws)[0]["user_id"] == "alice"
    assert ws.get("events").tags["user_id"] == frozenset({"pii"})
    assert ws.get("events").params["pseudonym_key"] is None
    key = "k" * 32
    ingest_file(ws, "events", path, replace(settings, privacy_pseudonym_key=key))
    configured = Pseudonymizer(key.encode())
    assert _stored(ws)[0]["user_id"] == configured.pseudonym("alice")
    assert ws.get("events").params["pseudonym_key"] == configured.fingerprint()


def test_live_events_and_lookups_get_the_same_pseudonyms(
    tmp_path: Path, ws: Workspace, settings: Settings
) -> None:
    ingest_file(ws, "events", write(tmp_path / "e.csv", EVENTS), settings)
    live = LivePrivacy.from_settings(ws.root, settings)
    stored = _stored(ws)[0]
    event = live.event({"user_id": "alice", "session_id": "s-1", "query": "ring 13812345678"})
    assert event["user_id"] == live.user("alice") == stored["user_id"]
    assert event["session_id"] == stored["session_id"]
    assert event["query"] == "ring [PHONE]"
    # a pseudonym copied from an asset is looked up as it is
    assert live.user(str(stored["user_id"])) == stored["user_id"]
    assert live.event(event) == event
    off = LivePrivacy.from_settings(ws.root, replace(settings, privacy_pseudonymize=False))
    assert off.user("alice") == "alice"
