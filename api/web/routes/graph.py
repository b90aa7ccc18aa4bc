"""Dependency graphs for tools: a neighbourhood, the impact of an outage, cycles, critical
systems and paths, from the cached networkx graph (rebuilt after every write).

Graph answers come in the format asked for by ``?format=`` or Accept: node-link JSON (the
default), Cytoscape.js JSON, GraphML, GEXF, DOT or Mermaid.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread
import networkx as nx
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from ...core.service import (
    DIRECTIONS,
    MAX_DEPTH,
    MAX_NODES,
    MAX_SAMPLES,
    MIN_SAMPLES,
    PICTURE_RELATIONS,
    PICTURES,
    RELATIONS,
    GraphService,
)
from ...core.service import GRAPH_FORMATS as FORMATS
from ..conneg import choose
from ..deps import ServiceDep, StateDep
from ..errors import HttpError
from ..models import Critical, Cycles, CytoscapeGraph, Impact, NodeLinkGraph, errors, inline_schema

router = APIRouter(prefix="/graph", tags=["dependency graphs"])

FormatParam = Annotated[str | None, Query(description=f"One of {', '.join(FORMATS)} (instead of Accept).")]
RelationsParam = Annotated[
    str | None,
    Query(
        description=f"Comma-separated, of {', '.join(RELATIONS)}; default all (DOT and Mermaid, pictures: "
        "all but usedBy, whose edges from every region to every system knot them)."
    ),
]
AsOfParam = Annotated[
    str | None,
    Query(
        alias="asOf",
        description="The day (YYYY-MM-DD) the graph is as of, by default today in Denmark: without what "
        "does not exist then, and with what a merged organisation used, operated or managed handed "
        "to its successor (marked derived); 'all' for every node and edge with its period, as stored.",
    ),
]
T = TypeVar("T")
_DISCONNECT_POLL = 0.25
"""Seconds between checks that the client of a long computation is still there."""


def _other_formats() -> dict[str, object]:
    """The 200 contents beside application/json (whose schema is the route's model): Cytoscape.js
    JSON with its schema, and GraphML, GEXF, DOT and Mermaid, text with none. A new dict for each
    route, as FastAPI writes the model's schema into the one it is given."""
    return {
        **{media: {} for name, media in FORMATS.items() if name != "node-link"},
        FORMATS["cytoscape"]: {"schema": inline_schema(CytoscapeGraph)},
    }


def _graph_responses() -> dict[int | str, dict[str, object]]:
    return {
        200: {"model": NodeLinkGraph, "content": _other_formats()},
        **errors(
            {
                400: "A parameter out of bounds",
                404: "No such node (the answer suggests the closest names), or no path",
                406: "Accept names no graph format",
            }
        ),
    }


def _format(fmt: str | None, accept: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise HttpError(400, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    chosen = choose(accept, [(media, name) for name, media in FORMATS.items()])
    if chosen is None:
        raise HttpError(406, f"a graph is answered as one of {', '.join(FORMATS.values())}")
    return chosen


def _graph_answer(graph: nx.MultiDiGraph, fmt: str) -> Response:
    return Response(
        GraphService.serialize_graph(graph, fmt), media_type=FORMATS[fmt], headers={"Vary": "Accept"}
    )


def _relations(value: str | None, fmt: str | None = None) -> list[str]:
    """The relations asked for; by default all, but for a picture (DOT, Mermaid) all but usedBy."""
    if value is None:
        return list(PICTURE_RELATIONS if fmt in PICTURES else RELATIONS)
    return value.split(",")


@router.get(
    "/dependencies", summary="The neighbourhood of a node, or the whole graph", responses=_graph_responses()
)
async def dependencies(
    service: ServiceDep,
    root: Annotated[
        str | None,
        Query(
            description="A full IRI, a local id (fmk, system/fmk) or a label; without it, the whole graph "
            "(every node with an edge of the relations asked for)."
        ),
    ] = None,
    depth: Annotated[int, Query(description=f"0 to {MAX_DEPTH}")] = 1,
    direction: Annotated[str, Query(description=f"{', '.join(DIRECTIONS)}")] = "down",
    relations: RelationsParam = None,
    max_nodes: Annotated[int, Query(description=f"at most {MAX_NODES}")] = MAX_NODES,
    format: FormatParam = None,
    accept: Annotated[str | None, Header()] = None,
    as_of: AsOfParam = None,
) -> Response:
    fmt = _format(format, accept)
    if not 1 <= max_nodes <= MAX_NODES:
        raise HttpError(400, f"max_nodes must be between 1 and {MAX_NODES}, not {max_nodes}")

    def run() -> nx.MultiDiGraph:
        graph = service.dependencies_as_of(as_of, "asOf")
        if root is None:
            return graph.whole(relations=_relations(relations, fmt), max_nodes=max_nodes)
        return graph.neighbourhood(
            root, depth=depth, direction=direction, relations=_relations(relations, fmt), max_nodes=max_nodes
        )

    return _graph_answer(await anyio.to_thread.run_sync(run), fmt)


@router.get(
    "/impact/{ident:path}",
    summary="Everything that depends on a node, transitively, and who uses it",
    description="The impact as JSON by default; with ?format= the impact as a graph (the root, its "
    "dependents and the regions using them) in that format: node-link (application/json), Cytoscape.js, "
    "GraphML, GEXF, DOT or Mermaid.",
    responses={
        200: {"model": Impact | NodeLinkGraph, "content": _other_formats()},
        **errors({400: "A bad asOf or format", 404: "No such node"}),
    },
)
async def impact(
    service: ServiceDep, ident: str, format: FormatParam = None, as_of: AsOfParam = None
) -> Response:
    found = await anyio.to_thread.run_sync(lambda: service.dependencies_as_of(as_of, "asOf").impact(ident))
    if format is not None:  # the impact as a graph, for a tool to draw
        return _graph_answer(found.as_graph(), _format(format, None))
    return JSONResponse(found.as_json())


@router.get(
    "/cycles",
    summary="Groups of nodes that depend on each other, with one cycle each",
    response_model=Cycles,
    responses=errors({400: "An unknown relation or a bad asOf"}),
)
async def cycles(
    service: ServiceDep, relations: RelationsParam = None, as_of: AsOfParam = None
) -> JSONResponse:
    chosen = _relations(relations) if relations is not None else ["dependsOn"]
    found = await anyio.to_thread.run_sync(lambda: service.dependencies_as_of(as_of, "asOf").cycles(chosen))
    return JSONResponse({"cycles": found})


@router.get(
    "/critical",
    summary="Articulation points and betweenness centrality of the dependency graph",
    response_model=Critical,
    responses=errors({400: "top or samples out of bounds", 503: "Stopped at the query deadline"}),
)
async def critical(
    request: Request,
    state: StateDep,
    service: ServiceDep,
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
    samples: Annotated[
        int | None,
        Query(description=f"Estimate betweenness from k sources, {MIN_SAMPLES} to {MAX_SAMPLES}"),
    ] = None,
    as_of: AsOfParam = None,
) -> JSONResponse:
    cancel = threading.Event()

    def run() -> dict[str, object]:
        return service.dependencies_as_of(as_of, "asOf").critical(
            top=top, samples=samples, deadline=state.settings.query_deadline, cancel=cancel
        )

    found = await _unless_disconnected(request, cancel, run)
    return JSONResponse(found)


async def _unless_disconnected(request: Request, cancel: threading.Event, work: Callable[[], T]) -> T:
    """Run ``work`` in a thread while watching the connection: if the client goes away,
    ``cancel`` is set, and the work (which checks it between chunks) stops."""

    async def watch() -> None:
        while not cancel.is_set():
            if await request.is_disconnected():
                cancel.set()
                return
            await anyio.sleep(_DISCONNECT_POLL)

    def captured() -> tuple[T | None, Exception | None]:
        # the work's error is raised outside the task group, which would wrap it in an
        # ExceptionGroup that the error handlers do not recognise
        try:
            return work(), None
        except Exception as err:
            return None, err

    async with anyio.create_task_group() as group:
        group.start_soon(watch)
        try:
            found, error = await anyio.to_thread.run_sync(captured)
        finally:
            cancel.set()  # stops the watcher too: the work has ended
            group.cancel_scope.cancel()
    if error is not None:
        raise error
    return found  # type: ignore[return-value]


@router.get("/path", summary="A shortest path between two nodes", responses=_graph_responses())
async def path(
    service: ServiceDep,
    source: Annotated[str, Query(alias="from")],
    target: Annotated[str, Query(alias="to")],
    relations: RelationsParam = None,
    directed: bool = True,
    format: FormatParam = None,
    accept: Annotated[str | None, Header()] = None,
    as_of: AsOfParam = None,
) -> Response:
    fmt = _format(format, accept)
    found = await anyio.to_thread.run_sync(
        lambda: service.dependencies_as_of(as_of, "asOf").path(
            source, target, _relations(relations), directed=directed
        )
    )
    return _graph_answer(found, fmt)
