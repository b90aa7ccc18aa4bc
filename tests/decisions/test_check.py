"""The dry run on the extract gives the same results as validating the whole merged graph, and
the reader reports what is wrong with a record and where."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import rdflib
from rsikg.core.decisions import dry_run
from rsikg.core.decisions.records import RecordError, read_files, read_record
from rsikg.core.loading import INFERRED_GRAPH, SHAPES_GRAPH_PREFIX, data_graphs, load_project, shapes_files
from rsikg.core.store import OxigraphStore, open_store
from rsikg.core.validation import read_shapes
from rsikg.errors import InputError
from rsikg.settings import MEMORY, Settings

from tests.conftest import ROOT

EXAMPLES = ROOT / "graph_data" / "examples" / "decisions"
RSI = "https://w3id.org/rsikg/ontology#"


@pytest.fixture(scope="module")
def example_store() -> OxigraphStore:
    store = open_store(None)
    load_project(store, Settings(store=MEMORY, project_dir=ROOT), examples=True)
    return store


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return read_shapes(shapes_files(Settings(store=MEMORY, project_dir=ROOT)))


def _keys(found: dry_run.Check) -> list[tuple[str, ...]]:
    return sorted(
        (str(r.severity), str(r.focus_node), str(r.source_shape), str(r.component), str(r.value))
        for r in found.report.results
    )


def _readable_examples() -> list[Path]:
    readable = []
    for path in sorted(EXAMPLES.glob("*.md")):
        try:
            read_files([path])
        except InputError:
            continue  # the examples of bad input
        readable.append(path)
    return readable


TURTLE_CANDIDATE = """
@prefix rsi: <https://w3id.org/rsikg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/rsikg/id/> .
<https://w3id.org/rsikg/id/decision/test-turtle> a rsi:ArchitectureDecision ;
    skos:prefLabel "Test"@en ;
    dct:title "Test"@da ;
    rsi:status <https://w3id.org/rsikg/id/vocab/decision-status/accepted> ;
    dct:date "2025-01-01"^^xsd:date ;
    rsi:decisionKind <https://w3id.org/rsikg/id/vocab/decision-kinds/operations> ;
    rsi:decidedBy <https://w3id.org/rsikg/id/forum/rita> ;
    rsi:context "K"@da ; rsi:decisionOutcome "B"@da ; rsi:consequences "C"@da ;
    rsi:affects <https://w3id.org/rsikg/id/system/e-journal> , <https://w3id.org/rsikg/id/system/ppj> ;
    rsi:supersedes <https://w3id.org/rsikg/id/decision/eksempel-002-dokumentdeling-via-nsp> ,
        <https://w3id.org/rsikg/id/decision/eksempel-004-driftsvindue-ppj> ;
    rsi:prescribesVendor <https://w3id.org/rsikg/id/org/systematic> ;
    rsi:appliesTo <https://w3id.org/rsikg/id/region/region-hovedstaden> .
"""


@pytest.mark.parametrize("path", _readable_examples(), ids=lambda p: p.name)
def test_extract_gives_the_results_of_the_whole_merged_graph(example_store, shapes, path):
    candidate = read_files([path])
    fast = dry_run.check(example_store, candidate, shapes, impact=False)
    full = dry_run.check_full(example_store, candidate, shapes)
    assert _keys(fast) == _keys(full)
    assert fast.changes == full.changes


def test_extract_equivalence_on_a_turtle_candidate_that_breaks_many_rules(example_store, shapes):
    candidate = read_record(TURTLE_CANDIDATE.encode(), "text/turtle", "test.ttl")
    fast = dry_run.check(example_store, candidate, shapes, impact=False)
    full = dry_run.check_full(example_store, candidate, shapes)
    assert _keys(fast) == _keys(full)
    fired = {str(r.source_shape).rsplit("#", 1)[-1] for r in fast.report.results}
    # no Danish label (a value shape: pySHACL's focus_nodes option would have hidden it),
    # outside RITA's mandate, supersedes a proposed decision
    assert {
        "DanishPrefLabelShape",
        "DecisionWithinMandateShape",
        "SupersedesAcceptedDecisionShape",
    } <= fired
    assert not fast.conforms


def test_an_accepted_successor_supersedes_its_predecessor(example_store, shapes):
    text = (EXAMPLES / "0010-fhir-for-nye-snitflader-til-laboratoriesvar.md").read_text()
    text = text.replace("affects:", "supersedes: [eksempel-002-dokumentdeling-via-nsp]\naffects:", 1)
    candidate = read_record(text.encode(), "text/markdown", "successor.md")
    found = dry_run.check(example_store, candidate, shapes, impact=False)
    old = rdflib.URIRef("https://w3id.org/rsikg/id/decision/eksempel-002-dokumentdeling-via-nsp")
    assert [(c.decision, str(c.after).rsplit("/", 1)[-1]) for c in found.changes] == [(old, "superseded")]
    assert old in found.concerned
    assert found.conforms, found.report.to_text()


def test_impact_follows_dependencies_transitively(store, shapes):
    """A hand-made chain c → b → a: a decision on a reaches b at distance 1 and c at 2."""
    store.update(
        f"""PREFIX rsi: <{RSI}>
        PREFIX sys: <https://w3id.org/rsikg/id/system/>
        PREFIX region: <https://w3id.org/rsikg/id/region/>
        INSERT DATA {{ GRAPH <urn:test> {{
            sys:b rsi:dependsOn sys:a . sys:c rsi:dependsOn sys:b . sys:x rsi:dependsOn sys:c .
            sys:c rsi:usedBy region:r1 . region:r1 a rsi:Region .
        }} }}"""
    )
    text = (
        "---\nid: t\nstatus: proposed\ndate: 2025-01-01\ndecided-by: rita\nkind: architecture\n"
        "affects: [a]\napplies-to: [r1]\n---\n# T\n"
        "## Context\nk\n## Decision Outcome\nb\n## Consequences\nc\n"
    )
    candidate = read_record(text.encode(), "text/markdown", "t.md")
    found = dry_run.check(store, candidate, shapes)
    assert found.impact is not None
    reached = {
        str(d.node).rsplit("/", 1)[-1]: (d.distance, [str(p).rsplit("/", 1)[-1] for p in d.path])
        for d in found.impact.reach.dependents
    }
    assert reached == {"b": (1, ["b", "a"]), "c": (2, ["c", "b", "a"]), "x": (3, ["x", "c", "b", "a"])}
    assert [str(r).rsplit("/", 1)[-1] for r in found.impact.reach.regions] == ["r1"]
    assert found.impact.comply_or_explain[0]["statement"] is None


def test_the_extract_keeps_to_the_data_graphs(store):
    """The extract's query walks all graphs, so the inferred graph and a shapes graph lead it
    further, but of what it reaches it keeps only the data graphs' triples."""
    store.update(
        f"""PREFIX rsi: <{RSI}>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        PREFIX sys: <https://w3id.org/rsikg/id/system/>
        PREFIX region: <https://w3id.org/rsikg/id/region/>
        INSERT DATA {{
            GRAPH <urn:test> {{ sys:a a rsi:System . region:r1 a rsi:Region . }}
            GRAPH <{INFERRED_GRAPH}> {{
                sys:a a rsi:Region ; rsi:dependsOn sys:b . sys:b a rsi:System . region:r2 a rsi:Region .
            }}
            GRAPH <{SHAPES_GRAPH_PREFIX}test.ttl> {{ sys:a rsi:endDate "2020-01-01"^^xsd:date }}
        }}"""
    )
    text = (
        "---\nid: t\nstatus: proposed\ndate: 2025-01-01\ndecided-by: rita\nkind: architecture\n"
        "affects: [a]\napplies-to: [r1]\n---\n# T\n"
        "## Context\nk\n## Decision Outcome\nb\n## Consequences\nc\n"
    )
    candidate = read_record(text.encode(), "text/markdown", "t.md")
    graphs = list(data_graphs(store))
    assert graphs == ["urn:test"]
    found = dry_run.extract(store, candidate, dry_run.concern_set(candidate), graphs)
    compact = {tuple(str(t).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for t in triple) for triple in found}
    assert compact == {("a", "type", "System"), ("r1", "type", "Region")}


GOOD = (
    "---\nid: adr-1\ntitle: T\nstatus: proposed\ndate: 2025-01-01\n"
    "decided-by: rita\nkind: architecture\n---\n"
    "## Context and Problem Statement\nk\n## Decision Outcome\nb\n## Consequences\nc\n"
)


def test_a_complete_record_reads_into_the_ontology():
    candidate = read_record(GOOD.encode(), "text/markdown", "adr.md")
    (decision,) = candidate.decisions
    graph = candidate.graph
    assert str(decision) == "https://w3id.org/rsikg/id/decision/adr-1"
    assert (
        str(graph.value(decision, rdflib.URIRef(RSI + "decidedBy"))) == "https://w3id.org/rsikg/id/forum/rita"
    )
    assert str(graph.value(decision, rdflib.URIRef(RSI + "consequences"))) == "c"
    assert graph.value(decision, rdflib.URIRef("http://purl.org/dc/terms/date")).datatype == rdflib.XSD.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("kind: architecture\n", "kind: architecture\nowner: me\n"), [("owner", 8)]),
        (GOOD.replace("## Consequences\nc\n", ""), [("Consequences", 13)]),
        (GOOD.replace("## Decision Outcome\nb\n", "## Decision Outcome\n\n"), [("Decision Outcome", 11)]),
        (GOOD.replace("title: T\n", "title: [T\n"), [(None, 4)]),
        ("# no front matter\n", [(None, 1)]),
        (GOOD.replace("id: adr-1", "id: 'adr 1'"), [("id", 2)]),
    ],
    ids=["unknown-key", "missing-section", "empty-section", "broken-yaml", "no-front-matter", "bad-id"],
)
def test_a_bad_record_is_reported_by_name_and_line(text, expected):
    with pytest.raises(RecordError) as caught:
        read_record(text.encode(), "text/markdown", "adr.md")
    found = [(p.location.field, p.location.line) for p in caught.value.problems]
    assert found == expected


@pytest.mark.parametrize(
    ("data", "media_type", "line"),
    [(b"", "text/turtle", None), (b"   \n", "text/markdown", None), (b"<a> <b> .\n", "text/turtle", 1)],
    ids=["empty", "blank", "broken-turtle"],
)
def test_empty_or_broken_input_is_an_input_error(data, media_type, line):
    with pytest.raises(InputError) as caught:
        read_record(data, media_type, "body")
    assert caught.value.location.source == "body"
    assert caught.value.location.line == line


def test_rdf_without_a_decision_is_refused():
    with pytest.raises(InputError, match="no rsi:ArchitectureDecision"):
        read_record(b"<urn:a> <urn:b> <urn:c> .", "text/turtle", "body")


def test_a_json_ld_record_never_makes_rsikg_fetch_its_remote_context():
    """A remote @context is refused with a located error; a listener on loopback sees nothing."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(1)
    port = listener.getsockname()[1]
    record = {
        "@context": f"http://127.0.0.1:{port}/context.jsonld",
        "@id": "https://w3id.org/rsikg/id/decision/x",
        "@type": RSI + "ArchitectureDecision",
    }
    with pytest.raises(InputError, match="remote contexts"):
        read_record(json.dumps(record).encode(), "application/ld+json", "body")
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()
