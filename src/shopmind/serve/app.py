"""The FastAPI application: thin routes over the workspace, one error handler."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from shopmind import __version__
from shopmind.config import Settings
from shopmind.errors import ShopmindError
from shopmind.ingest import quarantine_of
from shopmind.pipeline.searching import open_search
from shopmind.quality.report import quality_profile
from shopmind.search.filters import Filters
from shopmind.search.service import SearchService
from shopmind.serve.schemas import (
    AssetDetail,
    AssetSummary,
    ErrorBody,
    Health,
    LineageNode,
    QualityProfile,
    QuarantinePage,
    QuarantineRow,
    SearchResponse,
)
from shopmind.workspace import AssetVersion, Workspace


def _summary(v: AssetVersion) -> AssetSummary:
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


def create_app(settings: Settings) -> FastAPI:
    """Build the app for ``settings.workspace`` (opened per request, so new versions show)."""
    app = FastAPI(
        title="shopmind",
        version=__version__,
        responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    )

    def workspace() -> Workspace:
        return Workspace.open(settings.workspace)

    @app.exception_handler(ShopmindError)
    async def on_error(_request: Request, exc: ShopmindError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.get("/api/health", response_model=Health)
    def health() -> Health:
        ws = workspace()
        return Health(
            status="ok", version=__version__, workspace=str(ws.root), assets=len(ws.latest())
        )

    @app.get("/api/assets", response_model=list[AssetSummary])
    def list_assets(all_versions: bool = Query(False, alias="all")) -> list[AssetSummary]:
        ws = workspace()
        return [_summary(v) for v in (ws.versions() if all_versions else ws.latest())]

    @app.get("/api/assets/{spec}", response_model=AssetDetail)
    def show_asset(spec: str) -> AssetDetail:
        v = workspace().resolve(spec)
        d = v.to_dict()
        return AssetDetail(
            **_summary(v).model_dump(),
            columns=d["columns"],
            params=d["params"],
            sources=d["sources"],
            tags=d["tags"],
            quality=d["quality"],
            report=d["report"],
            job_id=v.job_id,
        )

    @app.get("/api/assets/{spec}/lineage", response_model=list[LineageNode])
    def lineage(spec: str) -> list[LineageNode]:
        ws = workspace()
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

    @app.get("/api/assets/{spec}/quarantine", response_model=QuarantinePage)
    def quarantine(
        spec: str, offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=1000)
    ) -> QuarantinePage:
        ws = workspace()
        qv = quarantine_of(ws, ws.resolve(spec))
        table = ws.read_table(qv)
        rows = [QuarantineRow(**r) for r in table.slice(offset, limit).to_pylist()]
        return QuarantinePage(asset=str(qv.ref), total=table.num_rows, offset=offset, rows=rows)

    @app.get("/api/assets/{spec}/quality", response_model=QualityProfile)
    def quality(spec: str, limit: int = Query(10, ge=1, le=1000)) -> QualityProfile:
        ws = workspace()
        return QualityProfile(**quality_profile(ws, ws.resolve(spec), limit))

    searchers: dict[str, SearchService] = {}

    @app.get("/api/search", response_model=SearchResponse)
    def search(
        q: str = Query(..., max_length=1000),
        k: int = Query(10, ge=1, le=100),
        explain: bool = False,
        category: str | None = None,
        brand: Annotated[list[str] | None, Query()] = None,
        price_min: float | None = None,
        price_max: float | None = None,
        in_stock: bool | None = None,
        user: str | None = None,
    ) -> SearchResponse:
        ws = workspace()
        index = ws.get("search_index")
        # a new ranker or synonyms version changes the service too, not only a new index
        newest = [ws.versions(name)[-1:] for name in ("ranker", "synonyms")]
        key = "|".join([str(index.ref), *(str(v[0].ref) for v in newest if v)])
        if key not in searchers:  # one service per index version, reused across requests
            searchers.clear()
            searchers[key] = open_search(ws, settings)
        filters = Filters(
            category=category,
            brands=tuple(brand or ()),
            price_min=price_min,
            price_max=price_max,
            in_stock=in_stock,
        )
        outcome = searchers[key].search(q, k, explain, filters, user_id=user)
        return SearchResponse(index=str(index.ref), **outcome.to_dict())

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> str:
        return resources.files("shopmind.web").joinpath("index.html").read_text("utf-8")

    return app
