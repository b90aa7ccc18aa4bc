"""The two ways rsikg asks "holds on day D" (api/core/periods.py) give the same answers, at every
precision the sources use, and the cached set of what starts later follows the store's writes."""

from __future__ import annotations

from datetime import date

import pytest
from rsikg.core import periods, sparql_terms
from rsikg.core.namespaces import SPARQL_PREFIXES
from rsikg.core.store import open_store
from rsikg.errors import InputError, Location

DAYS = [date(2006, 12, 31), date(2007, 1, 1), date(2010, 6, 1), date(2026, 12, 31), date(2027, 1, 1)]
QUESTIONS = {
    "regions": ("SELECT ?x WHERE { ?x a rsi:Region . %s }", "x"),
    "seats": ("SELECT ?x WHERE { ?x a org:Membership . %s }", "x"),
    "organisations": ("SELECT ?x WHERE { ?x a/rdfs:subClassOf* org:Organization . %s }", "x"),
}


def _answer(store, template: str, part: str) -> set[str]:
    return {str(row[0]) for row in store.select(SPARQL_PREFIXES + template % part).rows}


@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_row_by_row_and_set_wise_agree(project_store, question, day):
    template, subject = QUESTIONS[question]
    row_wise = _answer(project_store, template, sparql_terms.holds_on(subject, day))
    starting = periods.starting_after(project_store, day)
    set_wise = _answer(project_store, template, sparql_terms.held_set_wise(subject, day, starting))
    assert row_wise == set_wise
    assert row_wise < _answer(project_store, template, "")  # on each of these days some period excludes


def test_the_reform_day_as_both_ways_see_it(project_store):
    regions = "SELECT ?x WHERE { ?x a rsi:Region . %s }"
    before = _answer(project_store, regions, sparql_terms.holds_on("x", date(2026, 12, 31)))
    after = _answer(project_store, regions, sparql_terms.holds_on("x", date(2027, 1, 1)))
    region = "https://w3id.org/rsikg/id/region/"
    assert before - after == {region + "region-hovedstaden", region + "region-sjaelland"}
    assert after - before == {region + "region-oestdanmark"}
    # Region Østdanmark starts after 2026-12-31: the set-wise way finds it among what starts later
    assert region + "region-oestdanmark" in {
        str(x) for x in periods.starting_after(project_store, date(2026, 12, 31))
    }


@pytest.mark.parametrize(
    ("stored", "datatype", "day", "holds"),
    [
        ("2007", "gYear", date(2007, 1, 1), True),  # a year holds on each of its days
        ("2007", "gYear", date(2006, 12, 31), False),
        ("2026-12", "gYearMonth", date(2026, 12, 31), True),
        ("2026-12-31", "date", date(2026, 12, 31), True),
    ],
)
def test_a_start_is_compared_at_its_own_precision(stored, datatype, day, holds):
    store = open_store(None)
    store.update(
        f"""PREFIX rsi: <https://w3id.org/rsikg/ontology#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        INSERT DATA {{ GRAPH <urn:g> {{ <urn:x> rsi:startDate "{stored}"^^xsd:{datatype} ;
                                              rsi:endDate "{stored}"^^xsd:{datatype} }} }}"""
    )
    template = "SELECT ?x WHERE { ?x rsi:startDate ?any . %s }"
    starting = periods.starting_after(store, day)
    assert bool(_answer(store, template, sparql_terms.holds_on("x", day))) is holds
    assert bool(_answer(store, template, sparql_terms.held_set_wise("x", day, starting))) is holds


def test_the_cached_set_follows_the_stores_writes():
    store = open_store(None)
    day = date(2027, 1, 1)
    assert periods.starting_after(store, day) == ()
    store.update(
        """PREFIX rsi: <https://w3id.org/rsikg/ontology#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        INSERT DATA { GRAPH <urn:g> { <urn:later> rsi:startDate "2030"^^xsd:gYear } }"""
    )
    assert [str(x) for x in periods.starting_after(store, day)] == ["urn:later"]
    store.remove_graph("urn:g")
    assert periods.starting_after(store, day) == ()


def test_only_a_date_and_a_variable_name_reach_the_text():
    with pytest.raises(TypeError):
        sparql_terms.holds_on("x", "2027-01-01")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sparql_terms.holds_on("x } DROP ALL { ?y", date(2027, 1, 1))
    with pytest.raises(ValueError):
        sparql_terms.dated_by("x y", date(2027, 1, 1))


_LATER = """PREFIX rsi: <https://w3id.org/rsikg/ontology#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
INSERT DATA { GRAPH <urn:g> { <%s> rsi:startDate "2030"^^xsd:gYear } }"""


def test_a_new_store_never_reads_the_cached_set_of_another(monkeypatch):
    # A store that is collected leaves its address to the next one, so id() of two stores a
    # while apart can be equal; here id() says so of two stores at the same revision.
    monkeypatch.setattr(periods, "id", lambda _store: 1, raising=False)
    day = date(2027, 1, 1)
    first, second = open_store(None), open_store(None)
    first.update(_LATER % "urn:first")
    second.update(_LATER % "urn:second")
    assert first.revision == second.revision
    assert [str(x) for x in periods.starting_after(first, day)] == ["urn:first"]
    assert [str(x) for x in periods.starting_after(second, day)] == ["urn:second"]


def test_a_blank_day_is_missing_unless_its_absence_means_today():
    where = Location(field="from")
    with pytest.raises(InputError, match=r"^field 'from': from is required: a date \(YYYY-MM-DD\)$"):
        periods.parse_day("", "from", where)
    with pytest.raises(InputError, match=r"^field 'from': from is required: a date \(YYYY-MM-DD\)$"):
        periods.parse_day(None, "from", where)
    today = periods.clock(date(2027, 1, 1))
    assert periods.as_of(None, "asOf", today) == date(2027, 1, 1)
    for blank in ("", "  "):
        with pytest.raises(InputError, match=r"^field 'asOf': asOf must be a date \(YYYY-MM-DD\), not ''$"):
            periods.as_of(blank, "asOf", today)
    with pytest.raises(InputError, match=r"^field 'asOf': asOf must be a date \(YYYY-MM-DD\), not '2027-1'$"):
        periods.as_of("2027-1", "asOf", today)
