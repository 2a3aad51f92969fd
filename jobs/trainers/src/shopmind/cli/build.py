"""``shopmind-trainers build``."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, audited, common_options


@click.command()
@common_options
@audited
def build(ctx: Context) -> None:
    """Build features and quality suggestions from the newest products and events."""
    from shopmind.pipeline.build import format_build, run_build

    summary = run_build(ctx.workspace(), ctx.settings)
    ctx.emit(summary, lambda: format_build(summary))
