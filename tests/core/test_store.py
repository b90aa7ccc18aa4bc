"""The embedded store: named graphs per file, union default graph, atomic replacement."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
from rsikg.core.loading import GRAPH_BASE, graph_iri_for, load_files, source_for
from rsikg.core.store import OxigraphStore, SelectResult, open_store
from rsikg.errors import (
    InputError,
    NotAcceptableError,
    QuerySyntaxError,
    RdfSyntaxError,
    StoreUnavailableError,
)
from rsikg.settings import Settings

from tests.conftest import FIXTURES, ROOT

EX = rdflib.Namespace("http://example.org/")
TINY = ["tiny.ttl", "tiny.nt", "tiny.nq", "tiny.trig", "tiny.rdf", "tiny.jsonld"]


def fingerprint(store: OxigraphStore) -> list[str]:
    return list(store.quads_nquads())


@pytest.mark.parametrize("name", TINY)
def test_every_format_loads_into_the_files_own_graph(store, settings, name):
    written = load_files(store, [FIXTURES / name], settings)
    assert written == 2
    graph = GRAPH_BASE + f"tests/fixtures/{name}"
    assert store.named_graphs() == [graph]
    result = store.query(
        "SELECT ?g ?label WHERE { GRAPH ?g { <http://example.org/a> <http://example.org/label> ?label } }"
    )
    assert result.rows == [(rdflib.URIRef(graph), rdflib.Literal("tiny", lang="en"))]


def test_default_graph_is_the_union_of_all_graphs(store, settings):
    load_files(store, [FIXTURES / "tiny.ttl", FIXTURES / "tiny.nt"], settings)
    assert store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][
        0
    ] == rdflib.Literal(4)
    # the same two triples in two graphs: the default graph (every graph merged) has each once
    assert store.query("ASK { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")
    names = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    assert [str(r[0]) for r in names.rows] == [
        GRAPH_BASE + "tests/fixtures/tiny.nt",
        GRAPH_BASE + "tests/fixtures/tiny.ttl",
    ]


def test_reloading_a_file_replaces_its_graph(store, tmp_path):
    settings = Settings(store=":memory:", project_dir=tmp_path)
    data = tmp_path / "data.ttl"
    shutil.copy(FIXTURES / "tiny.ttl", data)
    load_files(store, [data], settings)
    load_files(store, [data], settings)  # idempotent
    assert len(store) == 2
    shutil.copy(FIXTURES / "tiny-changed.ttl", data)
    load_files(store, [data], settings)
    labels = store.query("SELECT ?l WHERE { ?s <http://example.org/label> ?l }")
    assert labels.rows == [(rdflib.Literal("tiny, second version", lang="en"),)]
    assert len(store) == 1


@pytest.mark.parametrize(
    ("name", "line"), [("malformed.ttl", 3), ("malformed.rdf", 5), ("malformed.jsonld", 4)]
)
def test_malformed_file_is_located_and_changes_nothing(store, settings, name, line):
    load_files(store, [FIXTURES / "tiny.ttl"], settings)
    before = fingerprint(store)
    with pytest.raises(RdfSyntaxError) as raised:
        # the good file comes first: it must not be written either
        load_files(store, [FIXTURES / "tiny.nt", FIXTURES / name], settings)
    error = raised.value
    assert error.location.source.endswith(name)
    assert error.location.line == line
    assert error.location.column is not None
    assert f"line {line}" in str(error)
    assert fingerprint(store) == before


def test_unknown_extension_says_which_ones_are_known(store, settings, tmp_path):
    odd = tmp_path / "data.txt"
    odd.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    with pytest.raises(InputError, match=r"\.ttl"):
        load_files(store, [odd], settings)
    assert len(store) == 0


def test_missing_file_is_named(store, settings, tmp_path):
    with pytest.raises(InputError, match="no such file") as raised:
        load_files(store, [tmp_path / "absent.ttl"], settings)
    assert "absent.ttl" in str(raised.value)


def test_graph_names_inside_and_outside_the_project(tmp_path):
    assert (
        graph_iri_for(ROOT / "graph_data" / "systems.ttl", ROOT)
        == "https://w3id.org/rsikg/graph/graph_data/systems.ttl"
    )
    outside = tmp_path / "mine.ttl"
    assert graph_iri_for(outside, ROOT) == outside.resolve().as_uri()
    assert source_for(FIXTURES / "tiny.ttl", ROOT).format.name == "turtle"


def test_bindings_are_terms_not_query_text(store, settings):
    load_files(store, [FIXTURES / "tiny.ttl"], settings)
    sneaky = rdflib.Literal('tiny"@en } UNION { ?s ?p ?o')
    # pyoxigraph substitutions (SEP-0007) need the bound variable in the projection
    query = "SELECT ?s ?label WHERE { ?s <http://example.org/label> ?label }"
    assert store.query(query, bindings={"label": sneaky}).rows == []
    result = store.query(query, bindings={"label": rdflib.Literal("tiny", lang="en")})
    assert result.rows == [(EX.a, rdflib.Literal("tiny", lang="en"))]


def test_query_syntax_error_has_line_and_column(store):
    with pytest.raises(QuerySyntaxError) as raised:
        store.query("SELECT *\nWHERE { ?s ?p }")
    assert raised.value.location.line == 2
    assert raised.value.location.column is not None


@pytest.mark.parametrize("on_disk", [False, True], ids=["in-memory", "on-disk-in-a-worker"])
def test_client_queries_answer_in_the_standard_formats(tmp_path, settings, on_disk):
    store = open_store(tmp_path / "store" if on_disk else None)
    load_files(store, [FIXTURES / "tiny.ttl"], settings)
    select = "SELECT ?o WHERE { <http://example.org/a> <http://example.org/b> ?o }"

    def answer(query: str, results: str | None, graph: str | None = None) -> bytes:
        used, body = store.client_query(query, results_format=results, graph_format=graph)
        assert used == (results if results else graph)
        return body

    assert b'"value":"http://example.org/c"' in answer(select, "json").replace(b" ", b"")
    assert answer(select, "csv").splitlines() == [b"o", b"http://example.org/c"]
    assert answer(select, "tsv").splitlines() == [b"?o", b"<http://example.org/c>"]
    assert b"<uri>http://example.org/c</uri>" in answer(select, "xml")
    construct = "CONSTRUCT WHERE { ?s <http://example.org/b> ?o }"
    parsed = rdflib.Graph().parse(data=answer(construct, None, "turtle"), format="turtle")
    assert set(parsed) == {(EX.a, EX.b, EX.c)}
    with pytest.raises(NotAcceptableError):
        answer(select, None, "turtle")
    with pytest.raises(NotAcceptableError):
        answer(construct, "csv", None)
    with pytest.raises(QuerySyntaxError) as raised:
        answer("SELECT *\nWHERE { ?s ?p }", "json")
    assert raised.value.location.line == 2


def test_a_client_query_that_crashes_its_parser_is_an_input_error_not_a_crash(tmp_path, settings):
    """Oxigraph's SPARQL parser overflows its stack at 10,000 levels (SIGSEGV): in a worker."""
    store = open_store(tmp_path / "store")
    load_files(store, [FIXTURES / "tiny.ttl"], settings)
    deep = "SELECT * WHERE { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }"
    with pytest.raises(InputError, match="nests too deeply"):
        store.client_query(deep, results_format="json", graph_format=None)
    assert store.client_query("ASK {}", results_format="json", graph_format=None)[1]


def test_select_ask_and_construct_come_back_as_python_values(store, settings):
    load_files(store, [FIXTURES / "tiny.ttl"], settings)
    assert store.query("ASK { ?s ?p ?o }") is True
    select = store.query("SELECT ?s ?missing WHERE { ?s <http://example.org/b> ?o }")
    assert isinstance(select, SelectResult)
    assert select.dicts() == [{"s": EX.a}]
    graph = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(graph, rdflib.Graph) and len(graph) == 2


def test_export_keeps_graphs_in_trig_and_unions_in_turtle(store, settings):
    load_files(store, [FIXTURES / "tiny.ttl", FIXTURES / "tiny.nt"], settings)
    dataset = rdflib.Dataset()
    dataset.parse(data=store.export("trig"), format="trig")
    assert len({str(g.identifier) for g in dataset.graphs() if len(g)}) == 2
    union = rdflib.Graph().parse(data=store.export("turtle"), format="turtle")
    assert len(union) == 2


def test_to_rdflib_leaves_out_excluded_graphs(store, settings):
    load_files(store, [FIXTURES / "tiny.ttl", FIXTURES / "tiny-changed.ttl"], settings)
    kept = store.to_rdflib(exclude_graphs=[GRAPH_BASE + "tests/fixtures/tiny-changed.ttl"])
    assert set(kept.objects(EX.a, EX.label)) == {rdflib.Literal("tiny", lang="en")}


def test_on_disk_store_persists_and_is_locked_while_open(tmp_path, settings):
    path = tmp_path / "store"
    first = open_store(path)
    load_files(first, [FIXTURES / "tiny.ttl"], settings)
    with pytest.raises(StoreUnavailableError, match="in use by another process"):
        open_store(path)
    first.flush()
    del first
    import gc

    gc.collect()
    again = open_store(path)
    assert len(again) == 2


def test_removing_a_graph(store, settings):
    load_files(store, [FIXTURES / "tiny.ttl"], settings)
    store.remove_graph(GRAPH_BASE + "tests/fixtures/tiny.ttl")
    store.remove_graph("http://example.org/never-loaded")
    assert len(store) == 0 and store.named_graphs() == []


def test_path_exists():
    assert Path(FIXTURES / "tiny.ttl").is_file()


def test_nquads_lines_read_as_rdflib_quads_keep_blank_labels_and_long_literals():
    from rsikg.core.store import nquads_terms

    long = "x" * 2_000_000  # rdflib's own N-Quads parser took 15 s on 1.6 MB (quadratic)
    quads = nquads_terms(['_:b1 <urn:p> "a"@da .', f'<urn:s> <urn:p> "{long}" <urn:g> .'])
    assert quads[0] == (rdflib.BNode("b1"), rdflib.URIRef("urn:p"), rdflib.Literal("a", lang="da"), None)
    assert quads[1][2] == rdflib.Literal(long) and quads[1][3] == rdflib.URIRef("urn:g")
