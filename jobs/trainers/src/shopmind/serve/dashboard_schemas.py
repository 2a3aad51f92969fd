"""Request and response schemas of the dashboard's routes (login, overview, users, reports,
table rows, jobs); the API's core schemas are in :mod:`shopmind.serve.schemas`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=200, description="An API key (any role).")


class Me(BaseModel):
    key_id: str
    role: str


class AssetFreshness(BaseModel):
    name: str
    ref: str
    versions: int
    rows: int
    bytes: int
    created_at: str
    age_hours: float


class Overview(BaseModel):
    workspace: str
    assets: list[AssetFreshness]
    total_bytes: int
    release: dict[str, Any] | None
    headline: dict[str, Any] = Field(description="held-out metrics of what is served")
    live_users: int
    events_logged: int


class TimelineEvent(BaseModel):
    item_id: str
    title: str | None
    event_type: str
    timestamp: int
    live: bool = Field(description="recorded since the last build")


class UserView(BaseModel):
    user: str
    known: bool
    history: list[TimelineEvent]
    profile: dict[str, Any] | None
    recommendations: list[dict[str, Any]]


class MetricPoint(BaseModel):
    source: str = Field(description="the asset version or report file it comes from")
    dataset: str
    model: str
    metric: str
    value: float
    date: str


class Reports(BaseModel):
    points: list[MetricPoint]
    files: list[str]


class RowsPage(BaseModel):
    asset: str
    total: int
    offset: int
    columns: list[str]
    rows: list[dict[str, Any]]


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="build or evaluate")


class JobOut(BaseModel):
    id: int
    kind: str
    requested_by: str
    status: str
    created_at: str
    seconds: float
    progress: float
    step: str
    log: list[str]
    result: dict[str, Any] | None
    error: str | None
