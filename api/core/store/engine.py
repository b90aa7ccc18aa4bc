"""The query engine of the SPARQL service: a pool of worker processes over store checkpoints.

Every query runs in a worker (:mod:`.worker`: no network, capped memory), never in the server.
A query past its deadline is stopped by killing its worker, and the client gets a clear error
while the other workers go on answering; so is a query whose client went away. Queries beyond
the workers wait in a bounded queue; past it they are refused at once (503, Retry-After).
After every write the store publishes a new checkpoint (RocksDB hard links: a millisecond or
two); a worker opens the newest one on its next query, so every query sees every write
committed before it began.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import shutil
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib.term import Node

from ...errors import (
    Location,
    QueryDeadlineError,
    QueryEngineError,
    QuerySyntaxError,
    ResourceLimitError,
)
from ...logs import excerpt
from . import sandbox
from .oxigraph import OxigraphStore
from .published import Publisher
from .sandbox import Limits, answer_error, crash_error
from .terms import to_json
from .worker import MEMORY_ENV, execute, request_frames, respond

log = logging.getLogger("rsikg.engine")

SHARED_GRACE_SECONDS = 10.0
"""How long a superseded checkpoint stays when other serving processes read the checkpoints."""

RESPAWN_PAUSE, RESPAWN_PAUSE_MAX = 0.1, 5.0  # seconds between attempts to start a worker again

INLINE_ROWS = 1000
"""The most rows an anchored query answered in the serving process may have; past it, it runs
again in a worker. 1,000 rows of a lookup: about 5 ms at 684k triples."""


@dataclass(frozen=True)
class QueryRequest:
    """A query, the formats the client accepts for each kind of result, and its dataset."""

    query: str
    results_format: str | None  # for SELECT and ASK: json, xml, csv, tsv; None: not acceptable
    graph_format: str | None  # for CONSTRUCT and DESCRIBE: turtle, ntriples, ...; None: not acceptable
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    bindings: dict[str, Node] = field(default_factory=dict)
    plan: str | None = None  # how the row cap can be left to Oxigraph (sparql_plan.row_cap_plan)
    own_dataset: bool = False  # the query names its dataset (FROM, FROM NAMED)
    base_iri: str | None = None  # relative IRIs resolve against it (the endpoint's URL)
    anchored: bool = False  # bounded by its constants (sparql_plan.anchored): may be answered inline
    inline_plan: str | None = None  # its row-cap plan for INLINE_ROWS (sparql_plan.row_cap_plan)
    kept: bool = False  # its answer may be kept in the answer cache (api/core/answer_cache.py)
    names_graphs: bool = True  # it has a GRAPH pattern: its dataset's named graphs matter
    predeclared: tuple[str, ...] = ()  # the predeclared prefixes it may need (sparql_guard.inspect)

    def key(self) -> tuple[object, ...]:
        """Everything the answer depends on besides the store's content (the plan follows
        from the query and the settings)."""
        return (
            self.query,
            self.results_format,
            self.graph_format,
            tuple(self.default_graphs or ()),
            tuple(self.named_graphs or ()),
            tuple(sorted((name, node.n3()) for name, node in self.bindings.items())),
            self.base_iri,
        )


@dataclass(frozen=True)
class QueryAnswer:
    body: bytes
    format: str
    truncated: bool
    rows: int | None  # None where the answer was serialised natively and not counted
    tag: str | None = None  # the answer's entity tag (api/core/answer_cache.py); None: none given
    cached: bool = False  # given from the cache, not run
    unchanged: bool = False  # the client's copy (If-None-Match) is current: no body sent


class _Worker:
    def __init__(
        self, process: asyncio.subprocess.Process, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.process = process
        self.reader = reader
        self.writer = writer
        self.checkpoint: str | None = None
        self.isolation: list[str] = []

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
        self,
        store: OxigraphStore,
        *,
        workers: int = 2,
        deadline: float = 30.0,
        max_rows: int = 100_000,
        memory_mb: int = 2048,
        max_queue: int = 64,
    ) -> None:
        if store.path is None:
            raise QueryEngineError("the query engine needs an on-disk store to take checkpoints of")
        self.store = store
        self.size = max(1, workers)
        self.deadline = deadline
        self.max_rows = max_rows
        self.limits = Limits(seconds=deadline, memory_mb=memory_mb)
        self.max_queue = max_queue
        self._waiting = 0
        self._root = self.root_for(store.path)
        self._generation = 0
        self._current = ""
        # LIFO: the worker used last is taken first, so its block cache stays warm
        self._idle: asyncio.LifoQueue[_Worker] = asyncio.LifoQueue()
        self._workers: set[_Worker] = set()
        self._spawning: set[asyncio.Task[None]] = set()
        self.isolation: list[str] = []  # what cut the workers off the network: namespace, seccomp
        self._closing = False
        self._inline = InlineAnswers(max_rows)
        self.publisher: Publisher | None = None  # set when other serving processes read the checkpoints
        self._superseded: dict[str, float] = {}  # checkpoint -> when a newer one was published

    # -- lifecycle ----------------------------------------------------------------------------

    @staticmethod
    def root_for(path: Path) -> Path:
        """Where the engine of the store at ``path`` keeps its checkpoints: beside the store, on
        its file system, so that a checkpoint is hard links, not copies."""
        return path.parent / f".{path.name}.checkpoints"

    async def start(self, generation: int = 0) -> None:
        shutil.rmtree(self._root, ignore_errors=True)  # leftovers of a process that was killed
        self._root.mkdir(parents=True)
        self.publish(generation)
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        self.isolation = sorted(set.intersection(*(set(w.isolation) for w in workers)))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._spawning):
            task.cancel()
        for worker in list(self._workers):
            await worker.kill()
        self._workers.clear()
        shutil.rmtree(self._root, ignore_errors=True)

    def publish(self, generation: int = 0) -> None:
        """Make what is committed now visible to the next queries (call after every write),
        here and, through :attr:`publisher`, in the other serving processes; ``generation``
        is the service's, which they give in their entity tags."""
        self._generation += 1
        target = self._root / f"generation-{self._generation}"
        self.store.checkpoint(target)
        if self._current:
            self._superseded[self._current] = time.monotonic()
        self._current = str(target)
        if self.publisher is not None:
            self.publisher.publish(generation, self._current)
        self._collect()

    def _collect(self) -> None:
        """Remove checkpoints no worker has open and that are not the newest. With other
        serving processes, a checkpoint stays for SHARED_GRACE_SECONDS after it was superseded:
        they switch to the newest at their next request, and an anchored query takes at most a
        fraction of a second."""
        in_use = {w.checkpoint for w in self._workers} | {self._current}
        in_use.add(self._inline.checkpoint)
        if self.publisher is not None:
            recent = time.monotonic() - SHARED_GRACE_SECONDS
            in_use.update(path for path, when in self._superseded.items() if when > recent)
        for path in self._root.iterdir():
            if str(path) not in in_use and path.name.startswith("generation-"):
                shutil.rmtree(path, ignore_errors=True)
                self._superseded.pop(str(path), None)

    async def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            sandbox.WORKER,
            str(child.fileno()),
            pass_fds=(child.fileno(),),
            stdin=asyncio.subprocess.DEVNULL,
            env={**os.environ, MEMORY_ENV: str(self.limits.memory_mb)},
        )
        child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent)
        worker = _Worker(process, reader, writer)
        try:
            hello = json.loads(await worker.read_frame())
        except BaseException:  # it died starting (or this start was cancelled): leave no process
            await worker.kill()
            raise
        worker.isolation = list(hello.get("isolation", []))
        self._workers.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start another in the background."""
        self._workers.discard(worker)

        async def renew() -> None:
            await worker.kill()
            await self._renew(worker)

        self._background(renew())

    def _replace_in_background(self, worker: _Worker) -> None:
        """Start a worker in place of one that is gone already."""
        self._background(self._renew(worker))

    async def _renew(self, old: _Worker) -> None:
        """Start a worker in place of ``old``, trying again (with a growing pause) until one
        starts: a start that failed once (the kernel short of network namespaces while many
        are torn down, say) must not leave the pool a worker short for good, with every later
        query waiting for one that never comes."""
        for attempt in itertools.count(1):
            try:
                new = await self._spawn()
                break
            except (OSError, ValueError, EOFError, asyncio.IncompleteReadError) as error:
                pause = min(RESPAWN_PAUSE * 2 ** (attempt - 1), RESPAWN_PAUSE_MAX)
                log.warning(
                    "query worker could not be started (attempt %d: %s); trying again in %g s",
                    attempt,
                    error,
                    pause,
                    extra={"event": "worker.start_failed", "attempt": attempt},
                )
                await asyncio.sleep(pause)
        self._idle.put_nowait(new)
        pids = {"worker_pid": old.process.pid, "new_worker_pid": new.process.pid}
        log.info("query worker %d replaced by %d", *pids.values(), extra={"event": "worker.replaced", **pids})

    def _background(self, work: Any) -> None:
        if self._closing:  # no new workers while the service stops
            work.close()
            return
        task = asyncio.get_running_loop().create_task(work)
        self._spawning.add(task)
        task.add_done_callback(self._spawning.discard)

    # -- queries ------------------------------------------------------------------------------

    async def run(self, request: QueryRequest) -> QueryAnswer:
        """Answer a query in a worker within the engine's deadline, or raise QueryDeadlineError
        (an anchored query may be answered here first: :meth:`answer_inline`)."""
        limit = self.deadline
        started = time.monotonic()
        worker = await self._take(limit)
        checkpoint = self._current
        data = request_frames(self._payload(request, checkpoint), b"")
        try:
            worker.writer.write(data)
            async with asyncio.timeout(max(0.0, limit - (time.monotonic() - started))):
                answer, body = await self._answer(worker)
        except TimeoutError:
            self._replace(worker)
            log.warning(
                "query stopped at its deadline of %g s; worker %d killed",
                limit,
                worker.process.pid,
                extra=self._facts("query.deadline", worker, request, time.monotonic() - started),
            )
            raise QueryDeadlineError(limit) from None
        except asyncio.CancelledError:  # the client went away: stop its query too
            self._replace(worker)
            log.info(
                "query cancelled (client gone); worker %d killed",
                worker.process.pid,
                extra=self._facts("query.cancelled", worker, request, time.monotonic() - started),
            )
            raise
        except (asyncio.IncompleteReadError, ConnectionError):
            raise await self._died(worker) from None
        moved = worker.checkpoint != checkpoint
        worker.checkpoint = checkpoint
        self._idle.put_nowait(worker)
        if moved:  # an older checkpoint may now be unused
            self._collect()
        return self._result(answer, body)

    def answer_inline(self, request: QueryRequest) -> QueryAnswer | None:
        """The answer to an anchored query computed here, on the current checkpoint (see
        :class:`InlineAnswers`); None when a worker must compute it (:meth:`run`)."""
        answer = self._inline.answer(request, self._current)
        if self._inline.moved:
            self._collect()
        return answer

    @staticmethod
    def _facts(event: str, worker: _Worker, request: QueryRequest, seconds: float) -> dict[str, object]:
        """A log record's fields for a query stopped in ``worker`` (its text cut short)."""
        return {
            "event": event,
            "worker_pid": worker.process.pid,
            "seconds": round(seconds, 3),
            "query": excerpt(request.query),
        }

    async def _take(self, limit: float) -> _Worker:
        """An idle worker: at once, else after waiting in the bounded queue."""
        try:
            return self._idle.get_nowait()  # the usual case: no task, no timer
        except asyncio.QueueEmpty:
            pass
        if self._waiting >= self.max_queue:
            log.warning(
                "query refused: %d already waiting for a worker",
                self._waiting,
                extra={"event": "query.queue_full", "waiting": self._waiting},
            )
            raise ResourceLimitError(
                f"the service is busy: {self.size} queries running and {self._waiting} waiting "
                f"(the queue's limit); try again shortly"
            )
        self._waiting += 1
        try:
            return await asyncio.wait_for(self._idle.get(), timeout=limit)
        except TimeoutError:
            log.warning(
                "query reached its deadline of %g s waiting for a worker",
                limit,
                extra={"event": "query.deadline", "seconds": limit, "waiting": self._waiting},
            )
            raise QueryDeadlineError(limit) from None
        finally:
            self._waiting -= 1

    async def _died(self, worker: _Worker) -> Exception:
        """The error for a worker that stopped while answering (it is replaced)."""
        self._workers.discard(worker)
        with contextlib.suppress(ProcessLookupError):
            worker.process.kill()
        code = await worker.process.wait()
        worker.writer.close()
        self._replace_in_background(worker)
        # a negative code is the signal that ended it: SIGKILL at the memory cap, SIGSEGV ...
        log.warning(
            "query worker %d died with %s; replacing it",
            worker.process.pid,
            code,
            extra={"event": "worker.died", "worker_pid": worker.process.pid, "exit_code": code},
        )
        return (
            crash_error(code, self.limits, "query", Location("query"))
            if code < 0
            else QueryEngineError(f"the query worker stopped unexpectedly (exit {code})")
        )

    def _payload(self, request: QueryRequest, checkpoint: str) -> dict[str, Any]:
        return payload(request, checkpoint, self.max_rows)

    async def _answer(self, worker: _Worker) -> tuple[dict[str, object], bytes]:
        answer = json.loads(await worker.read_frame())
        body = await worker.read_frame()
        return answer, body

    @staticmethod
    def _result(answer: dict[str, object], body: bytes) -> QueryAnswer:
        return result(answer, body)


def payload(request: QueryRequest, checkpoint: str, max_rows: int) -> dict[str, Any]:
    """The job a worker (or :class:`InlineAnswers`) runs for ``request`` on ``checkpoint``."""
    return {
        "query": request.query,
        "results_format": request.results_format,
        "graph_format": request.graph_format,
        "default_graphs": request.default_graphs,
        "named_graphs": request.named_graphs,
        "bindings": {k: to_json(v) for k, v in request.bindings.items()},
        "max_rows": max_rows,
        "plan": request.plan,
        "own_dataset": request.own_dataset,
        "base_iri": request.base_iri,
        "anchored": request.anchored,
        "prefixes": bool(request.predeclared),
        "checkpoint": checkpoint,
    }


def result(answer: dict[str, object], body: bytes) -> QueryAnswer:
    """The answer a job's header and body stand for, or the error they report."""
    if answer.get("ok"):
        rows = answer["rows"]
        count = int(str(rows)) if rows is not None else None
        return QueryAnswer(body, str(answer["format"]), bool(answer["truncated"]), count)
    raise answer_error(dict(answer), "query", Location("query"))


class InlineAnswers:
    """Anchored queries of at most :data:`INLINE_ROWS` rows, answered in a serving process that
    is cut off the network as a worker is (:func:`rsikg.core.store.sandbox.isolate_server`).

    The worker's own code, run here on a checkpoint opened read-only once per write, on the
    event loop: no deadline can stop it, so it takes only anchored queries, whose work the
    triples their constants reach bound, and stops at INLINE_ROWS + 1 rows. Measured at 684k
    triples: 0.19 ms for a system's properties; the most-used object (30,699 triples) took
    322 ms whole, which is why the cap. Where the server's own row cap (``max_rows``) is the
    smaller, the answer is capped at it and marked truncated, as a worker's would be."""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self.checkpoint = ""
        self.moved = False  # the last answer opened another checkpoint: the old one may go
        self._store: Any = None

    def answer(self, request: QueryRequest, checkpoint: str) -> QueryAnswer | None:
        """The answer on ``checkpoint``, or None for a query a worker must answer: not
        anchored, more rows than INLINE_ROWS, or this process not isolated."""
        self.moved = False
        if not (request.anchored and sandbox.server_isolation):
            return None
        within = self.max_rows <= INLINE_ROWS  # the server's own cap is the smaller: as any answer
        if not within and request.inline_plan is None:
            return None
        if self._store is None or self.checkpoint != checkpoint:
            import pyoxigraph as ox

            self._store, self.checkpoint, self.moved = ox.Store.read_only(checkpoint), checkpoint, True
        job = payload(request, checkpoint, self.max_rows)
        if not within:
            job.update(max_rows=INLINE_ROWS, plan=request.inline_plan)
        answer, body = respond(execute, self._store, job)
        if answer.get("truncated") and not within:
            return None  # more rows than inline answers give: a worker's, with its deadline
        return result(answer, body)


__all__ = ["QueryAnswer", "QueryEngine", "QueryRequest", "QuerySyntaxError"]
