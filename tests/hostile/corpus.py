"""The hostile-input corpus of issue 9: every input the attack used, and variants of each, as
requests to a running ``rsikg serve`` and as ``rsikg`` invocations, with the loopback listener's
URL substituted in.

Nothing here is a valid write: every request that carries the token is one the server must
refuse (or one that changes nothing, like a DELETE of a triple nobody has), so the store must
hold exactly the same quads after the corpus as before it. A fuzzed part (seeded, so the corpus
is the same on every run) mutates valid queries and records.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import rdflib
from rsikg.core.named_queries import load_named_queries

ROOT = Path(__file__).resolve().parents[2]

REFUSED = "refused"  # a 4xx
ANSWERED = "answered"  # anything but a 5xx
RUNAWAY = "runaway"  # anything but a 5xx, or the 503 of a query stopped at its deadline

RSI = "https://w3id.org/rsikg/id/org/rsi"  # the subject with the most triples (29)
TIME_GRAPH = "https://w3id.org/rsikg/graph/graph_data/time.ttl"
NEW_GRAPH = "urn:rsikg:hostile:new-graph"
NOTHING = "<urn:rsikg:hostile:nothing>"  # a term the store does not hold
FORM = "application/x-www-form-urlencoded"
PATTERN = "{ ?s ?p ?o }"
BODY_LIMIT = 10 * 2**20  # the server's default RSIKG_MAX_BODY_BYTES
OVER_LIMIT = BODY_LIMIT + 2**20


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Case:
    """One HTTP request of the corpus and what its answer must be."""

    name: str
    route: str  # for the summary: "GET /sparql", "PUT /store", ...
    method: str
    target: str  # path and query string, percent-encoded as sent
    body: bytes = b""
    headers: Headers = ()
    expect: str = REFUSED
    writes: bool = False  # carries the token to a write route
    timeout: float = 10.0
    raw: bytes | None = None  # malformed HTTP, sent as is over a socket
    forbidden: tuple[str, ...] = ()  # text the answer must not contain


@dataclass(frozen=True)
class CliCase:
    """One ``rsikg`` invocation; ``{file}`` in args stands for the hostile file."""

    name: str
    route: str  # "rsikg query", "rsikg load", ...
    args: tuple[str, ...]
    file: tuple[str, bytes] | None = None  # the file's name and content
    store: bool = False  # on the on-disk store (else on :memory:)
    timeout: float = 20.0


def _enc(value: str | bytes) -> str:
    return quote(value, safe="")


def _qs(*pairs: tuple[str, str | bytes]) -> str:
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)


def _bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")


def _auth(token: str) -> tuple[str, str]:
    return ("Authorization", f"Bearer {token}")


# -- SPARQL queries ------------------------------------------------------------------------------


def _service_spellings(base: str) -> list[tuple[str, str]]:
    """SERVICE as Oxigraph reads it, in every spelling the lexer guard has to follow."""
    url = f"{base}sparql"
    host = base.removeprefix("http://").rstrip("/")
    port = host.rsplit(":", 1)[1]
    return [
        ("SERVICE", f"SELECT * WHERE {{ SERVICE <{url}> {PATTERN} }}"),
        ("SERVICE SILENT", f"SELECT * WHERE {{ SERVICE SILENT <{url}> {PATTERN} }}"),
        ("SERVICESILENT glued", f"SELECT * WHERE {{ SERVICESILENT<{url}>{PATTERN} }}"),
        ("SERVICE glued to its IRI", f"SELECT * WHERE {{ SERVICE<{url}>{PATTERN} }}"),
        ("service in lower case", f"select * where {{ service silent <{url}> {PATTERN} }}"),
        ("SeRvIcE in mixed case", f"SeLeCt * WhErE {{ SeRvIcE SiLeNt <{url}> {PATTERN} }}"),
        ("comments between keywords", f"SELECT * WHERE {{ SERVICE#a\nSILENT#b\n<{url}>#c\n{PATTERN} }}"),
        ("newlines and tabs", f"SELECT\n*\nWHERE\n{{\nSERVICE\r\n\tSILENT\n\t<{url}>\n{PATTERN}\n}}"),
        (
            "SERVICEl:x glued prefixed name",
            f"PREFIX l: <{base}> SELECT * WHERE {{ SERVICEl:sparql {PATTERN} }}",
        ),
        ("prefixed name", f"PREFIX l: <{base}> SELECT * WHERE {{ SERVICE l:sparql {PATTERN} }}"),
        ("empty prefix", f"PREFIX : <{base}> SELECT * WHERE {{ SERVICE :sparql {PATTERN} }}"),
        ("empty prefix glued", f"PREFIX : <{base}> SELECT * WHERE {{ SERVICE:sparql {PATTERN} }}"),
        # the predeclared prefixes (rsi:, skos:, ...): as declared ones, and rebound by the request
        ("predeclared prefix", f"SELECT * WHERE {{ SERVICE rsi:sparql {PATTERN} }}"),
        ("predeclared prefix glued", f"SELECT * WHERE {{ SERVICErsi:sparql {PATTERN} }}"),
        ("SILENT and a predeclared prefix glued", f"SELECT * WHERE {{ SERVICESILENTskos:x {PATTERN} }}"),
        (
            "predeclared prefix rebound",
            f"PREFIX rsi: <{base}> SELECT * WHERE {{ SERVICE rsi:sparql {PATTERN} }}",
        ),
        (
            "predeclared prefix rebound, glued",
            f"PREFIX rsi: <{base}> SELECT * WHERE {{ SERVICErsi:sparql {PATTERN} }}",
        ),
        (
            "prefix bound twice",
            f"PREFIX l: <urn:x:> PREFIX l: <{base}> SELECT * WHERE {{ SERVICE l:sparql {PATTERN} }}",
        ),
        ("BASE and a relative IRI", f"BASE <{base}> SELECT * WHERE {{ SERVICE <sparql> {PATTERN} }}"),
        ("BASE and the empty IRI", f"BASE <{url}> SELECT * WHERE {{ SERVICE <> {PATTERN} }}"),
        ("BASE and ../", f"BASE <{base}a/b/> SELECT * WHERE {{ SERVICE <../../sparql> {PATTERN} }}"),
        ("BASE twice", f"BASE <urn:x:> BASE <{base}> SELECT * WHERE {{ SERVICE <sparql> {PATTERN} }}"),
        (
            "scheme-relative IRI",
            f"BASE <http://unused.invalid/> SELECT * WHERE {{ SERVICE <//{host}/sparql> {PATTERN} }}",
        ),
        ("BASE glued", f"BASE<{base}>SELECT*WHERE{{SERVICE<sparql>{PATTERN}}}"),
        ("variable", f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {PATTERN} }}"),
        ("variable from VALUES", f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {PATTERN} }}"),
        ("localhost", f"SELECT * WHERE {{ SERVICE <http://localhost:{port}/sparql> {PATTERN} }}"),
        ("127.1", f"SELECT * WHERE {{ SERVICE <http://127.1:{port}/sparql> {PATTERN} }}"),
        ("decimal address", f"SELECT * WHERE {{ SERVICE <http://2130706433:{port}/sparql> {PATTERN} }}"),
        ("IPv4-mapped IPv6", f"SELECT * WHERE {{ SERVICE <http://[::ffff:127.0.0.1]:{port}/x> {PATTERN} }}"),
        ("\\u-escaped keyword", f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {PATTERN} }}"),
        ("\\U-escaped keyword", f"SELECT * WHERE {{ \\U00000053ERVICE SILENT <{url}> {PATTERN} }}"),
        ("\\u-escaped IRI", f"SELECT * WHERE {{ SERVICE <\\u0068ttp://{host}/sparql> {PATTERN} }}"),
        (
            "\\u-escaped slashes",
            f"SELECT * WHERE {{ SERVICE <http:\\u002F\\u002F{host}\\u002Fsparql> {PATTERN} }}",
        ),
    ]


def _service_hidden(base: str) -> list[tuple[str, str]]:
    """SERVICE where a lexer may not see it: desync tricks and every place a group may stand."""
    url = f"{base}sparql"
    service = f"SERVICE <{url}> {PATTERN}"
    return [
        ('#""" inside a variable', f'SELECT * WHERE {{ ?s ?p ?a#"""\n{service}\n#"""\n}}'),
        (
            '#""" inside a prefixed name',
            f'PREFIX ex: <urn:ex:> SELECT * WHERE {{ ?s ex:a#"""\n{service}\n#"""\n}}',
        ),
        ("#''' inside a variable", f"SELECT * WHERE {{ ?s ?p ?a#'''\n{service}\n#'''\n}}"),
        ('#" inside a variable', f'SELECT * WHERE {{ ?s ?p ?a#"\n{service}\n#"\n}}'),
        ('#""" in a bounded-looking lookup', f'SELECT * WHERE {{ <{RSI}> ?p ?a#"""\n{service}\n#"""\n}}'),
        ('#""" in a bounded ASK', f'ASK {{ <{RSI}> ?p ?a#"""\n{service}\n#"""\n}}'),
        ("escaped quote before", f'SELECT * WHERE {{ BIND("a\\"b" AS ?x) {service} }}'),
        ("comment holding a quote before", f"SELECT * WHERE {{ # it's\n{service} }}"),
        ("in a subquery", f"SELECT * WHERE {{ {{ SELECT * WHERE {{ {service} }} }} }}"),
        ("in OPTIONAL", f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ {service} }} }}"),
        ("in FILTER EXISTS", f"SELECT * WHERE {{ <{RSI}> ?p ?o FILTER EXISTS {{ {service} }} }}"),
        ("in MINUS", f"SELECT * WHERE {{ <{RSI}> ?p ?o MINUS {{ {service} }} }}"),
        ("in UNION", f"SELECT * WHERE {{ {{ <{RSI}> ?p ?o }} UNION {{ {service} }} }}"),
        ("in GRAPH", f"SELECT * WHERE {{ GRAPH ?g {{ {service} }} }}"),
        ("in ASK", f"ASK {{ {service} }}"),
        ("in CONSTRUCT WHERE", f"CONSTRUCT WHERE {{ {service} }}"),
        ("in CONSTRUCT", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {service} }}"),
        ("in DESCRIBE", f"DESCRIBE ?s WHERE {{ {service} }}"),
        ("nested SERVICE", f"SELECT * WHERE {{ SERVICE <{url}> {{ {service} }} }}"),
    ]


def _dataset_clauses(base: str) -> list[tuple[str, str]]:
    """FROM and FROM NAMED naming the listener: never fetched, answered over an empty graph (a
    graph the store does not hold is empty, as the SPARQL 1.1 Protocol's tests read it)."""
    url = f"{base}sparql"
    return [
        ("FROM", f"SELECT * FROM <{url}> WHERE {PATTERN}"),
        ("FROM NAMED", f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {PATTERN} }}"),
        ("FROMNAMED glued", f"SELECT * FROMNAMED<{url}> WHERE {{ GRAPH ?g {PATTERN} }}"),
        ("from in lower case", f"select * from <{url}> where {PATTERN}"),
        ("FROM prefixed", f"PREFIX l: <{base}> SELECT * FROM l:sparql WHERE {PATTERN}"),
        ("FROM relative to BASE", f"BASE <{base}> SELECT * FROM <sparql> WHERE {PATTERN}"),
        ("\\u-escaped FROM", f"SELECT * \\u0046ROM <{url}> WHERE {PATTERN}"),
        ("FROM in ASK", f"ASK FROM <{url}> {PATTERN}"),
        ("FROM in CONSTRUCT", f"CONSTRUCT {PATTERN} FROM <{url}> WHERE {PATTERN}"),
        ("FROM in DESCRIBE", f"DESCRIBE <{RSI}> FROM <{url}>"),
    ]


def _nesting() -> list[tuple[str, str]]:
    """Deep and long syntax: each crashed or can crash a recursive parser or evaluator."""
    lookup = f"<{RSI}> ?p ?o"
    deep = 10_000
    return [
        (
            "6,000 nested parentheses in a FILTER",
            f"SELECT * WHERE {{ {lookup} FILTER({'(' * 6000}true{')' * 6000}) }}",
        ),
        (
            "100,000 nested parentheses",
            f"SELECT ({'(' * 100_000}1{')' * 100_000} AS ?x) WHERE {{ {lookup} }}",
        ),
        ("10,000 nested braces", f"SELECT * WHERE {'{' * deep}{'}' * deep}"),
        ("10,000 nested blank nodes", f"SELECT * WHERE {{ ?s ?p {'[ ?p ' * deep}?o{' ]' * deep} }}"),
        ("10,000 nested collections", f"SELECT * WHERE {{ ?s ?p {'( ' * deep}?o{' )' * deep} }}"),
        ("5,000 nested OPTIONALs", f"SELECT * WHERE {{ {'OPTIONAL { ' * 5000}{'} ' * 5000}}}"),
        ("2,000 nested subqueries", f"SELECT * WHERE {{ {'{ SELECT * WHERE ' * 2000}{{}}{' }' * 2000} }}"),
        ("10,000 nested function calls", f"SELECT ({'STR(' * deep}1{')' * deep} AS ?x) WHERE {{ {lookup} }}"),
        ("10,000 nested path groups", f"SELECT * WHERE {{ ?s {'(' * deep}<urn:p>{')' * deep} ?o }}"),
        ("50,000-step path", f"SELECT * WHERE {{ ?s <urn:p>{'/<urn:p>' * 50_000} ?o }}"),
        ("20,000 UNIONs", f"SELECT * WHERE {{ {{}}{' UNION {}' * 20_000} }}"),
        ("20,000 joined groups", f"SELECT * WHERE {{ {'{} ' * 20_000}}}"),
        ("50,000 && in a FILTER", f"SELECT * WHERE {{ {lookup} FILTER(true{' && true' * 50_000}) }}"),
        ("50,000 + in a BIND", f"SELECT * WHERE {{ BIND(1{' + 1' * 50_000} AS ?x) }}"),
    ]


def _long() -> list[tuple[str, str]]:
    """Long but flat: may be refused, answered, or stopped at the deadline."""
    rows = " ".join(str(i) for i in range(100_000))
    return [
        ("100,000 variables projected", f"SELECT {' '.join(f'?v{i}' for i in range(100_000))} WHERE {{}}"),
        ("100,000 VALUES rows", f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {rows} }} }}"),
    ]


def _runaways() -> list[tuple[str, str]]:
    """Queries whose cost is far beyond any deadline: they must be stopped, not freeze the rest."""
    six = " . ".join(f"<{RSI}> ?p{i} ?o{i}" for i in range(6))
    seven = " . ".join(f"<{RSI}> ?p{i} ?o{i}" for i in range(7))
    five = " . ".join(f"<{RSI}> ?p{i} ?o{i}" for i in range(5))
    return [
        ("six constant-subject patterns COUNT", f"SELECT (COUNT(*) AS ?n) WHERE {{ {six} }}"),
        ("seven constant-subject patterns COUNT", f"SELECT (COUNT(*) AS ?n) WHERE {{ {seven} }}"),
        ("five constant-subject patterns ORDER BY", f"SELECT * WHERE {{ {five} }} ORDER BY ?o0 ?o1 ?o4"),
        ("ORDER BY over a cross product", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"),
    ]


def _query_cases(
    name: str, text: str | bytes, expect: str, transports: Sequence[str], timeout: float = 10.0
) -> list[Case]:
    data = _bytes(text)
    cases = []
    if "GET" in transports:
        target = f"/sparql?{_qs(('query', data))}"
        cases.append(
            Case(f"GET /sparql: {name}", "GET /sparql", "GET", target, expect=expect, timeout=timeout)
        )
    if "form" in transports:
        body = _qs(("query", data)).encode()
        cases.append(
            Case(
                f"POST /sparql form: {name}",
                "POST /sparql (query, form)",
                "POST",
                "/sparql",
                body=body,
                headers=(("Content-Type", FORM),),
                expect=expect,
                timeout=timeout,
            )
        )
    if "direct" in transports:
        cases.append(
            Case(
                f"POST /sparql: {name}",
                "POST /sparql (query)",
                "POST",
                "/sparql",
                body=data,
                headers=(("Content-Type", "application/sparql-query"),),
                expect=expect,
                timeout=timeout,
            )
        )
    return cases


def _encoding_queries() -> list[Case]:
    """NUL bytes and text that is not UTF-8 in every spelling of a query."""
    cases = []
    for name, text in (
        ("NUL in an IRI", f"SELECT * WHERE {{ <{RSI}\x00> ?p ?o }}".encode()),
        ("NUL after the query", f"ASK {{ <{RSI}> ?p ?o }}\x00".encode()),
        ("NUL before a keyword", b"SELECT * WHERE { ?s ?p ?o }\x00 LIMIT 1"),
        ("invalid UTF-8 in a literal", b'ASK { ?s ?p "\xff\xfe" }'),
        ("overlong UTF-8 encoding", b'ASK { ?s ?p "\xc0\xaf" }'),
        ("a lone surrogate", b'ASK { ?s ?p "\xed\xa0\x80" }'),
        ("a byte-order mark first", "\ufeffASK { ?s ?p ?o }".encode()),
        ("\\u0000 escape", b'ASK { ?s ?p "\\u0000" }'),
    ):
        cases += _query_cases(name, text, ANSWERED, ("GET", "form", "direct"))
    return cases


def sparql_query_cases(base: str) -> list[Case]:
    everywhere = ("GET", "form", "direct")
    cases: list[Case] = []
    for name, text in _service_spellings(base) + _service_hidden(base):
        cases += _query_cases(name, text, REFUSED, everywhere)
    for name, text in _dataset_clauses(base):
        cases += _query_cases(name, text, ANSWERED, everywhere)
    bounded = f"SELECT ({'(' * 6000}1{')' * 6000} AS ?x) WHERE {{ <{RSI}> ?p ?o }}"
    cases += _query_cases("6,000 nested parentheses in a bounded lookup", bounded, ANSWERED, everywhere)
    for name, text in _nesting():
        cases += _query_cases(name, text, ANSWERED, ("form", "direct"))
    for name, text in _long():
        cases += _query_cases(name, text, RUNAWAY, ("direct",))
    for name, text in _runaways():
        cases += _query_cases(name, text, RUNAWAY, ("GET",), timeout=20.0)
    cases += _encoding_queries()
    cases += _protocol_datasets(base)
    return cases


def _protocol_datasets(base: str) -> list[Case]:
    """default-graph-uri and named-graph-uri: the listener, relative IRIs, non-IRIs."""
    url = f"{base}sparql"
    values: list[tuple[str, str | bytes, str]] = [
        ("the listener", url, ANSWERED),  # an empty graph, never fetched
        ("a relative IRI", "sparql", REFUSED),
        ("not an IRI", "not an iri", REFUSED),
        ("empty", "", REFUSED),
        ("NUL", "urn:a\x00b", REFUSED),
        ("invalid UTF-8", b"urn:\xff", REFUSED),
        ("100 KB", "urn:" + "a" * 100_000, ANSWERED),  # an IRI: an empty graph (GET: URL too long)
    ]
    cases = []
    for parameter in ("default-graph-uri", "named-graph-uri"):
        for name, value, expect in values:
            query = _qs(("query", "ASK { ?s ?p ?o }"), (parameter, value))
            cases.append(
                Case(
                    f"GET /sparql {parameter}: {name}",
                    "GET /sparql",
                    "GET",
                    f"/sparql?{query}",
                    expect=expect,
                )
            )
            cases.append(
                Case(
                    f"POST /sparql form {parameter}: {name}",
                    "POST /sparql (query, form)",
                    "POST",
                    "/sparql",
                    body=query.encode(),
                    headers=(("Content-Type", FORM),),
                    expect=expect,
                )
            )
        many = "&".join([_qs(("query", "ASK {}"))] + [_qs((parameter, TIME_GRAPH))] * 2000)
        cases.append(
            Case(
                f"GET /sparql {parameter}: 2,000 times",
                "GET /sparql",
                "GET",
                f"/sparql?{many}",
                expect=ANSWERED,
            )
        )
    return cases


# -- SPARQL updates ------------------------------------------------------------------------------


def _load_spellings(base: str) -> list[tuple[str, str]]:
    url = f"{base}sparql"
    into = f"INTO GRAPH <{NEW_GRAPH}>"
    no_op = f"DELETE WHERE {{ {NOTHING} {NOTHING} ?o }}"
    return [
        ("LOAD", f"LOAD <{url}>"),
        ("LOAD INTO GRAPH", f"LOAD <{url}> {into}"),
        ("LOAD SILENT", f"LOAD SILENT <{url}> {into}"),
        ("LOADSILENT glued", f"LOADSILENT<{url}>INTO GRAPH<{NEW_GRAPH}>"),
        ("load in lower case", f"load silent <{url}> into graph <{NEW_GRAPH}>"),
        ("comments between keywords", f"LOAD#a\nSILENT#b\n<{url}>#c\n{into}"),
        ("LOAD prefixed", f"PREFIX l: <{base}> LOAD l:sparql {into}"),
        ("LOADl:x glued", f"PREFIX l: <{base}> LOADl:sparql {into}"),
        ("LOAD predeclared prefix", f"LOAD rsi:sparql {into}"),
        ("LOADrsi:x glued", f"LOADrsi:sparql {into}"),
        ("LOAD predeclared prefix rebound", f"PREFIX rsi: <{base}> LOADrsi:sparql {into}"),
        ("LOAD relative to BASE", f"BASE <{base}> LOAD <sparql> INTO GRAPH <g>"),
        ("\\u-escaped LOAD", f"\\u004cOAD SILENT <{url}> {into}"),
        ("\\u-escaped IRI", f"LOAD <\\u0068ttp{url.removeprefix('http')}> {into}"),
        ("LOAD after a no-op", f"{no_op} ;\nLOAD SILENT <{url}> {into}"),
        (
            '#""" hiding LOAD',
            f'DELETE WHERE {{ {NOTHING} {NOTHING} ?a#"""\n}} ;\nLOAD SILENT <{url}> {into} ;\n#"""\n{no_op}',
        ),
    ]


def _update_service(base: str) -> list[tuple[str, str]]:
    url = f"{base}sparql"
    insert = f"INSERT {{ GRAPH <{NEW_GRAPH}> {{ ?s ?p ?o }} }}"
    return [
        ("SERVICE in WHERE", f"{insert} WHERE {{ SERVICE <{url}> {PATTERN} }}"),
        ("SERVICESILENT glued in WHERE", f"{insert} WHERE {{ SERVICESILENT<{url}>{PATTERN} }}"),
        ("\\u-escaped SERVICE in WHERE", f"{insert} WHERE {{ \\u0053ERVICE <{url}> {PATTERN} }}"),
        (
            '#""" hiding SERVICE in WHERE',
            f'{insert} WHERE {{ ?x ?y ?a#"""\nSERVICE <{url}> {PATTERN}\n#"""\n}}',
        ),
        (
            "SERVICE in DELETE/INSERT",
            f"DELETE {{ {NOTHING} ?p ?o }} {insert} WHERE {{ SERVICE <{url}> {PATTERN} }}",
        ),
    ]


def _update_other(base: str) -> list[tuple[str, str | bytes, str]]:
    """Updates that change nothing if accepted, or must be refused: no valid write is here."""
    url = f"{base}sparql"
    delete = f"DELETE {{ {NOTHING} {NOTHING} {NOTHING} }}"
    return [
        ("USING the listener", f"{delete} USING <{url}> WHERE {{ {NOTHING} ?p ?o }}", ANSWERED),
        (
            "WITH the listener",
            f"WITH <{url}> DELETE {{ {NOTHING} ?p ?o }} WHERE {{ {NOTHING} ?p ?o }}",
            ANSWERED,
        ),
        ("10,000 nested braces", f"{delete} WHERE {'{' * 10_000}{'}' * 10_000}", ANSWERED),
        ("6,000 nested parentheses", f"{delete} WHERE {{ FILTER({'(' * 6000}true{')' * 6000}) }}", ANSWERED),
        ("20,000 UNIONs", f"{delete} WHERE {{ {{}}{' UNION {}' * 20_000} }}", ANSWERED),
        ("5,000 no-op operations", f"DELETE WHERE {{ {NOTHING} {NOTHING} ?o }} ;\n" * 5000, ANSWERED),
        ("NUL in an IRI", "DELETE WHERE { <urn:none\x00> ?p ?o }", REFUSED),
        ("invalid UTF-8", b'DELETE WHERE { <urn:none> ?p "\xff\xfe" }', REFUSED),
        ("not an update", "SELECT * WHERE { ?s ?p ?o }", REFUSED),
        ("truncated", f"DELETE {{ {NOTHING} ?p ?o }} WHERE {{ {NOTHING} ?p", REFUSED),
    ]


def _update_cases(name: str, text: str | bytes, expect: str, token: str) -> list[Case]:
    data = _bytes(text)
    auth = _auth(token)
    return [
        Case(
            f"POST /sparql update: {name}",
            "POST /sparql (update)",
            "POST",
            "/sparql",
            body=data,
            headers=(("Content-Type", "application/sparql-update"), auth),
            expect=expect,
            writes=True,
        ),
        Case(
            f"POST /sparql update form: {name}",
            "POST /sparql (update, form)",
            "POST",
            "/sparql",
            body=_qs(("update", data)).encode(),
            headers=(("Content-Type", FORM), auth),
            expect=expect,
            writes=True,
        ),
    ]


def sparql_update_cases(base: str, token: str) -> list[Case]:
    cases: list[Case] = []
    for name, text in _load_spellings(base) + _update_service(base):
        cases += _update_cases(name, text, REFUSED, token)
    for name, data, expect in _update_other(base):
        cases += _update_cases(name, data, expect, token)
    url = f"{base}sparql"
    load = f"LOADSILENT<{url}>INTO GRAPH<{NEW_GRAPH}>"
    for name, headers in (
        ("no token", ()),
        ("wrong token", (("Authorization", "Bearer wrong"),)),
        ("token in the query string", ()),
        ("empty bearer", (("Authorization", "Bearer "),)),
    ):
        target = f"/sparql?{_qs(('access_token', token))}" if "query string" in name else "/sparql"
        cases.append(
            Case(
                f"POST /sparql update, {name}: LOADSILENT",
                "POST /sparql (update)",
                "POST",
                target,
                body=load.encode(),
                headers=(("Content-Type", "application/sparql-update"), *headers),
                writes=True,
            )
        )
    cases.append(Case("GET /sparql ?update=LOAD", "GET /sparql", "GET", f"/sparql?{_qs(('update', load))}"))
    return cases


# -- the Graph Store protocol --------------------------------------------------------------------


def _entity_bomb(levels: int) -> bytes:
    """RDF/XML whose one literal expands to 10**levels characters."""
    entities = ['<!ENTITY e0 "aaaaaaaaaa">'] + [
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return _rdfxml(f"<ex:p>&e{levels - 1};</ex:p>", "\n".join(entities))


def _rdfxml(content: str, dtd: str = "", doctype: str = "") -> bytes:
    head = f"<!DOCTYPE rdf:RDF {doctype}[\n{dtd}\n]>\n" if dtd or doctype else ""
    return (
        f'<?xml version="1.0"?>\n{head}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:ex="urn:rsikg:hostile:">\n<rdf:Description rdf:about="urn:rsikg:hostile:s">{content}'
        "</rdf:Description>\n</rdf:RDF>\n"
    ).encode()


def _time_graph_rdfxml() -> str:
    graph = rdflib.Graph()
    graph.parse(ROOT / "graph_data" / "time.ttl", format="turtle")
    return graph.serialize(format="xml")


def truncated_rdfxml() -> bytes:
    """The time graph as RDF/XML, cut right after its first description: well-formed so far."""
    text = _time_graph_rdfxml()
    end = text.index("</rdf:Description>") + len("</rdf:Description>")
    return text[:end].encode()


def truncated_turtle() -> bytes:
    """graph_data/time.ttl cut in the middle of a statement."""
    text = (ROOT / "graph_data" / "time.ttl").read_text(encoding="utf-8")
    middle = text.index(" ", len(text) // 2)
    return text[:middle].rstrip(" .;").encode()


def nested_jsonld(depth: int, *, arrays: bool) -> bytes:
    if arrays:
        return ("[" * depth + "]" * depth).encode()
    inner = '{"@id": "urn:rsikg:hostile:o"}'
    return ('{"@id": "urn:rsikg:hostile:s", "urn:rsikg:hostile:p": ' * depth + inner + "}" * depth).encode()


RDFXML, TURTLE, JSONLD, NTRIPLES = (
    "application/rdf+xml",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
)


def _xml_bodies(url: str) -> list[tuple[str, bytes, str]]:
    """Entities (expanding, external, at the listener), truncation, deep nesting."""
    quadratic = _rdfxml("<ex:p>" + "&b;" * 20_000 + "</ex:p>", f'<!ENTITY b "{"b" * 5000}">')
    nested = _rdfxml('<ex:p rdf:parseType="Resource">' * 10_000 + "</ex:p>" * 10_000)
    bodies = [
        ("RDF/XML entity expansion, 7 levels", _entity_bomb(7)),
        ("RDF/XML quadratic blowup", quadratic),
        (
            "RDF/XML external entity at the listener",
            _rdfxml("<ex:p>&x;</ex:p>", f'<!ENTITY x SYSTEM "{url}">'),
        ),
        (
            "RDF/XML external entity at a file",
            _rdfxml("<ex:p>&x;</ex:p>", '<!ENTITY x SYSTEM "file:///etc/hostname">'),
        ),
        # cut, so that they are refused even when what they name is (rightly) not fetched
        (
            "RDF/XML parameter entity at the listener, cut",
            _rdfxml("", f'<!ENTITY % x SYSTEM "{url}"> %x;')[:-12],
        ),
        ("RDF/XML external DTD at the listener, cut", _rdfxml("", doctype=f'SYSTEM "{url}" ')[:-12]),
        ("RDF/XML cut after an element", truncated_rdfxml()),
        ("RDF/XML cut inside a tag", truncated_rdfxml()[:-9]),
        ("RDF/XML 10,000 nested elements, cut at the end", nested[:-3]),
    ]
    return [(name, body, RDFXML) for name, body in bodies]


def _text_bodies(url: str) -> list[tuple[str, bytes, str]]:
    """Turtle, N-Triples and JSON-LD: truncation, nesting, NUL, invalid UTF-8, remote contexts."""
    deep = 10_000
    blank_nodes = f"<urn:s> <urn:p> {'[ <urn:p> ' * deep}<urn:o>{' ]' * deep} . <urn:cut".encode()
    collections = f"<urn:s> <urn:p> {'( ' * deep}<urn:o>{' )' * deep} . <urn:cut".encode()
    remote = json.dumps({"@context": url, "@id": "urn:s"}).encode()
    imported = json.dumps({"@context": {"@import": url, "@version": 1.1}, "@id": "urn:s"}).encode()
    return [
        ("Turtle cut midway", truncated_turtle(), TURTLE),
        ("Turtle 10,000 nested blank nodes, cut at the end", blank_nodes, TURTLE),
        ("Turtle 10,000 nested collections, cut at the end", collections, TURTLE),
        ("Turtle NUL in an IRI", b"<urn:s\x00> <urn:p> <urn:o> .", TURTLE),
        ("Turtle invalid UTF-8", b'<urn:s> <urn:p> "\xff\xfe" .', TURTLE),
        ("Turtle @base at the listener and a truncation", f"@base <{url}> .\n<s> <p> <o".encode(), TURTLE),
        ("N-Triples cut mid-line", b'<urn:s> <urn:p> <urn:o> .\n<urn:s> <urn:p> "cut', NTRIPLES),
        ("JSON-LD 10,000 nested objects, cut at the end", nested_jsonld(deep, arrays=False)[:-1], JSONLD),
        ("JSON-LD 10,000 nested arrays, cut at the end", nested_jsonld(deep, arrays=True)[:-1], JSONLD),
        ("JSON-LD remote @context at the listener", remote, JSONLD),
        ("JSON-LD @import at the listener", imported, JSONLD),
        (
            "JSON-LD truncated",
            b'{"@id": "urn:rsikg:hostile:s", "urn:rsikg:hostile:p": {"@id": "urn:o"',
            JSONLD,
        ),
        ("body over the size limit", b'<urn:s> <urn:p> "' + b"a" * OVER_LIMIT + b'" .\n', NTRIPLES),
    ]


def rdf_bodies(base: str) -> list[tuple[str, bytes, str]]:
    """Hostile RDF documents: (name, body, media type)."""
    return _xml_bodies(f"{base}sparql") + _text_bodies(f"{base}sparql")


NON_IRIS: list[tuple[str, str | bytes]] = [
    ("a phrase", "not an iri"),
    ("empty", ""),
    ("a word", "urn"),
    ("a space", "http://a b/"),
    ("in angle brackets", "<urn:a>"),
    ("NUL", "urn:a\x00b"),
    ("invalid UTF-8", b"urn:\xff"),
    ("unclosed IPv6", "http://[::1/"),
    ("100 KB", "urn:" + "a" * 100_000),
    ("a backslash", "urn:a\\b"),
]


def _store_case(method: str, name: str, target: str, body: bytes = b"", headers: Headers = ()) -> Case:
    writes = method != "GET"
    return Case(
        f"{method} /store{name}",
        f"{method} /store",
        method,
        target,
        body,
        headers,
        writes=writes,
        timeout=20.0,
    )


def _store_targets(base: str, auth: tuple[str, str]) -> list[Case]:
    """Every method on graph names that are not IRIs (and one that is, at the listener)."""
    listener = f"/store?{_qs(('graph', f'{base}sparql'))}"  # an IRI, not in the store: 404, no fetch
    cases = [
        _store_case("GET", " graph: the listener", listener),
        _store_case("DELETE", " graph: the listener", listener, headers=(auth,)),
    ]
    body = b"<urn:rsikg:hostile:s> <urn:rsikg:hostile:p> <urn:rsikg:hostile:o> .\n"
    nt = (("Content-Type", NTRIPLES), auth)
    for name, value in NON_IRIS:
        target = f"/store?{_qs(('graph', value))}"
        cases += [
            _store_case("GET", f" graph: {name}", target),
            _store_case("PUT", f" graph: {name}", target, body, nt),
            _store_case("POST", f" graph: {name}", target, body, nt),
            _store_case("DELETE", f" graph: {name}", target, headers=(auth,)),
        ]
    for name, query in (
        ("both graph and default", _qs(("graph", TIME_GRAPH), ("default", ""))),
        ("neither", ""),
        ("graph twice", _qs(("graph", TIME_GRAPH), ("graph", NEW_GRAPH))),
    ):
        cases.append(_store_case("GET", f" {name}", f"/store?{query}"))
    return cases


def store_cases(base: str, token: str) -> list[Case]:
    """The Graph Store protocol: hostile graph names, hostile bodies (PUT replacing the time
    graph, POST adding to a new one), wrong types and tokens."""
    auth = _auth(token)
    cases = _store_targets(base, auth)
    for name, body, media in rdf_bodies(base):
        typed: Headers = (("Content-Type", media), auth)
        cases.append(_store_case("PUT", f": {name}", f"/store?{_qs(('graph', TIME_GRAPH))}", body, typed))
        cases.append(_store_case("POST", f": {name}", f"/store?{_qs(('graph', NEW_GRAPH))}", body, typed))
    target = f"/store?{_qs(('graph', TIME_GRAPH))}"
    body = truncated_turtle()
    for name, headers in (
        ("no Content-Type", (auth,)),
        ("a dataset format", (("Content-Type", "application/n-quads"), auth)),
        ("no token", (("Content-Type", TURTLE),)),
        ("wrong token", (("Content-Type", TURTLE), ("Authorization", "Bearer x"))),
    ):
        cases.append(_store_case("PUT", f" {name}", target, body, headers))
    cases.append(_store_case("PATCH", "", target, body, (auth,)))
    return cases


# -- named queries -------------------------------------------------------------------------------


def _hostile_values(base: str) -> list[tuple[str, str | bytes]]:
    url = f"{base}sparql"
    return [
        ("closing the IRI, then SERVICE", f"x> }} SERVICE <{url}> {PATTERN} }} #"),
        ("closing the IRI, then UNION SERVICE", f"x> ?p ?o }} UNION {{ SERVICE <{url}> {PATTERN} }} #"),
        ("closing a literal, then SERVICE", f'x" }} SERVICE <{url}> {PATTERN} }} #'),
        ("\\u-escaped closing", f"x\\u003E }} SERVICE <{url}> {PATTERN} #"),
        ("a runaway pattern", f"x> . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . <{RSI}"),
        ("NUL", "system/ppj\x00"),
        ("invalid UTF-8", b"system/\xff"),
        ("empty", ""),
        ("100 KB", "a" * 100_000),
        ("a blank node", "_:b0"),
        ("a variable", "?o"),
        ("a literal", '"x"@da'),
    ]


def named_query_cases(base: str) -> list[Case]:
    url = f"{base}sparql"
    cases: list[Case] = []
    for query in load_named_queries(ROOT / "queries").values():
        path = f"/queries/{query.name}"
        route = "GET /queries/{name}"
        for param in query.params:
            for name, value in _hostile_values(base):
                target = f"{path}?{_qs((param.name, value))}"
                cases.append(Case(f"{path} {param.name}: {name}", route, "GET", target, expect=REFUSED))
            target = f"{path}?{_qs((param.name, url))}"  # an IRI at the listener, bound, never fetched
            cases.append(
                Case(f"{path} {param.name}: the listener's IRI", route, "GET", target, expect=ANSWERED)
            )
            twice = _qs((param.name, "a"), (param.name, "b"))
            cases.append(Case(f"{path} {param.name} twice", route, "GET", f"{path}?{twice}", expect=ANSWERED))
        if query.pagination:
            for value in ("0", "-1", "abc", "1e9", "9" * 30):
                cases.append(
                    Case(f"{path} page={value[:12]}", route, "GET", f"{path}?{_qs(('page', value))}")
                )
        if not query.params and not query.pagination:
            target = f"{path}?{_qs(('unknown', f'> }} SERVICE <{url}> {PATTERN}'))}"
            cases.append(Case(f"{path} an unknown parameter", route, "GET", target, expect=ANSWERED))
    return cases


# -- dependency graphs ---------------------------------------------------------------------------


def _graph_route(target: str, expect: str = REFUSED, timeout: float = 10.0, name: str = "") -> Case:
    route = "GET " + target.split("?")[0]
    route = "GET /graph/impact/{id}" if route.startswith("GET /graph/impact/") else route
    return Case(name or target[:90], route, "GET", target, expect=expect, timeout=timeout)


def _critical_cases() -> list[Case]:
    """Sample counts: the largest allowed, one (NaN once), and out of bounds."""
    cases = [
        _graph_route("/graph/critical?samples=5000", ANSWERED, timeout=30.0),
        _graph_route("/graph/critical?top=1000&samples=5000", ANSWERED, timeout=30.0),
        _graph_route("/graph/critical?samples=1", ANSWERED),
        _graph_route("/graph/critical?samples=2", ANSWERED),
    ]
    wrong = ["samples=0", "samples=-1", "samples=5001", f"samples={'9' * 30}", "samples=abc", "samples=1.5"]
    wrong += ["samples=", "samples=NaN", "top=0", "top=1001", "top=-1"]
    return cases + [_graph_route(f"/graph/critical?{query}") for query in wrong]


def _root_cases(base: str) -> list[Case]:
    """Hostile node names for /graph/dependencies, /graph/impact and /graph/path."""
    roots = [(name, value) for name, value in _hostile_values(base) if name != "empty"] + [
        ("a regular-expression bomb", "(a+)+$" + "a" * 5000 + "!"),
        ("a wildcard", ".*"),
        ("the listener", f"{base}sparql"),
    ]
    cases = []
    for name, value in roots:
        cases += [
            _graph_route(
                f"/graph/dependencies?{_qs(('root', value))}", name=f"/graph/dependencies root: {name}"
            ),
            _graph_route(f"/graph/impact/{_enc(value)}", name=f"/graph/impact: {name}"),
            _graph_route(
                f"/graph/path?{_qs(('from', value), ('to', 'nsp'))}", name=f"/graph/path from: {name}"
            ),
        ]
    return cases


def graph_cases(base: str) -> list[Case]:
    wrong = ["depth=11", "depth=-1", f"depth={'9' * 30}", "depth=x", "direction=sideways", "relations=foo"]
    wrong += ["max_nodes=0", "max_nodes=5001", "format=evil"]
    cases = [_graph_route(f"/graph/dependencies?root=fmk&{query}") for query in wrong]
    cases += [_graph_route("/graph/dependencies?root="), _graph_route("/graph/dependencies?max_nodes=2")]
    many = _qs(("relations", ",".join(["dependsOn"] * 20_000)))
    cases += [
        _graph_route("/graph/dependencies?root=fmk&depth=10&direction=both", ANSWERED),
        _graph_route(f"/graph/dependencies?root=fmk&{many}", ANSWERED),
        _graph_route("/graph/dependencies", ANSWERED),  # no root: the whole graph
        _graph_route(f"/graph/cycles?{many}", ANSWERED),
        _graph_route("/graph/cycles?relations=foo,bar"),
        _graph_route("/graph/cycles?relations="),
        _graph_route("/graph/impact/nsp?format=evil"),
        _graph_route("/graph/path?from=fmk"),
        _graph_route("/graph/path?from=fmk&to=fmk&directed=maybe"),
        _graph_route("/graph/path?from=sundhedsjournalen&to=nsp&relations=nope"),
    ]
    accept = Case(
        "/graph/dependencies Accept: garbage",
        "GET /graph/dependencies",
        "GET",
        "/graph/dependencies?root=fmk",
        headers=(("Accept", "x/y;q=abc, */*;q=-1"),),
    )
    return [*_critical_cases(), *_root_cases(base), *cases, accept]


# -- decisions and comply-or-explain statements --------------------------------------------------

FIELDS = """id: hostile-0001
title: Fjendtlig prøve
status: proposed
date: 2025-01-01
decided-by: rita
kind: architecture
affects: [labdatabank]
illustrative: true
"""
SECTIONS = """# Fjendtlig prøve

## Context and Problem Statement

Kontekst.

## Decision Outcome

Beslutning.

## Consequences

Konsekvenser.
"""
STATEMENT = """decision: eksempel-010-fhir-til-laboratoriesvar
region: region-midtjylland
status: deviates
date: 2025-01-01
illustrative: true
"""
EXPLANATION = "# Afvigelse\n\n## Forklaring\n\nFordi.\n"


def markdown(fields: str | bytes, sections: str | bytes = SECTIONS) -> bytes:
    return b"---\n" + _bytes(fields) + b"---\n" + _bytes(sections)


def _without(fields: str, key: str) -> str:
    return "".join(line + "\n" for line in fields.splitlines() if not line.startswith(f"{key}:"))


def alias_bomb(levels: int) -> str:
    """A YAML flow list whose aliases expand to 9**levels items (the "billion laughs")."""
    parts = ["&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    parts += [f"&l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


# A hostile MADR record: name, body, what the dry run must answer, whether adoption is tried.
Record = tuple[str, bytes, str, bool]


def _amplifying_records() -> list[Record]:
    """Aliases, merge keys and long lists: a few bytes that ask for a lot of work."""
    plain = _without(_without(FIELDS, "lang"), "affects")
    many = ", ".join(f"s{i}" for i in range(200_000))
    same = ", ".join(["labdatabank"] * 200_000)
    regions = ", ".join(["region-sjaelland"] * 50_000)
    return [
        ("7 levels of aliases in lang", markdown(f"{FIELDS}lang: {alias_bomb(7)}\n"), REFUSED, True),
        ("4 levels of aliases in lang", markdown(f"{FIELDS}lang: {alias_bomb(4)}\n"), REFUSED, True),
        ("6 levels of aliases in affects", markdown(f"{plain}affects: {alias_bomb(6)}\n"), REFUSED, True),
        (
            "an anchor in an unknown key",
            markdown(f"x-b: &b {alias_bomb(5)}\n{plain}affects: *b\n"),
            REFUSED,
            True,
        ),
        ("merge keys", markdown(f"x-base: &b {{title: a}}\n{FIELDS}x-merged: {{<<: *b}}\n"), REFUSED, True),
        ("affects with 200,000 items", markdown(f"{plain}affects: [{many}]\n"), REFUSED, True),
        ("affects with 200,000 times one system", markdown(f"{plain}affects: [{same}]\n"), REFUSED, True),
        ("applies-to with 50,000 items", markdown(f"{FIELDS}applies-to: [{regions}]\n"), REFUSED, True),
        (
            "200,000 unknown keys",
            markdown(FIELDS + "".join(f"k{i}: v\n" for i in range(200_000))),
            REFUSED,
            True,
        ),
    ]


def _malformed_records() -> list[Record]:
    """Duplicate keys, tags and deep nesting in the YAML."""
    plain = _without(FIELDS, "affects")
    merged = f"x-b: &b {{status: accepted}}\n{FIELDS}<<: *b\n"
    python = f'{plain}affects: !!python/object/apply:os.system ["true"]\n'
    lists = f"{plain}affects: {'[' * 10_000}{']' * 10_000}\n"
    maps = f"{plain}affects: {'{a: ' * 10_000}b{'}' * 10_000}\n"
    blocks = FIELDS + "".join(" " * i + "a:\n" for i in range(1500)) + " " * 1500 + "b\n"
    records = [
        ("a duplicate status", f"{FIELDS}status: rejected\n"),
        ("a duplicate id", f"{FIELDS}id: hostile-0002\n"),
        ("a duplicate key by a merge", merged),
        ("a python tag", python),
        ("a binary tag", f"{plain}affects: !!binary aGVsbG8=\n"),
        ("a set", f"{plain}affects: !!set {{labdatabank, fmk}}\n"),
        ("10,000 nested flow lists", lists),
        ("10,000 nested flow maps", maps),
        ("1,500 nested block maps", blocks),
    ]
    return [(name, markdown(fields), REFUSED, True) for name, fields in records]


def _broken_records() -> list[Record]:
    """Truncated records, values of the wrong shape or size."""
    head = _bytes(FIELDS)
    huge_title = markdown(f"{_without(FIELDS, 'title')}title: {'a' * 2**20}\n")
    huge_section = markdown(FIELDS, SECTIONS.replace("Kontekst.", "k " * (9 * 2**19)))
    return [
        ("no closing ---", b"---\n" + head + _bytes(SECTIONS), REFUSED, True),
        ("cut inside the front matter", b"---\n" + head[:40], REFUSED, True),
        ("cut inside a UTF-8 sequence", b"---\n" + head.split("ø".encode())[0] + b"\xc3", REFUSED, True),
        ("a date out of range", markdown(f"{_without(FIELDS, 'date')}date: 99999-13-45\n"), ANSWERED, True),
        (
            "a date that is a huge number",
            markdown(f"{_without(FIELDS, 'date')}date: {'9' * 5000}\n"),
            ANSWERED,
            True,
        ),
        (
            "status a list",
            markdown(f"{_without(FIELDS, 'status')}status: [accepted, rejected]\n"),
            ANSWERED,
            True,
        ),
        ("a 1 MB title", huge_title, ANSWERED, False),
        ("a 9 MB section", huge_section, ANSWERED, False),
        ("over the size limit", markdown(FIELDS, SECTIONS + "x" * OVER_LIMIT), REFUSED, True),
    ]


def _injecting_records(base: str) -> list[Record]:
    """Values that would change a query rsikg writes if they were pasted into its text."""
    url = f"{base}sparql"
    inject = f"x> }} SERVICE <{url}> {PATTERN} }} #"
    return [
        ("status injected", markdown(f"{_without(FIELDS, 'status')}status: '{inject}'\n"), REFUSED, True),
        ("kind injected", markdown(f"{_without(FIELDS, 'kind')}kind: '{inject}'\n"), REFUSED, True),
        (
            "decided-by injected",
            markdown(f"{_without(FIELDS, 'decided-by')}decided-by: '{inject}'\n"),
            REFUSED,
            True,
        ),
        (
            "affects injected",
            markdown(f"{_without(FIELDS, 'affects')}affects: ['{inject}']\n"),
            REFUSED,
            True,
        ),
        ("supersedes injected", markdown(f"{FIELDS}supersedes: ['{inject}']\n"), REFUSED, True),
        ("id injected", markdown(f"{_without(FIELDS, 'id')}id: '{inject}'\n"), REFUSED, True),
        (
            "decided-by the listener",
            markdown(f"{_without(FIELDS, 'decided-by')}decided-by: {url}\n"),
            ANSWERED,
            True,
        ),
        ("source the listener", markdown(f"{FIELDS}source: {url}\n"), ANSWERED, False),
    ]


def _encoding_records() -> list[Record]:
    untitled = _bytes(_without(FIELDS, "title"))
    return [
        ("a NUL byte in the front matter", markdown(untitled + b"title: a\x00b\n"), REFUSED, True),
        ("an escaped NUL in the front matter", markdown(untitled + b'title: "a\\0b"\n'), ANSWERED, False),
        (
            "a NUL byte in a section",
            markdown(FIELDS, SECTIONS.replace("Kontekst.", "Kon\x00tekst.")),
            ANSWERED,
            False,
        ),
        ("invalid UTF-8 in the front matter", markdown(untitled + b"title: \xff\xfe\n"), REFUSED, True),
        ("invalid UTF-8 in a section", markdown(FIELDS, _bytes(SECTIONS) + b"\xff\n"), REFUSED, False),
    ]


def _rdf_records(base: str) -> list[tuple[str, bytes, str, str]]:
    """Hostile Turtle and JSON-LD records: name, body, media type, what the dry run must answer."""
    url = f"{base}sparql"
    deep = 10_000
    turtle, jsonld = "text/turtle", "application/ld+json"
    lists = '{"@id": "urn:s", "urn:p": ' + '{"@list": [' * deep + "]}" * deep + "}"
    contexts = [
        ("remote @context at the listener", url),
        ("@context list with the listener", [{"ex": "urn:"}, url]),
        ("@import at the listener", {"@import": url, "@version": 1.1}),
        ("scoped @context at the listener", {"p": {"@id": "urn:p", "@context": url}}),
    ]
    nodes = {"@graph": [{"@id": f"urn:n{i}", "urn:p": i} for i in range(100_000)]}
    return [
        ("JSON-LD 10,000 nested objects", nested_jsonld(deep, arrays=False), jsonld, REFUSED),
        ("JSON-LD 10,000 nested arrays", nested_jsonld(deep, arrays=True), jsonld, REFUSED),
        ("JSON-LD 10,000 nested @lists", lists.encode(), jsonld, REFUSED),
        *[
            (
                f"JSON-LD {name}",
                json.dumps({"@context": context, "@id": "urn:s", "p": {"@id": "urn:o"}}).encode(),
                jsonld,
                REFUSED,
            )
            for name, context in contexts
        ],
        ("JSON-LD truncated", b'{"@id": "urn:s", "urn:p": {"@id": "urn:o"', jsonld, REFUSED),
        ("JSON-LD NUL", b'{"@id": "urn:s\x00", "urn:p": "x"}', jsonld, REFUSED),
        ("JSON-LD invalid UTF-8", b'{"@id": "urn:s", "urn:p": "\xff"}', jsonld, REFUSED),
        ("JSON-LD 100,000 nodes", json.dumps(nodes).encode(), jsonld, ANSWERED),
        (
            "Turtle 10,000 nested blank nodes",
            f"<urn:s> <urn:p> {'[ <urn:p> ' * deep}<urn:o>{' ]' * deep} .".encode(),
            turtle,
            REFUSED,
        ),
        (
            "Turtle 10,000 nested collections",
            f"<urn:s> <urn:p> {'( ' * deep}<urn:o>{' )' * deep} .".encode(),
            turtle,
            REFUSED,
        ),
        ("Turtle cut midway", truncated_turtle(), turtle, REFUSED),
        ("Turtle @base at the listener", f"@base <{url}> .\n<s> <p> <o> .".encode(), turtle, ANSWERED),
        ("Turtle NUL", b"<urn:s\x00> <urn:p> <urn:o> .", turtle, REFUSED),
        ("Turtle invalid UTF-8", b'<urn:s> <urn:p> "\xff" .', turtle, REFUSED),
    ]


def _record_case(route: str, name: str, body: bytes, media: str, expect: str, token: str | None) -> Case:
    headers: tuple[tuple[str, str], ...] = (("Content-Type", media),)
    if token is not None:
        headers += (_auth(token),)
    path = route.split(" ", 1)[1]
    return Case(
        f"{route}: {name}", route, "POST", path, body, headers, expect, writes=token is not None, timeout=20.0
    )


def decision_cases(base: str, token: str) -> list[Case]:
    """Every hostile record to the dry run; those that must be refused also for adoption."""
    cases: list[Case] = []
    records = _amplifying_records() + _malformed_records() + _broken_records()
    records += _injecting_records(base) + _encoding_records()
    for name, body, expect, adopt in records:
        cases.append(_record_case("POST /decisions/validate", name, body, "text/markdown", expect, None))
        if adopt:
            cases.append(_record_case("POST /decisions", name, body, "text/markdown", REFUSED, token))
    for name, body, media, expect in _rdf_records(base):
        cases.append(_record_case("POST /decisions/validate", name, body, media, expect, None))
        cases.append(_record_case("POST /decisions", name, body, media, REFUSED, token))
    for name, media in (("no Content-Type", ""), ("an unknown Content-Type", "application/x-evil")):
        cases.append(_record_case("POST /decisions/validate", name, markdown(FIELDS), media, REFUSED, None))
    unsigned = markdown(FIELDS)
    cases.append(_record_case("POST /decisions", "no token", unsigned, "text/markdown", REFUSED, None))
    return cases


def compliance_cases(base: str, token: str) -> list[Case]:
    url = f"{base}sparql"
    inject = f"x> }} SERVICE <{url}> {PATTERN} }} #"
    records = [
        ("a duplicate status", markdown(f"{STATEMENT}status: complies\n", EXPLANATION)),
        (
            "status injected into a query",
            markdown(f"{_without(STATEMENT, 'status')}status: '{inject}'\n", EXPLANATION),
        ),
        ("region injected", markdown(f"{_without(STATEMENT, 'region')}region: '{inject}'\n", EXPLANATION)),
        (
            "decision injected",
            markdown(f"{_without(STATEMENT, 'decision')}decision: '{inject}'\n", EXPLANATION),
        ),
        ("5 levels of aliases", markdown(f"{STATEMENT}lang: {alias_bomb(5)}\n", EXPLANATION)),
        (
            "region with 200,000 items",
            markdown(
                f"{_without(STATEMENT, 'region')}region: [{', '.join(['region-sjaelland'] * 200_000)}]\n",
                EXPLANATION,
            ),
        ),
        (
            "10,000 nested flow lists",
            markdown(f"{STATEMENT}lang: {'[' * 10_000}{']' * 10_000}\n", EXPLANATION),
        ),
        ("NUL", markdown(f"{_without(STATEMENT, 'region')}region: region-sjaelland\x00\n", EXPLANATION)),
        ("invalid UTF-8", markdown(_bytes(_without(STATEMENT, "region")) + b"region: \xff\n", EXPLANATION)),
        ("no closing ---", b"---\n" + _bytes(STATEMENT) + _bytes(EXPLANATION)),
    ]
    cases = [
        _record_case("POST /compliance", name, body, "text/markdown", REFUSED, token)
        for name, body in records
    ]
    for name, body, media, _ in _rdf_records(base)[:3]:
        cases.append(_record_case("POST /compliance", name, body, media, REFUSED, token))
    return cases


def _decision_reading(base: str) -> list[Case]:
    """GET /decisions/{id} and its history with ids that would change the query if pasted."""
    host = base.removeprefix("http://").rstrip("/")
    service = f"SERVICE <http:\\u002F\\u002F{host}\\u002Fsparql> {PATTERN}"  # no '/' in a path segment
    idents = [
        ("closing the IRI, then SERVICE", f"x> ?p ?o }} UNION {{ {service} }} #"),
        ("an IRI closing, then SERVICE", f"https:%2F%2Fx> ?p ?o }} UNION {{ {service} }} #"),
        ("NUL", "eksempel-010\x00"),
        ("100 KB", "a" * 100_000),
        ("dots", ".."),
    ]
    cases = [Case("GET /decisions", "GET /decisions", "GET", "/decisions", expect=ANSWERED)]
    for name, ident in idents:
        # dots percent-encoded, as a client that does not resolve dot segments sends them: the
        # server gets the id "..", where httpx would send "/decisions/.." as "/" (the front page)
        path = f"/decisions/{_enc(ident).replace('%252F', '%2F').replace('.', '%2E')}"
        cases.append(Case(f"GET /decisions/{{id}}: {name}", "GET /decisions/{id}", "GET", path))
        history = "GET /decisions/{id}/history"
        cases.append(Case(f"{history}: {name}", history, "GET", f"{path}/history"))
    return cases


def reading_cases(base: str) -> list[Case]:
    """GET /decisions, /decisions/{id}, /decisions/{id}/history and /compliance?status=."""
    url = f"{base}sparql"
    statuses: list[tuple[str, str | bytes, str]] = [
        ("accepted", "accepted", ANSWERED),
        ("all", "all", ANSWERED),
        (
            "closing the IRI, then SERVICE",
            f"accepted>) SERVICE <{url}> {PATTERN} FILTER (?status = <x",
            REFUSED,
        ),
        (
            "closing the IRI, then a runaway",
            "accepted>) ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER (?s = <x",
            REFUSED,
        ),
        ("\\u-escaped closing", f"accepted\\u003E) SERVICE <{url}> {PATTERN} FILTER (?s = <x", REFUSED),
        ("not a status", "maybe", REFUSED),
        ("empty", "", REFUSED),
        ("NUL", "accepted\x00", REFUSED),
        ("invalid UTF-8", b"accepted\xff", REFUSED),
        ("100 KB", "a" * 100_000, REFUSED),
    ]
    cases = _decision_reading(base)
    for name, value, expect in statuses:
        target = f"/compliance?{_qs(('status', value))}"
        cases.append(Case(f"GET /compliance?status= {name}", "GET /compliance", "GET", target, expect=expect))
    cases.append(Case("GET /compliance?format=xml", "GET /compliance", "GET", "/compliance?format=xml"))
    return cases


# -- malformed HTTP ------------------------------------------------------------------------------


def _raw(name: str, request: bytes, expect: str = REFUSED, forbidden: tuple[str, ...] = ()) -> Case:
    return Case(f"raw HTTP: {name}", "raw HTTP", "RAW", "", raw=request, expect=expect, forbidden=forbidden)


def raw_cases() -> list[Case]:
    ask = b"/sparql?query=ASK%7B%7D"
    return [
        _raw("NUL in the path", b"GET /sparql\x00x HTTP/1.1\r\nHost: a\r\n\r\n"),
        _raw("invalid UTF-8 in the query string", b"GET " + ask + b"\xff HTTP/1.1\r\nHost: a\r\n\r\n"),
        _raw(
            "invalid UTF-8 in a header",
            b"GET " + ask + b" HTTP/1.1\r\nHost: a\r\nAccept: \xff\xfe\r\n\r\n",
            ANSWERED,
        ),
        _raw(
            "a 1 MB header",
            b"GET " + ask + b" HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 2**20 + b"\r\n\r\n",
            ANSWERED,
        ),
        _raw("a 1 MB URL", b"GET " + ask + b"&x=" + b"a" * 2**20 + b" HTTP/1.1\r\nHost: a\r\n\r\n", ANSWERED),
        _raw("a negative Content-Length", b"POST /sparql HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
        _raw(
            "two Content-Lengths",
            b"POST /sparql HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        ),
        _raw(
            "a bad chunk size",
            b"POST /sparql HTTP/1.1\r\nHost: a\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK{}\r\n0\r\n\r\n",
        ),
        _raw(
            "a reflected Host",
            b"GET /sparql HTTP/1.1\r\nHost: attacker.invalid\r\nAccept: text/turtle\r\n"
            b"Connection: close\r\n\r\n",
            ANSWERED,
            forbidden=("attacker.invalid",),
        ),
        _raw(
            "a forwarded host",
            b"GET /sparql HTTP/1.1\r\nHost: a\r\nX-Forwarded-Host: attacker.invalid\r\n"
            b"Accept: text/turtle\r\n"
            b"Connection: close\r\n\r\n",
            ANSWERED,
            forbidden=("attacker.invalid",),
        ),
        _raw("HTTP/0.9", b"GET /sparql\r\n\r\n", ANSWERED),
        _raw(
            "garbage",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n",
            ANSWERED,
        ),
    ]


# -- fuzz: seeded random mutations of valid queries and records ----------------------------------


def _spice(base: str) -> list[bytes]:
    url = f"{base}sparql"
    return [
        _bytes(s)
        for s in (
            f" SERVICE <{url}> {PATTERN} ",
            f" SERVICESILENT<{url}>{PATTERN} ",
            f' ?a#"""\nSERVICE <{url}> {PATTERN}\n#"""\n',
            f" \\u0053ERVICE <{url}> {PATTERN} ",
            f" FROM <{url}> ",
            f" LOAD <{url}> ",
            "{",
            "}",
            "(",
            ")",
            '"""',
            "'''",
            "#",
            "\\",
            "<",
            ">",
            "\x00",
            "\ufeff",
            "\u202e",
            "\n",
            "(" * 3000,
            "{" * 3000,
            "[" * 3000,
            "&a [x, x]",
            "*a",
            "<<: *a\n",
            "\t",
            ": : :",
            "- - -",
            "---\n",
            "!!python/object:os.system ",
            "status: accepted\n",
        )
    ] + [b"\xff", b"\xc3", b"\xed\xa0\x80"]


def mutate(data: bytes, rng: random.Random, spice: Sequence[bytes]) -> bytes:
    """One to three random edits: delete, duplicate, insert a hostile piece, truncate, flip case,
    replace a byte, or repeat one thousands of times."""
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(data) + 1)
        j = min(len(data), i + rng.randrange(1, 200))
        operation = rng.randrange(7)
        if operation == 0:
            data = data[:i] + data[j:]
        elif operation == 1:
            data = data[:j] + data[i:j] + data[j:]
        elif operation == 2:
            data = data[:i] + rng.choice(spice) + data[i:]
        elif operation == 3:
            data = data[:i]
        elif operation == 4:
            data = data[:i] + data[i:j].swapcase() + data[j:]
        elif operation == 5:
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
        else:
            data = data[:i] + data[i : i + 1] * rng.randrange(100, 5000) + data[i:]
    return data


def fuzz_cases(base: str, seed: int = 9, queries: int = 40, records: int = 25) -> list[Case]:
    rng = random.Random(seed)
    spice = _spice(base)
    texts = [q.text.encode() for q in load_named_queries(ROOT / "queries").values()]
    texts.append(f"SELECT ?p ?o WHERE {{ <{RSI}> ?p ?o }}".encode())
    cases = []
    for n in range(queries):
        mutated = mutate(rng.choice(texts), rng, spice)
        transport = ("GET", "form", "direct")[n % 3]
        cases += _query_cases(f"fuzz {n}", mutated, RUNAWAY, (transport,))
    examples = sorted((ROOT / "graph_data" / "examples" / "decisions").glob("*.md"))
    bases = [p.read_bytes() for p in examples if p.name != "README.md"]
    for n in range(records):
        mutated = mutate(rng.choice(bases), rng, spice)
        cases.append(
            _record_case("POST /decisions/validate", f"fuzz {n}", mutated, "text/markdown", ANSWERED, None)
        )
    return cases


def http_cases(base: str, token: str) -> list[Case]:
    """The whole HTTP corpus against a listener at ``base`` (``http://127.0.0.1:PORT/``)."""
    return [
        *sparql_query_cases(base),
        *sparql_update_cases(base, token),
        *store_cases(base, token),
        *named_query_cases(base),
        *decision_cases(base, token),
        *compliance_cases(base, token),
        *reading_cases(base),
        *graph_cases(base),
        *raw_cases(),
        *fuzz_cases(base),
    ]


# -- the command ---------------------------------------------------------------------------------


def _cli_queries(base: str) -> list[tuple[str, bytes]]:
    spellings = dict(_service_spellings(base))
    hidden = dict(_service_hidden(base))
    return [
        *[
            (n, _bytes(spellings[n]))
            for n in ("SERVICE", "SERVICESILENT glued", "SERVICEl:x glued prefixed name")
        ],
        ("\\u-escaped keyword", _bytes(spellings["\\u-escaped keyword"])),
        ('#""" inside a variable', _bytes(hidden['#""" inside a variable'])),
        (
            "6,000 nested parentheses",
            f"SELECT ({'(' * 6000}1{')' * 6000} AS ?x) WHERE {{ <{RSI}> ?p ?o }}".encode(),
        ),
        ("10,000 nested braces", _bytes(dict(_nesting())["10,000 nested braces"])),
        ("a file with a NUL", b"ASK { ?s ?p ?o }\x00"),
        ("a file with invalid UTF-8", b'ASK { ?s ?p "\xff" }'),
    ]


def _cli_files(base: str) -> list[tuple[str, str, bytes]]:
    """Hostile RDF files: (case name, file name, content); the first part goes to ``load``."""
    url = f"{base}sparql"
    deep = 10_000
    return [
        ("RDF/XML cut after an element", "cut.rdf", truncated_rdfxml()),
        ("RDF/XML entity expansion, 7 levels", "bomb7.rdf", _entity_bomb(7)),
        ("Turtle cut midway", "cut.ttl", truncated_turtle()),
        (
            "Turtle 10,000 nested blank nodes, cut at the end",
            "deep.ttl",
            f"<urn:s> <urn:p> {'[ <urn:p> ' * deep}<urn:o>{' ]' * deep} . <urn:cut".encode(),
        ),
        ("JSON-LD 10,000 nested arrays", "arrays.jsonld", nested_jsonld(deep, arrays=True)),
        (
            "JSON-LD remote @context at the listener",
            "remote.jsonld",
            json.dumps({"@context": url, "@id": "urn:s"}).encode(),
        ),
        # validate --data only from here
        ("RDF/XML entity expansion, 9 levels", "bomb9.rdf", _entity_bomb(9)),
        (
            "RDF/XML external entity at the listener",
            "xxe.rdf",
            _rdfxml("<ex:p>&x;</ex:p>", f'<!ENTITY x SYSTEM "{url}">'),
        ),
        (
            "RDF/XML external DTD at the listener, cut",
            "dtd.rdf",
            _rdfxml("<ex:p>x</ex:p>", doctype=f'SYSTEM "{url}" ')[:-12],
        ),
        ("JSON-LD 10,000 nested objects", "deep.jsonld", nested_jsonld(deep, arrays=False)),
    ]


def _cli_records(base: str) -> list[tuple[str, str, bytes]]:
    url = f"{base}sparql"
    plain = _without(FIELDS, "affects")
    many = ", ".join(f"s{i}" for i in range(200_000))
    return [
        ("7 levels of aliases in lang", "r.md", markdown(f"{FIELDS}lang: {alias_bomb(7)}\n")),
        ("affects with 200,000 items", "r.md", markdown(f"{plain}affects: [{many}]\n")),
        ("a duplicate status", "r.md", markdown(f"{FIELDS}status: rejected\n")),
        ("10,000 nested flow lists", "r.md", markdown(f"{plain}affects: {'[' * 10_000}{']' * 10_000}\n")),
        (
            "status injected",
            "r.md",
            markdown(f"{_without(FIELDS, 'status')}status: 'x> }} SERVICE <{url}> {PATTERN} }} #'\n"),
        ),
        ("a NUL byte", "r.md", markdown(_bytes(_without(FIELDS, "title")) + b"title: a\x00b\n")),
        ("JSON-LD 10,000 nested objects", "r.jsonld", nested_jsonld(10_000, arrays=False)),
    ]


def cli_cases(base: str) -> list[CliCase]:
    """``rsikg query``, ``load``, ``decision validate`` and ``validate --data`` with hostile files.
    Only ``load`` and ``decision history`` use the on-disk store; the rest run on ``:memory:``."""
    cases = [
        CliCase(f"rsikg query: {name}", "rsikg query", ("query", "{file}"), ("q.rq", text))
        for name, text in _cli_queries(base)
    ]
    files = _cli_files(base)
    for name, file_name, content in files[:6]:
        cases.append(
            CliCase(f"rsikg load: {name}", "rsikg load", ("load", "{file}"), (file_name, content), store=True)
        )
    for name, file_name, content in files[4:]:
        args = ("validate", "--data", "{file}")
        cases.append(
            CliCase(f"rsikg validate --data: {name}", "rsikg validate --data", args, (file_name, content))
        )
    for name, file_name, content in _cli_records(base):
        args = ("decision", "validate", "{file}")
        cases.append(
            CliCase(f"rsikg decision validate: {name}", "rsikg decision validate", args, (file_name, content))
        )
    injected = f"https://x> ?p ?o }} UNION {{ SERVICE <{base}sparql> {PATTERN} }} #"
    args = ("decision", "history", injected)
    cases.append(
        CliCase("rsikg decision history: an injected IRI", "rsikg decision history", args, store=True)
    )
    return cases
