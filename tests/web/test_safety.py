"""Safe by default: no URL is ever fetched, runaway queries stop at their deadline, answers are
capped."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.web.conftest import TOKEN

REFUSED_QUERIES = [
    ("SERVICE", "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"),
    ("SERVICE SILENT", "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}"),
    ("SERVICE prefixed", "PREFIX ex: <{base}> SELECT * WHERE {{ SERVICE ex:sparql {{ ?s ?p ?o }} }}"),
    ("SERVICE variable", "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"),
]


@pytest.mark.parametrize(("case", "template"), REFUSED_QUERIES, ids=[c for c, _ in REFUSED_QUERIES])
def test_queries_that_reach_out_are_refused_and_nothing_connects(server, listener, case, template):
    query = template.format(url=listener.url, base=listener.url.removesuffix("sparql"))
    response = httpx.get(server.sparql, params={"query": query})
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    if "variable" not in case:
        assert listener.url in detail  # the refusal names the IRI
    time.sleep(0.3)
    assert listener.connections == 0


def test_graphs_not_in_the_store_are_empty_graphs_and_never_fetched(server, listener):
    """FROM, FROM NAMED and the protocol's dataset parameters name graphs of the store: one it
    does not hold is empty (SPARQL 1.1 Protocol; the W3C suite's query_get), never fetched."""
    asked = [
        ({"query": f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}"}, 0),
        ({"query": f"SELECT * FROM NAMED <{listener.url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}, 0),
        ({"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": listener.url}, 0),
        ({"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": listener.url}, 0),
        ({"query": "SELECT * WHERE { ?s ?p ?o }", "named-graph-uri": listener.url}, 0),  # no default
        ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, 1),  # the union, for contrast
    ]
    for params, rows in asked:
        response = httpx.get(
            server.sparql, params=params, headers={"Accept": "application/sparql-results+json"}
        )
        assert response.status_code == 200, response.text
        assert len(response.json()["results"]["bindings"]) == rows, params
    time.sleep(0.3)
    assert listener.connections == 0


def test_load_is_refused_even_with_the_token_and_nothing_connects(server, listener):
    for update in (f"LOAD <{listener.url}>", f"LOAD SILENT <{listener.url}> INTO GRAPH <urn:g>"):
        response = httpx.post(
            server.sparql,
            content=update,
            headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 400, response.text
        assert listener.url in response.json()["detail"]
    time.sleep(0.3)
    assert listener.connections == 0


def test_service_hidden_in_strings_and_comments_is_not_a_service(server):
    query = 'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?x) } # SERVICE <http://127.0.0.1:9/>'
    response = httpx.get(server.sparql, params={"query": query})
    assert response.status_code == 200


def test_workers_run_without_network(server):
    health = httpx.get(f"{server.url}/health").json()
    # seccomp needs nothing but libseccomp; a namespace of their own needs CAP_SYS_ADMIN (root here
    # and in CI). test_isolation.py runs a worker without it too.
    assert "seccomp" in health["isolation"]
    assert ("namespace" in health["isolation"]) is (os.geteuid() == 0)
    assert health["workers_network_isolated"] is True


ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "ASK { ?s a <https://w3id.org/rsikg/ontology#Region> }"


def test_endless_query_is_stopped_at_its_deadline_while_others_are_answered(make_server):
    server = make_server(query_deadline=3)
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = time.monotonic()
        endless = pool.submit(httpx.get, server.sparql, params={"query": ENDLESS}, timeout=60)
        time.sleep(0.5)  # the endless query is running now
        quick = httpx.get(server.sparql, params={"query": QUICK}, timeout=10)
        quick_done = time.monotonic() - started
        response = endless.result()
        endless_done = time.monotonic() - started
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert quick_done < 2.5  # answered while the endless one was still running
    assert response.status_code == 503
    assert "deadline of 3 s" in response.json()["detail"]
    assert 2.9 < endless_done < 15
    # and the service goes on: its worker was replaced
    assert httpx.get(server.sparql, params={"query": QUICK}, timeout=10).status_code == 200


def test_answers_are_capped_at_the_row_limit(make_server):
    server = make_server(max_rows=7)
    response = httpx.get(server.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 7
    assert response.headers["x-rsikg-truncated"] == "true"
    assert response.headers["x-rsikg-row-limit"] == "7"
    small = httpx.get(server.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "x-rsikg-truncated" not in small.headers
    # a lookup of one resource: capped the same way whatever the answer's format
    lookup = "SELECT ?p ?o WHERE { <https://w3id.org/rsikg/id/forum/rita> ?p ?o }"
    for accept, count in (
        ("application/sparql-results+json", lambda r: len(r.json()["results"]["bindings"])),
        ("text/tab-separated-values", lambda r: len(r.text.splitlines()) - 1),
    ):
        response = httpx.get(server.sparql, params={"query": lookup}, headers={"Accept": accept})
        assert count(response) == 7 and response.headers["x-rsikg-truncated"] == "true"
