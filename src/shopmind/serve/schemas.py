"""Response models of the HTTP API (kept apart from the domain records on purpose)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class AssetSummary(BaseModel):
    name: str
    version: int
    ref: str
    rows: int
    created_at: str
    produced_by: str
    content_hash: str
    inputs: list[str]


class AssetDetail(AssetSummary):
    columns: list[dict[str, str]]
    params: dict[str, Any]
    sources: list[dict[str, Any]]
    tags: dict[str, list[str]]
    quality: dict[str, Any]
    report: dict[str, Any]
    job_id: str


class LineageNode(BaseModel):
    depth: int
    ref: str
    produced_by: str
    inputs: list[str]
    sources: list[dict[str, Any]]


class QuarantineRow(BaseModel):
    row: int
    field: str
    check: str
    reason: str
    raw: str


class QuarantinePage(BaseModel):
    asset: str
    total: int
    offset: int
    rows: list[QuarantineRow]


class DerivedSuggestions(BaseModel):
    asset: str
    rows: int
    summary: dict[str, Any]
    sample: list[dict[str, Any]]


class QualityProfile(BaseModel):
    asset: str
    rows: int
    profile: dict[str, Any]
    near_duplicates: DerivedSuggestions | None = None
    category_suggestions: DerivedSuggestions | None = None


class SearchHit(BaseModel):
    item_id: str
    title: str | None
    score: float
    explain: dict[str, Any]


class SearchResponse(BaseModel):
    query: str
    index: str
    searched: str
    filters: dict[str, Any]
    understood: list[str]
    results: list[SearchHit]
    facets: dict[str, Any]
    personalised: bool
    ranked: bool
    intent: list[dict[str, Any]]


class Health(BaseModel):
    status: str
    version: str
    workspace: str
    assets: int


class ErrorBody(BaseModel):
    error: str
    message: str
    details: dict[str, Any] | None = None
