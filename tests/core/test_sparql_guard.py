"""The request lexer: what a query would reach for, its form, and how deep it nests."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rsikg.core.namespaces import PREDECLARED_NAMESPACES
from rsikg.core.sparql_guard import check, check_dataset, explained, inspect
from rsikg.core.sparql_plan import row_cap_plan
from rsikg.errors import InputError, QueryRefusedError

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
        check(features)
    check(features, allowed={URL})  # the operator's allow-list


def test_a_graph_the_store_lacks_is_an_empty_graph_not_a_refusal():
    # FROM and the protocol's parameters name graphs of the store, which Oxigraph never fetches
    check(inspect(f"SELECT * FROM <{URL}> FROM NAMED <{URL}> WHERE {{}}"))
    check_dataset({"default-graph-uri": [URL], "named-graph-uri": ["urn:g"]})


def test_a_dataset_parameter_that_is_not_an_iri_is_refused_naming_it():
    with pytest.raises(InputError, match="not an absolute IRI") as refused:
        check_dataset({"default-graph-uri": ["urn:g"], "using-named-graph-uri": ["people"]})
    assert refused.value.location.field == "using-named-graph-uri"


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
    ("query", "service", "load"),
    [
        # the spellings Oxigraph's parser executes and an earlier lexer missed (issue 9)
        (f"SELECT * WHERE {{ SERVICESILENT<{URL}> {{ ?s ?p ?o }} }}", [URL], []),
        ("PREFIX l: <http://127.0.0.1:9/> SELECT * WHERE { SERVICEl:sparql { ?s ?p ?o } }", [URL], []),
        ("PREFIX l: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE SILENTl:sparql {} }", [URL], []),
        ("PREFIX : <http://127.0.0.1:9/> SELECT * WHERE { SERVICE:sparql {} }", [URL], []),
        (f'SELECT * WHERE {{ ?x#"""\n SERVICE <{URL}> {{}} #"""\n }}', [URL], []),
        (f'PREFIX e: <urn:e#> SELECT * WHERE {{ e:x#"""\n SERVICE <{URL}> {{}} #"""\n }}', [URL], []),
        (f"LOADSILENT<{URL}> INTO GRAPH <urn:g>", [], [URL]),
        # and what must not be mistaken for them
        ("PREFIX loading: <urn:l#> SELECT * WHERE { ?s loading:x ?o }", [], []),
        ("PREFIX service: <urn:s#> SELECT * WHERE { ?s service:x ?silent }", [], []),
        (r"PREFIX e: <urn:e#> SELECT * WHERE { ?s e:a\#b ?o }", [], []),
    ],
)
def test_fused_keywords_and_hidden_comments_are_read_as_oxigraph_reads_them(query, service, load):
    features = inspect(query)
    assert (features.service, features.load) == (service, load)


@pytest.mark.parametrize(("depth", "refused"), [(10, False), (256, False), (257, True), (6000, True)])
def test_nesting_beyond_the_limit_is_refused_before_a_parser_sees_it(depth, refused):
    query = "SELECT * WHERE { FILTER(" + "(" * (depth - 2) + "1" + ")" * (depth - 2) + ") }"
    assert inspect(query).depth == depth
    if refused:
        with pytest.raises(InputError, match="limit is 256"):
            check(inspect(query))
    else:
        check(inspect(query))


# -- the predeclared prefixes (issue 16) ----------------------------------------------------------

ONTOLOGY = "https://w3id.org/rsikg/ontology#"


@pytest.mark.parametrize(
    ("request_text", "service", "load"),
    [
        ("SELECT * WHERE { SERVICE rsi:x { ?s ?p ?o } }", [f"{ONTOLOGY}x"], []),
        # Oxigraph reads these glued spellings with a predeclared prefix as with a declared one
        ("SELECT * WHERE { SERVICErsi:x { ?s ?p ?o } }", [f"{ONTOLOGY}x"], []),
        ("SELECT * WHERE { SERVICESILENTrsi:x { ?s ?p ?o } }", [f"{ONTOLOGY}x"], []),
        ("LOADrsi:x INTO GRAPH <urn:g>", [], [f"{ONTOLOGY}x"]),
        # the request's own binding of the name wins
        ("PREFIX rsi: <http://127.0.0.1:9/> SELECT * WHERE { SERVICErsi:sparql {} }", [URL], []),
        ("PREFIX rsi: <http://127.0.0.1:9/> LOAD rsi:sparql", [], [URL]),
        # and a prefixed name of its own is not split
        ("PREFIX servicersi: <urn:s#> SELECT * WHERE { ?s servicersi:x ?o }", [], []),
    ],
)
def test_a_predeclared_prefix_is_read_as_a_declared_one(request_text, service, load):
    features = inspect(request_text)
    assert (features.service, features.load) == (service, load)
    if service or load:
        with pytest.raises(QueryRefusedError):
            check(features)


@pytest.mark.parametrize(
    ("query", "needs"),
    [
        ("SELECT ?r WHERE { ?r a rsi:Region }", True),
        ("SELECT ?r WHERE { ?r a foo:Region }", True),  # the parser says foo: is not declared
        (f"PREFIX rsi: <{ONTOLOGY}> SELECT ?r WHERE {{ ?r a rsi:Region }}", False),
        ("SELECT ?o WHERE { <urn:a> <urn:p> ?o }", False),
        ("SELECT ?o WHERE { _:b <urn:p> ?o }", False),  # a blank node's label is no prefixed name
        ('SELECT ?o WHERE { ?s ?p "rsi:Region" } # rsi:x', False),
    ],
)
def test_a_request_is_given_the_predeclared_prefixes_only_when_it_uses_one_it_does_not_declare(query, needs):
    assert bool(inspect(query).predeclared) is needs


def test_the_predeclared_prefixes_given_are_those_the_request_does_not_declare():
    given = inspect("PREFIX rsi: <urn:mine#> SELECT ?r WHERE { ?r a rsi:Region ; skos:prefLabel ?l }")
    assert "rsi" not in given.predeclared and {"skos", "dct", "org", "sector"} <= set(given.predeclared)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("SELECT ?r WHERE { ?r a foo:Region }", (1, 24)),
        ("SELECT ?r WHERE {\n  ?r a rsi:Region ; skos:prefLabel ?l FILTER(?l = foo:x) }", (2, 51)),
        ("SELECT (foo:f(?x) AS ?y) WHERE {}", (1, 9)),
        ("SELECT ?æøå WHERE { ?æøå a foo:x }", (1, 28)),
        ("PREFIX foo: <urn:f#> SELECT * WHERE { ?s a foo:x ; bar:y ?o }", (1, 52)),
        ("INSERT DATA { <urn:a> rsi:p foo:c }", (1, 29)),
    ],
)
def test_an_undeclared_prefix_is_named_where_it_is_used(text, at):
    run = ox.Store().update if text.startswith("INSERT") else ox.Store().query
    with pytest.raises(SyntaxError) as parsed:
        run(text, prefixes=PREDECLARED_NAMESPACES)
    message = str(explained(text, parsed.value))
    prefix = "bar" if "bar:" in text else "foo"
    assert message.startswith(
        f"error at {at[0]}:{at[1]}: prefix {prefix}: is not declared (declared here: rsi, "
    )
    assert "\n" not in message and "\\u{" not in message


@pytest.mark.parametrize(
    "text",
    [
        "SELEC ?x WHERE { ?x a foo:Bar }",  # the parser stops before the prefix: its message stands
        "SELECT * WHERE { ?s ?p }",
    ],
)
def test_a_syntax_error_before_any_undeclared_prefix_keeps_the_parsers_message(text):
    with pytest.raises(SyntaxError) as parsed:
        ox.Store().query(text, prefixes=PREDECLARED_NAMESPACES)
    assert explained(text, parsed.value) is parsed.value
