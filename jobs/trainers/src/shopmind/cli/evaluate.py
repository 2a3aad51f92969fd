"""``shopmind-trainers evaluate``."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, audited, common_options


@click.command()
@click.option(
    "--models",
    default="",
    help="Comma-separated recommenders [popularity,itemcf,content and the configured one].",
)
@click.option("--seed", default=0, show_default=True)
@common_options
@audited
def evaluate(ctx: Context, models: str, seed: int) -> None:
    """Recommenders side by side on the newest events (leave-one-out); the report is also
    written to WORKSPACE/reports/ for the dashboard."""
    from shopmind.pipeline.evaluating import evaluate_workspace

    names = [m.strip() for m in models.split(",") if m.strip()] or None
    report = evaluate_workspace(ctx.workspace(), ctx.settings, names, seed=seed)

    def text() -> str:
        d = report["dataset"]
        lines = [
            f"{d['name']}: {d['users']:,} users, {d['items']:,} items, "
            f"{d['test_users']:,} test users -> {report['file']}"
        ]
        for name, m in report["models"].items():
            if "skipped" in m:
                lines.append(f"  {name:<12} skipped: {m['skipped']}")
                continue
            lines.append(
                f"  {name:<12} ndcg@10 {m['ndcg@10']:.4f}  hr@10 {m['hr@10']:.4f}  "
                f"cold ndcg@10 {m.get('cold_ndcg@10', 0.0):.4f}  {m['train_seconds']} s"
            )
        return "\n".join(lines)

    ctx.emit(report, text)
