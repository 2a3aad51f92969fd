"""A job SIGKILLed mid-way leaves the workspace consistent: old versions intact, nothing partial."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shopmind.workspace import Workspace


def _events_csv(path: Path, n: int) -> Path:
    with path.open("w") as fh:
        fh.write("user_id,session_id,item_id,event_type,timestamp\n")
        for i in range(n):
            fh.write(f"u{i % 997},s{i % 5003},P{i % 313},view,2026-01-01T00:{i % 60:02d}:00Z\n")
    return path


def _ingest(ws: Path, path: Path, chunk_rows: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHOPMIND_INGEST_CHUNK_ROWS": str(chunk_rows), "SHOPMIND_THREADS": "1"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopmind.cli.main",
            "ingest",
            "events",
            str(path),
            "--workspace",
            str(ws),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8])
def test_sigkill_mid_ingest_leaves_workspace_consistent(tmp_path: Path, delay: float) -> None:
    wsdir = tmp_path / "ws"
    small = _events_csv(tmp_path / "small.csv", 50)
    assert _ingest(wsdir, small, 1000).wait(60) == 0
    ws = Workspace.open(wsdir)
    before = {str(v.ref): v.content_hash for v in ws.versions()}
    assert set(before) == {"events@1", "events.quarantine@1"}

    big = _events_csv(tmp_path / "big.csv", 60_000)
    proc = _ingest(wsdir, big, 500)
    staging = wsdir / "staging"
    deadline = time.monotonic() + 30
    while not any(staging.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)

    ws = Workspace.open(wsdir)
    after = {str(v.ref): v.content_hash for v in ws.versions()}
    # Either the job had not committed (only the old versions are visible) or it had
    # committed both of its versions; never one without the other, never a changed old one.
    assert set(after) in (
        {"events@1", "events.quarantine@1"},
        {"events@1", "events.quarantine@1", "events@2", "events.quarantine@2"},
    )
    assert {k: after[k] for k in before} == before
    assert ws.verify() == []
    ws.gc()
    assert list(staging.iterdir()) == []
    # and the workspace still takes new versions
    assert _ingest(wsdir, small, 1000).wait(60) == 0
    assert Workspace.open(wsdir).get("events").ref.version == len(after) // 2 + 1
