"""Writes: SPARQL Update and the Graph Store protocol, behind the token and the shapes."""

from __future__ import annotations

import json

import httpx
import pytest
import rdflib

from tests.web.conftest import TOKEN

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

ID = "https://w3id.org/rsikg/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
GOOD_UPDATE = f'INSERT DATA {{ GRAPH <urn:rsikg:test> {{ <{ID}system/ppj> <{SKOS}altLabel> "PPJ"@da }} }}'
# a region with neither label nor source: Violations of the core shapes
BAD_UPDATE = (
    "INSERT DATA { GRAPH <urn:rsikg:test> { "
    f"<{ID}test/region-x> a <https://w3id.org/rsikg/ontology#Region> }} }}"
)
GOOD_TURTLE = f'<{ID}system/ppj> <{SKOS}altLabel> "Præhospital journal"@da .'
ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o"


def fingerprint(server) -> str:
    response = httpx.get(
        server.sparql, params={"query": ALL_QUADS}, headers={"Accept": "text/tab-separated-values"}
    )
    assert response.status_code == 200
    return response.text


def update(server, text: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(server.sparql, content=text.encode(), headers=headers, timeout=60)


def gsp(
    server, method: str, graph: str, body: str | None = None, token: str | None = TOKEN
) -> httpx.Response:
    headers = {"Content-Type": "text/turtle"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.request(
        method, f"{server.url}/store", params={"graph": graph}, content=body, headers=headers, timeout=60
    )


@pytest.fixture(scope="module")
def no_token_server(tmp_path_factory, store_for):
    from tests.web.conftest import start_server

    directory = tmp_path_factory.mktemp("read-only")
    running = start_server(directory, token=False, store=store_for("read-only", directory))
    yield running
    running.stop()


def test_writes_are_off_without_a_configured_token(no_token_server):
    before = fingerprint(no_token_server)
    assert update(no_token_server, GOOD_UPDATE).status_code == 403
    assert update(no_token_server, GOOD_UPDATE, token=None).status_code == 403
    for method in ("PUT", "POST", "DELETE"):
        response = gsp(no_token_server, method, "urn:rsikg:test", GOOD_TURTLE)
        assert response.status_code == 403, method
        assert "token-file" in response.json()["detail"]
    assert fingerprint(no_token_server) == before


def test_update_without_token_401_wrong_token_403_right_token_204(server):
    before = fingerprint(server)
    missing = update(server, GOOD_UPDATE, token=None)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert update(server, GOOD_UPDATE, token="not-the-token").status_code == 403
    assert update(server, GOOD_UPDATE, token=TOKEN[:-1]).status_code == 403
    assert fingerprint(server) == before
    assert update(server, GOOD_UPDATE).status_code == 204
    ask = f'ASK {{ <{ID}system/ppj> <{SKOS}altLabel> "PPJ"@da }}'
    assert httpx.get(server.sparql, params={"query": ask}).json()["boolean"] is True


def test_update_by_form_with_token(server):
    text = f'INSERT DATA {{ GRAPH <urn:rsikg:form> {{ <{ID}system/ppj> <{SKOS}altLabel> "PPJ (form)"@da }} }}'
    response = httpx.post(server.sparql, data={"update": text}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_graph_store_without_token_401_wrong_token_403(server, method):
    before = fingerprint(server)
    assert gsp(server, method, "urn:rsikg:gsp", GOOD_TURTLE, token=None).status_code == 401
    assert gsp(server, method, "urn:rsikg:gsp", GOOD_TURTLE, token="wrong").status_code == 403
    assert fingerprint(server) == before


def test_graph_store_round_trip_with_token(server):
    graph = "urn:rsikg:round-trip"
    assert gsp(server, "GET", graph, token=None).status_code == 404
    assert gsp(server, "PUT", graph, GOOD_TURTLE).status_code == 201
    assert gsp(server, "PUT", graph, GOOD_TURTLE).status_code == 204  # replaced
    more = f'<{ID}system/ppj> <{SKOS}altLabel> "PPJ"@en .'
    assert gsp(server, "POST", graph, more).status_code == 204
    read = httpx.get(f"{server.url}/store", params={"graph": graph}, headers={"Accept": "text/turtle"})
    assert read.status_code == 200
    labels = set(rdflib.Graph().parse(data=read.text, format="turtle").objects())
    assert labels == {rdflib.Literal("Præhospital journal", lang="da"), rdflib.Literal("PPJ", lang="en")}
    assert gsp(server, "DELETE", graph).status_code == 204
    assert gsp(server, "GET", graph, token=None).status_code == 404
    assert gsp(server, "DELETE", graph).status_code == 404


def test_graph_store_needs_one_target_and_a_known_body_type(server):
    both = httpx.get(f"{server.url}/store", params={"graph": "urn:x", "default": ""})
    assert both.status_code == 400
    neither = httpx.get(f"{server.url}/store")
    assert neither.status_code == 400
    wrong_type = httpx.put(
        f"{server.url}/store",
        params={"graph": "urn:x"},
        content="x",
        headers={"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"},
    )
    assert wrong_type.status_code == 415
    default = httpx.get(
        f"{server.url}/store", params={"default": ""}, headers={"Accept": "application/n-triples"}
    )
    assert default.status_code == 200 and len(default.text.splitlines()) > 3000  # the union


def test_malformed_turtle_body_is_400_with_position_and_changes_nothing(server):
    before = fingerprint(server)
    response = gsp(server, "PUT", "urn:rsikg:broken", f'<{ID}a> <{SKOS}b> "unterminated .\n')
    assert response.status_code == 400
    assert response.json()["location"]["line"] == 1
    assert fingerprint(server) == before


def test_update_that_adds_a_violation_is_422_and_changes_nothing(server):
    before = fingerprint(server)
    response = update(server, BAD_UPDATE)
    assert response.status_code == 422
    report = response.json()["report"]
    assert report["conforms"] is False
    assert {r["focusNode"] for r in report["results"]} >= {f"{ID}test/region-x"}
    assert all(r["severity"] == "Violation" for r in report["results"])
    assert fingerprint(server) == before


def test_graph_store_write_that_adds_a_violation_is_422_and_changes_nothing(server):
    before = fingerprint(server)
    body = f"<{ID}test/region-y> a <https://w3id.org/rsikg/ontology#Region> ."
    for method in ("PUT", "POST"):
        response = gsp(server, method, "urn:rsikg:bad", body)
        assert response.status_code == 422, method
    # dropping the graph that holds the regions would break the governance rules
    response = gsp(server, "DELETE", "https://w3id.org/rsikg/graph/graph_data/organisations.ttl")
    assert response.status_code == 422
    assert fingerprint(server) == before


def test_an_update_with_a_syntax_error_is_400(server):
    response = update(server, "INSERT DATA { <a:b> <c:d> }")
    assert response.status_code == 400
    assert response.json()["location"]["line"] == 1
    # the update runs rewritten (api/core/sparql_dataset.py); the error is where the client wrote it
    response = update(server, "PREFIX x: <urn:x:>\nINSERT DATA { <a:b> <c:d> }")
    assert response.status_code == 400
    assert (response.json()["location"]["line"], response.json()["location"]["column"]) == (2, 27)


def test_an_update_acts_on_the_default_graph_a_query_shows(server):
    """A fact a project file states, deleted with no GRAPH in the update, is gone from what a
    query shows; one inserted with no GRAPH is shown, kept in the default graph's named graph."""
    fact = f'<{ID}org/cimt> <{SKOS}altLabel> "Center for It, Medico og Telefoni"@da'  # an extra name

    def ask(pattern: str) -> bool:
        response = httpx.get(server.sparql, params={"query": f"ASK {{ {pattern} }}"})
        assert response.status_code == 200
        return bool(response.json()["boolean"])

    file_graph = "<https://w3id.org/rsikg/graph/graph_data/organisations.ttl>"
    assert ask(fact) and ask(f"GRAPH {file_graph} {{ {fact} }}")
    assert update(server, f"DELETE WHERE {{ {fact} }}").status_code == 204
    assert not ask(fact)
    assert update(server, f"INSERT DATA {{ {fact} }}").status_code == 204
    assert ask(fact) and ask(f"GRAPH <https://w3id.org/rsikg/graph/default> {{ {fact} }}")
    assert not ask(f"GRAPH {file_graph} {{ {fact} }}")


@pytest.fixture(scope="module")
def checks_elsewhere_server(tmp_path_factory, store_for):
    from tests.web.conftest import start_server

    directory = tmp_path_factory.mktemp("checks-elsewhere")
    running = start_server(
        directory, check_process_focus=0, log_format="json", store=store_for("checks-elsewhere", directory)
    )
    yield running
    running.stop()


def test_a_long_check_runs_in_its_own_process_with_the_same_verdict(server, checks_elsewhere_server):
    # every check passes 0 focus nodes: each runs in the checking process, and must refuse and
    # accept what the server that checks in process does, with the same report
    here, there = update(server, BAD_UPDATE), update(checks_elsewhere_server, BAD_UPDATE)
    assert here.status_code == there.status_code == 422
    reports = [r.json()["report"] for r in (here, there)]
    for report in reports:  # the same results, in whatever order
        report["results"] = sorted(report["results"], key=lambda result: json.dumps(result, sort_keys=True))
    assert reports[0] == reports[1] and reports[0]["violations"] > 0
    before = fingerprint(checks_elsewhere_server)
    assert update(checks_elsewhere_server, GOOD_UPDATE).status_code == 204
    assert fingerprint(checks_elsewhere_server) != before
    log = checks_elsewhere_server.log.read_text()
    assert '"event": "checks.run"' in log and '"event": "checks.start"' in log
    assert '"event": "checks.run"' not in server.log.read_text()


def test_rdflib_sparqlupdatestore_commits_batched_updates_with_a_prologue_after_each_semicolon(server):
    """rdflib's SPARQLUpdateStore sends a transaction as one request of operations joined by
    ``;``, each with its own PREFIX: the grammar allows a prologue after ``;``, which Oxigraph's
    own parser (0.5.13) refuses; rsikg runs such a request operation by operation."""
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    store = SPARQLUpdateStore(
        query_endpoint=server.sparql,
        update_endpoint=server.sparql,
        autocommit=False,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    graph = rdflib.Graph(store, identifier=rdflib.URIRef("urn:x-rdflib:batched"))
    ex = rdflib.Namespace("urn:x-rdflib:")
    sent: list[str] = []
    send = store._update
    store._update = lambda text: (sent.append(text), send(text))[1]  # what rdflib sends, then sent
    graph.update("INSERT DATA { ex:a ex:p 'one' . ex:b ex:p 'two' }", initNs={"ex": ex})
    graph.update("DELETE DATA { ex:a ex:p 'one' }", initNs={"ex": ex})
    graph.add((ex.c, ex.p, ex.a))
    store.commit()
    assert len(sent) == 1 and ";\nPREFIX ex:" in sent[0].replace("\n;\n", ";\n"), sent
    answer = httpx.post(
        server.sparql,
        data={"query": "SELECT ?s WHERE { GRAPH <urn:x-rdflib:batched> { ?s ?p ?o } } ORDER BY ?s"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert [b["s"]["value"] for b in answer.json()["results"]["bindings"]] == [
        "urn:x-rdflib:b",
        "urn:x-rdflib:c",
    ]
