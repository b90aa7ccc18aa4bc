"""The dependency-graph API, against a real ``rsikg serve`` on loopback: formats by ?format= and
Accept, impact, cycles, critical nodes and paths, bad input, and a write showing up at once."""

from __future__ import annotations

import io
import json
import socket
import threading
import time

import httpx
import networkx as nx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from rsikg.web.routes.graph import _unless_disconnected

from tests.graphs import graphml_by_iri
from tests.web.conftest import TOKEN, free_port

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

ID = "https://w3id.org/rsikg/id/"
SYS = f"{ID}system/"
RSI = "https://w3id.org/rsikg/ontology#"
REGIONS = {
    f"{ID}region/region-{r}" for r in ("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland")
}

# pydot's parser uses pyparsing's old method names; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:'.*' deprecated - use:DeprecationWarning")


def get(server, path: str, accept: str | None = None, **params: object) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.get(f"{server.url}{path}", params=params, headers=headers, timeout=60)


def node_link(response: httpx.Response) -> nx.MultiDiGraph:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return nx.node_link_graph(response.json(), edges="edges")


def dependency_edges(graph: nx.MultiDiGraph) -> set[tuple[str, str]]:
    return {(u, v) for u, v, r in graph.edges(data="relation") if r == "dependsOn"}


# -- reads, on one server for the module ---------------------------------------------------------


def test_dependencies_default_is_node_link_one_step_down(server):
    response = get(server, "/graph/dependencies", root="fmk")
    assert response.headers["vary"] == "Accept, Origin"
    graph = node_link(response)
    assert dict(graph.nodes(data="distance")) == {
        f"{SYS}fmk": 0,
        f"{SYS}nsp": 1,
        f"{ID}org/sundhedsdatastyrelsen": 1,
    }
    assert sorted(graph.edges(data="relation")) == [
        (f"{SYS}fmk", f"{ID}org/sundhedsdatastyrelsen", "operatedBy"),
        (f"{SYS}fmk", f"{SYS}nsp", "dependsOn"),
    ]
    fmk = graph.nodes[f"{SYS}fmk"]
    assert fmk["label_da"] == "Fælles Medicinkort (FMK)"
    assert fmk["label_en"] == "Shared Medication Record (FMK)"
    assert fmk["type"] == "rsi:InfrastructureService"
    assert fmk["iri"] == f"{SYS}fmk"


def test_dependencies_depth_direction_and_relations(server):
    down = node_link(
        get(server, "/graph/dependencies", root="sundhedsjournalen", depth=2, relations="dependsOn")
    )
    assert dict(down.nodes(data="distance")) == {
        f"{SYS}sundhedsjournalen": 0,
        f"{SYS}e-journal": 1,
        f"{SYS}fmk": 1,
        f"{SYS}mitid": 1,
        f"{SYS}nsp": 2,
    }
    up = node_link(get(server, "/graph/dependencies", root="system/nsp", depth=10, direction="up"))
    assert dict(up.nodes(data="distance")) == {f"{SYS}nsp": 0, f"{SYS}fmk": 1, f"{SYS}sundhedsjournalen": 2}
    both = node_link(
        get(server, "/graph/dependencies", root=f"{SYS}fmk", direction="both", relations="dependsOn")
    )
    assert set(both) == {f"{SYS}fmk", f"{SYS}nsp", f"{SYS}sundhedsjournalen"}
    # relations may be given with spaces after the commas
    two = node_link(get(server, "/graph/dependencies", root="fmk", relations="dependsOn, operatedBy"))
    assert len(two) == 3


@pytest.mark.parametrize(
    ("fmt", "media", "read"),
    [
        ("node-link", "application/json", lambda t: nx.node_link_graph(json.loads(t), edges="edges")),
        ("cytoscape", "application/vnd.cytoscape+json", lambda t: nx.cytoscape_graph(json.loads(t))),
        ("graphml", "application/graphml+xml", graphml_by_iri),
        ("gexf", "application/gexf+xml", lambda t: nx.read_gexf(io.BytesIO(t.encode()))),
    ],
)
def test_format_by_parameter_and_by_accept(server, fmt, media, read):
    expected = node_link(get(server, "/graph/dependencies", root="sundhedsjournalen", depth=2))
    by_param = get(server, "/graph/dependencies", root="sundhedsjournalen", depth=2, format=fmt)
    by_accept = get(server, "/graph/dependencies", media, root="sundhedsjournalen", depth=2)
    for response in (by_param, by_accept):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == media
        graph = read(response.text)
        assert set(graph.nodes) == set(expected.nodes)
        assert sorted(graph.edges(data="relation")) == sorted(expected.edges(data="relation"))


def test_dot_and_mermaid_by_accept(server):
    dot = get(server, "/graph/dependencies", "text/vnd.graphviz", root="fmk")
    assert dot.status_code == 200
    assert dot.headers["content-type"].startswith("text/vnd.graphviz")
    assert f'"{SYS}fmk" -> "{SYS}nsp"' in dot.text
    mermaid = get(server, "/graph/dependencies", "text/vnd.mermaid", root="fmk")
    assert mermaid.status_code == 200
    assert mermaid.headers["content-type"].startswith("text/vnd.mermaid")
    assert mermaid.text.startswith("flowchart LR\n")
    assert f'click n1 "{SYS}fmk"' in mermaid.text and "n1 -->|dependsOn| n2" in mermaid.text


def test_accept_with_q_values_and_wildcards(server):
    preferred = get(
        server, "/graph/dependencies", "application/json;q=0.5, application/graphml+xml", root="fmk"
    )
    assert preferred.headers["content-type"].startswith("application/graphml+xml")
    anything = get(server, "/graph/dependencies", "text/html, */*;q=0.1", root="fmk")
    assert anything.headers["content-type"].startswith("application/json")
    refused = get(server, "/graph/dependencies", "image/png", root="fmk")
    assert refused.status_code == 406
    assert "application/graphml+xml" in refused.json()["detail"]
    # ?format= wins over Accept
    both = get(server, "/graph/dependencies", "image/png", root="fmk", format="gexf")
    assert both.status_code == 200 and both.headers["content-type"].startswith("application/gexf+xml")


def test_unknown_root_is_404_with_suggestions(server):
    for path, params in (
        ("/graph/dependencies", {"root": "sundhedsjournal"}),
        ("/graph/impact/sundhedsjournal", {}),
        ("/graph/path", {"from": "sundhedsjournal", "to": "nsp"}),
    ):
        response = get(server, path, **params)
        assert response.status_code == 404, path
        body = response.json()
        assert "Sundhedsjournalen (system/sundhedsjournalen)" in body["suggestions"], path
        assert "did you mean" in body["detail"]
    nothing = get(server, "/graph/impact/qqqqqqqq")
    assert nothing.status_code == 404 and nothing.json()["suggestions"] == []


def test_bad_parameters_are_4xx(server):
    too_deep = get(server, "/graph/dependencies", root="fmk", depth=11)
    assert too_deep.status_code == 400
    assert too_deep.json()["location"] == {"field": "depth"}
    assert get(server, "/graph/dependencies", root="fmk", depth=-1).status_code == 400
    not_a_number = get(server, "/graph/dependencies", root="fmk", depth="deep")
    assert not_a_number.status_code == 400 and not_a_number.json()["location"] == {"field": "depth"}
    assert get(server, "/graph/dependencies", root="fmk", depth=10).status_code == 200
    whole = get(server, "/graph/dependencies")  # no root: the whole graph, within the bound
    assert whole.status_code == 200 and len(whole.json()["nodes"]) > 30
    too_large = get(server, "/graph/dependencies", max_nodes=3)
    assert too_large.status_code == 400 and too_large.json()["location"] == {"field": "root"}
    unknown = get(server, "/graph/dependencies", root="fmk", relations="dependsOn,requires")
    assert unknown.status_code == 400
    assert unknown.json()["location"] == {"field": "relations"}
    assert "requires" in unknown.json()["detail"]
    assert get(server, "/graph/dependencies", root="fmk", relations="").status_code == 400
    sideways = get(server, "/graph/dependencies", root="fmk", direction="sideways")
    assert sideways.status_code == 400 and sideways.json()["location"] == {"field": "direction"}
    bad_format = get(server, "/graph/dependencies", root="fmk", format="png")
    assert bad_format.status_code == 400 and "graphml" in bad_format.json()["detail"]
    assert get(server, "/graph/impact/fmk", format="png").status_code == 400
    assert get(server, "/graph/cycles", relations="requires").status_code == 400
    assert get(server, "/graph/critical", top=0).status_code == 400
    assert get(server, "/graph/cycles", relations="").status_code == 400


def test_max_nodes_is_400(server):
    response = get(
        server, "/graph/dependencies", root="sundhedsjournalen", depth=3, direction="both", max_nodes=3
    )
    assert response.status_code == 400
    assert "more than 3 nodes" in response.json()["detail"]
    assert get(server, "/graph/dependencies", root="fmk", max_nodes=5001).status_code == 400


def test_impact_of_nsp_as_json(server):
    response = get(server, "/graph/impact/nsp")
    assert response.status_code == 200
    body = response.json()
    assert body["root"] == {
        "iri": f"{SYS}nsp",
        "id": "system/nsp",
        "label": "Den Nationale Serviceplatform (NSP)",
        "type": "rsi:InfrastructureService",
    }
    assert [(d["id"], d["distance"], d["via"], d["path"]) for d in body["dependents"]] == [
        ("system/fmk", 1, f"{SYS}nsp", [f"{SYS}fmk", f"{SYS}nsp"]),
        ("system/sundhedsjournalen", 2, f"{SYS}fmk", [f"{SYS}sundhedsjournalen", f"{SYS}fmk", f"{SYS}nsp"]),
    ]
    assert body["pathsOmitted"] is False
    assert {r["iri"] for r in body["regions"]} == REGIONS
    assert all(r["uses"] == [f"{SYS}sundhedsjournalen"] for r in body["regions"])
    assert all(set(s) == {"iri", "systems"} for s in body["sectors"])
    # the node by its local id or its IRI gives the same answer
    assert get(server, "/graph/impact/system/nsp").json() == body
    assert get(server, f"/graph/impact/{SYS}nsp").json() == body


def test_impact_of_fmk_and_e_journal(server):
    fmk = get(server, "/graph/impact/fmk").json()
    assert [(d["id"], d["distance"]) for d in fmk["dependents"]] == [("system/sundhedsjournalen", 1)]
    ejournal = get(server, "/graph/impact/e-journal").json()
    assert [(d["id"], d["distance"]) for d in ejournal["dependents"]] == [("system/sundhedsjournalen", 1)]


def test_impact_as_a_graph(server):
    response = get(server, "/graph/impact/nsp", format="graphml")
    assert response.headers["content-type"].startswith("application/graphml+xml")
    graph = graphml_by_iri(response.content)
    assert set(graph) == {f"{SYS}nsp", f"{SYS}fmk", f"{SYS}sundhedsjournalen"} | REGIONS
    assert dependency_edges(graph) == {(f"{SYS}fmk", f"{SYS}nsp"), (f"{SYS}sundhedsjournalen", f"{SYS}fmk")}
    assert graph.nodes[f"{SYS}sundhedsjournalen"]["distance"] == 2


def test_cycles_shape(server):
    for params in ({}, {"relations": "dependsOn"}, {"relations": "dependsOn,usedBy,operatedBy"}):
        response = get(server, "/graph/cycles", **params)
        assert response.status_code == 200
        assert response.json() == {"cycles": []}, params  # the project's graph has none
    every = get(
        server, "/graph/cycles", relations="dependsOn,operatedBy,systemManager,usedBy,governedBy,affects"
    )
    assert every.json() == {"cycles": []}
    # a cycle made by a write, and its shape: see test_a_write_shows_in_the_next_dependency_answer


def test_critical_shape(server):
    response = get(server, "/graph/critical")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"articulationPoints", "betweenness", "betweennessSamples", "nodes"}
    assert [p["id"] for p in body["articulationPoints"]] == ["system/fmk", "system/sundhedsjournalen"]
    assert all(set(p) == {"iri", "id", "label", "type"} for p in body["articulationPoints"])
    assert body["betweenness"][0]["id"] == "system/fmk" and body["betweenness"][0]["betweenness"] > 0
    assert all(set(b) == {"iri", "id", "label", "type", "betweenness"} for b in body["betweenness"])
    assert body["nodes"] == 7 and body["betweennessSamples"] is None
    assert len(get(server, "/graph/critical", top=2).json()["betweenness"]) == 2
    assert get(server, "/graph/critical", samples=3).json()["betweennessSamples"] == 3


def test_path_from_sundhedsjournalen_to_nsp(server):
    graph = node_link(get(server, "/graph/path", **{"from": "sundhedsjournalen", "to": "nsp"}))
    assert dict(graph.nodes(data="distance")) == {
        f"{SYS}sundhedsjournalen": 0,
        f"{SYS}fmk": 1,
        f"{SYS}nsp": 2,
    }
    assert dependency_edges(graph) == {(f"{SYS}sundhedsjournalen", f"{SYS}fmk"), (f"{SYS}fmk", f"{SYS}nsp")}
    back = get(server, "/graph/path", **{"from": "nsp", "to": "sundhedsjournalen"})
    assert back.status_code == 404 and "directed=false" in back.json()["detail"]
    undirected = node_link(
        get(
            server,
            "/graph/path",
            directed="false",
            relations="dependsOn",
            **{"from": "nsp", "to": "sundhedsjournalen"},
        )
    )
    assert set(undirected) == {f"{SYS}sundhedsjournalen", f"{SYS}fmk", f"{SYS}nsp"}
    as_dot = get(server, "/graph/path", "text/vnd.graphviz", **{"from": "sundhedsjournalen", "to": "nsp"})
    assert f'"{SYS}fmk" -> "{SYS}nsp"' in as_dot.text
    assert get(server, "/graph/path", **{"from": "sundhedsjournalen"}).status_code == 400


# -- a write, on a server of its own ------------------------------------------------------------


def test_a_write_shows_in_the_next_dependency_answer(make_server):
    server = make_server()
    before = node_link(
        get(server, "/graph/dependencies", root="ppj", relations="dependsOn")
    )  # warms the cache
    assert set(before) == {f"{SYS}ppj"}
    assert [d["id"] for d in get(server, "/graph/impact/nsp").json()["dependents"]] == [
        "system/fmk",
        "system/sundhedsjournalen",
    ]
    update = f"INSERT DATA {{ GRAPH <urn:rsikg:test> {{ <{SYS}ppj> <{RSI}dependsOn> <{SYS}nsp> }} }}"
    written = httpx.post(
        server.sparql,
        content=update.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert written.status_code == 204, written.text
    after = node_link(get(server, "/graph/dependencies", root="ppj", relations="dependsOn"))
    assert dependency_edges(after) == {(f"{SYS}ppj", f"{SYS}nsp")}
    assert dict(after.nodes(data="distance")) == {f"{SYS}ppj": 0, f"{SYS}nsp": 1}
    impact = get(server, "/graph/impact/nsp").json()
    assert sorted((d["distance"], d["id"]) for d in impact["dependents"]) == [
        (1, "system/fmk"),
        (1, "system/ppj"),
        (2, "system/sundhedsjournalen"),
    ]
    assert [d["distance"] for d in impact["dependents"]] == [1, 1, 2]  # nearest first
    critical = get(server, "/graph/critical").json()
    assert "system/nsp" in [p["id"] for p in critical["articulationPoints"]]
    # a second write closes a loop, fmk → nsp → fmk: /graph/cycles finds it
    loop = f"INSERT DATA {{ GRAPH <urn:rsikg:test> {{ <{SYS}nsp> <{RSI}dependsOn> <{SYS}fmk> }} }}"
    closed = httpx.post(
        server.sparql,
        content=loop.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert closed.status_code == 204, closed.text
    cycles = get(server, "/graph/cycles").json()
    assert cycles == {
        "cycles": [{"nodes": [f"{SYS}fmk", f"{SYS}nsp"], "cycle": cycles["cycles"][0]["cycle"]}]
    }
    assert cycles["cycles"][0]["cycle"] in (
        [f"{SYS}fmk", f"{SYS}nsp", f"{SYS}fmk"],
        [f"{SYS}nsp", f"{SYS}fmk", f"{SYS}nsp"],
    )
    impact = get(server, "/graph/impact/fmk").json()
    assert sorted((d["distance"], d["id"]) for d in impact["dependents"]) == [
        (1, "system/nsp"),
        (1, "system/sundhedsjournalen"),
        (2, "system/ppj"),
    ]
    # and a write refused by the token changes nothing
    refused = httpx.post(
        server.sparql,
        content=update.replace("ppj", "akut-appen").encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer wrong"},
        timeout=60,
    )
    assert refused.status_code == 403
    assert len(get(server, "/graph/impact/nsp").json()["dependents"]) == 3  # fmk, ppj, sundhedsjournalen


# -- bounds on /graph/critical ---------------------------------------------------------------------


def _strict_json(text: str) -> object:
    """JSON as the standard has it: NaN and Infinity are not JSON (Python's reader allows them)."""

    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_samples_out_of_bounds_are_400_naming_the_limit(server):
    for samples in (0, 1, 257, 5000):
        response = get(server, "/graph/critical", samples=samples)
        assert response.status_code == 400, samples
        assert response.json()["location"] == {"field": "samples"}
        assert "between 2 and 256 (the limit)" in response.json()["detail"]
    for samples in (2, 256):
        response = get(server, "/graph/critical", samples=samples)
        assert response.status_code == 200
        body = _strict_json(response.text)
        assert isinstance(body, dict) and body["betweennessSamples"] == min(samples, body["nodes"])


def test_critical_past_the_deadline_is_503(make_server):
    server = make_server(query_deadline=1e-9)
    response = get(server, "/graph/critical")
    assert response.status_code == 503
    assert "deadline" in response.json()["detail"]
    assert response.headers["retry-after"] == "1"
    assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200


def test_work_stops_when_the_client_goes_away():
    """The route's helper, in a real uvicorn on loopback: a client that sends a request and
    hangs up sets the cancel flag, which the work in the thread sees."""
    app = FastAPI()
    seen: dict[str, float] = {}

    @app.get("/slow")
    async def slow(request: Request) -> dict[str, bool]:
        cancel = threading.Event()

        def work() -> bool:
            started = time.monotonic()
            stopped = cancel.wait(timeout=20)  # stands for chunks of work checking the flag
            seen["after"] = time.monotonic() - started
            return stopped

        return {"cancelled": await _unless_disconnected(request, cancel, work)}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.3)
        deadline = time.monotonic() + 5
        while "after" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "after" in seen and seen["after"] < 3  # not the 20 s the work would have taken
    finally:
        server.should_exit = True
        thread.join(timeout=10)
