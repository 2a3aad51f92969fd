"""The ``shopmind-trainers`` command group (the Python CLI; ``shopmind`` is the TypeScript one)."""

from __future__ import annotations

import click

from shopmind import __version__
from shopmind.cli.assets import assets
from shopmind.cli.bench import bench
from shopmind.cli.bench_privacy import bench_privacy_cmd
from shopmind.cli.bench_serve import bench_serve_cmd
from shopmind.cli.build import build
from shopmind.cli.demo import demo
from shopmind.cli.encoder import encoder
from shopmind.cli.evaluate import evaluate
from shopmind.cli.events import events
from shopmind.cli.ingest import ingest
from shopmind.cli.keys import keys
from shopmind.cli.privacy import privacy
from shopmind.cli.ranker import ranker
from shopmind.cli.recommend import recommend, recommender, similar
from shopmind.cli.release import release
from shopmind.cli.search import search
from shopmind.cli.serve import serve
from shopmind.cli.synonyms import synonyms
from shopmind.cli.synth import synth


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shopmind-trainers")
def cli() -> None:
    """shopmind: e-commerce search and recommendations over versioned data assets."""


for command in (
    assets,
    bench,
    build,
    demo,
    encoder,
    evaluate,
    events,
    ingest,
    keys,
    privacy,
    ranker,
    recommend,
    recommender,
    release,
    search,
    serve,
    similar,
    synonyms,
    synth,
):
    cli.add_command(command)


_ = bench_serve_cmd  # registered on ``bench`` by its import
_ = bench_privacy_cmd  # registered on ``bench`` by its import


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
