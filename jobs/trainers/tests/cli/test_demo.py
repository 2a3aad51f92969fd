"""`shopmind-trainers demo --no-serve --json` end to end on the tiny synthetic shop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopmind.cli.main import cli
from shopmind.ingest import quarantine_of
from shopmind.workspace import Workspace


def test_demo_summary_and_planted_rows_are_quarantined(tmp_path: Path) -> None:
    ws_dir, data_dir = tmp_path / "ws", tmp_path / "data"
    result = CliRunner().invoke(
        cli,
        [
            "demo",
            "--no-serve",
            "--json",
            "--size",
            "tiny",
            "--no-build",
            "--workspace",
            str(ws_dir),
            "--data-dir",
            str(data_dir),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["verify_problems"] == []
    assert {a["name"] for a in summary["assets"]} >= {
        "products",
        "events",
        "users",
        "judgements",
        "events.quarantine",
    }
    for r in summary["ingested"]:
        assert r["input_rows"] == r["accepted"] + r["quarantined"]

    ws = Workspace.open(ws_dir)
    for name in ("products", "events"):
        planted = summary["synth"]["malformed_planted"][name]
        planted_rows = {row for rows in planted["rows"].values() for row in rows}
        assert planted_rows, f"the tiny demo should plant bad {name} rows"
        quarantined = ws.read_table(quarantine_of(ws, ws.get(name)))
        # every planted row is caught, at the right record number
        assert planted_rows <= set(quarantined["row"].to_pylist())
    # events are checked against the catalog ingested just before them
    assert ws.get("events").inputs == (ws.get("products").ref,)


def test_demo_twice_makes_new_versions_with_an_unchanged_diff(tmp_path: Path) -> None:
    args = [
        "demo",
        "--no-serve",
        "--json",
        "--size",
        "tiny",
        "--no-build",
        "--workspace",
        str(tmp_path / "ws"),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    CliRunner().invoke(cli, args, catch_exceptions=False)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    summary = json.loads(result.stdout)
    assert [r["asset"] for r in summary["ingested"]] == [
        "products@2",
        "users@2",
        "events@2",
        "judgements@2",
    ]
    ws = Workspace.open(tmp_path / "ws")
    diff = ws.get("products", 2).report["diff"]
    assert diff["added"] == diff["removed"] == diff["changed"] == 0


@pytest.mark.slow
def test_demo_with_build_uses_the_real_encoder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "demo",
            "--no-serve",
            "--json",
            "--size",
            "tiny",
            "--workspace",
            str(tmp_path / "ws"),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    build = json.loads(result.stdout)["build"]
    assert [s["step"] for s in build["steps"]] == [
        "encoder",
        "item_embeddings",
        "vector_index",
        "search_index",
        "quality_suggestions",
        "item_stats",
        "user_profiles",
        "search_ranker",
    ]
    # the demo shop is 15% Chinese, so encoder = auto picks the multilingual model
    from shopmind.workspace import Workspace

    encoder = Workspace.open(tmp_path / "ws").get("encoder")
    assert encoder.params["family"] == "multilingual-e5-small"
