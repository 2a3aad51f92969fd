"""``item_popularity``: decayed, weighted counts up to the bound, written as a hashed artifact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from catalog_helpers import sqlite_catalog

from shopmind.errors import InvalidArgument
from shopmind.trainers.item_popularity import ItemPopularityParams, train
from shopmind.trainers.snapshot import open_snapshot

DAY = "2026-01-{:02d}T00:00:00.000Z"
EVENTS = [
    (1, "u1", "a", "view", DAY.format(1)),
    (2, "u2", "a", "view", DAY.format(1)),
    (3, "u1", "b", "purchase", DAY.format(15)),
    (4, "u3", "c", "search", DAY.format(15)),
    (5, "u3", "b", "view", DAY.format(29)),  # past the bound used below
]


def run(tmp_path: Path, bound: int, params: dict[str, object]) -> tuple[dict, dict, list]:
    url = sqlite_catalog(tmp_path, ["a", "b", "c"], EVENTS)
    steps: list[tuple[str, float, str]] = []
    with open_snapshot(url, bound) as snap:
        result = train(snap, params, tmp_path / "out", lambda *s: steps.append(s))
    (artifact,) = result.artifacts
    data = (tmp_path / "out" / artifact.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == artifact.sha256
    assert artifact.bytes == len(data)
    return json.loads(data), result.metrics, steps


def test_scores_decay_from_the_newest_event_read(tmp_path: Path) -> None:
    table, metrics, steps = run(tmp_path, 4, {"half_life_days": 14})
    scores = {row["item_id"]: row["score"] for row in table["items"]}
    # Two views 14 days (one half-life) before the newest event: 2 * 1 * 0.5.
    assert scores["a"] == pytest.approx(1.0)
    # One purchase at the newest time: weight 5, no decay.
    assert scores["b"] == pytest.approx(5.0)
    # Searches weigh nothing by default but the product still counts as seen.
    assert scores["c"] == 0.0
    assert [row["item_id"] for row in table["items"]] == ["b", "a", "c"]
    assert metrics["events_read"] == 4 and metrics["max_seq_read"] == 4
    assert metrics["users"] == 3 and metrics["items"] == 3 and metrics["top_item"] == "b"
    assert table["event_bound"] == 4
    assert [s[0] for s in steps] == ["read", "score", "write"]


def test_an_event_past_the_bound_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    before, m1, _ = run(tmp_path / "one", 4, {})
    after, m2, _ = run(tmp_path / "two", 5, {})
    assert m1["events_read"] == 4 and m2["events_read"] == 5
    assert before["items"] != after["items"]  # so the bound is what kept event 5 out


def test_weights_top_k_and_bad_params(tmp_path: Path) -> None:
    table, metrics, _ = run(tmp_path, 4, {"weights": {"view": 10}, "top_k": 1})
    assert [row["item_id"] for row in table["items"]] == ["a"]
    assert metrics["items_kept"] == 1
    for bad in ({"half_life_days": 0}, {"top_k": 0}, {"weights": {"view": -1}}, {"nope": 1}):
        with pytest.raises(InvalidArgument):
            ItemPopularityParams.parse(bad)


def test_the_same_snapshot_gives_the_same_bytes(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    a, _, _ = run(tmp_path / "one", 5, {})
    b, _, _ = run(tmp_path / "two", 5, {})
    assert a == b
