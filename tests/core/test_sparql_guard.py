"""The request lexer: what a query would reach for, its form, and whether it is bounded."""

from __future__ import annotations

import pytest

from api.core.sparql_guard import check, check_dataset, inspect, row_cap_plan
from api.errors import QueryRefusedError

URL = "http://127.0.0.1:9/sparql"


@pytest.mark.parametrize(
    ("query", "service"),
    [
        (f"SELECT * WHERE {{ SERVICE <{URL}> {{ ?s ?p ?o }} }}", [URL]),
        (f"select * where {{ service silent <{URL}> {{ ?s ?p ?o }} }}", [URL]),
        ("PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }", [URL]),
        ("BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }", [URL]),
        ("SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }", [None]),
        (f"SELECT * WHERE {{ FILTER(?a<?b&&?b>?a) SERVICE <{URL}> {{}} }}", [URL]),
        (f'SELECT * WHERE {{ ?s ?p "SERVICE <{URL}>" }}', []),
        (f"SELECT * WHERE {{ ?s ?p '''SERVICE\n<{URL}>''' }}", []),
        (f"SELECT * WHERE {{ ?s ?p ?o }} # SERVICE <{URL}>", []),
        ("SELECT ?service WHERE { ?service ?p <http://example.org/SERVICE> }", []),
    ],
)
def test_service_targets_are_found_where_they_are_keywords(query, service):
    assert inspect(query).service == service


def test_load_from_and_forms():
    update = inspect(f"LOAD SILENT <{URL}> INTO GRAPH <urn:g>")
    assert update.form == "UPDATE" and update.load == [URL]
    query = inspect("SELECT * FROM <urn:a> FROM NAMED <urn:b> WHERE { ?s ?p ?o }")
    assert (query.form, query.from_graphs, query.from_named_graphs) == ("SELECT", ["urn:a"], ["urn:b"])
    assert inspect("PREFIX x: <urn:x#> CONSTRUCT WHERE { ?s x:p ?o }").form == "CONSTRUCT"
    assert inspect("ASK {}").form == "ASK"


def test_check_refuses_by_name_unless_allowed():
    features = inspect(f"SELECT * FROM <{URL}> WHERE {{ SERVICE <{URL}> {{}} }}")
    with pytest.raises(QueryRefusedError, match="SERVICE"):
        check(features, known_graphs=set())
    check(features, known_graphs=set(), allowed={URL})  # the operator's allow-list
    with pytest.raises(QueryRefusedError, match="FROM"):
        check(inspect(f"SELECT * FROM <{URL}> WHERE {{}}"), known_graphs={"urn:other"})
    check(inspect("SELECT * FROM <urn:g> WHERE {}"), known_graphs={"urn:g"})
    with pytest.raises(QueryRefusedError, match="named-graph-uri"):
        check_dataset([], [URL], known_graphs={"urn:g"})


@pytest.mark.parametrize(
    ("query", "plan"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "append"),
        ("SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } LIMIT 5 } }", "append"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 10 OFFSET 3", "within"),
        ("SELECT * WHERE { ?s ?p ?o } OFFSET 3 LIMIT 5000", None),  # its own LIMIT is over the cap
        ("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }", None),  # nothing can follow VALUES
        ("ASK { ?s ?p ?o }", None),
        ("CONSTRUCT WHERE { ?s ?p ?o }", None),
    ],
)
def test_row_cap_plan(query, plan):
    assert row_cap_plan(inspect(query), 1000) == plan


@pytest.mark.parametrize(
    ("query", "bounded"),
    [
        ("SELECT ?p ?o WHERE { <urn:s> ?p ?o }", True),
        ('PREFIX e: <urn:e#> SELECT * WHERE { e:s ?p ?o ; a ?t . <urn:t> e:p "x"@da , 5 }', True),
        ('SELECT * WHERE { <urn:s> ?p "5"^^<urn:int> }', True),
        ("ASK { <urn:s> ?p ?o }", True),
        ("CONSTRUCT WHERE { <urn:s> ?p ?o }", True),
        ("SELECT * WHERE { ?s ?p ?o }", False),  # an unbound subject scans everything
        ("SELECT * WHERE { <urn:s> ?p ?o . ?o ?q ?r }", False),
        ("SELECT * WHERE { <urn:s> <urn:p>+ ?o }", False),
        ("SELECT * WHERE { <urn:s> ^<urn:p> ?o }", False),
        ("SELECT * WHERE { <urn:s> ?p ?o FILTER(?o) }", False),
        ("SELECT * WHERE { <urn:s> ?p [ ?q ?r ] }", False),
        ("SELECT * WHERE { { <urn:s> ?p ?o } }", False),
        ("SELECT * FROM <urn:g> WHERE { <urn:s> ?p ?o }", False),
        ("CONSTRUCT { ?s ?p ?o } WHERE { <urn:s> ?p ?o }", False),
        ("SELECT * WHERE { <urn:s> ?p ?o } ORDER BY ?o", True),
    ],
)
def test_bounded_queries_are_only_lookups_of_named_subjects(query, bounded):
    assert inspect(query).bounded is bounded
