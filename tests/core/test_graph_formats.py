"""Each graph format, read back by its own tool's reader, gives the graph it was written from:
the same nodes (IRIs) with their labels, type and IRI, and the same edges with their relation."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Callable

import networkx as nx
import pydot
import pytest
from rsikg.core import dependencies
from rsikg.core.graph_formats import FORMATS, serialize
from rsikg.core.store import OxigraphStore, open_store

from tests.graphs import graphml_by_iri

ID = "https://w3id.org/rsikg/id/"
SYS = f"{ID}system/"
RSI = "https://w3id.org/rsikg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
NODE_KEYS = ("label_da", "label_en", "type", "iri")
# pydot's parser uses pyparsing's old method names; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:'.*' deprecated - use:DeprecationWarning")

TRICKY_DA = 'Sagt "hej" & <æøå> \\ tilbage; a:b #1'


def _dot_value(value: str) -> str:
    """A DOT attribute value as written: quoted, with \\" and \\\\ escaped."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return re.sub(r"\\(.)", r"\1", value)


def read_dot(text: str) -> nx.MultiDiGraph:
    graphs = pydot.graph_from_dot_data(text)
    assert graphs is not None and len(graphs) == 1
    (dot,) = graphs
    assert dot.get_type() == "digraph"
    graph = nx.MultiDiGraph()
    for node in dot.get_nodes():
        name = _dot_value(node.get_name())
        if name in ("node", "edge", "graph"):  # defaults, not nodes
            continue
        graph.add_node(name, **{k: _dot_value(v) for k, v in node.get_attributes().items()})
    for edge in dot.get_edges():
        attrs = {k: _dot_value(v) for k, v in edge.get_attributes().items()}
        graph.add_edge(_dot_value(edge.get_source()), _dot_value(edge.get_destination()), **attrs)
    return graph


def read_cytoscape_elements(text: str) -> nx.MultiDiGraph:
    """As Cytoscape.js reads it: nodes by data.id, edges by data.source and data.target."""
    data = json.loads(text)
    graph = nx.MultiDiGraph()
    for node in data["elements"]["nodes"]:
        graph.add_node(node["data"]["id"], **node["data"])
    for edge in data["elements"]["edges"]:
        graph.add_edge(edge["data"]["source"], edge["data"]["target"], **edge["data"])
    return graph


READERS: dict[str, Callable[[str], nx.MultiDiGraph]] = {
    "node-link": lambda text: nx.node_link_graph(json.loads(text), edges="edges"),
    "cytoscape": lambda text: nx.cytoscape_graph(json.loads(text)),
    "cytoscape-elements": read_cytoscape_elements,
    "graphml": graphml_by_iri,
    "gexf": lambda text: nx.read_gexf(io.BytesIO(text.encode())),
    "dot": read_dot,
}


def _format_of(reader: str) -> str:
    return "cytoscape" if reader == "cytoscape-elements" else reader


def edge_multiset(graph: nx.MultiDiGraph) -> Counter[tuple[str, str, str]]:
    return Counter((str(u), str(v), str(r)) for u, v, r in graph.edges(data="relation"))


def tricky_graph(store: OxigraphStore) -> nx.MultiDiGraph:
    """Two relations between one pair, a self-loop, labels with quotes, a backslash, XML and
    DOT specials, Danish letters, a node with no labels at all, and one with a source."""
    a, b, c = f"{SYS}a", f"{SYS}b", f"{ID}org/c"
    store.update(
        f"INSERT DATA {{ <{a}> <{RSI}dependsOn> <{b}> ; <{RSI}operatedBy> <{b}> ; <{RSI}usedBy> <{c}> . "
        f"<{b}> <{RSI}dependsOn> <{b}> . "
        f"<{a}> <{SKOS}prefLabel> {json.dumps(TRICKY_DA)}@da , 'Alpha {{x}} [y] |z|'@en . "
        f"<{a}> <{DCT}source> <https://example.org/a?x=1&y=2> . "
        f"<{c}> <{SKOS}prefLabel> 'Ørsted-organisationen'@da }}"
    )
    return dependencies.build(store).graph


@pytest.fixture(scope="module")
def graphs(project_store: OxigraphStore) -> dict[str, nx.MultiDiGraph]:
    project = dependencies.build(project_store)
    return {
        "tricky": tricky_graph(open_store(None)),
        "project": project.neighbourhood("sundhedsjournalen", depth=3, direction="both"),
        "impact": project.impact("nsp").as_graph(),
        "path": project.path("sundhedsjournalen", "nsp"),
        "single": project.neighbourhood("nsp", depth=0),
    }


GRAPH_NAMES = ["tricky", "project", "impact", "path", "single"]


@pytest.mark.parametrize("name", GRAPH_NAMES)
@pytest.mark.parametrize("reader", list(READERS))
def test_read_back_gives_the_same_nodes_and_edges(graphs, reader, name):
    source = graphs[name]
    back = READERS[reader](serialize(source, _format_of(reader)))
    assert back.is_directed()
    assert {str(n) for n in back.nodes} == set(source.nodes)
    assert edge_multiset(back) == edge_multiset(source)
    for node, data in source.nodes(data=True):
        read = back.nodes[node]
        for key in NODE_KEYS:
            assert str(read[key]) == data[key], (node, key)
        assert read["iri"] == node
        if "distance" in data:
            assert int(read["distance"]) == data["distance"]


def test_the_project_neighbourhood_is_not_trivial(graphs):
    # so that the round trips above cover many nodes, every relation and parallel edges
    project = graphs["project"]
    assert len(project) > 20 and project.number_of_edges() > 50
    assert {r for *_e, r in project.edges(data="relation")} >= {"dependsOn", "usedBy", "operatedBy"}
    assert {"label_da", "label_en", "type", "iri", "label", "sectors", "distance"} <= set(
        project.nodes[f"{SYS}fmk"]
    )
    tricky = graphs["tricky"]
    assert tricky.number_of_edges(f"{SYS}a", f"{SYS}b") == 2 and tricky.has_edge(f"{SYS}b", f"{SYS}b")


@pytest.mark.parametrize(
    "reader",
    [
        "node-link",
        "cytoscape-elements",
        "graphml",
        "gexf",
        "dot",
    ],
)
def test_edges_keep_their_sources(graphs, reader):
    source = graphs["project"]
    back = READERS[reader](serialize(source, _format_of(reader)))
    expected = Counter((u, v, d["relation"], d["sources"]) for u, v, d in source.edges(data=True))
    assert any(d["sources"] for *_e, d in source.edges(data=True))
    got = Counter((str(u), str(v), d["relation"], d.get("sources", "")) for u, v, d in back.edges(data=True))
    assert got == expected


def test_tricky_labels_survive_every_format(graphs):
    source = graphs["tricky"]
    for reader, read in READERS.items():
        back = read(serialize(source, _format_of(reader)))
        assert back.nodes[f"{SYS}a"]["label_da"] == TRICKY_DA, reader
        assert back.nodes[f"{SYS}a"]["label_en"] == "Alpha {x} [y] |z|", reader
        assert back.nodes[f"{ID}org/c"]["label_da"] == "Ørsted-organisationen", reader
        assert back.nodes[f"{SYS}b"]["label_da"] == "", reader


def test_dot_names_are_quoted_and_edges_labelled_by_relation(graphs):
    text = serialize(graphs["tricky"], "dot")
    assert text.startswith("digraph")
    assert f'"{SYS}a" -> "{SYS}b"' in text
    back = read_dot(text)
    assert sorted(d["label"] for *_e, d in back.edges(data=True)) == sorted(
        r for *_e, r in graphs["tricky"].edges(data="relation")
    )


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_mermaid_has_every_edge_and_every_node_link(graphs, name):
    source = graphs[name]
    text = serialize(source, "mermaid")
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    clicks = dict(re.findall(r'^\s*click (n\d+) "([^"]*)"$', text, re.MULTILINE))
    assert set(clicks.values()) == set(source.nodes)
    assert len(clicks) == len(source)
    ids = {iri: ident for ident, iri in clicks.items()}
    edges = Counter(re.findall(r"^\s*(n\d+) (?:-->|-\.->)\|([A-Za-z]+)\| (n\d+)$", text, re.MULTILINE))
    assert edges == Counter((ids[u], r, ids[v]) for u, v, r in source.edges(data="relation"))
    for node, data in source.nodes(data=True):
        shown = data["label"]
        for raw, code in (("&", "#amp;"), ("<", "#lt;"), (">", "#gt;"), ('"', "#quot;")):
            shown = shown.replace(raw, code)
        opening, closing = re.escape(ids[node]) + r'[\[\(\{>/]+"', r'"[\]\)\}\\]+'
        assert any(re.fullmatch(rf"    {opening}{re.escape(shown)}{closing}", line) for line in lines), node


def test_formats_have_distinct_media_types_and_unknown_ones_are_refused():
    assert len(set(FORMATS.values())) == len(FORMATS)
    with pytest.raises(ValueError):
        serialize(nx.MultiDiGraph(), "png")


def test_an_empty_graph_in_every_format():
    for fmt in FORMATS:
        text = serialize(nx.MultiDiGraph(), fmt)
        assert text, fmt
        if fmt in READERS:
            assert len(READERS[fmt](text)) == 0, fmt
