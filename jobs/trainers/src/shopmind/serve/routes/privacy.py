"""``/v1/privacy/erase``: the right to be forgotten, for the admin role."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from shopmind.serve.deps import require, state_of
from shopmind.serve.schemas import ErasureIn, ErasureOut

router = APIRouter(prefix="/v1/privacy", dependencies=[Depends(require("admin"))], tags=["admin"])


@router.post("/erase", response_model=ErasureOut)
async def erase(request: Request, body: ErasureIn) -> ErasureOut:
    """Erase a user from every asset version, model history, the event log and the live
    state of this server; models trained on their data are marked for a rebuild."""
    state = state_of(request)
    report = await run_in_threadpool(state.erase, body.user)
    return ErasureOut(**report.to_dict())
