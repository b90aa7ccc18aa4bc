"""The ontology and its vocabularies: declared, versioned, labelled and defined in da and en."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rsikg.core.namespaces import RSI

from tests.conftest import ROOT

ONTOLOGY = rdflib.Graph().parse(ROOT / "ontology" / "rsi.ttl")
VOCAB_FILES = sorted((ROOT / "ontology" / "vocab").glob("*.ttl"))
TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
RSI_TERMS = sorted(
    {s for kind in TERM_KINDS for s in ONTOLOGY.subjects(RDF.type, kind) if str(s).startswith(str(RSI))}
)


def languages(graph: rdflib.Graph, subject, predicate) -> set[str]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, rdflib.Literal)}


def test_ontology_header_has_a_version_iri():
    ontology = rdflib.URIRef("https://w3id.org/rsikg/ontology")
    assert (ontology, RDF.type, OWL.Ontology) in ONTOLOGY
    assert ONTOLOGY.value(ontology, OWL.versionIRI) is not None


def test_the_required_classes_and_relations_exist():
    required = [
        "Region",
        "Forum",
        "SteeringGroup",
        "ArchitectureCouncil",
        "Sector",
        "ITSystem",
        "InfrastructureService",
        "Project",
        "ArchitectureDecision",
        "ArchitecturePrinciple",
        "Standard",
        "ComplianceStatement",
        "Strategy",
        "Pejlemaerke",
        "SourceDocument",
        "dependsOn",
        "operatedBy",
        "systemManager",
        "usedBy",
        "governedBy",
        "decidedBy",
        "affects",
        "supersedes",
        "appliesTo",
        "mandate",
        "inSector",
        "chairedBy",
        "reportsTo",
        "vendor",
    ]
    assert [t for t in required if RSI[t] not in RSI_TERMS] == []


@pytest.mark.parametrize("term", RSI_TERMS, ids=lambda t: t.split("#")[1])
def test_every_term_is_labelled_and_defined_in_danish_and_english(term):
    assert {"da", "en"} <= languages(ONTOLOGY, term, RDFS.label)
    assert {"da", "en"} <= languages(ONTOLOGY, term, SKOS.definition)


def test_organisation_classes_reach_w3c_org():
    org = rdflib.Namespace("http://www.w3.org/ns/org#")
    query = f"ASK {{ <{RSI}%s> rdfs:subClassOf* <{org}%s> }}"
    for cls, target in (
        ("Region", "FormalOrganization"),
        ("Association", "FormalOrganization"),
        ("Forum", "OrganizationalUnit"),
        ("ArchitectureCouncil", "Organization"),
        ("Collaboration", "OrganizationalCollaboration"),
    ):
        assert ONTOLOGY.query(query % (cls, target), initNs={"rdfs": RDFS}).askAnswer, cls


@pytest.mark.parametrize("path", VOCAB_FILES, ids=lambda p: p.name)
def test_every_concept_is_in_its_scheme_and_labelled_in_danish_and_english(path):
    vocab = rdflib.Graph().parse(path)
    schemes = set(vocab.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 1
    concepts = set(vocab.subjects(RDF.type, SKOS.Concept))
    assert concepts
    for concept in concepts:
        assert set(vocab.objects(concept, SKOS.inScheme)) == schemes, concept
        assert {"da", "en"} <= languages(vocab, concept, SKOS.prefLabel), concept
        assert {"da", "en"} <= languages(vocab, concept, SKOS.definition), concept
