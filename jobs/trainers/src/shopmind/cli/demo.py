"""``shopmind-trainers demo``: the main job end to end on a synthetic shop, then serve it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from shopmind.cli.common import Context, audited, common_options
from shopmind.cli.serve import run_server


@click.command()
@click.option("--no-serve", is_flag=True, help="Exit after the summary instead of serving.")
@click.option("--seed", default=7, show_default=True, help="Seed of the synthetic shop.")
@click.option(
    "--size",
    type=click.Choice(["tiny", "demo"]),
    default="demo",
    show_default=True,
    help="tiny: seconds, for smoke tests; demo: a shop of ~100k events.",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("shopmind-demo-data"),
    show_default=True,
    help="Where the synthetic shop's files are written.",
)
@click.option("--port", default=None, type=int, help="Port to serve on.")
@click.option(
    "--no-build",
    is_flag=True,
    help="Skip the build step (encoder, embeddings, suggestions, stats, profiles).",
)
@common_options
@audited
def demo(
    ctx: Context,
    no_serve: bool,
    seed: int,
    size: str,
    data_dir: Path,
    port: int | None,
    no_build: bool,
) -> None:
    """Synthesise a shop, ingest it (with malformed rows), build features, verify, summarise,
    and serve."""

    from shopmind.pipeline.demo import format_summary, run_demo
    from shopmind.synth import SynthConfig

    base = SynthConfig.tiny() if size == "tiny" else SynthConfig.demo()
    config = replace(base, seed=seed, malformed_fraction=0.01)
    summary = run_demo(ctx.settings, data_dir, config, build=not no_build)
    ctx.emit(summary, lambda: format_summary(summary))
    if summary["verify_problems"]:
        raise SystemExit(1)
    if not no_serve:
        if ctx.settings.auth == "keys":
            from shopmind.serve.keys import KeyStore

            key, _ = KeyStore(ctx.settings.workspace).create("admin", "demo")
            click.echo(f"demo admin API key (shown once): {key}", err=True)
        run_server(ctx, None, port)
