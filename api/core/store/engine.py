"""The query engine of the SPARQL service: a pool of worker processes over store checkpoints.

A query past its deadline is stopped by killing its worker, and the client gets a clear error
while the other workers go on answering. After every write the store publishes a new
checkpoint (RocksDB hard links: a millisecond or two); a worker opens the newest one on its
next query, so every query sees every write committed before it began.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import rdflib
from rdflib.term import Node

from api.core.store.oxigraph import OxigraphStore
from api.core.store.worker import _load_formats, respond
from api.errors import (
    InputError,
    Location,
    NotAcceptableError,
    QueryDeadlineError,
    QueryEngineError,
    QuerySyntaxError,
)


@dataclass(frozen=True)
class QueryRequest:
    """A query, the formats the client accepts for each kind of result, and its dataset."""

    query: str
    results_format: str | None  # for SELECT and ASK: json, xml, csv, tsv; None: not acceptable
    graph_format: str | None  # for CONSTRUCT and DESCRIBE: turtle, ntriples, ...; None: not acceptable
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    bindings: dict[str, Node] = field(default_factory=dict)
    plan: str | None = None  # how the row cap can be left to Oxigraph (sparql_guard.row_cap_plan)
    bounded: bool = False  # cannot run away (sparql_guard): answered in-process, no worker


@dataclass(frozen=True)
class QueryAnswer:
    body: bytes
    format: str
    truncated: bool
    rows: int | None  # None where the answer was serialised natively and not counted


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, rdflib.URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, rdflib.BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, rdflib.Literal):
        if term.language:
            return {"type": "literal", "value": str(term), "xml:lang": term.language}
        if term.datatype is not None:
            return {"type": "literal", "value": str(term), "datatype": str(term.datatype)}
        return {"type": "literal", "value": str(term)}
    raise InputError(f"cannot bind {term!r}")


class _Worker:
    def __init__(
        self, process: asyncio.subprocess.Process, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.process = process
        self.reader = reader
        self.writer = writer
        self.checkpoint: str | None = None
        self.isolated = False

    async def read_frame(self) -> bytes:
        (length,) = struct.unpack(">I", await self.reader.readexactly(4))
        return await self.reader.readexactly(length)

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.writer.close()
        await self.process.wait()


class QueryEngine:
    """Runs queries in worker processes with a deadline, a row cap and fresh checkpoints."""

    def __init__(
        self, store: OxigraphStore, *, workers: int = 2, deadline: float = 30.0, max_rows: int = 100_000
    ) -> None:
        if store.path is None:
            raise QueryEngineError("the query engine needs an on-disk store to take checkpoints of")
        self.store = store
        self.size = max(1, workers)
        self.deadline = deadline
        self.max_rows = max_rows
        self._root = store.path.parent / f".{store.path.name}.checkpoints"
        self._generation = 0
        self._current = ""
        # LIFO: the worker used last is taken first, so its block cache stays warm
        self._idle: asyncio.LifoQueue[_Worker] = asyncio.LifoQueue()
        self._workers: set[_Worker] = set()
        self._spawning: set[asyncio.Task[None]] = set()
        self.network_isolated: bool | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        _load_formats()  # for the queries answered in-process
        shutil.rmtree(self._root, ignore_errors=True)  # leftovers of a process that was killed
        self._root.mkdir(parents=True)
        self.publish()
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        self.network_isolated = all(w.isolated for w in workers)
        for worker in workers:
            self._idle.put_nowait(worker)

    async def close(self) -> None:
        for task in list(self._spawning):
            task.cancel()
        for worker in list(self._workers):
            await worker.kill()
        self._workers.clear()
        shutil.rmtree(self._root, ignore_errors=True)

    def publish(self) -> None:
        """Make what is committed now visible to the next queries (call after every write)."""
        self._generation += 1
        target = self._root / f"generation-{self._generation}"
        self.store.checkpoint(target)
        self._current = str(target)
        self._collect()

    def _collect(self) -> None:
        """Remove checkpoints no worker has open and that are not the newest."""
        in_use = {w.checkpoint for w in self._workers} | {self._current}
        for path in self._root.iterdir():
            if str(path) not in in_use:
                shutil.rmtree(path, ignore_errors=True)

    async def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "api.core.store.worker",
            str(child.fileno()),
            pass_fds=(child.fileno(),),
            stdin=asyncio.subprocess.DEVNULL,
        )
        child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent)
        worker = _Worker(process, reader, writer)
        hello = json.loads(await worker.read_frame())
        worker.isolated = bool(hello.get("isolated"))
        self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start another in the background."""
        self._workers.discard(worker)

        async def renew() -> None:
            await worker.kill()
            self._idle.put_nowait(await self._spawn())

        task = asyncio.get_running_loop().create_task(renew())
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    # -- queries ------------------------------------------------------------------------------

    async def run(self, request: QueryRequest) -> QueryAnswer:
        """Answer a query within the engine's deadline, or raise QueryDeadlineError."""
        if request.bounded:
            # Its cost is bounded by the subjects it names, so no deadline can be needed: skip
            # the round trip to a worker (the hot path of resource lookups).
            answer, body = respond(self.store.native, self._payload(request, self._current))
            return self._result(answer, body)
        limit = self.deadline
        started = time.monotonic()
        try:
            worker = self._idle.get_nowait()  # the usual case: no task, no timer
        except asyncio.QueueEmpty:
            try:
                worker = await asyncio.wait_for(self._idle.get(), timeout=limit)
            except TimeoutError:
                raise QueryDeadlineError(limit) from None
        checkpoint = self._current
        data = json.dumps(self._payload(request, checkpoint)).encode()
        try:
            worker.writer.write(struct.pack(">I", len(data)) + data)
            async with asyncio.timeout(max(0.0, limit - (time.monotonic() - started))):
                answer, body = await self._answer(worker)
        except TimeoutError:
            self._replace(worker)
            raise QueryDeadlineError(limit) from None
        except (asyncio.IncompleteReadError, ConnectionError) as err:
            self._replace(worker)
            raise QueryEngineError(f"the query worker stopped unexpectedly: {err}") from None
        moved = worker.checkpoint != checkpoint
        worker.checkpoint = checkpoint
        self._idle.put_nowait(worker)
        if moved:  # an older checkpoint may now be unused
            self._collect()
        return self._result(answer, body)

    def _payload(self, request: QueryRequest, checkpoint: str) -> dict[str, Any]:
        return {
            "query": request.query,
            "results_format": request.results_format,
            "graph_format": request.graph_format,
            "default_graphs": request.default_graphs,
            "named_graphs": request.named_graphs,
            "bindings": {k: _json_term(v) for k, v in request.bindings.items()},
            "max_rows": self.max_rows,
            "plan": request.plan,
            "checkpoint": checkpoint,
        }

    async def _answer(self, worker: _Worker) -> tuple[dict[str, object], bytes]:
        answer = json.loads(await worker.read_frame())
        body = await worker.read_frame()
        return answer, body

    @staticmethod
    def _result(answer: dict[str, object], body: bytes) -> QueryAnswer:
        if answer.get("ok"):
            rows = answer["rows"]
            count = int(str(rows)) if rows is not None else None
            return QueryAnswer(body, str(answer["format"]), bool(answer["truncated"]), count)
        kind, message = answer.get("kind"), str(answer.get("message", ""))
        if kind == "syntax":
            from api.core.store.oxigraph import located_query_error

            raise located_query_error(message)
        if kind == "not-acceptable":
            raise NotAcceptableError(str(answer.get("form")))
        raise InputError(f"the query failed: {message}", Location("query"))


__all__ = ["QueryAnswer", "QueryEngine", "QueryRequest", "QuerySyntaxError"]
