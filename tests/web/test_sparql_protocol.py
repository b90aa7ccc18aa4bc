"""The SPARQL 1.1 Protocol at /sparql, queried by real clients over loopback."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

RSI = "https://w3id.org/rsikg/ontology#"
PREFIXES = f"PREFIX rsi: <{RSI}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
REGIONS = (
    PREFIXES
    + "SELECT ?r ?label WHERE { ?r a rsi:Region ; skos:prefLabel ?label FILTER(lang(?label) = 'da') } "
    + "ORDER BY ?label"
)
REGION_NAMES = [  # every region the graph knows, whatever its period: 2007's five and 2027's new one
    "Region Hovedstaden",
    "Region Midtjylland",
    "Region Nordjylland",
    "Region Sjælland",
    "Region Syddanmark",
    "Region Østdanmark",
]
CONSTRUCT = PREFIXES + "CONSTRUCT { ?r a rsi:Region } WHERE { ?r a rsi:Region }"


def wrapper(server, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.sparql)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_json(server):
    result = wrapper(server, REGIONS, JSON).queryAndConvert()
    assert [b["label"]["value"] for b in result["results"]["bindings"]] == REGION_NAMES
    assert result["results"]["bindings"][0]["label"]["xml:lang"] == "da"


def test_sparqlwrapper_xml(server):
    document = wrapper(server, REGIONS, XML).queryAndConvert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == REGION_NAMES


def test_sparqlwrapper_csv_and_tsv(server):
    rows = list(csv.reader(io.StringIO(wrapper(server, REGIONS, CSV).queryAndConvert().decode())))
    assert rows[0] == ["r", "label"] and [r[1] for r in rows[1:]] == REGION_NAMES
    lines = wrapper(server, REGIONS, TSV).queryAndConvert().decode().splitlines()
    assert lines[0] == "?r\t?label"
    assert lines[4].endswith('"Region Sjælland"@da')


def test_sparqlwrapper_construct_as_turtle(server):
    data = wrapper(server, CONSTRUCT, TURTLE).queryAndConvert()
    graph = rdflib.Graph().parse(data=data, format="turtle")
    assert len(set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(RSI + "Region")))) == len(REGION_NAMES)


def test_sparqlwrapper_ask_and_post(server):
    client = wrapper(server, PREFIXES + "ASK { ?s a rsi:Region }", JSON)
    client.setMethod("POST")
    assert client.queryAndConvert()["boolean"] is True


def test_rdflib_sparqlstore(server):
    graph = rdflib.Graph(SPARQLStore(server.sparql, returnFormat="json"))
    labels = [str(row.label) for row in graph.query(REGIONS)]
    assert labels == REGION_NAMES
    assert len(list(graph.triples((None, rdflib.RDF.type, rdflib.URIRef(RSI + "Region"))))) == len(
        REGION_NAMES
    )


SELECT_ACCEPT = [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/csv;q=1.0, application/sparql-results+xml;q=0.9", "text/csv"),
    ("text/*;q=0.8, application/sparql-results+json;q=0.1", "text/csv"),
    ("application/sparql-results+json;q=0, */*;q=0.5", "application/sparql-results+xml"),
    ("text/turtle, */*;q=0.1", "application/sparql-results+json"),
]
CONSTRUCT_ACCEPT = [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/sparql-results+json, application/rdf+xml;q=0.5", "application/rdf+xml"),
    ("application/ld+json;q=0.2, text/turtle;q=0.4", "text/turtle"),
]


@pytest.mark.parametrize(("accept", "expected"), SELECT_ACCEPT)
def test_accept_for_select(server, accept, expected):
    headers = {"Accept": accept} if accept is not None else {}
    response = httpx.get(server.sparql, params={"query": REGIONS}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(("accept", "expected"), CONSTRUCT_ACCEPT)
def test_accept_for_construct(server, accept, expected):
    headers = {"Accept": accept} if accept is not None else {}
    response = httpx.get(server.sparql, params={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    fmt = {
        "text/turtle": "turtle",
        "application/n-triples": "nt",
        "application/ld+json": "json-ld",
        "application/rdf+xml": "xml",
    }[expected]
    assert len(rdflib.Graph().parse(data=response.text, format=fmt)) == len(REGION_NAMES)


def test_three_ways_to_send_a_query_agree(server):
    get = httpx.get(server.sparql, params={"query": REGIONS})
    form = httpx.post(server.sparql, data={"query": REGIONS})
    direct = httpx.post(
        server.sparql, content=REGIONS.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert get.status_code == form.status_code == direct.status_code == 200
    assert get.json() == form.json() == direct.json()


def test_default_and_named_graph_uri_choose_the_dataset(server):
    systems = "https://w3id.org/rsikg/graph/graph_data/systems.ttl"
    count = PREFIXES + "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a rsi:Region }"
    response = httpx.get(server.sparql, params={"query": count, "default-graph-uri": systems})
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"  # regions live elsewhere
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = httpx.get(server.sparql, params={"query": named, "named-graph-uri": systems})
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [systems]


def test_from_a_graph_of_the_store_is_answered(server):
    """FROM names the query's own dataset: organisations.ttl holds 2007's five regions, not the
    union's six (Region Østdanmark is in reform-2027.ttl)."""
    organisations = "https://w3id.org/rsikg/graph/graph_data/organisations.ttl"
    query = PREFIXES + f"SELECT (COUNT(DISTINCT ?r) AS ?n) FROM <{organisations}> WHERE {{ ?r a rsi:Region }}"
    response = httpx.get(server.sparql, params={"query": query})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "5"


def test_service_description(server):
    response = httpx.get(server.sparql, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(server.sparql)
    assert (endpoint, rdflib.RDF.type, sd.Service) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Update) in graph  # this server has a token
    names = {str(o) for o in graph.objects(None, sd.name)}
    assert "https://w3id.org/rsikg/graph/graph_data/systems.ttl" in names


def test_syntax_error_is_400_with_line_and_column(server):
    response = httpx.get(server.sparql, params={"query": "SELECT *\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    body = response.json()
    assert body["location"]["line"] == 2 and "column" in body["location"]
    assert "syntax" in body["detail"].lower()


def test_update_sent_as_query_is_400(server):
    response = httpx.get(server.sparql, params={"query": "INSERT DATA { <a:a> <a:b> <a:c> }"})
    assert response.status_code == 400
    assert "application/sparql-update" in response.json()["detail"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(server, method):
    response = httpx.request(method, server.sparql, params={"query": REGIONS})
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]


def test_update_by_get_is_405(server):
    response = httpx.get(server.sparql, params={"update": "CLEAR ALL"})
    assert response.status_code == 405


def test_unacceptable_format_is_406(server):
    response = httpx.get(server.sparql, params={"query": REGIONS}, headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_unknown_body_type_is_415(server):
    response = httpx.post(server.sparql, content=REGIONS, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/sparql-query" in response.json()["detail"]


def test_body_over_the_limit_is_413(server):
    padding = "#" + "x" * 70000 + "\n"  # the module's server takes 64 KiB at most
    response = httpx.post(
        server.sparql,
        content=(padding + REGIONS).encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 413


def test_cors_on_answers_and_preflight(server):
    response = httpx.get(
        server.sparql, params={"query": REGIONS}, headers={"Origin": "https://yasgui.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        server.sparql,
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200  # answered by Starlette's CORS middleware
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "Content-Type" in preflight.headers["access-control-allow-headers"]


def test_errors_are_json_with_cors(server):
    response = httpx.get(
        server.sparql, params={"query": "SELEC"}, headers={"Origin": "https://yasgui.example"}
    )
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert json.loads(response.text)["detail"]


def test_openapi_documents_sparql(server):
    document = httpx.get(f"{server.url}/openapi.json").json()
    assert {"get", "post"} <= set(document["paths"]["/sparql"])
    assert "/store" in document["paths"]


def test_openapi_operation_ids_are_unique(server):
    document = httpx.get(f"{server.url}/openapi.json").json()
    ids = [
        op["operationId"]
        for path in document["paths"].values()
        for op in path.values()
        if "operationId" in op
    ]
    assert len(ids) == len(set(ids))


# -- the usual prefixes, predeclared (issue 16) -----------------------------------------------------

BARE_REGIONS = REGIONS.removeprefix(PREFIXES)  # rsi: and skos: undeclared


def _local_error(query: str) -> tuple[int, int]:
    """Where Oxigraph's own parser, given the predeclared prefixes, stops in ``query``."""
    import pyoxigraph
    from rsikg.core.namespaces import PREDECLARED_NAMESPACES

    with pytest.raises(SyntaxError) as parsed:
        pyoxigraph.Store().query(query, prefixes=PREDECLARED_NAMESPACES)
    line, column = str(parsed.value).removeprefix("error at ").split(":")[:2]
    return int(line), int(column)


def test_the_usual_prefixes_are_predeclared_on_every_way_to_send_a_query(server):
    assert "PREFIX" not in BARE_REGIONS
    declared = httpx.get(server.sparql, params={"query": REGIONS}).json()
    get = httpx.get(server.sparql, params={"query": BARE_REGIONS})
    form = httpx.post(server.sparql, data={"query": BARE_REGIONS})
    direct = httpx.post(
        server.sparql, content=BARE_REGIONS.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert get.status_code == form.status_code == direct.status_code == 200, get.text
    assert get.json() == form.json() == direct.json() == declared
    result = wrapper(server, BARE_REGIONS, JSON).queryAndConvert()  # a client library, too
    assert [b["label"]["value"] for b in result["results"]["bindings"]] == REGION_NAMES
    anchored = httpx.get(server.sparql, params={"query": "SELECT ?r { ?r a rsi:Region }"})  # issue 16's
    assert len(anchored.json()["results"]["bindings"]) == len(REGION_NAMES)  # (answered inline)
    dct = "SELECT (COUNT(*) AS ?n) WHERE { ?s dct:source ?source }"
    count = httpx.get(server.sparql, params={"query": dct}).json()["results"]["bindings"][0]["n"]["value"]
    assert int(count) > 0


def test_a_query_that_declares_a_predeclared_name_gets_its_own_namespace(server):
    def count(query: str) -> int:
        response = httpx.get(server.sparql, params={"query": query})
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    concepts = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a rsi:Concept }"
    assert count(concepts) == 0  # rsi: predeclared: the ontology has no rsi:Concept
    rebound = count("PREFIX rsi: <http://www.w3.org/2004/02/skos/core#> " + concepts)
    assert rebound > 0 and rebound == count(concepts.replace("rsi:", "skos:"))


def test_a_base_before_the_querys_own_prologue_still_resolves(server):
    query = (
        "BASE <https://w3id.org/rsikg/> PREFIX o: <ontology#> SELECT ?label WHERE "
        "{ ?r a o:Region ; skos:prefLabel ?label FILTER(lang(?label) = 'da') } ORDER BY ?label"
    )
    response = httpx.get(server.sparql, params={"query": query})
    assert response.status_code == 200, response.text
    assert [b["label"]["value"] for b in response.json()["results"]["bindings"]] == REGION_NAMES


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?r { ?r a foo:Region }",
        "SELECT ?r\nWHERE {\n  ?r a rsi:Region , foo:Region }",
        # after a prologue of its own: over a remote store, the predeclared ones are declared there
        "PREFIX o: <urn:o#> SELECT ?r WHERE { ?r a o:Region ; skos:prefLabel ?l FILTER(?l = foo:x) }",
    ],
)
def test_an_undeclared_prefix_is_a_one_line_400_naming_it_where_it_stands(server, query):
    response = httpx.post(server.sparql, data={"query": query})
    assert response.status_code == 400
    body = response.json()
    last = query.rpartition("\n")[2]
    expected = {"line": query.count("\n") + 1, "column": last.index("foo:") + 1}
    assert {k: body["location"][k] for k in ("line", "column")} == expected
    assert "\n" not in body["detail"] and "\\u{" not in body["detail"]
    assert "prefix foo: is not declared (declared here: rsi, id, rsish, org, skos, dct, " in body["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?r WHERE { ?r a rsi:Region . ?r ?p }",
        "PREFIX o: <urn:o#> SELECT ?r WHERE { ?r a rsi:Region . ?r ?p }",
        "SELECT ?r WHERE {\n  ?r a rsi:Region .\n  ?r ?p }",
    ],
)
def test_a_syntax_error_in_a_query_using_a_predeclared_prefix_stands_where_the_client_wrote_it(server, query):
    response = httpx.get(server.sparql, params={"query": query})
    assert response.status_code == 400
    location = response.json()["location"]
    assert (location["line"], location["column"]) == _local_error(query)


def test_the_service_description_lists_the_predeclared_prefixes(server):
    from rsikg.core.namespaces import PREDECLARED

    response = httpx.get(server.sparql, headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sh = rdflib.SH
    declared = {
        str(graph.value(node, sh.prefix)): graph.value(node, sh.namespace)
        for node in graph.objects(rdflib.URIRef(server.sparql), sh.declare)
    }
    assert declared == {
        prefix: rdflib.Literal(namespace, datatype=rdflib.XSD.anyURI) for prefix, namespace in PREDECLARED
    }
    assert {"rsi", "org", "skos", "dct", "prov", "time", "rdfs", "owl", "xsd", "sh", "sector"} <= set(
        declared
    )


def test_an_update_may_use_the_usual_prefixes_too(make_server):
    from tests.web.conftest import TOKEN

    server = make_server()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    insert = "INSERT DATA { GRAPH <urn:rsikg:test:prefixes> { <urn:rsikg:test:x> rdfs:seeAlso sector:x } }"
    done = httpx.post(server.sparql, data={"update": insert}, headers=auth)
    assert done.status_code == 204, done.text
    ask = (
        "ASK { <urn:rsikg:test:x> <http://www.w3.org/2000/01/rdf-schema#seeAlso> "
        "<https://w3id.org/rsikg/id/vocab/sectors/x> }"
    )
    assert httpx.get(server.sparql, params={"query": ask}).json()["boolean"] is True
    refused = httpx.post(
        server.sparql, data={"update": "INSERT DATA {\n  <urn:a> <urn:b> foo:c }"}, headers=auth
    )
    assert refused.status_code == 400
    body = refused.json()
    assert (body["location"]["line"], body["location"]["column"]) == (2, 19)
    assert "\n" not in body["detail"] and "prefix foo: is not declared" in body["detail"]
