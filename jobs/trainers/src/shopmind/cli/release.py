"""``shopmind-trainers release list|create|activate|rollback``."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, audited, common_options


@click.group()
def release() -> None:
    """Releases: pinned sets of asset versions that the service serves."""


def _line(r: dict[str, object], active: int | None) -> str:
    pins = r["pins"]
    assert isinstance(pins, dict)
    mark = "*" if r["id"] == active else " "
    return f"{mark} {r['id']:>4}  {str(r['created_at'])[:19]}  {', '.join(pins.values())}"


@release.command("list")
@common_options
def list_releases(ctx: Context) -> None:
    """Every release (* marks the active one)."""
    from shopmind.workspace.releases import ReleaseBook

    book = ReleaseBook(ctx.workspace())
    history = book.history()
    active = history[-1] if history else None
    rows = [{**r.to_dict(), "active": r.id == active} for r in book.all()]
    ctx.emit(rows, lambda: "\n".join(_line(r, active) for r in rows) or "no releases")


@release.command("create")
@click.option("--note", default="", help="Why this release exists.")
@click.option("--activate/--no-activate", default=True, show_default=True)
@common_options
@audited
def create(ctx: Context, note: str, activate: bool) -> None:
    """Pin the newest built versions into a new release, after checking they serve."""
    from shopmind.pipeline.releasing import make_release

    made, _served = make_release(ctx.workspace(), ctx.settings, note, activate)
    ctx.emit(
        {**made.to_dict(), "active": activate},
        lambda: _line(made.to_dict(), made.id if activate else None),
    )


@release.command("activate")
@click.argument("release_id", type=int)
@common_options
@audited
def activate(ctx: Context, release_id: int) -> None:
    """Make RELEASE_ID active (checked first; a running server switches via the API)."""
    from shopmind.pipeline.releasing import open_release
    from shopmind.workspace.releases import ReleaseBook

    ws = ctx.workspace()
    book = ReleaseBook(ws)
    open_release(ws, ctx.settings, book.get(release_id))
    made = book.activate(release_id)
    ctx.emit({**made.to_dict(), "active": True}, lambda: _line(made.to_dict(), made.id))


@release.command("rollback")
@common_options
@audited
def rollback(ctx: Context) -> None:
    """Re-activate the release that was active before the current one."""
    from shopmind.workspace.releases import ReleaseBook

    made = ReleaseBook(ctx.workspace()).rollback()
    ctx.emit({**made.to_dict(), "active": True}, lambda: _line(made.to_dict(), made.id))
