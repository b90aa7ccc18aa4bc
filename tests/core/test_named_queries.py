"""Named queries: headers, typed parameters bound as terms, and answers over the project graph."""

from __future__ import annotations

import pytest
import rdflib

from api.core.named_queries import bind, load_named_queries, load_named_query, paged
from api.core.store import SelectResult
from api.errors import InputError
from tests.conftest import FIXTURES, ROOT

QUERIES = load_named_queries(ROOT / "queries")
MALFORMED = sorted((FIXTURES / "queries").glob("*.rq"))


def test_at_least_twelve_named_queries_listed_in_the_readme():
    assert len(QUERIES) >= 12
    readme = (ROOT / "queries" / "README.md").read_text()
    assert [name for name in QUERIES if f"`{name}.rq`" not in readme] == []


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_runs_with_its_defaults_on_the_examples_too(project_store_with_examples, name):
    query = QUERIES[name]
    bindings, page = bind(query, {})
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
