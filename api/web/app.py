"""The app factory: ``create_app(settings)`` gives the ASGI app that ``rsikg serve`` runs.

/sparql goes straight to the bare ASGI protocol endpoint (the hot path); everything else to
FastAPI: the Graph Store protocol, named queries, health and the OpenAPI document.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api import __version__
from api.core.named_queries import load_named_queries
from api.core.service import GraphService
from api.core.store import open_store
from api.errors import RsikgError
from api.settings import Settings
from api.web.errors import body_for, headers_for, status_for
from api.web.routes import decisions, graph, queries, store
from api.web.sparql import Receive, Scope, Send, SparqlEndpoint
from api.web.state import AppState

DESCRIPTION = """The knowledge graph of Danish regional health IT (Regionernes Sundheds-it).

* **/sparql**: the SPARQL 1.1 Protocol (queries for everyone; updates with the bearer token).
* **/store**: the SPARQL 1.1 Graph Store HTTP Protocol.
* **/queries**: named queries with typed parameters.
"""


class RsikgApp:
    """The ASGI app: /sparql to the protocol endpoint, the rest to FastAPI."""

    def __init__(self, api: FastAPI, sparql: SparqlEndpoint, state: AppState) -> None:
        self.api = api
        self.sparql = sparql
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/sparql":
            await self.sparql(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def _sparql_openapi() -> dict[str, Any]:
    parameters = [
        {"name": "query", "in": "query", "schema": {"type": "string"}, "description": "A SPARQL 1.1 query."},
        {
            "name": "default-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
        },
        {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
    ]
    formats: dict[str, Any] = {
        m: {}
        for m in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
            "text/turtle",
            "application/n-triples",
            "application/ld+json",
            "application/rdf+xml",
        )
    }
    responses = {
        "200": {"description": "Results, by Accept", "content": formats},
        "400": {"description": "Syntax error (with line and column), or a refused SERVICE/FROM"},
        "406": {"description": "No acceptable format"},
        "503": {"description": "Deadline passed"},
    }
    return {
        "get": {
            "tags": ["sparql"],
            "summary": "SPARQL query (no query: the service description)",
            "parameters": parameters,
            "responses": responses,
        },
        "post": {
            "tags": ["sparql"],
            "summary": "SPARQL query or update (update: bearer token)",
            "requestBody": {
                "content": {
                    "application/sparql-query": {"schema": {"type": "string"}},
                    "application/sparql-update": {"schema": {"type": "string"}},
                    "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                }
            },
            "responses": {
                **responses,
                "204": {"description": "Update committed"},
                "401": {"description": "No token"},
                "403": {"description": "Wrong token"},
                "413": {"description": "Body too large"},
                "415": {"description": "Media type"},
                "422": {"description": "The update would add SHACL Violations"},
            },
        },
    }


def create_app(settings: Settings | None = None) -> RsikgApp:
    """The rsikg web app. The store opens, and is loaded if empty, when the app starts."""
    settings = settings or Settings()
    state = AppState(settings, token=settings.read_token())
    named = load_named_queries(settings.project_dir / "queries")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        scratch = Path(tempfile.mkdtemp(prefix="rsikg-")) if settings.in_memory else None
        path = scratch / "store" if scratch else Path(settings.store)
        service = GraphService(open_store(path), settings)
        await service.start()
        state.service = service
        try:
            yield
        finally:
            await service.close()
            state.service = None
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)

    api = FastAPI(title="rsikg", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    api.state.rsikg = state

    @api.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        """A parameter of the wrong type or missing: 400 naming it, in the same shape as every
        other rsikg error (not FastAPI's 422 list)."""
        first = error.errors()[0] if error.errors() else {}
        field = ".".join(str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body"))
        detail = f"{field or 'request'}: {first.get('msg', 'invalid')}"
        return JSONResponse({"detail": detail, "location": {"field": field}}, status_code=400)

    @api.exception_handler(RsikgError)
    async def rsikg_error(_: Request, error: RsikgError) -> JSONResponse:
        return JSONResponse(body_for(error), status_code=status_for(error), headers=headers_for(error))

    @api.get("/health", tags=["service"], summary="Is the service up, and what does it hold")
    async def health() -> dict[str, Any]:
        service = state.graph
        return {
            "status": "ok",
            "triples": service.triples,
            "graphs": len(service.known_graphs),
            "writes": state.token is not None,
            "workers_network_isolated": service.engine.network_isolated,
        }

    api.include_router(store.router)
    api.include_router(decisions.router)
    api.include_router(graph.router)
    api.include_router(queries.router_for(named))

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=api.title, version=api.version, description=api.description, routes=api.routes
            )
            schema["paths"]["/sparql"] = _sparql_openapi()
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return RsikgApp(api, SparqlEndpoint(state), state)
