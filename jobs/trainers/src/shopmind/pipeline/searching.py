"""Opening the search service of a workspace (the encoder is chosen here, in orchestration)."""

from __future__ import annotations

from typing import Literal

from shopmind.config import Settings
from shopmind.errors import NotFound
from shopmind.pipeline.encoders import open_encoder
from shopmind.search.ranker import Ranker
from shopmind.search.service import ASSET, SearchService
from shopmind.workspace import AssetVersion, Workspace
from shopmind.workspace.releases import Release


def open_search(ws: Workspace, settings: Settings, release: Release | None = None) -> SearchService:
    """The search service of ``release``'s pinned versions, or of the newest ``search_index``
    (with its newest ranker, synonyms, profiles and stats) when no release is given."""
    if release is not None:
        index_version = release.version(ws, ASSET)
        if index_version is None:
            raise NotFound(f"release {release.id} pins no {ASSET}", asset=ASSET)
        profiles = release.version(ws, "user_profiles")
        stats = release.version(ws, "item_stats")
        ranker_version = release.version(ws, "ranker")
        synonyms: AssetVersion | Literal["newest"] | None = release.version(ws, "synonyms")
    else:
        try:
            index_version = ws.get(ASSET)
        except NotFound as exc:
            raise NotFound(
                "no search index in this workspace yet: run 'shopmind-trainers build' first",
                asset=ASSET,
            ) from exc
        profiles = newest(ws, "user_profiles")  # none: everyone gets unpersonalised results
        stats = newest(ws, "item_stats")
        ranker_version = ranker_for(ws, index_version)
        synonyms = "newest"
    embeddings = ws.resolve(str(index_version.inputs[1]))
    encoder_version = ws.resolve(str(embeddings.inputs[1]))
    ranker = None
    if ranker_version is not None and settings.search_ranker:
        ranker = (ranker_version, Ranker.load(ws.version_dir(ranker_version.ref)))
    return SearchService(
        ws,
        index_version,
        open_encoder(ws, encoder_version, settings),
        profiles,
        stats,
        ranker,
        synonyms=synonyms,
    )


def newest(ws: Workspace, name: str) -> AssetVersion | None:
    """The newest version of ``name``, or None when the workspace has none."""
    try:
        return ws.get(name)
    except NotFound:
        return None


def ranker_for(ws: Workspace, index: AssetVersion) -> AssetVersion | None:
    """The newest ``ranker`` trained for the search index ``index``, if any."""
    for version in sorted(ws.versions("ranker"), key=lambda v: v.ref.version, reverse=True):
        if version.inputs and version.inputs[0] == index.ref:
            return version
    return None
