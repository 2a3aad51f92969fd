"""``/v1/events`` and ``/v1/products``: the write role. Acknowledged means fsynced."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool

from shopmind.errors import InvalidArgument
from shopmind.serve.deps import require, state_of
from shopmind.serve.schemas import (
    EventBatch,
    EventIn,
    EventsAccepted,
    ProductBatch,
    ProductsAccepted,
)

router = APIRouter(prefix="/v1", dependencies=[Depends(require("write"))], tags=["write"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retrying with the same key returns the first answer and stores nothing.",
    ),
]
APPLIES = (
    "at the next compaction and build "
    "('shopmind-trainers events compact', 'shopmind-trainers build')"
)


def _check_batch(request: Request, n: int, what: str) -> None:
    limit = state_of(request).settings.max_batch_events
    if n > limit:
        raise InvalidArgument(
            f"{what}: {n} in one request, at most {limit} (setting max_batch_events)",
            argument=what,
        )


@router.post("/events", response_model=EventsAccepted, status_code=201)
async def post_event(
    request: Request, event: EventIn, idempotency_key: IdempotencyKey = None
) -> EventsAccepted:
    """Record one event; the user's next search and recommendation reflect it."""
    return await _record(request, [event], idempotency_key)


@router.post("/events/batch", response_model=EventsAccepted, status_code=201)
async def post_events(
    request: Request, batch: EventBatch, idempotency_key: IdempotencyKey = None
) -> EventsAccepted:
    """Record a batch of events with one durable write (all or none)."""
    _check_batch(request, len(batch.events), "events")
    return await _record(request, batch.events, idempotency_key)


async def _record(request: Request, events: list[EventIn], key: str | None) -> EventsAccepted:
    state = state_of(request)
    records = [e.record() for e in events]
    # the fsync blocks: off the event loop, so other requests go on meanwhile
    result = await run_in_threadpool(state.record, records, key)
    if not result.duplicate:
        request.app.state.metrics.events.inc(result.count)
    return EventsAccepted(
        accepted=result.count, first_seq=result.first_seq, duplicate=result.duplicate
    )


@router.post("/products", response_model=ProductsAccepted, status_code=202)
async def upsert_products(
    request: Request, batch: ProductBatch, idempotency_key: IdempotencyKey = None
) -> ProductsAccepted:
    """Insert or replace products (by ``item_id``), logged durably; served after a build."""
    _check_batch(request, len(batch.products), "products")
    ops = [{"op": "upsert", **p.model_dump(exclude_none=True)} for p in batch.products]
    result = await run_in_threadpool(state_of(request).products.append, ops, idempotency_key)
    return ProductsAccepted(
        accepted=result.count,
        first_seq=result.first_seq,
        duplicate=result.duplicate,
        applies=APPLIES,
    )


@router.delete("/products/{item_id}", response_model=ProductsAccepted, status_code=202)
async def delete_product(
    request: Request, item_id: str, idempotency_key: IdempotencyKey = None
) -> ProductsAccepted:
    """Delete a product, logged durably; it leaves the served results after a build."""
    if not 1 <= len(item_id) <= 200:
        raise InvalidArgument("item_id must be 1-200 characters", argument="item_id")
    ops = [{"op": "delete", "item_id": item_id}]
    result = await run_in_threadpool(state_of(request).products.append, ops, idempotency_key)
    return ProductsAccepted(
        accepted=result.count,
        first_seq=result.first_seq,
        duplicate=result.duplicate,
        applies=APPLIES,
    )
