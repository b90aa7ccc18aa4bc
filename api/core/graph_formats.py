"""A dependency (sub)graph in the formats graph tools read: node-link and Cytoscape.js JSON,
GraphML (yEd, Gephi), GEXF (Gephi), DOT (Graphviz) and Mermaid (wikis).

networkx writes all but Mermaid; pydot writes DOT. Nodes carry their labels (da/en), type and
IRI, edges their relation and sources. Every edge has an id of its own, ``e0``, ``e1``, … in the
order of (source IRI, relation, target IRI), so the same request gives the same ids and no two
edges share one (a tool keeps one edge per id); GraphML's node ids are ``n0``, ``n1``, … in IRI
order (an IRI is no XML name token), the IRI an attribute. DOT and Mermaid are pictures: each
node type has its colour and shape, each relation its colour and line (the dependency map's,
:data:`TYPE_STYLES`, :data:`RELATION_STYLES`), drawn left to right.
"""

from __future__ import annotations

import json

import networkx as nx

from ..errors import InputError, Location
from .formats import DEPENDENCY_GRAPH_FORMATS

FORMATS: dict[str, str] = {name: f.media_type for name, f in DEPENDENCY_GRAPH_FORMATS.items()}
"""Format name → the media type it is served as (also accepted in Accept); the registry's
(:mod:`rsikg.core.formats`) dependency-graph formats."""
PICTURES = ("dot", "mermaid")
"""The formats that are pictures: their default relations leave ``usedBy`` out (see
:data:`PICTURE_RELATIONS`)."""
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000
"""Mermaid's own limits (its ``maxEdges`` and ``maxTextSize`` defaults): past them it draws an
error instead of the graph."""

GROUPS = {"system": "#1f5fa8", "infrastructure": "#0f6f7c", "organisation": "#a8430a", "forum": "#2e7031"}
TYPE_STYLES: dict[str, tuple[str, str]] = {
    "rsi:SharedSystem": (GROUPS["system"], "round-rectangle"),
    "rsi:ITSystem": ("#4a7fc1", "round-rectangle"),
    "rsi:InfrastructureService": (GROUPS["infrastructure"], "barrel"),
    "rsi:Region": (GROUPS["organisation"], "hexagon"),
    "rsi:PublicOrganisation": ("#b03a2e", "rectangle"),
    "rsi:Company": ("#6c3483", "rectangle"),
    "rsi:ITOrganisation": ("#6d4c41", "rectangle"),
    "rsi:Association": ("#935116", "octagon"),
    "rsi:Forum": (GROUPS["forum"], "ellipse"),
    "rsi:SteeringGroup": ("#4e7d23", "ellipse"),
    "rsi:ArchitectureCouncil": ("#1b5e20", "diamond"),
    "rsi:Collaboration": ("#5b8a2a", "ellipse"),
    "rsi:Project": ("#5f5f5f", "tag"),
    "rsi:ArchitectureDecision": ("#a3134f", "vee"),
}
"""Each node type's colour and shape (Cytoscape.js's names): a hue per family (systems blue,
infrastructure teal, organisations brown, fora green), a shape per type, so a picture reads in
greyscale too."""
OTHER_TYPE = ("#616161", "ellipse")
RELATION_STYLES: dict[str, tuple[str, str]] = {
    "dependsOn": ("#0b3d5c", "solid"),
    "operatedBy": ("#a8430a", "dashed"),
    "systemManager": ("#6c3483", "dashed"),
    "usedBy": ("#8a8a8a", "dotted"),
    "governedBy": ("#2e7031", "solid"),
    "affects": ("#a3134f", "solid"),
}
"""Each relation's colour and line style."""
PICTURE_RELATIONS = tuple(r for r in RELATION_STYLES if r != "usedBy")
"""A picture's relations unless others are asked for: without ``usedBy``, whose edges from every
region to every system it uses knot the picture into one ball."""
DOT_SHAPES = {
    "round-rectangle": ("box", "rounded,filled"),
    "barrel": ("cylinder", "filled"),
    "hexagon": ("hexagon", "filled"),
    "rectangle": ("box", "filled"),
    "octagon": ("octagon", "filled"),
    "ellipse": ("ellipse", "filled"),
    "diamond": ("diamond", "filled"),
    "tag": ("cds", "filled"),
    "vee": ("invtriangle", "filled"),
}
"""Graphviz's shape (and style) for each of the map's shapes."""
MERMAID_SHAPES = {
    "round-rectangle": ("(", ")"),
    "barrel": ("[(", ")]"),
    "hexagon": ("{{", "}}"),
    "rectangle": ("[", "]"),
    "octagon": ("[[", "]]"),
    "ellipse": ("([", "])"),
    "diamond": ("{", "}"),
    "tag": (">", "]"),
    "vee": ("[/", "\\]"),
}
"""Mermaid's node brackets for each of the map's shapes."""
MERMAID_LINES = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}


def style_of(node_type: str) -> tuple[str, str]:
    """A node type's (colour, shape)."""
    return TYPE_STYLES.get(node_type, OTHER_TYPE)


def ordered_edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, str, dict[str, object]]]:
    """The edges as (source, target, relation, data), in the order that numbers them: by source
    IRI, relation, target IRI. An edge's key is its relation."""
    return sorted(
        ((u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True)), key=lambda e: (e[0], e[2], e[1])
    )


def with_edge_ids(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph with each edge keyed and labelled by its id ``e{i}`` (its relation an attribute)."""
    out = nx.MultiDiGraph()
    out.add_nodes_from(sorted(graph.nodes(data=True)))
    for i, (u, v, relation, data) in enumerate(ordered_edges(graph)):
        out.add_edge(u, v, key=f"e{i}", **{**data, "id": f"e{i}", "relation": relation})
    return out


def _graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML with node ids n0, n1, … (the IRI an attribute) and the edges' own ids."""
    keyed = with_edge_ids(graph)
    names = {node: f"n{i}" for i, node in enumerate(sorted(keyed.nodes))}
    renamed = nx.relabel_nodes(keyed, names, copy=True)
    for _, _, data in renamed.edges(data=True):
        data.pop("id")  # GraphML's edge id is the key
    return "\n".join(nx.generate_graphml(renamed, encoding="utf-8", prettyprint=True))


def serialize(graph: nx.MultiDiGraph, fmt: str) -> str:
    if fmt == "node-link":
        return json.dumps(nx.node_link_data(with_edge_ids(graph), edges="edges"), ensure_ascii=False)
    if fmt == "cytoscape":
        return json.dumps(
            nx.cytoscape_data(with_edge_ids(graph), name="label", ident="id"), ensure_ascii=False
        )
    if fmt == "graphml":
        return _graphml(graph)
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(with_edge_ids(graph), encoding="utf-8", prettyprint=True))
    if fmt == "dot":
        return _dot(graph)
    if fmt == "mermaid":
        return _mermaid(graph)
    raise ValueError(fmt)


def _quoted(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _dot(graph: nx.MultiDiGraph) -> str:
    """DOT through pydot, left to right, each node filled with its type's colour in its type's
    shape and each edge in its relation's colour and line. Node IRIs contain ':', which DOT reads
    as a port unless the name is quoted, so names and values are quoted first (networkx refuses
    them otherwise)."""
    quoted = nx.MultiDiGraph()
    quoted.graph["graph"] = {"rankdir": "LR", "fontname": "sans-serif"}
    quoted.graph["node"] = {"fontname": "sans-serif", "fontsize": "10", "fontcolor": "white"}
    quoted.graph["edge"] = {"fontname": "sans-serif", "fontsize": "8"}
    for node, data in sorted(graph.nodes(data=True)):
        colour, shape = style_of(str(data.get("type", "")))
        dot_shape, style = DOT_SHAPES.get(shape, ("ellipse", "filled"))
        attrs = {k: _quoted(v) for k, v in data.items()}
        attrs.update(shape=dot_shape, style=_quoted(style), fillcolor=_quoted(colour), color=_quoted(colour))
        quoted.add_node(_quoted(node), **attrs)
    for i, (u, v, relation, data) in enumerate(ordered_edges(graph)):
        colour, line = RELATION_STYLES.get(relation, ("#616161", "solid"))
        attrs = {k: _quoted(val) for k, val in data.items()}
        attrs.update(id=_quoted(f"e{i}"), label=_quoted(relation), color=_quoted(colour), style=line)
        attrs["fontcolor"] = _quoted(colour)
        quoted.add_edge(_quoted(u), _quoted(v), key=f"e{i}", **attrs)
    return str(nx.nx_pydot.to_pydot(quoted).to_string())


def _mermaid_text(value: object) -> str:
    # Mermaid's entity codes: a label is read as HTML, and '"' would end it
    text = str(value).replace("&", "#amp;").replace("<", "#lt;").replace(">", "#gt;")
    return text.replace('"', "#quot;").replace("\n", " ")


def _mermaid(graph: nx.MultiDiGraph) -> str:
    """A Mermaid flowchart, left to right: node ids n0, n1, … with the label shown in its type's
    shape, a class per type for its colour, the IRI as a link; each edge in its relation's line
    and colour. Past Mermaid's own limits, an InputError saying how to narrow the request."""
    edges = ordered_edges(graph)
    if len(edges) > MERMAID_MAX_EDGES:
        raise InputError(
            f"Mermaid draws at most {MERMAID_MAX_EDGES} edges and this graph has {len(edges)}: lower the "
            "depth, narrow the relations, or ask for format=dot or graphml, which have no such limit",
            Location(field="format"),
        )
    ids = {node: f"n{i}" for i, node in enumerate(sorted(graph.nodes))}
    lines = ["flowchart LR"]
    classes: dict[str, list[str]] = {}
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        node_type = str(data.get("type", ""))
        opening, closing = MERMAID_SHAPES.get(style_of(node_type)[1], ("[", "]"))
        lines.append(f'    {ids[node]}{opening}"{_mermaid_text(data.get("label") or node)}"{closing}')
        classes.setdefault(node_type, []).append(ids[node])
    links: dict[str, list[int]] = {}
    for i, (u, v, relation, _) in enumerate(edges):
        arrow = MERMAID_LINES[RELATION_STYLES.get(relation, ("", "solid"))[1]]
        lines.append(f"    {ids[u]} {arrow}|{_mermaid_text(relation)}| {ids[v]}")
        links.setdefault(relation, []).append(i)
    for n, (node_type, members) in enumerate(sorted(classes.items())):
        colour = style_of(node_type)[0]
        lines.append(f"    classDef t{n} fill:{colour},stroke:{colour},color:#ffffff")
        lines.append(f"    class {','.join(members)} t{n}")
    for relation, numbers in sorted(links.items()):
        colour = RELATION_STYLES.get(relation, ("#616161", ""))[0]
        lines.append(f"    linkStyle {','.join(map(str, numbers))} stroke:{colour}")
    for node in sorted(graph.nodes):
        lines.append(f'    click {ids[node]} "{_mermaid_text(node)}"')
    text = "\n".join(lines) + "\n"
    if len(text) > MERMAID_MAX_TEXT:
        raise InputError(
            f"Mermaid reads at most {MERMAID_MAX_TEXT:,} characters and this graph is {len(text):,}: lower "
            "the depth, narrow the relations, or ask for format=dot or graphml",
            Location(field="format"),
        )
    return text
