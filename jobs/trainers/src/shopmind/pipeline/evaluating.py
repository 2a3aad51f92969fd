"""``evaluate``: the shop's recommenders side by side on its own newest events.

Each model is fitted on every user's history without its last event and scored on that event
(leave-one-out, ranking all items, the user's earlier items excluded), the protocol of
``shopmind-trainers bench recommend`` and docs/recommend.md. The result is written as a report file
in the workspace's ``reports/`` folder, where the dashboard's reports page reads it next to the
benchmark results kept there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.config import Settings
from shopmind.errors import InvalidArgument, NotFound
from shopmind.evaluate.recsys_metrics import evaluate, leave_one_out_cases
from shopmind.pipeline.recommending import load_catalog, load_interactions, make_model
from shopmind.pipeline.searching import newest
from shopmind.recommend.registry import model_class
from shopmind.workspace import Workspace

REPORTS_DIR = Path("reports")
DEFAULT_MODELS = ("popularity", "itemcf", "content")


def evaluate_workspace(
    ws: Workspace,
    settings: Settings,
    models: Sequence[str] | None = None,
    on_model: Callable[[str, int, int], None] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Leave-one-out metrics of ``models`` (default: popularity, item-CF, content and the
    configured recommender) on the newest events; written to ``reports/`` and returned.
    ``on_model(name, done, total)`` is called before each model."""
    names = list(models) if models else [*DEFAULT_MODELS, settings.recommender]
    names = list(dict.fromkeys(names))  # once each, in order
    for name in names:
        model_class(name)  # an unknown name fails before any work
    events, products = newest(ws, "events"), newest(ws, "products")
    if events is None or products is None:
        raise NotFound("evaluating needs products and events: ingest both first")
    catalog = load_catalog(ws, products, newest(ws, "item_embeddings"))
    data = load_interactions(ws, events, catalog)
    cases = leave_one_out_cases(data)
    if len(cases.targets) == 0:
        raise InvalidArgument(
            f"{events.ref} has no user with two or more item events", argument="events"
        )
    train = data.truncated(1)
    results: dict[str, Any] = {}
    for n, name in enumerate(names):
        if on_model is not None:
            on_model(name, n, len(names))
        if name == "content" and catalog.vectors is None:
            results[name] = {"skipped": "no item_embeddings"}
            continue
        started = time.perf_counter()
        model = make_model(name, settings, data, seed)
        model.fit(data if model.holds_out_last else train)
        seconds = time.perf_counter() - started
        scores = evaluate(model.scores, cases, data.n_items)
        results[name] = {
            **{k: round(v, 5) for k, v in scores.items()},
            "train_seconds": round(seconds, 1),
        }
    date = datetime.now(UTC).isoformat(timespec="seconds")
    report: dict[str, Any] = {
        "kind": "evaluate",
        "date": date,
        "dataset": {
            "name": str(events.ref),
            "users": data.n_users,
            "items": data.n_items,
            "interactions": int(data.items.shape[0]),
            "test_users": len(cases.targets),
        },
        "models": results,
    }
    folder = ws.root / REPORTS_DIR
    folder.mkdir(exist_ok=True)
    stamp = date.replace(":", "").replace("+0000", "Z")
    path = folder / f"evaluate-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    report["file"] = str(path.relative_to(ws.root))
    return report
