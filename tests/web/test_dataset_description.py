"""The dataset's description at ``/.well-known/void`` (VoID and DCAT), its dumps and the
ontology's JSON-LD context, against a real ``rsikg serve`` (issue 16, item 4).

The description is validated with the DCAT-AP 3.0.0 SHACL shapes (tests/standards/dcat-ap-3.0.0/,
the profile's own), and its counts are compared with what ``rsikg stats`` prints for the same
store while the server holds it.
"""

from __future__ import annotations

import json
import re
import subprocess

import httpx
import pyshacl
import pytest
import rdflib
import rdflib.compare
from rdflib.namespace import RDF

from tests.conftest import ROOT, _rsikg_command
from tests.web.conftest import TOKEN

DCAT_AP = ROOT / "tests" / "standards" / "dcat-ap-3.0.0" / "dcat-ap-SHACL.ttl"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
# plain namespaces: pytest's collection probes rdflib's closed ones for attributes they lack
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


@pytest.fixture(scope="module")
def described(server) -> rdflib.Graph:
    answer = httpx.get(f"{server.url}/.well-known/void", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=answer.text, format="turtle")


def _dataset(graph: rdflib.Graph) -> rdflib.term.Node:
    (dataset,) = graph.subjects(RDF.type, DCAT.Dataset)
    return dataset


def _conforms(graph: rdflib.Graph) -> tuple[bool, str]:
    shapes = rdflib.Graph().parse(DCAT_AP)
    conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    return bool(conforms), str(text)


def test_the_description_conforms_to_dcat_ap(described):
    for cls in (DCAT.Catalog, DCAT.Dataset, DCAT.Distribution, DCAT.DataService):
        assert (None, RDF.type, cls) in described, f"no {cls}: the shapes would have nothing to check"
    conforms, text = _conforms(described)
    assert conforms, text


def test_the_dcat_ap_check_fails_on_a_description_without_what_the_profile_requires(described):
    broken = rdflib.Graph()
    for triple in described:
        broken.add(triple)
    broken.remove((_dataset(described), DCTERMS.description, None))
    broken.remove((None, DCTERMS.title, None))
    conforms, text = _conforms(broken)
    assert not conforms
    assert "title" in text and "description" in text


def _stats(server) -> tuple[int, dict[str, int]]:
    """``rsikg stats`` of the server's store, read while the server holds it: the total and
    the triples of each named graph (by the IRI its table shortens)."""
    printed = subprocess.run(
        [*_rsikg_command(), "stats", "--store", str(server.log.parent / "store")],
        capture_output=True,
        text=True,
        env={"RSIKG_PROJECT_DIR": str(ROOT), "COLUMNS": "300", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=True,
    ).stdout
    total = int(re.match(r"(\d+) triples in \d+ graphs", printed).group(1))
    rows = dict(re.findall(r"│ (\S+)\s+│ (\d+)\s+│", printed))
    return total, {graph: int(n) for graph, n in rows.items()}


def test_the_counts_are_those_rsikg_stats_prints_for_the_store(server, described):
    total, by_graph = _stats(server)
    dataset = _dataset(described)
    assert described.value(dataset, VOID.triples).toPython() == total
    subsets = {
        str(subset).removeprefix("https://w3id.org/rsikg/graph/"): described.value(
            subset, VOID.triples
        ).toPython()
        for subset in described.objects(dataset, VOID.subset)
    }
    assert {g: n for g, n in subsets.items() if g in by_graph} == {
        g: n for g, n in by_graph.items() if g in subsets
    }
    assert sum(subsets.values()) == total
    assert len(subsets) >= 20
    for count in (VOID.classes, VOID.properties, VOID.entities):
        assert described.value(dataset, count).toPython() > 10
    licence = described.value(dataset, DCTERMS.license)
    assert str(licence) == "https://creativecommons.org/licenses/by/4.0/"  # the ontology's own
    assert str(described.value(dataset, DCTERMS.publisher)) == "https://w3id.org/rsikg/"  # the ontology's


def test_the_dumps_hold_every_triple_and_the_endpoint_answers(server, described):
    dataset = _dataset(described)
    total = described.value(dataset, VOID.triples).toPython()
    dumps = sorted(str(d) for d in described.objects(dataset, VOID.dataDump))
    assert [d.rsplit("/", 1)[1] for d in dumps] == ["dump.nq", "dump.trig"]
    for dump, fmt in zip(dumps, ("nquads", "trig"), strict=True):
        answer = httpx.get(dump.replace("http://127.0.0.1:8000", server.url))  # no Accept: a plain download
        assert answer.status_code == 200, answer.text
        quads = rdflib.Dataset().parse(data=answer.content, format=fmt)
        assert sum(1 for _ in quads.quads((None, None, None, None))) == total
    endpoint = str(described.value(dataset, VOID.sparqlEndpoint)).replace("http://127.0.0.1:8000", server.url)
    asked = httpx.get(
        endpoint, params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert asked.json()["boolean"] is True


def test_a_write_shows_in_the_next_description(make_server):
    running = make_server()
    before = rdflib.Graph().parse(data=httpx.get(f"{running.url}/.well-known/void").text, format="turtle")
    put = httpx.put(
        f"{running.url}/store",
        params={"graph": "urn:x-test:void"},
        content=b"<urn:x-test:a> <urn:x-test:b> <urn:x-test:c> , <urn:x-test:d> .",
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )
    assert put.status_code in (201, 204), put.text
    after = rdflib.Graph().parse(data=httpx.get(f"{running.url}/.well-known/void").text, format="turtle")
    triples = [g.value(_dataset(g), VOID.triples).toPython() for g in (before, after)]
    assert triples[1] == triples[0] + 2
    assert (rdflib.URIRef("urn:x-test:void"), VOID.triples, rdflib.Literal(2)) in after


def test_the_context_is_served_and_json_ld_answers_name_it(server):
    context = httpx.get(f"{server.url}/context.jsonld")
    assert context.status_code == 200
    assert context.headers["content-type"].startswith("application/ld+json")
    terms = context.json()["@context"]
    assert terms["rsi"] == "https://w3id.org/rsikg/ontology#"
    assert terms["dependsOn"] == {"@id": "https://w3id.org/rsikg/ontology#dependsOn", "@type": "@id"}

    page = f"{server.url}/id/system/fmk"
    as_json_ld = httpx.get(page, headers={"Accept": "application/ld+json"})
    document = as_json_ld.json()
    assert document["@context"] == f"{server.url}/context.jsonld"
    # a JSON-LD processor (rdflib's) fetches the context and reads the same triples as the Turtle
    read = rdflib.Graph().parse(data=json.dumps(document), format="json-ld", base=page)
    turtle = rdflib.Graph().parse(
        data=httpx.get(page, headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    assert len(read) == len(turtle) > 5
    assert rdflib.compare.isomorphic(read, turtle)


def test_the_service_description_counts_the_triples_and_points_to_the_description(server, described):
    answer = httpx.get(f"{server.url}/sparql", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    sd = rdflib.Graph().parse(data=answer.text, format="turtle")
    (dataset,) = sd.subjects(RDF.type, VOID.Dataset)
    assert (dataset, RDF.type, SD.Dataset) in sd
    assert sd.value(dataset, VOID.triples) == described.value(_dataset(described), VOID.triples)
    assert str(sd.value(dataset, rdflib.RDFS.seeAlso)) == f"{server.url}/.well-known/void"
