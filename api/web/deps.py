"""FastAPI dependencies, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..core.service import GraphService
from .state import AppState


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.rsikg
    return state


def get_service(state: Annotated[AppState, Depends(get_state)]) -> GraphService:
    return state.graph


StateDep = Annotated[AppState, Depends(get_state)]
ServiceDep = Annotated[GraphService, Depends(get_service)]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 past the limit (checked before and while reading)."""
    from .errors import HttpError

    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HttpError(413, f"the request body is larger than the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"the request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
