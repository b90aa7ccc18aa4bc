"""OWL consistency with HermiT, and owlrl materialisation."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import OWL, RDF
from rsikg.core import reasoning
from rsikg.core.loading import INFERRED_GRAPH, load_files
from rsikg.core.namespaces import ID, ORG
from rsikg.errors import ReasonerUnavailableError

from tests.conftest import FIXTURES, ROOT

T = rdflib.Namespace("https://w3id.org/rsikg/id/test/")


def ontology_with(*files: str) -> rdflib.Graph:
    graph = rdflib.Graph().parse(ROOT / "ontology" / "rsi.ttl")
    for name in files:
        graph.parse(FIXTURES / name)
    return graph


def test_project_graph_is_consistent_with_no_unsatisfiable_class(project_store):
    data = project_store.to_rdflib(
        exclude_graphs=[g for g in project_store.named_graphs() if "/shapes/" in g]
    )
    report = reasoning.check_consistency(data)
    assert report.consistent, report.to_text()
    assert report.unsatisfiable_classes == []
    assert report.ok and "Consistent" in report.to_text()


def test_inconsistency_names_the_individuals_that_cause_it():
    report = reasoning.check_consistency(ontology_with("inconsistent.ttl"))
    assert not report.consistent and not report.ok
    assert report.inconsistent_individuals == [str(T.chimera), str(T.journal)]
    assert str(T.bystander) not in report.inconsistent_individuals
    assert "id:test/chimera" in report.to_text()


def test_unsatisfiable_class_is_reported():
    report = reasoning.check_consistency(ontology_with("unsatisfiable.ttl"))
    assert report.consistent
    assert report.unsatisfiable_classes == [str(T.RegionalSystem)]
    assert not report.ok


def test_without_java_it_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ReasonerUnavailableError, match="default-jre-headless"):
        reasoning.check_consistency(ontology_with())


def test_rdfs_materialisation_goes_to_its_own_graph(store, settings):
    load_files(store, [ROOT / "ontology" / "rsi.ttl", ROOT / "graph_data" / "organisations.ttl"], settings)
    region = ID["region/region-sjaelland"]
    assert not store.query(f"ASK {{ <{region}> a <{ORG.Organization}> }}")
    added = reasoning.materialise(store, store.to_rdflib(), "rdfs")
    assert added > 0
    assert store.query(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{region}> a <{ORG.Organization}> }} }}")
    # a second materialisation replaces the first rather than adding to it
    before = len(store)
    reasoning.materialise(store, store.to_rdflib(exclude_graphs=[INFERRED_GRAPH]), "rdfs")
    assert len(store) == before


@pytest.mark.reasoner
def test_the_reasoner_never_follows_owl_imports(listener):
    graph = ontology_with()
    ontology = rdflib.URIRef("https://example.org/hostile")
    graph.add((ontology, RDF.type, OWL.Ontology))
    graph.add((ontology, OWL.imports, rdflib.URIRef(f"{listener.base}x")))
    graph.add((ontology, OWL.imports, rdflib.URIRef(f"{listener.base}y.owl")))
    report = reasoning.check_consistency(graph)
    assert report.consistent, report.to_text()
    assert listener.connections == 0


def test_what_would_reach_out_is_left_out_of_the_reasoners_input():
    owlready = "http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#python_module"
    graph = rdflib.Graph()
    graph.add((T.onto, OWL.imports, rdflib.URIRef("http://127.0.0.1:9/x")))
    graph.add((T.onto, rdflib.URIRef(owlready), rdflib.Literal("antigravity")))
    graph.add((T.onto, RDF.type, OWL.Ontology))
    kept = reasoning.local_only(graph)
    assert set(kept) == {(T.onto, RDF.type, OWL.Ontology)}
    assert len(graph) == 3  # the caller's graph is not changed
    plain = rdflib.Graph()
    plain.add((T.onto, RDF.type, OWL.Ontology))
    assert reasoning.local_only(plain) is plain  # nothing to leave out: no copy
