"""The dashboard's pages and its login (serve/logins.py): ``/``, ``/ui/...``."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from shopmind.serve.dashboard_schemas import LoginIn, Me
from shopmind.serve.deps import require, state_of
from shopmind.serve.keys import KeyRecord
from shopmind.serve.logins import COOKIE

router = APIRouter(tags=["dashboard"])
STATIC = {"app.js": "text/javascript", "app.css": "text/css"}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index() -> str:
    return resources.files("shopmind.web").joinpath("index.html").read_text("utf-8")


@router.get("/ui/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    """The dashboard's script and style, shipped inside the package (no CDN)."""
    media = STATIC.get(name)
    if media is None:
        return Response(status_code=404)
    body = resources.files("shopmind.web").joinpath(name).read_bytes()
    return Response(body, media_type=media, headers={"Cache-Control": "no-cache"})


@router.post("/ui/login", response_model=Me)
def login(request: Request, body: LoginIn, response: Response) -> Me:
    """Check an API key and open a dashboard session: an HttpOnly cookie, not the key."""
    state = state_of(request)
    record = state.keys.check(body.key, "read")  # 401 for a wrong key
    request.state.key_id = record.id  # the audit log names who logged in
    token = state.logins.open(record)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(state.logins.ttl),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return Me(key_id=record.id, role=record.role)


@router.post("/ui/logout", status_code=204)
def logout(request: Request) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        state_of(request).logins.close(token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/ui/me", response_model=Me)
def me(key: Annotated[KeyRecord, Depends(require("read"))]) -> Me:
    """Who the session (or the key sent) is."""
    return Me(key_id=key.id, role=key.role)
