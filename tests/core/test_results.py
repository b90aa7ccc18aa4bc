"""The capped SPARQL result writers: their output read back by pyoxigraph's own parser."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from rsikg.core.store.results import WRITERS, take, trim, write_boolean

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
OX_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "tsv": ox.QueryResultsFormat.TSV,
    "csv": ox.QueryResultsFormat.CSV,
}
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


NASTY = ['"type":', "{}", '},{"type":"uri"', "plain"]
"""Values that look like the structure the JSON row count reads (a key, an empty row)."""


@pytest.mark.parametrize("rows", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("fmt", ["json", "xml", "tsv", "csv"])
def test_trim_cuts_oxigraphs_own_answers_at_exactly_the_limit(fmt, rows):
    """Oxigraph's serialisation of ``rows`` rows, some unbound (an empty JSON row ``{}``) and
    some whose values mimic the structure, cut at every limit around the row count: the rows
    kept are the first ``limit``, and the answer says it was cut only when it was."""
    values = []
    for i in range(rows):
        text = NASTY[i % len(NASTY)].replace('"', '\\"')
        values.append("(UNDEF UNDEF)" if i % 3 == 2 else f'(<http://example.org/{i}> "{text}")')
    query = f"SELECT ?s ?v WHERE {{ VALUES (?s ?v) {{ {' '.join(values)} }} }}"
    native = ox.Store().query(query).serialize(format=OX_FORMATS[fmt])
    for limit in range(max(0, rows - 2), rows + 2):
        body, truncated = trim(native, fmt, limit)
        assert truncated == (rows > limit), (limit, rows)
        assert _rows(body, fmt) == _rows(native, fmt)[:limit]


def _rows(body: bytes, fmt: str) -> list[list[object]]:
    """The rows of an answer, read by pyoxigraph (by Python's csv module for CSV, which
    pyoxigraph does not read)."""
    if fmt == "csv":
        return [list(r) for r in csv.reader(io.StringIO(body.decode(), newline=""))][1:]
    return [[s["s"], s["v"]] for s in ox.parse_query_results(body, format=OX_FORMATS[fmt])]


def test_trim_counts_json_rows_without_parsing_only_where_the_count_bounds_them():
    """The JSON row count is an upper bound: a value holding the key text makes it larger, never
    smaller, so an answer near the limit is still parsed and cut exactly."""
    query = 'SELECT ?v WHERE { VALUES ?v { "\\"type\\": x" "y" } }'
    native = ox.Store().query(query).serialize(format=ox.QueryResultsFormat.JSON)
    assert native.count(b'"type":') == 2  # the escaped quote hides the key text in the value
    cut, truncated = trim(native, "json", 1)
    assert truncated and len(_rows_of_one(cut)) == 1
    assert trim(native, "json", 2) == (native, False)


def _rows_of_one(body: bytes) -> list[object]:
    return [s["v"] for s in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)]
