"""The SPARQL 1.1 Protocol at /sparql, as a bare ASGI application.

Bare ASGI rather than a FastAPI route: measured here, a plain FastAPI route around a point
query answered in 1.9× the time of Oxigraph's own server, a bare ASGI route in 1.15×. So this
hot path parses the request itself and does no more than the protocol needs.

Queries: GET ?query=, POST form (query=), POST application/sparql-query; default-graph-uri and
named-graph-uri; the answer's format by the Accept header with q-values. Updates: POST
application/sparql-update or form (update=), with the bearer token; using-graph-uri and
using-named-graph-uri. A graph the store does not hold is an empty graph; relative IRIs resolve
against the endpoint's URL. GET without a query: the service description; HEAD as GET, without the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeVar
from urllib.parse import parse_qs

import anyio
import rdflib

from ..core.formats import ANSWER_GRAPH_FORMATS, BY_NAME, RESULT_FORMATS
from ..core.service import SD, Answering, GraphService
from ..core.service import W3C_FORMATS as FORMATS
from ..errors import NotAcceptableError
from .auth import require_token
from .conneg import GRAPH_OFFERS, answer_formats, choose
from .errors import HttpError, answer_for
from .state import AppState

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
T = TypeVar("T")

OFF_LOOP_CHARS = 16_384
"""A request longer than this is parsed and checked in a thread (:func:`_parsed`)."""


def _content_type(fmt: str) -> bytes:
    """The Content-Type header of an answer in the format named ``fmt`` (UTF-8 text, all)."""
    return BY_NAME[fmt].content_type.encode()


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_error(send: Send, error: BaseException, scope: Scope) -> None:
    """The answer to any exception: 4xx for bad input, a logged 500 with a request id else."""
    status, content, extra = answer_for(error, scope)
    body = json.dumps(content, ensure_ascii=False).encode()
    headers = [(k.lower().encode(), v.encode()) for k, v in extra.items()]
    await _send(send, status, body, [(b"content-type", b"application/json; charset=utf-8"), *headers])


class SparqlEndpoint:
    def __init__(self, state: AppState) -> None:
        self.state = state

    def _answering(self) -> Answering:
        """What answers the queries: the graph service (a replica's own, in a replica)."""
        return self.state.graph

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._handle(scope, receive, send)
        except Exception as error:  # the boundary: every failure gets an answer, none drops the connection
            await send_error(send, error, scope)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if method in ("GET", "HEAD"):  # for HEAD, the server sends GET's headers without its body
            params = _form(scope["query_string"], "query string")
            if "update" in params:
                raise HttpError(405, "a SPARQL Update must be sent with POST", {"Allow": "POST"})
            if "query" not in params:
                await self._describe(headers, send)
                return
            await self._query(_one(params, "query"), params, headers, send, receive)
        elif method == "POST":
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            body = await self._body(receive, headers)
            url_params = _form(scope["query_string"], "query string")
            if media_type == "application/x-www-form-urlencoded":
                form = await _parsed(len(body), _form, body, "form")
                if "query" in form and "update" in form:
                    raise HttpError(400, "send either query= or update=, not both")
                if "query" in form:
                    await self._query(_one(form, "query"), form, headers, send, receive)
                elif "update" in form:
                    await self._update(_one(form, "update"), form, headers, send)
                else:
                    raise HttpError(400, "the form has neither a query= nor an update= field")
            elif media_type == "application/sparql-query":
                await self._query(_utf8(body), url_params, headers, send, receive)
            elif media_type == "application/sparql-update":
                await self._update(_utf8(body), url_params, headers, send)
            else:
                raise HttpError(
                    415,
                    f"cannot take a body of type {media_type or '(none)'!r}; use "
                    "application/sparql-query, application/sparql-update or "
                    "application/x-www-form-urlencoded",
                )
        elif method == "OPTIONS":  # a preflight (CORS) is answered before this: api.web.app
            await _send(send, 204, b"", [(b"allow", b"GET, HEAD, POST, OPTIONS")])
        else:
            raise HttpError(405, f"{method} is not allowed on /sparql", {"Allow": "GET, HEAD, POST, OPTIONS"})

    async def _body(self, receive: Receive, headers: dict[str, str]) -> bytes:
        limit = self.state.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise HttpError(413, f"the request body is larger than the limit of {limit} bytes")
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise HttpError(413, f"the request body is larger than the limit of {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _query(
        self, query: str, params: dict[str, list[str]], headers: dict[str, str], send: Send, receive: Receive
    ) -> None:
        results_format, graph_format = answer_formats(headers.get("accept"))
        graph, if_none_match = self._answering(), headers.get("if-none-match")
        request = await _parsed(
            len(query),
            functools.partial(
                graph.prepared,
                query,
                results_format=results_format,
                graph_format=graph_format,
                default_graphs=params.get("default-graph-uri", []),
                named_graphs=params.get("named-graph-uri", []),
            ),
        )
        answer = graph.answer_now(request, if_none_match)  # kept, or anchored: no task, no wait
        if answer is None:
            running = asyncio.ensure_future(graph.answer(request, if_none_match))
            watching = asyncio.ensure_future(_disconnected(receive))
            try:
                await asyncio.wait((running, watching), return_when=asyncio.FIRST_COMPLETED)
            finally:  # this request cancelled (the server stopping), or the client gone
                watching.cancel()
                if not running.done():  # stop its query: the engine kills the worker
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await running
            if running.cancelled():
                return
            answer = running.result()
        validators = [] if answer.tag is None else [(b"etag", answer.tag.encode())]
        if answer.unchanged:  # the client's copy is current: no body, no length (RFC 9110 15.4.5)
            start = {"type": "http.response.start", "status": 304}
            await send({**start, "headers": [*validators, (b"vary", b"Accept")]})
            await send({"type": "http.response.body", "body": b""})
            return
        content_type = _content_type(answer.format)
        response_headers = [(b"content-type", content_type), (b"vary", b"Accept"), *validators]
        if answer.tag is not None:
            response_headers.append((b"x-rsikg-cache", b"hit" if answer.cached else b"miss"))
        if answer.truncated:
            limit = str(self.state.settings.max_rows).encode()
            response_headers += [(b"x-rsikg-truncated", b"true"), (b"x-rsikg-row-limit", limit)]
        await _send(send, 200, answer.body, response_headers)

    async def _update(
        self, update: str, params: dict[str, list[str]], headers: dict[str, str], send: Send
    ) -> None:
        require_token(headers.get("authorization"), self.state.token)
        using, using_named = params.get("using-graph-uri", []), params.get("using-named-graph-uri", [])
        await self.state.graph.update(update, using, using_named)  # committed and published
        await _send(send, 204, b"", [])

    async def _describe(self, headers: dict[str, str], send: Send) -> None:
        fmt = choose(headers.get("accept"), GRAPH_OFFERS)
        if fmt is None:
            raise NotAcceptableError("graph")
        # The configured base URL, never the Host header: a client must not be able to make the
        # description (or a cache holding it) name another server.
        endpoint = f"{self.state.settings.base_url}/sparql"
        graph = service_description(
            endpoint,
            sorted(self.state.graph.known_graphs),
            self.state.token is not None,
            self.state.graph.triples,
        )
        body = graph.serialize(format=BY_NAME[fmt].rdflib, encoding="utf-8")
        await _send(send, 200, body, [(b"content-type", _content_type(fmt)), (b"vary", b"Accept")])


async def _parsed(size: int, parse: Callable[..., T], *args: object) -> T:
    """``parse(*args)``: on the event loop for a request of up to OFF_LOOP_CHARS, else in a
    thread. Lexing is pure Python at about 2 µs a character: a 600 kB form of nested
    parentheses held the loop for half a second, and every other client (``/health`` too)
    with it. In a thread, the interpreter hands the loop its turn every few milliseconds; the
    usual query, a few hundred characters, does not pay for the hand-over."""
    if size <= OFF_LOOP_CHARS:
        return parse(*args)
    return await anyio.to_thread.run_sync(parse, *args)


async def _disconnected(receive: Receive) -> None:
    """Return when the client has gone (the request's body, if any, was read already)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _form(raw: bytes, what: str) -> dict[str, list[str]]:
    """URL-encoded parameters, strictly UTF-8: a query or update is never run with parts of it
    replaced by U+FFFD."""
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as err:
        raise HttpError(400, f"the {what} is not UTF-8 ({err.reason})") from None


def _one(params: dict[str, list[str]], name: str) -> str:
    values = params[name]
    if len(values) != 1:
        raise HttpError(400, f"give exactly one {name}= parameter, not {len(values)}")
    return values[0]


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise HttpError(400, f"the body is not UTF-8 (byte {err.start})") from None


def service_description(endpoint: str, graphs: list[str], updates: bool, triples: int) -> rdflib.Graph:
    """A SPARQL 1.1 Service Description of this endpoint and its named graphs; its default
    dataset is also a ``void:Dataset`` with its triple count, described whole (VoID and DCAT)
    at ``/.well-known/void``."""
    g = rdflib.Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    service = rdflib.URIRef(endpoint)
    g.add((service, rdflib.RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if updates:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    # the prefixes every query and update may use undeclared, in SHACL's vocabulary for them
    g.bind("sh", rdflib.SH)
    for prefix, namespace in GraphService.PREFIXES:
        declared = rdflib.BNode()
        g.add((service, rdflib.SH.declare, declared))
        g.add((declared, rdflib.SH.prefix, rdflib.Literal(prefix)))
        g.add((declared, rdflib.SH.namespace, rdflib.Literal(namespace, datatype=rdflib.XSD.anyURI)))
    for fmt in (*RESULT_FORMATS, *ANSWER_GRAPH_FORMATS):
        g.add((service, SD.resultFormat, FORMATS[BY_NAME[fmt].w3c]))
    dataset = rdflib.BNode()
    default = rdflib.BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, rdflib.RDF.type, SD.Dataset))
    g.add((dataset, rdflib.RDF.type, rdflib.VOID.Dataset))
    g.add((dataset, rdflib.VOID.triples, rdflib.Literal(triples, datatype=rdflib.XSD.integer)))
    described = endpoint.removesuffix("/sparql") + GraphService.DATASET_DOCUMENT
    g.add((dataset, rdflib.RDFS.seeAlso, rdflib.URIRef(described)))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, rdflib.RDF.type, SD.Graph))
    for name in graphs:
        named = rdflib.BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, rdflib.RDF.type, SD.NamedGraph))
        g.add((named, SD.name, rdflib.URIRef(name)))
    return g
