"""The row-cap planner, on the tokens the guard lexed."""

from __future__ import annotations

import pytest
from rsikg.core.sparql_guard import inspect
from rsikg.core.sparql_plan import anchored, row_cap_plan


@pytest.mark.parametrize("limit", ["1.5", "1e3", "2.0E1"])
def test_a_limit_that_is_no_integer_is_left_for_oxigraph_to_refuse(limit):
    # not a crash (a 500): the query runs as written and Oxigraph answers a syntax error (a 400)
    features = inspect(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {limit}")
    assert features.form == "SELECT"
    assert row_cap_plan(features, 1000) is None


ANCHORED = {
    'SELECT ?s ?kind WHERE { ?s <urn:id> "SYS-1" ; <urn:kind> ?kind }': True,
    'PREFIX d: <urn:d:> SELECT * { ?s d:identifier "x"@da , "y"^^<urn:t> . ?s a ?t }': True,
    "SELECT ?p ?o WHERE { <urn:s> ?p ?o }": True,
    "ASK { <urn:s> <urn:p> <urn:o> }": True,
    "SELECT ?s ?o WHERE { ?s <urn:p> <urn:x> . ?o <urn:p> <urn:y> }": True,
    "SELECT ?s WHERE { ?s <urn:p> <urn:x> } LIMIT 10 OFFSET 5": True,
    "SELECT DISTINCT ?s WHERE { ?s <urn:p> 1 ; <urn:q> ?o }": True,
    "SELECT * WHERE { <urn:s> <urn:p> ?o . ?o <urn:q> ?x . ?x <urn:r> ?y }": True,
    # a scan: no constant subject or object, or reached only through the predicate
    "SELECT ?s WHERE { ?s ?p ?o }": False,
    "SELECT ?s WHERE { ?s a ?t }": False,
    "SELECT ?s ?o WHERE { <urn:s> ?p ?x . ?o ?p ?y }": False,
    "SELECT ?s WHERE { ?s <urn:p> <urn:x> . ?a <urn:q> ?b }": False,
    # more than one basic graph pattern, or work after it
    "SELECT ?s WHERE { ?s <urn:p> <urn:x> } ORDER BY ?s": False,
    "SELECT ?s WHERE { ?s <urn:p> <urn:x> FILTER(?s != <urn:a>) }": False,
    "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:p> <urn:x> }": False,
    "SELECT ?s WHERE { ?s <urn:p> <urn:x> } VALUES ?s { <urn:a> }": False,
    "SELECT ?s WHERE { { ?s <urn:p> <urn:x> } }": False,
    "SELECT ?s WHERE { GRAPH ?g { ?s <urn:p> <urn:x> } }": False,
    "SELECT ?s WHERE { ?s <urn:p> <urn:x> OPTIONAL { ?s <urn:q> ?o } }": False,
    # paths, blank nodes, a dataset, other forms
    "SELECT ?s WHERE { ?s <urn:p>/<urn:q> <urn:x> }": False,
    "SELECT ?s WHERE { ?s <urn:p>+ <urn:x> }": False,
    "SELECT ?s WHERE { ?s ^<urn:p> <urn:x> }": False,
    "SELECT ?s WHERE { ?s <urn:p> [ <urn:q> 1 ] }": False,
    "SELECT ?s WHERE { _:b <urn:p> ?s }": False,
    "SELECT ?s FROM <urn:g> WHERE { ?s <urn:p> <urn:x> }": False,
    "CONSTRUCT WHERE { <urn:s> ?p ?o }": False,
    "SELECT ?s WHERE { ?s <urn:p> <urn:x> . SERVICE <http://a.example/> { ?s ?p ?o } }": False,
}


@pytest.mark.parametrize("query", list(ANCHORED), ids=range(len(ANCHORED)))
def test_only_a_basic_graph_pattern_anchored_at_constants_is_answered_inline(query):
    assert anchored(inspect(query)) is ANCHORED[query]
