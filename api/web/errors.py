"""One mapping from rsikg's errors to HTTP: status code and a JSON body saying what and where."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import MutableMapping
from typing import Any

from ..core.service import NoPathError, NotInGraphError, ValidationReport
from ..errors import (
    InputError,
    NotAcceptableError,
    NotOnThisStoreError,
    QueryDeadlineError,
    ResourceLimitError,
    RsikgError,
    ShapeViolationError,
    StoreUnavailableError,
    WriteConflictError,
)

log = logging.getLogger("rsikg.web")

REQUEST_ID = "rsikg.request_id"  # the scope key the app's ASGI wrapper stores each request's id under
INTERNAL = "internal error"


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
    if isinstance(error, QueryDeadlineError | ResourceLimitError | StoreUnavailableError):
        return 503
    if isinstance(error, InputError):
        return 400
    if isinstance(error, NotOnThisStoreError):
        return 501
    if isinstance(error, WriteConflictError):
        return 409
    # QueryEngineError, ReasonerUnavailableError and any class not named above: not the
    # client's doing, so a 500 (failing safe: a new error class shows no text until mapped here)
    return 500


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
    if isinstance(error, QueryDeadlineError | ResourceLimitError):
        return {"Retry-After": "1"}
    return {}


def is_internal(error: BaseException) -> bool:
    """Whether the client may not see the error's text: anything that is not about its request.

    A QueryDeadlineError or ResourceLimitError (503) is about the client's request (its
    deadline, its memory, a full queue), and an HttpError's detail is written for clients.
    Other 5xx (a worker that died, a store that cannot open) and every exception rsikg did
    not raise on purpose could tell an attacker what happened inside.
    """
    if not isinstance(error, RsikgError):
        return True
    if isinstance(error, HttpError | QueryDeadlineError | ResourceLimitError | NotOnThisStoreError):
        return False
    return status_for(error) >= 500


def request_id_of(scope: MutableMapping[str, Any]) -> str:
    """The request's id, given by the app's ASGI wrapper (made here if a part runs without it):
    the one the request came with, when it is of rsikg's own shape (32 hexadecimal digits: what
    another serving process passing the request on sends, or a proxy that makes its own), so one
    id follows a request through every process and log; a new one else."""
    request_id = scope.get(REQUEST_ID)
    if not isinstance(request_id, str):
        given = next((v for k, v in scope.get("headers", ()) if k.lower() == b"x-request-id"), b"")
        request_id = given.decode() if _REQUEST_ID_SHAPE.fullmatch(given) else uuid.uuid4().hex
        scope[REQUEST_ID] = request_id
    return request_id


_REQUEST_ID_SHAPE = re.compile(rb"[0-9a-f]{32}")


def log_refused(scope: MutableMapping[str, Any], status: int, reason: str) -> None:
    """A trace of a request answered with an error of the client's (its text is the client's
    answer, not logged: it may quote the request). 503s (a deadline, a full queue, the
    memory cap) are a warning: many of them mean the service is short of something."""
    level = logging.WARNING if status >= 500 else logging.INFO
    log.log(
        level,
        "request %s: %s %r refused with %d (%s)",
        request_id_of(scope),
        scope.get("method"),
        scope.get("path"),
        status,
        reason,
        extra=_facts(scope, "request.refused", status, reason),
    )


def _facts(scope: MutableMapping[str, Any], event: str, status: int, reason: str) -> dict[str, object]:
    """A log record's fields for a request: never its body, query string or credentials."""
    return {
        "event": event,
        "request_id": request_id_of(scope),
        "method": scope.get("method"),
        "path": scope.get("path"),
        "status": status,
        "error": reason,
    }


def answer_for(
    error: BaseException, scope: MutableMapping[str, Any]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, JSON body and headers for any exception that reaches the boundary.

    Bad input answers 4xx saying what and where. Anything internal is logged with its
    traceback and the request id, and the client gets only that id to quote.
    """
    if isinstance(error, RsikgError) and not is_internal(error):
        status = status_for(error)
        log_refused(scope, status, type(error).__name__)
        return status, body_for(error), headers_for(error)
    request_id = request_id_of(scope)
    status = status_for(error) if isinstance(error, RsikgError) else 500
    # %r: the path is the client's text; a newline in it must not forge a log line
    log.error(
        "request %s: %s %r failed",
        request_id,
        scope.get("method"),
        scope.get("path"),
        exc_info=(type(error), error, error.__traceback__),
        extra=_facts(scope, "request.failed", status, type(error).__name__),
    )
    return status, {"detail": INTERNAL, "request_id": request_id}, {}
