"""``shopmind search "QUERY"``."""

from __future__ import annotations

from dataclasses import asdict

import click

from shopmind.cli.common import Context, common_options


@click.command()
@click.argument("query")
@click.option("--k", "k", default=10, show_default=True, help="Results to return.")
@click.option("--explain", is_flag=True, help="Show each result's BM25 and cosine parts.")
@common_options
def search(ctx: Context, query: str, k: int, explain: bool) -> None:
    """Hybrid product search over the newest search index (made by 'shopmind build')."""
    from shopmind.pipeline.searching import open_search

    service = open_search(ctx.workspace(), ctx.settings)
    results = service.search(query, k, explain)
    data = {
        "query": query,
        "index": str(service.version.ref),
        "results": [asdict(r) for r in results],
    }

    def text() -> str:
        if not results:
            return f"no results for {query!r}"
        lines = []
        for rank, r in enumerate(results, 1):
            line = f"{rank:>3}. {r.score:7.4f}  {r.item_id:<14} {r.title}"
            if explain:
                line += "\n" + " " * 16 + ", ".join(f"{k} {v}" for k, v in r.explain.items())
            lines.append(line)
        return "\n".join(lines)

    ctx.emit(data, text)
