"""The dependency graph's exports opened by the tools people open them with (issue 16, item 2):
networkx and igraph read GraphML, networkx reads GEXF, Graphviz's ``dot`` renders the DOT and
mermaid-cli (in Debian's Chromium) the Mermaid, each with every edge. Ids are the edges' own,
unique and the same for the same graph; GraphML's node ids are XML name tokens. ``make test``
installs Graphviz and mermaid-cli (``make graph-tools``)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import igraph
import networkx as nx
import pytest
from rsikg.core import dependencies
from rsikg.core.graph_formats import MERMAID_MAX_EDGES, PICTURE_RELATIONS, serialize, style_of
from rsikg.errors import InputError

from tests.graphs import graphml_by_iri

MMDC = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "mmdc"


@pytest.fixture(scope="module")
def whole(project_store) -> nx.MultiDiGraph:
    """The project's whole dependency graph, every relation (93 edges, 5 relations)."""
    return dependencies.build(project_store).graph


def _edges(graph: nx.MultiDiGraph) -> Counter[tuple[str, str, str]]:
    return Counter((u, str(relation), v) for u, v, relation in graph.edges(data="relation"))


def test_graphml_ids_are_name_tokens_and_every_edge_its_own(whole: nx.MultiDiGraph) -> None:
    text = serialize(whole, "graphml")
    assert text == serialize(whole, "graphml")  # the same graph, the same document
    nodes = re.findall(r'<node id="([^"]+)"', text)
    edges = re.findall(r'<edge source="[^"]+" target="[^"]+" id="([^"]+)"', text)
    assert all(re.fullmatch(r"n\d+", node) for node in nodes) and len(set(nodes)) == len(whole)
    assert len(set(edges)) == len(edges) == whole.number_of_edges() == 93
    assert _edges(graphml_by_iri(text)) == _edges(whole)  # the IRI is each node's attribute


def test_igraph_reads_every_node_and_edge_of_the_graphml(whole: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = tmp_path / "whole.graphml"
    path.write_text(serialize(whole, "graphml"), encoding="utf-8")
    read = igraph.Graph.Read_GraphML(str(path))
    assert read.vcount() == len(whole) and read.ecount() == whole.number_of_edges()
    iris = read.vs["iri"]
    found = Counter((iris[e.source], e["relation"], iris[e.target]) for e in read.es)
    assert found == _edges(whole)


def test_gexf_and_cytoscape_keep_every_edge_under_its_own_stable_id(whole: nx.MultiDiGraph) -> None:
    gexf = serialize(whole, "gexf")
    read = nx.read_gexf(io.BytesIO(gexf.encode()))
    ids = [data["id"] for _, _, data in read.edges(data=True)]
    assert len(set(ids)) == len(ids) == whole.number_of_edges()
    assert _edges(read) == _edges(whole)
    elements = json.loads(serialize(whole, "cytoscape"))["elements"]["edges"]
    cytoscape_ids = [edge["data"]["id"] for edge in elements]
    assert len(set(cytoscape_ids)) == len(cytoscape_ids) == whole.number_of_edges()
    assert json.loads(serialize(whole, "cytoscape")) == json.loads(serialize(whole, "cytoscape"))
    assert set(cytoscape_ids) == {f"e{i}" for i in range(len(cytoscape_ids))}


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (make test installs it: make graph-tools)")
    return found


def test_graphviz_renders_every_edge_styled_by_type_and_relation(whole: nx.MultiDiGraph) -> None:
    rendered = subprocess.run(
        [_tool("dot"), "-Tsvg"], input=serialize(whole, "dot"), capture_output=True, text=True, check=True
    ).stdout
    edges = re.findall(r'<g id="(e\d+)" class="edge">', rendered)
    assert sorted(edges) == sorted(f"e{i}" for i in range(whole.number_of_edges()))
    assert len(re.findall(r'<g id="[^"]+" class="node">', rendered)) == len(whole)
    for node_type in {str(t) for _, t in whole.nodes(data="type")}:
        assert f'fill="{style_of(node_type)[0]}"' in rendered, node_type
    width, height = (
        float(x) for x in re.search(r'viewBox="0\.00 0\.00 ([\d.]+) ([\d.]+)"', rendered).groups()
    )
    assert height > 0 and width / height < 5  # laid out left to right, not a 10,000-px strip


def test_mermaid_cli_renders_every_edge(whole: nx.MultiDiGraph, tmp_path: Path) -> None:
    if not MMDC.exists():
        pytest.fail(f"mermaid-cli is not installed at {MMDC} (make test installs it: make graph-tools)")
    chromium = _tool("chromium")
    config = tmp_path / "puppeteer.json"
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    config.write_text(json.dumps({"executablePath": chromium, "args": flags}))
    picture = nx.MultiDiGraph(
        (u, v, k, d) for u, v, k, d in whole.edges(keys=True, data=True) if d["relation"] in PICTURE_RELATIONS
    )
    picture.add_nodes_from((n, whole.nodes[n]) for n in picture.nodes)
    source, svg = tmp_path / "graph.mmd", tmp_path / "graph.svg"
    source.write_text(serialize(picture, "mermaid"), encoding="utf-8")
    subprocess.run(
        [str(MMDC), "-p", str(config), "-i", str(source), "-o", str(svg), "--quiet"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    drawn = set(re.findall(r'<path[^>]*id="(L_[^"]+)"', svg.read_text(encoding="utf-8")))
    assert len(drawn) == picture.number_of_edges() > 20


def test_above_mermaids_limit_a_clear_error_says_how_to_narrow() -> None:
    star = nx.MultiDiGraph()
    for i in range(MERMAID_MAX_EDGES + 1):
        star.add_edge(f"urn:x:{i}", "urn:x:hub", key="dependsOn", relation="dependsOn")
    with pytest.raises(InputError, match=r"at most 500 edges and this graph has 501.*format=dot") as raised:
        serialize(star, "mermaid")
    assert raised.value.location.field == "format"
    assert serialize(star, "dot")  # no such limit there
