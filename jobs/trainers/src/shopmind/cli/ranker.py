"""``shopmind-trainers ranker``: train the learned search ranker on the shop's judgements and
clicks."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, audited, common_options


@click.group()
def ranker() -> None:
    """The learned search ranker as a workspace asset."""


@ranker.command("train")
@click.option(
    "--source",
    type=click.Choice(["auto", "judgements", "events", "both"]),
    default="auto",
    show_default=True,
    help="Where labels come from: judged queries, search sessions with engagement, or both "
    "(auto: whichever the workspace has).",
)
@click.option("--trees", default=300, show_default=True, help="Boosting rounds.")
@click.option("--learning-rate", default=0.05, show_default=True)
@click.option("--seed", default=0, show_default=True)
@common_options
@audited
def train_cmd(ctx: Context, source: str, trees: int, learning_rate: float, seed: int) -> None:
    """Train LambdaMART for the newest search index and commit ranker@N."""
    from shopmind.pipeline.ranking import train_ranker
    from shopmind.search.ranker import RankerParams

    params = RankerParams(n_estimators=trees, learning_rate=learning_rate, seed=seed)
    version = train_ranker(ctx.workspace(), ctx.settings, source, params)
    held = version.quality.get("held_out", {})
    noise = version.quality.get("judgement_noise")
    ctx.emit(
        {
            "ranker": str(version.ref),
            "inputs": [str(r) for r in version.inputs],
            "held_out": held,
            "judgement_noise": noise,
            **version.report,
        },
        lambda: (
            f"{version.ref} from {', '.join(str(r) for r in version.inputs)}\n"
            f"  held-out NDCG@10 over {held.get('queries', 0)} queries: fused "
            f"{held.get('ndcg@10_fused', '-')} -> ranked {held.get('ndcg@10_ranked', '-')}"
            + _noise_line(noise)
        ),
    )


def _noise_line(noise: dict[str, object] | None) -> str:
    if not noise or noise.get("pair_acc_ceiling") is None:
        return ""
    return (
        f"\n  judgements: {noise['twin_pairs']} same-title pairs, "
        f"{noise['twins_differing']:.0%} of them judged apart; signal share "
        f"{noise['signal_share']:.2f}, pair_acc ceiling for a title-only ranker "
        f"{noise['pair_acc_ceiling']:.3f}"
        + (
            f" ({noise['ceiling_low']}-{noise['ceiling_high']})"
            if noise.get("ceiling_low") is not None
            else ""
        )
    )
