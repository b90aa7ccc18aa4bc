"""A worker: a separate, network-less, memory-capped process where client text is parsed and run.

Every SPARQL query, every SPARQL update and every RDF document that comes from outside is parsed
and evaluated here, never in the server (or CLI) process, for three reasons measured on pyoxigraph
0.5: its SPARQL and JSON-LD parsers recurse, so a query nested 10,000 deep or a JSON-LD document
nested 10,000 deep overflows the stack and kills the process (SIGSEGV); it follows ``SERVICE`` and
``LOAD`` over HTTP; and it has no cancellation. Here a crash kills one worker, a fetch finds no
network, and a query past its deadline is stopped by killing the process.

Before anything else the worker leaves the network, by whatever the host allows (both where it
can): a network namespace of its own (needs CAP_SYS_ADMIN), where no address, loopback included,
exists; and a seccomp filter (needs nothing) that refuses to create any socket but a Unix one.
Then it caps its address space (RLIMIT_AS), so a query that would take gigabytes fails here.

Two ways to run it, one protocol: frames of a 4-byte big-endian length and a payload. A request is
a JSON frame (``job`` is query, write or parse) and a data frame; an answer is a JSON frame and,
when ``ok``, a body frame.

- ``python -m api.core.store.worker FD``: a pool worker of the SPARQL service's query engine, over
  the socket passed as FD, answering queries over read-only checkpoints of the store.
- ``python -m api.core.store.worker --once``: one request on stdin, its answer on stdout (the
  :mod:`rsikg.core.store.sandbox` runs it for writes, loads and records in a command).
- ``python -m api.core.store.worker --forks FD``: the fork server the running service keeps
  (:func:`serve_forks`): isolated once, it forks a child per job, which answers on the job's
  own socket and exits.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import resource
import signal
import socket
import struct
import sys
import traceback
from collections.abc import Sequence
from itertools import islice
from typing import Any, BinaryIO, NoReturn

_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
MEMORY_ENV = "RSIKG_WORKER_MEMORY_MB"
"""The worker's address-space limit in MiB, passed by the process that starts it."""


# --------------------------------------------------------------------------------------------
# Isolation
# --------------------------------------------------------------------------------------------


def enter_network_namespace() -> bool:
    """Move this process into an empty network namespace. False where the OS does not let us."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(_CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


def refuse_sockets(*, every_thread: bool = False) -> bool:
    """A seccomp filter: creating any socket but a Unix one fails with EACCES (so does io_uring,
    which could open one behind the filter's back). Inherited by any child, and by the threads
    the calling one starts; ``every_thread``: the process's other threads too. False where
    libseccomp or seccomp itself is missing."""
    try:
        import pyseccomp as seccomp

        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        if every_thread:
            rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        for name in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
            rules.add_rule(seccomp.ERRNO(errno.EACCES), name)
        rules.load()  # also sets no_new_privs, so no exec can shed it
    except Exception:  # ImportError, OSError (no libseccomp), RuntimeError (no seccomp in the kernel)
        return False
    return True


def _cap_memory(megabytes: int) -> None:
    if megabytes > 0:
        limit = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def die_with_parent() -> None:
    """A worker outlives no server: the kernel kills it when its parent ends (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def _few_malloc_arenas() -> None:
    """Two malloc arenas, not one per thread: glibc reserves 64 MiB of address space for each
    arena, and how many RocksDB's threads open depends on how they happen to interleave, so
    under the address-space cap the same query could pass or fail by timing. Set with mallopt:
    glibc read MALLOC_ARENA_MAX when the process started, so setting it now would change nothing."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 2)


def isolate(memory_mb: int) -> list[str]:
    """Leave the network and cap memory; the mechanisms that took effect ('namespace', 'seccomp')."""
    die_with_parent()
    found = []
    if enter_network_namespace():  # first, before any thread exists
        found.append("namespace")
    if refuse_sockets():
        found.append("seccomp")
    _few_malloc_arenas()
    _cap_memory(memory_mb)
    return found


# --------------------------------------------------------------------------------------------
# Framing
# --------------------------------------------------------------------------------------------


def read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    data = stream.read(length)
    return data if len(data) == length else None


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def request_frames(job: dict[str, Any], data: bytes = b"") -> bytes:
    return frame(json.dumps(job).encode()) + frame(data)


# --------------------------------------------------------------------------------------------
# Jobs
# --------------------------------------------------------------------------------------------


_datasets: tuple[Any, dict[str, Any]] | None = None  # (store, its merged dataset): the last one read


def merged_dataset(store: Any, *, fixed: bool = True) -> dict[str, Any]:
    """The dataset of a query without one of its own (:func:`rsikg.core.store.merged.dataset`),
    read once per store opened when it is ``fixed`` (a checkpoint, which never changes)."""
    global _datasets
    if fixed and _datasets is not None and _datasets[0] is store:
        return _datasets[1]
    from . import merged

    options = merged.dataset(store)
    if fixed:
        _datasets = (store, options)
    return options


def _dataset_options(store: Any, request: dict[str, Any]) -> dict[str, Any]:
    import pyoxigraph as ox

    options: dict[str, Any] = {}
    if request.get("base_iri"):
        options["base_iri"] = request["base_iri"]
    if request.get("default_graphs") is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
    elif request.get("named_graphs") is not None:  # named-graph-uri alone: an empty default graph
        options["default_graph"] = []  # (SPARQL 1.1 Protocol 2.1.4, as FROM NAMED alone)
    elif not request.get("own_dataset"):  # FROM / FROM NAMED: the query's own dataset, not the union
        dataset = merged_dataset(store, fixed=not request.get("live"))
        if request.get("anchored") and "named_graphs" in dataset:
            # no GRAPH clause reads the named graphs: without their list, a point query takes
            # 125 µs where it took 160 (measured on the project's graph, 28 graphs)
            dataset = {"default_graph": dataset["default_graph"]}
        options.update(dataset)
    if request.get("named_graphs") is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    if request.get("bindings"):
        from .terms import json_substitutions

        options["substitutions"] = json_substitutions(request["bindings"])
    return options


def execute(store: Any, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """Run one query; (answer header, body)."""
    import pyoxigraph as ox

    from ..prefixes import PREDECLARED_NAMESPACES, PREFIXES
    from .formats import OX_RDF, OX_RESULTS
    from .results import WRITERS, take, trim, write_boolean

    options = _dataset_options(store, request)
    if request.get("prefixes"):  # the query uses a prefix it does not declare (sparql_guard.inspect)
        options["prefixes"] = PREDECLARED_NAMESPACES
    limit = int(request["max_rows"])
    plan = request.get("plan")
    text = request["query"]
    try:
        # Oxigraph keeps the answer within the cap itself, so it can also serialise it natively
        result = _query(store, text, options, f"{text}\nLIMIT {limit + 1}\n" if plan == "append" else None)
    except SyntaxError:
        if plan != "append":
            raise
        result, plan = _query(store, text, options), None  # the error as the user wrote it
    results_format, graph_format = request.get("results_format"), request.get("graph_format")
    if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        if results_format is None:
            return {"ok": False, "kind": "not-acceptable", "form": "results"}, b""
        if isinstance(result, ox.QueryBoolean):
            body = write_boolean(bool(result), results_format)
            return {"ok": True, "format": results_format, "truncated": False, "rows": 1}, body
        if plan is not None:
            native = result.serialize(format=OX_RESULTS[results_format]) or b""
            native, truncated = trim(native, results_format, limit)
            return {"ok": True, "format": results_format, "truncated": truncated, "rows": None}, native
        variables = [v.value for v in result.variables]
        rows, truncated = take(result, variables, limit)
        body = WRITERS[results_format](variables, rows)
        return {"ok": True, "format": results_format, "truncated": truncated, "rows": len(rows)}, body
    if graph_format is None:
        return {"ok": False, "kind": "not-acceptable", "form": "graph"}, b""
    triples = list(islice(result, limit + 1))
    truncated = len(triples) > limit
    rdf = ox.serialize(triples[:limit], format=OX_RDF[graph_format], prefixes=dict(PREFIXES))
    count = min(len(triples), limit)
    return {"ok": True, "format": graph_format, "truncated": truncated, "rows": count}, rdf or b""


def _query(store: Any, text: str, options: dict[str, Any], sent: str | None = None) -> Any:
    """``store.query`` of ``text``, or of ``sent`` (``text`` with a LIMIT appended) when given;
    a syntax error in ``text`` that stands for a prefix it does not declare says so."""
    try:
        return store.query(text if sent is None else sent, **options)
    except SyntaxError as err:
        if sent is not None:
            raise
        from ..sparql_guard import explained

        raise explained(text, err) from None


def _source(request: dict[str, Any], data: bytes) -> Any:
    from pathlib import Path

    from ..formats import rdf_format
    from .base import Source

    path = request.get("path")
    return Source(
        name=request["name"],
        graph=request["graph"],
        format=rdf_format(request["format"]),
        path=Path(path) if path else None,
        data=None if path else data,
    )


def client_error(update: str, base_iri: str | None) -> SyntaxError | None:
    """The syntax error in a client's own update, found by running it on an empty store in
    memory, where it has nothing to change: the steps rsikg runs are the client's text
    rewritten (api/core/sparql_dataset.py, api/core/sparql_journal.py), so their errors stand
    at lines and columns the client never wrote."""
    import pyoxigraph as ox

    from ..prefixes import PREDECLARED_NAMESPACES
    from ..sparql_guard import explained

    try:
        ox.Store().update(update, base_iri=base_iri, prefixes=PREDECLARED_NAMESPACES)
    except SyntaxError as own:
        return explained(update, own)
    except Exception:  # read, then failed to run: not a syntax error
        return None
    return None


def _steps(store: Any, data: bytes, request: dict[str, Any]) -> bytes | None:
    """Run a client's update as the steps of api/core/sparql_journal.py (see :func:`run_steps`);
    a syntax error is the client's own, located in the text the client wrote."""
    steps, at = [], 0
    for step in request["steps"]:
        steps.append((data[at : at + step["length"]].decode("utf-8"), step["graphs"]))
        at += step["length"]
    try:
        return run_steps(store, steps, request["journal"], request.get("base_iri"))
    except SyntaxError as err:
        own = client_error(request["original"], request.get("base_iri"))
        if own is not None:
            raise own from None
        raise RuntimeError(f"rsikg wrote an update step Oxigraph cannot read: {err}") from None


def run_steps(
    store: Any, steps: Sequence[tuple[str, Sequence[str] | None]], journal_name: str, base_iri: str | None
) -> bytes | None:
    """Run an update as the steps of api/core/sparql_journal.py, (text, graphs) each: the
    triples it can have changed, as N-Triples; None when it can have changed any (a step said
    so, or the journal's name is taken)."""
    import pyoxigraph as ox

    from ..prefixes import PREDECLARED_NAMESPACES
    from .parsing import graph_node

    journal = ox.NamedNode(journal_name)
    if store.contains_named_graph(journal):
        return None
    candidates: set[bytes] = set()
    whole = False
    for text, graphs in steps:
        if graphs is None:
            whole = True
        elif not whole:
            for graph in graphs:
                candidates.update(_triples(store.quads_for_pattern(None, None, None, graph_node(graph))))
        # every update may use the predeclared prefixes: its steps are read as the whole was
        # (api/core/sparql_dataset.py's Names, sparql_journal's graphs), so always given
        store.update(text, base_iri=base_iri, prefixes=PREDECLARED_NAMESPACES)
        if store.contains_named_graph(journal):
            if not whole:
                candidates.update(_triples(store.quads_for_pattern(None, None, None, journal)))
            store.remove_graph(journal)
    return None if whole else b"\n".join(sorted(candidates))


def _triples(quads: Any) -> list[bytes]:
    """The triples of quads as N-Triples lines (split at LF only: see quads_nquads)."""
    import pyoxigraph as ox

    data = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES) or b""
    return [line for line in data.split(b"\n") if line]


def write(request: dict[str, Any], data: bytes) -> tuple[dict[str, Any], bytes]:
    """Apply one write to the scratch store at ``request['scratch']``, then close it.

    Plain pyoxigraph, not the store class: a scratch copy needs no atomic replace, and this
    process is spared rdflib's import."""
    import pyoxigraph as ox

    from .parsing import graph_node, parse_quads

    store = ox.Store(request["scratch"])
    touched: list[str] | None = None  # the graphs the write can have changed; None: any
    body = b""
    try:
        operation = request["operation"]
        if operation == "update":
            triples = _steps(store, data, request)
            if triples is not None:  # no graph changed wholesale: the triples say what can have
                touched, body = [], triples
        elif operation in ("replace", "add"):
            source = _source(request, data)
            quads = parse_quads(source)
            names = {q.graph_name for q in quads}
            if all(isinstance(n, ox.NamedNode) for n in names):  # the store's default graph: any
                touched = sorted({source.graph} | {n.value for n in names if isinstance(n, ox.NamedNode)})
            if operation == "replace":
                named = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
                for graph in {source.graph} | named:
                    node = graph_node(graph)
                    if isinstance(node, ox.DefaultGraph):
                        store.clear_graph(node)
                    elif store.contains_named_graph(node):
                        store.remove_graph(node)
            store.extend(quads)
            target = graph_node(source.graph)
            if isinstance(target, ox.NamedNode):  # the graph exists now, even with no triple
                store.add_graph(target)
        else:
            raise ValueError(f"unknown write operation {operation!r}")
        # no flush: the service opens the copy read-only, which reads the write-ahead log too
    finally:
        del store  # releases the RocksDB lock before the caller opens the scratch store
    return {"ok": True, "graphs": touched, "triples": touched == [] and operation == "update"}, body


def parse(request: dict[str, Any], data: bytes) -> tuple[dict[str, Any], bytes]:
    """Parse RDF documents into N-Quads, each source's triples in its graph: a frame a source.
    A source without a path is ``data`` (one at most)."""
    import pyoxigraph as ox

    from .parsing import parse_quads

    frames = [
        frame(ox.serialize(parse_quads(_source(spec, data)), format=ox.RdfFormat.N_QUADS) or b"")
        for spec in request["sources"]
    ]
    return {"ok": True}, b"".join(frames)


def respond(run: Any, *args: Any) -> tuple[dict[str, Any], bytes]:
    """Run a job with every failure turned into an answer that the caller maps to an error."""
    from ...errors import InputError

    try:
        done: tuple[dict[str, Any], bytes] = run(*args)
        return done
    except SyntaxError as err:
        return {"ok": False, "kind": "syntax", "message": str(err)}, b""
    except InputError as err:
        where = {k: v for k, v in vars(err.location).items() if v is not None}
        failed = {"ok": False, "kind": "input", "class": type(err).__name__, "message": err.message}
        return {**failed, "location": where}, b""
    except MemoryError:
        return {"ok": False, "kind": "memory"}, b""
    except Exception as err:
        # internal text stays with the operator: the caller logs it and tells the client less
        return {"ok": False, "kind": "error", "message": f"{type(err).__name__}: {err}"}, b""


def serve(sock: socket.socket, isolation: list[str]) -> None:
    """The pool worker's loop: queries over the checkpoint each request names."""
    import pyoxigraph as ox

    stream = sock.makefile("rb")
    sock.sendall(frame(json.dumps({"hello": True, "isolation": isolation}).encode()))
    store, opened = None, None
    while (payload := read_frame(stream)) is not None and read_frame(stream) is not None:
        request = json.loads(payload)
        if request["checkpoint"] != opened:
            store, opened = ox.Store.read_only(request["checkpoint"]), request["checkpoint"]
        answer, body = respond(execute, store, request)
        sock.sendall(frame(json.dumps(answer).encode()) + frame(body))


def handle(stdin: BinaryIO, stdout: BinaryIO, isolation: list[str]) -> None:
    """One request read from ``stdin``, its answer written to ``stdout``."""
    payload, data = read_frame(stdin), read_frame(stdin)
    if payload is None or data is None:
        return
    request = json.loads(payload)
    job = request["job"]
    if job == "query":
        import pyoxigraph as ox

        answer, body = respond(execute, ox.Store.read_only(request["checkpoint"]), request)
    elif job == "write":
        answer, body = respond(write, request, data)
    elif job == "parse":
        answer, body = respond(parse, request, data)
    else:
        answer, body = {"ok": False, "kind": "error", "message": f"unknown job {job!r}"}, b""
    answer["isolation"] = isolation
    stdout.write(frame(json.dumps(answer).encode()) + frame(body))
    stdout.flush()


def _imported() -> None:
    """What every job imports, imported before the job comes (40 ms)."""
    import pyoxigraph  # noqa: F401

    from . import parsing  # noqa: F401


def serve_once(isolation: list[str]) -> None:
    """One request from stdin, its answer to stdout."""
    _imported()
    handle(sys.stdin.buffer, sys.stdout.buffer, isolation)


def serve_forks(control: socket.socket, isolation: list[str]) -> None:
    """The fork server (api/core/store/sandbox.py): isolated and imported once, it forks a child
    per job, which answers on the socket the job came with and exits. A fork here takes about
    1 ms where a new worker process took 100-150 ms of a core. Messages on ``control`` (a
    SOCK_SEQPACKET pair, one JSON object a message): ``fork`` with the job's socket passed
    along, answered with the child's pid; ``reap`` a pid, answered with its exit code
    (negative: the signal that ended it), once it has ended."""
    _imported()
    control.send(json.dumps({"hello": True, "isolation": isolation}).encode())
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, 4096, 1)
        except ConnectionResetError:  # the server ended with a message unread (a stop, a kill)
            return
        if not message:
            return  # the server is gone
        request = json.loads(message)
        if request["op"] == "fork":
            pid = os.fork()
            if pid == 0:
                _forked(control, fds[0], isolation)
            os.close(fds[0])
            control.send(json.dumps({"pid": pid}).encode())
        else:
            _pid, status = os.waitpid(int(request["pid"]), 0)
            control.send(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())


def _forked(control: socket.socket, fd: int, isolation: list[str]) -> NoReturn:
    """A child of the fork server: its one job, then exit (no teardown: nothing to flush)."""
    code = 1
    try:
        control.close()
        die_with_parent()  # not inherited across fork: dies with the fork server
        with socket.socket(fileno=fd) as job, job.makefile("rb") as stdin, job.makefile("wb") as stdout:
            handle(stdin, stdout, isolation)
        code = 0
    except BaseException:  # the child must end here whatever happened, said on stderr
        traceback.print_exc()
    finally:
        os._exit(code)


def main() -> None:
    isolation = isolate(int(os.environ.get(MEMORY_ENV, "0")))
    from . import sandbox

    sandbox.inside_worker = True  # parse here: this process is the isolation
    if sys.argv[1:] == ["--once"]:
        serve_once(isolation)
        # answered and flushed, its store closed: no interpreter teardown for the caller to wait
        # on (10-15 ms of a write's latency)
        os._exit(0)
    elif sys.argv[1:2] == ["--forks"]:
        serve_forks(socket.socket(fileno=int(sys.argv[2])), isolation)
    else:
        serve(socket.socket(fileno=int(sys.argv[1])), isolation)


if __name__ == "__main__":
    main()
