"""What every backend of :class:`~rsikg.core.store.base.GraphStore` must do, run over each: the
embedded Oxigraph store, and :class:`~rsikg.core.store.remote.RemoteStore` over Oxigraph's own
server (``oxigraph serve``, from PyPI's ``oxigraph``, started here on loopback with a plain
default graph, as its users run it) through the SPARQL 1.1 Protocol and Update alone."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rsikg.core.formats import rdf_format
from rsikg.core.store import OxigraphStore
from rsikg.core.store.base import MERGED_GRAPH, GraphStore, SelectResult, Source
from rsikg.core.store.remote import Endpoint, RemoteStore, is_description
from rsikg.errors import InputError, NotOnThisStoreError, RsikgError

from tests import engines
from tests.engines import Engine

EX = "https://example.org/"
SHARED = f'<{EX}fmk> <{EX}label> "FMK" .\n'
FIRST = SHARED + f'<{EX}fmk> <{EX}dependsOn> <{EX}nsp> .\n<{EX}nsp> <{EX}label> "NSP" .\n'
SECOND = SHARED + f"<{EX}sp> <{EX}dependsOn> <{EX}fmk> .\n"
G1, G2 = f"{EX}graph/one", f"{EX}graph/two"
NT = rdf_format("ntriples")


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with engines.oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as engine:
        yield engine


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with engines.virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as engine:
        yield engine


@pytest.fixture(params=["embedded", "oxigraph-server", pytest.param("virtuoso", marks=pytest.mark.engines)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "embedded":
        yield OxigraphStore(tmp_path / "store")
        return
    engine = request.getfixturevalue("oxigraph_server" if request.param == "oxigraph-server" else "virtuoso")
    engine.empty()
    remote = RemoteStore(engine.endpoint())
    yield remote
    remote.close()


def _load(store: GraphStore, text: str, graph: str, name: str = "data.nt") -> int:
    return store.load([Source(name, graph, NT, data=text.encode())])


def _count(store: GraphStore, query: str = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") -> int:
    result = store.select(query)
    return int(str(result.rows[0][0]))


def test_a_triple_two_graphs_state_is_counted_once_and_found_in_both(store: GraphStore) -> None:
    assert _load(store, FIRST, G1) == 3 and _load(store, SECOND, G2) == 2
    assert _count(store) == 4  # the shared label once
    found = store.select(f'SELECT ?g WHERE {{ GRAPH ?g {{ <{EX}fmk> <{EX}label> "FMK" }} }} ORDER BY ?g')
    assert [str(row[0]) for row in found.rows] == [G1, G2]
    assert store.named_graphs() == [G1, G2] and MERGED_GRAPH not in store.named_graphs()
    assert len(store) == 5  # quads in the store's graphs: the shared triple in each


def test_loading_a_graph_again_replaces_it_and_keeps_what_another_graph_states(store: GraphStore) -> None:
    _load(store, FIRST, G1)
    _load(store, SECOND, G2)
    _load(store, f'<{EX}x> <{EX}label> "X" .\n', G1)
    labels = store.select(f"SELECT ?l WHERE {{ ?s <{EX}label> ?l }} ORDER BY ?l")
    assert [str(row[0]) for row in labels.rows] == ["FMK", "X"]  # NSP's went with the graph, FMK's stays
    assert _count(store) == 3


def test_queries_answer_in_each_form_with_bindings_and_a_dataset(store: GraphStore) -> None:
    _load(store, FIRST, G1)
    _load(store, SECOND, G2)
    bound = store.query(f"SELECT ?s ?o WHERE {{ ?s <{EX}dependsOn> ?o }}", bindings={"s": URIRef(f"{EX}sp")})
    assert isinstance(bound, SelectResult) and bound.rows == [(URIRef(f"{EX}sp"), URIRef(f"{EX}fmk"))]
    assert store.query(f'ASK {{ <{EX}fmk> <{EX}label> "FMK" }}') is True
    graph = store.query(f"CONSTRUCT {{ ?s <{EX}label> ?l }} WHERE {{ ?s <{EX}label> ?l }}")
    assert isinstance(graph, rdflib.Graph)
    assert set(graph.objects(None, URIRef(f"{EX}label"))) == {Literal("FMK"), Literal("NSP")}
    only_second = store.select("SELECT ?s WHERE { ?s ?p ?o }", default_graphs=[G2])
    assert {str(row[0]) for row in only_second.rows} == {f"{EX}fmk", f"{EX}sp"}
    assert sorted(store.select_values(f"SELECT ?l WHERE {{ ?s <{EX}label> ?l }}")) == [("FMK",), ("NSP",)]


def test_a_client_query_answers_in_the_format_asked_for(store: GraphStore) -> None:
    _load(store, FIRST, G1)
    fmt, body = store.client_query(
        f"SELECT ?l WHERE {{ <{EX}nsp> <{EX}label> ?l }}", results_format="csv", graph_format=None
    )
    # as RFC 4180 reads it: Virtuoso quotes every field, which the format allows
    assert fmt == "csv" and list(csv.reader(io.StringIO(body.decode()))) == [["l"], ["NSP"]]
    fmt, body = store.client_query(
        f"CONSTRUCT WHERE {{ <{EX}nsp> ?p ?o }}", results_format=None, graph_format="ntriples"
    )
    parsed = rdflib.Graph().parse(data=body, format="nt")
    assert fmt == "ntriples" and (URIRef(f"{EX}nsp"), URIRef(f"{EX}label"), Literal("NSP")) in parsed


def test_an_update_keeps_the_default_graph_the_merge(store: GraphStore) -> None:
    """rsikg's own updates name their graphs (their default graph is the store's own, empty)."""
    _load(store, FIRST, G1)
    _load(store, SECOND, G2)
    store.update(f'DELETE WHERE {{ GRAPH ?g {{ <{EX}fmk> <{EX}label> "FMK" }} }}')  # from every graph
    assert store.query(f'ASK {{ GRAPH ?g {{ <{EX}fmk> <{EX}label> "FMK" }} }}') is False
    assert _count(store) == 3
    store.update(f'INSERT DATA {{ GRAPH <{G2}> {{ <{EX}sp> <{EX}label> "SP" }} }}')
    assert _count(store) == 4
    assert store.query(f'ASK {{ <{EX}sp> <{EX}label> "SP" }}') is True


def test_a_removed_graph_leaves_the_merge_but_what_others_state(store: GraphStore) -> None:
    _load(store, FIRST, G1)
    _load(store, SECOND, G2)
    store.remove_graph(G1)
    assert store.named_graphs() == [G2]
    assert _count(store) == 2 and store.query(f'ASK {{ <{EX}fmk> <{EX}label> "FMK" }}') is True


def test_exports_hold_every_graph_or_their_merge(store: GraphStore) -> None:
    _load(store, FIRST, G1)
    _load(store, SECOND, G2)
    merged = rdflib.Graph().parse(data=store.export("ntriples"), format="nt")
    assert len(merged) == 4
    dataset = rdflib.Dataset()
    dataset.parse(data=store.export("nquads"), format="nquads")
    assert {str(g.identifier) for g in dataset.graphs() if len(g)} == {G1, G2}
    assert sum(len(g) for g in dataset.graphs()) == 5
    without_first = store.to_rdflib(exclude_graphs=[G1])
    assert len(without_first) == 2


def test_bad_input_writes_nothing_and_says_where(store: GraphStore, tmp_path: Path) -> None:
    _load(store, FIRST, G1)
    good = tmp_path / "good.nt"
    good.write_text(SECOND)
    with pytest.raises(InputError) as refused:
        store.load(
            [
                Source("good.nt", G2, NT, path=good),
                Source("bad.nt", f"{EX}graph/three", NT, data=b"<https://example.org/a> <oops\n"),
            ]
        )
    assert "bad.nt" in str(refused.value)
    assert store.named_graphs() == [G1] and _count(store) == 3
    with pytest.raises(InputError) as syntax:
        store.query("SELECT ?s WHERE { ?s ?p }")
    assert "syntax" in str(syntax.value).lower()
    with pytest.raises(RsikgError):
        store.load([Source("merged.nt", MERGED_GRAPH, NT, data=SECOND.encode())])
    assert _count(store) == 3


def test_a_store_description_is_read_and_checked(tmp_path: Path) -> None:
    secret = tmp_path / "password.txt"
    secret.write_text("s3cret\n")
    described = tmp_path / "remote.toml"
    described.write_text(
        'query = "http://127.0.0.1:7878/query"\nupdate = "http://127.0.0.1:7878/update"\n'
        'user = "rsikg"\npassword_file = "password.txt"\ntimeout = 5\n'
    )
    assert is_description(str(described)) and not is_description(str(tmp_path / "store"))
    assert Endpoint.read(described) == Endpoint(
        "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", "rsikg", "s3cret", 5.0
    )
    described.write_text('query = "ftp://example.org/q"\nupdate = "http://127.0.0.1:7878/update"\n')
    with pytest.raises(InputError) as wrong:
        Endpoint.read(described)
    assert wrong.value.location is not None and wrong.value.location.field == "query"


def test_an_engine_that_cannot_be_reached_is_a_clear_error() -> None:
    port = engines.free_port()  # nobody listens there
    remote = RemoteStore(Endpoint(f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/update"))
    with pytest.raises(RsikgError) as unreachable:
        remote.named_graphs()
    assert "cannot be reached" in str(unreachable.value)


@pytest.fixture(params=["oxigraph-server", pytest.param("virtuoso", marks=pytest.mark.engines)])
def engine(request: pytest.FixtureRequest) -> Engine:
    found: Engine = request.getfixturevalue(
        "oxigraph_server" if request.param == "oxigraph-server" else "virtuoso"
    )
    found.empty()
    return found


@pytest.fixture
def remote(engine: Engine) -> Iterator[RemoteStore]:
    store = RemoteStore(engine.endpoint())
    yield store
    store.close()


def test_every_write_moves_the_remote_stores_generation_on(remote: RemoteStore) -> None:
    assert remote.generation() == 0
    _load(remote, FIRST, G1)
    assert remote.generation() == 1
    remote.update(f'INSERT DATA {{ GRAPH <{G2}> {{ <{EX}a> <{EX}b> "c" }} }}')
    remote.remove_graph(G2)
    assert remote.generation() == 3
    assert remote.named_graphs() == [G1]  # the generation is in no graph rsikg shows
    assert _count(remote) == 3 and len(remote) == 3


def test_a_commit_applies_only_at_the_generation_it_was_checked_against(remote: RemoteStore) -> None:
    _load(remote, FIRST, G1)
    at = remote.generation()
    added = [
        f"<{EX}sp> <{EX}dependsOn> <{EX}fmk> <{G1}> .",
        f"<{EX}sp> <{EX}dependsOn> <{EX}fmk> <{MERGED_GRAPH}> .",
    ]
    removed = [f'<{EX}nsp> <{EX}label> "NSP" <{G1}> .', f'<{EX}nsp> <{EX}label> "NSP" <{MERGED_GRAPH}> .']
    assert remote.commit(removed, added, expected=at) is True
    assert remote.generation() == at + 1
    assert remote.query(f"ASK {{ <{EX}sp> <{EX}dependsOn> <{EX}fmk> }}") is True
    assert remote.query(f'ASK {{ <{EX}nsp> <{EX}label> "NSP" }}') is False
    # checked against the generation before: another write came between, so nothing happens
    late = [f'<{EX}x> <{EX}label> "late" <{G1}> .']
    assert remote.commit([], late, expected=at) is False
    assert remote.query(f'ASK {{ GRAPH ?g {{ <{EX}x> <{EX}label> "late" }} }}') is False
    assert remote.generation() == at + 1


def test_what_a_commit_changed_is_known_to_its_writer_and_unknown_after_another_ones_write(
    remote: RemoteStore, engine: Engine
) -> None:
    _load(remote, FIRST, G1)
    at = remote.change_mark()
    assert remote.changes_since(at) == (at, [])
    added = [
        f"<{EX}sp> <{EX}dependsOn> <{EX}fmk> <{G1}> .",
        f"<{EX}sp> <{EX}dependsOn> <{EX}fmk> <{MERGED_GRAPH}> .",
    ]
    assert remote.commit([], added, expected=at)
    now, changes = remote.changes_since(at)
    assert now == at + 1 and changes is not None
    assert [sorted(c.statements) for c in changes] == [[(f"{EX}sp", f"{EX}dependsOn")]]
    other = RemoteStore(engine.endpoint())  # another replica
    try:
        assert other.commit([], [f'<{EX}x> <{EX}label> "x" <{G1}> .'], expected=now)
    finally:
        other.close()
    assert remote.changes_since(at) == (now + 1, None)  # its write is not in this one's log


def test_what_each_write_to_the_embedded_store_changed_is_logged_by_revision(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    at = store.change_mark()
    _load(store, FIRST, G1)  # a load: what it changed is not described, so unknown
    store.apply_diff([], [f"<{EX}sp> <{EX}dependsOn> <{EX}fmk> <{G1}> ."])
    assert store.changes_since(at) == (at + 2, None)
    now, changes = store.changes_since(at + 1)
    assert now == at + 2 and changes is not None
    assert [sorted(c.statements) for c in changes] == [[(f"{EX}sp", f"{EX}dependsOn")]]


def test_a_commit_that_removes_a_blank_node_triple_is_refused_whole(remote: RemoteStore) -> None:
    _load(remote, FIRST + f'<{EX}fmk> <{EX}period> _:p .\n_:p <{EX}start> "2020" .\n', G1)
    at = remote.generation()
    with pytest.raises(NotOnThisStoreError):
        remote.commit(
            [f'_:p <{EX}start> "2020" <{G1}> .'], [f'<{EX}y> <{EX}label> "Y" <{G1}> .'], expected=at
        )
    assert remote.generation() == at and remote.query(f"ASK {{ <{EX}y> ?p ?o }}") is False


def test_a_graph_with_blank_nodes_is_replaced_whole_in_the_same_conditional_request(
    remote: RemoteStore,
) -> None:
    _load(remote, FIRST + f'<{EX}fmk> <{EX}period> _:p .\n_:p <{EX}start> "2020" .\n', G1)
    _load(remote, SECOND, G2)
    at = remote.generation()
    after = [
        f'<{EX}fmk> <{EX}label> "FMK" <{G1}> .',
        f"<{EX}fmk> <{EX}period> _:q <{G1}> .",
        f'_:q <{EX}start> "2021" <{G1}> .',
    ]
    # what the merged graph loses beside the blank-node triples (the write's diff, as the service computes it)
    gone = [
        f"<{EX}fmk> <{EX}dependsOn> <{EX}nsp> <{MERGED_GRAPH}> .",
        f'<{EX}nsp> <{EX}label> "NSP" <{MERGED_GRAPH}> .',
    ]
    assert remote.commit(gone, [], replaced={G1: after}, expected=at) is True
    starts = remote.select(f"SELECT ?d WHERE {{ <{EX}fmk> <{EX}period> ?p . ?p <{EX}start> ?d }}")
    assert [str(row[0]) for row in starts.rows] == ["2021"]  # in the merged graph too: one period
    assert remote.query(f"ASK {{ GRAPH <{G1}> {{ <{EX}nsp> ?p ?o }} }}") is False  # gone with the graph
    assert _count(remote) == 4 and len(remote) == 5
    # at a generation that moved on, the graph is not emptied either
    assert remote.commit([], [], replaced={G1: []}, expected=at) is False
    assert len(remote) == 5


def _small_requests(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[RemoteStore, list[str]]:
    """A store over ``engine`` that sends two quads in one request at most (the engines' body
    caps, made small), and the updates it sends."""
    store = RemoteStore(dataclasses.replace(engine.endpoint(), chunk_quads=2))
    sent: list[str] = []
    post = store._post

    def counted(url: str, form: dict[str, str], *args: object, **kwargs: object) -> object:
        if "update" in form:
            sent.append(form["update"])
        return post(url, form, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "_post", counted)
    return store, sent


def test_a_source_larger_than_one_request_is_staged_then_moved_into_place(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of two quads, blank nodes kept together: the store ends as one request would have
    left it, and no staging graph is left to see."""
    remote, sent = _small_requests(engine, monkeypatch)
    _load(remote, SECOND, G2)
    assert any("urn:rsikg:staging:" in update for update in sent)  # it was staged
    body = FIRST + f'<{EX}fmk> <{EX}period> _:p .\n_:p <{EX}start> "2020" .\n<{EX}a> <{EX}b> "c" .\n'
    assert _load(remote, body, G1) == 6
    assert remote.named_graphs() == [G1, G2]
    assert _count(remote) == 7 and len(remote) == 8
    starts = remote.select(f"SELECT ?d WHERE {{ <{EX}fmk> <{EX}period> ?p . ?p <{EX}start> ?d }}")
    assert [str(row[0]) for row in starts.rows] == ["2020"]  # one node, its two triples joined
    assert (
        _load(
            remote, f'<{EX}x> <{EX}label> "X" .\n<{EX}y> <{EX}label> "Y" .\n<{EX}z> <{EX}label> "Z" .\n', G1
        )
        == 3
    )
    assert _count(remote) == 5  # the first load's triples gone from the merged graph, FMK's kept by G2
    assert not [g for g in engine.graphs() if g.startswith("urn:rsikg:staging:")]


def test_a_diff_larger_than_one_request_is_staged_and_still_committed_only_at_its_generation(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit past the request cap (Virtuoso's compiler ran out of memory on a DROP ALL of the
    project's 5,000 quads): the quads to remove and to add go into staging graphs, then one
    request, conditional on the generation, moves them; at a generation that moved on it
    changes nothing. No staging graph is left either way."""
    remote, sent = _small_requests(engine, monkeypatch)
    _load(remote, FIRST, G1)
    at = remote.generation()
    added = [
        f"<{EX}sp> <{EX}dependsOn> <{EX}fmk> <{G1}> .",
        f"<{EX}sp> <{EX}dependsOn> <{EX}fmk> <{MERGED_GRAPH}> .",
        f"<{EX}sp> <{EX}period> _:p <{G1}> .",
        f'_:p <{EX}start> "2020" <{G1}> .',
    ]
    removed = [f'<{EX}nsp> <{EX}label> "NSP" <{G1}> .', f'<{EX}nsp> <{EX}label> "NSP" <{MERGED_GRAPH}> .']
    sent.clear()
    assert remote.commit(removed, added, expected=at) is True
    assert sum("urn:rsikg:staging:" in update for update in sent) > 2  # staged in several requests
    assert remote.generation() == at + 1
    assert remote.query(f"ASK {{ <{EX}sp> <{EX}dependsOn> <{EX}fmk> }}") is True
    assert remote.query(f'ASK {{ GRAPH ?g {{ <{EX}nsp> <{EX}label> "NSP" }} }}') is False
    starts = remote.select(
        f"SELECT ?d WHERE {{ GRAPH <{G1}> {{ <{EX}sp> <{EX}period> ?p . ?p <{EX}start> ?d }} }}"
    )
    assert [str(row[0]) for row in starts.rows] == ["2020"]  # one blank node, both its triples
    late = [f'<{EX}x{i}> <{EX}label> "late" <{G1}> .' for i in range(5)]
    assert remote.commit(removed, late, expected=at) is False
    assert remote.query(f'ASK {{ GRAPH ?g {{ ?x <{EX}label> "late" }} }}') is False
    assert remote.query(f"ASK {{ <{EX}sp> <{EX}dependsOn> <{EX}fmk> }}") is True
    assert remote.generation() == at + 1
    assert sorted(engine.graphs()) == sorted({G1, MERGED_GRAPH, "urn:rsikg:control"} | engine.own_graphs)
    remote.close()


def test_a_clients_query_sees_only_the_stores_own_graphs_even_when_it_has_none(remote: RemoteStore) -> None:
    """Not rsikg's control graph, nor the merged graph, nor an engine's own graphs: with no named
    graph to name, the dataset's named part was left out, and Virtuoso read that as every graph."""
    listing = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"

    def shown() -> list[str]:
        _, body = remote.client_query(listing, results_format="json", graph_format=None)
        return sorted(row["g"]["value"] for row in json.loads(body)["results"]["bindings"])

    _load(remote, FIRST, G1)
    assert shown() == [G1]
    remote.remove_graph(G1)
    assert shown() == []


def test_a_bound_variable_is_seen_by_the_filters_of_the_pattern(remote: RemoteStore) -> None:
    """A client's bindings go first in the query's WHERE group, as the embedded store's
    substitutions bind it: at the query's end (rdflib's SPARQLStore's way) the FILTER saw
    ?label unbound, and a named query of the regions on a date answered none."""
    _load(remote, FIRST, G1)
    query = f"SELECT ?s WHERE {{ ?s <{EX}label> ?l FILTER (STR(?l) = STR(?label)) }} ORDER BY ?s"
    _, body = remote.client_query(
        query, results_format="json", graph_format=None, bindings={"label": Literal("NSP")}
    )
    assert [row["s"]["value"] for row in json.loads(body)["results"]["bindings"]] == [f"{EX}nsp"]
