"""``shopmind-trainers events compact``: what the service logged, into the next asset versions."""

from __future__ import annotations

from dataclasses import asdict

import click

from shopmind.cli.common import Context, audited, common_options


@click.group()
def events() -> None:
    """The durable logs the HTTP service writes (events and product changes)."""


@events.command("compact")
@common_options
@audited
def compact(ctx: Context) -> None:
    """Validate the logged events not yet compacted into a new events@N (bad ones to
    quarantine), apply the logged product changes to a new products@N, and drop the log
    segments that are now in the workspace. Run it while the server is stopped (a log has one
    writer at a time); a running server compacts via POST /v1/events/compact and
    /v1/products/compact."""
    from shopmind.events.catalog import compact_products
    from shopmind.events.compact import compact as compact_events
    from shopmind.events.log import EventLog
    from shopmind.serve.state import EVENTS_DIR, PRODUCTS_DIR

    ws = ctx.workspace()
    fsync = ctx.settings.events_fsync
    with EventLog.open(ws.root / PRODUCTS_DIR, fsync=fsync) as log:
        products = compact_products(ws, log, ctx.settings)
    with EventLog.open(ws.root / EVENTS_DIR, fsync=fsync) as log:
        report = compact_events(ws, log, ctx.settings)
    data = {"events": asdict(report), "products": asdict(products)}
    lines = [
        f"events:   {report.events} -> {report.asset}: {report.accepted} accepted, "
        f"{report.quarantined} quarantined"
        if report.asset
        else "events:   nothing new",
        f"products: {products.operations} changes -> {products.asset}: {products.accepted} "
        f"accepted, {products.quarantined} quarantined"
        if products.asset
        else "products: nothing new",
    ]
    ctx.emit(data, "\n".join(lines))
