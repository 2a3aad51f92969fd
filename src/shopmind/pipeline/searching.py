"""Opening the search service of a workspace (the encoder is chosen here, in orchestration)."""

from __future__ import annotations

from shopmind.config import Settings
from shopmind.errors import NotFound
from shopmind.pipeline.encoders import open_encoder
from shopmind.search.service import ASSET, SearchService
from shopmind.workspace import Workspace


def open_search(ws: Workspace, settings: Settings) -> SearchService:
    """The newest ``search_index`` with the encoder its item embeddings were made with."""
    try:
        index_version = ws.get(ASSET)
    except NotFound as exc:
        raise NotFound(
            "no search index in this workspace yet: run 'shopmind build' first", asset=ASSET
        ) from exc
    embeddings = ws.resolve(str(index_version.inputs[1]))
    encoder_version = ws.resolve(str(embeddings.inputs[1]))
    try:
        profiles = ws.get("user_profiles")
    except NotFound:
        profiles = None  # no events yet: everyone gets unpersonalised results
    return SearchService(ws, index_version, open_encoder(ws, encoder_version, settings), profiles)
