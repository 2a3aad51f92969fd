"""``shopmind-trainers keys create|list|revoke``: the service's API keys."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, audited, common_options


@click.group()
def keys() -> None:
    """API keys of the HTTP service (stored hashed in the workspace)."""


@keys.command("create")
@click.option(
    "--role",
    type=click.Choice(["read", "write", "admin"]),
    required=True,
    help="read: search and recommend; write: also events and products; admin: everything.",
)
@click.option("--name", default="", help="Who or what the key is for.")
@common_options
@audited
def create(ctx: Context, role: str, name: str) -> None:
    """Create a key and print it: it is shown this once and never stored."""
    from shopmind.serve.keys import KeyStore

    key, record = KeyStore(ctx.workspace().root).create(role, name)
    ctx.emit({"key": key, **record.public()}, f"{key}\n(role {role}; shown once, store it now)")


@keys.command("list")
@common_options
def list_keys(ctx: Context) -> None:
    """Every key's id, name, role and state (never the key)."""
    from shopmind.serve.keys import KeyStore

    rows = [r.public() for r in KeyStore(ctx.workspace().root).records()]
    ctx.emit(
        rows,
        lambda: (
            "\n".join(
                f"{r['id']}  {r['role']:<6} {'revoked' if r['revoked'] else 'active ':<8} "
                f"{str(r['created_at'])[:19]}  {r['name']}"
                for r in rows
            )
            or "no keys"
        ),
    )


@keys.command("revoke")
@click.argument("key_id")
@common_options
@audited
def revoke(ctx: Context, key_id: str) -> None:
    """Revoke the key KEY_ID (a running server refuses it from its next request)."""
    from shopmind.serve.keys import KeyStore

    record = KeyStore(ctx.workspace().root).revoke(key_id)
    ctx.emit(record.public(), f"revoked {key_id}")
