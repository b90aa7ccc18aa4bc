"""The dependency map and the SPARQL editor as a client without JavaScript sees them, on the
in-process server (the browser tests drive their scripts): the map's table and exports agree
with the graph routes, its errors are said on the page, and the assets are the pinned files."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import httpx
import pytest
from rsikg.web import vendor
from rsikg.web.routes import explore

from tests.graphs import graphml_by_iri
from tests.web.conftest import BROWSER


def _map_data(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S)
    assert found, "the map page carries its graph"
    return dict(json.loads(found.group(1)))


def test_the_map_of_a_neighbourhood_is_the_graph_routes_neighbourhood(base: str) -> None:
    params = {"root": "system/fmk", "depth": "2", "direction": "both", "lang": "en", "asOf": "2026-06-01"}
    page = httpx.get(f"{base}/map", params=params, headers=BROWSER, timeout=60)
    assert page.status_code == 200
    data = _map_data(page.text)
    elements = list(data["elements"])  # type: ignore[call-overload]
    drawn_nodes = {e["data"]["id"] for e in elements if "source" not in e["data"]}
    drawn_edges = {
        (e["data"]["source"], e["data"]["relation"], e["data"]["target"])
        for e in elements
        if "source" in e["data"]
    }
    graphml = httpx.get(
        f"{base}/graph/dependencies",
        params={**{k: v for k, v in params.items() if k != "lang"}, "format": "graphml"},
        timeout=60,
    )
    assert graphml.status_code == 200
    graph = graphml_by_iri(graphml.text)
    assert drawn_nodes == set(graph.nodes)
    assert drawn_edges == {(u, relation, v) for u, v, relation in graph.edges(data="relation")}
    # every export format is one link away, with the map's own parameters
    for fmt in ("node-link", "cytoscape", "graphml", "gexf", "dot", "mermaid"):
        assert f"format={fmt}" in page.text
    assert "root=system%2Ffmk" in page.text
    # the table (the map without JavaScript) links both ends of each edge to their pages
    assert len(re.findall(r"<tr><td><a href=\"/id/", page.text)) == len(drawn_edges)
    # the same map gives the same edge ids
    again = _map_data(httpx.get(f"{base}/map", params=params, headers=BROWSER, timeout=60).text)
    assert again["elements"] == data["elements"]


def test_the_whole_map_leaves_used_by_out_until_it_is_ticked(base: str) -> None:
    whole = _map_data(httpx.get(f"{base}/map?asOf=2026-06-01", headers=BROWSER, timeout=60).text)
    relations = {e["data"]["relation"] for e in whole["elements"] if "source" in e["data"]}  # type: ignore[attr-defined]
    assert "usedBy" not in relations and "dependsOn" in relations
    ticked = _map_data(
        httpx.get(f"{base}/map?asOf=2026-06-01&relation=usedBy", headers=BROWSER, timeout=60).text
    )
    assert {e["data"]["relation"] for e in ticked["elements"] if "source" in e["data"]} == {"usedBy"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "status", "said"),
    [
        ("root=system/fmkk", 404, "system/fmk"),  # suggested
        ("root=system/fmk&depth=99", 400, "depth must be between 0 and 10"),
        ("root=system/fmk&relation=nothing", 400, "nothing"),
        ("asOf=someday", 400, "asOf"),
    ],
)
def test_a_map_that_cannot_be_drawn_says_why_on_the_page(
    base: str, query: str, status: int, said: str
) -> None:
    page = httpx.get(f"{base}/map?{query}&lang=en", headers=BROWSER, timeout=60)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', page.text, re.S)
    assert error and said in unescape(error.group(0)) + unescape(page.text[error.end() : error.end() + 400])


def test_the_whole_graph_from_the_graph_route_has_a_bound(base: str) -> None:
    whole = httpx.get(f"{base}/graph/dependencies", params={"relations": "dependsOn"}, timeout=60)
    assert whole.status_code == 200
    links = whole.json()["edges"]
    assert links and {link["relation"] for link in links} == {"dependsOn"}
    bounded = httpx.get(f"{base}/graph/dependencies", params={"max_nodes": "2"}, timeout=60)
    assert bounded.status_code == 400
    assert "give a root and a depth" in bounded.json()["detail"]


def test_the_editor_declares_the_prefixes_and_serves_its_library_from_here(base: str) -> None:
    page = httpx.get(f"{base}/editor?lang=en", headers=BROWSER, timeout=60)
    assert page.status_code == 200
    found = re.search(r'<script type="application/json" id="editor-data">(.*?)</script>', page.text, re.S)
    assert found
    data = json.loads(found.group(1))
    assert data["endpoint"] == "/sparql"
    assert ["rsi", "https://w3id.org/rsikg/ontology#"] in data["prefixes"]
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts == ["/assets/yasgui.min.js", "/static/editor.js"]  # nothing from another host


@pytest.mark.parametrize("name", sorted(vendor.FILES))
def test_each_asset_is_the_pinned_packages_file(base: str, name: str) -> None:
    package, inside = vendor.FILES[name]
    lock = json.loads((vendor.ASSETS / "package-lock.json").read_text(encoding="utf-8"))
    installed = json.loads((vendor.MODULES / package / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == lock["packages"][f"node_modules/{package}"]["version"]
    answer = httpx.get(f"{base}/assets/{name}", timeout=60)
    assert answer.status_code == 200
    assert answer.content == Path(vendor.MODULES / package / inside).read_bytes()
    assert answer.headers["content-type"].startswith(vendor.MEDIA[Path(name).suffix])


@pytest.mark.parametrize(
    "name", ["package.json", "..%2Fpackage.json", "cytoscape%2Fpackage.json", "nothing.js"]
)
def test_nothing_else_of_the_packages_is_served(base: str, name: str) -> None:
    answer = httpx.get(f"{base}/assets/{name}", timeout=60)
    assert answer.status_code == 404


def test_a_map_too_large_at_its_depth_is_drawn_at_the_deepest_that_fits(
    base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through a hub one more step can reach every system: the page draws the deepest depth within
    its bound, says so, and its exports give what it drew. (The server runs in this process, so a
    smaller bound here is the server's.)"""
    monkeypatch.setattr(explore, "MAP_MAX_NODES", 8)
    params = {"root": "system/fmk", "depth": "3", "direction": "both", "lang": "en", "asOf": "2026-06-01"}
    page = httpx.get(f"{base}/map", params=params, headers=BROWSER, timeout=60)
    assert page.status_code == 200
    notice = re.search(r'<p class="notice" role="status">(.*?)</p>', page.text, re.S)
    assert notice and "more than 8 nodes" in notice.group(1)
    drawn = int(re.search(r"shown at depth (\d)", notice.group(1)).group(1))  # type: ignore[union-attr]
    assert drawn < 3
    nodes = [e for e in _map_data(page.text)["elements"] if "source" not in e["data"]]  # type: ignore[attr-defined]
    assert 0 < len(nodes) <= 8
    export = re.search(r'href="(/graph/dependencies\?[^"]*format=graphml)"', page.text)
    assert export and f"depth={drawn}&amp;" in export.group(1)
