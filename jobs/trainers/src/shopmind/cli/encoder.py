"""``shopmind-trainers encoder``: export the packaged encoder, fine-tune it on the shop's own
pairs."""

from __future__ import annotations

import click

from shopmind.cli.common import Context, audited, common_options


@click.group()
def encoder() -> None:
    """The text encoder as a workspace asset."""


@encoder.command("export")
@common_options
@audited
def export_cmd(ctx: Context) -> None:
    """Export the configured encoder to int8 ONNX (once) and show its agreement with torch."""
    from shopmind.errors import NotFound
    from shopmind.pipeline.encoders import ensure_encoder

    ws = ctx.workspace(create=True)
    try:
        products = ws.get("products")
    except NotFound:
        products = None
    v = ensure_encoder(ws, ctx.settings, products)
    ctx.emit({"encoder": str(v.ref), "params": dict(v.params), "quality": dict(v.quality)})


@encoder.command("finetune")
@click.option(
    "--source",
    type=click.Choice(["judgements", "events", "both"]),
    default="both",
    show_default=True,
    help="Where (query, product) pairs come from.",
)
@click.option("--epochs", default=1, show_default=True)
@click.option("--batch-size", default=32, show_default=True)
@click.option("--lr", "learning_rate", default=2e-5, show_default=True)
@click.option(
    "--min-relevance",
    default=None,
    type=float,
    help="Judgements at or above this count as positives (default: top fifth).",
)
@click.option("--max-pairs", default=0, show_default=True, help="Sample at most this many.")
@click.option("--seed", default=0, show_default=True)
@common_options
@audited
def finetune_cmd(
    ctx: Context,
    source: str,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    min_relevance: float | None,
    max_pairs: int,
    seed: int,
) -> None:
    """Fine-tune the encoder with in-batch negatives; commit it as a new encoder version."""
    from shopmind.pipeline.finetune import run_finetune
    from shopmind.text.finetune import FinetuneParams

    params = FinetuneParams(
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed
    )
    report = run_finetune(ctx.workspace(), ctx.settings, params, source, min_relevance, max_pairs)

    def text() -> str:
        b, a = report["holdout_before"], report["holdout_after"]
        return (
            f"{report['encoder']} (from {report['base']}): {report['train_pairs']} training "
            f"pairs, {report['steps']} steps in {report['train_seconds']} s; held-out "
            f"recall@10 {b.get('recall@10')} -> {a.get('recall@10')}, "
            f"MRR {b.get('mrr')} -> {a.get('mrr')}"
        )

    ctx.emit(report, text)
