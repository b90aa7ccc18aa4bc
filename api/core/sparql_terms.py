"""The one way rsikg puts a term into SPARQL text.

Every query and update rsikg writes itself gets its IRIs, literals, variables and VALUES blocks
from here, and nowhere else (tests/core/test_sparql_terms.py fails the build if ``api/`` formats
a term into query text by hand). Each function checks its value and raises
:class:`~rsikg.errors.InputError` for one that cannot be written safely, so a value a client chose
(a MADR front-matter word, a record id given as an IRI, a query parameter) can never end a term
early and add SPARQL of its own. Where a store API takes bound terms instead of text
(``GraphStore.query(bindings=...)``), that is better still: nothing is written at all.

The IRI and string syntax is the same in N-Triples and Turtle, so writers of those (the
synthetic data generator) use these functions too. Result serialisation (SPARQL TSV in
``api/core/store/results.py``) and display (``namespaces.compact``, ``namespaces.angled``) are
not query text and keep their own forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TypeAlias

import rdflib
from rdflib.term import Node

from ..errors import InputError, Location

# SPARQL 1.1 IRIREF: '<' ([^<>"{}|^`\]-[#x00-#x20])* '>'. DEL and the C1 controls are allowed by
# that grammar but by no IRI (RFC 3987), and lone surrogates are not Unicode: refused as well.
# An absolute IRI also starts with a scheme (RFC 3986: a letter, then letters, digits, +-.).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_PLAIN_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>"{}|^`\\\x7f-\x9f\ud800-\udfff]*')
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f\ud800-\udfff]')
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CLIENT_VARIABLE = re.compile(r"[?$][\w\u00B7\u00C0-\uFFFF]+")  # VAR1 / VAR2, as the lexer reads them
_PREFIX = re.compile(r"([A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")
_BLANK = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
# ECHAR: the characters a string literal may not hold as they are (", \, LF, CR), and the
# other controls with an escape of their own, written escaped for readable queries.
_TO_ESCAPE = re.compile(r'[\\"\n\r\t\b\f\ud800-\udfff]')
_ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
)
_SHOWN = 80  # characters of a refused value repeated in a message: enough to recognise it


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def is_iri(value: str) -> bool:
    """Whether ``value`` is an absolute IRI that :func:`iri` writes."""
    return _PLAIN_IRI.fullmatch(value) is not None


def checked_iri(value: str, where: Location | None = None) -> str:
    """``value`` itself, if it is an absolute IRI with no character SPARQL forbids in one."""
    text = str(value)
    if _PLAIN_IRI.fullmatch(text):  # the usual case, in one regular expression
        return text
    if not _SCHEME.match(text):
        raise InputError(
            f"{_shown(text)} is not an absolute IRI: it needs a scheme such as https: at the start",
            where,
        )
    bad = _NOT_IN_IRI.search(text)
    if bad is not None:
        raise InputError(
            f"{_shown(text)} is not an IRI: it holds {bad.group()!r} at character {bad.start() + 1}, "
            'and an IRI may not hold spaces, control characters or any of <>"{}|^`\\',
            where,
        )
    return text


def iri(value: str, where: Location | None = None) -> str:
    """An IRI as SPARQL (and N-Triples) text: ``<value>``, after :func:`checked_iri`.

    >>> iri("https://w3id.org/rsikg/id/system/fmk")
    '<https://w3id.org/rsikg/id/system/fmk>'

    A value that would end the IRI early and add SPARQL of its own is refused, not written:

    >>> iri("https://example.org/a> } DROP ALL #")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rsikg.errors.InputError: 'https://example.org/a> } DROP ALL #' is not an IRI: it holds '>' ...
    >>> iri("system/fmk")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rsikg.errors.InputError: 'system/fmk' is not an absolute IRI: it needs a scheme such as https: ...
    """
    plain = isinstance(value, str) and _PLAIN_IRI.fullmatch(value)  # fast path: one call, no copy
    return f"<{value if plain else checked_iri(value, where)}>"


def _unicode(value: str, where: Location | None) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InputError(
            f"the text holds an unpaired surrogate at character {err.start + 1}, which is not Unicode",
            where,
        ) from None
    return value


def literal(
    value: str, lang: str | None = None, datatype: str | None = None, where: Location | None = None
) -> str:
    r"""A literal: ``"text"``, ``"text"@lang`` or ``"text"^^<datatype>``, escaped as ECHAR.

    >>> literal("Region Sjælland", lang="da")
    '"Region Sjælland"@da'
    >>> literal("2027-01-01", datatype="http://www.w3.org/2001/XMLSchema#date")
    '"2027-01-01"^^<http://www.w3.org/2001/XMLSchema#date>'
    >>> print(literal('a "quoted" word\nand a second line'))
    "a \"quoted\" word\nand a second line"
    >>> literal("tekst", lang="da dk")
    Traceback (most recent call last):
    rsikg.errors.InputError: 'da dk' is not a language tag (such as da or en-GB)
    """
    if lang and datatype:
        raise ValueError("a literal has a language or a datatype, not both")
    text = str(value)
    if _TO_ESCAPE.search(text):  # most texts have nothing to escape
        text = _unicode(text, where).translate(_ESCAPES)
    quoted = f'"{text}"'
    if lang:
        if not _LANGUAGE.fullmatch(lang):
            raise InputError(f"{_shown(lang)} is not a language tag (such as da or en-GB)", where)
        return f"{quoted}@{lang}"
    if datatype:
        return f"{quoted}^^{iri(datatype, where)}"
    return quoted


def integer(value: int) -> str:
    """A whole number as SPARQL text (for LIMIT, OFFSET and integer literals)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"integer takes an int, not {type(value).__name__}")
    return str(value)


def variable(name: str) -> str:
    """``?name``, for a name of letters, digits and underscores."""
    if not _VARIABLE.fullmatch(name):
        raise ValueError(f"{_shown(name)} is not a variable name rsikg writes")
    return f"?{name}"


def blank(label: str, where: Location | None = None) -> str:
    """A blank node label: ``_:label``."""
    if not _BLANK.fullmatch(label):
        raise InputError(f"{_shown(label)} cannot be written as a blank node label", where)
    return f"_:{label}"


def term(node: Node, where: Location | None = None) -> str:
    """An rdflib term (IRI, literal, blank node or variable) as SPARQL text."""
    if isinstance(node, rdflib.URIRef):
        return iri(str(node), where)
    if isinstance(node, rdflib.Literal):
        datatype = str(node.datatype) if node.datatype is not None and not node.language else None
        return literal(str(node), lang=node.language, datatype=datatype, where=where)
    if isinstance(node, rdflib.BNode):
        return blank(str(node), where)
    if isinstance(node, rdflib.Variable):
        return variable(str(node))
    raise TypeError(f"cannot write {node!r} as a SPARQL term")


def values(variables: str | Sequence[str], rows: Iterable[Node] | Iterable[Sequence[Node]]) -> str:
    """A VALUES block: ``VALUES ?x { <a> <b> }`` for one variable (rows are terms), or
    ``VALUES (?x ?y) { (<a> <b>) }`` for several (rows are sequences of terms).

    >>> from rdflib import Literal, URIRef
    >>> a, b = URIRef("https://example.org/a"), URIRef("https://example.org/b")
    >>> values("s", [a, b])
    'VALUES ?s { <https://example.org/a> <https://example.org/b> }'
    >>> values(["s", "label"], [(a, Literal("A", lang="en"))])
    'VALUES (?s ?label) { (<https://example.org/a> "A"@en) }'
    >>> values(["s", "label"], [(a,)])
    Traceback (most recent call last):
    ValueError: a VALUES row has 1 terms for 2 variables
    """
    if isinstance(variables, str):
        single = " ".join(term(node) for node in rows)  # type: ignore[arg-type]
        return f"VALUES {variable(variables)} {{ {single} }}"
    width = len(variables)
    lines = []
    for row in rows:
        cells = tuple(row)  # type: ignore[arg-type]
        if len(cells) != width:
            raise ValueError(f"a VALUES row has {len(cells)} terms for {width} variables")
        lines.append("(" + " ".join(term(node) for node in cells) + ")")
    names = " ".join(variable(v) for v in variables)
    return f"VALUES ({names}) {{ {' '.join(lines)} }}"


def values_or_all(name: str, nodes: Iterable[Node] | None) -> str:
    """``VALUES ?name { … }`` for ``nodes``; nothing (every value) for None: one query text
    read over the whole graph, or over the nodes a write touched.

    >>> from rdflib import URIRef
    >>> values_or_all("s", [URIRef("https://example.org/a")])
    'VALUES ?s { <https://example.org/a> }'
    >>> values_or_all("s", None)
    ''
    """
    return "" if nodes is None else values(name, nodes)


def one_of(name: str, nodes: Iterable[Node], *, negated: bool = False) -> str:
    """``FILTER (?name IN (…))`` (``NOT IN`` when ``negated``): a test on each solution, where
    a VALUES block would be a join (Oxigraph joined ``VALUES ?p { … }`` with ``?s ?p ?o`` by
    reading every triple with those predicates first).

    >>> from rdflib import URIRef
    >>> one_of("p", [URIRef("https://example.org/a"), URIRef("https://example.org/b")])
    'FILTER (?p IN (<https://example.org/a>, <https://example.org/b>))'
    >>> one_of("g", [URIRef("urn:x:shapes")], negated=True)
    'FILTER (?g NOT IN (<urn:x:shapes>))'
    """
    listed = ", ".join(term(node) for node in nodes)
    return f"FILTER ({variable(name)} {'NOT IN' if negated else 'IN'} ({listed}))"


def triples_block(triples: Iterable[tuple[Node, Node, Node]]) -> str:
    """Triples as the lines of a graph pattern or of INSERT DATA: ``s p o .`` each."""
    return "\n".join(f"    {term(s)} {term(p)} {term(o)} ." for s, p, o in triples)


def quad_blocks(quads: Iterable[tuple[Node, Node, Node, str]]) -> str:
    """Quads (subject, predicate, object, graph IRI; "" for the default graph) as the blocks of
    an update's template or of INSERT DATA: ``GRAPH <g> { s p o . }`` for each graph, the
    default graph's triples bare, graphs in the order they first come.

    >>> from rdflib import Literal, URIRef
    >>> a, p = URIRef("urn:a"), URIRef("urn:p")
    >>> quad_blocks([(a, p, Literal("x"), "urn:g"), (a, p, Literal("y"), "")])
    'GRAPH <urn:g> {     <urn:a> <urn:p> "x" . }     <urn:a> <urn:p> "y" .'
    """
    by_graph: dict[str, list[tuple[Node, Node, Node]]] = {}
    for s, p, o, graph in quads:
        by_graph.setdefault(graph, []).append((s, p, o))
    return " ".join(
        f"GRAPH {iri(graph)} {{ {triples_block(triples)} }}" if graph else triples_block(triples)
        for graph, triples in by_graph.items()
    )


def using(graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """``USING`` and ``USING NAMED`` clauses for an update's dataset (the protocol's
    using-graph-uri and using-named-graph-uri), each IRI checked as :func:`iri` checks it.

    >>> using(["urn:g1"], ["urn:g2"])
    'USING <urn:g1> USING NAMED <urn:g2>'
    """
    return " ".join([*(f"USING {iri(g)}" for g in graphs), *(f"USING NAMED {iri(g)}" for g in named_graphs)])


def delete_where_written_out(pattern: str, clauses: str, where: str | None = None) -> str:
    """``DELETE WHERE { P }`` as the ``DELETE { P } … WHERE { P }`` it stands for, with
    ``clauses`` (from :func:`using`) where the grammar puts them: the shorthand takes none.
    ``pattern`` is the request's own quad pattern, braces included, cut where the lexer found it:
    the client's SPARQL moved, not a value written into a query. ``where``: another WHERE
    pattern (from :func:`group`), when the template and the pattern differ.

    >>> delete_where_written_out("{ ?s <urn:p> ?o }", using(["urn:g"], []))
    'DELETE { ?s <urn:p> ?o } USING <urn:g> WHERE { ?s <urn:p> ?o }'
    """
    return f"DELETE {pattern} {clauses} WHERE {pattern if where is None else where}"


def group(parts: Sequence[str]) -> str:
    """A group ``{ … }`` of patterns or template parts, each the request's own text cut where
    the lexer found it or this module's output.

    >>> group(["{ ?s ?p ?o }", "OPTIONAL { ?s <urn:q> ?x }"])
    '{ { ?s ?p ?o } OPTIONAL { ?s <urn:q> ?x } }'
    """
    return "".join(("{ ", " ".join(parts), " }"))


def journal_copy(journal: str, pieces: Sequence[str]) -> str:
    """Template parts that put ``pieces`` (a template's triples, the request's own text cut
    where the lexer found it) in the graph ``journal`` too (api/core/sparql_journal.py).

    >>> journal_copy("urn:j", ["?s <urn:p> ?o", "<urn:a> <urn:b> 1"])
    'GRAPH <urn:j> { ?s <urn:p> ?o } GRAPH <urn:j> { <urn:a> <urn:b> 1 }'
    """
    return " ".join(f"GRAPH {iri(journal)} {group([piece])}" for piece in pieces)


def insert_template(parts: str, *, data: bool = False) -> str:
    """``INSERT { parts }`` (``INSERT DATA`` with ``data``), ``parts`` from :func:`journal_copy`.

    >>> insert_template("GRAPH <urn:j> { <urn:a> <urn:b> 1 }", data=True)
    'INSERT DATA { GRAPH <urn:j> { <urn:a> <urn:b> 1 } }'
    """
    return ("INSERT DATA " if data else "INSERT ") + group([parts])


RESERVED_VARIABLES = "_rsikg_"
"""The start of the variables rsikg adds to a client's update (:func:`in_any_graph`), which the
client's own may not share."""


def _any_graph(index: int) -> str:
    return variable(f"{RESERVED_VARIABLES}g{integer(index)}")


def in_any_graph(index: int, triple: str) -> str:
    """A DELETE template's triple in the graph the WHERE binds for it (:func:`found_in_any_graph`):
    ``GRAPH ?_rsikg_g{index} { triple }``. ``triple`` is the request's own text.

    >>> in_any_graph(0, "<urn:s> <urn:p> ?o")
    'GRAPH ?_rsikg_g0 { <urn:s> <urn:p> ?o }'
    """
    return f"GRAPH {_any_graph(index)} {{ {triple} }}"


def found_in_any_graph(index: int, triple: str, variables: Sequence[str]) -> str:
    """The WHERE part that binds ``?_rsikg_g{index}`` to each graph holding ``triple``, once the
    client's pattern has bound the triple's ``variables`` (the request's own spelling, ``?x`` or
    ``$x``). A variable the pattern left unbound leaves the triple out of the template, as SPARQL
    has it, rather than letting the OPTIONAL bind it to anything: ``?_rsikg_b{index}`` records
    whether all were bound before the OPTIONAL is joined (measured: Oxigraph still runs it as a
    lookup per solution, 1 ms on 300k triples).

    >>> found_in_any_graph(0, "<urn:s> <urn:p> <urn:o>", [])
    'OPTIONAL { GRAPH ?_rsikg_g0 { <urn:s> <urn:p> <urn:o> } }'
    >>> print(found_in_any_graph(1, "?s <urn:p> ?o", ["?s", "?o"]))  # doctest: +NORMALIZE_WHITESPACE
    BIND((BOUND(?s) && BOUND(?o)) AS ?_rsikg_b1)
    OPTIONAL { GRAPH ?_rsikg_g1 { ?s <urn:p> ?o } FILTER(?_rsikg_b1) }
    """
    graph = _any_graph(index)
    for name in variables:
        if not _CLIENT_VARIABLE.fullmatch(name):
            raise ValueError(f"{_shown(name)} is not a variable as a request spells one")
    if not variables:
        return f"OPTIONAL {{ GRAPH {graph} {{ {triple} }} }}"
    bound = variable(f"{RESERVED_VARIABLES}b{integer(index)}")
    condition = " && ".join(f"BOUND({v})" for v in variables)
    return f"BIND(({condition}) AS {bound}) OPTIONAL {{ GRAPH {graph} {{ {triple} }} FILTER({bound}) }}"


def graph_named(graph: str) -> str:
    """``GRAPH <graph>``: what stands for ``DEFAULT`` in CLEAR, DROP, ADD, MOVE and COPY.

    >>> graph_named("https://w3id.org/rsikg/graph/default")
    'GRAPH <https://w3id.org/rsikg/graph/default>'
    """
    return f"GRAPH {iri(graph)}"


def default_graph_moved(graph: str) -> str:
    """Two update operations that move what the store's own default graph holds into ``graph``
    (nothing, and no empty graph made, when it holds nothing).

    >>> default_graph_moved("urn:g")
    'ADD DEFAULT TO <urn:g> ; CLEAR DEFAULT'
    """
    return f"ADD DEFAULT TO {iri(graph)} ; CLEAR DEFAULT"


def prologue(prefixes: Iterable[tuple[str, str]], *, one_line: bool = False) -> str:
    r"""``PREFIX p: <namespace>`` lines for (prefix, namespace) pairs; ``one_line``: each
    followed by a space instead, so that the prologue put into a request moves none of its
    lines (a syntax error's line stays the one the client wrote).

    >>> pairs = [("rsi", "https://w3id.org/rsikg/ontology#"), ("dct", "http://purl.org/dc/terms/")]
    >>> prologue(pairs)
    'PREFIX rsi: <https://w3id.org/rsikg/ontology#>\nPREFIX dct: <http://purl.org/dc/terms/>\n'
    >>> prologue(pairs, one_line=True)
    'PREFIX rsi: <https://w3id.org/rsikg/ontology#> PREFIX dct: <http://purl.org/dc/terms/> '
    """
    lines = []
    end = " " if one_line else "\n"
    for name, namespace in prefixes:
        if not _PREFIX.fullmatch(name):
            raise ValueError(f"{_shown(name)} is not a prefix name")
        lines.append(f"PREFIX {name}: {iri(namespace)}{end}")
    return "".join(lines)


# --------------------------------------------------------------------------------------------
# Periods: "holds on day D" as patterns (the rule, and what else rsikg does with it, is in
# api/core/periods.py). A thing's period is rsi:startDate .. rsi:endDate (inclusive), stored at
# the source's precision; the day enters as a literal written here from a date, never as text,
# or as a variable the query binds to a date (an event's, a VALUES row's).
# --------------------------------------------------------------------------------------------

Day: TypeAlias = date | rdflib.Variable
"""A day in a period pattern: a date (written as a literal) or a variable bound in the query."""


def _day(day: Day) -> str:
    if isinstance(day, rdflib.Variable):
        return f"STR({variable(str(day))})"
    if not isinstance(day, date):
        raise TypeError(f"a day is a date, not {type(day).__name__}")
    return literal(day.isoformat())


# The rule, once. A start holds when ``STR(start) <= D``: comparing with the whole day is the same
# as comparing with the day cut to the start's length. An end holds when it is not before the day
# cut to the end's length (an end "2026" holds on 2026-12-31).
def _started_by(start: str, d: str) -> str:
    return f"STR({start}) <= {d}"


def _not_ended_before(end: str, d: str) -> str:
    return f"STR({end}) >= SUBSTR({d}, 1, STRLEN(STR({end})))"


def holds_on(subject: str, day: date) -> str:
    """Row by row: "``?subject`` holds on ``day``", its start (if any) not after the day and its
    end (if any) not before it. Two OPTIONAL lookups per solution: the cheaper way for an answer
    about a few subjects. Place it after a pattern that binds ``?subject``.

    A start holds when ``STR(start) <= D``: comparing with the whole day is the same as comparing
    with the day cut to the start's length. An end is compared with the day cut to its length.

    >>> from datetime import date
    >>> print(holds_on("region", date(2027, 1, 1)))  # doctest: +NORMALIZE_WHITESPACE
    OPTIONAL { ?region rsi:startDate ?region_start } OPTIONAL { ?region rsi:endDate ?region_end }
    FILTER((!BOUND(?region_start) || STR(?region_start) <= "2027-01-01")
    && (!BOUND(?region_end) || STR(?region_end) >= SUBSTR("2027-01-01", 1, STRLEN(STR(?region_end)))))

    The day is a date, never text a client typed:

    >>> holds_on("region", "2027-01-01")
    Traceback (most recent call last):
    TypeError: a day is a date, not str
    """
    s, d = variable(subject), _day(day)
    start, end = variable(f"{subject}_start"), variable(f"{subject}_end")
    return (
        f"OPTIONAL {{ {s} rsi:startDate {start} }} OPTIONAL {{ {s} rsi:endDate {end} }} "
        f"FILTER((!BOUND({start}) || {_started_by(start, d)}) "
        f"&& (!BOUND({end}) || {_not_ended_before(end, d)}))"
    )


def not_ended_before(subject: str, day: Day) -> str:
    """Row by row: "``?subject`` has not ended before ``day``" (no end, or an end not before the
    day): the end half of :func:`holds_on`, for "still there on the day it is needed", whether
    or not it has begun (a forum that continues past a merger).

    >>> import rdflib
    >>> print(not_ended_before("org", rdflib.Variable("date")))  # doctest: +NORMALIZE_WHITESPACE
    OPTIONAL { ?org rsi:endDate ?org_end }
    FILTER(!BOUND(?org_end) || STR(?org_end) >= SUBSTR(STR(?date), 1, STRLEN(STR(?org_end))))
    """
    s, d = variable(subject), _day(day)
    end = variable(f"{subject}_end")
    return f"OPTIONAL {{ {s} rsi:endDate {end} }} FILTER(!BOUND({end}) || {_not_ended_before(end, d)})"


def begins_within(start: str, first: Day, last: Day) -> str:
    """An expression (for a FILTER): the start date bound to ``?start`` falls after ``first`` up
    to and including ``last``, so what it starts does not hold on ``first`` and holds on ``last``.

    >>> from datetime import date
    >>> print(begins_within("d", date(2026, 12, 31), date(2027, 1, 1)))
    (!(STR(?d) <= "2026-12-31") && STR(?d) <= "2027-01-01")
    """
    d = variable(start)
    return f"(!({_started_by(d, _day(first))}) && {_started_by(d, _day(last))})"


def ends_within(end: str, first: Day, last: Day) -> str:
    """An expression (for a FILTER): the end date (the last day, inclusive) bound to ``?end`` is
    not before ``first`` and before ``last``, so what it ends holds on ``first`` and not on
    ``last``: it ceases after ``first`` up to and including ``last``.

    >>> from rdflib import Variable
    >>> print(ends_within("d", Variable("from"), Variable("to")))  # doctest: +NORMALIZE_WHITESPACE
    (STR(?d) >= SUBSTR(STR(?from), 1, STRLEN(STR(?d)))
     && !(STR(?d) >= SUBSTR(STR(?to), 1, STRLEN(STR(?d)))))
    """
    d = variable(end)
    return f"({_not_ended_before(d, _day(first))} && !({_not_ended_before(d, _day(last))}))"


def held_set_wise(subject: str, day: date, starting: Sequence[Node]) -> str:
    """Set-wise: "``?subject`` holds on ``day``" as hash anti-joins evaluated once per query, not
    per solution: a MINUS over the end dates before the day (a scan of the few end dates), and a
    MINUS over ``starting`` (api.core.periods.starting_after, cached). The cheaper way for an
    answer over thousands of subjects."""
    s, d = variable(subject), _day(day)
    end = variable(f"{subject}_end")
    ended = f"MINUS {{ {s} rsi:endDate {end} FILTER(STR({end}) < SUBSTR({d}, 1, STRLEN(STR({end})))) }}"
    return f"{ended} MINUS {{ {values(subject, starting)} }}" if starting else ended


def dated_by(subject: str, day: date) -> str:
    """ "``?subject``'s ``dct:date`` (if any) is not after ``day``", set-wise (a MINUS over the
    dated subjects, evaluated once, not per solution)."""
    s, d = variable(subject), _day(day)
    stated = variable(f"{subject}_date")
    return f"MINUS {{ {s} dct:date {stated} FILTER(STR({stated}) > {d}) }}"
