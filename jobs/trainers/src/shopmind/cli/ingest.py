"""``shopmind-trainers ingest KIND FILE``."""

from __future__ import annotations

from pathlib import Path

import click

from shopmind.cli.common import Context, audited, common_options
from shopmind.ingest import ingest_file
from shopmind.ingest.mapping import parse_map_options


def format_report(r: dict[str, object]) -> str:
    lines = [
        f"{r['asset']}: {r['input_rows']:,} input rows = {r['accepted']:,} accepted + "
        f"{r['quarantined']:,} quarantined ({r['quarantine_asset']})",
    ]
    by_check = r.get("quarantine_by_check")
    if isinstance(by_check, dict) and by_check:
        lines.append(
            "  quarantined by check: " + ", ".join(f"{k} {v:,}" for k, v in by_check.items())
        )
    diff = r.get("diff")
    if isinstance(diff, dict):
        lines.append(
            f"  vs previous version: +{diff['added']:,} added, ~{diff['changed']:,} "
            f"changed, -{diff['removed']:,} removed, {diff['unchanged']:,} unchanged"
        )
    refs = r.get("references")
    if isinstance(refs, dict) and refs.get("unknown_item_rows"):
        lines.append(
            f"  {refs['unknown_item_rows']:,} event(s) name products missing from "
            f"{refs['checked_against']} ({refs['action']})"
        )
    lines.append(f"  {r['seconds']} s, {r['rows_per_s']:,} rows/s")
    return "\n".join(lines)


@click.command()
@click.argument("kind", type=click.Choice(["products", "users", "events", "queries", "judgements"]))
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default=None,
    help="csv, tsv, jsonl, parquet, or a public format (seqrec, s3rec, unisrec, "
    "movielens, homedepot); default: from the file name.",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="SRC=FIELD",
    help="Map source column SRC onto canonical FIELD (repeatable).",
)
@click.option("--encoding", default=None, help="Text encoding when not UTF-8 (e.g. latin-1).")
@common_options
@audited
def ingest(
    ctx: Context,
    kind: str,
    file: Path,
    fmt: str | None,
    maps: tuple[str, ...],
    encoding: str | None,
) -> None:
    """Validate FILE against the KIND contract and commit it as a new version.

    Rows that fail validation go to KIND.quarantine with their reason; the report reconciles
    input_rows = accepted + quarantined.
    """
    column_map = parse_map_options(maps)
    ws = ctx.workspace(create=True)
    report = ingest_file(
        ws, kind, file, ctx.settings, fmt=fmt, column_map=column_map, encoding=encoding
    ).to_dict()
    ctx.emit(report, lambda: format_report(report))
