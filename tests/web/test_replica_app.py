"""A replica's ASGI app in this process (tests/web/test_processes.py runs it in its own): what it
answers itself (a bad query's 400, with the owner's error shape) and what it passes on to the
owner over a Unix socket, unchanged both ways (method, path, query string, headers, body, status),
and a 503 while the owner cannot be reached. The owner here is a real uvicorn on a Unix socket."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from rsikg.core.service import GraphService
from rsikg.settings import Settings
from rsikg.web.replica import create_replica_app

from tests.conftest import ROOT


async def _echo(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    """An owner that answers with what it was sent."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    seen = {
        "method": scope["method"],
        "path": scope["path"],
        "query": scope["query_string"].decode(),
        "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
        "body": body.decode(),
    }
    await send(
        {
            "type": "http.response.start",
            "status": 207,
            "headers": [(b"content-type", b"application/json"), (b"x-owner", b"yes")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


@pytest.fixture
def owner(tmp_path: Path) -> Iterator[Path]:
    socket_path = tmp_path / "owner.sock"
    server = uvicorn.Server(uvicorn.Config(_echo, uds=str(socket_path), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield socket_path
    server.should_exit = True
    thread.join(10)


def _app(tmp_path: Path, owner: Path) -> Any:
    publication = tmp_path / "published"
    GraphService.create_publication(publication)  # nothing published: every query goes to the owner
    settings = Settings(store=str(tmp_path / "store"), project_dir=ROOT)
    return create_replica_app(settings, owner, publication, "1")


async def _with_lifespan(app: Any, work: Any) -> Any:
    messages = asyncio.Queue()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return await messages.get()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    running = asyncio.ensure_future(app({"type": "lifespan"}, receive, send))
    await messages.put({"type": "lifespan.startup"})
    while not sent:
        await asyncio.sleep(0.01)
    try:
        return await work(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://replica")
        )
    finally:
        await messages.put({"type": "lifespan.shutdown"})
        await running


def test_a_request_the_replica_cannot_answer_reaches_the_owner_unchanged(tmp_path: Path, owner: Path) -> None:
    async def work(client: httpx.AsyncClient) -> None:
        async with client:
            posted = await client.post(
                "/store?graph=urn%3Ax%3Ag",
                content=b"<urn:a> <urn:b> <urn:c> .",
                headers={
                    "Content-Type": "text/turtle",
                    "Authorization": "Bearer t",
                    "X-Request-Id": "0" * 32,
                },
            )
            assert posted.status_code == 207 and posted.headers["x-owner"] == "yes"
            assert posted.headers["x-rsikg-process"] == "1"
            seen = posted.json()
            assert (
                seen["method"] == "POST" and seen["path"] == "/store" and seen["query"] == "graph=urn%3Ax%3Ag"
            )
            assert (
                seen["body"] == "<urn:a> <urn:b> <urn:c> ." and seen["headers"]["authorization"] == "Bearer t"
            )
            assert seen["headers"]["x-request-id"] == "0" * 32 and posted.headers["x-request-id"] == "0" * 32
            # a query with nothing published yet, and an update: both the owner's to answer
            asked = await client.get("/sparql", params={"query": "ASK { <urn:a> ?p ?o }"})
            assert asked.status_code == 207 and asked.json()["query"].startswith("query=")
            update = await client.post(
                "/sparql",
                content=b"INSERT DATA { <urn:a> <urn:b> 1 }",
                headers={"Content-Type": "application/sparql-update"},
            )
            assert update.status_code == 207 and update.json()["body"] == "INSERT DATA { <urn:a> <urn:b> 1 }"

    asyncio.run(_with_lifespan(_app(tmp_path, owner), work))


def test_a_query_the_guard_refuses_is_refused_by_the_replica_itself(tmp_path: Path, owner: Path) -> None:
    """The guard runs in every process: SERVICE is refused before anything is passed on (a
    syntax error, which only the engine finds, is the owner's to report)."""

    async def work(client: httpx.AsyncClient) -> None:
        async with client:
            query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
            refused = await client.get("/sparql", params={"query": query})
            assert refused.status_code == 400 and "x-owner" not in refused.headers
            assert "SERVICE" in refused.json()["detail"] and refused.headers["x-rsikg-process"] == "1"
            wrong = await client.get("/sparql", params={"update": "CLEAR ALL"})
            assert wrong.status_code == 405 and "x-owner" not in wrong.headers

    asyncio.run(_with_lifespan(_app(tmp_path, owner), work))


def test_an_owner_that_cannot_be_reached_is_a_503_with_retry_after(tmp_path: Path) -> None:
    async def work(client: httpx.AsyncClient) -> None:
        async with client:
            answer = await client.get("/health")
            assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
            assert "starting or restarting" in answer.json()["detail"]

    asyncio.run(_with_lifespan(_app(tmp_path, tmp_path / "nobody.sock"), work))
