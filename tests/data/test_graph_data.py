"""The sourced graph data: every fact has a source, and what the seeds describe is there."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF

from api.core.namespaces import RSI
from api.core.sparql_terms import values
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
    # the five regions, and from 2027 Region Østdanmark
    "region/region-oestdanmark": "FormalOrganization",
    "org/digital-sundhed-danmark": "FormalOrganization",
    "org/sundhed-dk": "FormalOrganization",
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


SEATS_ON = """PREFIX org: <http://www.w3.org/ns/org#>
    PREFIX rsi: <https://w3id.org/rsikg/ontology#>
    SELECT ?region (COUNT(?m) AS ?n) WHERE {
      %s
      ?m org:organization ?forum ; org:member ?region .
      OPTIONAL { ?m rsi:startDate ?start } OPTIONAL { ?m rsi:endDate ?end }
      FILTER(!BOUND(?start) || STR(?start) <= SUBSTR(STR(?D), 1, STRLEN(STR(?start))))
      FILTER(!BOUND(?end) || STR(?end) >= SUBSTR(STR(?D), 1, STRLEN(STR(?end))))
    } GROUP BY ?region"""


@pytest.mark.parametrize(("day", "regions"), [("2026-12-31", 5), ("2027-01-01", 4)])
def test_todays_fora_have_two_seats_per_region_on_either_side_of_the_reform(project_store, day, regions):
    """Two seats per region (S1) before the merger and, derived by § 126, after it."""
    for forum in ("rsi-direktoerkredsen", "digitaliseringskredsen"):
        result = project_store.query(
            SEATS_ON % values(("forum", "D"), [(rdflib.URIRef(f"{ID}forum/{forum}"), rdflib.Literal(day))])
        )
        seats = {str(row[0]).rsplit("/", 1)[-1]: int(row[1]) for row in result.rows}
        assert sorted(seats.values()) == [2] * regions, (forum, day)
        assert ("region-oestdanmark" in seats) == (day >= "2027-01-01"), (forum, day)
        assert ("region-sjaelland" in seats) == (day < "2027-01-01"), (forum, day)


def test_the_reform_links_the_reduction_to_the_merger_and_ends_the_two_regions(project_store):
    result = project_store.query("""PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX rsi: <https://w3id.org/rsikg/ontology#>
        SELECT ?original ?end ?successor ?start WHERE {
          <https://w3id.org/rsikg/id/event/regioner-reduceres-til-fire-2027> dct:hasPart ?merger .
          ?merger org:originalOrganization ?original ; org:resultingOrganization ?successor ;
            rsi:startDate ?start ; dct:source ?src .
          ?original rsi:endDate ?end ; org:changedBy ?merger .
          ?successor org:resultedFrom ?merger ; rsi:seat "Sorø" .
        } ORDER BY ?original""")
    successors = {(str(row[2]).rsplit("/", 1)[-1], str(row[3])) for row in result.rows}
    assert successors == {("region-oestdanmark", "2027-01-01")}
    ends = {str(row[0]).rsplit("/", 1)[-1]: str(row[1]) for row in result.rows}
    assert ends == {"region-hovedstaden": "2026-12-31", "region-sjaelland": "2026-12-31"}
    # no other region ends
    others = project_store.query("""PREFIX rsi: <https://w3id.org/rsikg/ontology#>
        SELECT ?r WHERE { ?r a rsi:Region ; rsi:endDate ?d }""")
    assert len(others.rows) == 2


def test_digital_sundhed_danmark_takes_over_three_organisations_that_end(project_store):
    result = project_store.query("""PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX rsi: <https://w3id.org/rsikg/ontology#>
        SELECT ?original ?end WHERE {
          ?event org:resultingOrganization <https://w3id.org/rsikg/id/org/digital-sundhed-danmark> ;
            org:originalOrganization ?original .
          OPTIONAL { ?original rsi:endDate ?end }
        }""")
    ends = {str(row[0]).rsplit("/", 1)[-1]: row[1] and str(row[1]) for row in result.rows}
    assert ends == {
        "sundhedsdatastyrelsen": "2026-12-31",
        "medcom": "2026-12-31",
        "sundhed-dk": "2026-12-31",
        "nationalt-genom-center": None,  # S58 does not say it ceases
    }


def test_what_the_sources_leave_open_is_an_open_question_not_a_guess(project_store):
    """Which SYS solutions move to Digital Sundhed Danmark is not named (S58): a question, and no
    system is said to be managed or operated by Digital Sundhed Danmark."""
    question = f"<{ID}question/digital-sundhed-danmark-2027-it-loesninger>"
    assert ask(project_store, f"ASK {{ {question} a rsi:OpenQuestion ; dct:source ?s ; rsi:concerns ?e }}")
    assert not ask(
        project_store,
        f"ASK {{ ?system ?p <{ID}org/digital-sundhed-danmark> . FILTER(?p != org:resultingOrganization) }}",
    )
