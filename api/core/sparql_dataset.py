"""The dataset an update acts on: the one a query reads, unless the update names its own.

A query without a dataset of its own reads every graph merged (each project file is a named
graph of its own; the store keeps their merge, api/core/store/merged.py). pyoxigraph's
``Store.update`` takes no dataset, so :func:`rewritten` writes the same model into the update's
text, as RDF4J and GraphDB have it (over Oxigraph's union, in which a triple two graphs state
matches twice; the merged graph is not written by updates but kept from their diff):

- An operation with no dataset of its own (no ``USING``, ``USING NAMED`` or ``WITH``, no
  protocol parameters) reads ``USING`` and ``USING NAMED`` every named graph of the store, so
  its default graph is the union and ``GRAPH ?g`` still sees every graph.
- Its DELETE template's triples outside ``GRAPH`` are deleted from every graph that holds them:
  each becomes ``GRAPH ?_rsikg_gN { t }``, the WHERE gaining an ``OPTIONAL`` that binds the
  variable to each graph holding ``t`` (:func:`~rsikg.core.sparql_terms.found_in_any_graph`).
  ``DELETE DATA`` and ``DELETE WHERE`` are written out as the ``DELETE … WHERE`` they stand for.
- What is written to the default graph goes to :data:`~rsikg.core.loading.DEFAULT_DATA_GRAPH`:
  the store's own default graph (which no ``USING`` can name) is moved there before an operation
  reads it and at the end, so it holds nothing between writes; ``DEFAULT`` in CLEAR, DROP, ADD,
  MOVE and COPY names that graph.
- An update whose (operations over the union × graphs) pass :data:`MAX_UNION_READS` is refused.
- With a dataset of its own, an operation has SPARQL's semantics. The protocol's
  ``using-graph-uri`` and ``using-named-graph-uri`` (SPARQL 1.1 Protocol §2.2.3) act as
  ``USING`` and ``USING NAMED`` on every operation that matches a pattern, and an update that
  gives them while it has ``USING``, ``USING NAMED`` or ``WITH`` of its own is an error.

The request is read with :mod:`rsikg.core.sparql_lexer`, so a keyword in a string, an IRI or a
comment is not taken for one; what is added comes from the builder (:mod:`rsikg.core.sparql_terms`)
and the client's own text is only moved. A DELETE template construct that cannot be split into
triples safely (a blank node, a collection, a quoted triple) is refused, not run differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urljoin

from ..errors import InputError, Location
from .loading import DEFAULT_DATA_GRAPH
from .namespaces import PREDECLARED_NAMESPACES, angled
from .sparql_lexer import QUERY_FORMS, Span, spans
from .sparql_terms import (
    RESERVED_VARIABLES,
    default_graph_moved,
    delete_where_written_out,
    found_in_any_graph,
    graph_named,
    group,
    in_any_graph,
    is_iri,
    using,
)

Edit = tuple[int, int, str]
"""(start, end, text): the update's characters start:end replaced by text."""
Range = tuple[int, int]
"""Tokens first:end (end excluded) of one term or operation."""
MAX_UNION_READS = 50_000
"""The most (operations read over the union × graphs) one update may have. Each such operation
names every graph of the store twice (USING, USING NAMED): 5,000 one-line operations over 35
graphs were 24 MB of SPARQL and ran 3.7 s on a store on disk (about 20 µs an operation and
graph, measured), past the 3 s deadline the hostile corpus runs with; 200,000 over 1,000 graphs
would have been 20 GB. At the cap: about 1 s and 5 MB."""


def top_level(found: list[Span]) -> list[tuple[int, int]]:
    """(index, brace depth) of each token, the depth being that of the braces around it."""
    depth, out = 0, []
    for i, (_kind, value, _start, _end) in enumerate(found):
        if value == "}":
            depth -= 1
        out.append((i, depth))
        if value == "{":
            depth += 1
    return out


def own_dataset(update: str) -> str | None:
    """The update's own dataset keyword (``USING`` or ``WITH``) at the top level, or None."""
    found = spans(update)
    for i, depth in top_level(found):
        kind, value = found[i][0], found[i][1]
        if depth == 0 and kind == "word" and value.upper() in ("USING", "WITH"):
            return value.upper()
    return None


def closing_brace(found: list[Span], opening: int) -> int:
    """The index of the ``}`` that closes the ``{`` at ``opening``."""
    depth = 0
    for j in range(opening, len(found)):
        if found[j][1] == "{":
            depth += 1
        elif found[j][1] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise InputError("the update has a '{' that is never closed", Location("update"))


def is_word(found: list[Span], i: int, word: str) -> bool:
    return i < len(found) and found[i][0] == "word" and found[i][1].upper() == word


def opens(found: list[Span], i: int) -> bool:
    return i < len(found) and found[i][1] == "{"


def where_opens(text: str) -> int | None:
    """Where the query's own WHERE group begins: the offset just past its ``{``, where the
    pattern's first element may go (a VALUES block binding a variable for the whole group, as
    an initial binding does). None where there is no such place: an update, a DESCRIBE with no
    pattern, the short ``CONSTRUCT WHERE`` (triples only), a group that is a subquery, a brace
    never closed (the engine then says where the text is wrong).

    >>> q = 'PREFIX x: <urn:x:> SELECT (COUNT(*) AS ?n) FROM <urn:g> WHERE { ?s ?p ?o }'
    >>> q[where_opens(q):]
    ' ?s ?p ?o }'
    >>> q = 'CONSTRUCT { ?s ?p "{" } WHERE { ?s ?p ?o }'
    >>> q[where_opens(q):]
    ' ?s ?p ?o }'
    >>> [where_opens(q) for q in ('CONSTRUCT WHERE { ?s ?p ?o }', 'DESCRIBE <urn:x>', 'ASK { SELECT * {} }')]
    [None, None, None]
    """
    found = spans(text)
    form = next(
        (i for i, (kind, value, _, _) in enumerate(found) if kind == "word" and value.upper() in QUERY_FORMS),
        None,
    )
    if form is None:
        return None
    i, parens = form + 1, 0
    if found[form][1].upper() == "CONSTRUCT":
        if is_word(found, i, "WHERE"):
            return None  # the short form: its pattern is its template, triples alone
        if not opens(found, i):
            return None
        try:
            i = closing_brace(found, i) + 1  # past the template
        except InputError:
            return None
    while i < len(found):
        value = found[i][1]
        parens += (value == "(") - (value == ")")
        if value == "{" and parens == 0:
            return None if is_word(found, i + 1, "SELECT") else found[i][3]
        i += 1
    return None


def _applied(update: str, edits: Iterable[Edit]) -> str:
    """The update with the edits made, in one pass (5,000 operations, each edited: 87 s when
    each edit copied the whole text). Of two at one place the insertion goes first."""
    pieces, done = [], 0
    for start, end, text in sorted(edits):  # a space after each: "USING <g> WHERE"
        pieces += [update[done:start], text, " "]
        done = end
    pieces.append(update[done:])
    return "".join(pieces)


# -- the protocol's dataset ---------------------------------------------------------------------


def _refuse_both(update: str, graphs: Sequence[str], named_graphs: Sequence[str]) -> None:
    own = own_dataset(update)
    if own is not None:
        raise InputError(
            f"the update has {own} and the request gives using-graph-uri or using-named-graph-uri: "
            "the protocol allows one dataset, not both",
            Location("query string", field="using-graph-uri" if graphs else "using-named-graph-uri"),
        )


def _using_edits(update: str, found: list[Span], clause: str) -> list[Edit]:
    """``clause`` before the WHERE of every operation that has one; ``DELETE WHERE { P }``
    (which takes no ``USING``) written out as the ``DELETE { P } WHERE { P }`` it stands for."""
    edits: list[Edit] = []
    for i, depth in top_level(found):
        kind, value, start, _end = found[i]
        if depth or kind != "word" or value.upper() != "WHERE":
            continue
        if i and is_word(found, i - 1, "DELETE"):
            if not opens(found, i + 1):
                continue  # not SPARQL: Oxigraph's parser says where
            close = closing_brace(found, i + 1)
            pattern = update[found[i + 1][2] : found[close][3]]
            edits.append((found[i - 1][2], found[close][3], delete_where_written_out(pattern, clause)))
        else:
            edits.append((start, start, clause))
    return edits


def written_out(update: str) -> str:
    """``update`` with every ``DELETE WHERE { P }`` written out as the ``DELETE { P } WHERE
    { P }`` it stands for: the same operation, which Virtuoso 7.2 runs as it should where it
    deletes nothing for the shorthand with ``GRAPH ?g`` (tests/core/test_store_contract.py)."""
    edits = [edit for edit in _using_edits(update, spans(update), "") if edit[0] != edit[1]]
    return _applied(update, edits) if edits else update


def with_using(update: str, graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """``update`` with ``USING`` each of ``graphs`` and ``USING NAMED`` each of
    ``named_graphs`` on every operation that has a WHERE; an InputError (400) when the update
    names a dataset of its own."""
    if not graphs and not named_graphs:
        return update
    _refuse_both(update, graphs, named_graphs)
    return _applied(update, _using_edits(update, spans(update), using(graphs, named_graphs)))


# -- the update as rsikg runs it ------------------------------------------------------------------


def rewritten(
    update: str,
    graphs: Sequence[str],
    named_graphs: Sequence[str],
    store_graphs: Iterable[str],
    base: str | None = None,
) -> str:
    """``update`` as rsikg runs it (see the module's docstring): ``graphs`` and
    ``named_graphs`` are the protocol's using-graph-uri and using-named-graph-uri,
    ``store_graphs`` the store's named graphs, ``base`` the IRI relative IRIs resolve against.
    An InputError (400) for a dataset given twice and for a DELETE template that cannot be
    split into triples."""
    found = spans(update)
    levels = [depth for _, depth in top_level(found)]
    operations = operation_ranges(found, levels)
    if not operations:
        return update
    union = not graphs and not named_graphs
    if union:
        edits = _union_edits(update, found, levels, operations, (store_graphs, base))
    else:
        _refuse_both(update, graphs, named_graphs)
        edits = _using_edits(update, found, using(graphs, named_graphs))
    edits += _default_edits(found, levels, operations)
    edits += _moves(found, levels, operations, union)
    return _applied(update, edits)


def operation_ranges(found: list[Span], levels: list[int]) -> list[Range]:
    """Each operation's tokens, from its keyword (past the prologue) to its ``;`` or the end."""
    out, i, count = [], 0, len(found)
    while i < count:
        end = next((j for j in range(i, count) if levels[j] == 0 and found[j][1] == ";"), count)
        while i < end and (is_word(found, i, "PREFIX") or is_word(found, i, "BASE")):
            i += 3 if is_word(found, i, "PREFIX") else 2
        if i < end:
            out.append((i, end))
        i = end + 1
    return out


def _default_edits(found: list[Span], levels: list[int], operations: list[Range]) -> list[Edit]:
    """``DEFAULT`` in CLEAR, DROP, ADD, MOVE and COPY as the graph the default graph's triples
    are kept in, ``SILENT`` (the default graph always exists; that graph perhaps not yet)."""
    edits: list[Edit] = []
    for first, end in operations:
        defaults = [i for i in range(first, end) if levels[i] == 0 and is_word(found, i, "DEFAULT")]
        for i in defaults:
            edits.append((found[i][2], found[i][3], graph_named(DEFAULT_DATA_GRAPH)))
        if defaults and not is_word(found, first + 1, "SILENT"):
            edits.append((found[first][3], found[first][3], " SILENT"))
    return edits


def _moves(found: list[Span], levels: list[int], operations: list[Range], union: bool) -> list[Edit]:
    """What the store's own default graph holds, moved to the default graph's named graph
    before each operation that reads it there and after the last: once per run of writes
    (INSERT, LOAD) rather than after each (5,000 operations made 15,000). The first move is for
    a store written before this model, whose own default graph may hold triples.

    CLEAR NAMED and DROP NAMED leave the default graph as it is: what the default graph's named
    graph holds is put in the store's own default graph before them, and moved back after."""
    moved, pending, edits = default_graph_moved(DEFAULT_DATA_GRAPH), True, []
    for operation in operations:
        start = found[operation[0]][2]
        reads = _has(found, levels, operation, "DEFAULT") or (union and _over_union(found, levels, operation))
        if reads and pending:  # before it, after the prologue: Oxigraph reads none after a ';'
            edits.append((start, start, moved + " ;"))
            pending = False
        if _clears_named(found, levels, operation):  # after the move above (edits sort by text)
            edits.append((start, start, f"ADD SILENT {graph_named(DEFAULT_DATA_GRAPH)} TO DEFAULT ;"))
            pending = True
        pending = pending or _has(found, levels, operation, "INSERT", "LOAD")
    if pending:
        last = found[operations[-1][1] - 1][3]
        edits.append((last, last, "; " + moved))
    return edits


def _clears_named(found: list[Span], levels: list[int], operation: Range) -> bool:
    """Whether the operation is CLEAR NAMED or DROP NAMED (SILENT or not)."""
    first = operation[0]
    return (is_word(found, first, "CLEAR") or is_word(found, first, "DROP")) and _has(
        found, levels, operation, "NAMED"
    )


def _over_union(found: list[Span], levels: list[int], operation: Range) -> bool:
    """Whether the operation is one :func:`_union_edits` writes over the union: a DELETE or an
    INSERT … WHERE without a dataset of its own."""
    first = operation[0]
    if _has(found, levels, operation, "USING", "WITH"):
        return False
    return is_word(found, first, "DELETE") or (
        is_word(found, first, "INSERT") and not is_word(found, first + 1, "DATA")
    )


def _union_edits(
    update: str,
    found: list[Span],
    levels: list[int],
    operations: list[Range],
    dataset: tuple[Iterable[str], str | None],
) -> list[Edit]:
    """Every DELETE and INSERT operation without a dataset of its own over the union of
    ``dataset`` (the store's graphs, and the base IRI the update's graph names resolve against)."""
    store_graphs, base = dataset
    for kind, value, start, _end in found:
        if kind == "var" and value[1:].startswith(RESERVED_VARIABLES):
            raise InputError(
                f"the variable {value} starts with {RESERVED_VARIABLES}, which rsikg keeps for its own",
                _located(update, start),
            )
    every = sorted({*store_graphs, DEFAULT_DATA_GRAPH, *_graphs_named(found, base)})
    clause = using(every, every)
    over = [operation for operation in operations if _over_union(found, levels, operation)]
    if len(over) * len(every) > MAX_UNION_READS:
        raise InputError(
            f"the update has {len(over)} operations that read the union of the store's {len(every)} "
            f"graphs, over the {MAX_UNION_READS:,} (operations × graphs) rsikg runs in one request: "
            "give them a dataset of their own (USING, WITH or using-graph-uri), or send fewer "
            "operations at a time",
            Location("update"),
        )
    edits: list[Edit] = []
    for first, end in over:
        if is_word(found, first, "DELETE"):
            edits += _delete_edits(update, found, levels, (first, end), clause)
        elif (where := _where(found, levels, first, end)) is not None:
            edits.append((found[where][2], found[where][2], clause))
    return edits


def _has(found: list[Span], levels: list[int], operation: Range, *words: str) -> bool:
    """Whether the operation has one of the keywords ``words`` at the top level."""
    return any(
        levels[i] == 0 and found[i][0] == "word" and found[i][1].upper() in words for i in range(*operation)
    )


class Names:
    """The IRIs a request names, as its prologue has them so far: a ``<…>`` resolved against
    the base (RFC 3986, the request's base IRI until a BASE changes it), a prefixed name by its
    declared namespace, else by a predeclared one (namespaces.PREDECLARED, which every update
    is run with). Fed each token in order with :meth:`see`."""

    def __init__(self, base: str | None) -> None:
        self.base = base
        self.prefixes: dict[str, str] = {}

    def see(self, found: list[Span], i: int) -> None:
        """Take in the declaration that starts at token ``i``, if one does."""
        if is_word(found, i, "BASE") and i + 1 < len(found) and found[i + 1][0] == "iri":
            self.base = self.absolute("iri", found[i + 1][1]) or self.base
        elif is_word(found, i, "PREFIX") and i + 2 < len(found) and found[i + 2][0] == "iri":
            namespace = self.absolute("iri", found[i + 2][1])
            if namespace is not None and found[i + 1][0] == "pname":
                self.prefixes[found[i + 1][1]] = namespace

    def absolute(self, kind: str, value: str) -> str | None:
        """The absolute IRI a term names, or None (not an IRI, an undeclared prefix, no base)."""
        if kind == "iri":
            name = value[1:-1]
            if not is_iri(name) and self.base is not None:
                name = urljoin(self.base, name)
        elif kind == "pname":
            prefix, _colon, local = value.partition(":")
            namespace = self.prefixes.get(prefix + ":", PREDECLARED_NAMESPACES.get(prefix))
            if namespace is None:
                return None
            name = namespace + re.sub(r"\\(.)", r"\1", local)
        else:
            return None
        return name if is_iri(name) else None


def _graphs_named(found: list[Span], base: str | None) -> set[str]:
    """The graphs the update names after GRAPH or TO: one that an operation creates is in the
    union of the operations after it."""
    names, named = Names(base), set()
    for i in range(len(found)):
        names.see(found, i)
        if i and (is_word(found, i - 1, "GRAPH") or is_word(found, i - 1, "TO")):
            name = names.absolute(found[i][0], found[i][1])
            if name is not None:
                named.add(name)
    return named


def refuse_naming(update: str, graph: str, base: str | None, why: str) -> None:
    """An InputError, located at the name, when ``update`` names ``graph`` anywhere (as an IRI
    or a prefixed name): for a graph no update may touch (``why`` says why)."""
    found = spans(update)
    names = Names(base)
    for i in range(len(found)):
        names.see(found, i)
        if names.absolute(found[i][0], found[i][1]) == graph:
            raise InputError(f"the update names {angled(graph)}, {why}", _located(update, found[i][2]))


def _where(found: list[Span], levels: list[int], first: int, end: int) -> int | None:
    """The operation's top-level ``WHERE`` followed by its ``{``, or None (not SPARQL: Oxigraph
    says where)."""
    where = next((i for i in range(first, end) if levels[i] == 0 and is_word(found, i, "WHERE")), None)
    return where if where is not None and opens(found, where + 1) else None


def _delete_edits(
    update: str, found: list[Span], levels: list[int], operation: Range, clause: str
) -> list[Edit]:
    """A DELETE operation over the union, its template's triples outside GRAPH deleted from
    every graph that holds them."""
    first, end = operation
    after = first + 1
    if is_word(found, after, "DATA") or is_word(found, after, "WHERE"):
        if not opens(found, after + 1):
            return []
        close = closing_brace(found, after + 1)
        parts, matches = _template(update, found, after + 1, close)
        if is_word(found, after, "DATA"):  # ground triples: no pattern to read, no USING
            text = delete_where_written_out(group(parts), "", group(matches))
        else:
            pattern = update[found[after + 1][2] : found[close][3]]
            text = delete_where_written_out(group(parts), clause, group([pattern, *matches]))
        return [(found[first][2], found[close][3], text)]
    where = _where(found, levels, first, end)
    if not opens(found, after) or where is None:
        return []
    close, last = closing_brace(found, after), closing_brace(found, where + 1)
    parts, matches = _template(update, found, after, close)
    pattern = update[found[where + 1][2] : found[last][3]]
    return [
        (found[after][2], found[close][3], group(parts)),
        (found[where][2], found[where][2], clause),
        (found[where + 1][2], found[last][3], group([pattern, *matches])),
    ]


# -- a DELETE template, split into triples ---------------------------------------------------------


def _template(update: str, found: list[Span], opening: int, closing: int) -> tuple[list[str], list[str]]:
    """The template's parts (a GRAPH block as written; a triple outside one in the graph a
    variable names) and the WHERE parts that bind those variables."""
    parts: list[str] = []
    matches: list[str] = []
    i = opening + 1
    while i < closing:
        if found[i][1] == ".":
            i += 1
        elif is_word(found, i, "GRAPH") and i + 2 < closing and opens(found, i + 2):
            block = closing_brace(found, i + 2)
            parts.append(update[found[i][2] : found[block][3]])
            i = block + 1
        else:
            try:
                triples, i = _triples(found, i, closing)
            except _NotATerm as err:
                raise _not_a_term(update, found, err.index) from None
            if not _may_follow(found, i, closing):
                raise _unreadable(update, found, i)
            for terms in triples:
                text = " ".join(update[found[a][2] : found[b - 1][3]] for a, b in terms)
                variables = [found[k][1] for a, b in terms for k in range(a, b) if found[k][0] == "var"]
                parts.append(in_any_graph(len(matches), text))
                matches.append(found_in_any_graph(len(matches), text, list(dict.fromkeys(variables))))
    return parts, matches


def _may_follow(found: list[Span], i: int, closing: int) -> bool:
    """Whether token ``i`` may follow a subject's triples: '.', GRAPH or the template's '}',
    or anything after a number the lexer read with the '.' after it ("1.")."""
    ended = i == closing or found[i][1] == "." or is_word(found, i, "GRAPH")
    return ended or found[i - 1][1].endswith(".")


def _triples(found: list[Span], i: int, end: int) -> tuple[list[tuple[Range, Range, Range]], int]:
    """The triples of the subject at token ``i`` (its predicate-object list, with ``;`` and
    ``,``), each as its terms' token ranges, and the index of the token after them."""
    subject = (i, _term_end(found, i, end))
    out: list[tuple[Range, Range, Range]] = []
    j = subject[1]
    while True:
        is_a = j < end and found[j][0] == "word" and found[j][1] == "a"
        verb = (j, j + 1 if is_a else _term_end(found, j, end))
        k = verb[1]
        while True:
            obj = (k, _term_end(found, k, end))
            out.append((subject, verb, obj))
            k = obj[1]
            if k < end and found[k][1] == ",":
                k += 1
                continue
            break
        if k >= end or found[k][1] != ";":
            return out, k
        while k < end and found[k][1] == ";":
            k += 1
        if k >= end or found[k][1] == "." or is_word(found, k, "GRAPH"):
            return out, k
        j = k


def _term_end(found: list[Span], i: int, end: int) -> int:
    """The index after the RDF term at token ``i``: an IRI, a prefixed name, a variable, a
    literal (with its language or datatype), a number (signed) or a boolean."""
    kind, value = found[i][0], found[i][1]  # found[end] is the template's '}'
    if i < end and (
        kind in ("iri", "pname", "var") or (kind == "word" and value.lower() in ("true", "false"))
    ):
        return i + 1
    if i < end and kind == "string":
        if i + 1 < end and found[i + 1][0] == "langtag":
            return i + 2
        datatype = i + 3 < end and found[i + 1][1] == found[i + 2][1] == "^"
        return i + 4 if datatype and found[i + 3][0] in ("iri", "pname") else i + 1
    j = i + 1 if kind == "other" and value in ("+", "-") else i
    j = j + 1 if j + 1 < end and found[j][1] == "." and found[j][3] == found[j + 1][2] else j
    if j < end and found[j][0] == "number" and (j == i or found[j - 1][3] == found[j][2]):
        return j + 1
    raise _NotATerm(i)


class _NotATerm(Exception):
    """Token ``index`` of a DELETE template is no RDF term where one was expected."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _not_a_term(update: str, found: list[Span], i: int) -> InputError:
    """Why token ``i`` cannot be read as a term: a construct rsikg does not split, or not SPARQL."""
    value, where = found[i][1], _located(update, found[i][2])
    if value == "[" or (value == "_" and i + 1 < len(found) and found[i + 1][1].startswith(":")):
        what = "a blank node (SPARQL allows none in a DELETE template)"
    elif value == "(":
        what = (
            "a collection ( … ) (its list nodes are blank nodes, which SPARQL allows in no DELETE template)"
        )
    elif value == "<":
        what = "a quoted triple << … >>"
    else:
        return InputError(f"the DELETE template holds {value!r} where an RDF term was expected", where)
    return InputError(
        f"the DELETE template holds {what} outside GRAPH, which rsikg cannot split into the triples it "
        "deletes from every graph that holds them; write it inside GRAPH ?g { … } (SPARQL's own "
        "semantics: the graphs ?g matches) or give the operation a dataset with USING",
        where,
    )


def _unreadable(update: str, found: list[Span], i: int) -> InputError:
    return InputError(
        f"the DELETE template holds {found[i][1]!r} after a triple: expected '.', ';', ',' or '}}'",
        _located(update, found[i][2]),
    )


def _located(update: str, offset: int) -> Location:
    line = update.count("\n", 0, offset) + 1
    return Location("update", line=line, column=offset - update.rfind("\n", 0, offset))
