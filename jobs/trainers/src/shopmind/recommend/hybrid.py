"""``hybrid``: candidates from several recommenders, ranked by a LightGBM learning-to-rank blend.

Fitting (on ``data``):
1. every component is fitted so that each user's LAST event is unseen by it: a component that
   holds the last event out by itself (the transformer, for early stopping) is fitted once on
   ``data``; the others are fitted on ``data`` minus the last events;
2. for each user, the union of the components' top ``candidates`` given the history before the
   last event is a query; the last event is its one relevant candidate;
3. a listwise LightGBM ranker (XE-NDCG objective) learns to order candidates from each
   component's score, its score gap to that component's best, its rank, how many components
   proposed the item, its popularity and the history's length;
4. the components that were fitted without the last events are fitted again on all of ``data``
   for serving (they take seconds).

Serving scores the union of candidates with the blend; items outside it score ``-inf``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Self

import lightgbm as lgb
import numpy as np

from shopmind.errors import InvalidArgument
from shopmind.forest import Forest
from shopmind.recommend.base import Ranked, Recommender, check_k
from shopmind.recommend.data import Catalog, History, Interactions
from shopmind.text.finetune import check_ranges

log = logging.getLogger(__name__)
MISSING_RANK = 1000.0  # rank feature of an item a component did not propose


@dataclass(frozen=True)
class HybridParams:
    candidates: int = 20  # taken from each component (docs/recommend.md: why 20)
    max_queries: int = 20_000  # users sampled to train the blend
    trees: int = 200
    learning_rate: float = 0.05
    leaves: int = 31
    seed: int = 0
    components: tuple[str, ...] = field(default_factory=tuple)  # filled in from the models

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {
                "candidates": self.candidates >= 1,
                "max_queries": self.max_queries >= 10,
                "trees": self.trees >= 1,
                "learning_rate": self.learning_rate > 0,
                "leaves": self.leaves >= 2,
            },
        )


class Hybrid(Recommender):
    """Blend of component recommenders (module docstring)."""

    name = "hybrid"
    params_type = HybridParams

    def __init__(
        self,
        components: Mapping[str, Recommender],
        params: HybridParams | None = None,
        prefitted: Sequence[str] = (),
    ) -> None:
        """``components`` by name; those named in ``prefitted`` are already fitted on the data
        ``fit`` will get (only models that hold the last event out themselves qualify)."""
        if not components:
            raise InvalidArgument("a hybrid needs at least one component", argument="components")
        self.components = dict(components)
        self.params = HybridParams(
            **{**asdict(params or HybridParams()), "components": tuple(components)}
        )
        self.prefitted = set(prefitted)
        self.forest: Forest | None = None  # the blend (its LightGBM booster inside)
        self.popularity = np.zeros(0, np.float32)
        self.report: dict[str, Any] = {}

    # -- features -------------------------------------------------------------------------
    def candidates(self, histories: Sequence[History]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per history: candidate item indices ``(c,)`` and their features ``(c, F)``."""
        models = list(self.components.values())
        kk = max(min(self.params.candidates, len(self.catalog) - 1), 1)
        per_model = [m.shortlists(histories, kk) for m in models]  # (M,) lists of (B,)
        items_out: list[np.ndarray] = []
        feats_out: list[np.ndarray] = []
        for r, h in enumerate(histories):
            lists = [s[r] for s in per_model]
            cand = np.unique(np.concatenate([s.items for s in lists]))
            vals = np.stack([s.score(cand) for s in lists])  # (M, c); never history items
            finite = np.isfinite(vals)
            best = np.array([s.scores[0] if len(s) else 0.0 for s in lists], np.float32)[:, None]
            safe = np.where(finite, vals, 0.0)
            rank = np.full(vals.shape, MISSING_RANK, np.float32)
            for m, s in enumerate(lists):
                rank[m, np.searchsorted(cand, s.items)] = np.arange(len(s))
            per_model_cols = np.stack(
                [np.where(finite, safe, np.nan), np.where(finite, safe - best, np.nan), rank],
                axis=2,
            )  # (M, c, 3): score, gap to the model's best, rank
            n = cand.shape[0]
            feats = np.concatenate(
                [
                    per_model_cols.transpose(1, 0, 2).reshape(n, -1),
                    (rank < MISSING_RANK).sum(axis=0)[:, None],
                    self.popularity[cand][:, None],
                    np.full((n, 1), len(h)),
                ],
                axis=1,
            )
            items_out.append(cand.astype(np.int64))
            feats_out.append(feats.astype(np.float32))
        return items_out, feats_out

    def feature_names(self) -> list[str]:
        names = [f"{m}_{f}" for m in self.components for f in ("score", "gap", "rank")]
        return [*names, "proposed_by", "popularity", "history_length"]

    # -- Recommender ------------------------------------------------------------------------
    def fit(self, data: Interactions) -> Self:
        p = self.params
        started = time.perf_counter()
        self.catalog = data.catalog
        self.popularity = np.log1p(data.item_counts()).astype(np.float32)
        held = data.truncated(1)
        for name, model in self.components.items():
            if name in self.prefitted:
                continue
            model.fit(data if model.holds_out_last else held)
        lengths = data.lengths()
        users = np.flatnonzero(lengths >= 2)
        rng = np.random.default_rng(p.seed)
        if users.shape[0] > p.max_queries:
            users = np.sort(rng.choice(users, p.max_queries, replace=False))
        histories = [held.history(int(u)) for u in users]
        targets = data.items[data.offsets[users + 1] - 1]
        t_candidates = time.perf_counter()
        xs, ys, groups = [], [], []
        for a in range(0, len(histories), 1024):
            items, feats = self.candidates(histories[a : a + 1024])
            for cand, f, t in zip(items, feats, targets[a : a + 1024], strict=True):
                label = (cand == t).astype(np.float32)
                if label.sum() == 0 or cand.shape[0] < 2:
                    continue  # no positive: nothing to learn from this query
                xs.append(f)
                ys.append(label)
                groups.append(cand.shape[0])
        if not groups:
            raise InvalidArgument(
                "no user's last event was among the candidates: too little data for a hybrid",
                argument="data",
            )
        t_blend = time.perf_counter()
        train = lgb.Dataset(
            np.concatenate(xs), np.concatenate(ys), group=groups, feature_name=self.feature_names()
        )
        booster = lgb.train(
            {
                # XE-NDCG: linear in the candidates per query, where LambdaMART's pairwise
                # lambdas cost (top x all) pairs per query and took tens of minutes here
                "objective": "rank_xendcg",
                "learning_rate": p.learning_rate,
                "num_leaves": p.leaves,
                "min_data_in_leaf": 50,
                "num_threads": 1,
                "seed": p.seed,
                "verbose": -1,
            },
            train,
            num_boost_round=p.trees,
        )
        self.forest = Forest(booster)
        t_refit = time.perf_counter()
        for name, model in self.components.items():
            if name not in self.prefitted and not model.holds_out_last:
                model.fit(data)
        self.report = {
            "components_seconds": round(t_candidates - started, 1),
            "candidates_seconds": round(t_blend - t_candidates, 1),
            "blend_seconds": round(t_refit - t_blend, 1),
            "refit_seconds": round(time.perf_counter() - t_refit, 1),
            "queries": len(groups),
            "queries_sampled": len(histories),
            "candidate_recall": round(len(groups) / max(len(histories), 1), 4),
            "seconds": round(time.perf_counter() - started, 1),
        }
        log.info("hybrid blend: %s", self.report)
        return self

    def scores(self, histories: Sequence[History]) -> np.ndarray:
        if self.forest is None:
            raise InvalidArgument("the hybrid is not fitted", argument="model")
        out = np.full((len(histories), len(self.catalog)), -np.inf, np.float32)
        items, feats = self.candidates(histories)
        sizes = [f.shape[0] for f in feats]
        if sum(sizes) == 0:
            return out
        pred = self.forest.predict(np.concatenate(feats))
        a = 0
        for r, (cand, n) in enumerate(zip(items, sizes, strict=True)):
            out[r, cand] = pred[a : a + n]
            a += n
        return out

    def prepare(self, cache_dir: Path | None = None) -> None:
        """Ready every component, and compile the blend's trees (shopmind/forest.py)."""
        for model in self.components.values():
            model.prepare(cache_dir)
        if self.forest is not None:
            self.forest.compile(cache_dir)

    def recommend(self, history: History, k: int = 10, exclude: Iterable[int] = ()) -> Ranked:
        """As :meth:`Recommender.recommend`, read off the candidates alone: only they can
        score, so the full ``(N,)`` row of :meth:`scores` need not be built and searched."""
        check_k(k)
        if self.forest is None:
            raise InvalidArgument("the hybrid is not fitted", argument="model")
        items, feats = self.candidates([history])
        cand = items[0]
        pred = self.forest.predict(feats[0]).astype(np.float32) if cand.size else np.zeros(0)
        keep = np.isfinite(pred) & ~np.isin(cand, np.fromiter(exclude, np.int64))
        cand, pred = cand[keep], pred[keep]
        order = np.lexsort((cand, -pred))[:k]  # ties by index, as top_k breaks them
        return Ranked(cand[order], pred[order].astype(np.float32))

    def training_report(self) -> dict[str, Any]:
        return {
            "blend": self.report,
            **{name: m.training_report() for name, m in self.components.items()},
        }

    # -- persistence: components in sub-folders, the blend as LightGBM text ----------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        if self.forest is None:
            raise InvalidArgument("the hybrid is not fitted", argument="model")
        return {
            "params": asdict(self.params),
            "booster": self.forest.booster.model_to_string(),
            "report": self.report,
        }, {"popularity": self.popularity}

    def _save_parts(self, path: Path) -> None:
        for name, model in self.components.items():
            model.save(path / "components" / name)

    def _load_parts(self, path: Path) -> None:
        from shopmind.recommend.registry import load_model  # the registry imports this module

        self.components = {
            name: load_model(path / "components" / name) for name in self.params.components
        }

    @classmethod
    def restore(
        cls, catalog: Catalog, params: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> Self:
        hp = params["params"]
        hp["components"] = tuple(hp["components"])
        model = cls.__new__(cls)
        model.params = HybridParams(**hp)
        model.components = {}
        model.prefitted = set()
        model.catalog = catalog
        model.forest = Forest(lgb.Booster(model_str=params["booster"]))
        model.popularity = arrays["popularity"]
        model.report = params.get("report", {})
        return model
