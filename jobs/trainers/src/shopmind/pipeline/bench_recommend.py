"""``shopmind-trainers bench recommend``: every recommender side by side, leave-one-out, full
ranking.

Protocol (S3-Rec and the papers that follow it): each user's last item is the test target, the
second-to-last the validation target. Every model is fitted on the histories without the test
items; the transformer early-stops on the validation items; scoring ranks ALL items for the
history before the test item, the user's earlier items excluded.

Models: ``popularity``, ``itemcf``, ``ease``, ``content`` (needs titles), ``sasrec-plain`` (the
reference: ids only, full cross-entropy), ``sasrec`` (ours: text-fused items when titles exist,
event and time-gap inputs when recorded) and ``hybrid`` (LightGBM blend of the other models of
the run, popularity always included, reusing the run's fitted transformer). With titles, items are
embedded by the packaged text encoder.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.config import Settings
from shopmind.errors import InvalidArgument
from shopmind.evaluate.recsys_metrics import Cases, evaluate, leave_one_out_cases
from shopmind.evaluate.seqrec_data import (
    read_interactions,
    read_sequences,
    read_titles,
    with_vectors,
)
from shopmind.pipeline.encoders import ensure_encoder, open_encoder
from shopmind.recommend.base import Recommender
from shopmind.recommend.content import ContentKNN
from shopmind.recommend.data import Interactions
from shopmind.recommend.ease import Ease
from shopmind.recommend.hybrid import Hybrid
from shopmind.recommend.itemcf import ItemCF, order_variants
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.sasrec.config import SasRecParams
from shopmind.recommend.sasrec.model import SasRec
from shopmind.recommend.threads import single_threaded
from shopmind.workspace import Workspace

ALL_MODELS = ("popularity", "itemcf", "ease", "content", "sasrec-plain", "sasrec", "hybrid")
HYBRID_PARTS = ("sasrec", "itemcf", "ease", "content", "popularity")
TRANSFORMERS = ("sasrec", "sasrec-plain")


def hybrid_parts(models: Sequence[str], has_text: bool) -> list[str]:
    """The components a run's hybrid blends: the run's other models (all of them when the
    hybrid runs alone), one transformer (``sasrec``, else ``sasrec-plain``), popularity always,
    content only with titles."""
    listed = [p for p in HYBRID_PARTS if p in models] or list(HYBRID_PARTS)
    if "sasrec" not in listed and "sasrec-plain" in models:
        listed.insert(0, "sasrec-plain")  # the run's only transformer, trained once
    parts = [p for p in listed if p != "content" or has_text]
    if "popularity" not in parts:
        parts.append("popularity")
    return parts


@dataclass(frozen=True)
class RecommendBenchParams:
    models: tuple[str, ...] = ALL_MODELS
    sasrec: SasRecParams = field(default_factory=SasRecParams)
    seed: int = 0


def load_dataset(
    sequences: Path | None, interactions: Path | None, items: Path | None
) -> tuple[Interactions, dict[str, str]]:
    """The dataset and its titles by item id (empty without ``items``)."""
    if (sequences is None) == (interactions is None):
        raise InvalidArgument(
            "give exactly one of --sequences and --interactions", argument="input"
        )
    if sequences is not None:
        data, _ = read_sequences(sequences)
        titles = read_titles(items, "s3rec_item_id") if items else {}
    else:
        assert interactions is not None
        data, _ = read_interactions(interactions)
        titles = read_titles(items, "item_id") if items else {}
    return data, titles


def embed_titles(settings: Settings, data: Interactions, titles: dict[str, str]) -> np.ndarray:
    """``(n_items, d)`` unit vectors of the items' titles (a zero vector for a missing title)."""
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ws", create=True)
        encoder = open_encoder(ws, ensure_encoder(ws, settings, None), settings)
        texts = [titles.get(i, "") for i in data.catalog.ids]
        present = [n for n, t in enumerate(texts) if t.strip()]
        vectors = encoder.encode([texts[n] for n in present])
    out = np.zeros((len(texts), vectors.shape[1]), np.float32)
    out[present] = vectors
    return out


def _make(name: str, params: RecommendBenchParams) -> Recommender:
    if name == "popularity":
        return Popularity()
    if name == "itemcf":
        return ItemCF()
    if name == "ease":
        return Ease()
    if name == "content":
        return ContentKNN()
    if name == "sasrec":
        return SasRec(replace(params.sasrec, seed=params.seed))
    if name == "sasrec-plain":
        return SasRec(
            replace(
                params.sasrec,
                text_weight=False,
                use_events=False,
                use_gaps=False,
                seed=params.seed,
            )
        )
    raise InvalidArgument(
        f"unknown model {name!r}; choose from {', '.join(ALL_MODELS)}", argument="models"
    )


def _score_latency(
    model: Recommender, cases: Cases, n: int = 1000, warm_up: int = 20
) -> dict[str, float]:
    """Per-user recommend latency over ``n`` test histories, one at a time (ms), after
    ``warm_up`` untimed calls (a server is warm: the first call builds cached tables)."""
    times = []
    with single_threaded():  # as a server scores a request (recommend/threads.py)
        for h in cases.histories[-warm_up:]:
            model.recommend(h, 10, h.items)
        for h in cases.histories[:n]:
            t0 = time.perf_counter()
            model.recommend(h, 10, h.items)
            times.append((time.perf_counter() - t0) * 1000)
    arr = np.array(times)
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p99_ms": round(float(np.percentile(arr, 99)), 2),
    }


def bench_recommend(
    settings: Settings,
    data: Interactions,
    titles: dict[str, str],
    params: RecommendBenchParams | None = None,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Fit and score every model of ``params.models`` on ``data`` (see the module docstring).

    ``progress(model, result so far)`` is called after each model (the CLI prints a line and
    saves the partial result, so a long run is never all-or-nothing)."""
    params = params or RecommendBenchParams()
    unknown = [m for m in params.models if m not in ALL_MODELS]
    if unknown:
        raise InvalidArgument(
            f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(ALL_MODELS)}",
            argument="models",
        )
    result: dict[str, Any] = {
        "dataset": {
            "users": data.n_users,
            "items": data.n_items,
            "interactions": data.n_interactions,
            "titled_items": sum(1 for i in data.catalog.ids if titles.get(i, "").strip()),
        },
        "models": {},
        "params": {"sasrec": asdict(params.sasrec), "seed": params.seed},
    }
    if titles:
        t0 = time.perf_counter()
        data = with_vectors(data, embed_titles(settings, data, titles))
        result["dataset"]["embed_seconds"] = round(time.perf_counter() - t0, 1)
    has_text = data.catalog.vectors is not None
    train = data.truncated(1)
    cases = leave_one_out_cases(data)
    result["dataset"]["test_cases"] = len(cases.targets)
    result["dataset"]["cold_cases"] = int(cases.cold.sum())
    fitted: dict[str, Recommender] = {}
    for name in params.models:
        reused: list[str] = []  # transformers the hybrid takes already fitted
        if name == "content" and not has_text:
            result["models"][name] = {"skipped": "no item titles (--items)"}
            continue
        if name == "hybrid":
            # the hybrid blends the other models of the run (all of them when it runs alone)
            parts = hybrid_parts(params.models, has_text)
            reused = [p for p in parts if p in TRANSFORMERS and p in fitted]
            components = {p: fitted[p] if p in reused else _make(p, params) for p in parts}
            if "itemcf" in components:
                components.update(order_variants())  # as shopmind-trainers build's hybrid has them
            model: Recommender = Hybrid(components, prefitted=reused)
        else:
            model = _make(name, params)
        t0 = time.perf_counter()
        model.fit(train)
        seconds = time.perf_counter() - t0
        if name == "hybrid":
            seconds += sum(result["models"][p]["train_seconds"] for p in reused)
        fitted[name] = model
        t0 = time.perf_counter()
        model.prepare()  # as a served release is readied (the hybrid compiles its trees)
        prepare_seconds = time.perf_counter() - t0
        scores = evaluate(model.scores, cases, data.n_items)
        entry: dict[str, Any] = {k: round(v, 5) for k, v in scores.items()}
        entry["train_seconds"] = round(seconds, 1)
        entry["prepare_seconds"] = round(prepare_seconds, 1)
        entry.update(_score_latency(model, cases))
        report = model.training_report()
        if report:
            entry["training"] = report
        result["models"][name] = entry
        if progress is not None:
            progress(name, result)
    return result


def parse_models(text: str | None) -> tuple[str, ...]:
    if not text:
        return ALL_MODELS
    names = tuple(m.strip() for m in text.split(",") if m.strip())
    return names


__all__: Sequence[str] = ("RecommendBenchParams", "bench_recommend", "load_dataset", "parse_models")
