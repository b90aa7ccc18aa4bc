"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test manifests, read into plain dataclasses.

The manifests stay where the W3C published them, in ``../shared/w3c`` beside the clone (see its
README); nothing of them is copied here. Every entry, request and expected response comes from
the manifest's own RDF (the ``ht:`` HTTP vocabulary, ``mf:`` expectations, ``ut:graphData``).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

W3C = Path(__file__).resolve().parents[2].parent / "shared" / "w3c"
PROTOCOL_MANIFEST = W3C / "protocol" / "manifest.ttl"
GRAPH_STORE_MANIFEST = W3C / "graph-store-protocol" / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")


@dataclass(frozen=True)
class Expected:
    """What a response must be. ``statuses``: codes ("201") or classes ("2xx"), any of them."""

    statuses: tuple[str, ...]
    boolean: bool | None = None
    format: str | None = None  # "boolean", "tabular" or "RDF" (mf:expectedFormat)
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None  # RDF, compared by graph isomorphism
    location: str | None = None  # a template variable that takes the Location header's value

    def allows(self, status: int) -> bool:
        code = str(status)
        return any(s == code or (s.endswith("xx") and s[0] == code[0]) for s in self.statuses)

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


@dataclass(frozen=True)
class Request:
    """One ``ht:Request``: ``path`` is the manifest's, under ``/sparql/`` or ``/gsp``."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected: Expected


@dataclass(frozen=True)
class GraphData:
    """A file to put into a named graph before the entry runs (``ut:graphData``)."""

    graph: str
    file: Path


@dataclass(frozen=True)
class Entry:
    iri: str
    name: str
    requires: tuple[str, ...]  # the local names of mf:requires (e.g. "POSTGraphCreation")
    graph_data: tuple[GraphData, ...]
    requests: tuple[Request, ...]

    @property
    def local_name(self) -> str:
        return self.iri.rsplit("#", 1)[-1]


def read_manifest(path: Path) -> list[Entry]:
    """The entries of the manifest at ``path`` and of the manifests it includes, in their order."""
    if not path.is_file():
        raise FileNotFoundError(
            f"no W3C manifest at {path}: the suites read ../shared/w3c beside the clone (see its README.md)"
        )
    graph = Graph().parse(path, format="turtle")  # relative IRIs resolve against the file's URI
    entries: list[Entry] = []
    for manifest in graph.subjects(MF.include, None, unique=True):
        for included in _list(graph, graph.value(manifest, MF.include)):
            entries += read_manifest(_file(included))
    for manifest in graph.subjects(MF.entries, None, unique=True):
        entries += [_entry(graph, e) for e in _list(graph, graph.value(manifest, MF.entries))]
    return entries


def _entry(graph: Graph, node: Node) -> Entry:
    action = graph.value(node, MF.action)
    return Entry(
        iri=str(node),
        name=str(graph.value(node, MF.name)),
        requires=tuple(sorted(_local(r) for r in graph.objects(node, MF.requires))),
        graph_data=tuple(
            GraphData(str(graph.value(d, RDFS.label)), _file(graph.value(d, UT.graph)))
            for d in graph.objects(node, UT.graphData)
        ),
        requests=tuple(_request(graph, r) for r in _list(graph, graph.value(action, HT.requests))),
    )


def _request(graph: Graph, node: Node) -> Request:
    body = graph.value(node, HT.body)
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=_headers(graph, node),
        body=None if body is None else _chars(graph, body).encode(_encoding(graph, body)),
        expected=_expected(graph, graph.value(node, HT.resp)),
    )


def _expected(graph: Graph, node: Node | None) -> Expected:
    if node is None:
        raise ValueError("an ht:Request without ht:resp: the runner would not know what to expect")
    boolean = graph.value(node, MF.expectedBoolean)
    fmt = graph.value(node, MF.expectedFormat)
    body = graph.value(node, HT.body)
    location = graph.value(node, MF.expectedLocation)
    return Expected(
        statuses=tuple(sorted(_status(s) for s in graph.objects(node, MF.expectedStatus))),
        boolean=None if boolean is None else bool(_literal(boolean).toPython()),
        format=None if fmt is None else str(fmt),
        headers=_headers(graph, node),
        body=None if body is None else _chars(graph, body),
        location=None if location is None else str(location),
    )


def _status(node: Node) -> str:
    """``hts:StatusCode2xx`` -> "2xx"; ``hts:NoContent`` -> "204" (by Python's HTTPStatus names)."""
    name = _local(node)
    if name.startswith("StatusCode") and name.endswith("xx"):
        return name.removeprefix("StatusCode")
    snake = "".join(
        f"_{c}" if c.isupper() and i and not name[i - 1].isupper() else c for i, c in enumerate(name)
    )
    try:
        return str(HTTPStatus[snake.upper()].value)
    except KeyError:
        raise ValueError(f"unknown status {node} in the manifest") from None


def _headers(graph: Graph, node: Node) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in _list(graph, graph.value(node, HT.headers))
    )


def _chars(graph: Graph, body: Node) -> str:
    return str(graph.value(body, CNT.chars))


def _encoding(graph: Graph, body: Node) -> str:
    return str(graph.value(body, CNT.characterEncoding) or "UTF-8")


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(graph, head))


def _literal(node: Node) -> Literal:
    if not isinstance(node, Literal):
        raise ValueError(f"expected a literal in the manifest, got {node}")
    return node


def _local(node: Node) -> str:
    return str(node).rsplit("#", 1)[-1]


def _file(node: Node | None) -> Path:
    if not isinstance(node, URIRef) or not str(node).startswith("file:"):
        raise ValueError(f"expected a file beside the manifest, got {node}")
    return Path(unquote(urlparse(str(node)).path))


def entry_ids(entries: list[Entry]) -> list[str]:
    """The entries' mf:name; a name two entries share gets the entry's own local name after it."""
    names = [e.name for e in entries]
    return [f"{e.name} ({e.local_name})" if names.count(e.name) > 1 else e.name for e in entries]
