"""Run one job in an isolated worker process of its own and wait for it (see :mod:`.worker`).

For the blocking paths: writes through the service (from a thread), loads and records in the CLI,
the dry run of a record sent as RDF. What it buys is that no client document or update is ever
parsed where a crash, a fetch or a runaway could reach the caller. A process costs 100-150 ms of
a core to start here, so the server keeps a fork server (:class:`_ForkServer`), isolated and
imported once, that forks each job's process in about 1 ms; a command starts one per job.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ...errors import (
    InputError,
    Location,
    NotAcceptableError,
    QueryDeadlineError,
    QueryEngineError,
    RdfSyntaxError,
    ResourceLimitError,
)
from .worker import MEMORY_ENV, read_frame, request_frames

if TYPE_CHECKING:
    import pyoxigraph as ox

    from .base import Source

log = logging.getLogger("rsikg.worker")
WORKER = f"{__name__.rpartition('.')[0]}.worker"
"""The worker's module, run as ``python -m`` (this package's, under whatever name it is installed)."""

inside_worker = False
"""True in a worker process: it is isolated already, so it parses in process."""


@dataclass(frozen=True)
class Limits:
    """What one job may take: seconds of wall time, MiB of address space (0: no cap)."""

    seconds: float = 30.0
    memory_mb: int = 2048


DEFAULT_LIMITS = Limits()


def limits_for(memory_mb: int | None) -> Limits:
    """The default limits with the memory cap ``memory_mb`` (the setting worker_memory_mb), or
    the default limits for None."""
    return DEFAULT_LIMITS if memory_mb is None else replace(DEFAULT_LIMITS, memory_mb=memory_mb)


server_isolation: list[str] = []
"""What cut this serving process off the network (:func:`isolate_server`): empty unless it was."""


def isolate_server() -> list[str]:
    """Cut the serving process off the network as its workers are, once it has its listening
    socket: an empty network namespace, and a seccomp filter that refuses any socket but a Unix
    one (the sockets it has, the listening one among them, keep working). Then it answers
    anchored queries itself (:meth:`rsikg.core.store.engine.QueryEngine.run`). Called before any
    thread of the server's starts, which inherit it. Returns the mechanisms that took effect."""
    from . import worker

    found = []
    if worker.enter_network_namespace():
        found.append("namespace")
    if worker.refuse_sockets(every_thread=True):
        found.append("seccomp")
    server_isolation[:] = found
    return found


def die_with_parent() -> None:
    """The kernel ends this process when its parent ends (Linux), as it does a worker."""
    from . import worker

    worker.die_with_parent()


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
        f"the {what} needed more than the memory limit of {limits.memory_mb} MiB and was stopped "
        "(the operator's setting worker_memory_mb, RSIKG_WORKER_MEMORY_MB, raises it)"
    )


def answer_error(answer: dict[str, Any], what: str, where: Location) -> Exception:
    """The error a worker's failed answer stands for (internal text is not passed on)."""
    from .parsing import located_query_error

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


class _ForkServer:
    """A worker process, isolated and with its imports done, that forks a child per job
    (:func:`rsikg.core.store.worker.serve_forks`): a job's process is ready in about 1 ms, where
    starting one took 100-150 ms of a core (on two cores, a write's own latency and a fifth of
    the reads' throughput at one write a second). Each job still runs in a process of its own,
    which ends with it. Started by :func:`start_fork_server` (the server does; a one-off command would
    not use it), for the memory limit its children inherit."""

    def __init__(self, limits: Limits) -> None:
        self.memory_mb = limits.memory_mb
        self.lock = threading.Lock()
        control, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**os.environ, MEMORY_ENV: str(limits.memory_mb)}
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, this package's worker
            [sys.executable, "-m", WORKER, "--forks", str(child.fileno())],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        child.close()
        self.control = control
        self.ready = False

    def _ask(self, message: dict[str, Any], fds: Sequence[int] = ()) -> dict[str, Any]:
        """One message and its answer (under the lock: one conversation at a time)."""
        with self.lock:
            if not self.ready:  # its hello: it is isolated and imported
                json.loads(self.control.recv(4096) or b"null")
                self.ready = True
            socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
            answer = self.control.recv(4096)
        if not answer:
            raise OSError("the fork server has ended")
        return dict(json.loads(answer))

    def run(self, request: bytes, seconds: float) -> tuple[int, bytes] | None:
        """The exit code of a forked child and what it answered; None when it ran past
        ``seconds`` (it is killed)."""
        mine, theirs = socket.socketpair()
        with mine:
            try:
                pid = int(self._ask({"op": "fork"}, [theirs.fileno()])["pid"])
            finally:
                theirs.close()
            try:
                answer = _exchange(mine, request, time.monotonic() + seconds)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                answer = None
        code = int(self._ask({"op": "reap", "pid": pid})["exit"])
        return None if answer is None else (code, answer)

    def stop(self) -> None:
        self.control.close()  # it reads the end of its socket and returns
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _exchange(sock: socket.socket, request: bytes, deadline: float) -> bytes:
    """Send ``request``, then read until the other end closes; TimeoutError at ``deadline``."""

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    sock.settimeout(remaining())
    try:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
    except BrokenPipeError:
        pass  # it ended before it read all: its exit code says why
    chunks: list[bytes] = []
    while True:
        sock.settimeout(remaining())
        try:
            chunk = sock.recv(1 << 20)  # TimeoutError past the deadline
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


_forks: _ForkServer | None = None
_forks_lock = threading.Lock()


def start_fork_server(limits: Limits = DEFAULT_LIMITS) -> None:
    """Start the fork server that jobs with ``limits``' memory cap run from (the server's
    writes, and the records it parses)."""
    global _forks
    with _forks_lock:
        if _forks is None or _forks.memory_mb != limits.memory_mb or _forks.process.poll() is not None:
            old, _forks = _forks, _ForkServer(limits)
            if old is not None:
                old.stop()


def _replace(failed: _ForkServer, limits: Limits) -> None:
    """Start a new fork server in place of one that failed (its process may not have ended
    yet: it is killed, not asked)."""
    global _forks
    with _forks_lock:
        if _forks is not failed:
            return  # replaced already, or stopped
        _forks = _ForkServer(limits)
    failed.process.kill()
    failed.stop()


def stop_fork_server() -> None:
    """Stop the fork server; jobs start processes of their own again."""
    global _forks
    with _forks_lock:
        old, _forks = _forks, None
    if old is not None:
        old.stop()


def fork_server_pids() -> list[int]:
    """The fork server's process id, when one runs (none: an empty list)."""
    forks = _forks
    return [] if forks is None else [forks.process.pid]


atexit.register(stop_fork_server)


def _in_process(request: bytes, limits: Limits) -> tuple[int, bytes, bytes] | None:
    """Run a job in a process of its own: (exit code, stdout, stderr), None past the deadline.
    From the fork server when one runs with the job's memory cap, else a new process."""
    forks = _forks
    if forks is not None and forks.memory_mb == limits.memory_mb:
        try:
            done = forks.run(request, limits.seconds)
            return None if done is None else (done[0], done[1], b"")
        except OSError as err:  # it ended (killed?): a new process for this job, a new server next
            log.warning("the fork server failed (%s); a process of its own for this job", err)
            _replace(forks, limits)
    env = {**os.environ, MEMORY_ENV: str(limits.memory_mb)}
    try:
        done_once = subprocess.run(  # noqa: S603 - this interpreter, this package's worker, no shell
            [sys.executable, "-m", WORKER, "--once"],
            input=request,
            capture_output=True,
            timeout=limits.seconds,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return done_once.returncode, done_once.stdout, done_once.stderr


def run(
    job: dict[str, Any],
    data: bytes = b"",
    *,
    limits: Limits = DEFAULT_LIMITS,
    what: str = "input",
    where: Location | None = None,
) -> tuple[dict[str, Any], bytes]:
    """Run ``job`` in an isolated worker process of its own: its answer and body, or the error
    it stands for."""
    where = where or Location()
    done = _in_process(request_frames(job, data), limits)
    if done is None:
        log.warning(
            "%s stopped at its deadline of %g s; its worker killed",
            what,
            limits.seconds,
            extra={"event": "worker.deadline", "what": what, "seconds": limits.seconds},
        )
        raise QueryDeadlineError(limits.seconds)
    code, stdout, stderr = done
    if code < 0:  # a signal: SIGKILL at the memory cap, SIGSEGV on deep nesting, ...
        log.warning(
            "%s stopped its worker with signal %d",
            what,
            -code,
            extra={"event": "worker.died", "what": what, "exit_code": code},
        )
        raise crash_error(code, limits, what, where)
    stream = io.BytesIO(stdout)
    header, body = read_frame(stream), read_frame(stream)
    if header is None or body is None:
        raise QueryEngineError(f"the worker gave no answer (exit {code}): {stderr.decode(errors='replace')}")
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
    "fork_server_pids",
    "isolate_server",
    "parse",
    "run",
    "server_isolation",
    "start_fork_server",
    "stop_fork_server",
]
