"""What a SPARQL request would make the server do, found before it runs.

Oxigraph follows ``SERVICE`` and ``LOAD`` over HTTP (measured: a listener on loopback receives
the connection). What stops that is the worker every request runs in (:mod:`api.core.store.worker`:
no network, by a namespace or a seccomp filter); this module is only the first refusal, with a
clear message, before a worker is asked. It lexes the request — strings, IRIs, comments,
variables and prefixed names as the SPARQL 1.1 grammar defines them — and reports the query
form, the ``SERVICE`` and ``LOAD`` targets, the ``FROM``/``FROM NAMED`` graphs and how deep the
request nests. Lexing, not a parse: where it and Oxigraph's parser read a request differently,
the worker still has no network to reach.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urljoin

from api.errors import InputError, Location, QueryRefusedError

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
    | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*)?:
                (?:(?:[\w\-.:%\u00B7-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%])*
                   (?:[\w\-:%\u00B7-\uFFFF]|\\[_~.\-!$&'()*+,;=/?\#@%]))?)
    | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
MAX_NESTING = 256
"""Deepest nesting of a request. Oxigraph's SPARQL parser recurses: 10,000 levels overflow its
stack (measured), 1,000 do not; written queries stay well under 50."""
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
    depth: int = 0  # the deepest nesting of (), {} and []

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


_FUSED = re.compile(r"^(SERVICE|LOAD|FROM)?(SILENT|NAMED)?(.*)$", re.IGNORECASE | re.DOTALL)


def _tokens(text: str) -> list[tuple[str, str]]:
    raw = [
        (m.lastgroup or "other", m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]
    declared = {
        raw[i + 1][1].partition(":")[0]
        for i in range(len(raw) - 1)
        if raw[i][0] == "word" and raw[i][1].upper() == "PREFIX" and raw[i + 1][0] == "pname"
    }
    return [split for kind, value in raw for split in _unfused(kind, value, declared)]


def _unfused(kind: str, value: str, declared: set[str]) -> list[tuple[str, str]]:
    """Oxigraph's parser reads ``SERVICESILENT<…>``, ``FROMNAMED<…>`` and ``SERVICEl:x`` (``l:``
    declared) as the keywords followed by the rest (measured), where a lexer sees one word or one
    prefixed name: split them the same way."""
    fused = _FUSED.match(value) if kind in ("word", "pname") else None
    if fused is None or not (fused[1] or fused[2]):
        return [(kind, value)]
    if fused[1] and fused[2] and (fused[1].upper() == "FROM") != (fused[2].upper() == "NAMED"):
        return [(kind, value)]  # FROMSILENT, SERVICENAMED: no keywords of SPARQL
    if kind == "word" and (fused[3] or not fused[1]):
        return [(kind, value)]  # a word such as SERVICEX or a lone SILENT
    own_prefix, rest_prefix = value.partition(":")[0], fused[3].partition(":")[0]
    if kind == "pname" and (own_prefix in declared or rest_prefix not in declared):
        return [(kind, value)]  # a prefixed name of its own, such as loading:x
    split = [("word", k) for k in (fused[1], fused[2]) if k]
    return [*split, ("pname", fused[3])] if fused[3] else split


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

    depth = 0  # of braces
    nesting = 0  # of parentheses and brackets
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        word = value.upper() if kind == "word" else ""
        if value in "([":
            nesting += 1
            features.depth = max(features.depth, nesting + depth)
        elif value in ")]":
            nesting -= 1
        if value == "{":
            depth += 1
            features.depth = max(features.depth, nesting + depth)
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
    return features


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
    if features.depth > MAX_NESTING:
        raise InputError(
            f"the request nests groups, parentheses or brackets {features.depth} deep; the limit is "
            f"{MAX_NESTING} (a parser that recursed deeper would overflow its stack)",
            Location("query", field="nesting"),
        )
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
