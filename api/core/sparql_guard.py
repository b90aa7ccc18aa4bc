"""What a SPARQL request would make the server do, found before it runs.

Oxigraph follows ``SERVICE`` and ``LOAD`` over HTTP (measured: a listener on loopback receives
the connection), so a user's query must be checked before it reaches the engine. This module
lexes the request — strings, IRIs, comments and prefixed names as the SPARQL 1.1 grammar
defines them — and reports the query form, the ``SERVICE`` and ``LOAD`` targets and the
``FROM``/``FROM NAMED`` graphs. Lexing, not a full parse: a keyword is found wherever it
stands outside a string, an IRI or a comment, so a false alarm is possible (a refusal), a
missed keyword is not. Query workers also run without network where the OS allows it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urljoin

from api.errors import Location, QueryRefusedError

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<var>[?$][^\s(){}\[\],;.<>=!|&+*/^"']+)
    | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*)?:
                (?:[^\s(){}\[\],;<>"'^|=!&+*/]*[^\s(){}\[\],;<>"'^|=!&+*/.])?)
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_OPERATIONS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


@dataclass
class SparqlFeatures:
    """What the request would do, as far as safety needs to know."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE
    service: list[str | None] = field(default_factory=list)  # None: SERVICE ?variable
    load: list[str] = field(default_factory=list)
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    top_limit: int | None = None  # LIMIT after the query's last closing brace
    trailing_values: bool = False  # a VALUES block after the last closing brace
    bounded: bool = False  # see is_bounded

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def _tokens(text: str) -> list[tuple[str, str]]:
    return [
        (m.lastgroup or "other", m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


def inspect(text: str) -> SparqlFeatures:
    """Lex a query or update and report its form and the IRIs it would reach for."""
    tokens = _tokens(text)
    features = SparqlFeatures()
    prefixes: dict[str, str] = {}
    base = ""

    def iri_at(i: int) -> str | None:
        """The IRI that token i stands for (IRI or prefixed name), None for a variable."""
        if i >= len(tokens):
            return None
        kind, value = tokens[i]
        if kind == "iri":
            return urljoin(base, value[1:-1]) if base else value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            return prefixes.get(prefix, f"{prefix}:") + local
        return None

    depth = 0
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        word = value.upper() if kind == "word" else ""
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
            if depth == 0 and not features.trailing_values:  # modifiers after it are the query's own
                features.top_limit = None
        elif depth == 0 and word == "LIMIT" and i + 1 < len(tokens) and tokens[i + 1][0] == "number":
            features.top_limit = int(tokens[i + 1][1])
        elif depth == 0 and word == "VALUES" and features.form is not None:
            features.trailing_values = True
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1][0] == "pname":
            prefixes[tokens[i + 1][1].rstrip(":").partition(":")[0]] = iri_at(i + 2) or ""
            i += 3
            continue
        if word == "BASE":
            base = iri_at(i + 1) or base
        elif features.form is None and word in QUERY_FORMS:
            features.form = word
        elif features.form is None and word in UPDATE_OPERATIONS:
            features.form = "UPDATE"
        if word == "SERVICE":
            j = i + 1
            if j < len(tokens) and tokens[j][1].upper() == "SILENT":
                j += 1
            features.service.append(iri_at(j))
        elif word == "LOAD":
            j = i + 1
            if j < len(tokens) and tokens[j][1].upper() == "SILENT":
                j += 1
            target = iri_at(j)
            features.load.append(target if target is not None else tokens[j][1] if j < len(tokens) else "")
        elif word == "FROM":
            if i + 1 < len(tokens) and tokens[i + 1][1].upper() == "NAMED":
                features.from_named_graphs.append(iri_at(i + 2) or "")
            else:
                features.from_graphs.append(iri_at(i + 1) or "")
        i += 1
    features.bounded = _is_bounded(tokens)
    return features


_PATTERN_TOKENS = {"iri", "pname", "var", "string", "number"}


def _is_bounded(tokens: list[tuple[str, str]]) -> bool:
    """Whether the query's cost is bounded by the data it names, so it cannot run away.

    True for a SELECT, ASK or CONSTRUCT WHERE whose one group holds only triple patterns with a
    constant subject: no nested group, no FILTER, OPTIONAL, UNION, GRAPH, VALUES, BIND,
    SERVICE, subquery, property path or blank-node syntax. Evaluating it scans the named
    subjects' triples and nothing else (a description of a resource, the commonest query).
    """
    braces = [i for i, (_, v) in enumerate(tokens) if v in "{}"]
    if len(braces) != 2 or tokens[braces[0]][1] != "{":
        return False
    head = [v.upper() for k, v in tokens[: braces[0]] if k == "word"]
    forms = [w for w in head if w in QUERY_FORMS]
    if forms not in (["SELECT"], ["ASK"], ["CONSTRUCT"]) or "FROM" in head:
        return False
    if forms == ["CONSTRUCT"] and head[-1] != "WHERE":
        return False  # CONSTRUCT {template} WHERE {...} has two groups, seen above
    body = tokens[braces[0] + 1 : braces[1]]
    position = 0  # 0 subject, 1 predicate, 2 object
    for kind, value in body:
        if position == 0:
            if kind not in ("iri", "pname"):
                return False
            position = 1
        elif kind in _PATTERN_TOKENS or (kind == "word" and value == "a" and position == 1):
            position = 2
        elif position == 2 and (kind == "langtag" or value == "^"):
            continue  # a literal's language tag or ^^datatype
        elif value == ";" and position == 2:
            position = 1
        elif value == "," and position == 2:
            position = 2
        elif value == ".":
            position = 0
        else:
            return False
    return True


def row_cap_plan(features: SparqlFeatures, cap: int) -> str | None:
    """How a SELECT can be kept within ``cap`` rows by Oxigraph itself, so its answer can be
    serialised natively: 'within' (its own LIMIT is at most the cap), 'append' (a LIMIT may be
    appended at the end), or None (count the rows one by one instead)."""
    if features.form != "SELECT" or features.trailing_values:
        return None
    if features.top_limit is not None:
        return "within" if features.top_limit <= cap else None
    return "append"


def check(features: SparqlFeatures, *, known_graphs: Collection[str], allowed: Collection[str] = ()) -> None:
    """Refuse what would fetch a URL, or name a graph the store does not have.

    ``allowed`` is the operator's allow-list of IRIs (empty by default).
    """
    for target in features.service:
        if target is None:
            raise QueryRefusedError(
                "SERVICE with a variable is refused: this endpoint does not call other endpoints",
                Location("query", field="SERVICE"),
            )
        if target not in allowed:
            raise QueryRefusedError(
                f"SERVICE <{target}> is refused: this endpoint does not call other endpoints "
                "(the operator can allow an IRI in settings)",
                Location("query", field="SERVICE"),
            )
    for target in features.load:
        if target not in allowed:
            raise QueryRefusedError(
                f"LOAD <{target}> is refused: this endpoint does not fetch URLs; send the data "
                "with the Graph Store protocol instead",
                Location("update", field="LOAD"),
            )
    for clause, graphs in (("FROM", features.from_graphs), ("FROM NAMED", features.from_named_graphs)):
        for graph in graphs:
            if graph not in known_graphs and graph not in allowed:
                raise QueryRefusedError(
                    f"{clause} <{graph}> names a graph this store does not have (it never fetches "
                    "one); GET /sparql lists the named graphs",
                    Location("query", field=clause),
                )


def check_dataset(
    default_graphs: Collection[str],
    named_graphs: Collection[str],
    *,
    known_graphs: Collection[str],
    allowed: Collection[str] = (),
) -> None:
    """The protocol's default-graph-uri and named-graph-uri: graphs the store has."""
    for parameter, graphs in (("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
        for graph in graphs:
            if graph not in known_graphs and graph not in allowed:
                raise QueryRefusedError(
                    f"{parameter} <{graph}> names a graph this store does not have (it never fetches one)",
                    Location(field=parameter),
                )
