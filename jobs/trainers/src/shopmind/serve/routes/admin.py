"""``/v1/assets``, ``/v1/releases`` and ``/v1/audit``: the admin role."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from shopmind.ingest import quarantine_of
from shopmind.pipeline.releasing import Served, make_release
from shopmind.quality.report import asset_drift, quality_profile
from shopmind.serve.deps import require, state_of
from shopmind.serve.schemas import (
    AssetDetail,
    AssetSummary,
    AuditCompactOut,
    AuditEntryOut,
    CompactOut,
    DriftReport,
    LineageNode,
    ProductCompactOut,
    QualityProfile,
    QuarantinePage,
    QuarantineRow,
    ReleaseOut,
    ReleaseSwitched,
)
from shopmind.workspace import AssetVersion
from shopmind.workspace.releases import Release, ReleaseBook

router = APIRouter(prefix="/v1", dependencies=[Depends(require("admin"))], tags=["admin"])
Spec = Annotated[str, Path(min_length=1, max_length=200, description="NAME or NAME@VERSION")]


def summary(v: AssetVersion) -> AssetSummary:
    return AssetSummary(
        name=v.ref.name,
        version=v.ref.version,
        ref=str(v.ref),
        rows=v.rows,
        created_at=v.created_at.isoformat(),
        produced_by=v.produced_by,
        content_hash=v.content_hash,
        inputs=[str(r) for r in v.inputs],
    )


@router.get("/assets", response_model=list[AssetSummary])
def list_assets(
    request: Request, all_versions: Annotated[bool, Query(alias="all")] = False
) -> list[AssetSummary]:
    ws = state_of(request).workspace()
    return [summary(v) for v in (ws.versions() if all_versions else ws.latest())]


@router.get("/assets/{spec}", response_model=AssetDetail)
def show_asset(request: Request, spec: Spec) -> AssetDetail:
    v = state_of(request).workspace().resolve(spec)
    d = v.to_dict()
    return AssetDetail(
        **summary(v).model_dump(),
        columns=d["columns"],
        params=d["params"],
        sources=d["sources"],
        tags=d["tags"],
        quality=d["quality"],
        report=d["report"],
        job_id=v.job_id,
    )


@router.get("/assets/{spec}/lineage", response_model=list[LineageNode])
def lineage(request: Request, spec: Spec) -> list[LineageNode]:
    ws = state_of(request).workspace()
    return [
        LineageNode(
            depth=d,
            ref=str(v.ref),
            produced_by=v.produced_by,
            inputs=[str(r) for r in v.inputs],
            sources=[dict(s) for s in v.sources],
        )
        for d, v in ws.lineage(ws.resolve(spec))
    ]


@router.get("/assets/{spec}/quarantine", response_model=QuarantinePage)
def quarantine(
    request: Request,
    spec: Spec,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> QuarantinePage:
    ws = state_of(request).workspace()
    qv = quarantine_of(ws, ws.resolve(spec))
    table = ws.read_table(qv)
    rows = [QuarantineRow(**r) for r in table.slice(offset, limit).to_pylist()]
    return QuarantinePage(asset=str(qv.ref), total=table.num_rows, offset=offset, rows=rows)


@router.get("/assets/{spec}/quality", response_model=QualityProfile)
def quality(
    request: Request, spec: Spec, limit: Annotated[int, Query(ge=1, le=1000)] = 10
) -> QualityProfile:
    ws = state_of(request).workspace()
    return QualityProfile(**quality_profile(ws, ws.resolve(spec), limit))


@router.get("/assets/{name}/drift", response_model=DriftReport)
def drift(
    request: Request,
    name: Annotated[str, Path(min_length=1, max_length=200)],
    older: Annotated[int | None, Query(ge=1)] = None,
    newer: Annotated[int | None, Query(ge=1)] = None,
) -> DriftReport:
    """Per column, how far the distribution moved from version ``older`` to ``newer``
    (defaults: the two newest), as a population stability index with its verdict."""
    return DriftReport(**asset_drift(state_of(request).workspace(), name, older, newer))


def release_out(r: Release, active: int | None) -> ReleaseOut:
    return ReleaseOut(**r.to_dict(), active=r.id == active)


def switched(served: Served) -> ReleaseSwitched:
    return ReleaseSwitched(
        release=release_out(served.release, served.release.id),
        load_seconds=served.load_seconds,
        checks=served.checks,
    )


@router.get("/releases", response_model=list[ReleaseOut])
def list_releases(request: Request) -> list[ReleaseOut]:
    book = ReleaseBook(state_of(request).workspace())
    history = book.history()
    active = history[-1] if history else None
    return [release_out(r, active) for r in book.all()]


@router.post("/releases", response_model=ReleaseOut, status_code=201)
async def create_release(
    request: Request, note: Annotated[str, Query(max_length=500)] = ""
) -> ReleaseOut:
    """Pin the newest built versions into a new release (checked, not activated)."""
    state = state_of(request)
    release, _served = await run_in_threadpool(
        make_release, state.workspace(), state.settings, note, False
    )
    return release_out(release, None)


@router.post("/releases/{release_id}/activate", response_model=ReleaseSwitched)
async def activate(request: Request, release_id: Annotated[int, Path(ge=1)]) -> ReleaseSwitched:
    """Load, check and serve a release; a broken one is refused and the current one stays."""
    served = await run_in_threadpool(state_of(request).activate, release_id)
    request.app.state.metrics.release.set(served.release.id)
    return switched(served)


@router.post("/releases/rollback", response_model=ReleaseSwitched)
async def rollback(request: Request) -> ReleaseSwitched:
    """Serve the release that was active before the current one."""
    served = await run_in_threadpool(state_of(request).rollback)
    request.app.state.metrics.release.set(served.release.id)
    return switched(served)


@router.post("/events/compact", response_model=CompactOut)
async def compact_events(request: Request) -> CompactOut:
    """Turn the events logged since the last compaction into the next ``events@N`` (validated
    like a file: bad ones to quarantine) while the server keeps accepting events."""
    from shopmind.events.compact import compact

    state = state_of(request)
    report = await run_in_threadpool(compact, state.workspace(), state.events, state.settings)
    return CompactOut(**asdict(report))


@router.post("/products/compact", response_model=ProductCompactOut)
async def compact_products(request: Request) -> ProductCompactOut:
    """Apply the logged product changes to the next ``products@N`` (a build then serves it)."""
    from shopmind.events.catalog import compact_products as run

    state = state_of(request)
    report = await run_in_threadpool(run, state.workspace(), state.products, state.settings)
    return ProductCompactOut(**asdict(report))


@router.get("/audit", response_model=list[AuditEntryOut])
def read_audit(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    since: Annotated[datetime | None, Query(description="ISO 8601; naive times are UTC")] = None,
) -> list[AuditEntryOut]:
    """The newest entries of the access audit log, oldest first. Reading it is audited too
    (appended after this response, so it shows in the next read)."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    entries = state_of(request).audit.read(since=since, limit=limit)
    return [AuditEntryOut(**e.to_dict()) for e in entries]


@router.post("/audit/compact", response_model=AuditCompactOut)
def compact_audit(request: Request) -> AuditCompactOut:
    """Write the audit log so far as the next version of asset ``audit`` (``who`` and
    ``target`` tagged ``pii``); nothing when no entry is new since the last version."""
    state = state_of(request)
    return AuditCompactOut(**state.audit.compact(state.workspace()).to_dict())
