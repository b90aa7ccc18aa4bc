"""The sourced graph data: every fact has a source, and what the seeds describe is there."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF

from api.core.namespaces import RSI
from tests.conftest import ROOT

DATA_FILES = sorted((ROOT / "graph_data").glob("*.ttl"))
EXAMPLE_FILES = sorted((ROOT / "graph_data" / "examples").rglob("*.ttl"))
ID = "https://w3id.org/rsikg/id/"


@pytest.fixture(scope="module")
def sources() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "graph_data" / "sources.ttl")


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_every_subject_has_a_source(path: Path, sources: rdflib.Graph):
    graph = rdflib.Graph().parse(path)
    cited = set(graph.objects(None, DCTERMS.source))
    unsourced = []
    for subject in set(graph.subjects()):
        if isinstance(subject, rdflib.BNode):
            # a blank node is part of the description of the resource that points to it
            assert any(graph.subjects(None, subject)), f"{path.name}: orphan blank node"
            continue
        if (subject, DCTERMS.source, None) not in graph and (
            subject,
            RDF.type,
            RSI.SourceDocument,
        ) not in graph:
            unsourced.append(str(subject))
    assert unsourced == [], f"{path.name}: subjects without dct:source: {unsourced}"
    not_documents = [str(s) for s in cited if (s, RDF.type, RSI.SourceDocument) not in sources]
    assert not_documents == [], f"{path.name}: dct:source not described in sources.ttl"


def test_examples_say_they_are_illustrative():
    assert EXAMPLE_FILES, "graph_data/examples/ holds the illustrative records"
    for path in EXAMPLE_FILES:
        graph = rdflib.Graph().parse(path)
        records = set(graph.subjects(RDF.type, RSI.ArchitectureDecision)) | set(
            graph.subjects(RDF.type, RSI.ComplianceStatement)
        )
        for record in records:
            assert (record, RSI.illustrative, rdflib.Literal(True)) in graph, record
            assert (record, DCTERMS.source, rdflib.URIRef(ID + "source/illustrative-examples")) in graph, (
                record
            )


def test_no_decision_or_compliance_statement_outside_examples():
    for path in DATA_FILES:
        graph = rdflib.Graph().parse(path)
        assert not set(graph.subjects(RDF.type, RSI.ArchitectureDecision)), path.name
        assert not set(graph.subjects(RDF.type, RSI.ComplianceStatement)), path.name


ORGANISATIONS = {
    # the five regions
    "region/region-hovedstaden": "FormalOrganization",
    "region/region-sjaelland": "FormalOrganization",
    "region/region-syddanmark": "FormalOrganization",
    "region/region-midtjylland": "FormalOrganization",
    "region/region-nordjylland": "FormalOrganization",
    "org/danske-regioner": "FormalOrganization",
    "org/cimt": "OrganizationalUnit",
    "org/rsi": "OrganizationalCollaboration",
    # RSI's three fora, RITA, the national council, and the 2010 structure
    "forum/rsi-direktoerkredsen": "OrganizationalUnit",
    "forum/digitaliseringskredsen": "OrganizationalUnit",
    "forum/styregruppen-for-systemforvaltning": "OrganizationalUnit",
    "forum/rita": "OrganizationalUnit",
    "forum/nationalt-it-arkitekturraad": "OrganizationalUnit",
    "forum/rsi-styregruppe-2010": "OrganizationalUnit",
    "forum/regionsdirektoerkredsen": "OrganizationalUnit",
}


def ask(store, query: str) -> bool:
    prefixes = """PREFIX org: <http://www.w3.org/ns/org#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX rsi: <https://w3id.org/rsikg/ontology#>
    PREFIX dct: <http://purl.org/dc/terms/>
    """
    result = store.query(prefixes + query)
    assert isinstance(result, bool)
    return result


def labelled(store, iri: str) -> bool:
    return ask(
        store,
        f"""ASK {{ <{iri}> skos:prefLabel ?da , ?en .
        FILTER(lang(?da) = "da" && lang(?en) = "en") }}""",
    )


@pytest.mark.parametrize(("slug", "org_class"), ORGANISATIONS.items())
def test_organisation_is_labelled_and_an_org_class(project_store, slug, org_class):
    iri = ID + slug
    assert labelled(project_store, iri)
    assert ask(project_store, f"ASK {{ <{iri}> a/rdfs:subClassOf* org:{org_class} }}")
    assert ask(project_store, f"ASK {{ <{iri}> a/rdfs:subClassOf* org:Organization }}")


SYSTEMS_AND_PROJECTS = [
    # 002: completed (sundhedsjournal, PPJ, telemedicine solutions), jointly operated
    "system/sundhedsjournalen",
    "system/ppj",
    "system/telemedicinloesninger",
    # 002: current projects, and the cooperation outside RSI
    "project/telemedicin-til-kol",
    "project/faelles-system-praksissektoren",
    "project/faelles-system-hospitalsapoteker",
    "project/sundhedsplatformen-samarbejde",
    "system/sundhedsplatformen",
    "project/sammenhaengende-patientbehandling",
    "project/faellesoffentlig-telemedicinsk-infrastruktur",
    "project/gennemfoerte-faellesregionale-projekter",
    "project/aktuelle-faellesregionale-projekter",
    # 000: the proposal before the negotiations
    "project/epj-review-2010",
]


@pytest.mark.parametrize("slug", SYSTEMS_AND_PROJECTS)
def test_seed_systems_and_projects_are_there(project_store, slug):
    iri = ID + slug
    assert labelled(project_store, iri)
    assert ask(
        project_store,
        f"""ASK {{ <{iri}> a/rdfs:subClassOf* ?c .
        VALUES ?c {{ rsi:ITSystem rsi:Project }} }}""",
    )


def test_four_sectors_four_focus_areas_three_principles(project_store):
    for scheme, cls, n in (("sectors", "rsi:Sector", 4), ("focus-areas", "skos:Concept", 4)):
        result = project_store.query(f"""
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            PREFIX rsi: <https://w3id.org/rsikg/ontology#>
            SELECT ?c WHERE {{ ?c a {cls} ; skos:inScheme <{ID}vocab/{scheme}> ;
                skos:prefLabel ?da , ?en FILTER(lang(?da) = "da" && lang(?en) = "en") }}""")
        assert len({row[0] for row in result.rows}) == n, scheme
    principles = project_store.query(
        "SELECT DISTINCT ?p WHERE { ?p a <https://w3id.org/rsikg/ontology#ArchitecturePrinciple> }"
    )
    assert len(principles.rows) == 3
    for (principle,) in principles.rows:
        assert labelled(project_store, str(principle))
        assert ask(
            project_store,
            f"""ASK {{ <{principle}> dct:source
            <{ID}source/e-sundhed-2010-slides> }}""",
        )


def test_sources_include_both_seeds_labelled(project_store):
    for seed in ("source/e-sundhed-2010-slides", "source/cimt-rsi-page"):
        assert labelled(project_store, ID + seed)
        assert ask(project_store, f"ASK {{ <{ID + seed}> a rsi:SourceDocument }}")
    documents = project_store.query(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <https://w3id.org/rsikg/ontology#SourceDocument> }"
    )
    assert int(documents.rows[0][0]) > 2


def test_2010_governance_is_dated_2010(project_store):
    """What held in 2010 is dated 2010: the steering group, its chair and its reporting line."""
    period = f"<{ID}time/2010>"
    group = f"<{ID}forum/rsi-styregruppe-2010>"
    assert ask(project_store, f"ASK {{ {group} rsi:attestedDuring {period} }}")
    assert ask(
        project_store,
        f"""ASK {{ {group} rsi:reportsTo <{ID}forum/regionsdirektoerkredsen> ;
        rsi:chairedBy/org:heldBy <{ID}person/jens-andersen> }}""",
    )
    # its ten seats, two per region, each dated 2010
    seats = project_store.query(f"""PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?m WHERE {{ ?m org:organization {group} ; org:memberDuring {period} }}""")
    assert len(seats.rows) == 10


def test_todays_fora_have_two_seats_per_region(project_store):
    for forum in ("rsi-direktoerkredsen", "digitaliseringskredsen"):
        result = project_store.query(f"""PREFIX org: <http://www.w3.org/ns/org#>
            SELECT ?region (COUNT(?m) AS ?n) WHERE {{
              ?m org:organization <{ID}forum/{forum}> ; org:member ?region }}
            GROUP BY ?region""")
        assert sorted(int(row[1]) for row in result.rows) == [2] * 5, forum


def test_reduction_to_four_regions_is_only_what_the_source_says(project_store):
    result = project_store.query("""PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX rsi: <https://w3id.org/rsikg/ontology#>
        SELECT ?e ?date ?src WHERE { ?e a org:ChangeEvent ; rsi:startDate ?date ;
          dct:source ?src }""")
    assert [(str(r[1]), str(r[2])) for r in result.rows] == [
        ("2027-01-01", "https://en.wikipedia.org/wiki/Regions_of_Denmark")
    ]
    # which regions merge is not stated, so no region is said to end
    assert not ask(project_store, "ASK { ?r a rsi:Region ; rsi:endDate ?d }")
