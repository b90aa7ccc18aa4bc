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

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ..errors import InputError, Location, QueryRefusedError
from .namespaces import angled
from .sparql_lexer import Token, declares_prefix, form_of, tokens, walk
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

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def inspect(text: str) -> SparqlFeatures:
    """Lex a query or update and report its form and the IRIs it would reach for."""
    found = tokens(text)
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
            return self.prefixes.get(prefix, f"{prefix}:") + local
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
