"""The boundary of every request: headers on every answer, errors classified (bad input 4xx
naming what and where; anything else a 500 with a request id, logged, nothing internal said),
the service description naming the configured base URL, and SIGTERM stopping the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from rsikg.core.dependencies import MAX_SAMPLES
from rsikg.settings import Settings
from rsikg.web.app import create_app

from tests.web.conftest import TOKEN, Server, start_server

BASE_URL = "https://kg.example/rsikg"
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
ASK = "ASK { ?s ?p ?o }"
# Counts a cross product of every triple with itself three times: hours of work on any real graph
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("boundary"), base_url=BASE_URL)
    yield running
    running.stop()


# (method, path, params, headers, body, the status expected, the cache policy expected)
SAMPLE = [
    ("GET", "/health", {}, {}, None, 200, "no-cache"),
    ("GET", "/sparql", {"query": ASK}, {}, None, 200, "no-cache"),
    ("GET", "/sparql", {}, {"Accept": "text/turtle"}, None, 200, "no-cache"),
    ("GET", "/openapi.json", {}, {}, None, 200, "no-cache"),
    ("POST", "/sparql", {}, {"Content-Type": "application/sparql-query"}, ASK, 200, "no-store"),
    ("OPTIONS", "/sparql", {}, {}, None, 204, "no-store"),
    ("GET", "/sparql", {"query": "SELEC"}, {}, None, 400, "no-store"),
    ("POST", "/sparql", {}, {"Content-Type": "application/sparql-update"}, "CLEAR ALL", 401, "no-store"),
    ("GET", "/no/such/route", {}, {}, None, 404, "no-store"),
    ("GET", "/graph/critical", {"top": "many"}, {}, None, 400, "no-store"),
    ("DELETE", "/sparql", {}, {}, None, 405, "no-store"),
]


@pytest.mark.parametrize(("method", "path", "params", "headers", "body", "status", "cache"), SAMPLE)
def test_every_answer_carries_nosniff_a_cache_policy_and_a_request_id(
    server: Server,
    method: str,
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    body: str | None,
    status: int,
    cache: str,
) -> None:
    answers = [
        httpx.request(method, server.url + path, params=params, headers=headers, content=body, timeout=30)
        for _ in range(2)
    ]
    for answer in answers:
        assert answer.status_code == status, answer.text
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == cache
        assert REQUEST_ID.match(answer.headers["x-request-id"])
    assert answers[0].headers["x-request-id"] != answers[1].headers["x-request-id"]  # one per request


def test_bad_input_is_a_4xx_naming_what_and_where(server: Server) -> None:
    answer = httpx.get(server.sparql, params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=30)
    assert answer.status_code == 400
    body = answer.json()
    assert body["location"]["line"] == 1 and body["location"]["column"] > 1
    assert "request_id" not in body  # nothing to look up: the client's own input was wrong


def test_the_service_description_names_the_base_url_not_the_host_header(server: Server) -> None:
    answer = httpx.get(
        server.sparql, headers={"Host": "evil.example", "Accept": "application/n-triples"}, timeout=30
    )
    assert answer.status_code == 200
    assert "evil.example" not in answer.text
    assert f"<{BASE_URL}/sparql> <http://www.w3.org/ns/sparql-service-description#endpoint>" in answer.text


def test_the_base_url_defaults_to_host_and_port() -> None:
    assert Settings(host="127.0.0.1", port=8123).base_url == "http://127.0.0.1:8123"
    assert Settings(host="::1", port=8123).base_url == "http://[::1]:8123"
    assert Settings(base_url="https://kg.example/a/").base_url == "https://kg.example/a"
    with pytest.raises(ValueError, match="base_url"):
        Settings(base_url="evil.example")


def _assert_internal(answer: httpx.Response) -> str:
    """An internal error's answer: 500 (or 503), the request id and nothing else."""
    assert answer.status_code in (500, 503), answer.text
    body = answer.json()
    assert set(body) == {"detail", "request_id"}
    assert body["detail"] == "internal error"
    assert body["request_id"] == answer.headers["x-request-id"]
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    return str(body["request_id"])


def test_an_internal_failure_is_a_500_with_a_request_id_and_a_logged_traceback(
    make_server: Callable[..., Server],
) -> None:
    """A natural internal failure: the checkpoint folder the query engine publishes each write
    into is replaced by a file (as a full or broken disk would), so a committed update cannot
    be published. The client learns nothing of it; the log has the traceback and the id."""
    running = make_server()
    checkpoints = running.log.parent / ".store.checkpoints"
    assert checkpoints.is_dir()
    shutil.rmtree(checkpoints)
    checkpoints.write_text("not a folder")
    answer = httpx.post(
        running.sparql,
        content="INSERT DATA { <https://example.org/a> <https://example.org/b> 1 }",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    request_id = _assert_internal(answer)
    assert "checkpoint" not in answer.text and "Error" not in answer.text
    log = _wait_for(lambda: running.log.read_text(errors="replace"), request_id)
    logged = log[log.index(f"request {request_id}") :]
    assert "Traceback (most recent call last)" in logged
    assert running.process.poll() is None  # and the server goes on


def _wait_for(read: Callable[[], str], text: str, seconds: float = 5.0) -> str:
    deadline = time.monotonic() + seconds
    while True:
        content = read()
        if text in content or time.monotonic() > deadline:
            assert text in content
            return content
        time.sleep(0.1)


# -- in process: an exception rsikg did not raise on purpose -----------------------------------


def _get_unstarted(tmp_path: Path, path: str) -> httpx.Response:
    """GET from the app without its lifespan: the graph service is not there, so every route
    that needs it fails with a RuntimeError, an exception rsikg does not raise on purpose. No
    real server can be made to raise one without test-only code, so this runs in-process."""
    app = create_app(Settings(store=str(tmp_path / "store"), project_dir=Settings().project_dir))

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path)

    return asyncio.run(get())


@pytest.mark.parametrize("path", ["/health", f"/sparql?query={ASK}"])
def test_an_unexpected_exception_is_a_logged_500_on_fastapi_and_sparql(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="rsikg"):
        answer = _get_unstarted(tmp_path, path)
    request_id = _assert_internal(answer)
    assert answer.status_code == 500
    assert "graph service" not in answer.text and "RuntimeError" not in answer.text
    records = [r for r in caplog.records if request_id in r.getMessage()]
    assert len(records) == 1  # logged once, by the handler, not again by the ASGI wrapper
    assert records[0].exc_info is not None and records[0].exc_info[0] is RuntimeError


# -- SIGTERM --------------------------------------------------------------------------------------


def test_sigterm_stops_the_server_within_seconds_while_long_requests_run(
    make_server: Callable[..., Server],
) -> None:
    running = make_server(query_deadline=600)
    slow = [
        (running.sparql, {"query": RUNAWAY}),  # waits on a worker: cancellable
        (f"{running.url}/graph/critical", {"samples": str(MAX_SAMPLES)}),  # in a thread
    ]
    threads = [
        threading.Thread(target=_ignore_errors, args=(url, params), daemon=True) for url, params in slow
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.5)  # both are running
    started = time.monotonic()
    running.process.terminate()
    try:
        running.process.wait(timeout=15)
    except Exception:
        running.process.kill()
        raise
    took = time.monotonic() - started
    assert took < 10, f"the server took {took:.1f} s to stop after SIGTERM"


def _ignore_errors(url: str, params: dict[str, str]) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server went away: what the test wants
        httpx.get(url, params=params, timeout=60)


def test_a_thread_that_cannot_be_cancelled_does_not_keep_the_process_alive() -> None:
    """What a request computing in a thread does at SIGTERM: uvicorn cannot cancel it, and the
    interpreter waits for non-daemon threads at exit. The stop watchdog of ``rsikg serve`` ends
    the process anyway (run with a 1 s deadline here instead of the server's)."""
    program = """
import threading, time
from rsikg import cli
cli.STOP_DEADLINE_SECONDS = 1
threading.Thread(target=time.sleep, args=(60,)).start()  # not a daemon, as anyio's
cli._end_when_stuck(lambda: True)
"""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=30)
    took = time.monotonic() - started
    assert took < 10, f"the process took {took:.1f} s to end"
    assert done.returncode == 1
    assert "exiting now" in done.stderr
