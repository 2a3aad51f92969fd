"""The demo job: synthesise a shop, ingest it (malformed rows included), check the workspace."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from shopmind.config import Settings
from shopmind.ingest import ingest_file
from shopmind.synth import SynthConfig, write_shop
from shopmind.workspace import Workspace

DEMO_TRAIN_MINUTES = 2.0  # cap on the recommender's transformer training in the demo

# Ingest order matters: products first, so events are checked against the catalog.
INGEST_ORDER = (
    ("products", "products"),
    ("users", "users"),
    ("events", "events"),
    ("queries", "judgements"),
)


def run_demo(
    settings: Settings, data_dir: Path, config: SynthConfig, build: bool = True
) -> dict[str, Any]:
    """Run the main job end to end and return its summary (what ``demo --json`` prints).

    ``build``: also run ``shopmind-trainers build`` (encoder, embeddings, suggestions, stats,
    profiles).
    """
    started = time.perf_counter()
    ws = Workspace.open(settings.workspace, create=True)
    written = write_shop(config, data_dir, fmt="csv")
    t_synth = time.perf_counter() - started
    files = written["files"]
    assert isinstance(files, dict)
    ingested = []
    for file_key, kind in INGEST_ORDER:
        report = ingest_file(ws, kind, Path(files[file_key]), settings)
        ingested.append(report.to_dict())
    built = None
    if build:
        from shopmind.pipeline.build import run_build

        # a demo should finish in minutes: the transformer keeps its best epoch within the cap
        demo_settings = replace(
            settings,
            recommend_train_minutes=min(settings.recommend_train_minutes, DEMO_TRAIN_MINUTES),
        )
        built = run_build(ws, demo_settings)
    problems = ws.verify()
    planted = written.get("malformed", {})
    quarantined = {r["kind"]: r["quarantined"] for r in ingested}
    return {
        "workspace": str(ws.root.resolve()),
        "data_dir": str(data_dir.resolve()),
        "seed": config.seed,
        "synth": {
            "seconds": round(t_synth, 3),
            "counts": written.get("counts", {}),
            "malformed_planted": planted,
        },
        "ingested": [
            {
                k: r[k]
                for k in (
                    "asset",
                    "quarantine_asset",
                    "input_rows",
                    "accepted",
                    "quarantined",
                    "quarantine_by_check",
                    "seconds",
                )
            }
            for r in ingested
        ],
        "quarantined": quarantined,
        "build": built,
        "assets": [
            {"name": v.ref.name, "version": v.ref.version, "rows": v.rows} for v in ws.latest()
        ],
        "verify_problems": problems,
        "seconds": round(time.perf_counter() - started, 3),
    }


def format_summary(s: dict[str, Any]) -> str:
    lines = [
        f"shopmind-trainers demo: workspace {s['workspace']}",
        f"  synthetic shop (seed {s['seed']}) written to {s['data_dir']} "
        f"in {s['synth']['seconds']} s",
    ]
    for r in s["ingested"]:
        checks = ", ".join(f"{k} {v}" for k, v in r["quarantine_by_check"].items()) or "none"
        lines.append(
            f"  {r['asset']:<16} {r['input_rows']:>9,} rows: {r['accepted']:>9,} "
            f"accepted, {r['quarantined']:>6,} quarantined ({checks})"
        )
    if s.get("build"):
        from shopmind.pipeline.build import format_build

        lines.extend("  " + line for line in format_build(s["build"]).splitlines())
    lines.append(
        "  workspace verified: "
        + ("ok" if not s["verify_problems"] else "; ".join(s["verify_problems"]))
    )
    lines.append(
        f"  done in {s['seconds']} s. Try: shopmind-trainers assets list; "
        "shopmind-trainers assets quarantine events; shopmind-trainers assets quality products"
    )
    return "\n".join(lines)
