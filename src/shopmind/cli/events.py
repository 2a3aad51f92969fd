"""``shopmind events compact``: the service's event log into the next ``events`` version."""

from __future__ import annotations

from dataclasses import asdict

import click

from shopmind.cli.common import Context, common_options


@click.group()
def events() -> None:
    """The durable event log the HTTP service writes."""


@events.command("compact")
@common_options
def compact(ctx: Context) -> None:
    """Validate the logged events not yet compacted into a new events@N (bad ones to
    quarantine) and drop the log segments that are now in the workspace. Run it while the
    server is stopped, or via the server's own compaction: the log has one writer at a time."""
    from shopmind.events.compact import compact as run
    from shopmind.events.log import EventLog
    from shopmind.serve.state import EVENTS_DIR

    ws = ctx.workspace()
    with EventLog.open(ws.root / EVENTS_DIR, fsync=ctx.settings.events_fsync) as log:
        report = run(ws, log, ctx.settings)
    data = asdict(report)
    ctx.emit(
        data,
        lambda: (
            f"{report.events} events -> {report.asset}: {report.accepted} accepted, "
            f"{report.quarantined} quarantined ({report.seconds:.2f} s)"
            if report.asset
            else "nothing new to compact"
        ),
    )
