"""Runs a W3C protocol manifest entry over HTTP against a real ``rsikg serve``.

The manifests' paths start with ``/sparql/`` (the SPARQL endpoint) or ``/gsp`` (the Graph Store);
rsikg serves them at ``/sparql`` and ``/store`` (``?graph=IRI``, ``?default``, or a graph's own
URL under ``/store/``), so only the prefix is replaced: the rest of the path, query string
included, is sent byte for byte, since some entries test exactly how the server decodes it.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic
from rdflib.query import Result

from tests.w3c.manifest import Entry, Expected, Request

PREFIXES = (("/sparql/", "/sparql"), ("/gsp", "/store"))

# What each mf:expectedFormat may come as: the media types the manifest's test names list (RDFa,
# also listed for "RDF", is neither offered by rsikg nor readable by rdflib), read by rdflib.
RESULTS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml"}
TABLES = {**RESULTS, "text/csv": "csv", "text/tab-separated-values": "tsv"}
RDF_TYPES = ("application/rdf+xml", "text/turtle", "application/n-triples")


def url_for(base: str, path: str) -> str:
    for prefix, served_at in PREFIXES:
        if path.startswith(prefix):
            return base + served_at + path.removeprefix(prefix)
    raise ValueError(f"a manifest path under neither /sparql/ nor /gsp: {path}")


def run_entry(client: httpx.Client, base: str, entry: Entry) -> None:
    """Send the entry's requests in order; fail at the first response that is not as expected."""
    variables: dict[str, str] = {}  # mf:expectedLocation templates, e.g. $LOCATION$
    for number, request in enumerate(entry.requests, 1):
        response = send(client, base, request, variables)
        problems = check(request.expected, response)
        where = f"request {number} of {len(entry.requests)}: {request.method} {request.path}"
        assert not problems, f"{where}\n  " + "\n  ".join(problems)
        if request.expected.location is not None:
            assert "location" in response.headers, f"{where}\n  expected a Location header, got none"
            variables[request.expected.location] = response.headers["location"]


def send(client: httpx.Client, base: str, request: Request, variables: dict[str, str]) -> httpx.Response:
    path, body = request.path, request.body
    for name, value in variables.items():
        path = path.replace(name, value)
        body = None if body is None else body.replace(name.encode(), value.encode())
    return client.request(request.method, url_for(base, path), headers=list(request.headers), content=body)


def check(expected: Expected, response: httpx.Response) -> list[str]:
    """What is wrong with ``response``, one line per problem (none: as expected)."""
    if not expected.allows(response.status_code):
        return [
            f"expected status {' or '.join(expected.statuses)}, got {response.status_code}: {_text(response)}"
        ]
    problems = _header_problems(expected, response)
    if expected.format is not None:
        problems += _format_problems(expected, response)
    if expected.body is not None:
        problems += _body_problems(expected, response)
    return problems


def _header_problems(expected: Expected, response: httpx.Response) -> list[str]:
    problems = []
    for name, value in expected.headers:
        got = response.headers.get(name)
        if got is None or not _same_header(name, value, got):
            problems.append(f"expected header {name}: {value}, got {got}")
    return problems


def _same_header(name: str, expected: str, got: str) -> bool:
    """Content-Type by media type and, where both give one, charset: Turtle is UTF-8 whether the
    header says so or not. Other headers as they are."""
    if name.lower() != "content-type":
        return expected == got
    (want, want_charset), (have, have_charset) = _media(expected), _media(got)
    return want == have and (want_charset is None or have_charset in (None, want_charset))


def _media(value: str) -> tuple[str, str | None]:
    media, *parameters = (part.strip().lower() for part in value.split(";"))
    charset = next(
        (p.removeprefix("charset=").strip('"') for p in parameters if p.startswith("charset=")), None
    )
    return media, charset


def _format_problems(expected: Expected, response: httpx.Response) -> list[str]:
    media = _media(response.headers.get("content-type", ""))[0]
    if expected.format == "RDF":
        if media not in RDF_TYPES:
            return [f"expected RDF ({', '.join(RDF_TYPES)}), got {media or 'no Content-Type'}"]
        return _parse_problems(lambda: Graph().parse(data=response.content, format=media), media)
    allowed = RESULTS if expected.format == "boolean" else TABLES
    if media not in allowed:
        return [
            f"expected {expected.format} results ({', '.join(allowed)}), got {media or 'no Content-Type'}"
        ]
    fmt = allowed[media]
    problems = _parse_problems(lambda: Result.parse(io.BytesIO(response.content), format=fmt), media)
    if not problems and expected.boolean is not None:
        answer = Result.parse(io.BytesIO(response.content), format=fmt).askAnswer
        if answer is not expected.boolean:
            problems.append(f"expected the boolean {str(expected.boolean).lower()}, got {answer}")
    return problems


def _parse_problems(parse: Callable[[], object], media: str) -> list[str]:
    try:
        parse()
    except Exception as error:  # rdflib's parsers raise many kinds; any of them: not a valid body
        return [f"the body is not valid {media}: {error}"]
    return []


def _body_problems(expected: Expected, response: httpx.Response) -> list[str]:
    """The body must be an RDF graph isomorphic to the expected one (blank nodes may differ)."""
    want_type = _media(expected.header("content-type") or "text/turtle")[0]
    got_type = _media(response.headers.get("content-type", ""))[0]
    want = Graph().parse(data=expected.body, format=want_type)
    try:
        got = Graph().parse(data=response.content, format=got_type)
    except Exception as error:  # as in _parse_problems
        return [f"the body is not valid {got_type or '(no Content-Type)'}: {error}"]
    if isomorphic(want, got):
        return []
    _, missing, extra = graph_diff(want, got)
    return [
        "the graph is not the expected one:\n    missing: "
        + _triples(missing)
        + "\n    not expected: "
        + _triples(extra)
    ]


def _triples(graph: Graph) -> str:
    return " ".join(sorted(graph.serialize(format="nt").split("\n"))).strip() or "(none)"


def _text(response: httpx.Response, limit: int = 400) -> str:
    """The start of an error body, on one line: of rsikg's JSON error, its detail and the shapes a
    refused write would violate, on which nodes."""
    try:
        error = response.json()
        detail = str(error["detail"])
    except (ValueError, KeyError, TypeError):
        return " ".join(response.text.split())[:limit] or "(empty body)"
    results = (error.get("report") or {}).get("results", [])
    shapes = sorted({f"{r['sourceShape'].rsplit('#', 1)[-1]} on {r['focusNode']}" for r in results})
    return (detail + (f" ({'; '.join(shapes)})" if shapes else ""))[:limit]


# -- the store's state: each entry starts from an empty store holding only its ut:graphData --------

ANY_GRAPH = "SELECT DISTINCT ?g WHERE { { GRAPH ?g { } } UNION { GRAPH ?g { ?s ?p ?o } } FILTER (BOUND(?g)) }"
ANYTHING = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { } FILTER (BOUND(?g)) } UNION { GRAPH ?g { ?s ?p ?o } } }"
"""Portable over the engines rsikg runs on: Virtuoso answers ``GRAPH ?g { }`` with one solution
that binds no ?g (tests/core/test_virtuoso_deviations.py), so its graphs are found by their
triples; an empty graph, which SPARQL 1.1 keeps, by the empty pattern elsewhere."""


def empty_store(client: httpx.Client, base: str) -> None:
    """Drop everything ``rsikg serve`` loaded at start: the W3C entries assume a store with only
    what they put in it (a GET of the default graph, the union in rsikg, must be theirs alone).
    One SPARQL DROP ALL: dropping the project's graphs one by one through the Graph Store takes
    25 s and is partly refused, since some graphs are needed by others to meet the shapes."""
    response = client.post(
        f"{base}/sparql", content=b"DROP ALL", headers={"Content-Type": "application/sparql-update"}
    )
    _expect_success(response, "DROP ALL (to empty the store before the suite)")
    _expect_empty(client, base)


def reset(client: httpx.Client, base: str) -> None:
    """Drop, through the Graph Store protocol, every graph the previous entry left behind."""
    for graph in _select(client, base, ANY_GRAPH):
        _expect_success(client.delete(f"{base}/store", params={"graph": graph}), f"DELETE of graph <{graph}>")
    if _ask(client, base, ANYTHING):  # no named graph left: what remains is in the default graph
        _expect_success(client.delete(f"{base}/store", params={"default": ""}), "DELETE of the default graph")
    _expect_empty(client, base)


def load_graph_data(client: httpx.Client, base: str, entry: Entry) -> None:
    """Put each ut:graphData file into its named graph, through the Graph Store protocol."""
    for data in entry.graph_data:
        response = client.put(
            f"{base}/store",
            params={"graph": data.graph},
            content=data.file.read_bytes(),
            headers={"Content-Type": "application/n-triples"},
        )
        _expect_success(response, f"PUT of {data.file.name} into <{data.graph}>")


def _select(client: httpx.Client, base: str, query: str) -> list[str]:
    response = client.get(f"{base}/sparql", params={"query": query}, headers={"Accept": "application/json"})
    _expect_success(response, query)
    return [row["g"]["value"] for row in response.json()["results"]["bindings"]]


def _ask(client: httpx.Client, base: str, query: str) -> bool:
    response = client.get(f"{base}/sparql", params={"query": query}, headers={"Accept": "application/json"})
    _expect_success(response, query)
    return bool(response.json()["boolean"])


def _expect_empty(client: httpx.Client, base: str) -> None:
    if _ask(client, base, ANYTHING):
        raise RuntimeError("the store is not empty after the reset: the entries would not start alike")


def _expect_success(response: httpx.Response, what: str) -> None:
    """The runner's own requests must succeed, or no entry after them would mean anything."""
    if not response.is_success:
        raise RuntimeError(f"{what}: {response.status_code} {_text(response)}")
