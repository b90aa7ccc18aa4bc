"""The sourced graph data: every fact has a source, and what the seeds describe is there."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF
from rsikg.core.named_queries import bind, load_named_query
from rsikg.core.namespaces import RSI
from rsikg.core.sparql_terms import values

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


# --------------------------------------------------------------------------------------------
# Gaps found in the current data (issue 10, item 6): one test a gap
# --------------------------------------------------------------------------------------------

PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rsi: <https://w3id.org/rsikg/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX time: <http://www.w3.org/2006/time#>
"""
CIMT_PAGE = f"<{ID}source/cimt-rsi-page>"
SLIDES = f"<{ID}source/e-sundhed-2010-slides>"


def select(store, query: str) -> list[tuple]:
    return store.query(PREFIXES + query).rows


def slug(term) -> str:
    return str(term).rsplit("/", 1)[-1]


def test_rsi_counterparts_are_the_other_sectors_sourced_to_the_cimt_page(project_store):
    """Seed 002: RSI deals with 'kommunerne, praksissektoren og staten'; the claim cites it."""
    rows = select(
        project_store,
        f"""SELECT DISTINCT ?sector WHERE {{
          GRAPH ?g {{ <{ID}org/rsi> rsi:counterpart ?sector ; dct:source {CIMT_PAGE} }}
          ?sector a rsi:Sector }}""",
    )
    assert {slug(row[0]) for row in rows} == {"kommunerne", "praksissektoren", "staten"}
    # the named query answers it, with the organisations of each sector that exist on the date
    query = load_named_query(ROOT / "queries" / "list_counterparts.rq")
    answers = {}
    for day in ("2026-12-31", "2027-01-01"):
        bindings, _ = bind(query, {"date": day}, today=lambda: date(2026, 6, 1))
        found = project_store.query(query.text, bindings=bindings)
        answers[day] = {
            (str(r["label"]), r.get("organisation") and slug(r["organisation"])) for r in found.dicts()
        }
        assert {label for label, _ in answers[day]} == {"kommunerne", "praksissektoren", "staten"}
        assert ("kommunerne", "kl") in answers[day]
    # Sundhedsdatastyrelsen ceases on 2026-12-31 (S58)
    assert ("staten", "sundhedsdatastyrelsen") in answers["2026-12-31"]
    assert ("staten", "sundhedsdatastyrelsen") not in answers["2027-01-01"]


PROJECT_STATUS = {
    "gennemfoerte-faellesregionale-projekter": "completed",
    "aktuelle-faellesregionale-projekter": "current",
    "telemedicin-til-kol": "current",
    "faelles-system-praksissektoren": "current",
    "faelles-system-hospitalsapoteker": "current",
}


def test_projects_have_a_status_from_the_vocabulary_and_sector_participants(project_store):
    rows = select(
        project_store,
        f"""SELECT ?project ?status WHERE {{
          GRAPH ?g {{ ?project rsi:projectStatus ?status ; dct:source {CIMT_PAGE} }}
          ?status skos:inScheme <{ID}vocab/project-status> }}""",
    )
    found = {slug(p): slug(s) for p, s in rows}
    assert found.items() >= PROJECT_STATUS.items()
    # the status is a concept now, not only a label: nothing carries a status outside the scheme
    assert not ask(
        project_store,
        f"""ASK {{ ?p rsi:projectStatus ?s
        FILTER NOT EXISTS {{ ?s skos:inScheme <{ID}vocab/project-status> }} }}""",
    )
    # 002: the practice-sector system is made "i samarbejde mellem regionerne og kommunerne"
    for project, source in (
        ("faelles-system-praksissektoren", CIMT_PAGE),
        (
            "fut",
            "<https://digst.dk/digital-service/digital-velfaerd/telemedicin-kol/faelles-udbud-af-telemedicin-fut/>",
        ),
    ):
        assert ask(
            project_store,
            f"""ASK {{ GRAPH ?g {{ <{ID}project/{project}>
                rsi:participantSector <{ID}vocab/sectors/kommunerne> ; dct:source {source} }} }}""",
        ), project
        regions = select(
            project_store, f"SELECT DISTINCT ?r WHERE {{ <{ID}project/{project}> rsi:participant ?r }}"
        )
        assert len(regions) == 5, project


def test_the_economic_agreement_has_its_four_provisions_as_nodes(project_store):
    rows = select(
        project_store,
        f"""SELECT ?provision ?n ?wording WHERE {{
          <{ID}agreement/oekonomiaftalen-om-sundheds-it> rsi:hasProvision ?provision .
          ?provision a rsi:AgreementProvision ; skos:notation ?n ; dct:source {SLIDES} ;
            rsi:statement ?wording FILTER(lang(?wording) = "da") }} ORDER BY ?n""",
    )
    assert [(slug(p), str(w)) for p, _n, w in rows] == [
        ("blaastempling-af-rsis-plan", "Blåstempling af RSI ´s plan"),
        ("gensidige-forpligtelser", "Gensidige forpligtelser"),
        ("national-bestyrelse", "National bestyrelse"),
        ("faelles-regional-investeringspulje", "Fælles regional investeringspulje"),
    ]
    provision = f"<{ID}agreement/oekonomiaftalen-om-sundheds-it/"
    assert ask(
        project_store,
        f"ASK {{ {provision}blaastempling-af-rsis-plan> rsi:endorses <{ID}strategy/rsi-plan> }}",
    )
    # the board: likely the National Board for Health IT, not attested: a pointer, not a claim
    board = f"{provision}national-bestyrelse>"
    assert ask(
        project_store, f"ASK {{ {board} rdfs:seeAlso <{ID}forum/national-bestyrelse-for-sundheds-it> }}"
    )
    assert not ask(
        project_store,
        f"ASK {{ {board} ?p <{ID}forum/national-bestyrelse-for-sundheds-it> FILTER(?p != rdfs:seeAlso) }}",
    )


def test_over_40_completed_projects_is_a_lower_bound_not_a_count(project_store):
    completed = f"<{ID}project/gennemfoerte-faellesregionale-projekter>"
    assert ask(
        project_store,
        f"ASK {{ GRAPH ?g {{ {completed} rsi:projectCountMoreThan 40 ; dct:source {CIMT_PAGE} }} }}",
    )
    assert not ask(project_store, f"ASK {{ {completed} rsi:projectCount ?n }}")
    # the 15 current projects are a count ("samarbejder regionerne om 15 it-projekter")
    assert ask(
        project_store, f"ASK {{ <{ID}project/aktuelle-faellesregionale-projekter> rsi:projectCount 15 }}"
    )


def test_cambio_cosmic_is_no_longer_in_use_and_no_end_date_is_invented(project_store):
    cosmic = f"<{ID}system/cambio-cosmic>"
    s34 = "<https://www.computerworld.dk/art/240797/tre-it-selskaber-med-i-oploeb-om-kaempe-epj-ordre-i-region-syddanmark>"
    assert ask(
        project_store,
        f"""ASK {{ GRAPH ?g {{ {cosmic} rsi:formerlyUsedBy <{ID}region/region-syddanmark> ;
        dct:source {s34} }} }}""",
    )
    assert not ask(project_store, f"ASK {{ {cosmic} rsi:usedBy ?anyone }}")
    assert not ask(project_store, f"ASK {{ {cosmic} rsi:endDate ?end }}")  # S34 gives no date


def test_regionsdirektoerkredsen_is_attested_beyond_2010(project_store):
    """S6: Regionernes It-råd (set up 2019) reports to Regionsdirektørkredsen."""
    kreds = f"<{ID}forum/regionsdirektoerkredsen>"
    s6 = "<https://www.regioner.dk/rsi/regionernes-it-raad/>"
    rows = select(
        project_store,
        f"""SELECT ?period ?begins WHERE {{
          {kreds} rsi:attestedDuring ?period ; dct:source {s6} .
          ?period time:hasBeginning/(time:inXSDgYear|time:inXSDDate) ?begins ; dct:source ?source }}""",
    )
    begins = {slug(period): str(year) for period, year in rows}
    assert begins == {"2010": "2010-01-01", "fra-2019": "2019"}
    assert ask(
        project_store,
        f"""ASK {{ <{ID}time/fra-2019> dct:source {s6}
        FILTER NOT EXISTS {{ <{ID}time/fra-2019> <http://www.w3.org/2006/time#hasEnd> ?e }} }}""",
    )
    assert ask(project_store, f"ASK {{ <{ID}forum/regionernes-it-raad> rsi:reportsTo {kreds} }}")


def test_every_mandate_is_marked_as_rsikgs_reading_with_source_and_wording(project_store):
    rows = select(
        project_store,
        """SELECT DISTINCT ?forum ?kind ?reading ?wording WHERE {
          ?forum rsi:mandate ?kind .
          OPTIONAL { ?forum rsi:qualifiedMandate ?reading .
            ?reading a rsi:MandateReading ; rsi:mandateKind ?kind ; dct:source ?source ;
              rsi:statement ?wording FILTER(lang(?wording) = "da") } }""",
    )
    assert len(rows) == 4
    assert [slug(forum) for forum, _k, reading, _w in rows if reading is None] == []
    wording = {slug(forum): str(w) for forum, _k, _r, w in rows}
    assert "koordinerer it-arkitekturdelen" in wording["rita"]  # the source's word, not "decides"
    assert "øverste styregruppe for driften" in wording["styregruppen-for-systemforvaltning"]
    # the plain triples the decision rules read are still there, one per forum
    kinds = {slug(forum): slug(kind) for forum, kind, _r, _w in rows}
    assert kinds == {
        "rita": "architecture",
        "styregruppen-for-systemforvaltning": "operations",
        "digitaliseringskredsen": "projects",
        "rsi-direktoerkredsen": "strategy",
    }


TRANSLATED_NAMES = [
    "org/rsi",
    "forum/rsi-direktoerkredsen",
    "forum/digitaliseringskredsen",
    "forum/styregruppen-for-systemforvaltning",
    "forum/rita",
    "forum/nationalt-it-arkitekturraad",
    "forum/rsi-styregruppe-2010",
    "forum/regionsdirektoerkredsen",
    "forum/regionernes-it-raad",
    "forum/kommunernes-it-arkitekturraad",
    "forum/national-bestyrelse-for-sundheds-it",
]


@pytest.mark.parametrize("name", TRANSLATED_NAMES)
def test_english_forum_names_no_source_gives_are_marked_as_rsikgs_translation(project_store, name):
    """The English prefLabel stays (the shapes want one) and the same literal is marked."""
    assert ask(
        project_store,
        f"""ASK {{ GRAPH ?g {{ <{ID}{name}> skos:prefLabel ?en ; rsi:rsikgTranslation ?en ; dct:source ?s }}
        FILTER(lang(?en) = "en") }}""",
    )


def test_every_rsikg_translation_repeats_a_name_or_wording_of_its_resource(project_store):
    """A mark that no longer matches a label (after the label was edited) marks nothing."""
    stray = select(
        project_store,
        """SELECT DISTINCT ?x ?text WHERE { ?x rsi:rsikgTranslation ?text .
          FILTER NOT EXISTS { ?x skos:prefLabel|skos:altLabel|rsi:statement ?text } }""",
    )
    assert stray == []


@pytest.mark.parametrize(("day", "sector"), [("2026-12-31", "kommunerne"), ("2027-01-01", "regionerne")])
def test_four_municipal_health_tasks_move_to_the_regions(project_store, day, sector):
    """S61: akutsygepleje, sundheds- og omsorgspladser, avanceret genoptræning og specialiseret
    rehabilitering, patientrettet forebyggelse move from the municipalities on 1 January 2027."""
    from rsikg.core.named_queries import bind, load_named_query, paged

    query = load_named_query(ROOT / "queries" / "list_task_responsibilities.rq")
    bindings, page = bind(query, {"date": day})
    rows = project_store.query(paged(query, page), bindings=bindings).dicts()
    assert sorted(str(r["taskLabel"]) for r in rows) == [
        "Akutsygepleje",
        "Avanceret genoptræning og specialiseret rehabilitering",
        "Patientrettet forebyggelse",
        "Sundheds- og omsorgspladser",
    ]
    assert {str(r["sectorLabel"]) for r in rows} == {sector}
    unsourced = project_store.query(
        """PREFIX rsi: <https://w3id.org/rsikg/ontology#> PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?x WHERE { { ?x a rsi:TaskResponsibility } UNION { ?x a rsi:HealthTask }
          FILTER NOT EXISTS { ?x dct:source ?s . ?s dct:identifier "S61" } }"""
    ).rows
    assert unsourced == []
