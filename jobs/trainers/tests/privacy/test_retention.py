"""Retention: the policy setting, rows older than the cutoff removed from every version (or
whole versions by age), amendments recorded, dry runs, and ``shopmind-trainers privacy retain``."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from filetools import write
from shopmind.cli.main import cli
from shopmind.config import Settings, load_settings, parse_retention
from shopmind.errors import ConfigError, InvalidArgument
from shopmind.privacy.audit import AuditLog
from shopmind.privacy.retention import apply_retention, format_duration
from shopmind.workspace import Workspace
from shopmind.workspace.store import DATA_FILE

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _events(times: Sequence[datetime | None], first: int = 0) -> pa.Table:
    n = len(times)
    return pa.table(
        {
            "n": pa.array(range(first, first + n), pa.int64()),
            "user_id": [f"u{i % 3}" for i in range(n)],
            "item_id": [f"i{i % 5}" for i in range(n)],
            "event_type": ["view"] * n,
            "timestamp": pa.array(list(times), pa.timestamp("us", "UTC")),
        }
    )


def _quarantine(n: int) -> pa.Table:
    return pa.table(
        {
            "row": pa.array(range(n), pa.int64()),
            "field": ["timestamp"] * n,
            "check": ["parse"] * n,
            "reason": ["not a time"] * n,
            "raw": [f'{{"user_id": "u{i}"}}' for i in range(n)],
        }
    )


def _days_ago(*days: float) -> list[datetime]:
    return [NOW - timedelta(days=d) for d in days]


def _with(settings: Settings, policy: str) -> Settings:
    return replace(settings, privacy_retention=policy)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# ---- the setting -------------------------------------------------------------------------
def test_parse_good_policies() -> None:
    assert parse_retention("") == {}
    assert parse_retention("   ") == {}
    assert parse_retention("events=90d, events.quarantine=30d ,user_profiles = 12h") == {
        "events": timedelta(days=90),
        "events.quarantine": timedelta(days=30),
        "user_profiles": timedelta(hours=12),
    }
    assert [format_duration(d) for d in parse_retention("a=90d,b=12h,c=48h").values()] == [
        "90d",
        "12h",
        "2d",
    ]


@pytest.mark.parametrize(
    ("spec", "entry"),
    [
        ("events=90", "events=90"),
        ("events=0d", "events=0d"),
        ("events=-1d", "events=-1d"),
        ("events=1w", "events=1w"),
        ("events=1.5d", "events=1.5d"),
        ("events=90D", "events=90D"),
        ("events", "events"),
        ("Events=1d", "Events=1d"),
        ("events@2=1d", "events@2=1d"),
        ("events=1d,events=2d", "events=2d"),
        ("events=99999999d", "events=99999999d"),
        ("events=1d,,user_profiles=2d", "empty entry"),
        ("events=1d,", "empty entry"),
    ],
)
def test_bad_policies_name_the_setting_and_the_entry(spec: str, entry: str) -> None:
    with pytest.raises(ConfigError, match="privacy_retention") as info:
        parse_retention(spec)
    assert entry in info.value.message
    assert info.value.details == {"setting": "privacy_retention"}


def test_a_bad_policy_stops_start_up() -> None:
    with pytest.raises(ConfigError, match=r"privacy_retention.*'events=3x'"):
        load_settings(environ={"SHOPMIND_PRIVACY_RETENTION": "events=90d,events=3x"})
    s = load_settings(environ={"SHOPMIND_PRIVACY_RETENTION": "events=90d"})
    assert s.privacy_retention == "events=90d"
    assert load_settings(environ={}).privacy_retention == ""


# ---- tables with a timestamp -------------------------------------------------------------
def test_old_rows_leave_every_version_and_amendments_are_recorded(
    ws: Workspace, settings: Settings
) -> None:
    v1 = ws.write_table("events", _events(_days_ago(200, 100, 91, 89, 1)), "test")
    v2 = ws.write_table("events", _events(_days_ago(120, 5, 0), first=10), "test")
    v3 = ws.write_table("events", _events(_days_ago(10, 2), first=20), "test")  # all recent
    before = _files(ws.version_dir(v3.ref))

    report = apply_retention(ws, _with(settings, "events=90d"), now=NOW)

    cutoff = NOW - timedelta(days=90)
    assert [(v.ref, v.rows_before, v.rows_removed) for v in report.versions] == [
        ("events@1", 5, 3),
        ("events@2", 3, 1),
    ]
    assert all(v.cutoff == cutoff and v.rule == "timestamp" for v in report.versions)
    assert ws.read_table(ws.get("events", 1))["n"].to_pylist() == [3, 4]
    assert ws.read_table(ws.get("events", 2))["n"].to_pylist() == [11, 12]
    for old, left in ((v1, 2), (v2, 2)):
        new = ws.get("events", old.ref.version)
        assert new.rows == left and new.columns == old.columns
        assert new.content_hash != old.content_hash
        (entry,) = new.amendments
        assert entry["kind"] == "retention" and entry["policy"] == "90d"
        assert entry["at"] == NOW.isoformat() and entry["cutoff"] == cutoff.isoformat()
        assert entry["rows_removed"] == old.rows - left
        assert entry["content_hash_before"] == old.content_hash
        manifest = json.loads((ws.version_dir(old.ref) / "manifest.json").read_text())
        assert manifest["amendments"] == [entry] and manifest["rows"] == left
        meta = pq.read_metadata(ws.data_path(new))
        assert meta.row_group(0).column(0).compression == "ZSTD"
    # inside the window: not touched at all
    assert ws.get("events", 3) == v3 and _files(ws.version_dir(v3.ref)) == before
    assert ws.verify() == []
    assert not list((ws.root / "staging").iterdir())  # the job's scratch folder is gone
    assert not list(ws.root.glob("assets/*/v*/*.tmp"))
    data = report.to_dict()
    assert data["totals"] == {
        "assets": 1,
        "versions_checked": 3,
        "versions_touched": 2,
        "rows_removed": 4,
        "skipped": 0,
    }
    assert data["policies"] == {"events": "90d"} and data["dry_run"] is False
    assert data["versions"][0] == {
        "ref": "events@1",
        "policy": "90d",
        "cutoff": cutoff.isoformat(),
        "rule": "timestamp",
        "rows_before": 5,
        "rows_removed": 3,
        "rows_after": 2,
    }
    json.dumps(data)  # JSON-ready

    # a second run finds nothing left to remove and touches nothing
    again = apply_retention(ws, _with(settings, "events=90d"), now=NOW)
    assert again.versions == [] and again.versions_checked == 3
    assert len(ws.get("events", 1).amendments) == 1


def test_rows_at_the_cutoff_and_of_unknown_time_are_kept(ws: Workspace, settings: Settings) -> None:
    cutoff = NOW - timedelta(hours=12)
    times = [cutoff - timedelta(microseconds=1), cutoff, None, cutoff + timedelta(seconds=1)]
    ws.write_table("events", _events(times), "test")
    report = apply_retention(ws, _with(settings, "events=12h"), now=NOW)
    assert report.rows_removed == 1
    assert ws.read_table(ws.get("events"))["n"].to_pylist() == [1, 2, 3]


def test_every_old_row_gone_leaves_an_empty_table(ws: Workspace, settings: Settings) -> None:
    old = ws.write_table("events", _events(_days_ago(400, 300)), "test")
    apply_retention(ws, _with(settings, "events=90d"), now=NOW)
    new = ws.get("events")
    assert new.rows == 0 and new.columns == old.columns
    assert ws.read_table(new).num_rows == 0 and ws.verify() == []


def test_user_profiles_are_cut_on_last_event_at(ws: Workspace, settings: Settings) -> None:
    profiles = pa.table(
        {
            "user_id": ["a", "b", "c"],
            "n_events": [3, 1, 2],
            "last_event_at": pa.array(_days_ago(400, 10, 366), pa.timestamp("us", "UTC")),
        }
    )
    ws.write_table("user_profiles", profiles, "test")
    report = apply_retention(ws, _with(settings, "user_profiles=365d"), now=NOW)
    assert [(v.ref, v.rule, v.rows_removed) for v in report.versions] == [
        ("user_profiles@1", "last_event_at", 2)
    ]
    assert ws.read_table(ws.get("user_profiles"))["user_id"].to_pylist() == ["b"]


# ---- dry run -----------------------------------------------------------------------------
def test_dry_run_writes_nothing(ws: Workspace, settings: Settings) -> None:
    later = datetime.now(UTC) + timedelta(hours=2)
    ws.write_table("events", _events([later - timedelta(days=200), later]), "test")
    ws.write_table("events.quarantine", _quarantine(2), "test")
    before = _files(ws.root)
    policy = _with(settings, "events=90d,events.quarantine=1h")
    report = apply_retention(ws, policy, now=later, dry_run=True)
    assert report.dry_run and report.to_dict()["dry_run"] is True
    assert [(v.ref, v.rows_removed) for v in report.versions] == [
        ("events@1", 1),
        ("events.quarantine@1", 2),
    ]
    assert _files(ws.root) == before
    assert all(not v.amendments for v in ws.versions())
    # the same run for real removes what the dry run said
    real = apply_retention(ws, policy, now=later)
    assert [v.to_dict() for v in real.versions] == [v.to_dict() for v in report.versions]


# ---- tables without a time column: the version's age decides -------------------------------
def test_quarantine_versions_go_whole_once_older_than_the_policy(
    ws: Workspace, settings: Settings
) -> None:
    q1 = ws.write_table("events.quarantine", _quarantine(3), "test")
    policy = _with(settings, "events.quarantine=30d")

    young = apply_retention(ws, policy, now=q1.created_at + timedelta(days=29))
    assert young.versions == [] and young.versions_checked == 1
    assert ws.get("events.quarantine", 1) == q1

    q2 = ws.write_table("events.quarantine", _quarantine(2), "test")
    later = q2.created_at + timedelta(days=30, microseconds=1)  # q1 and q2 are both expired
    report = apply_retention(ws, policy, now=later)
    assert [(v.ref, v.rule, v.rows_removed) for v in report.versions] == [
        ("events.quarantine@1", "version_age", 3),
        ("events.quarantine@2", "version_age", 2),
    ]
    for old in (q1, q2):
        new = ws.get("events.quarantine", old.ref.version)
        assert new.rows == 0 and new.columns == old.columns
        assert ws.read_table(new).schema.names == ["row", "field", "check", "reason", "raw"]
        assert new.amendments[0]["rule"] == "version_age"
    assert ws.verify() == []
    assert apply_retention(ws, policy, now=later).versions == []  # empty already: untouched


# ---- what retention leaves alone ---------------------------------------------------------
def test_models_are_skipped_and_untouched(ws: Workspace, settings: Settings) -> None:
    with ws.transaction("test.model") as txn:
        staged = txn.stage("recommender")
        (staged.dir / "model.bin").write_bytes(b"weights")
    model = ws.get("recommender")
    report = apply_retention(
        ws, _with(settings, "recommender=1h"), now=datetime.now(UTC) + timedelta(days=9)
    )
    assert report.versions == []
    (skip,) = report.skipped
    assert (skip.asset, skip.ref) == ("recommender", "recommender@1")
    assert DATA_FILE in skip.reason
    assert ws.get("recommender") == model and ws.verify() == []


def test_unknown_assets_are_reported_not_errors(ws: Workspace, settings: Settings) -> None:
    ws.write_table("events", _events(_days_ago(200)), "test")
    report = apply_retention(ws, _with(settings, "events=90d,nope=1d"), now=NOW)
    assert report.rows_removed == 1
    assert [s.to_dict() for s in report.skipped] == [
        {
            "asset": "nope",
            "ref": None,
            "reason": "no such asset in the workspace: nothing to remove",
        }
    ]


def test_a_timestamp_that_is_not_a_time_is_skipped(ws: Workspace, settings: Settings) -> None:
    ws.write_table("events", pa.table({"timestamp": ["2020-01-01"]}), "test")
    report = apply_retention(ws, _with(settings, "events=1d"), now=NOW)
    assert report.versions == [] and "not a timestamp" in report.skipped[0].reason


def test_no_policy_does_nothing(ws: Workspace, settings: Settings) -> None:
    ws.write_table("events", _events(_days_ago(999)), "test")
    report = apply_retention(ws, settings, now=NOW)
    assert report.policies == {} and report.versions == [] and report.skipped == []
    assert ws.get("events").rows == 1


def test_now_must_carry_a_timezone(ws: Workspace, settings: Settings) -> None:
    with pytest.raises(InvalidArgument, match="timezone"):
        apply_retention(ws, _with(settings, "events=1d"), now=datetime(2026, 1, 1))


def test_a_run_killed_after_the_rename_is_completed_by_the_next(
    ws: Workspace, settings: Settings
) -> None:
    old = ws.write_table("events", _events(_days_ago(200, 100, 1)), "test")
    # what a crash between the rename and the record leaves: the new file, the old record
    path = ws.data_path(old)
    pq.write_table(_events(_days_ago(1), first=2), path)
    assert ws.verify() == ["events@1: content hash mismatch"]
    report = apply_retention(ws, _with(settings, "events=90d"), now=NOW)
    (done,) = report.versions
    assert (done.rows_before, done.rows_removed, done.rows_in_file_before) == (3, 2, 1)
    new = ws.get("events")
    assert new.rows == 1 and new.amendments[0]["rows_in_file_before"] == 1
    assert ws.verify() == []


def test_a_version_another_job_rewrites_meanwhile_is_left_alone(
    ws: Workspace, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An erasure that rewrites the version between retention's count and its rename must
    not be undone by retention's copy of the older file."""
    from shopmind.privacy import retention

    ws.write_table("events", _events(_days_ago(200, 1, 2)), "test")
    real = retention._identity
    calls: list[Path] = []

    def erase_meanwhile(path: Path) -> tuple[int, int, int]:
        calls.append(path)
        if len(calls) == 2:  # retention has counted and copied: now another job amends
            tmp = path.with_name("erased.tmp")
            pq.write_table(_events(_days_ago(200, 1)), tmp)
            ws.amend(ws.get("events"), {"kind": "erasure"}, {DATA_FILE: tmp})
        return real(path)

    monkeypatch.setattr(retention, "_identity", erase_meanwhile)
    report = apply_retention(ws, _with(settings, "events=90d"), now=NOW)
    assert report.versions == []
    assert "changed by another job" in report.skipped[0].reason
    version = ws.get("events")
    assert [a["kind"] for a in version.amendments] == ["erasure"]
    assert ws.read_table(version)["n"].to_pylist() == [0, 1] and ws.verify() == []
    assert not list(ws.root.glob("assets/*/v*/*.tmp"))
    monkeypatch.undo()
    assert apply_retention(ws, _with(settings, "events=90d"), now=NOW).rows_removed == 1


# ---- property: exactly the rows at or after the cutoff stay --------------------------------
_CUTOFF = NOW - timedelta(days=30)
_TIMES = st.one_of(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(-5_000_000, 5_000_000).map(lambda us: _CUTOFF + timedelta(microseconds=us)),
    st.none(),
)


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(times=st.lists(_TIMES, max_size=30), versions=st.integers(1, 2))
def test_rows_kept_are_exactly_those_at_or_after_the_cutoff(
    settings: Settings, times: list[datetime | None], versions: int
) -> None:
    with tempfile.TemporaryDirectory() as d:
        ws = Workspace.open(Path(d) / "ws", create=True)
        for _ in range(versions):
            ws.write_table("events", _events(times), "test")
        report = apply_retention(ws, _with(settings, "events=30d"), now=NOW)
        expected = [i for i, t in enumerate(times) if t is None or t >= _CUTOFF]
        for v in ws.versions("events"):
            kept = ws.read_table(v)
            assert kept["n"].to_pylist() == expected
            assert v.rows == len(expected)
            assert kept["timestamp"].to_pylist() == [times[i] for i in expected]
        assert report.rows_removed == versions * (len(times) - len(expected))
        assert ws.verify() == []


# ---- the command -------------------------------------------------------------------------
def _run(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout


def test_cli_retain_json_and_text(tmp_path: Path) -> None:
    wsdir = tmp_path / "ws"
    ws = Workspace.open(wsdir, create=True)
    recent = datetime.now(UTC) - timedelta(days=1)
    ws.write_table("events", _events([datetime(2020, 1, 1, tzinfo=UTC), recent]), "test")
    ws.write_table("events", _events([recent, recent]), "test")
    env = {"SHOPMIND_PRIVACY_RETENTION": "events=90d,nope=1d"}
    opts = ["--workspace", str(wsdir)]

    code, out = _run("privacy", "retain", "--dry-run", *opts, env=env)
    assert code == 0, out
    assert "events@1: would remove 1 of 2 rows" in out
    assert "skipped nope: no such asset" in out
    assert "dry run: 1 of 2 versions would be rewritten, 1 rows removed" in out
    assert ws.get("events", 1).rows == 2

    code, out = _run("privacy", "retain", "--json", *opts, env=env)
    assert code == 0, out
    data = json.loads(out)
    assert data["policies"] == {"events": "90d", "nope": "1d"} and data["dry_run"] is False
    assert [(v["ref"], v["rows_removed"]) for v in data["versions"]] == [("events@1", 1)]
    assert data["totals"]["rows_removed"] == 1 and data["totals"]["versions_checked"] == 2
    assert data["skipped"][0]["asset"] == "nope"
    assert ws.get("events", 1).rows == 1 and ws.verify() == []

    code, out = _run("privacy", "retain", *opts, env=env)
    assert code == 0 and "0 of 2 versions rewritten, 0 rows removed" in out
    code, out = _run("privacy", "retain", *opts, env={})
    assert code == 0 and "no retention policy" in out

    actions = [(e.action, e.target, e.outcome) for e in AuditLog(wsdir).read()]
    assert actions == [
        ("cli privacy retain", "dry_run", "ok"),
        ("cli privacy retain", "", "ok"),
        ("cli privacy retain", "", "ok"),
        ("cli privacy retain", "", "ok"),
    ]


def test_cli_retain_after_ingest(tmp_path: Path) -> None:
    """Through a real ingest: old events go, recent ones and the young quarantine stay."""
    opts = ["--workspace", str(tmp_path / "ws")]
    recent = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    events = (
        "user_id,item_id,event_type,timestamp\n"
        f"u1,A,view,2020-01-01T00:00:00\nu2,A,view,{recent}\nu3,A,view,not-a-time\n"
    )
    code, out = _run("ingest", "events", str(write(tmp_path / "e.csv", events)), *opts, env={})
    assert code == 0, out
    env = {"SHOPMIND_PRIVACY_RETENTION": "events=90d,events.quarantine=30d"}
    code, out = _run("privacy", "retain", "--json", *opts, env=env)
    assert code == 0, out
    data = json.loads(out)
    assert [(v["ref"], v["rows_before"], v["rows_removed"]) for v in data["versions"]] == [
        ("events@1", 2, 1)
    ]
    assert data["totals"]["versions_checked"] == 2  # the quarantine is younger than 30 days
    ws = Workspace.open(tmp_path / "ws")
    assert ws.get("events").rows == 1 and ws.get("events.quarantine").rows == 1
    assert ws.verify() == []


def test_cli_rejects_a_bad_policy(tmp_path: Path) -> None:
    Workspace.open(tmp_path / "ws", create=True)
    result = CliRunner().invoke(
        cli,
        ["privacy", "retain", "--workspace", str(tmp_path / "ws")],
        env={"SHOPMIND_PRIVACY_RETENTION": "events=90"},
    )
    assert result.exit_code == 1
    assert "privacy_retention" in result.stderr and "'events=90'" in result.stderr
