"""``/v1/search``, ``/v1/recommend/{user}``, ``/v1/similar/{item}``: the read role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from shopmind.errors import NotFound
from shopmind.pipeline.releasing import Served
from shopmind.search.filters import Filters
from shopmind.serve.deps import NotReady, require, served, state_of
from shopmind.serve.schemas import (
    RecommendedItem,
    RecommendResponse,
    SearchResponse,
    SimilarResponse,
)

# The routes are ``async`` though they compute: a plain ``def`` route runs in FastAPI's thread
# pool, and handing each request to a pool thread and back cost more than it gained on two
# cores, where the GIL lets one request compute at a time anyway (docs/service.md, Threads).
router = APIRouter(prefix="/v1", dependencies=[Depends(require("read"))], tags=["read"])
Id = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/search", response_model=SearchResponse)
async def search(
    request: Request,
    release: Annotated[Served, Depends(served)],
    q: Annotated[str, Query(max_length=1000, description="The query text.")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    explain: bool = False,
    category: Annotated[str | None, Query(max_length=1000)] = None,
    brand: Annotated[list[str] | None, Query()] = None,
    price_min: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
    price_max: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
    in_stock: bool | None = None,
    user: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> SearchResponse:
    """Hybrid search with filters, facets and, for a known or live user, personalisation."""
    if release.search is None:
        raise NotReady(f"release {release.release.id} serves no search index")
    filters = Filters(
        category=category,
        brands=tuple(brand or ()),
        price_min=price_min,
        price_max=price_max,
        in_stock=in_stock,
    )
    state = state_of(request)
    stored = state.privacy.user(user) if user else None  # the id the assets know
    recent = state.sessions.recent_items(stored) if stored else []
    outcome = release.search.search(q, k, explain, filters, user_id=stored, recent=recent)
    return SearchResponse(
        index=str(release.search.version.ref), release=release.release.id, **outcome.to_dict()
    )


@router.get("/recommend/{user}", response_model=RecommendResponse)
async def recommend(
    request: Request,
    user: Id,
    release: Annotated[Served, Depends(served)],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> RecommendResponse:
    """Up to ``k`` items for ``user``, each with its reason; popular items for a stranger."""
    if release.recommend is None:
        raise NotReady(f"release {release.release.id} serves no recommender")
    stored = state_of(request).privacy.user(user)  # the id the assets know
    items = release.recommend.recommend(stored, k)
    return RecommendResponse(
        user=user,
        release=release.release.id,
        known=release.recommend.knows(stored),
        items=[RecommendedItem(**r.to_dict()) for r in items],
    )


@router.get("/similar/{item}", response_model=SimilarResponse)
async def similar(
    item: Id,
    release: Annotated[Served, Depends(served)],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SimilarResponse:
    """Items like ``item``."""
    if release.recommend is None:
        raise NotReady(f"release {release.release.id} serves no recommender")
    try:
        items = release.recommend.similar(item, k)
    except NotFound:
        raise NotFound(f"item {item!r} is not in the served catalog", item=item) from None
    return SimilarResponse(
        item=item, release=release.release.id, items=[RecommendedItem(**r.to_dict()) for r in items]
    )
