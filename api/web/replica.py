"""A serving process that does not own the store (``rsikg serve --processes N``, N > 1).

Every serving process listens on the same address (a socket of its own, bound with
SO_REUSEPORT by the owner before anything else runs, so the kernel spreads the connections).
This one answers what it can without the store: anchored SPARQL queries on the owner's newest
checkpoint, and answers kept since the last write (:class:`~rsikg.core.answering.ReplicaService`).
Every other request (updates, queries that need a worker's deadline, the Graph Store, the
named queries, the pages) goes to the owner over a Unix socket, unchanged, and its answer comes
back unchanged, streamed both ways. So writes stay serialised and validated in one process,
and a write's checkpoint is published before its answer leaves the owner: a read through any
process after a write returned sees it.

Run by the owner as ``python -m api.web.replica``, never by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx

from ..core.service import AnsweredElsewhere, GraphService, ReplicaService
from ..errors import ResourceLimitError
from ..settings import Settings
from .app import RsikgApp
from .sparql import Receive, Scope, Send, SparqlEndpoint, send_error
from .state import AppState

log = logging.getLogger("rsikg.web")

SETTINGS_ENV = "RSIKG_REPLICA_SETTINGS"
"""The owner's settings, as JSON: a replica answers as the owner would."""

HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
}
"""Headers of one connection, not of the message (RFC 9110 7.6.1): not passed on."""

SERVERS_OWN = {b"date", b"server"}
"""Headers uvicorn adds to every answer it sends: the owner's are dropped, the replica's sent."""


class Recorded:
    """A request's ``receive`` that keeps the body it gave, so a request a replica began to
    read can still be passed on whole."""

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self._receive = receive
        self._chunks: list[bytes] = []
        framing = (b"content-length", b"transfer-encoding")
        self.has_body = any(k.lower() in framing for k, _ in scope["headers"])
        self.complete = asyncio.Event()  # the body was read whole (at once, for a request without one)
        if not self.has_body:
            self.complete.set()

    async def receive(self) -> MutableMapping[str, Any]:
        message = await self._receive()
        if message["type"] == "http.request":
            self._chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete.set()
        return message

    async def body(self) -> AsyncIterator[bytes]:
        """The whole body: what was read already, then the rest as it arrives."""
        for chunk in self._chunks:
            yield chunk
        while not self.complete.is_set():
            message = await self.receive()
            if message["type"] != "http.request":
                raise ConnectionError("the client went away while sending its request")
            yield message.get("body", b"")

    async def disconnected(self) -> None:
        """Return when the client has gone (watched once the body was read)."""
        await self.complete.wait()
        while (await self._receive())["type"] != "http.disconnect":
            pass


class Forwarder:
    """Passes a request to the owner over its Unix socket and streams the answer back.

    Also the lifespan of the replica's app: the connection pool opens and closes with it."""

    def __init__(self, owner: Path) -> None:
        self.owner = owner
        self._client: httpx.AsyncClient | None = None
        self._reached = False  # the owner answered once: it is up

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:
            await self.forward(scope, Recorded(scope, receive), send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # no timeout: the owner holds each query to its deadline, and a client that
                # goes away is seen here (forward) and passed on by closing the connection
                self._client = httpx.AsyncClient(
                    transport=httpx.AsyncHTTPTransport(uds=str(self.owner)),
                    timeout=httpx.Timeout(None),
                    limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def forward(self, scope: Scope, recorded: Recorded, send: Send) -> None:
        """The owner's answer to the request, or a 503 while the owner cannot be reached."""
        relaying = asyncio.ensure_future(self._relay(scope, recorded, send))
        watching = asyncio.ensure_future(recorded.disconnected())
        try:
            await asyncio.wait((relaying, watching), return_when=asyncio.FIRST_COMPLETED)
        finally:  # this request cancelled (the server stopping), or the client gone
            watching.cancel()
            if not relaying.done():  # closing the connection to the owner stops its work too
                relaying.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await relaying
        if not relaying.cancelled():
            relaying.result()

    async def _relay(self, scope: Scope, recorded: Recorded, send: Send) -> None:
        if self._client is None:
            raise RuntimeError("the replica's lifespan did not run")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        request = self._client.build_request(
            scope["method"],
            "http://rsikg" + target.decode("latin-1"),
            headers=headers,
            content=recorded.body() if recorded.has_body else None,
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TransportError as error:  # the owner is starting or stopping
            level = logging.WARNING if self._reached else logging.INFO  # starting: as expected
            log.log(level, "could not reach the owning process: %s", error)
            failure = ResourceLimitError("the service is starting or restarting; try again shortly")
            await send_error(send, failure, scope)
            return
        self._reached = True
        try:
            dropped = HOP_BY_HOP | SERVERS_OWN
            start = [(k, v) for k, v in response.headers.raw if k.lower() not in dropped]
            await send({"type": "http.response.start", "status": response.status_code, "headers": start})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()


class ReplicaEndpoint(SparqlEndpoint):
    """/sparql in a replica: the protocol endpoint's own parsing and checks (a bad query gets
    the same 400 here as from the owner), the answer from :class:`ReplicaService` when it has
    one, and the request passed on whole when not."""

    def __init__(self, state: AppState, service: ReplicaService, forwarder: Forwarder) -> None:
        super().__init__(state)
        self.service = service
        self.forwarder = forwarder

    def _answering(self) -> ReplicaService:
        return self.service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        recorded = Recorded(scope, receive)
        try:
            await self._handle(scope, recorded.receive, send)
        except AnsweredElsewhere:
            await self.forwarder.forward(scope, recorded, send)
        except Exception as error:  # as the owner's endpoint: every failure gets an answer
            await send_error(send, error, scope)

    async def _update(self, *_: Any) -> None:
        raise AnsweredElsewhere  # the owner checks the token, validates, commits and publishes

    async def _describe(self, *_: Any) -> None:
        raise AnsweredElsewhere  # the named graphs are the owner's to list


def create_replica_app(settings: Settings, owner: Path, publication: Path, process: str) -> RsikgApp:
    """The ASGI app of a replica: /sparql answered here where it can, the rest by the owner."""
    forwarder = Forwarder(owner)
    state = AppState(settings, token=None, process=process)
    service = ReplicaService(settings, publication)
    return RsikgApp(forwarder, ReplicaEndpoint(state, service, forwarder), state)


class Replicas:
    """The owner's side: the listening sockets of every serving process, the Unix socket the
    replicas pass requests to, the published record, and the replica processes, started again
    when one ends. Made before the owner is cut off the network (it binds the sockets), started
    before any thread of the owner's runs."""

    def __init__(self, settings: Settings) -> None:
        if settings.in_memory or GraphService.is_remote(settings):
            raise ValueError(
                "several serving processes need the embedded store on disk (--store DIR), "
                "not :memory: nor a remote store (for now)"
            )
        self.settings = settings
        self.runtime = Path(tempfile.mkdtemp(prefix="rsikg-serve-"))  # 0700: this user's only
        self.publication = self.runtime / "published"
        GraphService.create_publication(self.publication)
        self.owner = self.runtime / "owner.sock"
        self.listening = bind_shared(settings.host, settings.port, settings.processes)
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(str(self.owner))
        self.unix.set_inheritable(True)
        self._processes: dict[int, subprocess.Popen[bytes]] = {}
        self._stopping = threading.Event()

    def start(self) -> None:
        for number in range(1, len(self.listening)):
            self._processes[number] = self._spawn(number)
        threading.Thread(target=self._watch, name="rsikg-replicas", daemon=True).start()

    def _spawn(self, number: int) -> subprocess.Popen[bytes]:
        fd = self.listening[number].fileno()
        command = [sys.executable, "-m", __name__, "--fd", str(fd), "--owner", str(self.owner)]
        command += ["--publication", str(self.publication), "--process", str(number)]
        env = {**os.environ, SETTINGS_ENV: self.settings.model_dump_json()}
        # this interpreter, this package's module
        return subprocess.Popen(command, pass_fds=(fd,), env=env, stdin=subprocess.DEVNULL)  # noqa: S603

    def _watch(self) -> None:
        """Start a replica again when it ends (its socket stays open here meanwhile, so the
        connections the kernel gives it wait for the new one, for about a second)."""
        while not self._stopping.wait(0.5):
            for number, process in list(self._processes.items()):
                code = process.poll()
                if code is not None and not self._stopping.is_set():
                    log.warning(
                        "serving process %d ended with %s; starting it again",
                        number,
                        code,
                        extra={"event": "replica.died", "replica": number, "exit_code": code},
                    )
                    self._processes[number] = self._spawn(number)

    def stop(self) -> None:
        self._stopping.set()
        for process in self._processes.values():
            process.terminate()
        for process in self._processes.values():
            try:
                process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                process.kill()
        for sock in (*self.listening, self.unix):
            sock.close()
        shutil.rmtree(self.runtime, ignore_errors=True)


def bind_shared(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets listening on one address (SO_REUSEPORT: the kernel gives each new
    connection to one of them). Port 0: the first picks a free port and the others take it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    found: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            found.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.set_inheritable(True)
    except OSError:
        for sock in found:
            sock.close()
        raise
    return found


def main() -> None:
    """A replica process: its listening socket, cut off the network, then served."""
    import uvicorn

    from .. import logs

    parser = argparse.ArgumentParser(prog="python -m api.web.replica")
    parser.add_argument("--fd", type=int, required=True, help="its listening socket")
    parser.add_argument("--owner", type=Path, required=True, help="the owner's Unix socket")
    parser.add_argument("--publication", type=Path, required=True, help="the owner's published record")
    parser.add_argument("--process", required=True, help="its number, for the X-Rsikg-Process header")
    args = parser.parse_args()
    settings = Settings.model_validate(json.loads(os.environ[SETTINGS_ENV]))
    listening = socket.socket(fileno=args.fd)
    GraphService.die_with_parent()
    app = create_replica_app(settings, args.owner, args.publication, args.process)
    config = uvicorn.Config(
        app,
        http="httptools",
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        access_log=False,
        proxy_headers=False,  # as the owner's: no client address is read
        log_level=settings.log_level.lower(),
        log_config=logs.server_config(uvicorn.config.LOGGING_CONFIG, settings.log_format, settings.log_level),
        timeout_graceful_shutdown=5,
    )
    # after uvicorn.Config, which applied the logging configuration
    isolation = GraphService.isolate_server()  # before any thread: they inherit it
    log.info(
        "serving process %s cut off the network (%s)",
        args.process,
        ", ".join(isolation) or "nothing took effect: every request goes to the owner",
        extra={"event": "replica.isolated", "replica": args.process, "isolation": isolation},
    )
    uvicorn.Server(config).run(sockets=[listening])


if __name__ == "__main__":
    main()
