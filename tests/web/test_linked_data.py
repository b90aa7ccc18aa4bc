"""Linked Data, against a real ``rsikg serve`` on loopback: every data IRI answers at
``/id/{path}`` with a page for a browser and its description for a machine, the ontology at
``/ontology``, the front page at ``/``; unknown IRIs get a 404 with suggestions; the w3id
redirect rules lead to routes that answer; /docs needs nothing from another host."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.conftest import ROOT

OVER_ENGINES = True  # the embedded store, and each engine as a remote store (tests/web/conftest.py)

ID = "https://w3id.org/rsikg/id/"
FMK = rdflib.URIRef(f"{ID}system/fmk")
RSI = rdflib.Namespace("https://w3id.org/rsikg/ontology#")
SKOS = rdflib.SKOS
HTACCESS = ROOT / "docs" / "w3id" / "rsikg" / ".htaccess"
PLACEHOLDER = "https://rsikg.example.org"


class Page(HTMLParser):
    """What a test reads of a page: its links, its element ids, its text, the <html lang>,
    the first <h1>, and every URL it makes the browser fetch (scripts, styles, images)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.fetched: list[str] = []
        self.lang: str | None = None
        self.h1 = ""
        self._in_h1 = False
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "html":
            self.lang = found.get("lang")
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag in ("script", "img") and found.get("src"):
            self.fetched.append(str(found["src"]))
        if tag == "link" and found.get("href") and found.get("rel") in ("stylesheet", "icon"):
            self.fetched.append(str(found["href"]))
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_h1:
            self.h1 += data


def get(server, path: str, accept: str | None = None, **headers: str) -> httpx.Response:
    sent = {"Accept": accept} if accept else {}
    sent.update({k.replace("_", "-"): v for k, v in headers.items()})
    return httpx.get(f"{server.url}{path}", headers=sent, timeout=60)


def page(server, path: str, **headers: str) -> Page:
    response = get(server, path, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", **headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


# -- machines: the description of a data IRI -------------------------------------------------------


def test_a_data_iri_in_turtle_is_its_concise_bounded_description(server):
    response = get(server, "/id/system/fmk", "text/turtle")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    assert "Accept" in response.headers["vary"]
    assert response.headers["link"] == f'<{server.url}/id/system/fmk>; rel="describedby"'
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert (FMK, SKOS.prefLabel, rdflib.Literal("Fælles Medicinkort (FMK)", lang="da")) in graph
    assert (FMK, RSI.dependsOn, rdflib.URIRef(f"{ID}system/nsp")) in graph
    assert set(graph.objects(FMK, rdflib.DCTERMS.source)), "every fact has its source"
    assert set(graph.subjects()) == {FMK}  # its own statements: no blank nodes hang off FMK


@pytest.mark.parametrize(
    ("accept", "parser"),
    [("application/n-triples", "nt"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_every_rdf_format_says_the_same_as_turtle(server, accept, parser):
    turtle = rdflib.Graph().parse(data=get(server, "/id/system/fmk", "text/turtle").text, format="turtle")
    response = get(server, "/id/system/fmk", accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    assert isomorphic(rdflib.Graph().parse(data=response.text, format=parser), turtle)


def test_format_parameter_overrides_accept(server):
    response = get(server, "/id/system/fmk?format=ntriples", "text/html")
    assert response.headers["content-type"].startswith("application/n-triples")
    assert f"<{FMK}>" in response.text


def test_an_unknown_iri_for_a_machine_is_a_404_that_suggests_the_closest(server):
    response = get(server, "/id/system/fmkk", "text/turtle")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert f"{ID}system/fmkk" in detail
    assert "/id/system/fmk" in detail  # the closest name, suggested


@pytest.mark.parametrize(
    ("path", "accept", "status"),
    [
        ("/id/system/fmk?format=png", None, 400),
        ("/id/system/fmk?lang=fr", "text/html", 400),
        ("/id/system/fmk", "image/png", 406),
        ("/ontology?format=png", None, 400),
    ],
)
def test_a_format_or_language_rsikg_does_not_have_is_a_4xx_saying_so(server, path, accept, status):
    response = get(server, path, accept)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert "format" in detail or "lang" in detail or "Accept" in detail, detail


def test_head_answers_as_get_without_a_body(server):
    response = httpx.head(f"{server.url}/id/system/fmk", headers={"Accept": "text/turtle"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert response.content == b""


# -- people: the pages ---------------------------------------------------------------------------


def test_a_browser_gets_the_page_in_danish_by_default_and_in_english_when_asked(server):
    danish = page(server, "/id/system/fmk")
    assert danish.lang == "da"
    assert danish.h1 == "Fælles Medicinkort (FMK)"
    english = page(server, "/id/system/fmk?lang=en")
    assert english.lang == "en"
    assert english.h1 == "Shared Medication Record (FMK)"
    by_header = page(server, "/id/system/fmk", Accept_Language="en-GB,en;q=0.9")
    assert by_header.h1 == "Shared Medication Record (FMK)"


def test_a_page_links_what_it_names_to_their_pages_and_keeps_the_language(server):
    english = page(server, "/id/system/fmk?lang=en")
    assert "/id/system/nsp?lang=en" in english.links  # dependsOn
    assert "/id/system/sundhedsjournalen?lang=en" in english.links  # what points here
    nsp = page(server, "/id/system/nsp?lang=en")
    assert "NSP" in nsp.h1
    switch = [link for link in english.links if "lang=da" in link]
    assert switch and page(server, switch[0]).lang == "da"


def test_every_link_from_a_page_to_the_ontology_lands_on_a_section_of_it(server):
    ontology = page(server, "/ontology?lang=en")
    for path in ("/id/system/fmk?lang=en", "/id/region/region-hovedstaden?lang=en"):
        links = page(server, path).links
        anchors = {urlsplit(link).fragment for link in links if link.startswith("/ontology") and "#" in link}
        assert anchors, path
        assert anchors <= ontology.ids, anchors - ontology.ids


def test_a_page_shows_its_sources(server):
    shown = " ".join(page(server, "/id/system/fmk?lang=en").text)
    assert "Sources" in shown
    assert "Source S18" in shown


def test_an_unknown_iri_for_a_browser_is_a_404_page_with_links_to_the_closest(server):
    response = get(server, "/id/system/fmkk", "text/html")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    found = Page(response.text)
    assert "/id/system/fmk" in found.links
    assert page(server, "/id/system/fmk").h1  # and the suggestion is a page


def test_a_path_with_markup_is_shown_as_text_not_run(server):
    response = get(server, "/id/system/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "text/html")
    assert response.status_code == 404
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_the_front_page_lists_the_graph_by_kind_and_every_link_answers(server):
    home = page(server, "/?lang=en")
    resources = sorted({link for link in home.links if link.startswith("/id/")})
    assert "/id/system/fmk?lang=en" in resources
    assert "/id/region/region-hovedstaden?lang=en" in resources
    for link in resources[:: max(1, len(resources) // 15)]:  # a spread of them, every kind's
        assert get(server, link, "text/html").status_code == 200, link


def test_the_ontology_as_rdf_holds_its_classes_and_properties(server):
    response = get(server, "/ontology", "text/turtle")
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert (RSI.ITSystem, rdflib.RDF.type, rdflib.OWL.Class) in graph
    assert (RSI.dependsOn, rdflib.RDF.type, rdflib.OWL.ObjectProperty) in graph
    assert (rdflib.URIRef(str(RSI).rstrip("#")), rdflib.RDF.type, rdflib.OWL.Ontology) in graph


def test_pages_and_api_docs_need_nothing_from_another_host(server):
    for path in ("/", "/id/system/fmk", "/ontology", "/docs", "/redoc"):
        response = get(server, path, "text/html")
        assert response.status_code == 200, path
        scripts = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', response.text)
        fetched = Page(response.text).fetched + scripts
        assert fetched, path
        for url in fetched:
            absolute = urljoin(f"{server.url}{path}", url)
            assert absolute.startswith(server.url), f"{path} fetches {url}"
            assert httpx.get(absolute, timeout=60).status_code == 200, url


# -- the w3id redirects --------------------------------------------------------------------------


def _rules(path: Path) -> list[tuple[re.Pattern[str], str]]:
    rules = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "RewriteRule":
            rules.append((re.compile(parts[1]), parts[2]))
    return rules


def _redirected(rules: list[tuple[re.Pattern[str], str]], path: str) -> str | None:
    """Where w3id.org sends ``https://w3id.org/rsikg/{path}``, as Apache would: the first rule
    that matches, its $n filled in."""
    for pattern, target in rules:
        found = pattern.search(path)
        if found is not None:
            groups = found.groups()
            return re.sub(r"\$(\d)", lambda m: groups[int(m.group(1)) - 1], target)  # noqa: B023
    return None


@pytest.mark.parametrize(
    ("iri_path", "accept"),
    [
        ("id/system/fmk", "text/turtle"),
        ("id/system/fmk", "text/html"),
        ("ontology", "text/turtle"),
        ("ontology/0.1.0", "text/html"),
        ("graph/graph_data/systems.ttl", "text/turtle"),
        ("context.jsonld", "application/ld+json"),
        ("", "text/html"),
    ],
)
def test_every_w3id_rule_leads_to_a_route_that_answers(server, iri_path, accept):
    target = _redirected(_rules(HTACCESS), iri_path)
    assert target is not None and target.startswith(PLACEHOLDER), iri_path
    response = get(server, target.removeprefix(PLACEHOLDER) or "/", accept)
    assert response.status_code == 200, (target, response.text[:300])
    assert response.headers["content-type"].startswith(accept)


def test_an_iri_outside_the_rules_is_not_redirected():
    assert _redirected(_rules(HTACCESS), "nothing/here") is None


# -- the named queries as pages ------------------------------------------------------------------


def test_the_query_gallery_is_a_page_for_a_browser_and_json_for_a_tool(server):
    gallery = page(server, "/queries?lang=en")
    forms = [link for link in gallery.links if link.startswith("/queries/")]
    assert "/queries/list_systems_used_by_region?lang=en" in forms
    listed = httpx.get(f"{server.url}/queries", timeout=60)  # Accept: */*
    assert listed.headers["content-type"].startswith("application/json")
    assert {q["name"] for q in listed.json()} == {
        link.split("?")[0].removeprefix("/queries/") for link in forms
    }


def test_a_named_query_page_runs_it_and_links_each_result_to_its_page(server):
    shown = page(server, "/queries/list_systems_used_by_region?lang=en&region=region/region-hovedstaden")
    systems = [link for link in shown.links if link.startswith("/id/system/")]
    assert systems, "the results link to the systems' pages"
    # the same rows as the query gives a tool
    rows = httpx.get(
        f"{server.url}/queries/list_systems_used_by_region",
        params={"region": "region/region-hovedstaden"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    ).json()["results"]["bindings"]
    expected = {row["system"]["value"].removeprefix(ID) for row in rows}
    assert {link.split("?")[0].removeprefix("/id/") for link in systems} == expected
    assert page(server, systems[0]).h1


def test_a_named_query_page_says_what_is_wrong_with_a_parameter(server):
    response = get(server, "/queries/list_systems_used_by_region?region=%3Cbad%3E&lang=en", "text/html")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in response.text and "region" in response.text
