"""``shopmind-trainers privacy``: differentially private exports, the privacy budget, the access
audit."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Any

import click

from shopmind.cli.common import Context, audited, common_options

STATS = ("item-popularity", "category-counts")


@click.group()
def privacy() -> None:
    """Privacy of user data: DP aggregate exports and their budget, and the access audit log
    (docs/privacy.md)."""


@privacy.command("budget")
@click.option("--dataset", default="events", show_default=True, help="Events asset name.")
@common_options
def budget_cmd(ctx: Context, dataset: str) -> None:
    """What the dataset's privacy budget has spent, on what, and what remains."""
    from shopmind.privacy.budget import PrivacyBudget

    book = PrivacyBudget(
        ctx.workspace().root,
        ctx.settings.privacy_epsilon_budget,
        ctx.settings.privacy_delta_budget,
    )
    spent, remaining = book.spent(dataset), book.remaining(dataset)
    data = {
        "dataset": dataset,
        "total_epsilon": book.total_epsilon,
        "total_delta": book.total_delta,
        "spent_epsilon": spent[0],
        "spent_delta": spent[1],
        "remaining_epsilon": remaining[0],
        "remaining_delta": remaining[1],
        "spends": [s.to_dict() for s in book.spends(dataset)],
    }

    def text() -> str:
        lines = [
            f"{dataset}: epsilon {spent[0]:g} of {book.total_epsilon:g} spent, "
            f"{remaining[0]:g} left"
        ]
        lines += [f"  {s.when}  {s.epsilon:g}  {s.who}: {s.purpose}" for s in book.spends(dataset)]
        return "\n".join(lines)

    ctx.emit(data, text)


@privacy.command("export")
@click.argument("stat", type=click.Choice(STATS))
@click.option("--epsilon", type=float, required=True, help="Privacy cost of this release.")
@click.option(
    "--max-per-user",
    type=int,
    default=None,
    help="Most items (or categories) one user counts for: the sensitivity [10 items, 3 "
    "categories].",
)
@click.option(
    "--event-types", default="", help="Comma-separated event types counted [all of them]."
)
@click.option("--purpose", default=None, help="Why the release is made (kept in the ledger).")
@common_options
@audited
def export_cmd(
    ctx: Context,
    stat: str,
    epsilon: float,
    max_per_user: int | None,
    event_types: str,
    purpose: str | None,
) -> None:
    """Release STAT of the newest events as a new asset version, with Laplace noise that
    costs EPSILON of the events' privacy budget (refused once the budget is spent)."""
    from shopmind.privacy.aggregates import (
        DEFAULT_MAX_CATEGORIES_PER_USER,
        DEFAULT_MAX_ITEMS_PER_USER,
        export_category_counts,
        export_item_popularity,
    )

    types = [t.strip() for t in event_types.split(",") if t.strip()] or None
    ws, who = ctx.workspace(), f"cli:{getpass.getuser()}"
    total_epsilon = ctx.settings.privacy_epsilon_budget
    total_delta = ctx.settings.privacy_delta_budget

    def release(export: Callable[..., dict[str, Any]], **bound: int) -> dict[str, Any]:
        return export(
            ws,
            epsilon,
            total_epsilon=total_epsilon,
            total_delta=total_delta,
            who=who,
            purpose=purpose,
            event_types=types,
            **bound,
        )

    if stat == "item-popularity":
        report = release(
            export_item_popularity,
            max_items_per_user=DEFAULT_MAX_ITEMS_PER_USER if max_per_user is None else max_per_user,
        )
    else:
        report = release(
            export_category_counts,
            max_categories_per_user=(
                DEFAULT_MAX_CATEGORIES_PER_USER if max_per_user is None else max_per_user
            ),
        )
    ctx.emit(
        report,
        lambda: (
            f"{report['asset']}: epsilon {report['epsilon']:g} spent, "
            f"{report['remaining_epsilon']:g} left for {report['dataset']}"
        ),
    )


@privacy.command("audit")
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Newest entries."
)
@click.option(
    "--compact",
    is_flag=True,
    help="Also write the whole log as the next version of asset 'audit' (who and target "
    "tagged pii), unless nothing is new.",
)
@common_options
@audited
def audit_cmd(ctx: Context, limit: int, compact: bool) -> None:
    """The newest entries of the access audit log: who changed or administered what, when,
    through the API or the CLI. Reading it is audited too."""
    from shopmind.privacy.audit import AuditLog

    ws = ctx.workspace()
    log = AuditLog(ws.root)
    entries = log.read(limit=limit)
    compaction = log.compact(ws) if compact else None
    data = {
        "entries": [e.to_dict() for e in entries],
        "compaction": compaction.to_dict() if compaction else None,
    }

    def text() -> str:
        lines = [
            f"{e.when.isoformat(timespec='seconds')}  {e.who:<20} {e.outcome:<10} "
            f"{e.action}  {e.target}".rstrip()
            for e in entries
        ] or ["(no audit entries)"]
        if compaction is not None:
            state = "written" if compaction.written else "nothing new, not written"
            lines.append(f"{compaction.ref}: {compaction.entries} entries ({state})")
        return "\n".join(lines)

    ctx.emit(data, text)


@privacy.command("erase")
@click.argument("user")
@common_options
@audited
def erase_cmd(ctx: Context, user: str) -> None:
    """Erase USER (the id as it appeared in the ingested data) from every asset version,
    model history and the event log; mark models trained on their data for a rebuild.

    While a server runs it holds the event log: erase through its POST /v1/privacy/erase."""
    from shopmind.errors import ConflictError
    from shopmind.events.log import EventLog
    from shopmind.privacy.erasure import check_user, erase_user
    from shopmind.serve.state import EVENTS_DIR

    check_user(user)
    ws = ctx.workspace()
    folder = ws.root / EVENTS_DIR
    # open the log before touching anything: a running server holding it refuses the erasure
    try:
        log = EventLog.open(folder, fsync=True) if folder.is_dir() else None
    except ConflictError as exc:
        raise ConflictError(
            f"{exc.message}: a running server holds it; erase through the server "
            "(POST /v1/privacy/erase, admin role) or stop it first"
        ) from exc
    try:
        report = erase_user(ws, ctx.settings, user, [log] if log is not None else [])
    finally:
        if log is not None:
            log.close()
    data = report.to_dict()

    def text() -> str:
        lines = [f"{r['asset']}: {r['rows_removed']} rows removed" for r in report.rewritten]
        if report.event_log:
            lines.append(f"event log: {report.event_log['events_erased']} events erased")
        lines += [f"{ref}: needs a rebuild" for ref in report.marked_for_rebuild]
        lines.append(
            f"erased {report.rows_removed} rows from {len(report.assets_rewritten)} asset "
            f"versions in {report.seconds} s (ticket {report.ticket})"
        )
        return "\n".join(lines)

    ctx.emit(data, text)


from shopmind.cli.retention import retain_cmd  # noqa: E402

privacy.add_command(retain_cmd)
