"""The Graph Store's ?graph= must be an absolute IRI: anything else is a 400 naming the parameter,
on every method, before the store sees it (the grammar is Oxigraph's own, through
api.core.store.iri_problem, so what passes never fails in the store)."""

from __future__ import annotations

import httpx

from tests.web.conftest import TOKEN

NOT_IRIS = [
    "not an iri",
    "",
    "relative/path",
    "http://x/%zz",
    "http://[::1/",
    "http://x:abc/",
    "http://ex.org/a#b#c",
    "http://a/<b>",
    'http://a/"b"',
    "http://a/{b}",
    "http://a/\x00",
    "http://a/\x7f",
    "1a:b",
    "http://[1::2::3]/",
]
IRIS = [
    "https://w3id.org/rsikg/graph/g",
    "urn:x:y",
    "http://[::1]:8080/a?b=c#d",
    "http://é.dk/ø",
    "tag:example.org,2020:g",
    "file:///tmp/x",
]


def test_a_graph_that_is_not_an_iri_is_400_on_every_method(server):
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    body = b"<urn:a> <urn:b> <urn:c> ."
    with httpx.Client(base_url=server.url, timeout=30) as client:
        before = client.get("/store", params={"default": ""}).content
        for graph in NOT_IRIS:
            for method in ("GET", "PUT", "POST", "DELETE"):
                response = client.request(
                    method, "/store", params={"graph": graph}, headers=auth, content=body
                )
                assert response.status_code == 400, (method, graph, response.text)
                assert response.json()["location"]["field"] == "graph"
                assert "IRI" in response.json()["detail"]
        assert client.get("/store", params={"graph": IRIS[0]}).status_code == 404  # an IRI: looked up
        assert client.get("/store", params={"default": ""}).content == before  # nothing written
