"""Named queries as REST: GET /queries lists them, GET /queries/{name} runs one with its
parameters bound as RDF terms. Each is its own path in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from ...core.service import TODAY, NamedQuery
from ..conneg import RESULT_OFFERS, answer_formats, media_type_of
from ..deps import ServiceDep
from ..models import NamedQueryInfo, SparqlResults, errors, inline_schema
from . import pages

_OPENAPI_TYPES = {
    "iri": ("string", "iri-reference"),
    "string": ("string", None),
    "integer": ("integer", None),
    "decimal": ("number", None),
    "boolean": ("boolean", None),
    "date": ("string", "date"),
    "language": ("string", None),
}


def _parameters(query: NamedQuery) -> list[dict[str, Any]]:
    parameters = []
    for p in query.params:
        kind, fmt = _OPENAPI_TYPES[p.type]
        schema: dict[str, Any] = {"type": kind, **({"format": fmt} if fmt else {})}
        if p.default is not None and not (p.type == "date" and p.default == TODAY):
            schema["default"] = p.default  # "today" is no date: the description says it
        if p.enum:
            schema["enum"] = list(p.enum)
        parameters.append(
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": p.description or f"{p.type} parameter",
                "schema": schema,
            }
        )
    if query.pagination:
        parameters.append(
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": f"Page of {query.pagination} rows, from 1.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            }
        )
    return parameters


def _runner(query: NamedQuery) -> Callable[[Request, ServiceDep], Awaitable[Response]]:
    async def run(request: Request, service: ServiceDep) -> Response:
        if pages.wants_page(request.headers.get("accept"), RESULT_OFFERS):
            return await pages.render_query(request, service, query)
        text, bindings = service.bind_named(query, dict(request.query_params))
        results_format, graph_format = answer_formats(request.headers.get("accept"))
        answer = await service.query(
            text,
            results_format=results_format,
            graph_format=graph_format,
            bindings=bindings,
            if_none_match=request.headers.get("if-none-match"),
        )
        headers = {"Vary": "Accept"}
        if answer.tag is not None:
            headers["ETag"] = answer.tag
        if answer.unchanged:
            return Response(status_code=304, headers=headers)
        if answer.tag is not None:
            headers["X-Rsikg-Cache"] = "hit" if answer.cached else "miss"
        if answer.truncated:
            headers["X-Rsikg-Truncated"] = "true"
        return Response(answer.body, media_type=media_type_of(answer.format), headers=headers)

    run.__name__ = f"run_{query.name}"
    return run


def _results_content() -> dict[str, Any]:
    """The result formats of a named query; SPARQL JSON results with their schema."""
    content: dict[str, Any] = {m: {} for m, _ in RESULT_OFFERS[:4]}
    content["application/sparql-results+json"] = {"schema": inline_schema(SparqlResults)}
    return content


def router_for(queries: dict[str, NamedQuery]) -> APIRouter:
    router = APIRouter(tags=["named queries"])

    # The list is sent as the core builds it (response_model=None); the model is its schema only.
    @router.get(
        "/queries",
        summary="List the named queries and their parameters",
        response_model=None,
        responses={200: {"model": list[NamedQueryInfo]}},
    )
    async def list_queries(request: Request) -> Any:
        if pages.wants_page(request.headers.get("accept"), (("application/json", "json"),)):
            return pages.render_gallery(request, list(queries.values()))
        return [q.as_json() for q in queries.values()]

    for query in queries.values():
        router.add_api_route(
            f"/queries/{query.name}",
            _runner(query),
            methods=["GET"],
            summary=query.summary,
            description=query.description,
            tags=["named queries", *query.tags],
            response_class=Response,
            openapi_extra={"parameters": _parameters(query)},
            responses={
                200: {
                    "description": "SPARQL results (JSON, XML, CSV, TSV by Accept)",
                    "content": _results_content(),
                },
                **errors({400: "A parameter missing or of the wrong type", 406: "No acceptable format"}),
            },
        )
    return router
