"""The FastAPI application factory: settings in, app out; routes are thin, state is explicit.

``create_app(settings)`` builds a fresh app with its own :class:`ServiceState` (keys, rate
limits, live sessions, event logs, the served release) and its own metrics registry. The
state starts in the lifespan hook: logs replayed, the active release loaded and checked.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response

from shopmind import __version__
from shopmind.config import Settings
from shopmind.errors import ConfigError
from shopmind.recommend.threads import limit_threads_for_serving
from shopmind.serve.deps import state_of
from shopmind.serve.errors import install_error_handlers
from shopmind.serve.metrics import Metrics
from shopmind.serve.middleware import ServiceMiddleware
from shopmind.serve.routes import admin, dashboard, privacy, reading, ui, writing
from shopmind.serve.schemas import ErrorBody, Health, Ready
from shopmind.serve.state import ServiceState

log = logging.getLogger(__name__)
ERRORS = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422, 429, 500, 503)
}


def check_auth_setting(settings: Settings) -> None:
    """``auth = off`` only on a loopback address: an open API must not reach a network."""
    if settings.auth != "off":
        return
    host = settings.serve_host
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(
            f"setting auth='off' is allowed only with a loopback serve_host, not {host!r}",
            setting="auth",
        )


def create_app(settings: Settings) -> FastAPI:
    """The HTTP API and dashboard over ``settings.workspace`` (module docstring)."""
    check_auth_setting(settings)
    state = ServiceState(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.start()
        limit_threads_for_serving()  # parallelism comes from concurrent requests
        if state.served is not None:
            metrics.release.set(state.served.release.id)
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="shopmind",
        version=__version__,
        description="Search, recommendations, events and data assets of one shopmind workspace.",
        responses=ERRORS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )
    app.state.service = state
    app.state.metrics = metrics
    install_error_handlers(app)
    app.include_router(reading.router)
    app.include_router(writing.router)
    app.include_router(admin.router)
    app.include_router(privacy.router)
    app.include_router(dashboard.router)
    app.include_router(ui.router)

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz(request: Request) -> Health:
        """Liveness: the process answers (no key needed)."""
        return Health(
            status="ok",
            version=__version__,
            workspace=str(state_of(request).root),
            assets=len(state_of(request).workspace().latest()),
        )

    @app.get("/readyz", response_model=Ready, tags=["health"], responses={503: {"model": Ready}})
    def readyz(request: Request) -> Response:
        """Readiness: 200 once a release is loaded and serving, 503 before."""
        s = state_of(request)
        body = Ready(
            ready=s.ready and s.served is not None,
            release=s.served.release.id if s.served else None,
            replayed_events=s.replayed,
            live_users=len(s.sessions),
        )
        return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)

    @app.get("/metrics", tags=["health"], response_class=Response)
    def prometheus(request: Request) -> Response:
        """Prometheus text format: requests, latency histograms, events, release."""
        metrics.live_users.set(len(state_of(request).sessions))
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:  # off unless configured
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Idempotency-Key"],
        )
    # outermost: sees every request and response, errors included
    app.add_middleware(
        ServiceMiddleware,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
        audit=state.audit,
    )
    return app
