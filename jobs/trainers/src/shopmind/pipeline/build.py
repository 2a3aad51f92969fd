"""``shopmind-trainers build``: everything the platform can derive from the newest data, in order.

products -> encoder -> item_embeddings -> near_duplicates + category_suggestions
events + products (+ item_embeddings) -> item_stats, user_profiles, recommender

Each step is a job from pinned input versions to new versions; the summary names them all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shopmind.config import Settings
from shopmind.contracts.vectors import vectors_matrix
from shopmind.errors import InvalidArgument, NotFound
from shopmind.features import build_item_embeddings, build_item_stats, build_user_profiles
from shopmind.pipeline.encoders import duplicate_threshold, ensure_encoder, open_encoder
from shopmind.pipeline.ranking import train_ranker
from shopmind.pipeline.recommending import train_recommender
from shopmind.pipeline.releasing import make_release
from shopmind.pipeline.searching import newest
from shopmind.quality.suggestions import SuggestionParams, build_suggestions
from shopmind.search.ann import VectorIndexParams, build_vector_index_asset
from shopmind.search.service import build_search_index
from shopmind.workspace import AssetVersion, Workspace

#: the steps of a build, in order (a step without inputs, or refused, is reported skipped)
BUILD_STEPS = (
    "encoder",
    "item_embeddings",
    "vector_index",
    "search_index",
    "quality_suggestions",
    "item_stats",
    "user_profiles",
    "recommender",
    "search_ranker",
    "release",
)


def run_build(
    ws: Workspace,
    settings: Settings,
    encoder_asset: AssetVersion | None = None,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run every build step the workspace has inputs for; return what was made and how long.

    ``encoder_asset`` overrides the encoder chosen by the settings (tests pass a tiny one).
    ``on_step`` gets each step's record as it finishes (progress for long builds).
    """
    started = time.perf_counter()
    products = newest(ws, "products")
    if products is None:
        raise NotFound(
            "build needs a products asset: run 'shopmind-trainers ingest products FILE' first"
        )
    events = newest(ws, "events")
    steps: list[dict[str, Any]] = []

    def step(name: str, made: list[AssetVersion], t0: float, **extra: Any) -> None:
        steps.append(
            {
                "step": name,
                "assets": [str(v.ref) for v in made],
                "seconds": round(time.perf_counter() - t0, 3),
                **extra,
            }
        )
        if on_step is not None:
            on_step(steps[-1])

    t0 = time.perf_counter()
    encoder_version = encoder_asset or ensure_encoder(ws, settings, products)
    step(
        "encoder",
        [encoder_version],
        t0,
        int8_agreement=encoder_version.quality.get("int8_agreement"),
    )

    t0 = time.perf_counter()
    encoder = open_encoder(ws, encoder_version, settings)
    embeddings = build_item_embeddings(ws, products, encoder, encoder_version)
    step(
        "item_embeddings",
        [embeddings],
        t0,
        **{k: embeddings.report[k] for k in ("encoded", "reused", "texts_per_s")},
    )

    t0 = time.perf_counter()
    vectors = vectors_matrix(ws.read_table(embeddings, columns=["vector"])["vector"])
    vector_index = build_vector_index_asset(
        ws,
        embeddings,
        vectors,
        VectorIndexParams(kind=settings.vector_index, threads=settings.threads),
    )
    del vectors
    step("vector_index", [vector_index], t0, kind=vector_index.params["kind"])

    t0 = time.perf_counter()
    index = build_search_index(ws, products, embeddings, vector_index=vector_index)
    step("search_index", [index], t0)

    t0 = time.perf_counter()
    params = SuggestionParams(duplicate_threshold=duplicate_threshold(settings, encoder_version))
    made = build_suggestions(ws, products, embeddings, params)
    step(
        "quality_suggestions",
        made,
        t0,
        near_duplicate_pairs=made[0].quality["pairs"],
        category_suggestions=made[1].quality["suggestions"],
    )

    if events is not None:
        t0 = time.perf_counter()
        stats = build_item_stats(ws, events, products, settings=settings)
        step("item_stats", [stats], t0)
        t0 = time.perf_counter()
        profiles = build_user_profiles(ws, events, products, embeddings, settings=settings)
        step("user_profiles", [profiles], t0)
        t0 = time.perf_counter()
        try:
            rec = train_recommender(ws, settings)
        except InvalidArgument as exc:  # e.g. no item events of catalog items
            step("recommender", [], t0, skipped=str(exc))
        else:
            held = rec.quality["held_out"]
            step(
                "recommender",
                [rec],
                t0,
                model=rec.params["model"],
                ndcg10=held.get("ndcg@10"),
                popularity_ndcg10=rec.quality["popularity_held_out"].get("ndcg@10"),
            )

    if newest(ws, "judgements") is not None or events is not None:
        t0 = time.perf_counter()
        try:
            ranker = train_ranker(ws, settings)
        except InvalidArgument as exc:  # too few labelled queries: serve the fused order
            step("search_ranker", [], t0, skipped=str(exc))
        else:
            step("search_ranker", [ranker], t0, **ranker.quality["held_out"])

    # last: pin what was just built and serve it (refused, with the reason, if it cannot)
    t0 = time.perf_counter()
    release, _served = make_release(ws, settings, note="shopmind-trainers build")
    steps.append(
        {
            "step": "release",
            "assets": sorted(release.pins.values()),
            "seconds": round(time.perf_counter() - t0, 3),
            "release": release.id,
        }
    )
    if on_step is not None:
        on_step(steps[-1])
    return {
        "products": str(products.ref),
        "events": str(events.ref) if events else None,
        "steps": steps,
        "seconds": round(time.perf_counter() - started, 3),
    }


def format_build(summary: dict[str, Any]) -> str:
    lines = [
        f"build from {summary['products']}"
        + (f" and {summary['events']}" if summary["events"] else "")
    ]
    for s in summary["steps"]:
        extra = {k: v for k, v in s.items() if k not in ("step", "assets", "seconds")}
        detail = ", ".join(f"{k} {v}" for k, v in extra.items() if v is not None)
        lines.append(
            f"  {s['step']:<20} {', '.join(s['assets']):<44} {s['seconds']:>7.2f} s"
            + (f"  ({detail})" if detail else "")
        )
    lines.append(f"  done in {summary['seconds']} s")
    return "\n".join(lines)
