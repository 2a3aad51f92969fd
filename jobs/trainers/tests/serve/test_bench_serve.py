"""``shopmind-trainers bench serve`` end to end on the tiny built shop (seconds of load per
level)."""

from __future__ import annotations

import shutil
from pathlib import Path

from serve_helpers import Shop

from shopmind.pipeline.bench_serve import P99_GOAL_MS, ServeBenchParams, bench_serve


def test_bench_serve_measures_every_endpoint(shop: Shop, tmp_path: Path) -> None:
    shutil.copytree(shop.ws.root, tmp_path / "workspace")  # built already: reused
    params = ServeBenchParams(
        products=100, users=10, events=1000, concurrency=(1, 4), seconds=1.0, event_batches=20
    )
    saved: list[set[str]] = []
    result = bench_serve(
        shop.settings, tmp_path, params, checkpoint=lambda r: saved.append(set(r["endpoints"]))
    )
    assert result["shop"]["reused"] is True and result["shop"]["release"]["id"] == 1
    for name in ("search", "recommend"):
        for level in ("1", "4"):
            r = result["endpoints"][name][level]
            assert (
                r["requests"] > 0 and r["errors"] == 0 and r["statuses"] == {"200": r["requests"]}
            )
            assert 0 < r["p50_ms"] <= r["p99_ms"]
    assert result["events"]["requests"] == 20 and result["events"]["statuses"] == {"201": 20}
    assert result["events"]["events_per_s"] > 0 and result["server_rss_mb_end"] > 0
    for name, sweep in result["rates"].items():
        assert sweep["p99_goal_ms"] == P99_GOAL_MS[name]
        assert [step["offered_rps"] > 0 for step in sweep["steps"]] == [True] * 4
        assert all(step["requests"] > 0 and step["errors"] == 0 for step in sweep["steps"])
        within = [s["offered_rps"] for s in sweep["steps"] if s["p99_ms"] <= sweep["p99_goal_ms"]]
        assert sweep["max_rps_within_goal"] == (max(within) if within else None)
    # partial results were handed out after each phase, search before recommend
    assert saved[0] == set() and {"search"} in saved and saved[-1] == {"search", "recommend"}
