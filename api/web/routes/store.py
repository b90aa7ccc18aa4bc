"""The SPARQL 1.1 Graph Store HTTP Protocol at /store?graph=IRI or /store?default.

GET reads a graph (the default graph is the union, as queries see it). PUT replaces, POST adds
to and DELETE drops a graph; they need the bearer token, and each is checked against the
shapes before it is committed (422 with the report otherwise, and nothing changes).
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request, Response

from api.core.formats import RDF_FORMATS, media_type, readable
from api.core.service import DEFAULT_GRAPH, GraphService
from api.web.auth import require_token
from api.web.conneg import GRAPH_OFFERS, choose
from api.web.deps import ServiceDep, StateDep, read_body
from api.web.errors import HttpError

router = APIRouter(tags=["graph store"])

GraphParam = Annotated[str | None, Query(description="The graph's IRI.")]
DefaultParam = Annotated[str | None, Query(description="Present (no value): the default graph.")]
_BODY_FORMATS = readable(name for name, info in RDF_FORMATS.items() if not info.dataset)
"""What a graph may be written in: the graph (not dataset) formats, by media type and alias."""


def _target(graph: str | None, default: str | None) -> str:
    if (graph is None) == (default is None):
        raise HttpError(400, "give exactly one of ?graph=<IRI> and ?default")
    if graph is None:
        return DEFAULT_GRAPH
    return GraphService.graph_name(graph)


def _body_format(content_type: str | None) -> str:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in _BODY_FORMATS:
        raise HttpError(
            415,
            f"cannot read a graph of type {media_type or '(none)'!r}; use one of "
            f"{', '.join(sorted(_BODY_FORMATS))}",
        )
    return _BODY_FORMATS[media_type]


@router.get(
    "/store",
    summary="Read a graph",
    response_class=Response,  # RDF by Accept, not JSON (the OpenAPI document would say JSON)
    responses={200: {"content": {media_type(fmt): {} for _, fmt in GRAPH_OFFERS}}},
)
async def get_graph(
    service: ServiceDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    target = _target(graph, default)
    fmt = choose(accept, GRAPH_OFFERS)
    if fmt is None:
        raise HttpError(406, f"no RDF format of this endpoint matches Accept: {accept}")
    if not service.has_graph(target):
        raise HttpError(404, f"the store has no graph <{target}>")
    body = await anyio.to_thread.run_sync(service.graph_serialized, target, fmt)
    return Response(body, media_type=media_type(fmt), headers={"Vary": "Accept"})


async def write_graph(
    request: Request,
    state: StateDep,
    service: ServiceDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    target = _target(graph, default)
    require_token(authorization, state.token)
    if request.method == "DELETE":
        if not service.has_graph(target):
            raise HttpError(404, f"the store has no graph <{target}>")
        await service.delete_graph(target)  # committed and published
        return Response(status_code=204)
    fmt = _body_format(request.headers.get("content-type"))
    body = await read_body(request, state.settings.max_body_bytes)
    write = service.put_graph if request.method == "PUT" else service.post_graph
    outcome = await write(target, body, fmt)  # committed and published
    return Response(status_code=201 if outcome.created else 204)


_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created"},
    401: {"description": "No token"},
    403: {"description": "Wrong token, or writes are off"},
    404: {"description": "No such graph"},
    415: {"description": "Unknown body type"},
    422: {"description": "The write would add SHACL Violations; nothing changed"},
}
for _method, _summary in (("PUT", "Replace a graph"), ("POST", "Add to a graph"), ("DELETE", "Drop a graph")):
    router.add_api_route(
        "/store",
        write_graph,
        methods=[_method],
        status_code=204,
        operation_id=f"{_method.lower()}_graph",
        summary=f"{_summary} (needs the bearer token)",
        responses=_WRITE_RESPONSES,
    )
