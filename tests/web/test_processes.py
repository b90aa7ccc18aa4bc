"""Several serving processes on one address (issue 13, item 3): ``rsikg serve --processes 3``
on loopback, each connection given by the kernel to one of them (``X-Rsikg-Process`` says
which). A write through any process is seen by a read through every process once it returned;
entity tags are the same whichever process gives them; what a replica cannot answer reaches the
owner unchanged (the Graph Store, named queries, health, a query that needs a worker), and a
replica that dies is started again."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import TOKEN, Server

PROCESSES = 3
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}
SYSTEM = "https://w3id.org/rsikg/id/system/fmk"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
PROBES = "https://w3id.org/rsikg/graph/probes"
ENOUGH_CONNECTIONS = 80  # fresh connections to meet each of 3 processes: missing one is (2/3)^80


@pytest.fixture
def served(make_server: Callable[..., Server]) -> Server:
    return make_server(processes=PROCESSES)


def _fresh(server: Server, method: str, path: str, **kwargs: object) -> httpx.Response:
    """One request on a connection of its own (so the kernel picks the process again)."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        return client.request(method, path, **kwargs)  # type: ignore[arg-type]


def _through_every_process(server: Server, read: Callable[[], httpx.Response]) -> dict[str, int]:
    """``read`` on fresh connections until every process has answered it; each answer is
    checked by ``read`` itself. The processes that answered, with how often."""
    answered: dict[str, int] = {}
    for _ in range(ENOUGH_CONNECTIONS):
        response = read()
        process = response.headers["x-rsikg-process"]
        answered[process] = answered.get(process, 0) + 1
        if len(answered) == PROCESSES:
            break
    assert sorted(answered) == [str(n) for n in range(PROCESSES)], answered
    return answered


def _probe_seen(server: Server, probe: str) -> Callable[[], httpx.Response]:
    """A read that fails unless ``probe`` is in the graph: an anchored ASK (answered by the
    process itself) and a filtered scan (a query worker's, so a replica passes it on), on one
    connection of its own, sent as GET and as a POSTed form."""

    def read() -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            asked = client.get(
                "/sparql", params={"query": f'ASK {{ <{SYSTEM}> <{COMMENT}> "{probe}" }}'}, headers=JSON
            )
            assert asked.status_code == 200 and asked.json()["boolean"] is True, (probe, asked.headers)
            scan = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(?o = "{probe}") }}'
            counted = client.post("/sparql", data={"query": scan}, headers=JSON)
            assert counted.status_code == 200, counted.text
            assert counted.json()["results"]["bindings"][0]["n"]["value"] == "1", (probe, counted.text)
            assert counted.headers["x-rsikg-process"] == asked.headers["x-rsikg-process"]
            return asked

    return read


def test_a_write_through_any_process_is_seen_through_every_process_after_it_returned(served: Server) -> None:
    writers: set[str] = set()
    for n in range(40):
        probe = f"probe {n}"
        update = f'INSERT DATA {{ GRAPH <{PROBES}> {{ <{SYSTEM}> <{COMMENT}> "{probe}" }} }}'
        wrote = _fresh(
            served,
            "POST",
            "/sparql",
            content=update,
            headers={**AUTH, "Content-Type": "application/sparql-update"},
        )
        assert wrote.status_code == 204, wrote.text
        writers.add(wrote.headers["x-rsikg-process"])
        _through_every_process(served, _probe_seen(served, probe))
        if len(writers) == PROCESSES:
            break
    assert writers == {str(n) for n in range(PROCESSES)}


def test_an_entity_tag_from_one_process_is_current_in_every_other(served: Server) -> None:
    query = {"query": f"SELECT ?p ?o WHERE {{ <{SYSTEM}> ?p ?o }}"}
    first = _fresh(served, "GET", "/sparql", params=query, headers=JSON)
    tag = first.headers["etag"]

    def revalidate() -> httpx.Response:
        again = _fresh(served, "GET", "/sparql", params=query, headers={**JSON, "If-None-Match": tag})
        assert again.status_code == 304, (again.headers, tag)
        return again

    _through_every_process(served, revalidate)
    update = f'INSERT DATA {{ GRAPH <{PROBES}> {{ <{SYSTEM}> <{COMMENT}> "moved on" }} }}'
    wrote = _fresh(
        served,
        "POST",
        "/sparql",
        content=update,
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert wrote.status_code == 204

    def changed() -> httpx.Response:
        again = _fresh(served, "GET", "/sparql", params=query, headers={**JSON, "If-None-Match": tag})
        assert again.status_code == 200 and again.headers["etag"] != tag
        assert "moved on" in again.text
        return again

    _through_every_process(served, changed)


def test_what_a_replica_cannot_answer_reaches_the_owner_unchanged(served: Server) -> None:
    owner = _fresh(served, "GET", "/health").json()

    def health() -> httpx.Response:
        answer = _fresh(served, "GET", "/health")
        assert answer.status_code == 200 and answer.json() == owner
        assert len(answer.headers.get_list("date")) == 1 and len(answer.headers.get_list("server")) == 1
        return answer

    _through_every_process(served, health)
    turtle = f'<{SYSTEM}> <{COMMENT}> "from the graph store" .\n'

    def put_and_get() -> httpx.Response:
        put = _fresh(
            served,
            "PUT",
            "/store",
            params={"graph": PROBES},
            content=turtle.encode(),
            headers={**AUTH, "Content-Type": "text/turtle"},
        )
        assert put.status_code in (201, 204), put.text
        got = _fresh(
            served, "GET", "/store", params={"graph": PROBES}, headers={"Accept": "application/n-triples"}
        )
        assert got.status_code == 200 and "from the graph store" in got.text
        return got

    _through_every_process(served, put_and_get)

    def refused() -> httpx.Response:  # a replica's own parse gives the owner's error
        bad = _fresh(served, "GET", "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p"})
        assert bad.status_code == 400 and "line" in bad.json()["detail"]
        return bad

    _through_every_process(served, refused)

    def unauthorised() -> httpx.Response:  # the owner checks the token of a write a replica passes on
        update = f'INSERT DATA {{ <{SYSTEM}> <{COMMENT}> "no token" }}'
        answer = _fresh(
            served, "POST", "/sparql", content=update, headers={"Content-Type": "application/sparql-update"}
        )
        assert answer.status_code == 401
        return answer

    _through_every_process(served, unauthorised)


def _replica_pids(server: Server) -> dict[str, int]:
    """The replicas, by their number: ``python -m rsikg.web.replica ... --process N`` (children of
    any of the server's threads: the one that starts a replica again is not the main one)."""
    found = {}
    tasks = Path(f"/proc/{server.process.pid}/task").glob("*/children")
    for child in (c for task in tasks for c in task.read_text().split()):
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if "rsikg.web.replica" in argv:
            found[argv[argv.index("--process") + 1]] = int(child)
    return found


def test_a_replica_that_dies_is_started_again(served: Server) -> None:
    before = _replica_pids(served)
    assert sorted(before) == ["1", "2"]
    os.kill(before["1"], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _replica_pids(served).get("1") in (None, before["1"]):
        time.sleep(0.1)
    assert _replica_pids(served).get("1") not in (None, before["1"])
    query = {"query": f"SELECT ?p ?o WHERE {{ <{SYSTEM}> ?p ?o }}"}

    def answered() -> httpx.Response:
        answer = _fresh(served, "GET", "/sparql", params=query, headers=JSON)
        assert answer.status_code == 200 and answer.json()["results"]["bindings"]
        return answer

    _through_every_process(served, answered)
    assert "serving process 1 ended" in served.log.read_text()


def test_a_client_gone_from_a_replica_stops_its_query_in_the_owner(served: Server) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    for _ in range(ENOUGH_CONNECTIONS):
        with httpx.Client(base_url=served.url, timeout=60) as client:
            first = client.get("/sparql", params={"query": f"ASK {{ <{SYSTEM}> ?p ?o }}"}, headers=JSON)
            if first.headers["x-rsikg-process"] == "0":
                continue  # the same connection stays with its process: find a replica's
            with pytest.raises(httpx.ReadTimeout):
                client.get("/sparql", params={"query": runaway}, headers=JSON, timeout=1.5)
            break
    else:
        pytest.fail("no connection reached a replica")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "client gone" not in served.log.read_text():
        time.sleep(0.2)
    assert "query cancelled (client gone)" in served.log.read_text()
