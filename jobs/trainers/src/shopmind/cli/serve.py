"""``shopmind-trainers serve``."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, common_options


def run_server(ctx: Context, host: str | None, port: int | None) -> None:
    """Serve the API and dashboard for the context's workspace until interrupted."""
    import uvicorn

    from shopmind.serve import create_app

    ws = ctx.workspace()  # fail fast, with a clear error, when there is no workspace
    if ctx.settings.auth == "keys":
        from shopmind.serve.keys import KeyStore

        if not any(not r.revoked for r in KeyStore(ws.root).records()):
            click.echo(
                "no API keys yet: every /v1 route will answer 401 until you run "
                "'shopmind-trainers keys create --role admin'",
                err=True,
            )
    host = host or ctx.settings.serve_host
    port = port or ctx.settings.serve_port
    click.echo(
        f"serving {ctx.settings.workspace} on http://{host}:{port}/ (Ctrl-C stops)", err=True
    )
    uvicorn.run(create_app(ctx.settings), host=host, port=port, log_level=ctx.settings.log_level)


@click.command()
@click.option("--host", default=None, help="Bind address (setting serve_host).")
@click.option("--port", default=None, type=int, help="Port (setting serve_port).")
@common_options
def serve(ctx: Context, host: str | None, port: int | None) -> None:
    """Serve the HTTP API and the dashboard over the workspace."""
    run_server(ctx, host, port)
