"""The capped SPARQL result writers: their output read back by pyoxigraph's own parser."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from api.core.store.results import WRITERS, take, write_boolean

VARIABLES = ["s", "o", "missing"]
TRICKY = [
    ox.NamedNode("http://example.org/a?b=1&c=æ"),
    ox.BlankNode("b0"),
    ox.Literal("plain"),
    ox.Literal('quote " comma , tab \t newline \n backslash \\ less < amp &'),
    ox.Literal("Sjælland", language="da"),
    ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ox.Literal("4.2E1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")),
    ox.Literal("2010-10-12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
    ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
]
ROWS = [(ox.NamedNode("http://example.org/s"), term, None) for term in TRICKY]
PARSERS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "tsv": ox.QueryResultsFormat.TSV,
}


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_writer_round_trips_through_pyoxigraph(fmt):
    data = WRITERS[fmt](VARIABLES, ROWS)
    parsed = ox.parse_query_results(data, format=PARSERS[fmt])
    assert [v.value for v in parsed.variables] == VARIABLES
    assert [tuple(solution[v] for v in VARIABLES) for solution in parsed] == ROWS


def test_csv_follows_the_spec_and_agrees_with_pyoxigraph():
    store = ox.Store()
    store.extend(
        ox.Quad(row[0], ox.NamedNode("http://example.org/p"), row[1])
        for row in ROWS
        if not isinstance(row[1], ox.BlankNode)
    )
    query = "SELECT ?s ?o ?missing WHERE { ?s ?p ?o } ORDER BY STR(?o)"
    expected = store.query(query).serialize(format=ox.QueryResultsFormat.CSV)
    solutions = store.query(query)
    rows, _ = take(solutions, VARIABLES, 100)
    assert WRITERS["csv"](VARIABLES, rows) == expected


def test_take_stops_at_the_limit():
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"), ox.Literal(str(i)))
        for i in range(10)
    )
    rows, more = take(store.query("SELECT ?s WHERE { ?s ?p ?o }"), ["s"], 4)
    assert len(rows) == 4 and more
    rows, more = take(store.query("SELECT ?s WHERE { ?s ?p ?o }"), ["s"], 10)
    assert len(rows) == 10 and not more


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_boolean_round_trips(fmt):
    for value in (True, False):
        assert bool(ox.parse_query_results(write_boolean(value, fmt), format=PARSERS[fmt])) is value
