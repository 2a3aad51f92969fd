"""``shopmind-trainers recommend USER``, ``shopmind-trainers similar ITEM`` and ``shopmind-trainers
recommender train``."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, audited, common_options


def _lines(items: list[dict[str, object]]) -> str:
    if not items:
        return "no recommendations"
    return "\n".join(
        f"{n:>3}. {r['score']:9.4f}  {r['item_id']:<16} {r['reason']}"
        for n, r in enumerate(items, 1)
    )


@click.command()
@click.argument("user")
@click.option("--k", "k", default=10, show_default=True, help="Items to return.")
@common_options
def recommend(ctx: Context, user: str, k: int) -> None:
    """Recommendations for USER from the newest recommender, each with its reason."""
    from shopmind.pipeline.recommending import open_recommender

    service = open_recommender(ctx.workspace(), ctx.settings)
    stored = ctx.stored_user(user)
    items = [r.to_dict() for r in service.recommend(stored, k)]
    data = {
        "user": user,
        "known_user": service.knows(stored),
        "model": service.model.name,
        "items": items,
    }
    ctx.emit(data, lambda: _lines(items))


@click.command()
@click.argument("item")
@click.option("--k", "k", default=10, show_default=True, help="Items to return.")
@common_options
def similar(ctx: Context, item: str, k: int) -> None:
    """Items similar to ITEM, from the newest recommender."""
    from shopmind.pipeline.recommending import open_recommender

    service = open_recommender(ctx.workspace(), ctx.settings)
    items = [r.to_dict() for r in service.similar(item, k)]
    ctx.emit({"item": item, "model": service.model.name, "items": items}, lambda: _lines(items))


@click.group()
def recommender() -> None:
    """The recommender as a workspace asset."""


@recommender.command("train")
@click.option(
    "--model",
    default=None,
    help="hybrid, sasrec, itemcf, ease, content, popularity or trending "
    "(default: the 'recommender' setting).",
)
@click.option("--seed", default=0, show_default=True)
@common_options
@audited
def train_cmd(ctx: Context, model: str | None, seed: int) -> None:
    """Fit the recommender on the newest events and commit recommender@N."""
    from shopmind.pipeline.recommending import train_recommender

    version = train_recommender(ctx.workspace(), ctx.settings, model, seed)
    held = version.quality.get("held_out", {})
    pop = version.quality.get("popularity_held_out", {})
    ctx.emit(
        {
            "recommender": str(version.ref),
            "model": version.params["model"],
            "inputs": [str(r) for r in version.inputs],
            "held_out": held,
            "popularity_held_out": pop,
            **version.report,
        },
        lambda: (
            f"{version.ref} ({version.params['model']}) from "
            f"{', '.join(str(r) for r in version.inputs)}\n"
            f"  held-out NDCG@10 {held.get('ndcg@10', '-')} (popularity "
            f"{pop.get('ndcg@10', '-')}), HR@10 {held.get('hr@10', '-')}"
        ),
    )
