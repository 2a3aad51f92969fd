"""``shopmind-trainers assets``: list, show, lineage, quarantine, verify, gc."""

from __future__ import annotations

import click
import pyarrow.compute as pc

from shopmind.cli.common import Context, audited, common_options
from shopmind.ingest import quarantine_of
from shopmind.workspace import AssetVersion


def summary(v: AssetVersion) -> dict[str, object]:
    """The per-version fields ``assets list --json`` promises."""
    return {
        "name": v.ref.name,
        "version": v.ref.version,
        "ref": str(v.ref),
        "rows": v.rows,
        "created_at": v.created_at.isoformat(),
        "produced_by": v.produced_by,
        "content_hash": v.content_hash,
        "inputs": [str(r) for r in v.inputs],
    }


@click.group()
def assets() -> None:
    """Inspect the workspace's versioned assets."""


@assets.command("list")
@click.option("--all", "all_versions", is_flag=True, help="Every version, not just the newest.")
@common_options
def list_cmd(ctx: Context, all_versions: bool) -> None:
    """List assets (newest version of each unless --all)."""
    ws = ctx.workspace()
    versions = ws.versions() if all_versions else ws.latest()
    rows = [summary(v) for v in versions]

    def text() -> str:
        if not rows:
            return "(no assets)"
        lines = [f"{'asset':<32} {'rows':>12}  {'created':<20} produced by"]
        for r in rows:
            lines.append(
                f"{r['ref']!s:<32} {r['rows']:>12,}  {str(r['created_at'])[:19]:<20} "
                f"{r['produced_by']}"
            )
        return "\n".join(lines)

    ctx.emit(rows, text)


@assets.command("show")
@click.argument("spec")
@common_options
def show_cmd(ctx: Context, spec: str) -> None:
    """Everything recorded about NAME[@V]: schema, hash, lineage, tags, quality, report."""
    v = ctx.workspace().resolve(spec)
    ctx.emit(v.to_dict())


@assets.command("lineage")
@click.argument("spec")
@common_options
def lineage_cmd(ctx: Context, spec: str) -> None:
    """The tree of versions and source files NAME[@V] was built from."""
    ws = ctx.workspace()
    chain = ws.lineage(ws.resolve(spec))
    data = [
        {
            "depth": d,
            "ref": str(v.ref),
            "produced_by": v.produced_by,
            "inputs": [str(r) for r in v.inputs],
            "sources": [{"path": s.get("path"), "sha256": s.get("sha256")} for s in v.sources],
        }
        for d, v in chain
    ]

    def text() -> str:
        lines = []
        for item in data:
            pad = "  " * int(str(item["depth"]))
            lines.append(f"{pad}{item['ref']}  ({item['produced_by']})")
            for s in item["sources"]:  # type: ignore[attr-defined]
                lines.append(f"{pad}  <- file {s['path']} sha256:{str(s['sha256'])[:12]}")
        return "\n".join(lines)

    ctx.emit(data, text)


@assets.command("quarantine")
@click.argument("spec")
@click.option("--limit", default=20, show_default=True, help="Rows to show (0 for all).")
@click.option("--check", "check", default=None, help="Only rows that failed this check.")
@common_options
def quarantine_cmd(ctx: Context, spec: str, limit: int, check: str | None) -> None:
    """Rows rejected by the ingest that produced NAME[@V], with field and reason."""
    ws = ctx.workspace()
    qv = quarantine_of(ws, ws.resolve(spec))
    table = ws.read_table(qv)
    if check:
        table = table.filter(pc.equal(table["check"], check))
    total = table.num_rows
    if limit:
        table = table.slice(0, limit)
    rows = table.to_pylist()
    data = {"asset": str(qv.ref), "total": total, "rows": rows}

    def text() -> str:
        lines = [f"{qv.ref}: {total} quarantined row(s)"]
        for r in rows:
            lines.append(f"  row {r['row']:>8}  {r['check']:<16} {r['reason']}")
        if total > len(rows):
            lines.append(f"  ... {total - len(rows)} more (--limit 0 for all)")
        return "\n".join(lines)

    ctx.emit(data, text)


@assets.command("quality")
@click.argument("spec")
@click.option("--limit", default=10, show_default=True, help="Suggestions to show of each kind.")
@common_options
def quality_cmd(ctx: Context, spec: str, limit: int) -> None:
    """Quality profile of NAME[@V]: columns, plus near-duplicates and category suggestions."""
    from shopmind.quality.report import quality_profile

    ws = ctx.workspace()
    data = quality_profile(ws, ws.resolve(spec), limit)

    def text() -> str:
        lines = [f"{data['asset']}: {data['rows']:,} rows"]
        for name, info in data["profile"].get("columns", {}).items():
            lines.append(
                f"  {name:<14} nulls {info['null_fraction']:.1%}  "
                f"distinct ~{info['distinct_approx']:,}"
            )
        dup = data.get("near_duplicates")
        if dup:
            lines.append(f"  near-duplicates ({dup['asset']}): {dup['rows']:,} pairs")
            for r in dup["sample"]:
                lines.append(
                    f"    {r['cosine']:.3f}  {r['item_a']} {r['title_a']!r} ~ "
                    f"{r['item_b']} {r['title_b']!r}"
                )
        cat = data.get("category_suggestions")
        if cat:
            lines.append(f"  category suggestions ({cat['asset']}): {cat['rows']:,}")
            for r in cat["sample"]:
                lines.append(
                    f"    {r['item_id']} {r['reason']}: {r['current_category']!r} -> "
                    f"{r['suggested_category']!r} ({r['confidence']:.2f})"
                )
        return "\n".join(lines)

    ctx.emit(data, text)


@assets.command("drift")
@click.argument("name")
@click.option("--older", type=int, default=None, help="Version to compare from [next-to-newest].")
@click.option("--newer", type=int, default=None, help="Version to compare to [newest].")
@common_options
def drift_cmd(ctx: Context, name: str, older: int | None, newer: int | None) -> None:
    """How far each column of NAME moved between two versions (PSI; docs/data-quality)."""
    from shopmind.quality.report import asset_drift

    data = asset_drift(ctx.workspace(), name, older, newer)

    def text() -> str:
        rows = data["rows"]
        lines = [f"{data['older']} ({rows[0]:,} rows) -> {data['newer']} ({rows[1]:,} rows)"]
        for c in data["columns"]:
            score = "  -" if c["psi"] is None else f"{c['psi']:.3f} {c['verdict']}"
            nulls = c["null_share"]
            lines.append(
                f"  {c['column']:<16} {c['kind']:<11} {score:<16} "
                f"nulls {nulls[0]:.1%} -> {nulls[1]:.1%}"
            )
        for key in ("added", "removed"):
            if data[key]:
                lines.append(f"  columns {key}: {', '.join(data[key])}")
        return "\n".join(lines)

    ctx.emit(data, text)


@assets.command("verify")
@common_options
def verify_cmd(ctx: Context) -> None:
    """Re-hash every version's files and report any that changed or went missing."""
    problems = ctx.workspace().verify()
    ctx.emit(
        {"ok": not problems, "problems": problems},
        "all versions intact" if not problems else "\n".join(problems),
    )
    if problems:
        raise SystemExit(1)


@assets.command("gc")
@common_options
@audited
def gc_cmd(ctx: Context) -> None:
    """Remove litter of killed jobs (staging folders, uncommitted version folders)."""
    removed = [str(p) for p in ctx.workspace().gc()]
    ctx.emit({"removed": removed}, f"removed {len(removed)} folder(s)")
