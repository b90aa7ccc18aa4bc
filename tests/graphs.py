"""Reading the dependency graph's exports back as the tools do."""

from __future__ import annotations

import io

import networkx as nx


def graphml_by_iri(data: str | bytes) -> nx.MultiDiGraph:
    """A GraphML export read by networkx, every edge kept (its own id), the nodes named by their
    IRI again (GraphML's node ids are n0, n1, …, the IRI an attribute)."""
    raw = data.encode() if isinstance(data, str) else data
    graph = nx.read_graphml(io.BytesIO(raw), force_multigraph=True)
    return nx.relabel_nodes(graph, {node: attrs["iri"] for node, attrs in graph.nodes(data=True)})
