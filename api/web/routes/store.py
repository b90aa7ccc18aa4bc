"""The SPARQL 1.1 Graph Store HTTP Protocol at /store.

A graph is named indirectly, by ``/store?graph=IRI`` or ``/store?default``, or directly by its own
URL under ``/store/`` (its IRI is the service's base URL, ``RSIKG_BASE_URL``, then the path as
sent: ``/store/person/1.ttl`` is ``{base}/store/person/1.ttl``). GET and HEAD read a graph (the
default graph is the union, as queries see it). PUT replaces, POST adds to and DELETE drops a
graph; a POST to ``/store`` itself makes a new graph, ``{base}/store/{uuid}``, answered with 201
and its IRI in Location. A POST may be multipart/form-data, each part an RDF document of its
Content-Type, all merged in one write. Writes need the bearer token, and each is checked against
the shapes before it is committed (422 with the report otherwise, and nothing changes).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Header, Path, Query, Request, Response

from ...core.formats import RDF_FORMATS, media_type, offers, readable
from ...core.service import DEFAULT_GRAPH, Document, GraphService, angled
from ..auth import require_token
from ..conneg import GRAPH_OFFERS, choose
from ..deps import ServiceDep, StateDep, read_body
from ..errors import HttpError
from ..multipart import is_multipart, read_parts
from ..state import AppState

router = APIRouter(tags=["graph store"])

GraphParam = Annotated[str | None, Query(description="The graph's IRI.")]
DefaultParam = Annotated[str | None, Query(description="Present (no value): the default graph.")]
PathParam = Annotated[
    str, Path(description="The graph this URL names itself: its IRI is the service's base URL and this path.")
]
AcceptHeader = Annotated[str | None, Header()]
AuthorizationHeader = Annotated[str | None, Header()]
_BODY_FORMATS = readable(name for name, info in RDF_FORMATS.items() if not info.dataset or name == "jsonld")
"""What a graph may be written in: the graph formats, and JSON-LD (whose default graph is the
graph written; a remote @context is never fetched), by media type and alias."""
DATASET_OFFERS = offers(("trig", "nquads"))
"""What ``GET /store`` with neither ``?graph`` nor ``?default`` gives: the whole dataset."""


def _indirect(graph: str | None, default: str | None) -> str:
    if (graph is None) == (default is None):
        raise HttpError(
            400,
            "give exactly one of ?graph=<IRI> and ?default (or, to read every graph, neither, with "
            "Accept: application/trig or application/n-quads)",
        )
    if graph is None:
        return DEFAULT_GRAPH
    return GraphService.graph_name(graph)


def _direct(request: Request, state: AppState) -> str:
    """The graph named by the request's URL: the base URL from the settings, never the Host
    header (which the client chooses), then the path as sent, its percent-escapes kept."""
    if "graph" in request.query_params or "default" in request.query_params:
        raise HttpError(400, "a graph named by its URL under /store/ takes neither ?graph nor ?default")
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    # not UTF-8: U+FFFD, which no IRI may hold, so graph_name refuses it
    return GraphService.graph_name(state.settings.base_url + raw.decode("utf-8", errors="replace"))


def _body_format(content_type: str | None, what: str = "the request body") -> str:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in _BODY_FORMATS:
        raise HttpError(
            415,
            f"cannot read {what} of type {media or '(none)'!r}; use one of "
            f"{', '.join(sorted(_BODY_FORMATS))} (a POST: also multipart/form-data of these)",
        )
    return _BODY_FORMATS[media]


# -- reads --------------------------------------------------------------------------------------


async def read_graph(
    request: Request,
    service: ServiceDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
    accept: AcceptHeader = None,
) -> Response:
    whole = choose(accept, DATASET_OFFERS) if _names_a_dataset_format(accept) else None
    if graph is None and default is None and whole is not None:
        return await _dataset(request, service, whole)
    return await _read(request, service, _indirect(graph, default), accept)


def _names_a_dataset_format(accept: str | None) -> bool:
    """Whether Accept names TriG or N-Quads itself: a request for every graph must say so (``*/*``
    alone, as curl and most clients send, still gets the protocol's 400 for a missing target)."""
    named = (accept or "").lower()
    return any(media in named for media, _ in DATASET_OFFERS)


async def _dataset(request: Request, service: GraphService, fmt: str) -> Response:
    """Every graph of the store, each in its own, as TriG or N-Quads (``rsikg export``)."""
    if request.method == "HEAD":  # as _read: no serialising only to count the bytes
        response = Response(media_type=media_type(fmt), headers={"Vary": "Accept"})
        del response.headers["content-length"]
        return response
    body = await anyio.to_thread.run_sync(service.export, fmt)
    return Response(body, media_type=media_type(fmt), headers={"Vary": "Accept"})


async def read_direct(
    request: Request, state: StateDep, service: ServiceDep, path: PathParam, accept: AcceptHeader = None
) -> Response:
    return await _read(request, service, _direct(request, state), accept)


async def _read(request: Request, service: GraphService, target: str, accept: str | None) -> Response:
    fmt = choose(accept, GRAPH_OFFERS)
    if fmt is None:
        raise HttpError(406, f"no RDF format of this endpoint matches Accept: {accept}")
    if not service.has_graph(target):
        raise HttpError(404, f"the store has no graph {angled(target)}")
    if request.method == "HEAD":
        # GET's headers without its body, and so without Content-Length: that would mean
        # serialising the whole graph only to count its bytes
        response = Response(media_type=media_type(fmt), headers={"Vary": "Accept"})
        del response.headers["content-length"]
        return response
    body = await anyio.to_thread.run_sync(service.graph_serialized, target, fmt)
    return Response(body, media_type=media_type(fmt), headers={"Vary": "Accept"})


# -- writes -------------------------------------------------------------------------------------


async def write_graph(
    request: Request,
    state: StateDep,
    service: ServiceDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
    authorization: AuthorizationHeader = None,
) -> Response:
    if request.method == "POST" and graph is None and default is None:
        # graph creation: a name nobody chose, under the endpoint, so that it is also its URL
        new = f"{state.settings.base_url}/store/{uuid.uuid4().hex}"
        return await _write(request, state, service, new, authorization, created=new)
    return await _write(request, state, service, _indirect(graph, default), authorization)


async def write_direct(
    request: Request,
    state: StateDep,
    service: ServiceDep,
    path: PathParam,
    authorization: AuthorizationHeader = None,
) -> Response:
    return await _write(request, state, service, _direct(request, state), authorization)


async def _write(
    request: Request,
    state: AppState,
    service: GraphService,
    target: str,
    authorization: str | None,
    created: str | None = None,
) -> Response:
    """Apply the request's write to ``target``; ``created``: a new graph, named in Location."""
    require_token(authorization, state.token)
    if request.method == "DELETE":
        if not service.has_graph(target):
            raise HttpError(404, f"the store has no graph {angled(target)}")
        await service.delete_graph(target)  # committed and published
        return Response(status_code=204)
    content_type = request.headers.get("content-type") or ""
    if request.method == "POST" and is_multipart(content_type):
        body = await read_body(request, state.settings.max_body_bytes)
        outcome = await service.post_documents(target, await _documents(content_type, body))
    else:
        fmt = _body_format(content_type)
        body = await read_body(request, state.settings.max_body_bytes)
        write = service.put_graph if request.method == "PUT" else service.post_graph
        outcome = await write(target, body, fmt)  # committed and published
    if created is not None:
        return Response(status_code=201, headers={"Location": created})
    return Response(status_code=201 if outcome.created else 204)


async def _documents(content_type: str, body: bytes) -> list[Document]:
    """The parts of a multipart body as documents, each in the format its Content-Type names.
    Split in a thread: the standard library's parser is plain Python, slow on a large body."""
    parts = await anyio.to_thread.run_sync(read_parts, content_type, body)
    return [Document(p.name, p.data, _body_format(p.media_type, p.name)) for p in parts]


# -- the routes: GET, HEAD, PUT, POST and DELETE, on /store and on /store/{path} ------------------

_GRAPH_PATH = "/store/{path:path}"
_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The graph; on /store with neither ?graph nor ?default, every graph (TriG, N-Quads)",
        "content": {media_type(fmt): {} for _, fmt in (*GRAPH_OFFERS, *DATASET_OFFERS)},
    },
    404: {"description": "No such graph"},
    406: {"description": "No acceptable format"},
}
_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created (a POST to /store: the new graph's IRI in Location)"},
    401: {"description": "No token"},
    403: {"description": "Wrong token, or writes are off"},
    404: {"description": "No such graph"},
    415: {"description": "Unknown body type"},
    422: {"description": "The write would add SHACL Violations; nothing changed"},
}
for _method, _summary in (("GET", "Read a graph"), ("HEAD", "A graph's headers (no body)")):
    for _path, _reader, _suffix in (("/store", read_graph, ""), (_GRAPH_PATH, read_direct, "_direct")):
        router.add_api_route(
            _path,
            _reader,
            methods=[_method],
            operation_id=f"{_method.lower()}_graph{_suffix}",
            summary=_summary,
            response_class=Response,  # RDF by Accept, not JSON (the OpenAPI document would say JSON)
            responses=_READ_RESPONSES,
        )
for _method, _summary in (("PUT", "Replace a graph"), ("POST", "Add to a graph"), ("DELETE", "Drop a graph")):
    for _path, _writer, _suffix in (("/store", write_graph, ""), (_GRAPH_PATH, write_direct, "_direct")):
        router.add_api_route(
            _path,
            _writer,
            methods=[_method],
            status_code=204,
            operation_id=f"{_method.lower()}_graph{_suffix}",
            summary=f"{_summary} (needs the bearer token)",
            responses=_WRITE_RESPONSES,
        )


def _dump_of(fmt: str) -> Any:
    async def dump(request: Request, service: ServiceDep) -> Response:
        return await _dataset(request, service, fmt)

    dump.__doc__ = f"""The whole dataset, every named graph kept, as {RDF_FORMATS[fmt].w3c}: the
    ``void:dataDump`` of ``/.well-known/void`` (``GET /store`` with Accept: {media_type(fmt)} gives
    the same)."""
    return dump


for _fmt, _path in GraphService.DUMPS.items():
    router.add_api_route(
        _path,
        _dump_of(_fmt),
        methods=["GET"],
        operation_id=f"get_dump_{_fmt}",
        summary=f"The whole dataset as {RDF_FORMATS[_fmt].w3c} (the dataset's dump)",
        response_class=Response,
        responses={200: {"description": "Every graph", "content": {media_type(_fmt): {}}}},
    )
