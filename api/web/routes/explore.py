"""Pages to explore the graph with: the dependency map (``/map``) and the SPARQL editor
(``/editor``), issue 15 items 3 and 6.

Both are server-rendered pages that a script then brings to life with a library rsikg serves
itself (:mod:`rsikg.web.vendor`). With JavaScript off, or the libraries not installed, the map is
a table of its edges and the editor points to the query gallery's forms; the export links work
either way.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
import rdflib
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse

from ...core.service import (
    DIRECTIONS,
    GRAPH_FORMATS,
    MAX_DEPTH,
    PICTURE_RELATIONS,
    RELATION_STYLES,
    RELATIONS,
    GraphService,
)
from ...errors import RsikgError
from .. import vendor
from ..deps import ServiceDep
from .pages import LangParam, Links, page_language, render

router = APIRouter(include_in_schema=False)

NAMESPACES = dict(GraphService.PREFIXES)
MAP_MAX_NODES = 1500
"""The most nodes the map draws: a 500-node neighbourhood lays out in about a second; beyond
this the page asks for a narrower map (the graph routes give up to 5,000 for tools)."""
TABLE_ROWS = 500
"""The most edges the map's table (its form without JavaScript) lists."""

RootParam = Annotated[str | None, Query(description="The map's centre; none for the whole graph.")]


def _iri(compact: str) -> rdflib.URIRef:
    prefix, _, name = compact.partition(":")
    return rdflib.URIRef(NAMESPACES[prefix] + name if prefix in NAMESPACES else compact)


@router.get("/map", response_class=HTMLResponse)
async def dependency_map(
    request: Request,
    service: ServiceDep,
    root: RootParam = None,
    depth: int = 2,
    direction: str = "both",
    relations: Annotated[list[str] | None, Query(alias="relation")] = None,
    as_of: Annotated[str | None, Query(alias="asOf")] = None,
    lang: LangParam = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The dependency map: a node's neighbourhood (``root``, ``depth``, ``direction``), or the
    whole graph, along the relations ticked, as of a day; drawn by Cytoscape.js, listed as a
    table, and offered in every export format of ``/graph/dependencies``."""
    chosen = page_language(lang, accept_language)
    root = (root or "").strip() or None
    as_of = (as_of or "").strip() or None  # the form's empty date field: today
    wanted = [r for r in (relations or (RELATIONS if root else PICTURE_RELATIONS)) if r]
    params = {
        key: value
        for key, value in (("root", root), ("depth", str(depth)), ("direction", direction), ("asOf", as_of))
        if value is not None and (root is not None or key not in ("depth", "direction"))
    }

    def run() -> tuple[Any, int]:
        """The map's graph and the depth it was drawn at: the depth asked for, or the deepest
        below it that stays within the bound (through a hub, a region or an operator, one more
        step can reach every system; the page says so)."""
        graph = service.dependencies_as_of(as_of, "asOf")
        if root is None:
            return graph.whole(relations=wanted, max_nodes=MAP_MAX_NODES), depth
        return graph.neighbourhood_that_fits(
            root, depth=depth, direction=direction, relations=wanted, max_nodes=MAP_MAX_NODES
        )

    error: RsikgError | None = None
    drawn = depth
    try:
        found, drawn = await anyio.to_thread.run_sync(run)
    except RsikgError as problem:  # a name the graph lacks, a bound passed: said on the page
        error, found = problem, None
    shown = {"relations": ",".join(wanted), **({"depth": str(drawn)} if root else {})}
    context = await anyio.to_thread.run_sync(
        _map_context, service, found, chosen, request.scope.get("root_path", "")
    )
    return render(
        request,
        "map.html",
        chosen,
        lang is not None,
        status=404 if getattr(error, "suggestions", None) is not None else 400 if error else 200,
        error=error,
        suggestions=list(getattr(error, "suggestions", None) or []),
        root=root or "",
        depth=depth,
        drawn=drawn,
        depths=range(MAX_DEPTH + 1),
        direction=direction,
        directions=DIRECTIONS,
        wanted=wanted,
        as_of=as_of or "",
        exports=[
            (fmt, media, "/graph/dependencies?" + urlencode({**params, **shown, "format": fmt}))
            for fmt, media in GRAPH_FORMATS.items()
        ],
        scripts=vendor.MAP_SCRIPTS if vendor.installed(vendor.MAP_SCRIPTS) else (),
        limit=MAP_MAX_NODES,
        table_rows=TABLE_ROWS,
        **context,
    )


def _map_context(service: GraphService, graph: Any, lang: str, root_path: str) -> dict[str, Any]:
    """What the map page shows of a graph: Cytoscape.js elements (edge ids stable: the same map
    gives the same ids), the legend of the types and relations in it, and its edges as rows."""
    type_names = sorted({str(data.get("type", "")) for _, data in graph.nodes(data=True)}) if graph else []
    shown = service.labelled(
        [*(_iri(name) for name in type_names), *(_iri(f"rsi:{r}") for r in RELATIONS)], lang
    )
    relations = {
        r: {"colour": colour, "line": line, "label": shown[_iri(f"rsi:{r}")].shown}
        for r, (colour, line) in RELATION_STYLES.items()
    }
    types = {
        name: {
            "colour": GraphService.graph_style(name)[0],
            "shape": GraphService.graph_style(name)[1],
            "label": shown[_iri(name)].shown,
        }
        for name in type_names
    }
    if graph is None:
        return {"elements": [], "types": types, "relations": relations, "rows": [], "edges": 0, "nodes": []}

    href = Links(root_path, lang, explicit=False).of_iri

    def label(data: dict[str, Any]) -> str:
        return str(data.get(f"label_{lang}") or data.get("label") or "")

    nodes = sorted(graph.nodes(data=True), key=lambda item: (label(item[1]).lower(), item[0]))
    edges = [(u, v, relation) for u, v, relation, _ in GraphService.ordered_edges(graph)]
    elements: list[dict[str, Any]] = [
        {
            "data": {
                "id": node,
                "label": label(data),
                "type": data.get("type", ""),
                "href": href(node),
                "centre": GraphService.data_path(node) or node,
                **({"root": True} if data.get("distance") == 0 else {}),
            }
        }
        for node, data in nodes
    ]
    elements += [
        {"data": {"id": f"e{i}", "source": u, "target": v, "relation": key}}
        for i, (u, v, key) in enumerate(edges)
    ]
    names = {node: label(data) for node, data in nodes}
    rows = [
        {
            "source": (names[u], href(u)),
            "relation": relations.get(key, {}).get("label", key),
            "target": (names[v], href(v)),
        }
        for u, v, key in edges[:TABLE_ROWS]
    ]
    return {
        "elements": elements,
        "types": types,
        "relations": relations,
        "rows": rows,
        "edges": len(edges),
        "nodes": [(names[node], GraphService.data_path(node) or node) for node, _ in nodes],
    }


@router.get("/editor", response_class=HTMLResponse)
async def editor(
    request: Request,
    lang: LangParam = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The SPARQL editor: YASGUI over this rsikg's ``/sparql``, the usual prefixes declared, its
    results' IRIs opening their pages here."""
    chosen = page_language(lang, accept_language)
    return render(
        request,
        "editor.html",
        chosen,
        lang is not None,
        prefixes=GraphService.PREFIXES,
        files=vendor.EDITOR_FILES if vendor.installed(vendor.EDITOR_FILES) else (),
        versions=vendor.versions(),
    )
