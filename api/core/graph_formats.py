"""A dependency (sub)graph in the formats graph tools read: node-link and Cytoscape.js JSON,
GraphML (yEd, Gephi), GEXF (Gephi), DOT (Graphviz) and Mermaid (wikis).

networkx writes all but Mermaid; pydot writes DOT. Nodes carry their labels (da/en), type and
IRI, edges their relation and sources.
"""

from __future__ import annotations

import json

import networkx as nx

from api.core.formats import DEPENDENCY_GRAPH_FORMATS

FORMATS: dict[str, str] = {name: f.media_type for name, f in DEPENDENCY_GRAPH_FORMATS.items()}
"""Format name → the media type it is served as (also accepted in Accept); the registry's
(:mod:`api.core.formats`) dependency-graph formats."""


def serialize(graph: nx.MultiDiGraph, fmt: str) -> str:
    if fmt == "node-link":
        return json.dumps(nx.node_link_data(graph, edges="edges"), ensure_ascii=False)
    if fmt == "cytoscape":
        return json.dumps(nx.cytoscape_data(graph, name="label", ident="id"), ensure_ascii=False)
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(graph, encoding="utf-8", prettyprint=True))
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(graph, encoding="utf-8", prettyprint=True))
    if fmt == "dot":
        return _dot(graph)
    if fmt == "mermaid":
        return _mermaid(graph)
    raise ValueError(fmt)


def _quoted(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _dot(graph: nx.MultiDiGraph) -> str:
    """DOT through pydot. Node IRIs contain ':', which DOT reads as a port unless the name is
    quoted, so names and values are quoted first (networkx refuses them otherwise)."""
    quoted = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        quoted.add_node(_quoted(node), **{k: _quoted(v) for k, v in data.items()})
    for u, v, key, data in graph.edges(keys=True, data=True):
        attrs = {k: _quoted(val) for k, val in data.items()}
        attrs["label"] = _quoted(data.get("relation", key))
        quoted.add_edge(_quoted(u), _quoted(v), key=key, **attrs)
    return str(nx.nx_pydot.to_pydot(quoted).to_string())


def _mermaid_text(value: object) -> str:
    # Mermaid's entity codes: a label is read as HTML, and '"' would end it
    text = str(value).replace("&", "#amp;").replace("<", "#lt;").replace(">", "#gt;")
    return text.replace('"', "#quot;").replace("\n", " ")


def _mermaid(graph: nx.MultiDiGraph) -> str:
    """A Mermaid flowchart: node ids n0, n1, … with the label shown and the IRI as a link."""
    ids = {node: f"n{i}" for i, node in enumerate(sorted(graph.nodes))}
    lines = ["flowchart LR"]
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        lines.append(f'    {ids[node]}["{_mermaid_text(data.get("label") or node)}"]')
    for u, v, data in sorted(
        graph.edges(data=True), key=lambda e: (ids[e[0]], ids[e[1]], e[2].get("relation", ""))
    ):
        lines.append(f"    {ids[u]} -->|{_mermaid_text(data.get('relation', ''))}| {ids[v]}")
    for node in sorted(graph.nodes):
        lines.append(f'    click {ids[node]} "{_mermaid_text(node)}"')
    return "\n".join(lines) + "\n"
