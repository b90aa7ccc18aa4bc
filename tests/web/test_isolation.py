"""Client text runs in isolated workers: no network with or without CAP_SYS_ADMIN, a crash or a
runaway kills a worker and never the server, a full queue is refused, a client that leaves stops
its query (issue 9)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from rsikg.core.store.worker import MEMORY_ENV, read_frame, request_frames

from tests.conftest import ROOT
from tests.web.conftest import TOKEN

QUICK = "ASK { ?s a <https://w3id.org/rsikg/ontology#Region> }"
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


SETPRIV = shutil.which("setpriv")
WITHOUT_SYS_ADMIN = [SETPRIV or "setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin", "--"]


def _as_root() -> bool:
    return os.geteuid() == 0


@pytest.mark.parametrize("capability", [True, False], ids=["with-cap-sys-admin", "without-cap-sys-admin"])
def test_a_worker_reaches_no_address_with_or_without_cap_sys_admin(tmp_path: Path, listener, capability):
    """The worker itself, given a SERVICE and a LOAD that no lexer stands in front of."""
    if not capability and not (_as_root() and SETPRIV):
        pytest.skip("dropping CAP_SYS_ADMIN needs root and setpriv")
    store = tmp_path / "store"
    subprocess.run([sys.executable, "-c", f"import pyoxigraph; pyoxigraph.Store({str(store)!r})"], check=True)
    prefix = [] if capability else WITHOUT_SYS_ADMIN
    jobs = [
        (
            {
                "job": "query",
                "checkpoint": str(store),
                "query": f"SELECT * WHERE {{ SERVICE <{listener.base}> {{ ?s ?p ?o }} }}",
                "results_format": "json",
                "graph_format": None,
                "max_rows": 10,
            },
            b"",
        ),
        (
            {"job": "write", "scratch": str(store), "operation": "update"},
            f"LOAD <{listener.base}x.nt>".encode(),
        ),
    ]
    for job, data in jobs:
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "rsikg.core.store.worker", "--once"],
            input=request_frames(job, data),
            capture_output=True,
            env={**os.environ, MEMORY_ENV: "2048"},
            cwd=ROOT,
            timeout=60,
            check=True,
        )
        answer = json.loads(read_frame(__import__("io").BytesIO(done.stdout)) or b"{}")
        assert answer["ok"] is False, answer
        expected = {"seccomp", "namespace"} if capability and _as_root() else {"seccomp"}
        assert set(answer["isolation"]) == expected
    time.sleep(0.3)
    assert listener.connections == 0


def test_hostile_nesting_is_a_400_and_the_server_lives(make_server):
    server = make_server(query_deadline=5)
    deep_query = "SELECT * WHERE { FILTER(" + "(" * 6000 + "1" + ")" * 6000 + ") }"
    deep_update = "INSERT { <urn:a> <urn:b> 1 } WHERE " + "{ " * 10000 + "}" * 10000
    n = 10000
    deep_jsonld = '{"@id":"urn:a","urn:b":' + '{"urn:p":' * n + "1" + "}" * n + "}"
    deep_rdfxml = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:p="urn:p#">'
        '<rdf:Description rdf:about="urn:a">'
        + "<p:x><rdf:Description>" * 30000
        + "</rdf:Description></p:x>" * 30000
        + "</rdf:Description></rdf:RDF>"
    )
    responses = [
        httpx.post(server.sparql, data={"query": deep_query}, timeout=60),
        httpx.post(server.sparql, data={"update": deep_update}, headers=AUTH, timeout=60),
        httpx.post(
            f"{server.url}/decisions/validate",
            content=deep_jsonld,
            headers={"Content-Type": "application/ld+json"},
            timeout=60,
        ),
        httpx.put(
            f"{server.url}/store",
            params={"graph": "urn:x-test:deep"},
            content=deep_rdfxml,
            headers={**AUTH, "Content-Type": "application/rdf+xml"},
            timeout=60,
        ),
    ]
    for response in responses:
        assert response.status_code in (400, 503), response.text
        assert response.status_code != 503 or "Retry-After" in response.headers
    assert server.process.poll() is None
    assert httpx.get(server.sparql, params={"query": QUICK}, timeout=10).status_code == 200


def test_a_query_past_the_memory_limit_stops_its_worker_not_the_server(make_server):
    server = make_server(worker_memory_mb=1024, query_workers=1)
    greedy = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?c ?f"  # 12M rows to sort
    response = httpx.post(server.sparql, data={"query": greedy}, timeout=60)
    assert response.status_code == 503 and "memory limit of 1024 MiB" in response.json()["detail"]
    assert "Retry-After" in response.headers
    assert httpx.get(server.sparql, params={"query": QUICK}, timeout=30).status_code == 200


def test_a_full_queue_is_refused_at_once_with_retry_after(make_server):
    server = make_server(query_workers=1, max_queue=1, query_deadline=6)
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = pool.submit(httpx.get, server.sparql, params={"query": ENDLESS}, timeout=60)
        time.sleep(1.0)
        waiting = pool.submit(httpx.get, server.sparql, params={"query": ENDLESS}, timeout=60)
        time.sleep(1.0)
        started = time.monotonic()
        # not anchored at a constant: the serving process would answer that itself (test_inline.py)
        refused = httpx.get(server.sparql, params={"query": "ASK { ?s a ?t }"}, timeout=60)
        assert time.monotonic() - started < 2
        assert refused.status_code == 503 and "Retry-After" in refused.headers
        assert "busy" in refused.json()["detail"]
        assert running.result().status_code == 503  # its deadline
        waiting.result()


def test_a_client_that_leaves_stops_its_query(make_server):
    """One worker, a long deadline: if the query went on after its client left, the next query
    would wait for it."""
    server = make_server(query_workers=1, query_deadline=60)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.sparql, params={"query": ENDLESS}, timeout=1.0)
    started = time.monotonic()
    response = httpx.get(server.sparql, params={"query": QUICK}, timeout=60)
    assert response.status_code == 200
    assert time.monotonic() - started < 10
    assert "client gone" in server.log.read_text()
