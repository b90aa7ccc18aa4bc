"""The serving process answers anchored queries itself (issue 13, item 2): it is cut off the
network as its workers are, an anchored query needs no worker (they are stopped here, and it
still answers), any other one still goes to a worker and its deadline, and a write is seen by
the next anchored query at once. On a real ``rsikg serve`` on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from rsikg.core.store.engine import INLINE_ROWS

from tests.web.conftest import TOKEN, Server

AUTH = {"Authorization": f"Bearer {TOKEN}"}
REGION = "https://w3id.org/rsikg/ontology#Region"
ANCHORED = f"SELECT ?r WHERE {{ ?r a <{REGION}> }}"
SCAN = f"SELECT ?r WHERE {{ ?r a ?t FILTER(?t = <{REGION}>) }}"  # the same answer, by a scan
JSON = {"Accept": "application/sparql-results+json"}


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            found += [int(c) for c in children]
            todo += [int(c) for c in children]
    return found


def _pool_workers(server: Server) -> list[int]:
    """The query workers of the server: ``python -m rsikg.core.store.worker FD`` (not the fork
    server, ``--forks``, nor a one-shot ``--once``)."""
    workers = []
    for pid in _descendants(server.process.pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rsikg.core.store.worker" in argv and not {b"--forks", b"--once"} & set(argv):
            workers.append(pid)
    return workers


@contextmanager
def _stopped(pids: list[int]) -> Iterator[None]:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # killed at its deadline, and replaced
                os.kill(pid, signal.SIGCONT)


def _regions(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {row["r"]["value"] for row in response.json()["results"]["bindings"]}


def test_the_serving_process_is_cut_off_the_network(make_server):
    server = make_server()
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    assert "Seccomp:\t2" in status  # a filter: no socket but a Unix one can be made
    assert "serving process cut off the network (" in server.log.read_text()
    if os.geteuid() == 0:  # an empty network namespace too, where the kernel lets root make one
        assert os.readlink(f"/proc/{server.process.pid}/ns/net") != os.readlink("/proc/self/ns/net")


def test_an_anchored_query_is_answered_with_every_worker_stopped(make_server):
    server = make_server(query_deadline=3, answer_cache_mb=0)  # every answer computed
    expected = _regions(httpx.get(server.sparql, params={"query": SCAN}, headers=JSON, timeout=30))
    assert len(expected) >= 5
    workers = _pool_workers(server)
    assert workers, "no query worker found: the test would prove nothing"
    with _stopped(workers):
        started = time.monotonic()
        answered = httpx.get(server.sparql, params={"query": ANCHORED}, headers=JSON, timeout=30)
        assert time.monotonic() - started < 2
        assert _regions(answered) == expected
        waited = httpx.get(server.sparql, params={"query": SCAN}, headers=JSON, timeout=30)
        assert waited.status_code == 503  # no worker answered within the deadline
    assert _regions(httpx.get(server.sparql, params={"query": SCAN}, headers=JSON, timeout=30)) == expected


def test_a_write_is_seen_by_the_next_anchored_query(make_server, tmp_path):
    (tmp_path / "empty").mkdir()
    server = make_server(project_dir=tmp_path / "empty")  # no shapes: any triple may be written
    query = {"query": f"SELECT ?r WHERE {{ ?r a <{REGION}> }}"}
    assert _regions(httpx.get(server.sparql, params=query, headers=JSON, timeout=30)) == set()
    for n in range(3):  # each write, then at once the read: a new checkpoint each time
        headers = {**AUTH, "Content-Type": "text/turtle"}
        body = f"<urn:x-test:r{n}> a <{REGION}> ."
        wrote = httpx.post(
            f"{server.url}/store", params={"graph": "urn:x-test:g"}, content=body, headers=headers
        )
        assert wrote.status_code in (200, 201, 204), wrote.text
        seen = _regions(httpx.get(server.sparql, params=query, headers=JSON, timeout=30))
        assert seen == {f"urn:x-test:r{k}" for k in range(n + 1)}


def test_an_anchored_query_with_more_rows_than_inline_answers_goes_to_a_worker(make_server, tmp_path):
    (tmp_path / "empty").mkdir()
    server = make_server(project_dir=tmp_path / "empty", query_deadline=3, answer_cache_mb=0)
    many = INLINE_ROWS + 200
    body = "\n".join(f"<urn:x-test:s{i}> <urn:x-test:p> <urn:x-test:o> ." for i in range(many))
    headers = {**AUTH, "Content-Type": "text/turtle"}
    wrote = httpx.put(f"{server.url}/store", params={"graph": "urn:x-test:g"}, content=body, headers=headers)
    assert wrote.status_code in (200, 201, 204), wrote.text
    every = {"query": "SELECT ?s WHERE { ?s <urn:x-test:p> <urn:x-test:o> }"}
    few = {"query": "SELECT ?s WHERE { ?s <urn:x-test:p> <urn:x-test:o> } LIMIT 10"}
    with _stopped(_pool_workers(server)):
        assert httpx.get(server.sparql, params=few, headers=JSON, timeout=30).status_code == 200  # inline
        assert (
            httpx.get(server.sparql, params=every, headers=JSON, timeout=30).status_code == 503
        )  # a worker's
    answered = httpx.get(server.sparql, params=every, headers=JSON, timeout=30)
    assert len(answered.json()["results"]["bindings"]) == many
