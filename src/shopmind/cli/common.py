"""Options every command shares, output rendering, and the one error handler."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import pyarrow as pa

from shopmind.config import Settings, load_settings
from shopmind.errors import ShopmindError
from shopmind.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    """What a command needs: settings (validated once) and the output mode."""

    settings: Settings
    as_json: bool

    def workspace(self, create: bool = False) -> Workspace:
        return Workspace.open(self.settings.workspace, create=create)

    def emit(self, data: Any, text: str | Callable[[], str] | None = None) -> None:
        """Print ``data`` as JSON with --json, else ``text`` (or a readable default)."""
        if self.as_json:
            click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
        elif text is not None:
            click.echo(text() if callable(text) else text)
        else:
            click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def common_options(func: F) -> F:
    """Add ``--workspace``, ``--config`` and ``--json``; pass a ready :class:`Context`."""

    @click.option(
        "--workspace",
        "workspace",
        type=click.Path(path_type=Path),
        default=None,
        help="Workspace folder (default ./shopmind-workspace or $SHOPMIND_WORKSPACE).",
    )
    @click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path),
        default=None,
        help="Settings file (TOML); default ./shopmind.toml when present.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")
    @functools.wraps(func)
    def wrapper(
        *args: Any, workspace: Path | None, config: Path | None, as_json: bool, **kwargs: Any
    ) -> Any:
        try:
            settings = load_settings(config_file=config, workspace=workspace)
            pa.set_cpu_count(settings.threads)  # Arrow's pool, once per process, from settings
            return func(Context(settings, as_json), *args, **kwargs)
        except ShopmindError as exc:
            render_error(exc, as_json)
            sys.exit(2 if 400 <= exc.status < 500 else 1)

    return wrapper  # type: ignore[return-value]


def render_error(exc: ShopmindError, as_json: bool) -> None:
    """The CLI's one error renderer: JSON on stdout with --json, always a line on stderr."""
    if as_json:
        click.echo(json.dumps(exc.to_dict(), default=str))
    click.echo(f"error: {exc.message}", err=True)
