"""rsikg serve over a remote store, and replicas that agree (issue 14, items 1 and 3): two
``rsikg serve`` processes over one ``oxigraph serve`` on loopback. A write through one is
validated and committed there, and a dependency request through the other, which had its
dependency graph built already, sees it: the graph is kept by the store's generation, which
every write moves on in the store itself, not by a process's memory."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests import engines
from tests.engines import Engine
from tests.web.conftest import TOKEN, Server, start_server

AUTH = {"Authorization": f"Bearer {TOKEN}"}
ID = "https://w3id.org/rsikg/id/"
RSI = "https://w3id.org/rsikg/ontology#"
UPDATE = {**AUTH, "Content-Type": "application/sparql-update"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with engines.oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as running:
        yield running


@pytest.fixture(scope="module")
def replicas(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    folder = tmp_path_factory.mktemp("replicas")
    described = engine.description(folder)
    first_dir, second_dir = folder / "a", folder / "b"
    first_dir.mkdir()
    second_dir.mkdir()
    first = start_server(first_dir, store=described)  # loads the project: the store is empty
    second = start_server(second_dir, store=described)
    yield first, second
    first.stop()
    second.stop()


def _dependents(server: Server, root: str) -> set[str]:
    answer = httpx.get(
        f"{server.url}/graph/dependencies",
        params={"root": root, "direction": "up", "format": "node-link"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return {node["id"] for node in answer.json()["nodes"]}


def test_each_replica_copies_the_store_to_check_writes_on_before_any_write(
    replicas: tuple[Server, Server],
) -> None:
    """Made when the server starts, not by the first write (which waited 55 s for it at 700k
    triples): the log says so before anything was written through either."""
    for server in replicas:
        deadline = time.monotonic() + 60
        while "copied the remote store at generation" not in server.log.read_text(errors="replace"):
            assert time.monotonic() < deadline, server.log.read_text(errors="replace")[-2000:]
            time.sleep(0.2)


def test_a_write_through_one_replica_is_seen_by_a_dependency_request_through_the_other(
    replicas: tuple[Server, Server],
) -> None:
    first, second = replicas
    before = _dependents(second, "nsp")  # the second's dependency graph, built now
    assert f"{ID}system/fmk" in before and f"{ID}system/praksys" not in before
    edge = f"<{ID}system/praksys> <{RSI}dependsOn> <{ID}system/nsp>"
    update = f"INSERT DATA {{ GRAPH <{ID}graph/probe> {{ {edge} }} }}"
    wrote = httpx.post(f"{first.url}/sparql", content=update, headers=UPDATE, timeout=60)
    assert wrote.status_code == 204, wrote.text
    assert f"{ID}system/praksys" in _dependents(second, "nsp")
    # and back: the second writes on a copy made again for the store's new generation
    delete = f"DELETE DATA {{ GRAPH <{ID}graph/probe> {{ {edge} }} }}"
    undone = httpx.post(f"{second.url}/sparql", content=delete, headers=UPDATE, timeout=60)
    assert undone.status_code == 204, undone.text
    assert f"{ID}system/praksys" not in _dependents(first, "nsp")


def test_a_write_the_shapes_refuse_is_refused_over_the_remote_store_and_writes_nothing(
    replicas: tuple[Server, Server], engine: Engine
) -> None:
    first, second = replicas
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = httpx.get(f"{second.url}/sparql", params={"query": count}, headers={"Accept": "text/csv"}).text
    # dependsOn names a node, never a literal: a shape refuses it
    update = f'INSERT DATA {{ GRAPH <{ID}graph/probe> {{ <{ID}system/fmk> <{RSI}dependsOn> "not a node" }} }}'
    refused = httpx.post(f"{first.url}/sparql", content=update, headers=UPDATE, timeout=60)
    assert refused.status_code == 422, refused.text
    after = httpx.get(f"{second.url}/sparql", params={"query": count}, headers={"Accept": "text/csv"}).text
    assert after == before


def test_queries_and_the_graph_store_answer_over_the_remote_store(replicas: tuple[Server, Server]) -> None:
    first, _ = replicas
    asked = httpx.get(
        f"{first.url}/sparql",
        params={"query": f"ASK {{ <{ID}system/fmk> a <{RSI}ITSystem> }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert asked.status_code == 200
    turtle = f'<{ID}system/fmk> <http://www.w3.org/2000/01/rdf-schema#comment> "via the graph store"@en .'
    put = httpx.put(
        f"{first.url}/store",
        params={"graph": f"{ID}graph/gsp-probe"},
        content=turtle.encode(),
        headers={**AUTH, "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert put.status_code in (201, 204), put.text
    got = httpx.get(
        f"{first.url}/store",
        params={"graph": f"{ID}graph/gsp-probe"},
        headers={"Accept": "application/n-triples"},
    )
    assert got.status_code == 200 and "via the graph store" in got.text
    health = httpx.get(f"{first.url}/health").json()
    assert health["isolation"] == ["remote engine"]
