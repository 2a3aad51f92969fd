"""The one interface every recommender implements.

A model is fitted on :class:`Interactions` and then scores the whole catalog for a history:
``scores(histories)`` returns ``(B, n_items)`` float32, higher is better, ``-inf`` where the
model cannot say anything. ``recommend`` and ``similar_items`` are built on it here, so a model
only writes ``fit``, ``scores``, its state, and optionally a better ``similar_items``.

Contract (tests/recommend/contract.py, run for every model):
- ``fit`` returns the model itself and ``scores`` has shape ``(B, n_items)``;
- ``recommend`` never returns an item of ``exclude`` nor a duplicate, at most ``k`` items,
  scores non-increasing;
- ``similar_items(i)`` never returns ``i``;
- ``shortlists`` leave the history out, are best first, and score as ``scores`` does wherever
  ``scores`` is finite;
- ``save`` then ``load`` gives the same scores;
- on the synthetic shop with a planted answer, the model beats chance.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from shopmind.errors import InvalidArgument, NotFound
from shopmind.recommend.data import Catalog, History, Interactions
from shopmind.topk import top_unordered

STATE_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"
CATALOG_FILE = "catalog.npz"


@dataclass(frozen=True)
class Ranked:
    """Items best first with their scores: ``items`` ``(k,)`` int64 indices, ``scores`` float32."""

    items: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return int(self.items.shape[0])


def top_k(scores: np.ndarray, k: int, exclude: Iterable[int] = ()) -> Ranked:
    """The ``k`` best finite scores of a ``(n_items,)`` array, best first, ``exclude`` left out."""
    s = np.array(scores, dtype=np.float32, copy=True)
    ex = np.fromiter(exclude, np.int64)
    if ex.size:
        s[ex] = -np.inf
    part = top_unordered(s, k)
    part = part[np.isfinite(s[part])]
    order = part[np.lexsort((part, -s[part]))]  # ties broken by index: deterministic
    return Ranked(order.astype(np.int64), s[order])


@dataclass(frozen=True)
class Shortlist:
    """One model's view of one history (:meth:`Recommender.shortlists`).

    ``items`` ``(n,)`` int64 best first, never an item of the history, only finite scores;
    ``scores`` ``(n,)`` float32 their scores; ``score(items)`` the model's scores ``(m,)``
    float32 of any items, ``-inf`` where it has no opinion."""

    items: np.ndarray
    scores: np.ndarray
    score: Callable[[np.ndarray], np.ndarray]

    def __len__(self) -> int:
        return int(self.items.shape[0])


def best_first(items: np.ndarray, scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` best of ``items`` by finite ``scores``, best first, ties by item index."""
    keep = np.isfinite(scores)
    items, scores = items[keep], scores[keep]
    order = np.lexsort((items, -scores))[:n]
    return items[order].astype(np.int64, copy=False), scores[order].astype(np.float32, copy=False)


def shortlist_of_row(row: np.ndarray, history: History, n: int) -> Shortlist:
    """A :class:`Shortlist` read off a full ``(N,)`` row of scores (modified in place: the
    history's items become ``-inf``)."""
    row[history.items] = -np.inf
    top = top_unordered(row, n)
    items, scores = best_first(top, row[top], n)

    def score(asked: np.ndarray) -> np.ndarray:
        return row[asked].astype(np.float32, copy=False)

    return Shortlist(items, scores, score)


def dot_scorer(table: np.ndarray, user: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    """A :class:`Shortlist` scorer for models that score by inner product: rows of ``table``
    ``(N, D)`` against ``user`` ``(D,)``; ``-inf`` for every item when there is no user (a
    history with nothing to read)."""

    def score(asked: np.ndarray) -> np.ndarray:
        if user is None:
            return np.full(asked.shape[0], -np.inf, np.float32)
        return (table[asked] @ user).astype(np.float32, copy=False)

    return score


class Recommender(ABC):
    """Base of every recommender; see the module docstring for the contract."""

    #: Registry name, used by the CLI, the bench and saved models.
    name: ClassVar[str]
    #: True when ``fit`` itself keeps each user's last event out of training (for early
    #: stopping), so scores for that event are honest validation scores (see the hybrid).
    holds_out_last: ClassVar[bool] = False
    #: The frozen dataclass of the model's hyper-parameters; ``__init__(params)`` takes one.
    params_type: ClassVar[type[Any]]
    params: Any
    catalog: Catalog

    # -- what a model writes --------------------------------------------------------------
    @abstractmethod
    def fit(self, data: Interactions) -> Self:
        """Learn from ``data``; must set ``self.catalog = data.catalog``. Returns ``self``."""

    @abstractmethod
    def scores(self, histories: Sequence[History]) -> np.ndarray:
        """``(B, n_items)`` float32 scores for each history; higher is better."""

    def shortlists(self, histories: Sequence[History], n: int) -> list[Shortlist]:
        """Per history, the model's ``n`` best items outside the history and a scorer for any
        items: what a blend (the hybrid) reads, where a full ``(N,)`` row per model would be
        most of a request on a large catalog. The default reads both off :meth:`scores`; a
        model overrides it when it can find its best items without scoring every item (an
        index, a sparse neighbourhood, a sorted list). The scorer is exact even where the
        shortlist came from an approximate index."""
        rows = self.scores(histories)
        return [shortlist_of_row(row, h, n) for row, h in zip(rows, histories, strict=True)]

    def prepare(self, cache_dir: Path | None = None) -> None:
        """Ready the fitted model for serving: one-off work (compiling, say) that would
        otherwise slow requests. ``cache_dir`` may hold what that work produced, for the next
        process. Scores never change. Default: nothing to do."""
        return None

    def arrays(self) -> dict[str, np.ndarray]:
        """What the fitted model learned, as named arrays (saved with :meth:`save`)."""
        return {}

    def set_arrays(self, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> None:
        """Take back what :meth:`arrays` gave (``params`` is :meth:`state`'s JSON part)."""
        return None

    # -- persistence, built on the above --------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Parameters (JSON-ready) and arrays that :meth:`restore` turns back into the model."""
        return {"params": asdict(self.params)}, self.arrays()

    @classmethod
    def restore(
        cls, catalog: Catalog, params: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> Self:
        """Rebuild a fitted model from :meth:`state`'s output."""
        model = cls(cls.params_type(**params["params"]))  # type: ignore[call-arg]
        model.catalog = catalog
        model.set_arrays(arrays, params)
        return model

    # -- built on the above ---------------------------------------------------------------
    def recommend(self, history: History, k: int = 10, exclude: Iterable[int] = ()) -> Ranked:
        """The ``k`` best items for ``history``, leaving out ``exclude`` (item indices)."""
        check_k(k)
        return top_k(self.scores([history])[0], k, exclude)

    def recommend_ids(
        self, history: Sequence[str], k: int = 10, exclude: Iterable[str] = ()
    ) -> list[tuple[str, float]]:
        """Id-level convenience: ``history`` and ``exclude`` as item ids, unknown ids ignored."""
        ranked = self.recommend(
            History.of(self.catalog.known(history)), k, self.catalog.known(exclude)
        )
        return [
            (self.catalog.ids[i], float(s))
            for i, s in zip(ranked.items, ranked.scores, strict=False)
        ]

    def similar_items(self, item: int, k: int = 10) -> Ranked:
        """Items most like ``item``; by default what the model recommends after it alone."""
        check_k(k)
        self._check_item(item)
        return top_k(self.scores([History.of([item])])[0], k, [item])

    def save(self, path: Path) -> None:
        """Write the fitted model to the folder ``path`` (created if missing)."""
        params, arrays = self.state()
        path.mkdir(parents=True, exist_ok=True)
        save_catalog(self.catalog, path / CATALOG_FILE)
        np.savez(path / ARRAYS_FILE, **arrays)  # type: ignore[arg-type]
        (path / STATE_FILE).write_text(json.dumps({"model": self.name, "params": params}))
        self._save_parts(path)

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read a model written by :meth:`save`."""
        meta = _read_meta(path)
        if meta["model"] != cls.name:
            raise InvalidArgument(
                f"{path} holds a {meta['model']!r} model, not {cls.name!r}", argument="path"
            )
        with np.load(path / ARRAYS_FILE, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        model = cls.restore(load_catalog(path / CATALOG_FILE), meta["params"], arrays)
        model._load_parts(path)
        return model

    def training_report(self) -> dict[str, Any]:
        """What the last ``fit`` did (epochs, seconds, ...), JSON-ready; empty by default."""
        return {}

    def _save_parts(self, path: Path) -> None:
        """Hook: write what is neither JSON parameters nor arrays (e.g. sub-models)."""
        return None

    def _load_parts(self, path: Path) -> None:
        """Hook: read what :meth:`_save_parts` wrote."""
        return None

    def _check_item(self, item: int) -> None:
        if not 0 <= item < len(self.catalog):
            raise InvalidArgument(
                f"item index {item} is outside the catalog (0..{len(self.catalog) - 1})",
                argument="item",
            )


def check_k(k: int) -> None:
    if k < 1:
        raise InvalidArgument(f"k must be at least 1, got {k}", argument="k")


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads((path / STATE_FILE).read_text())
    except FileNotFoundError:
        raise NotFound(f"no saved recommender in {path}") from None
    return meta


def saved_model_name(path: Path) -> str:
    """Which model a folder written by :meth:`Recommender.save` holds."""
    return str(_read_meta(path)["model"])


def save_catalog(catalog: Catalog, path: Path) -> None:
    arrays: dict[str, np.ndarray] = {"ids": np.asarray(catalog.ids, dtype=np.str_)}
    if catalog.category:
        arrays["category"] = np.asarray(catalog.category, dtype=np.str_)
    if catalog.brand:
        arrays["brand"] = np.asarray(catalog.brand, dtype=np.str_)
    if catalog.in_stock is not None:
        arrays["in_stock"] = catalog.in_stock
    if catalog.vectors is not None:
        arrays["vectors"] = catalog.vectors
    np.savez(path, **arrays)  # type: ignore[arg-type]


def load_catalog(path: Path) -> Catalog:
    with np.load(path, allow_pickle=False) as z:
        return Catalog(
            ids=tuple(z["ids"].tolist()),
            category=tuple(z["category"].tolist()) if "category" in z.files else (),
            brand=tuple(z["brand"].tolist()) if "brand" in z.files else (),
            in_stock=z["in_stock"] if "in_stock" in z.files else None,
            vectors=z["vectors"] if "vectors" in z.files else None,
        )
