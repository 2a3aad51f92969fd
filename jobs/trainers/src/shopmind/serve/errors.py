"""The one error format, rendered for every failure: ``{"error", "message", "details",
"request_id"}``. Unexpected exceptions are logged with their traceback on the server and
answered 500 with the request id only: no stack trace ever reaches a client."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shopmind.errors import ShopmindError

log = logging.getLogger("shopmind.serve")
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable"}


def _request_id(request: Request) -> str | None:
    rid = request.scope.get("state", {}).get("request_id")
    return str(rid) if rid else None


def _render(request: Request, status: int, body: dict[str, Any]) -> JSONResponse:
    body["request_id"] = _request_id(request)
    headers = {}
    retry = body.get("details", {}).get("retry_after") if body.get("details") else None
    if status == 429 and retry is not None:
        headers["Retry-After"] = str(retry)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShopmindError)
    async def on_shopmind(request: Request, exc: ShopmindError) -> JSONResponse:
        if exc.status >= 500:
            log.error("request %s failed: %s", _request_id(request), exc.message)
        return _render(request, exc.status, exc.to_dict())

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "problem": str(e.get("msg", "invalid")),
            }
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"field": "?", "problem": "invalid"}
        message = f"{first['field']}: {first['problem']}"
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more)"
        return _render(
            request,
            422,
            {"error": "validation", "message": message, "details": {"errors": problems}},
        )

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return _render(request, exc.status_code, {"error": code, "message": str(exc.detail)})

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s failed", _request_id(request))
        return _render(
            request,
            500,
            {"error": "internal", "message": "internal error; the server log has the details"},
        )
