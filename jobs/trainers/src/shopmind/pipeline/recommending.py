"""Training the workspace's recommender (``recommender@N``) and opening its service.

Inputs: the newest ``events`` (item events only, ordered by user then time), the ``products``
they refer to (category, brand, stock for the rules) and, when built, ``item_embeddings`` (for
the content model and the transformer's text-fused items). The asset records held-out quality:
the model is first fitted without each user's last event and scored on those events against
popularity, then fitted on everything for serving (a model that holds the last event out by
itself, the transformer, is fitted once and scored on its own held-out events).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopmind.config import Settings
from shopmind.errors import InvalidArgument, NotFound
from shopmind.evaluate.recsys_metrics import evaluate, leave_one_out_cases
from shopmind.features._embedding import load_item_vectors
from shopmind.pipeline.searching import newest
from shopmind.recommend.base import Recommender
from shopmind.recommend.content import ContentKNN
from shopmind.recommend.data import EVENT_CODES, NO_TIME, Catalog, Interactions
from shopmind.recommend.ease import Ease
from shopmind.recommend.hybrid import Hybrid
from shopmind.recommend.itemcf import ItemCF, order_variants
from shopmind.recommend.popularity import Popularity
from shopmind.recommend.registry import load_model, model_class
from shopmind.recommend.sasrec.config import SasRecParams
from shopmind.recommend.sasrec.model import SasRec
from shopmind.recommend.service import RecommendService
from shopmind.workspace import AssetVersion, Workspace

ASSET = "recommender"
PRODUCED_BY = "recommend.train"
MODEL_DIR = "model"
DATA_DIR = "interactions"
EASE_MAX_ITEMS = 20_000


def load_catalog(ws: Workspace, products: AssetVersion, embeddings: AssetVersion | None) -> Catalog:
    """The products as a recommender catalog, with text vectors when ``embeddings`` is given."""
    have = {name for name, _ in products.columns}
    cols = [c for c in ("item_id", "category", "brand", "stock") if c in have]
    table = ws.read_table(products, columns=cols)
    ids = [str(x) for x in table["item_id"].to_pylist()]

    def text(name: str) -> tuple[str, ...]:
        if name not in have:
            return ()
        return tuple("" if v is None else str(v) for v in table[name].to_pylist())

    in_stock = None
    if "stock" in have:
        stock = table["stock"].to_numpy(zero_copy_only=False)
        in_stock = np.array([s is None or s != s or s > 0 for s in stock], bool)
    vectors = None
    if embeddings is not None:
        index, matrix = load_item_vectors(ws, embeddings)
        row = dict(zip(index["item_id"].to_pylist(), index["row"].to_pylist(), strict=True))
        vectors = np.zeros((len(ids), matrix.shape[1]), np.float32)
        for n, item in enumerate(ids):
            r = row.get(item)
            if r is not None:
                vectors[n] = matrix[r]
    return Catalog(tuple(ids), text("category"), text("brand"), in_stock, vectors)


def load_interactions(ws: Workspace, events: AssetVersion, catalog: Catalog) -> Interactions:
    """Item events of catalog items, per user, oldest first (ties keep the log's order)."""
    table = ws.read_table(events, columns=["user_id", "item_id", "event_type", "timestamp"])
    table = table.filter(
        pc.and_(
            pc.is_in(table["event_type"], pa.array(list(EVENT_CODES))),
            pc.and_(pc.is_valid(table["user_id"]), pc.is_valid(table["item_id"])),
        )
    )
    users = table["user_id"].to_pylist()
    items = table["item_id"].to_pylist()
    kinds = table["event_type"].to_pylist()
    ts = table["timestamp"]
    seconds = (
        pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False) // 1_000_000
        if pa.types.is_timestamp(ts.type)
        else np.full(len(users), NO_TIME, np.int64)
    )
    per_user: dict[str, list[tuple[int, int, int, int]]] = {}
    for n, (u, i, e) in enumerate(zip(users, items, kinds, strict=True)):
        idx = catalog._index.get(str(i))
        if idx is None:
            continue  # an item no longer in the catalog cannot be recommended
        t = int(seconds[n]) if seconds[n] == seconds[n] else NO_TIME
        per_user.setdefault(str(u), []).append((t, n, idx, EVENT_CODES[e]))
    names = sorted(per_user)
    seqs, evs, tms = [], [], []
    for u in names:
        rows = sorted(per_user[u])
        seqs.append([r[2] for r in rows])
        evs.append([r[3] for r in rows])
        tms.append([r[0] for r in rows])
    return Interactions.from_sequences(catalog, seqs, names, evs, tms)


def make_model(name: str, settings: Settings, data: Interactions, seed: int = 0) -> Recommender:
    """A fresh model ``name`` configured by the settings; the hybrid takes every component the
    data supports (content needs vectors; EASE at most 20,000 items)."""
    sasrec = SasRecParams(max_minutes=settings.recommend_train_minutes, seed=seed)
    if name == "sasrec":
        return SasRec(sasrec)
    if name == "hybrid":
        parts: dict[str, Recommender] = {
            "sasrec": SasRec(sasrec),
            "itemcf": ItemCF(),
            **order_variants(),
            "popularity": Popularity(),
        }
        if data.n_items <= EASE_MAX_ITEMS:
            parts["ease"] = Ease()
        if data.catalog.vectors is not None:
            parts["content"] = ContentKNN()
        return Hybrid(parts)
    return model_class(name)()


def train_recommender(
    ws: Workspace, settings: Settings, model: str | None = None, seed: int = 0
) -> AssetVersion:
    """Fit the configured recommender on the newest events and commit ``recommender@N``."""
    name = model or settings.recommender
    model_class(name)  # an unknown name fails before any work
    events = newest(ws, "events")
    products = newest(ws, "products")
    if events is None or products is None:
        raise NotFound("a recommender needs products and events: ingest both first")
    embeddings = newest(ws, "item_embeddings")
    catalog = load_catalog(ws, products, embeddings)
    data = load_interactions(ws, events, catalog)
    if data.n_users == 0:
        raise InvalidArgument(
            f"{events.ref} has no item events of catalog items", argument="events"
        )
    started = time.perf_counter()
    rec = make_model(name, settings, data, seed)
    cases = leave_one_out_cases(data)
    # scored on each user's last event, unseen in training (see the module docstring)
    rec.fit(data if rec.holds_out_last else data.truncated(1))
    held = evaluate(rec.scores, cases, data.n_items) if len(cases.targets) else {}
    if not rec.holds_out_last:
        rec = make_model(name, settings, data, seed).fit(data)
    pop = Popularity().fit(data.truncated(1))
    baseline = evaluate(pop.scores, cases, data.n_items) if len(cases.targets) else {}
    seconds = round(time.perf_counter() - started, 1)
    inputs = [events.ref, products.ref] + ([embeddings.ref] if embeddings else [])
    quality: dict[str, Any] = {
        "held_out": {k: round(v, 5) for k, v in held.items()},
        "popularity_held_out": {k: round(v, 5) for k, v in baseline.items()},
        "test_users": len(cases.targets),
    }
    with ws.transaction(PRODUCED_BY) as txn:
        staged = txn.stage(ASSET)
        rec.save(staged.dir / MODEL_DIR)
        _save_interactions(data, staged.dir / DATA_DIR)
        staged.describe(
            params={"model": name, "seed": seed},
            inputs=tuple(inputs),
            rows=data.n_interactions,
            columns=(),
            quality=quality,
            report={
                "users": data.n_users,
                "items": data.n_items,
                "seconds": seconds,
                "training": rec.training_report(),
            },
        )
    return txn.committed[0]


def _save_interactions(data: Interactions, path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    np.savez(
        path / "histories.npz",
        offsets=data.offsets,
        items=data.items,
        events=data.events,
        times=data.times,
    )
    (path / "users.json").write_text(json.dumps(list(data.users)))


def _load_interactions(catalog: Catalog, path: Path) -> Interactions:
    users = tuple(json.loads((path / "users.json").read_text()))
    with np.load(path / "histories.npz") as z:
        return Interactions(catalog, users, z["offsets"], z["items"], z["events"], z["times"])


def open_recommender(
    ws: Workspace,
    settings: Settings,
    version: AssetVersion | None = None,
) -> RecommendService:
    """``version`` of the ``recommender`` (the newest when None) with the histories it was
    built from."""
    version = version or newest(ws, ASSET)
    if version is None:
        raise NotFound(
            "no recommender in this workspace yet: run 'shopmind-trainers build' first", asset=ASSET
        )
    root = ws.version_dir(version.ref)
    model = load_model(root / MODEL_DIR)
    data = _load_interactions(model.catalog, root / DATA_DIR)
    popularity = Popularity().fit(data)
    return RecommendService(model, data, popularity)
