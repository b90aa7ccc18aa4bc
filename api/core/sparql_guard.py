"""What a SPARQL request would make the server do, found before it runs.

Oxigraph follows ``SERVICE`` and ``LOAD`` over HTTP (measured: a listener on loopback receives
the connection). What stops that is the worker every request runs in (:mod:`rsikg.core.store.worker`:
no network, by a namespace or a seccomp filter); this module is only the first refusal, with a
clear message, before a worker is asked. It reads the request with the lexer of
:mod:`rsikg.core.sparql_lexer` and reports the query form, the ``SERVICE`` and ``LOAD`` targets, the
``FROM``/``FROM NAMED`` graphs and how deep the request nests. How a row cap can be left to
Oxigraph is planned from the same tokens, in :mod:`rsikg.core.sparql_plan`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ..errors import InputError, Location, QueryRefusedError
from .namespaces import PREDECLARED_NAMESPACES, angled
from .sparql_lexer import Token, declares_prefix, form_of, spans, tokens, walk
from .sparql_terms import checked_iri

MAX_NESTING = 256
"""Deepest nesting of a request. Oxigraph's SPARQL parser recurses: 10,000 levels overflow its
stack (measured), 1,000 do not; written queries stay well under 50."""


@dataclass
class SparqlFeatures:
    """What the request would do, as far as safety needs to know."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE
    service: list[str | None] = field(default_factory=list)  # None: SERVICE ?variable
    load: list[str] = field(default_factory=list)
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    depth: int = 0  # the deepest nesting of (), {} and []
    tokens: list[Token] = field(default_factory=list, repr=False)  # lexed once, planned on too
    # the predeclared prefixes (namespaces.PREDECLARED) the request does not declare itself, when
    # it uses a prefix it does not declare; () when it declares every prefix it uses
    predeclared: tuple[str, ...] = ()

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def inspect(text: str) -> SparqlFeatures:
    """Lex a query or update and report its form and the IRIs it would reach for."""
    found = tokens(text, PREDECLARED_NAMESPACES)
    features = SparqlFeatures(depth=_depth(found), tokens=found)
    names = _Names(found)
    for i, _value, word in walk(found):
        if not word:  # only keywords matter here
            continue
        if word == "PREFIX" and declares_prefix(found, i):
            names.declare(i)
            continue
        if word == "BASE":
            names.base = names.iri_at(i + 1) or names.base
        elif features.form is None:
            features.form = form_of(word)
        if word in _REACHING:
            _reach(features, names, i, word)
    own = names.prefixes
    # one pass, a microsecond or two for a query of a few dozen tokens; ":x" (and a blank node's
    # "_:b", lexed as "_" and ":b") has the empty prefix, which is never predeclared
    if any(
        kind == "pname" and value[0] != ":" and value[: value.find(":")] not in own for kind, value in found
    ):
        features.predeclared = tuple(name for name in PREDECLARED_NAMESPACES if name not in own)
    return features


class _Names:
    """The prefixes and base declared so far, to read an IRI or a prefixed name as an IRI."""

    def __init__(self, found: list[Token]) -> None:
        self.found = found
        self.prefixes: dict[str, str] = {}
        self.base = ""

    def iri_at(self, i: int) -> str | None:
        """The IRI that token i stands for (IRI or prefixed name), None for a variable."""
        if i >= len(self.found):
            return None
        kind, value = self.found[i]
        if kind == "iri":
            return urljoin(self.base, value[1:-1]) if self.base else value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            namespace = self.prefixes.get(prefix, PREDECLARED_NAMESPACES.get(prefix))
            return (f"{prefix}:" if namespace is None else namespace) + local
        return None

    def declare(self, i: int) -> None:
        """The prefix declared at token i (``PREFIX``, its name, its IRI)."""
        self.prefixes[self.found[i + 1][1].rstrip(":").partition(":")[0]] = self.iri_at(i + 2) or ""


_REACHING = {"SERVICE", "LOAD", "FROM"}


def _reach(features: SparqlFeatures, names: _Names, i: int, word: str) -> None:
    """Note what the keyword at token i reaches for: a SERVICE or LOAD target, a FROM or FROM
    NAMED graph."""
    found = names.found
    if word in ("SERVICE", "LOAD"):
        j = i + 1
        if j < len(found) and found[j][1].upper() == "SILENT":
            j += 1
        target = names.iri_at(j)
        if word == "SERVICE":
            features.service.append(target)
        else:
            features.load.append(target if target is not None else found[j][1] if j < len(found) else "")
    elif word == "FROM":
        if i + 1 < len(found) and found[i + 1][1].upper() == "NAMED":
            features.from_named_graphs.append(names.iri_at(i + 2) or "")
        else:
            features.from_graphs.append(names.iri_at(i + 1) or "")


def _depth(found: list[Token]) -> int:
    """The deepest nesting of (), {} and [] together."""
    deepest = level = 0
    for _i, value, _word in walk(found):
        if value in ("(", "[", "{"):
            level += 1
            deepest = max(deepest, level)
        elif value in (")", "]", "}"):
            level -= 1
    return deepest


def check(features: SparqlFeatures, *, allowed: Collection[str] = ()) -> None:
    """Refuse what would fetch a URL.

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
                f"SERVICE {angled(target)} is refused: this endpoint does not call other endpoints "
                "(the operator can allow an IRI in settings)",
                Location("query", field="SERVICE"),
            )
    for target in features.load:
        if target not in allowed:
            raise QueryRefusedError(
                f"LOAD {angled(target)} is refused: this endpoint does not fetch URLs; send the data "
                "with the Graph Store protocol instead",
                Location("update", field="LOAD"),
            )
    # FROM and FROM NAMED name graphs of the store: one it does not hold is an empty graph, as
    # the standard and every store we compare with read it (W3C protocol tests query_get, ...).
    # Oxigraph never fetches them (measured: no connection reaches a listener).


def check_dataset(parameters: Mapping[str, Collection[str]]) -> None:
    """The protocol's dataset parameters (default-graph-uri, named-graph-uri, using-graph-uri,
    using-named-graph-uri): each an absolute IRI. A graph the store does not hold is empty; none
    is ever fetched."""
    for parameter, graphs in parameters.items():
        for graph in graphs:
            checked_iri(graph, Location(field=parameter))


_AT = re.compile(r"error at (\d+):(\d+): ")
_SHOWN = 80  # characters of a prefix repeated in a message


def undeclared_prefix(text: str, line: int | None = None, column: int | None = None) -> SyntaxError | None:
    """The syntax error, worded as Oxigraph's parser words one (``error at L:C: …``), for the
    first prefixed name in ``text`` whose prefix neither ``text`` declares before it nor rsikg
    predeclares, when the parser stopped at ``line``:``column`` or after it (either may be
    unknown: an engine's message that gives a line alone, or none); None when there is no such
    name, or the parser stopped before it (its own message then stands). Read from the lexer's
    tokens, on the error path only: where Oxigraph stops on an undeclared prefix, its message
    lists Unicode ranges (the characters it expected), and in an expression it names some other
    token, further on."""
    declared: set[str] = set()
    found = spans(text)
    for i, (kind, value, start, _end) in enumerate(found):
        if kind != "pname":
            continue
        prefix = value.partition(":")[0]
        if i and found[i - 1][0] == "word" and found[i - 1][1].upper() == "PREFIX":
            declared.add(prefix)
            continue
        if prefix in declared or prefix in PREDECLARED_NAMESPACES:
            continue
        if not prefix and i and found[i - 1][1] == "_" and found[i - 1][3] == start:
            continue  # a blank node's label, _:b
        at_line = text.count("\n", 0, start) + 1
        at_column = start - text.rfind("\n", 0, start)
        stopped = (line, column if column is not None else len(text) + 1)
        if line is not None and (at_line, at_column) > stopped:
            return None
        shown = prefix if len(prefix) <= _SHOWN else prefix[:_SHOWN] + "…"
        return SyntaxError(
            f"error at {at_line}:{at_column}: prefix {shown}: is not declared "
            f"(declared here: {', '.join(PREDECLARED_NAMESPACES)}; PREFIX {shown}: <…> declares it)"
        )
    return None


def explained(text: str, error: SyntaxError) -> SyntaxError:
    """Oxigraph's syntax error in ``text``, or the one naming a prefix ``text`` does not
    declare (:func:`undeclared_prefix`) where the parser stopped at or after it."""
    at = _AT.match(str(error))
    named = undeclared_prefix(text, int(at[1]), int(at[2])) if at else undeclared_prefix(text)
    return named or error
