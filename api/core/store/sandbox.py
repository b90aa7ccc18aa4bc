"""Run one job in a fresh, isolated worker process and wait for it (see :mod:`.worker`).

For the blocking paths: writes through the service (from a thread), loads and records in the CLI,
the dry run of a record sent as RDF. A process costs about 60 ms to start here; what it buys is
that no client document or update is ever parsed where a crash, a fetch or a runaway could reach
the caller.
"""

from __future__ import annotations

import atexit
import io
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.core.store.worker import MEMORY_ENV, read_frame, request_frames
from api.errors import (
    InputError,
    Location,
    NotAcceptableError,
    QueryDeadlineError,
    QueryEngineError,
    RdfSyntaxError,
    ResourceLimitError,
)

if TYPE_CHECKING:
    import pyoxigraph as ox

    from api.core.store.base import Source

log = logging.getLogger("rsikg.worker")

inside_worker = False
"""True in a worker process: it is isolated already, so it parses in process."""


@dataclass(frozen=True)
class Limits:
    """What one job may take: seconds of wall time, MiB of address space (0: no cap)."""

    seconds: float = 30.0
    memory_mb: int = 2048


DEFAULT_LIMITS = Limits()


def crash_error(returncode: int, limits: Limits, what: str, where: Location) -> Exception:
    """The error for a worker that died on a signal while it handled ``what``."""
    if returncode == -signal.SIGSEGV:
        # the parsers recurse: a stack overflow means input nested deeper than they can follow
        return InputError(
            f"the {what} could not be read: it nests too deeply for the parser (a stack overflow "
            "stopped the worker); flatten it",
            where,
        )
    return ResourceLimitError(
        f"the {what} needed more than the memory limit of {limits.memory_mb} MiB and was stopped"
    )


def answer_error(answer: dict[str, Any], what: str, where: Location) -> Exception:
    """The error a worker's failed answer stands for (internal text is not passed on)."""
    from api.core.store.parsing import located_query_error

    kind = answer.get("kind")
    if kind == "not-acceptable":
        return NotAcceptableError(str(answer.get("form")))
    if kind == "syntax":
        return located_query_error(str(answer.get("message", "")))
    if kind == "input":
        location = Location(**answer.get("location", {})) if answer.get("location") else where
        cls = RdfSyntaxError if answer.get("class") == "RdfSyntaxError" else InputError
        return cls(str(answer.get("message", "")), location)
    if kind == "memory":
        return ResourceLimitError(f"the {what} needed more memory than the worker's limit and was stopped")
    # Anything else was raised while evaluating the client's text (an evaluation error, a fetch
    # refused by the isolation): the client's fault, but its text is for the operator's log only,
    # since it could tell an attacker how far the request got
    log.warning("%s failed in its worker: %s", what, answer.get("message"))
    return InputError(f"the {what} could not be evaluated (the operator's log has the reason)", where)


class _Spare:
    """Workers started ahead of their jobs, their imports done, waiting on their stdin: a write
    on a running server would otherwise wait about 100 ms for a process to start. Kept only once
    :func:`keep_spare` asks for them (the server does; one-off commands would leave them unused),
    for the memory limit they were started with. Two: one write after another takes about
    90 ms, less than a worker takes to start, so with one kept every other write waited."""

    count = 2

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.memory_mb = -1
        self.wanted = False

    def take(self, limits: Limits) -> subprocess.Popen[bytes]:
        """The oldest spare worker if it fits ``limits``, else a new one."""
        with self.lock:
            if self.memory_mb != limits.memory_mb:
                stale, self.processes = self.processes, []
            else:
                stale = []
            process = self.processes.pop(0) if self.processes else None
        for old in stale:
            _stop(old)
        if process is not None and process.poll() is not None:
            process = None
        return process or _start(limits)

    def refill(self, limits: Limits) -> None:
        """Start spares up to :attr:`count`, when spares are wanted."""
        with self.lock:
            while self.wanted and len(self.processes) < self.count:
                self.processes.append(_start(limits))
                self.memory_mb = limits.memory_mb

    def stop(self) -> None:
        with self.lock:
            processes, self.processes, self.wanted = self.processes, [], False
        for process in processes:
            _stop(process)


def _start(limits: Limits) -> subprocess.Popen[bytes]:
    env = {**os.environ, MEMORY_ENV: str(limits.memory_mb)}
    return subprocess.Popen(  # this interpreter, this package's worker, no shell
        [sys.executable, "-m", "api.core.store.worker", "--once"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.communicate()


_spare = _Spare()
atexit.register(_spare.stop)


def keep_spare(limits: Limits = DEFAULT_LIMITS) -> None:
    """Keep a worker started ahead for the next job (the server, for its writes)."""
    _spare.wanted = True
    _spare.refill(limits)


def spare_pids() -> list[int]:
    """The process ids of the workers kept ahead, the next to be used first."""
    return [process.pid for process in _spare.processes]


def refill_spares(limits: Limits = DEFAULT_LIMITS) -> None:
    """Start spare workers up to their number, when spares are kept."""
    _spare.refill(limits)


def stop_spare() -> None:
    """Stop the worker kept ahead, and keep none."""
    _spare.stop()


def run(
    job: dict[str, Any],
    data: bytes = b"",
    *,
    limits: Limits = DEFAULT_LIMITS,
    what: str = "input",
    where: Location | None = None,
    refill: bool = True,
) -> tuple[dict[str, Any], bytes]:
    """Run ``job`` in an isolated worker of its own (a spare one, when they are kept): its
    answer and body, or the error it stands for. ``refill=False``: the caller starts the next
    spare (:func:`refill_spares`) once it has finished with the job's result, so that a starting
    worker does not take a core from it (measured: 30 ms more for a write on two cores)."""
    where = where or Location()
    process = _spare.take(limits)
    try:
        stdout, stderr = process.communicate(request_frames(job, data), timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        _stop(process)
        log.warning(
            "%s stopped at its deadline of %g s; its worker killed",
            what,
            limits.seconds,
            extra={"event": "worker.deadline", "what": what, "seconds": limits.seconds},
        )
        raise QueryDeadlineError(limits.seconds) from None
    finally:
        if refill:
            _spare.refill(limits)
    if process.returncode < 0:  # a signal: SIGKILL at the memory cap, SIGSEGV on deep nesting, ...
        log.warning(
            "%s stopped its worker with signal %d",
            what,
            -process.returncode,
            extra={"event": "worker.died", "what": what, "exit_code": process.returncode},
        )
        raise crash_error(process.returncode, limits, what, where)
    stream = io.BytesIO(stdout)
    header, body = read_frame(stream), read_frame(stream)
    if header is None or body is None:
        raise QueryEngineError(
            f"the worker gave no answer (exit {process.returncode}): {stderr.decode(errors='replace')}"
        )
    answer = json.loads(header)
    if not answer.get("ok"):
        raise answer_error(answer, what, where)
    return answer, body


def parse(sources: Sequence[Source], *, limits: Limits = DEFAULT_LIMITS) -> list[list[ox.Quad]]:
    """Each source's quads (its triples in its graph), parsed in one isolated worker."""
    import pyoxigraph as ox

    if sum(1 for s in sources if s.data is not None or s.path is None) > 1:
        raise ValueError("one worker parses at most one source given as bytes")
    job = {
        "job": "parse",
        "sources": [
            {
                "name": s.name,
                "graph": s.graph,
                "format": s.format.name,
                "path": str(s.path) if s.data is None and s.path is not None else None,
            }
            for s in sources
        ],
    }
    data = next((s.data for s in sources if s.data is not None), b"")
    what = "document" if len(sources) != 1 else f"{sources[0].format.name} document"
    where = Location(sources[0].name) if len(sources) == 1 else None
    _, body = run(job, data, limits=limits, what=what, where=where)
    stream = io.BytesIO(body)
    return [list(ox.parse(read_frame(stream) or b"", format=ox.RdfFormat.N_QUADS)) for _ in sources]


__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "keep_spare",
    "parse",
    "refill_spares",
    "run",
    "spare_pids",
    "stop_spare",
]
