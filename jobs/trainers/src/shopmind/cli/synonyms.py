"""``shopmind-trainers synonyms``: search synonyms as a workspace asset (import a rules file,
show)."""

from __future__ import annotations

from pathlib import Path

import click

from shopmind.cli.common import Context, audited, common_options
from shopmind.errors import InputFileError


@click.group()
def synonyms() -> None:
    """Search synonyms as a workspace asset."""


@synonyms.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--weight",
    type=float,
    default=None,
    help="Weight of an expansion term relative to a typed one, in (0, 1] (default 0.5).",
)
@common_options
@audited
def import_cmd(ctx: Context, file: Path, weight: float | None) -> None:
    """Commit synonyms@N from a Solr-style rules FILE (UTF-8, one rule a line)."""
    from shopmind.search.synonyms import EXPANSION_WEIGHT, build_synonyms_asset

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {file}: {exc}", path=str(file)) from exc
    version = build_synonyms_asset(
        ctx.workspace(create=True),
        text,
        str(file),
        EXPANSION_WEIGHT if weight is None else weight,
    )
    params = dict(version.params)
    ctx.emit(
        {"synonyms": str(version.ref), "source": str(file), **params, **version.report},
        lambda: (
            f"{version.ref} from {file}: {params['rules']} rules "
            f"({params['equivalent']} equivalence, {params['one_way']} one-way), "
            f"expansion weight {params['weight']}"
        ),
    )


@synonyms.command("show")
@click.option("--version", "number", type=int, default=None, help="Version (default newest).")
@common_options
def show_cmd(ctx: Context, number: int | None) -> None:
    """Print the rules of the newest synonyms version (or of --version N)."""
    from shopmind.search.synonyms import ASSET, load_synonyms

    ws = ctx.workspace()
    version = ws.get(ASSET, number)
    rules = load_synonyms(ws, version)
    counts = rules.counts()
    ctx.emit(
        {
            "synonyms": str(version.ref),
            "weight": rules.weight,
            "counts": counts,
            "rules": [r.to_dict() for r in rules.rules],
        },
        lambda: (
            f"# {version.ref}: {counts['rules']} rules ({counts['equivalent']} equivalence, "
            f"{counts['one_way']} one-way), expansion weight {rules.weight}\n"
            + rules.to_text().rstrip("\n")
        ),
    )
