"""Named queries as REST: GET /queries lists them, GET /queries/{name} runs one with its
parameters bound as RDF terms. Each is its own path in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from api.core.named_queries import NamedQuery, bind, paged
from api.core.store import RDF_FORMATS, RESULT_FORMATS
from api.web.conneg import GRAPH_OFFERS, RESULT_OFFERS, choose
from api.web.deps import ServiceDep
from api.web.errors import HttpError

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
        if p.default is not None:
            schema["default"] = p.default
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
        bindings, page = bind(query, dict(request.query_params))
        accept = request.headers.get("accept")
        results_format, graph_format = choose(accept, RESULT_OFFERS), choose(accept, GRAPH_OFFERS)
        if results_format is None and graph_format is None:
            raise HttpError(406, f"no result format of this endpoint matches Accept: {accept}")
        answer = await service.query(
            paged(query, page), results_format=results_format, graph_format=graph_format, bindings=bindings
        )
        media_type = (
            RESULT_FORMATS[answer.format][0]
            if answer.format in RESULT_FORMATS
            else RDF_FORMATS[answer.format].media_type
        )
        headers = {"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
        if answer.truncated:
            headers["X-Rsikg-Truncated"] = "true"
        return Response(answer.body, media_type=media_type, headers=headers)

    run.__name__ = f"run_{query.name}"
    return run


def router_for(queries: dict[str, NamedQuery]) -> APIRouter:
    router = APIRouter(tags=["named queries"])

    @router.get("/queries", summary="List the named queries and their parameters")
    async def list_queries() -> list[dict[str, Any]]:
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
                    "content": {m: {} for m, _ in RESULT_OFFERS[:4]},
                }
            },
        )
    return router
