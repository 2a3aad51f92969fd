"""What the dashboard reads beyond the core API: overview, a user, reports, table rows, jobs.

All admin: they show user histories and whole tables. Thin: each gathers what the workspace,
the served release or the job runner already hold.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from shopmind.pipeline.evaluating import REPORTS_DIR
from shopmind.recommend.data import EVENT_CODES
from shopmind.serve.dashboard_schemas import (
    AssetFreshness,
    JobIn,
    JobOut,
    MetricPoint,
    Overview,
    Reports,
    RowsPage,
    TimelineEvent,
    UserView,
)
from shopmind.serve.deps import require, state_of
from shopmind.workspace import AssetVersion, Workspace

router = APIRouter(prefix="/v1", dependencies=[Depends(require("admin"))], tags=["dashboard"])
EVENT_NAMES = {code: name for name, code in EVENT_CODES.items()}
HISTORY_LIMIT = 200


def _bytes(ws: Workspace, v: AssetVersion) -> int:
    folder = ws.version_dir(v.ref)
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


@router.get("/overview", response_model=Overview)
def overview(request: Request) -> Overview:
    """Assets with sizes and freshness, the served release and its headline metrics."""
    state = state_of(request)
    ws = state.workspace()
    now = datetime.now(UTC)
    assets = []
    for v in ws.latest():
        assets.append(
            AssetFreshness(
                name=v.ref.name,
                ref=str(v.ref),
                versions=len(ws.versions(v.ref.name)),
                rows=v.rows,
                bytes=_bytes(ws, v),
                created_at=v.created_at.isoformat(),
                age_hours=round((now - v.created_at).total_seconds() / 3600, 2),
            )
        )
    served = state.served
    headline: dict[str, Any] = {}
    if served is not None:
        for name, spec in served.release.pins.items():
            quality = ws.resolve(spec).quality
            if name == "recommender":
                headline["recommender"] = {
                    "held_out": quality.get("held_out", {}),
                    "popularity_held_out": quality.get("popularity_held_out", {}),
                }
            elif name == "ranker" and "held_out" in quality:
                headline["search_ranker"] = quality["held_out"]
    return Overview(
        workspace=str(ws.root),
        assets=assets,
        total_bytes=sum(a.bytes for a in assets),
        release=served.release.to_dict() if served else None,
        headline=headline,
        live_users=len(state.sessions),
        events_logged=state.events.last_seq,
    )


@router.get("/users/{user}", response_model=UserView)
def user_view(
    request: Request,
    user: Annotated[str, Path(min_length=1, max_length=200)],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> UserView:
    """A user's history (built, then live), profile and recommendations with reasons."""
    state = state_of(request)
    served = state.served
    shown, user = user, state.privacy.user(user)  # look up by the id the assets know
    if served is None or served.recommend is None:
        return UserView(user=shown, known=False, history=[], profile=None, recommendations=[])
    rec = served.recommend
    history = rec.history(user)
    n_live = len(rec.live.events(user))
    items = history.items.tolist()[-HISTORY_LIMIT:]
    events = history.events.tolist()[-HISTORY_LIMIT:] if history.events is not None else []
    times = history.times.tolist()[-HISTORY_LIMIT:] if history.times is not None else []
    timeline = []
    for n, item in enumerate(items):
        item_id = rec.catalog.ids[int(item)]
        timeline.append(
            TimelineEvent(
                item_id=item_id,
                title=served.search.title_of(item_id) if served.search else None,
                event_type=EVENT_NAMES.get(int(events[n]), "interaction") if events else "view",
                timestamp=int(times[n]) if times else 0,
                live=n >= len(items) - n_live,
            )
        )
    profile = served.search.profiles.get(user) if served.search else None
    return UserView(
        user=shown,
        known=rec.knows(user),
        history=timeline,
        profile=profile,
        recommendations=[
            {**r.to_dict(), "title": served.search.title_of(r.item_id) if served.search else None}
            for r in rec.recommend(user, k)
        ],
    )


@router.get("/reports", response_model=Reports)
def reports(request: Request) -> Reports:
    """Metrics per model and dataset: each recommender and ranker version's held-out figures
    (over time) and the evaluation and benchmark results in the workspace's ``reports/``."""
    ws = state_of(request).workspace()
    names = {v.ref.name for v in ws.latest()}
    points: list[MetricPoint | None] = []
    for v in ws.versions("recommender") if "recommender" in names else []:
        dataset = next((str(r) for r in v.inputs if r.name == "events"), "events")
        model = str(v.params.get("model", "recommender"))
        for key, who in (("held_out", model), ("popularity_held_out", "popularity")):
            for metric, value in dict(v.quality.get(key, {})).items():
                points.append(_point(str(v.ref), dataset, who, metric, value, v.created_at))
    for v in ws.versions("ranker") if "ranker" in names else []:
        for metric, value in dict(v.quality.get("held_out", {})).items():
            points.append(
                _point(str(v.ref), "judgements", "search ranker", metric, value, v.created_at)
            )
    files = (
        sorted((ws.root / REPORTS_DIR).glob("*.json")) if (ws.root / REPORTS_DIR).is_dir() else []
    )
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except ValueError:
            continue  # not a report: skipped, and listed so it can be found
        points.extend(_file_points(f.name, data))
    return Reports(points=[p for p in points if p is not None], files=[f.name for f in files])


def _point(
    source: str, dataset: str, model: str, metric: str, value: Any, when: datetime | str
) -> MetricPoint | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    date = when.isoformat() if isinstance(when, datetime) else str(when)
    return MetricPoint(
        source=source, dataset=dataset, model=model, metric=metric, value=float(value), date=date
    )


def _file_points(name: str, data: dict[str, Any]) -> list[MetricPoint | None]:
    """Points of a ``shopmind-trainers bench recommend`` / ``evaluate`` (``models``) or
    ``shopmind-trainers bench search`` (``systems``) result."""
    dataset_info = data.get("dataset")
    dataset = str(dataset_info.get("name", name)) if isinstance(dataset_info, dict) else name
    date = str(data.get("date", ""))
    table = data.get("models") or data.get("systems") or {}
    out: list[MetricPoint | None] = []
    for model, metrics in table.items() if isinstance(table, dict) else []:
        for metric, value in metrics.items() if isinstance(metrics, dict) else []:
            out.append(_point(name, dataset, str(model), str(metric), value, date))
    return out


@router.get("/assets/{spec}/rows", response_model=RowsPage)
def rows(
    request: Request,
    spec: Annotated[str, Path(min_length=1, max_length=200)],
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> RowsPage:
    """A page of a version's rows (vectors shown as their length)."""
    ws = state_of(request).workspace()
    v = ws.resolve(spec)
    table = ws.read_table(v)
    page = table.slice(offset, limit).to_pylist()
    for row in page:
        for key, value in row.items():
            if isinstance(value, list) and value and isinstance(value[0], float):
                row[key] = f"<vector of {len(value)}>"
            elif isinstance(value, datetime):
                row[key] = value.isoformat()
            elif isinstance(value, bytes):
                row[key] = f"<{len(value)} bytes>"
    return RowsPage(
        asset=str(v.ref), total=table.num_rows, offset=offset, columns=table.column_names, rows=page
    )


@router.post("/jobs", response_model=JobOut, status_code=202)
def start_job(request: Request, body: JobIn) -> JobOut:
    """Start a build or an evaluation in the background; poll ``/v1/jobs/{id}``."""
    who = str(getattr(request.state, "key_id", "anonymous"))
    return JobOut(**state_of(request).jobs.start(body.kind, who).to_dict())


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(request: Request) -> list[JobOut]:
    return [JobOut(**j.to_dict()) for j in state_of(request).jobs.all()]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(request: Request, job_id: Annotated[int, Path(ge=1)]) -> JobOut:
    return JobOut(**state_of(request).jobs.get(job_id).to_dict())
