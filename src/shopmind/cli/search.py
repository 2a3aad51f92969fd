"""``shopmind search "QUERY"``."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, common_options


@click.command()
@click.argument("query")
@click.option("--k", "k", default=10, show_default=True, help="Results to return.")
@click.option("--explain", is_flag=True, help="Show each result's BM25 and cosine parts.")
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
    """Hybrid product search over the newest search index (made by 'shopmind build')."""
    from shopmind.pipeline.searching import open_search
    from shopmind.search.filters import Filters

    parsed_filters = Filters.from_pairs(filters)
    service = open_search(ctx.workspace(), ctx.settings)
    outcome = service.search(
        query, k, explain, parsed_filters, understand=not literal, user_id=user_id
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
        for rank, r in enumerate(outcome.results, 1):
            line = f"{rank:>3}. {r.score:7.4f}  {r.item_id:<14} {r.title}"
            if explain:
                line += "\n" + " " * 16 + ", ".join(f"{k} {v}" for k, v in r.explain.items())
            lines.append(line)
        brands = ", ".join(f"{f['value']} ({f['count']})" for f in outcome.facets.get("brand", []))
        if brands:
            lines.append(f"     brands: {brands}")
        return "\n".join(lines)

    ctx.emit(data, text)
