"""The prepared SPARQL processor is validation's own: importing the module changes nothing, and
validating parses each SPARQL constraint once without making the processor rdflib's default."""

from __future__ import annotations

import subprocess
import sys

import rdflib
import rdflib.plugin
import rdflib.query
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rsikg.core.validation import PreparedQueryProcessor, validate_graph

from tests.conftest import ROOT

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <urn:ex:> .
ex:NamedShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:sparql [
        sh:message "{$this} has no name"@en ;
        sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this <urn:ex:name> ?name } }" ;
    ] .
"""
DATA = """
@prefix ex: <urn:ex:> .
ex:a a ex:Thing ; ex:name "a" .
ex:b a ex:Thing .
ex:c a ex:Thing .
"""


def test_importing_validation_leaves_rdflibs_default_processor_alone():
    # a fresh interpreter, since this one may have imported everything already
    code = (
        "import rdflib.plugin, rdflib.query, rsikg.core.validation; "
        "print(rdflib.plugin.get('sparql', rdflib.query.Processor).__name__)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stdout.strip() == "SPARQLProcessor"


def test_validation_parses_each_constraint_once_and_only_for_itself():
    shapes = rdflib.Graph().parse(data=SHAPES, format="turtle")
    data = rdflib.Graph().parse(data=DATA, format="turtle")
    before = PreparedQueryProcessor._prepared.cache_info()
    first, second = validate_graph(data, shapes), validate_graph(data, shapes)
    after = PreparedQueryProcessor._prepared.cache_info()
    unnamed = {rdflib.URIRef("urn:ex:b"), rdflib.URIRef("urn:ex:c")}
    assert {r.focus_node for r in first.results} == {r.focus_node for r in second.results} == unnamed
    assert after.hits - before.hits >= 5  # three focus nodes twice, the text parsed at most once
    assert rdflib.plugin.get("sparql", rdflib.query.Processor) is SPARQLProcessor
