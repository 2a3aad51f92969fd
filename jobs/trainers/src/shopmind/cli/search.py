"""``shopmind-trainers search "QUERY"``."""

from __future__ import annotations

from typing import Any

import click

from shopmind.cli.common import Context, common_options


@click.command()
@click.argument("query")
@click.option("--k", "k", default=10, show_default=True, help="Results to return.")
@click.option(
    "--explain",
    is_flag=True,
    help="Show each result's BM25, cosine and what made its score (ranker "
    "contributions or fusion parts).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="KEY=VALUE",
    help="category=, brand= (repeatable), price_min=, price_max=, in_stock=, attr.KEY=",
)
@click.option("--literal", is_flag=True, help="Do not read price phrases as filters.")
@click.option(
    "--user",
    "user_id",
    default=None,
    help="Personalise for this user (unknown users get unpersonalised results).",
)
@common_options
def search(
    ctx: Context,
    query: str,
    k: int,
    explain: bool,
    filters: tuple[str, ...],
    literal: bool,
    user_id: str | None,
) -> None:
    """Hybrid product search over the newest search index (made by 'shopmind-trainers build')."""
    from shopmind.pipeline.searching import open_search
    from shopmind.search.filters import Filters

    parsed_filters = Filters.from_pairs(filters)
    service = open_search(ctx.workspace(), ctx.settings)
    outcome = service.search(
        query,
        k,
        explain,
        parsed_filters,
        understand=not literal,
        user_id=ctx.stored_user(user_id) if user_id else None,
    )
    data = {"index": str(service.version.ref), **outcome.to_dict()}

    def text() -> str:
        if not outcome.results:
            return f"no results for {query!r}"
        lines = []
        if outcome.understood:
            lines.append(
                f"     (searched {outcome.searched!r}; read as filters: "
                f"{', '.join(outcome.understood)})"
            )
        if outcome.corrections:
            lines.append(f"     (read as: {_corrections_line(outcome.corrections)})")
        for rank, r in enumerate(outcome.results, 1):
            line = f"{rank:>3}. {r.score:7.4f}  {r.item_id:<14} {r.title}"
            if explain:
                line += "\n" + " " * 16 + _explain_line(r.explain)
            lines.append(line)
        brands = ", ".join(f"{f['value']} ({f['count']})" for f in outcome.facets.get("brand", []))
        if brands:
            lines.append(f"     brands: {brands}")
        if outcome.intent:
            shares = ", ".join(f"{i['category']} {i['share']:.0%}" for i in outcome.intent)
            lines.append(f"     category intent: {shares}")
        return "\n".join(lines)

    ctx.emit(data, text)


def _corrections_line(corrections: dict[str, Any]) -> str:
    """``hoze -> hose``, ``kwik set -> kwikset``, ``centermount -> center + mount`` ..."""
    parts = []
    for kind, found in corrections.items():
        for written, read in found.items():
            joiner = " + " if kind == "split" else " | "
            parts.append(f"{written} -> {read if isinstance(read, str) else joiner.join(read)}")
    return "; ".join(parts)


def _explain_line(explain: dict[str, object]) -> str:
    """Flat parts as ``name value``; a ranker's contributions as the five largest, signed."""
    flat = [f"{k} {v}" for k, v in explain.items() if not isinstance(v, dict)]
    contributions = explain.get("contributions")
    if isinstance(contributions, dict):
        top = sorted(
            ((k, float(v)) for k, v in contributions.items() if k != "bias"),
            key=lambda kv: -abs(kv[1]),
        )[:5]
        flat.append("ranker: " + ", ".join(f"{k} {v:+.3f}" for k, v in top))
    return ", ".join(flat)
