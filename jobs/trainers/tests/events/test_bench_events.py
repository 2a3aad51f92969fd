"""The event log benchmark runs, counts what it wrote and refuses to reuse a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.errors import InvalidArgument
from shopmind.events.bench import bench_event_log


@pytest.mark.parametrize("threads", [1, 3])
def test_bench_event_log_reports_throughput(tmp_path: Path, threads: int) -> None:
    result = bench_event_log(tmp_path / "log", batches=12, batch_size=10, threads=threads)
    assert (result["events"], result["batches"], result["fsync"]) == (120, 12, True)
    assert result["events_per_s"] > 0 and result["append_ms_p99"] >= result["append_ms_p50"]
    assert result["bytes"] > 120 * 100


def test_bench_event_log_needs_a_fresh_folder(tmp_path: Path) -> None:
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "x").write_text("x")
    with pytest.raises(InvalidArgument, match="not empty"):
        bench_event_log(tmp_path / "log", batches=1, batch_size=1)
    with pytest.raises(InvalidArgument) as err:
        bench_event_log(tmp_path / "other", batches=0, batch_size=1)
    assert err.value.details["argument"] == "batches"
