"""``shopmind-trainers synth``: write a seeded synthetic shop to files."""

from __future__ import annotations

from pathlib import Path

import click

from shopmind.cli.common import Context, common_options


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write products, users, events, queries and truth/ into.",
)
@click.option("--seed", default=0, show_default=True)
@click.option("--items", default=2_000, show_default=True, help="Products.")
@click.option("--users", default=1_000, show_default=True, help="Users.")
@click.option("--events", default=100_000, show_default=True, help="Events.")
@click.option("--queries", default=200, show_default=True, help="Distinct search queries.")
@click.option(
    "--malformed",
    default=0.0,
    show_default=True,
    help="Fraction of rows to corrupt on purpose (they must land in quarantine).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    default="csv",
    show_default=True,
)
@click.option("--gzip", "gz", is_flag=True, help="gzip the text files.")
@common_options
def synth(
    ctx: Context,
    out: Path,
    seed: int,
    items: int,
    users: int,
    events: int,
    queries: int,
    malformed: float,
    fmt: str,
    gz: bool,
) -> None:
    """Write a realistic synthetic shop (catalog, users, events, search judgements)."""

    from shopmind.synth import SynthConfig, write_shop

    config = SynthConfig(
        seed=seed,
        n_items=items,
        n_users=users,
        n_events=events,
        n_queries=queries,
        malformed_fraction=malformed,
    )
    written = write_shop(config, out, fmt=fmt, gzip=gz)
    files = written["files"]
    assert isinstance(files, dict)
    ctx.emit(written, lambda: "\n".join(f"{k}: {v}" for k, v in files.items()))
