"""``shopmind-trainers bench serve``: the HTTP service under load (registered on
``shopmind-trainers bench``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from shopmind.cli.bench import bench, finish, out_option
from shopmind.cli.common import Context, common_options


@bench.command("serve")
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path),
    default=Path("bench/out/serve-shop"),
    show_default=True,
    help="Folder of the synthetic shop and its workspace (reused when already built).",
)
@click.option("--products", default=100_000, show_default=True)
@click.option("--users", default=20_000, show_default=True)
@click.option("--events", "n_events", default=400_000, show_default=True)
@click.option("--concurrency", default="1,8,32", show_default=True)
@click.option("--seconds", default=20.0, show_default=True, help="Per endpoint and level.")
@click.option("--event-batches", default=2000, show_default=True, help="Batches of 100.")
@click.option("--soak-minutes", default=0.0, show_default=True, help="Mixed load, memory sampled.")
@click.option("--recommender", default="hybrid", show_default=True)
@click.option("--train-minutes", default=3.0, show_default=True, help="Transformer cap.")
@click.option(
    "--zh-fraction",
    default=0.0,
    show_default=True,
    help="Share of Chinese products (above 0 the multilingual encoder serves queries).",
)
@out_option
@common_options
def bench_serve_cmd(
    ctx: Context,
    folder: Path,
    products: int,
    users: int,
    n_events: int,
    concurrency: str,
    seconds: float,
    event_batches: int,
    soak_minutes: float,
    recommender: str,
    train_minutes: float,
    zh_fraction: float,
    out: Path | None,
) -> None:
    """Throughput and p50/p99 of /v1/search and /v1/recommend at each concurrency, durable
    event ingestion in batches of 100, and memory over a soak (docs/benchmarks.md)."""
    from shopmind.pipeline.bench_serve import ServeBenchParams, bench_serve

    levels = tuple(int(c) for c in concurrency.split(",") if c.strip())
    params = ServeBenchParams(
        products=products,
        users=users,
        events=n_events,
        concurrency=levels,
        seconds=seconds,
        event_batches=event_batches,
        soak_minutes=soak_minutes,
        recommender=recommender,
        train_minutes=train_minutes,
        zh_fraction=zh_fraction,
    )

    def checkpoint(partial: dict[str, Any]) -> None:
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps({**partial, "partial": True}, indent=2), encoding="utf-8")

    result = bench_serve(
        ctx.settings, folder, params, lambda m: click.echo(m, err=True), checkpoint
    )
    finish(ctx, result, "bench serve", out)
