"""Options every command shares, output rendering, the one error handler, and the access
audit of commands that change the workspace or its keys."""

from __future__ import annotations

import functools
import json
import os
import pwd
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
import pyarrow as pa

from shopmind.config import Settings, load_settings
from shopmind.errors import ShopmindError
from shopmind.privacy.audit import PERSON_PARAMS, AuditEntry, AuditLog
from shopmind.workspace import Workspace
from shopmind.workspace.store import MARKER

F = TypeVar("F", bound=Callable[..., Any])
_SHARED_OPTIONS = frozenset({"workspace", "config", "as_json"})


@dataclass
class Context:
    """What a command needs: settings (validated once) and the output mode."""

    settings: Settings
    as_json: bool

    def workspace(self, create: bool = False) -> Workspace:
        return Workspace.open(self.settings.workspace, create=create)

    def stored_user(self, user: str) -> str:
        """The id the workspace's assets hold for ``user`` (its pseudonym, unless the
        ``privacy_pseudonymize`` setting is off)."""
        from shopmind.privacy.policy import LivePrivacy

        # the key file sits in the workspace folder, which the command has opened already
        return LivePrivacy.from_settings(Path(self.settings.workspace), self.settings).user(user)

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


def audited(func: F) -> F:
    """Append the command to the workspace's access audit log (docs/privacy.md) when it ends:
    who ran it (``cli:<os user>``), the command and its arguments, and the outcome (``ok``
    or the error code). Apply it below :func:`common_options`."""

    @functools.wraps(func)
    def wrapper(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        outcome = "internal"
        try:
            result = func(ctx, *args, **kwargs)
        except ShopmindError as exc:
            outcome = exc.code
            raise
        except SystemExit as exc:
            outcome = "ok" if exc.code in (0, None) else f"exit {exc.code}"
            raise
        except KeyboardInterrupt:
            outcome = "interrupted"
            raise
        else:
            outcome = "ok"
            return result
        finally:
            _append_audit(ctx, outcome)

    return wrapper  # type: ignore[return-value]


def _append_audit(ctx: Context, outcome: str) -> None:
    root = Path(ctx.settings.workspace)
    if not (root / MARKER).is_file():
        return  # no workspace was there or made: the command changed nothing to audit
    action, target = describe_command(click.get_current_context(silent=True))
    entry = AuditEntry(
        who=f"cli:{os_user()}",
        via="os",
        channel="cli",
        action=action,
        target=target,
        outcome=outcome,
    )
    try:
        # one entry per process: sync it now rather than start a background syncer
        with AuditLog(root, sync_interval_s=0) as log:
            log.append(entry)
    except (OSError, ShopmindError) as exc:
        click.echo(f"warning: could not append to the audit log: {exc}", err=True)


def os_user() -> str:
    """The name of the effective OS user (its uid when it has none). Not ``$USER``, which
    anybody can set."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def describe_command(ctx: click.Context | None) -> tuple[str, str]:
    """``("cli ingest events", "file=p.csv encoding=latin-1")``: the command path with its
    choice arguments (a kind of action, not a value), then the other arguments and options
    that were given or have a default, shell-quoted."""
    if ctx is None:
        return "cli", ""
    names: list[str] = []
    level = ctx
    while level.parent is not None:  # the root group's name is the program's, not the action
        names.append(level.info_name or "?")
        level = level.parent
    action = ["cli", *(reversed(names) if names else [ctx.info_name or "?"])]
    target: list[str] = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        # identity, not ``in``: 0 == False, and a seed of 0 is an argument worth recording
        if param.name in _SHARED_OPTIONS or value is None or value is False or value in ("", ()):
            continue
        if param.name in PERSON_PARAMS:  # the audit never holds a person's id (docs/privacy.md)
            target.append(f"{param.name}=[person]")
            continue
        if isinstance(param, click.Argument) and isinstance(param.type, click.Choice):
            action.append(str(value))
        elif value is True:
            target.append(str(param.name))
        else:
            target.append(f"{param.name}={shlex.quote(_shown(value))}")
    return " ".join(action), " ".join(target)


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(_shown(v) for v in value)
    # absolute: the audit outlives the shell the command ran in, and its working folder
    return os.path.abspath(value) if isinstance(value, Path) else str(value)
