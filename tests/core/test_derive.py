"""What rsikg derives from the sourced facts (api/core/derive.py), run over real stores."""

from __future__ import annotations

import rdflib
from rdflib.namespace import DCTERMS, PROV, RDF
from rsikg.core.derive import (
    DERIVED_GRAPH,
    RULE_MEMBERSHIP_ENDS,
    RULE_OPEN_QUESTIONS,
    RULE_SECTION_126,
    write_derived,
)
from rsikg.core.loading import GRAPH_BASE, data_graphs, load_project
from rsikg.core.namespaces import ID, ORG, RSI
from rsikg.core.store import Source, rdf_format

S57 = rdflib.URIRef(
    "https://www.elov.dk/lov-om-overgangen-til-en-ny-sundhedsstruktur-overgangsloven/paragraf/126"
)
DERIVED = f"GRAPH <{DERIVED_GRAPH}>"


def derived(store) -> rdflib.Graph:
    result = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {DERIVED} {{ ?s ?p ?o }} }}")
    assert isinstance(result, rdflib.Graph)
    return result


def test_memberships_of_the_dissolved_regions_end_with_them(project_store):
    graph = derived(project_store)
    ended = {
        str(m).removeprefix(str(ID) + "membership/"): str(d) for m, d in graph.subject_objects(RSI.endDate)
    }
    # today's two fora (2 seats each) and the 2010 steering group (2 seats each), for both regions
    assert len(ended) == 12 and set(ended.values()) == {"2026-12-31"}
    assert "rsi-direktoerkredsen/region-sjaelland/koncerndirektoer" in ended
    assert not any("region-syddanmark" in m for m in ended)


def test_region_oestdanmark_takes_over_two_seats_per_forum_from_its_start(project_store):
    graph = derived(project_store)
    successor = ID["region/region-oestdanmark"]
    seats = sorted(
        (
            str(graph.value(m, ORG.organization)).rsplit("/", 1)[-1],
            str(graph.value(m, ORG.role)).rsplit("/", 1)[-1],
        )
        for m in graph.subjects(ORG.member, successor)
    )
    assert seats == [
        ("digitaliseringskredsen", "hospitalsledelsesrepraesentant"),
        ("digitaliseringskredsen", "it-direktoer"),
        ("rsi-direktoerkredsen", "it-direktoer"),
        ("rsi-direktoerkredsen", "koncerndirektoer"),
    ]  # none in the 2010 steering group: those memberships are known only for 2010
    seat = ID["membership/rsi-direktoerkredsen/region-oestdanmark/koncerndirektoer"]
    assert (seat, RDF.type, ORG.Membership) in graph
    assert str(graph.value(seat, RSI.startDate)) == "2027-01-01"
    assert set(graph.objects(seat, PROV.wasDerivedFrom)) == {
        RULE_SECTION_126,
        ID["membership/rsi-direktoerkredsen/region-hovedstaden/koncerndirektoer"],
        ID["membership/rsi-direktoerkredsen/region-sjaelland/koncerndirektoer"],
    }
    assert S57 in set(graph.objects(seat, DCTERMS.source))


def test_the_derived_graph_says_what_it_was_derived_from(project_store):
    graph = derived(project_store)
    origin = set(graph.objects(rdflib.URIRef(DERIVED_GRAPH), PROV.wasDerivedFrom))
    assert {RULE_MEMBERSHIP_ENDS, RULE_SECTION_126, RULE_OPEN_QUESTIONS, S57} <= origin
    # every node the rules made has its rule and a source
    for node in set(graph.subjects(RDF.type, None)) - {rdflib.URIRef(DERIVED_GRAPH)}:
        assert set(graph.objects(node, PROV.wasDerivedFrom)) & origin, node
        assert any(graph.objects(node, DCTERMS.source)), node


def test_open_questions_ask_how_each_organisation_left_by_a_region_is_composed(project_store):
    graph = derived(project_store)
    concerned = {
        str(org).rsplit("/", 1)[-1]
        for question in graph.subjects(RDF.type, RSI.OpenQuestion)
        for org in graph.objects(question, RSI.concerns)
    }
    assert concerned == {
        "region-oestdanmark-2027",
        "rsi",
        "danske-regioner",
        "rsi-direktoerkredsen",
        "digitaliseringskredsen",
    }  # not the 2010 steering group, only attested for 2010


def test_a_reload_replaces_the_derivation_and_never_reads_it(store, settings):
    load_project(store, settings)
    first = len(derived(store))
    assert first > 0
    load_project(store, settings)
    assert len(derived(store)) == first
    # without the reform's facts nothing is derived, and the old derivation is gone
    store.remove_graph(GRAPH_BASE + "graph_data/reform-2027.ttl")
    assert write_derived(store, data_graphs(store)) == 0
    assert DERIVED_GRAPH not in store.named_graphs()


FORUMS = """@prefix rsi: <https://w3id.org/rsikg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix region: <https://w3id.org/rsikg/id/region/> .
@prefix forum: <https://w3id.org/rsikg/id/forum/> .
@prefix event: <https://w3id.org/rsikg/id/event/> .
@prefix m: <https://w3id.org/rsikg/id/membership/> .
@prefix role: <https://w3id.org/rsikg/id/vocab/roles/> .
region:a a rsi:Region ; rsi:endDate "2026-12-31"^^xsd:date ; org:changedBy event:m .
region:b a rsi:Region ; rsi:startDate "2027-01-01"^^xsd:date .
event:m a org:ChangeEvent ; org:originalOrganization region:a ;
    org:resultingOrganization region:b ; rsi:startDate "2027-01-01"^^xsd:date .
forum:ends-2026 a rsi:Forum ; rsi:endDate "2026"^^xsd:gYear .
forum:ends-2027 a rsi:Forum ; rsi:endDate "2027"^^xsd:gYear .
forum:open a rsi:Forum .
m:x a org:Membership ; org:organization forum:ends-2026 ; org:member region:a ; org:role role:r .
m:y a org:Membership ; org:organization forum:ends-2027 ; org:member region:a ; org:role role:r .
m:z a org:Membership ; org:organization forum:open ; org:member region:a ; org:role role:r ;
    rsi:endDate "2025-06"^^xsd:gYearMonth .
"""


def test_a_forum_continues_by_its_end_date_at_the_precision_the_source_gives(store):
    source = Source(name="forums", graph="urn:test:forums", format=rdf_format("turtle"), data=FORUMS.encode())
    store.load([source])
    write_derived(store, ["urn:test:forums"])
    graph = derived(store)
    # a forum that ends in 2026 (a gYear) does not continue into 2027; one that ends in 2027 does
    assert set(graph.subjects(ORG.member, ID["region/b"])) == {ID["membership/ends-2027/b/r"]}
    # a membership with an end of its own keeps it: nothing derived for it
    assert (ID["membership/z"], RSI.endDate, None) not in graph
    assert set(graph.subjects(RSI.endDate, None)) == {ID["membership/x"], ID["membership/y"]}
