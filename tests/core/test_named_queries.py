"""Named queries: headers, typed parameters bound as terms, and answers over the project graph."""

from __future__ import annotations

from datetime import date

import pytest
import rdflib
from rsikg.core.named_queries import bind, bound_text, load_named_queries, load_named_query, paged
from rsikg.core.store import SelectResult, open_store
from rsikg.errors import InputError

from tests.conftest import FIXTURES, ROOT

QUERIES = load_named_queries(ROOT / "queries")
ON_A_FIXED_DAY = date(2026, 11, 29)  # "today" for the defaults: tests never read the real clock
MALFORMED = sorted((FIXTURES / "queries").glob("*.rq"))


def test_at_least_twelve_named_queries_listed_in_the_readme():
    assert len(QUERIES) >= 12
    readme = (ROOT / "queries" / "README.md").read_text()
    assert [name for name in QUERIES if f"`{name}.rq`" not in readme] == []


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_runs_with_its_defaults_on_the_examples_too(project_store_with_examples, name):
    query = QUERIES[name]
    bindings, page = bind(query, {}, today=lambda: ON_A_FIXED_DAY)
    result = project_store_with_examples.query(paged(query, page), bindings=bindings)
    assert isinstance(result, SelectResult)
    assert result.rows, f"{name} answers nothing with its defaults"
    assert len(result.rows) == len(set(result.rows)), f"{name} repeats rows"
    for param in query.params:  # SEP-0007: a bound variable must be projected
        assert param.name in result.variables, f"{name}: ?{param.name} is not in the projection"


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.name)
def test_a_malformed_header_is_an_error_naming_the_file(path):
    with pytest.raises(InputError) as raised:
        load_named_query(path)
    assert path.name in str(raised.value)


def test_broken_yaml_names_the_line():
    with pytest.raises(InputError) as raised:
        load_named_query(FIXTURES / "queries" / "broken_yaml.rq")
    assert raised.value.location.line is not None


def test_parameters_are_typed_and_named_in_errors():
    query = QUERIES["list_systems_used_by_region"]
    bindings, _ = bind(query, {"region": "region/region-sjaelland"})
    assert bindings == {"region": rdflib.URIRef("https://w3id.org/rsikg/id/region/region-sjaelland")}
    full = "https://w3id.org/rsikg/id/region/region-midtjylland"
    assert bind(query, {"region": full})[0]["region"] == rdflib.URIRef(full)
    with pytest.raises(InputError, match="'region'"):
        bind(query, {"region": "not an iri"})
    with pytest.raises(InputError, match="unknown parameter") as raised:
        bind(query, {"regoin": "region/region-sjaelland"})
    assert raised.value.location.field == "regoin"
    with pytest.raises(InputError, match="'lang'"):
        bind(QUERIES["list_principles"], {"lang": "da dk"})


def test_a_bound_value_is_a_term_not_query_text(project_store):
    query = QUERIES["list_systems_used_by_region"]
    sneaky = "region/x> } UNION { ?system ?p ?label"
    with pytest.raises(InputError):
        bind(query, {"region": sneaky})
    bindings, _ = bind(QUERIES["list_principles"], {"lang": "en"})
    result = project_store.query(QUERIES["list_principles"].text, bindings=bindings)
    assert {row[-1] for row in result.rows} == {rdflib.Literal("en")}


# -- the date as a parameter ---------------------------------------------------------------------

REGION = "https://w3id.org/rsikg/id/region/"
FIVE = [
    "region-hovedstaden",
    "region-midtjylland",
    "region-nordjylland",
    "region-sjaelland",
    "region-syddanmark",
]
FOUR = ["region-midtjylland", "region-nordjylland", "region-syddanmark", "region-oestdanmark"]


def _regions(store, day: str | None, today: date = ON_A_FIXED_DAY) -> list[str]:
    query = QUERIES["list_regions"]
    bindings, page = bind(query, {"date": day} if day else {}, today=lambda: today)
    result = store.query(paged(query, page), bindings=bindings)
    return [str(row["region"]).removeprefix(REGION) for row in result.dicts()]


def test_five_regions_on_the_last_day_before_the_reform_four_on_the_first_after(project_store):
    assert _regions(project_store, "2026-12-31") == FIVE  # ordered by Danish name
    assert _regions(project_store, "2027-01-01") == FOUR  # Region Østdanmark sorts last


def test_no_date_is_the_clock_s_today_read_when_bound(project_store):
    query = QUERIES["list_regions"]
    assert query.params[0].default == "today"
    assert bind(query, {}, today=lambda: date(2027, 1, 1))[0] == {
        "date": rdflib.Literal("2027-01-01", datatype=rdflib.XSD.date)
    }
    # the same loaded query, two clocks: the default follows the clock, not the loading
    assert _regions(project_store, None, today=date(2026, 12, 31)) == FIVE
    assert _regions(project_store, None, today=date(2027, 1, 1)) == FOUR


@pytest.mark.parametrize(
    "bad", ["20270101", "2027-1-1", "2027-02-30", "today", "2027-01-01T00:00", "2027-W01-1"]
)
def test_a_date_that_is_not_yyyy_mm_dd_is_an_error_naming_it(bad):
    with pytest.raises(InputError, match=r"'date'.*YYYY-MM-DD") as raised:
        bind(QUERIES["list_regions"], {"date": bad})
    assert raised.value.location.field == "date"


def test_periods_are_compared_at_the_precision_the_source_gives():
    """gYear, gYearMonth and date bounds, the end inclusive, with no project data involved."""
    store = open_store(None)
    store.update(
        """PREFIX rsi: <https://w3id.org/rsikg/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        PREFIX r: <https://w3id.org/rsikg/id/region/>
        INSERT DATA {
          r:a a rsi:Region ; skos:prefLabel "A"@da ; rsi:startDate "2007"^^xsd:gYear ;
              rsi:endDate "2026-12"^^xsd:gYearMonth .
          r:b a rsi:Region ; skos:prefLabel "B"@da ; rsi:startDate "2027-01-01"^^xsd:date .
          r:c a rsi:Region ; skos:prefLabel "C"@da ; rsi:endDate "2026-12-31"^^xsd:date .
          r:d a rsi:Region ; skos:prefLabel "D"@da .
        }"""
    )
    assert _regions(store, "2006-12-31") == ["c", "d"]  # before a's founding year
    assert _regions(store, "2007-01-01") == ["a", "c", "d"]  # "2007" holds from its first day
    assert _regions(store, "2026-12-31") == ["a", "c", "d"]  # both ends are inclusive
    assert _regions(store, "2027-01-01") == ["b", "d"]


def test_a_named_file_run_from_the_command_line_is_bound_like_the_endpoint():
    path = ROOT / "queries" / "list_regions.rq"
    text, bindings = bound_text(path, path.read_text(), {"date": "2027-01-01"})
    assert text == QUERIES["list_regions"].text
    assert bindings == {"date": rdflib.Literal("2027-01-01", datatype=rdflib.XSD.date)}
    assert bound_text(path, path.read_text(), {}, today=lambda: date(2026, 12, 31))[1][
        "date"
    ] == rdflib.Literal("2026-12-31", datatype=rdflib.XSD.date)
    with pytest.raises(InputError, match="named query") as raised:
        bound_text(path, "SELECT * WHERE { ?s ?p ?o }", {"date": "2027-01-01"})
    assert raised.value.location.field == "date"
