"""One mapping from rsikg's errors to HTTP: status code and a JSON body saying what and where."""

from __future__ import annotations

from typing import Any

from api.core.dependencies import NoPathError, NotInGraphError
from api.core.validation import ValidationReport
from api.errors import (
    InputError,
    NotAcceptableError,
    QueryDeadlineError,
    QueryEngineError,
    RsikgError,
    ShapeViolationError,
    StoreUnavailableError,
)


class HttpError(RsikgError):
    """An error that is about HTTP itself (method, media type, size, credentials)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        super().__init__(detail)


def status_for(error: RsikgError) -> int:
    if isinstance(error, HttpError):
        return error.status
    if isinstance(error, ShapeViolationError):
        return 422
    if isinstance(error, NotInGraphError | NoPathError):
        return 404
    if isinstance(error, NotAcceptableError):
        return 406
    if isinstance(error, QueryDeadlineError | StoreUnavailableError):
        return 503
    if isinstance(error, InputError):
        return 400
    if isinstance(error, QueryEngineError):
        return 500
    return 400


def body_for(error: RsikgError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": error.detail if isinstance(error, HttpError) else str(error)}
    if isinstance(error, InputError):
        where = error.location
        body["location"] = {k: v for k, v in vars(where).items() if v is not None}
    if isinstance(error, NotInGraphError):
        body["suggestions"] = error.suggestions
    problems = getattr(error, "problems", None)  # a record with several things wrong
    if problems:
        body["problems"] = [
            {"detail": p.message, "location": {k: v for k, v in vars(p.location).items() if v is not None}}
            for p in problems
        ]
    if isinstance(error, ShapeViolationError) and isinstance(error.report, ValidationReport):
        body["report"] = error.report.as_json()
    return body


def headers_for(error: RsikgError) -> dict[str, str]:
    if isinstance(error, HttpError):
        return error.headers
    if isinstance(error, QueryDeadlineError):
        return {"Retry-After": "1"}
    return {}
