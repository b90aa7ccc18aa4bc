"""The app factory: ``create_app(settings)`` gives the ASGI app that ``rsikg serve`` runs.

/sparql goes straight to the bare ASGI protocol endpoint (the hot path); everything else to
FastAPI: the Graph Store protocol, named queries, health and the OpenAPI document.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from .. import __version__
from ..core.formats import ANSWER_GRAPH_FORMATS, RESULT_FORMATS, media_type
from ..core.service import GraphService
from ..errors import RsikgError
from ..settings import Settings
from . import vendor
from .errors import answer_for, log, log_refused, request_id_of
from .models import Health
from .routes import changes, decisions, explore, graph, pages, queries, store
from .sparql import Receive, Scope, Send, SparqlEndpoint
from .state import AppState

Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

STATIC = Path(__file__).resolve().parent / "static"
_ANSWERED = "rsikg.answered"  # scope key: the exception the FastAPI handler already answered


async def _no_body() -> MutableMapping[str, Any]:
    """A receive for answering after a failure: the request body is not read again."""
    return {"type": "http.request", "body": b"", "more_body": False}


DESCRIPTION = """The knowledge graph of Danish regional health IT (Regionernes Sundheds-it).

* **/sparql**: the SPARQL 1.1 Protocol (queries for everyone; updates with the bearer token).
* **/store**: the SPARQL 1.1 Graph Store HTTP Protocol.
* **/queries**: named queries with typed parameters.
"""


def _cache_policy(method: str, status: int, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The Cache-Control of a response.

    Errors and anything but GET/HEAD (writes, updates, POSTed queries, preflights): no-store,
    as they are answers to one request and may carry what its client sent. A read may be
    kept but must be revalidated (no-cache): the graph changes with every write, so a stored
    answer can be stale at once; revalidation becomes cheap when answers get ETags. A route
    that set its own policy for a successful read keeps it.
    """
    if status >= 400 or method not in ("GET", "HEAD"):
        return b"no-store"
    own = next((value for name, value in headers if name.lower() == b"cache-control"), None)
    return own or b"no-cache"


def _boundary_headers(
    headers: list[tuple[bytes, bytes]], method: str, status: int, request_id: str, process: bytes | None
) -> list[tuple[bytes, bytes]]:
    """The response's headers with those every answer carries, whichever part of the app made it
    (and, with several serving processes, the number of the one the client reached)."""
    replaced = {b"cache-control", b"x-content-type-options", b"x-request-id", b"x-rsikg-process"}
    return [
        *((name, value) for name, value in headers if name.lower() not in replaced),
        (b"cache-control", _cache_policy(method, status, headers)),
        (b"x-content-type-options", b"nosniff"),  # browsers must not guess a type (e.g. HTML)
        (b"x-request-id", request_id.encode()),
        *([(b"x-rsikg-process", process)] if process is not None else []),
    ]


SPARQL_PATHS = frozenset({"/sparql", "/sparql/"})
EXPOSED = (
    "ETag",
    "X-Request-Id",
    "X-Rsikg-Cache",
    "X-Rsikg-Truncated",
    "X-Rsikg-Row-Limit",
    "Location",
    "Link",
)
"""The response headers a page in another origin may read: the request id (to quote when
reporting a failure), the answer's validator and cache state, a truncated answer's limit, where
a write put what it made, and a resource's alternates."""


def cors(app: Asgi, origins: list[str]) -> Asgi:
    """CORS on every route (Starlette's middleware): pages from ``origins`` (``*``: any) may read
    every answer and send a token in Authorization, never cookies; a preflight is answered here
    and kept a day."""
    return CORSMiddleware(
        app,
        allow_origins=origins,
        allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Accept", "Accept-Language", "Authorization", "Content-Type", "If-None-Match"],
        allow_credentials=False,
        expose_headers=EXPOSED,
        max_age=86400,
    )


def head_wherever_get(router: APIRouter) -> None:
    """A HEAD route beside every GET route of ``router`` that has none of its own: the same
    endpoint, whose answer the server sends without its body (uvicorn leaves it out for HEAD).
    Undocumented in OpenAPI, where it would double every read. Idempotent: a router shared by
    several apps gets its HEAD routes once."""
    routes = [route for route in router.routes if isinstance(route, APIRoute)]
    headed = {route.path for route in routes if "HEAD" in (route.methods or ())}
    for route in routes:
        if "GET" in (route.methods or ()) and route.path not in headed:
            router.add_api_route(
                route.path.removeprefix(router.prefix),  # add_api_route puts the prefix back
                route.endpoint,
                methods=["HEAD"],
                response_model=route.response_model,
                response_class=route.response_class,
                include_in_schema=False,
                name=f"head_{route.name}",
            )


class RsikgApp:
    """The ASGI app: /sparql to the protocol endpoint, the rest to FastAPI.

    Also the boundary of every HTTP request: it gives the request an id, adds the headers
    every response carries, and turns an exception that escaped both into a logged 500.
    """

    def __init__(self, api: Asgi, sparql: SparqlEndpoint, state: AppState) -> None:
        self.api = api  # FastAPI; in another serving process, what passes requests to the owner
        self.sparql = sparql
        self.state = state
        self.process = None if state.process is None else state.process.encode()
        self.cors = cors(self._answer, state.settings.cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan (and websockets, which no route takes)
            await self.api(scope, receive, send)
            return
        await self.cors(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every HTTP request but a CORS preflight (answered by :func:`cors` before this)."""
        request_id = request_id_of(scope)
        started = False

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                status = int(message["status"])
                message = {
                    **message,
                    "headers": _boundary_headers(headers, scope["method"], status, request_id, self.process),
                }
            await send(message)

        part = self.sparql if scope["path"] in SPARQL_PATHS else self.api
        try:
            await part(scope, receive, send_with_headers)
        except Exception as error:
            await self._failed(error, scope, send_with_headers, started)

    @staticmethod
    async def _failed(error: Exception, scope: Scope, send: Send, started: bool) -> None:
        """An exception that escaped a part: answer it, or log it once if an answer has begun."""
        if not started:
            status, content, headers = answer_for(error, scope)
            response = JSONResponse(content, status_code=status, headers=headers)
            await response(scope, _no_body, send)
        elif scope.get(_ANSWERED) is not error:
            # Too late for a status: the server closes the connection; the log keeps the cause.
            log.error("request %s: failed while answering", request_id_of(scope), exc_info=error)
        # Not raised on: the server would log it again, without the request id.


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
    formats: dict[str, Any] = {media_type(f): {} for f in (*RESULT_FORMATS, *ANSWER_GRAPH_FORMATS)}
    responses = {
        "200": {"description": "Results, by Accept", "content": formats},
        "400": {"description": "Syntax error (with line and column), or a refused SERVICE/FROM"},
        "406": {"description": "No acceptable format"},
        "503": {"description": "Deadline passed"},
    }
    return {
        "get": {
            "tags": ["sparql"],
            "operationId": "sparql_get",
            "summary": "SPARQL query (no query: the service description)",
            "description": "A query in ?query=, its answer's format by Accept; with no query, the SPARQL "
            "service description. /sparql/ is the same endpoint.",
            "parameters": parameters,
            "responses": responses,
        },
        "post": {
            "tags": ["sparql"],
            "operationId": "sparql_post",
            "summary": "SPARQL query or update (update: bearer token)",
            "description": "A query (application/sparql-query, or the form field query=) for anyone; an "
            "update (application/sparql-update, or update=) with the bearer token, validated against "
            "the shapes before it is committed.",
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


def create_app(settings: Settings | None = None, *, publication: Path | None = None) -> RsikgApp:
    """The rsikg web app. The store opens, and is loaded if empty, when the app starts. With
    ``publication``, the app owns the store for other serving processes too: it publishes every
    checkpoint in that record (:class:`rsikg.web.replica.Replicas`)."""
    settings = settings or Settings()
    process = "0" if publication is not None else None
    state = AppState(settings, token=settings.read_token(), process=process)
    named = GraphService.named_queries(settings)
    # /docs and /redoc from assets rsikg serves itself: hospital networks are often offline
    api = FastAPIOffline(
        title="rsikg",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan(settings, state, publication),
    )
    api.state.rsikg = state
    _answer_errors(api)
    _add_health(api, state)
    head_wherever_get(api.router)
    for router in (
        *(store.router, decisions.router, graph.router, changes.router, queries.router_for(named)),
        *(pages.router, explore.router, vendor.router),
    ):
        head_wherever_get(router)
        api.include_router(router)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    api.openapi = _openapi(api, settings.base_url)  # type: ignore[method-assign]
    return RsikgApp(api, SparqlEndpoint(state), state)


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The OpenAPI document the app with ``settings`` serves at /openapi.json (no store opened)."""
    api = cast(FastAPI, create_app(settings).api)  # the owner's app (a replica's passes requests on)
    return api.openapi()


def _lifespan(
    settings: Settings, state: AppState, publication: Path | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: the store and its service open when the app starts (in a scratch
    directory if the store is in memory) and close when it stops."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        scratch = Path(tempfile.mkdtemp(prefix="rsikg-")) if settings.in_memory else None
        path = scratch / "store" if scratch else Path(settings.store)
        service = GraphService.opened(path, settings)
        if publication is not None:
            service.share(publication)
        await service.start()
        state.service = service
        try:
            yield
        finally:
            await service.close()
            state.service = None
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)

    return lifespan


def _answer_errors(api: FastAPI) -> None:
    """FastAPI's exception handlers: every error answered in rsikg's one JSON shape."""

    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        """A parameter of the wrong type or missing: 400 naming it, in the same shape as every
        other rsikg error (not FastAPI's 422 list)."""
        first = error.errors()[0] if error.errors() else {}
        field = ".".join(str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body"))
        detail = f"{field or 'request'}: {first.get('msg', 'invalid')}"
        log_refused(request.scope, 400, "RequestValidationError")
        return JSONResponse({"detail": detail, "location": {"field": field}}, status_code=400)

    @api.exception_handler(RsikgError)
    async def rsikg_error(request: Request, error: RsikgError) -> JSONResponse:
        status, content, headers = answer_for(error, request.scope)
        return JSONResponse(content, status_code=status, headers=headers)

    @api.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        """Anything else: a logged 500 with the request id. Starlette raises the error on after
        this answer; RsikgApp then knows by _ANSWERED that it is answered and logged."""
        request.scope[_ANSWERED] = error
        status, content, headers = answer_for(error, request.scope)
        return JSONResponse(content, status_code=status, headers=headers)


def _add_health(api: FastAPI, state: AppState) -> None:
    @api.get(
        "/health", tags=["service"], summary="Is the service up, and what does it hold", response_model=Health
    )
    async def health() -> dict[str, Any]:
        service = state.graph
        return {
            "status": "ok",
            "triples": service.triples,
            "graphs": len(service.known_graphs),
            "writes": state.token is not None,
            "workers_network_isolated": bool(service.isolation),
            "isolation": service.isolation,
        }


def _openapi(api: FastAPI, base_url: str) -> Callable[[], dict[str, Any]]:
    """FastAPI's OpenAPI document with /sparql added (the bare ASGI endpoint has no route),
    built on first use."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=api.title, version=api.version, description=api.description, routes=api.routes
            )
            schema["paths"]["/sparql"] = _sparql_openapi()
            api.openapi_schema = _as_served(schema, base_url)
        return api.openapi_schema

    return openapi


TAGS = {
    "sparql": "The SPARQL 1.1 Protocol: queries for everyone, updates with the token",
    "graph store": "The SPARQL 1.1 Graph Store HTTP Protocol",
    "named queries": "The queries of queries/, with typed parameters",
    "decisions": "Architecture decisions: dry run, adoption, comply or explain",
    "dependency graphs": "Neighbourhoods, impact, cycles, critical systems and paths, in graph formats",
    "time": "What changed between two days",
    "linked data": "Every data IRI and the ontology, as a page or as RDF",
    "service": "Is it up, and what does it hold",
}
"""The operations' groups, described (a named query's own tags are listed after these)."""


def _as_served(schema: dict[str, Any], base_url: str) -> dict[str, Any]:
    """FastAPI's document made to say what the server does:

    - a parameter missing or of the wrong type is answered 400 in rsikg's error shape (the
      handler in :func:`_answer_errors`), not FastAPI's 422 list, so the 422 FastAPI adds to every
      operation with parameters becomes that 400 (a 422 an operation documents itself stays: a
      write the shapes refuse);
    - the token is a bearer scheme, so /docs can send it: an operation that reads Authorization
      requires it, and /sparql's POST (queries and updates) takes it optionally;
    - every tag is declared, every operation has a description, and the server is named.
    """
    error = {"$ref": "#/components/schemas/Error"}
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            fastapi_422 = responses.get("422", {}).get("content", {}).get("application/json", {})
            if fastapi_422.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                del responses["422"]
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault(
                    "400",
                    {
                        "description": "A parameter missing or of the wrong type (named in location.field)",
                        "content": {"application/json": {"schema": error}},
                    },
                )
            parameters = operation.get("parameters", [])
            if any(p["in"] == "header" and p["name"].lower() == "authorization" for p in parameters):
                operation["parameters"] = [p for p in parameters if p["name"].lower() != "authorization"]
                operation["security"] = [{"bearer": []}]
            operation.setdefault("description", operation.get("summary", ""))
    schema["paths"]["/sparql"]["post"]["security"] = [{}, {"bearer": []}]  # updates only
    components = schema.setdefault("components", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.get("schemas", {}).pop(unused, None)
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "The token of --token-file (RSIKG_TOKEN_FILE), for writes.",
        }
    }
    named = sorted({t for ops in schema["paths"].values() for op in ops.values() for t in op.get("tags", [])})
    schema["tags"] = [
        *({"name": name, "description": text} for name, text in TAGS.items() if name in named),
        *({"name": name} for name in named if name not in TAGS),
    ]
    schema["servers"] = [{"url": base_url, "description": "This rsikg (its base URL)"}]
    return schema
