"""Response models of the HTTP API (kept apart from the domain records on purpose)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shopmind.contracts.tables import ITEM_EVENT_TYPES


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


class DriftBin(BaseModel):
    bin: str
    older: float
    newer: float


class ColumnDriftOut(BaseModel):
    column: str
    kind: str = Field(description="numeric, time, categorical, identifier or other")
    psi: float | None = Field(description="population stability index (None: not scored)")
    verdict: str | None = Field(description="stable (< 0.1), moderate (< 0.25) or major")
    null_share: list[float] = Field(description="[older, newer] share of nulls")
    bins: list[DriftBin]


class DriftReport(BaseModel):
    asset: str
    older: str
    newer: str
    rows: list[int] = Field(description="[older, newer] row counts")
    columns: list[ColumnDriftOut]
    added: list[str]
    removed: list[str]
    worst: str | None


class SearchHit(BaseModel):
    item_id: str
    title: str | None
    score: float
    explain: dict[str, Any]


class SearchResponse(BaseModel):
    query: str
    index: str
    release: int | None = None
    searched: str
    filters: dict[str, Any]
    understood: list[str]
    results: list[SearchHit]
    facets: dict[str, Any]
    personalised: bool
    ranked: bool
    intent: list[dict[str, Any]]
    corrections: dict[str, Any]


class Health(BaseModel):
    status: str
    version: str
    workspace: str
    assets: int


class ErrorBody(BaseModel):
    """The one error format: a stable code, a message for people, details for programs."""

    error: str
    message: str
    details: dict[str, Any] | None = None
    request_id: str | None = None


# -- /v1 requests ----------------------------------------------------------------------------


class EventIn(BaseModel):
    """One user event (the events contract's fields; unknown fields are refused)."""

    model_config = ConfigDict(extra="forbid")

    user_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    event_type: Literal["view", "click", "add_to_cart", "purchase", "search"]
    item_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    session_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    timestamp: datetime | None = None  # ISO 8601 or unix seconds; the server's clock if absent
    query: Annotated[str, StringConstraints(max_length=1000)] | None = None
    price: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    quantity: Annotated[int, Field(ge=1, le=1_000_000)] | None = None

    @model_validator(mode="after")
    def _needs_its_subject(self) -> EventIn:
        if self.event_type in ITEM_EVENT_TYPES and self.item_id is None:
            raise ValueError(f"item_id is required for a {self.event_type!r} event")
        if self.event_type == "search" and not (self.query or "").strip():
            raise ValueError("query is required for a 'search' event")
        if self.timestamp is not None and self.timestamp.tzinfo is None:
            # a naive time is taken as UTC, like the file readers do
            self.timestamp = self.timestamp.replace(tzinfo=UTC)
        return self

    def record(self) -> dict[str, Any]:
        """The form the event log stores: unix seconds, no empty fields."""
        out = self.model_dump(exclude_none=True)
        if self.timestamp is not None:
            out["timestamp"] = int(self.timestamp.timestamp())
        return out


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[EventIn], Field(min_length=1)]


class EventsAccepted(BaseModel):
    accepted: int
    first_seq: int
    duplicate: bool


class ProductIn(BaseModel):
    """One product to insert or replace (the products contract's fields)."""

    model_config = ConfigDict(extra="forbid")

    item_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    description: Annotated[str, StringConstraints(max_length=100_000)] | None = None
    brand: Annotated[str, StringConstraints(max_length=500)] | None = None
    category: Annotated[str, StringConstraints(max_length=1000)] | None = None
    price: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    stock: Annotated[int, Field(ge=0)] | None = None
    attributes: dict[str, str] | None = None
    image_url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    language: Annotated[str, StringConstraints(max_length=20)] | None = None


class ProductBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: Annotated[list[ProductIn], Field(min_length=1)]


class ProductsAccepted(BaseModel):
    accepted: int
    first_seq: int
    duplicate: bool
    applies: str  # when the change reaches search and recommendations


# -- /v1 responses ---------------------------------------------------------------------------
class RecommendedItem(BaseModel):
    item_id: str
    score: float
    reason: str
    because: str | None


class RecommendResponse(BaseModel):
    user: str
    release: int
    known: bool
    items: list[RecommendedItem]


class SimilarResponse(BaseModel):
    item: str
    release: int
    items: list[RecommendedItem]


class ReleaseOut(BaseModel):
    id: int
    created_at: str
    pins: dict[str, str]
    note: str
    checks: dict[str, Any]
    active: bool


class ReleaseSwitched(BaseModel):
    release: ReleaseOut
    load_seconds: float
    checks: dict[str, Any]


class Ready(BaseModel):
    ready: bool
    release: int | None
    replayed_events: int
    live_users: int


class CompactOut(BaseModel):
    """What one compaction of the event log did."""

    log_id: str
    first_seq: int | None
    last_seq: int | None
    events: int
    accepted: int
    quarantined: int
    quarantine_by_check: dict[str, int]
    asset: str | None
    quarantine_asset: str | None
    previous: str | None
    previous_rows: int
    watermark: int
    truncated_segments: int
    references: dict[str, Any]
    erased: int = Field(0, description="events of the range erased from the log before")
    seconds: float


class ProductCompactOut(BaseModel):
    """What one compaction of the product change log did."""

    log_id: str
    operations: int
    upserts: int
    deletes: int
    previous: str | None
    asset: str | None
    accepted: int
    quarantined: int
    watermark: int
    seconds: float


class AuditEntryOut(BaseModel):
    """One entry of the access audit log (docs/privacy.md)."""

    when: str = Field(description="UTC, ISO 8601")
    who: str = Field(description="key:<id>, cli:<os user> or anonymous")
    via: str | None = Field(description="key, session (dashboard cookie), os (CLI) or null")
    verified: bool = Field(description="false: who is only what the request claimed")
    channel: Literal["api", "cli"]
    action: str = Field(description="METHOD /route or 'cli COMMAND'")
    target: str = Field(description="the path and query, or the command's arguments")
    outcome: str = Field(description="HTTP status, or 'ok' / an error code for the CLI")
    role: str | None = Field(description="the role the route requires")
    request_id: str | None


class AuditCompactOut(BaseModel):
    """What one compaction of the audit log into asset ``audit`` did."""

    asset: str | None = Field(description="the version holding the log (null: none yet)")
    entries: int
    written: bool = Field(description="false: nothing new since the last version")


class ErasureIn(BaseModel):
    """Whom to erase, in the body so the id stays out of URLs and access logs."""

    user: str = Field(min_length=1, max_length=200, description="the id as the shop sent it")


class ErasureOut(BaseModel):
    """What one erasure touched (docs/privacy.md)."""

    user: str
    pseudonym: str | None = Field(description="the id the assets held (null: not pseudonymised)")
    ticket: str = Field(description="recorded in each touched version's amendments")
    rows_removed: int
    assets_rewritten: list[str]
    rewritten: list[dict[str, Any]]
    marked_for_rebuild: list[str]
    event_log: dict[str, int] | None
    live: dict[str, Any]
    seconds: float
