"""``shopmind-trainers bench privacy``: what pseudonymisation costs ingest, and how long an erasure
takes in a large workspace (registered on ``shopmind-trainers bench``)."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import click

from shopmind.cli.bench import _ingest_subprocess, bench, finish, out_option, shop_size_options
from shopmind.cli.common import Context, common_options

#: Pseudonyms and masking off (the baseline) and on (the default settings).
_OFF = {"SHOPMIND_PRIVACY_PSEUDONYMIZE": "false", "SHOPMIND_PRIVACY_MASK_PII": "none"}
_ON: dict[str, str] = {}


@bench.command("privacy")
@shop_size_options
@click.option("--repeats", default=3, show_default=True, help="Ingests per setting, alternated.")
@click.option("--erasures", default=3, show_default=True, help="Users erased, one at a time.")
@click.option(
    "--dir",
    "work",
    type=click.Path(path_type=Path),
    default=Path("bench/out/privacy"),
    show_default=True,
    help="Scratch folder for the files and the workspaces.",
)
@out_option
@common_options
def bench_privacy_cmd(
    ctx: Context,
    n_events: int,
    n_items: int,
    n_users: int,
    repeats: int,
    erasures: int,
    work: Path,
    out: Path | None,
) -> None:
    """Ingest throughput with and without pseudonyms and masking (same CSV, alternated runs in
    child processes), then the time to erase single users from the workspace so built."""
    from shopmind.privacy.pseudonym import KERNELS
    from shopmind.synth import SynthConfig, write_shop
    from shopmind.workspace.store import pseudonym_chars

    data_dir = work / f"data-{n_events}-{n_items}-{n_users}"
    config = SynthConfig(seed=1, n_items=n_items, n_users=n_users, n_events=n_events, n_queries=100)
    files = write_shop(config, data_dir)["files"]
    assert isinstance(files, dict)
    timings: dict[str, list[float]] = {"off": [], "on": []}
    stages: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    for _ in range(repeats):
        for name, env in (("off", _OFF), ("on", _ON)):
            ws_dir = work / f"workspace-{name}"
            shutil.rmtree(ws_dir, ignore_errors=True)
            _ingest_subprocess(ws_dir, "products", Path(files["products"]), env)
            report = _ingest_subprocess(ws_dir, "events", Path(files["events"]), env)["report"]
            timings[name].append(float(report["seconds"]))
            stages[name].append(report["stage_seconds"])
    off, on = statistics.median(timings["off"]), statistics.median(timings["on"])
    ws_dir = work / "workspace-on"  # the last ingest with the default settings
    _ingest_subprocess(ws_dir, "users", Path(files["users"]))
    result: dict[str, Any] = {
        "benchmark": "privacy",
        "events": n_events,
        "ingest": {
            "seconds_off": timings["off"],
            "seconds_on": timings["on"],
            "median_rows_per_s_off": round(n_events / off),
            "median_rows_per_s_on": round(n_events / on),
            "overhead_pct": round(100 * (on - off) / off, 1),
            # median seconds per stage of the job (IngestReport.stage_seconds)
            "stage_seconds_off": _median_stages(stages["off"]),
            "stage_seconds_on": _median_stages(stages["on"]),
            # how the pseudonyms were computed: the C extension or DuckDB, and how long
            "kernel": KERNELS[0],
            "pseudonym_chars": pseudonym_chars(ws_dir),
        },
        "erasure": _erase_some(ctx, ws_dir, _active_users(Path(files["events"]), erasures)),
    }
    command = (
        f"shopmind-trainers bench privacy --events {n_events} --items {n_items} --users {n_users} "
        f"--repeats {repeats} --erasures {erasures}"
    )
    finish(ctx, result, command, out)


def _median_stages(runs: list[dict[str, float]]) -> dict[str, float]:
    """Per stage, the median of its seconds over ``runs``."""
    names = dict.fromkeys(name for run in runs for name in run)  # in the job's order
    return {name: round(statistics.median(run.get(name, 0.0) for run in runs), 3) for name in names}


def _active_users(events_csv: Path, n: int) -> list[str]:
    """The first ``n`` distinct user ids of the events file (its first column)."""
    found: list[str] = []
    with events_csv.open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            user = line.split(",", 1)[0]
            if user not in found:
                found.append(user)
                if len(found) == n:
                    break
    return found


def _erase_some(ctx: Context, ws_dir: Path, users: list[str]) -> dict[str, Any]:
    """Erase ``users``, one at a time, timing each."""
    from dataclasses import replace

    from shopmind.privacy.erasure import erase_user
    from shopmind.workspace import Workspace

    ws = Workspace.open(ws_dir)
    settings = replace(ctx.settings, workspace=ws_dir)
    rows = ws.get("events").rows + ws.get("users").rows
    runs = []
    for user in users:
        started = time.perf_counter()
        report = erase_user(ws, settings, user)
        runs.append(
            {
                "seconds": round(time.perf_counter() - started, 2),
                "rows_removed": report.rows_removed,
                "assets_rewritten": report.assets_rewritten,
            }
        )
    return {"rows_in_workspace": rows, "runs": runs}
