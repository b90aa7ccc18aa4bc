"""A query worker: a separate process that answers SPARQL queries over a store checkpoint.

Queries run here, not in the server, so that a query past its deadline can be stopped for
real: the server kills the process (pyoxigraph has no cancellation) and starts another. Each
worker opens a read-only checkpoint of the store (RocksDB hard links, made after every
write), never the live store.

Before anything else the worker tries to leave the network: it moves into a network namespace
of its own (Linux, when allowed), where no address, loopback included, can be reached. Then a
SERVICE or LOAD that got past the server's checks still cannot fetch anything.

Protocol over the socket the server passes as file descriptor: frames of a 4-byte big-endian
length and a payload. Each request is one JSON frame; each answer is a JSON frame and, when
``ok``, a body frame with the serialised result.
"""

from __future__ import annotations

import ctypes
import json
import socket
import struct
import sys
from itertools import islice
from typing import Any, BinaryIO

_CLONE_NEWNET = 0x40000000


def _leave_network() -> bool:
    """Move this process into an empty network namespace. False where the OS does not let us."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(_CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


def read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    return stream.read(length)


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def _term(spec: dict[str, str]) -> Any:
    import pyoxigraph as ox

    kind = spec["type"]
    if kind == "uri":
        return ox.NamedNode(spec["value"])
    if kind == "bnode":
        return ox.BlankNode(spec["value"])
    if "xml:lang" in spec:
        return ox.Literal(spec["value"], language=spec["xml:lang"])
    if "datatype" in spec:
        return ox.Literal(spec["value"], datatype=ox.NamedNode(spec["datatype"]))
    return ox.Literal(spec["value"])


def execute(store: Any, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """Run one query; (answer header, body)."""
    import pyoxigraph as ox

    from api.core.namespaces import PREFIXES
    from api.core.store.oxigraph import RDF_FORMATS
    from api.core.store.results import WRITERS, take, trim, write_boolean

    options: dict[str, Any] = {}
    if request.get("default_graphs") is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
    else:
        options["use_default_graph_as_union"] = True
    if request.get("named_graphs") is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    if request.get("bindings"):
        options["substitutions"] = {ox.Variable(k): _term(v) for k, v in request["bindings"].items()}
    limit = int(request["max_rows"])
    plan = request.get("plan")
    text = request["query"]
    try:
        # Oxigraph keeps the answer within the cap itself, so it can also serialise it natively
        result = store.query(f"{text}\nLIMIT {limit + 1}\n" if plan == "append" else text, **options)
    except SyntaxError:
        if plan != "append":
            raise
        result, plan = store.query(text, **options), None  # the error as the user wrote it
    results_format, graph_format = request.get("results_format"), request.get("graph_format")
    if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        if results_format is None:
            return {"ok": False, "kind": "not-acceptable", "form": "results"}, b""
        if isinstance(result, ox.QueryBoolean):
            body = write_boolean(bool(result), results_format)
            return {"ok": True, "format": results_format, "truncated": False, "rows": 1}, body
        if plan is not None:
            native = result.serialize(format=_RESULT_FORMATS[results_format]) or b""
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
    rdf = ox.serialize(triples[:limit], format=RDF_FORMATS[graph_format]._ox, prefixes=dict(PREFIXES))
    count = min(len(triples), limit)
    return {"ok": True, "format": graph_format, "truncated": truncated, "rows": count}, rdf or b""


_RESULT_FORMATS: dict[str, Any] = {}


def _load_formats() -> None:
    import pyoxigraph as ox

    _RESULT_FORMATS.update(
        json=ox.QueryResultsFormat.JSON,
        xml=ox.QueryResultsFormat.XML,
        csv=ox.QueryResultsFormat.CSV,
        tsv=ox.QueryResultsFormat.TSV,
    )


def respond(store: Any, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """:func:`execute`, with every failure turned into an answer the server maps to a status."""
    try:
        return execute(store, request)
    except SyntaxError as err:
        return {"ok": False, "kind": "syntax", "message": str(err)}, b""
    except Exception as err:
        return {"ok": False, "kind": "error", "message": f"{type(err).__name__}: {err}"}, b""


def serve(sock: socket.socket, isolated: bool) -> None:
    import pyoxigraph as ox

    _load_formats()
    stream = sock.makefile("rb")
    sock.sendall(frame(json.dumps({"hello": True, "isolated": isolated}).encode()))
    store, opened = None, None
    while (payload := read_frame(stream)) is not None:
        request = json.loads(payload)
        if request["checkpoint"] != opened:
            store, opened = ox.Store.read_only(request["checkpoint"]), request["checkpoint"]
        answer, body = respond(store, request)
        sock.sendall(frame(json.dumps(answer).encode()) + frame(body))


def main() -> None:
    isolated = _leave_network()  # first, before any thread exists
    sock = socket.socket(fileno=int(sys.argv[1]))
    serve(sock, isolated)


if __name__ == "__main__":
    main()
