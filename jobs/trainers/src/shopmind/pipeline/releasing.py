"""Releases in orchestration: what a release pins, opening one, and checking it before it serves.

``shopmind-trainers build`` ends by pinning the versions it made into a new release and activating
it (:func:`make_release`, also behind ``shopmind-trainers release create`` and ``POST
/v1/releases``). Opening a release loads every pinned model and index; :func:`check_served` then
answers one search and one recommendation with them, so a release whose files are missing or corrupt
is refused before a single request reaches it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.config import Settings
from shopmind.errors import ConflictError, NotFound, ShopmindError
from shopmind.pipeline.recommending import ASSET as RECOMMENDER
from shopmind.pipeline.recommending import open_recommender
from shopmind.pipeline.searching import newest, open_search, ranker_for
from shopmind.recommend.service import RecommendService
from shopmind.search.service import ASSET as SEARCH_INDEX
from shopmind.search.service import SearchService
from shopmind.workspace import Workspace
from shopmind.workspace.releases import Release, ReleaseBook

FOREST_CACHE = Path("cache") / "forests"  # compiled tree models, by model and CPU (forest.py)
#: Assets a release pins when the workspace has them (the ranker only when trained for the
#: pinned search index).
SERVED = (SEARCH_INDEX, "ranker", "synonyms", "user_profiles", "item_stats", RECOMMENDER)


class ReleaseRefused(ConflictError):
    """A release cannot serve (an asset is missing or broken); the active one stays."""

    code = "release_refused"


@dataclass
class Served:
    """Everything one release serves with, loaded; swapped whole, never edited."""

    release: Release
    search: SearchService | None
    recommend: RecommendService | None
    load_seconds: float
    checks: dict[str, Any] = field(default_factory=dict)


def current_pins(ws: Workspace) -> dict[str, str]:
    """``name -> name@N`` of the newest version of every served asset the workspace has."""
    pins: dict[str, str] = {}
    index = newest(ws, SEARCH_INDEX)
    if index is not None:
        pins[SEARCH_INDEX] = str(index.ref)
        ranker = ranker_for(ws, index)
        if ranker is not None:
            pins["ranker"] = str(ranker.ref)
    for name in ("synonyms", "user_profiles", "item_stats", RECOMMENDER):
        version = newest(ws, name)
        if version is not None:
            pins[name] = str(version.ref)
    return pins


def newest_release(ws: Workspace) -> Release:
    """An unsaved release (id 0) of the newest versions: what a workspace without an active
    release serves."""
    pins = current_pins(ws)
    if not pins:
        raise NotFound(
            "nothing to serve yet: run 'shopmind-trainers build' first "
            "(no search index, no recommender)"
        )
    return Release(0, datetime.now(UTC).isoformat(), pins, note="newest versions")


def open_release(ws: Workspace, settings: Settings, release: Release) -> Served:
    """Load every pinned index and model and check them (:class:`ReleaseRefused` if broken)."""
    started = time.perf_counter()
    try:
        search = open_search(ws, settings, release) if SEARCH_INDEX in release.pins else None
        recommend = (
            open_recommender(ws, settings, release.version(ws, RECOMMENDER))
            if RECOMMENDER in release.pins
            else None
        )
    except ShopmindError as exc:
        raise ReleaseRefused(
            f"release {release.id} cannot be loaded: {exc.message}", release=release.id
        ) from exc
    except (OSError, ValueError, KeyError) as exc:  # a missing or corrupt file of an asset
        raise ReleaseRefused(
            f"release {release.id} cannot be loaded: {type(exc).__name__}: {exc}",
            release=release.id,
        ) from exc
    if settings.serve_compile_trees:  # seconds now, so that no request pays for it
        cache = ws.root / FOREST_CACHE
        if search is not None and search.ranking is not None:
            search.ranking.ranker.compile(cache)
        if recommend is not None:
            recommend.model.prepare(cache)
    served = Served(release, search, recommend, round(time.perf_counter() - started, 3))
    served.checks = check_served(served)
    return served


def check_served(served: Served) -> dict[str, Any]:
    """Answer one search (the first product's title) and one recommendation (the first known
    user) with ``served``; raise :class:`ReleaseRefused` naming what failed."""
    checks: dict[str, Any] = {}
    rid = served.release.id
    try:
        if served.search is not None:
            title = next((t for t in served.search.titles if t), None) or "test"
            t0 = time.perf_counter()
            hits = served.search.search(title, k=5).results
            checks["search"] = {"query": title, "hits": len(hits), "ms": _ms(t0)}
        if served.recommend is not None:
            users = served.recommend.data.users
            if users:
                t0 = time.perf_counter()
                recs = served.recommend.recommend(users[0], k=5)
                # the user is not named: a release file is no place for a person's id, and
                # erasure does not rewrite releases
                checks["recommend"] = {"items": len(recs), "ms": _ms(t0)}
    except ShopmindError as exc:
        raise ReleaseRefused(f"release {rid} failed its check: {exc.message}", release=rid) from exc
    except Exception as exc:
        raise ReleaseRefused(
            f"release {rid} failed its check: {type(exc).__name__}: {exc}", release=rid
        ) from exc
    if served.search is not None and checks["search"]["hits"] == 0:
        raise ReleaseRefused(
            f"release {rid} failed its check: searching a product's own title found nothing",
            release=rid,
        )
    return checks


def make_release(
    ws: Workspace, settings: Settings, note: str = "", activate: bool = True
) -> tuple[Release, Served]:
    """Pin the newest served versions into a new release after checking they serve (nothing
    is written for a release that is refused); with ``activate``, make it the active one."""
    pins = current_pins(ws)
    if not pins:
        raise NotFound("nothing to release: the workspace has no search index or recommender")
    candidate = Release(0, datetime.now(UTC).isoformat(), pins)
    served = open_release(ws, settings, candidate)
    book = ReleaseBook(ws)
    release = book.create(pins, note=note, checks=served.checks)
    if activate:
        book.activate(release.id)
    served.release = release
    return release, served


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)
