"""Architecture decisions and comply-or-explain statements over HTTP.

POST /decisions/validate dry-runs a record (MADR Markdown, Turtle or JSON-LD) and answers the
report and its impact; nothing is written. POST /decisions and POST /compliance adopt a record
(bearer token; 422 with the report, and nothing written, on any Violation). GET /decisions,
GET /decisions/{id}, GET /decisions/{id}/history and GET /compliance read them back.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from ...core.service import RECORD_MEDIA_TYPES as MEDIA_TYPES
from ...core.service import Check, DecisionKind, DecisionStatus, GraphService
from ..auth import require_token
from ..conneg import choose
from ..deps import ServiceDep, StateDep, read_body
from ..errors import HttpError
from ..models import (
    Adoption,
    Compliance,
    Decision,
    DecisionHistory,
    DecisionList,
    DryRun,
    errors,
)
from . import pages

router = APIRouter(tags=["decisions"])

_REPORT_OFFERS = [("application/json", "json"), ("text/turtle", "turtle"), ("text/plain", "text")]
_RECORD_BODY = {
    "required": True,
    "content": {
        "text/markdown": {"schema": {"type": "string"}, "example": "---\nid: adr-0001\n...\n---\n"},
        "text/turtle": {"schema": {"type": "string"}},
        "application/ld+json": {"schema": {"type": "object"}},
    },
}


class StatusParam(StrEnum):
    """``GET /compliance?status=``: a word of the decision-status vocabulary, or ``all``. An
    enumeration, so anything else is a 400 naming the allowed words before any query is made."""

    PROPOSED = DecisionStatus.PROPOSED.value
    ACCEPTED = DecisionStatus.ACCEPTED.value
    REJECTED = DecisionStatus.REJECTED.value
    DEPRECATED = DecisionStatus.DEPRECATED.value
    SUPERSEDED = DecisionStatus.SUPERSEDED.value
    ALL = "all"


class KindParam(StrEnum):
    """``GET /compliance?kind=``: a word of the decision-kind vocabulary, or ``all``."""

    ARCHITECTURE = DecisionKind.ARCHITECTURE.value
    OPERATIONS = DecisionKind.OPERATIONS.value
    PROJECTS = DecisionKind.PROJECTS.value
    STRATEGY = DecisionKind.STRATEGY.value
    ALL = "all"


AgentParam = Annotated[
    str, Query(description="Who adopts the record, recorded in its provenance (prov:wasAttributedTo).")
]


def _media_type(request: Request) -> str:
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise HttpError(
            415,
            f"cannot read a record of type {media_type or '(none)'!r}; use one of {', '.join(MEDIA_TYPES)}",
        )
    return media_type


def _answer(found: Check, accept: str | None, status: int = 200) -> Response:
    fmt = choose(accept, _REPORT_OFFERS)
    if fmt is None:
        raise HttpError(406, f"the report is JSON, Turtle (sh:ValidationReport) or text; not {accept}")
    headers = {"Vary": "Accept"}
    if fmt == "turtle":
        return Response(found.report.to_turtle(), status, media_type="text/turtle", headers=headers)
    if fmt == "text":
        return Response(
            GraphService.report_text(found), status, media_type="text/plain; charset=utf-8", headers=headers
        )
    return JSONResponse(found.as_json(), status, headers=headers)


@router.get("/decisions/check", include_in_schema=False, response_class=HTMLResponse)
async def decision_form(request: Request) -> Response:
    """The decision page (issue 15): a form to paste or upload a record, for people; tools
    POST the record to /decisions/validate or /decisions."""
    return pages.render_decision_form(request)


@router.post("/decisions/check", include_in_schema=False, response_class=HTMLResponse)
async def decision_checked(request: Request, state: StateDep, service: ServiceDep) -> Response:
    """The decision page's form, sent: the dry run as a report, or the adoption with the token."""
    return await pages.render_decision(request, service, state.token, state.settings.max_body_bytes)


@router.post(
    "/decisions/validate",
    summary="Dry-run a proposed decision: SHACL report on what it concerns, and its impact",
    openapi_extra={"requestBody": _RECORD_BODY},
    responses={
        # JSON is the model; Turtle is the sh:ValidationReport, text the report for a terminal
        200: {"model": DryRun, "content": {"text/turtle": {}, "text/plain": {}}},
        **errors(
            {
                400: "The record cannot be read",
                406: "Accept names none of JSON, Turtle, text",
                413: "Body too large",
                415: "Unknown type",
            }
        ),
    },
)
async def validate_decision(
    request: Request, state: StateDep, service: ServiceDep, accept: Annotated[str | None, Header()] = None
) -> Response:
    media_type = _media_type(request)
    body = await read_body(request, state.settings.max_body_bytes)
    found = await anyio.to_thread.run_sync(lambda: service.check_record(body, media_type))
    return _answer(found, accept)


async def _adopt(
    request: Request,
    state: StateDep,
    service: ServiceDep,
    authorization: str | None,
    agent: str,
    statements: bool,
) -> Response:
    require_token(authorization, state.token)
    media_type = _media_type(request)
    body = await read_body(request, state.settings.max_body_bytes)
    # committed and published
    found, adopted = await service.adopt_record(body, media_type, agent, statements=statements)
    created = any(not a.revised for a in adopted)
    kind = "compliance" if statements else "decisions"
    first = adopted[0].record.rsplit("/", 1)[-1]
    return JSONResponse(
        {"adopted": [a.as_json() for a in adopted], **found.as_json()},
        201 if created else 200,
        headers={"Location": f"/{kind}/{first}" if not statements else "/compliance"},
    )


_ADOPT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Adoption, "description": "Adopted (a revision of a record)"},
    201: {"model": Adoption, "description": "Adopted (a new record)"},
    **errors(
        {
            400: "The record cannot be read",
            401: "No token",
            403: "Wrong token, or writes are off",
            413: "Body too large",
            415: "Unknown type",
            422: "The record has SHACL Violations (the report); nothing was written",
        }
    ),
}


def _adopter(statements: bool) -> Any:
    async def adopt(
        request: Request,
        state: StateDep,
        service: ServiceDep,
        authorization: Annotated[str | None, Header()] = None,
        agent: AgentParam = "api",
    ) -> Response:
        return await _adopt(request, state, service, authorization, agent, statements=statements)

    return adopt


for _path, _statements, _summary in (
    ("/decisions", False, "Adopt a decision (needs the bearer token): validated, then committed with PROV"),
    ("/compliance", True, "Record a comply-or-explain statement (needs the bearer token)"),
):
    router.add_api_route(
        _path,
        _adopter(_statements),
        methods=["POST"],
        operation_id=f"adopt_{'statement' if _statements else 'decision'}",
        summary=_summary,
        openapi_extra={"requestBody": _RECORD_BODY},
        responses=_ADOPT_RESPONSES,
    )


@router.get("/decisions", summary="The decisions in the graph, newest first", response_model=DecisionList)
async def list_decisions(service: ServiceDep) -> JSONResponse:
    rows = await anyio.to_thread.run_sync(service.decisions)
    return JSONResponse({"decisions": rows})


def _record(service: ServiceDep, ident: str) -> Any:
    record, description = service.decision(ident)
    if not len(description):
        raise HttpError(404, f"the graph has no decision {ident!r}; GET /decisions lists them")
    return record, description


@router.get(
    "/decisions/{ident}",
    summary="One decision (JSON, or its RDF by Accept) with its history",
    responses={
        200: {"model": Decision, "content": {"text/turtle": {}, "application/ld+json": {}}},
        **errors({404: "No such decision", 406: "Accept names none of JSON, Turtle, JSON-LD"}),
    },
)
async def get_decision(
    service: ServiceDep, state: StateDep, ident: str, accept: Annotated[str | None, Header()] = None
) -> Response:
    record, description = await anyio.to_thread.run_sync(_record, service, ident)
    fmt = choose(
        accept, [("application/json", "json"), ("text/turtle", "turtle"), ("application/ld+json", "jsonld")]
    )
    if fmt is None:
        raise HttpError(406, "a decision is answered as application/json, text/turtle or application/ld+json")
    if fmt == "jsonld":
        body = await anyio.to_thread.run_sync(service.json_ld, description, state.settings.base_url)
        return Response(body, media_type="application/ld+json")
    if fmt == "turtle":
        return Response(description.serialize(format="turtle"), media_type="text/turtle")
    properties: dict[str, list[str]] = {}
    for _s, p, o in sorted(description):
        properties.setdefault(str(p), []).append(str(o))
    versions = await anyio.to_thread.run_sync(service.decision_history, record)
    return JSONResponse(
        {
            "iri": str(record),
            "graph": service.record_graph(record),
            "properties": properties,
            "history": versions,
        }
    )


@router.get(
    "/decisions/{ident}/history",
    summary="A decision's adopted versions, with their provenance",
    response_model=DecisionHistory,
    responses=errors({404: "No such decision"}),
)
async def decision_history(service: ServiceDep, ident: str) -> JSONResponse:
    record, _ = await anyio.to_thread.run_sync(_record, service, ident)
    versions = await anyio.to_thread.run_sync(service.decision_history, record)
    return JSONResponse({"iri": str(record), "history": versions})


@router.get(
    "/compliance",
    summary="Comply or explain: the decision × region matrix (JSON or CSV)",
    responses={
        200: {"model": Compliance, "content": {"text/csv": {}, "text/html": {}}},
        **errors({400: "A bad asOf, status or format", 406: "Accept names neither JSON nor CSV"}),
    },
)
async def compliance(
    request: Request,
    service: ServiceDep,
    state: StateDep,
    accept: Annotated[str | None, Header()] = None,
    format: Annotated[str | None, Query(description="json or csv (instead of Accept)")] = None,
    status: Annotated[
        StatusParam, Query(description="decisions of this status; 'all' for every one")
    ] = StatusParam.ACCEPTED,
    as_of: Annotated[
        str | None,
        Query(
            alias="asOf",
            description="the day (YYYY-MM-DD) the matrix is for, by default today in Denmark; "
            "'all' for every region and statement ever",
        ),
    ] = None,
    kind: Annotated[
        KindParam,
        Query(description="decisions of this kind (a decision-kind word) alone; 'all' for every kind"),
    ] = KindParam.ALL,
) -> Response:
    offers = [("application/json", "json"), ("text/csv", "csv")]
    page = format is None and pages.wants_page(accept, offers)
    # a page's form sends an empty date field: today, as no field at all would be
    day = service.as_of((as_of or None) if page else as_of, "asOf")
    chosen = None if status is StatusParam.ALL else DecisionStatus(status.value)
    of_kind = None if kind is KindParam.ALL else DecisionKind(kind.value)
    if page:
        filters = {"status": status.value, "kind": kind.value, "asOf": as_of or ""}
        return await pages.render_compliance(request, service, chosen, day, of_kind, filters)
    fmt = format or choose(accept, offers)
    if fmt not in ("json", "csv"):
        raise HttpError(
            406 if format is None else 400, "the matrix is answered as application/json or text/csv"
        )
    matrix = await anyio.to_thread.run_sync(
        lambda: service.compliance(status=chosen, as_of=day, kind=of_kind)
    )
    if fmt == "csv":
        return Response(matrix.to_csv(), media_type="text/csv; charset=utf-8", headers={"Vary": "Accept"})
    return JSONResponse(matrix.as_json(), headers={"Vary": "Accept"})
