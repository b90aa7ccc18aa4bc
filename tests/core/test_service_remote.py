"""The graph service over a remote store, in this process (the servers of
tests/web/test_remote_replicas.py run the same code in theirs): a checked write through one
service is committed at the store's generation and seen by another service's dependency graph;
a write the shapes refuse writes nothing; a write checked against a generation that moved is
checked again; queries run in the store's engine, under the deadline."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from rsikg.core.service import GraphService
from rsikg.core.store import remote
from rsikg.core.store.base import MERGED_GRAPH
from rsikg.core.store.engine import QueryAnswer
from rsikg.core.store.remote import MEDIA, RESULTS_JSON, RemoteStore
from rsikg.core.store.results import write_boolean
from rsikg.errors import ShapeViolationError
from rsikg.settings import Settings

from tests import engines
from tests.conftest import ROOT
from tests.engines import Engine

ID = "https://w3id.org/rsikg/id/"
RSI = "https://w3id.org/rsikg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
EDGE = f"<{ID}system/praksys> <{RSI}dependsOn> <{ID}system/nsp>"


@pytest.fixture(
    scope="module", params=["oxigraph-server", pytest.param("virtuoso", marks=pytest.mark.engines)]
)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    start = engines.oxigraph_server if request.param == "oxigraph-server" else engines.virtuoso_server
    with start(tmp_path_factory.mktemp(request.param)) as running:
        running.empty()
        first = GraphService(RemoteStore(running.endpoint()), _settings(running))
        asyncio.run(_load(first))
        yield running


async def _load(service: GraphService) -> None:
    from rsikg.core.loading import load_project

    load_project(service.store, service.settings)


def _settings(engine: Engine) -> Settings:
    return Settings(store="remote.toml", project_dir=ROOT, answer_cache_mb=64)


def _service(engine: Engine) -> GraphService:
    return GraphService(RemoteStore(engine.endpoint()), _settings(engine))


def _dependents(service: GraphService) -> set[str]:
    return set(service.dependencies().neighbourhood("nsp", depth=1, direction="up").nodes)


def _asked(service: GraphService, if_none_match: str | None = None) -> tuple[bool | None, QueryAnswer]:
    query = f"ASK {{ {EDGE} }}"
    answer = asyncio.run(
        service.query(query, results_format="json", graph_format=None, if_none_match=if_none_match)
    )
    return (None if answer.unchanged else json.loads(answer.body)["boolean"]), answer


def test_a_checked_write_through_one_service_is_seen_by_the_others_dependency_graph(engine: Engine) -> None:
    first, second = _service(engine), _service(engine)
    before = _dependents(second)
    assert f"{ID}system/praksys" not in before
    found, asked = _asked(second)
    found_again, again = _asked(second)
    assert found is False and found_again is False and again.cached and again.tag == asked.tag
    assert _asked(first)[1].tag == asked.tag  # one tag for one state of the store, in every replica
    assert _asked(first, if_none_match=asked.tag)[1].unchanged
    outcome = asyncio.run(first.update(f"INSERT DATA {{ GRAPH <{ID}graph/probe> {{ {EDGE} }} }}"))
    assert outcome.added >= 1
    assert f"{ID}system/praksys" in _dependents(second)
    found, after = _asked(second, if_none_match=asked.tag)  # its kept answer is out of date now
    assert found is True and not after.cached and after.tag != asked.tag
    # the second's copy is read again for the store's new generation, and its write commits
    asyncio.run(second.update(f"DELETE DATA {{ GRAPH <{ID}graph/probe> {{ {EDGE} }} }}"))
    assert f"{ID}system/praksys" not in _dependents(first)


def test_a_write_the_shapes_refuse_writes_nothing(engine: Engine) -> None:
    service = _service(engine)
    remote = service.store
    assert isinstance(remote, RemoteStore)
    at, count = remote.generation(), len(remote)
    with pytest.raises(ShapeViolationError):
        asyncio.run(
            service.update(
                f'INSERT DATA {{ GRAPH <{ID}graph/probe> {{ <{ID}system/fmk> <{RSI}dependsOn> "x" }} }}'
            )
        )
    assert remote.generation() == at and len(remote) == count


def test_a_write_checked_against_a_generation_that_moved_is_checked_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another replica commits between this write's check and its commit: the conditional
    commit does nothing, the write is checked again on the newer store, and commits."""
    service, other = _service(engine), _service(engine)
    remote = service.store
    assert isinstance(remote, RemoteStore)
    commit = RemoteStore.commit
    moved = []

    def meanwhile(self: RemoteStore, *args: object, **kwargs: object) -> bool:
        if not moved:  # the other replica's write lands just before this one's commit
            moved.append(True)
            assert isinstance(other.store, RemoteStore)
            other.store.update(
                f'INSERT DATA {{ GRAPH <{ID}graph/other> {{ <{ID}system/fmk> <{RSI}note> "x" }} }}'
            )
        return commit(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(RemoteStore, "commit", meanwhile)
    asyncio.run(service.update(f"INSERT DATA {{ GRAPH <{ID}graph/probe2> {{ {EDGE} }} }}"))
    assert moved and remote.query(f"ASK {{ GRAPH <{ID}graph/probe2> {{ {EDGE} }} }}") is True
    assert remote.query(f'ASK {{ GRAPH <{ID}graph/other> {{ ?s ?p "x" }} }}') is True


def test_queries_run_in_the_stores_engine(engine: Engine) -> None:
    service = _service(engine)
    answer = asyncio.run(
        service.query(
            f"SELECT ?s WHERE {{ ?s a <{RSI}ITSystem> }} LIMIT 3",
            results_format="csv",
            graph_format=None,
        )
    )
    assert answer.format == "csv" and len(answer.body.decode().splitlines()) == 4
    assert service.isolation == ["remote engine"]
    assert service.has_graph("") and not service.has_graph(f"{ID}graph/never-written")
    assert b"<https://" in service.graph_serialized("", "ntriples")[:200]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_a_select_is_answered_as_the_embedded_store_writes_it_passed_on_from_oxigraphs_server(
    engine: Engine, fmt: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Oxigraph's server writes a SELECT's results with the embedded store's own writer, so its
    answer is passed on as it came (no parse, no second writing: 0.6 ms of a 100-row join);
    any other engine's SPARQL JSON is read and written again here, into the same bytes as
    Oxigraph's writer gives for those rows. An ASK is written here on every engine (SPARQL
    CSV and TSV have no boolean form)."""
    service = _service(engine)
    oxigraphs = request.node.callspec.params["engine"] == "oxigraph-server"
    asyncio.run(service.query("ASK {}", results_format="json", graph_format=None))  # the engine seen
    if oxigraphs:  # nothing of the answer is read here

        def not_read(*_args: object) -> bytes:
            raise AssertionError("Oxigraph's answer was read and written again")

        monkeypatch.setattr(remote, "_written", not_read)
    query = (
        f"SELECT ?s ?label WHERE {{ ?s a <{RSI}ITSystem> ; <{SKOS}prefLabel> ?label }} "
        "ORDER BY ?s ?label LIMIT 5"
    )
    answer = asyncio.run(service.query(query, results_format=fmt, graph_format=None))

    def engines_own(accept: str) -> bytes:
        form = {"query": query, "default-graph-uri": MERGED_GRAPH}
        asked = httpx.post(engine.query, data=form, headers={"Accept": accept}, timeout=30)
        asked.raise_for_status()
        return asked.content

    rows = ox.parse_query_results(engines_own(RESULTS_JSON), format=ox.QueryResultsFormat.JSON)
    assert isinstance(rows, ox.QuerySolutions)
    rewritten = rows.serialize(format=getattr(ox.QueryResultsFormat, fmt.upper()))
    assert answer.format == fmt and answer.body.count(b"/id/system/") == 5
    if oxigraphs:
        assert answer.body == engines_own(MEDIA[fmt])
        monkeypatch.undo()
    assert answer.body == rewritten
    asked = asyncio.run(service.query("ASK { ?s ?p ?o }", results_format=fmt, graph_format=None))
    assert asked.body == write_boolean(True, fmt)


def _sent_queries(
    service: GraphService, query: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], bytes]:
    """The queries ``service`` sends its store to answer ``query`` (a JSON SELECT), and the answer."""
    store = service.store
    assert isinstance(store, RemoteStore)
    asyncio.run(service.query(query, results_format="json", graph_format=None))  # what is asked once
    sent: list[str] = []
    post = store._post

    def counted(url: str, form: dict[str, object], *args: object, **kwargs: object) -> object:
        sent.append(str(form.get("query", form.get("update"))))
        return post(url, form, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "_post", counted)
    answer = asyncio.run(service.query(query, results_format="json", graph_format=None))
    monkeypatch.undo()
    return sent, answer.body


def test_a_query_without_a_graph_pattern_is_one_request_when_nothing_is_kept(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no answer to key by the store's state and no named graph to list, the store is asked
    the query alone (the remote selective lookup's p50: it paid a second request for nothing);
    a query with a GRAPH pattern still reads the state, as its named graphs may have changed."""
    settings = Settings(store="remote.toml", project_dir=ROOT, answer_cache_mb=0)
    service = GraphService(RemoteStore(engine.endpoint()), settings)
    plain = f"SELECT ?s WHERE {{ ?s <{RSI}dependsOn> <{ID}system/nsp> }}"
    sent, body = _sent_queries(service, plain, monkeypatch)
    assert sent == [plain] and f"{ID}system/fmk" in body.decode()
    named = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s <{RSI}dependsOn> <{ID}system/nsp> }} }}"
    sent, body = _sent_queries(service, named, monkeypatch)
    assert len(sent) == 2 and sent[-1] == named and "graph" in body.decode()
