"""What an update can change, found while it runs: its operations one by one, each template
copied into a journal graph.

A write is validated and committed as the quads it removed and added. Comparing the whole store
before and after an update took 12.5 s at 700k triples for one inserted triple. Every quad an
update changes is an instance of one of its templates (INSERT, DELETE, the data of INSERT DATA
and DELETE DATA, the pattern of DELETE WHERE) or lies in a graph a graph operation names (CLEAR,
DROP, ADD, MOVE, COPY). So :func:`journaled` splits the update (as :mod:`rsikg.core.sparql_dataset`
wrote it) into :class:`Step` s, each one operation with the prologue before it, and gives each
template operation an INSERT of its templates' triples into a journal graph, instantiated by
Oxigraph from the same solutions as the templates themselves. The worker runs the steps in
order, reads the journal after each and drops it (so no later operation sees it), and reads the
graphs a graph operation names before it runs. The triples so collected are candidates: the
diff is the quads with those triples that differ between the store before and after.

Where the candidates could miss a change, a step says it can change any graph (``graphs`` is
None) and the write is compared whole: a graph operation on ALL, NAMED, or a graph named by an
undeclared prefix; an INSERT template with an anonymous blank node (``[]``,
a collection), whose copy in the journal would be a different blank node. An update whose
operations share a blank node label, which SPARQL forbids, runs as one step, for Oxigraph to
refuse it as before (each operation alone would be read).
"""

from __future__ import annotations

from dataclasses import dataclass

from .sparql_dataset import Names, closing_brace, is_word, opens, operation_ranges, top_level
from .sparql_lexer import Span, spans
from .sparql_terms import delete_where_written_out, insert_template, journal_copy
from .store.base import DEFAULT_GRAPH

DEFAULT = DEFAULT_GRAPH
"""In :attr:`Step.graphs`: the store's own default graph (the store interface's name for it)."""

_GRAPH_OPERATIONS = {"CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "LOAD"}


@dataclass(frozen=True)
class Step:
    """One operation of an update as the worker runs it."""

    text: str
    """The operation, after every PREFIX and BASE before it, its templates copied into the
    journal."""
    graphs: tuple[str, ...] | None
    """The graphs whose triples the operation can change wholesale, read before it runs
    (:data:`DEFAULT`: the store's default graph); None: it can change any graph."""


def journaled(update: str, journal: str, base: str | None = None) -> list[Step]:
    """``update`` as steps whose templates also write into the graph ``journal``; ``base``: the
    IRI the update's relative IRIs resolve against."""
    found = spans(update)
    levels = [depth for _, depth in top_level(found)]
    steps: list[Step] = []
    prologue: list[str] = []
    names = Names(base)
    start = 0
    ranges = operation_ranges(found, levels)
    if _shared_blank_nodes(found, ranges):  # SPARQL forbids it; run whole, Oxigraph says where
        return [Step(update, None)]
    for first, end in ranges:
        for i in range(start, first):  # the declarations since the last operation, in order
            names.see(found, i)
            if is_word(found, i, "PREFIX") and i + 2 < first:
                prologue.append(update[found[i][2] : found[i + 2][3]])
            elif is_word(found, i, "BASE") and i + 1 < first:
                prologue.append(update[found[i][2] : found[i + 1][3]])
        head = " ".join(prologue)
        text = update[found[first][2] : found[end - 1][3]]
        if found[first][1].upper() in _GRAPH_OPERATIONS:
            steps.append(Step(f"{head} {text}", _graph_operation(found, first, end, names)))
        else:
            steps.append(_template_step(update, (found, levels), (first, end), head, journal))
        start = end + 1
    return steps


def _shared_blank_nodes(found: list[Span], ranges: list[tuple[int, int]]) -> bool:
    """Whether two operations write the same blank node label (``_:b``): each step alone would
    be read, where the whole request is an error."""
    seen: set[str] = set()
    for first, end in ranges:
        labels = {
            found[i + 1][1]
            for i in range(first, end - 1)
            if found[i][1] == "_" and found[i + 1][1].startswith(":") and found[i][3] == found[i + 1][2]
        }
        if labels & seen:
            return True
        seen |= labels
    return False


def _graph_operation(found: list[Span], first: int, end: int, names: Names) -> tuple[str, ...] | None:
    """The graphs a CLEAR, DROP, CREATE, ADD, MOVE or COPY names; None for ALL, NAMED, LOAD and
    a name not read here."""
    if is_word(found, first, "CREATE"):
        return ()  # an empty graph: no triple changes (the graph itself is compared by name)
    if is_word(found, first, "LOAD"):
        return None
    graphs: list[str] = []
    for i in range(first + 1, end):
        kind, value = found[i][0], found[i][1]
        word = value.upper() if kind == "word" else ""
        if word in ("ALL", "NAMED"):
            return None
        if word == "DEFAULT":
            graphs.append(DEFAULT)
        elif kind in ("iri", "pname"):
            name = names.absolute(kind, value)
            if name is None:
                return None
            graphs.append(name)
    return tuple(dict.fromkeys(graphs))


def _template_step(
    update: str, lexed: tuple[list[Span], list[int]], operation: tuple[int, int], head: str, journal: str
) -> Step:
    """An INSERT or DELETE operation with its templates' triples also inserted into
    ``journal``; ``lexed``: the update's tokens and the brace depth of each."""
    found, levels = lexed
    first, end = operation
    deleted: tuple[int, int] | None = None
    inserted: tuple[int, int] | None = None
    data = False
    for i in range(first, end):
        if levels[i] or found[i][0] != "word" or found[i][1].upper() not in ("INSERT", "DELETE"):
            continue
        data = data or is_word(found, i + 1, "DATA")
        brace = i + 2 if is_word(found, i + 1, "DATA") or is_word(found, i + 1, "WHERE") else i + 1
        if not opens(found, brace):
            return Step(f"{head} {update[found[first][2] : found[end - 1][3]]}", None)  # Oxigraph says why
        block = (brace, closing_brace(found, brace))
        if found[i][1].upper() == "DELETE":
            deleted = block
        else:
            inserted = block
    if inserted is not None and _anonymous(found, inserted):
        return Step(f"{head} {update[found[first][2] : found[end - 1][3]]}", None)
    pieces = [p for b in (deleted, inserted) if b is not None for p in _pieces(update, found, b)]
    copy = journal_copy(journal, pieces)
    return Step(f"{head} {_with_copy(update, found, operation, deleted, inserted, data, copy)}", ())


def _with_copy(
    update: str,
    found: list[Span],
    operation: tuple[int, int],
    deleted: tuple[int, int] | None,
    inserted: tuple[int, int] | None,
    data: bool,
    copy: str,
) -> str:
    """The operation's text with ``copy`` (GRAPH blocks of the journal) inserted: in its INSERT
    template where it has one (the same solutions, the same blank nodes), else in an INSERT added
    after its DELETE template, or after DELETE DATA as an INSERT DATA of its own."""
    first, end = operation
    text = update[found[first][2] : found[end - 1][3]]
    offset = found[first][2]
    if not copy:
        return text
    if inserted is not None:
        at = found[inserted[1]][2] - offset
        return f"{text[:at]} {copy} {text[at:]}"
    if deleted is None:
        return text
    if data:
        return " ; ".join([text, insert_template(copy, data=True)])
    if is_word(found, deleted[0] - 1, "WHERE"):  # DELETE WHERE { Q }: DELETE { Q } INSERT … WHERE { Q }
        pattern = update[found[deleted[0]][2] : found[deleted[1]][3]]
        rest = text[found[deleted[1]][3] - offset :]
        return delete_where_written_out(pattern, insert_template(copy)) + rest
    at = found[deleted[1]][3] - offset
    return " ".join([text[:at], insert_template(copy), text[at:]])


def _anonymous(found: list[Span], block: tuple[int, int]) -> bool:
    """Whether a template makes a blank node of its own at each place (``[…]``, ``( … )``):
    its copy would make another."""
    return any(found[i][1] in ("[", "(") for i in range(block[0] + 1, block[1]))


def _pieces(update: str, found: list[Span], block: tuple[int, int]) -> list[str]:
    """A template's triples as texts: the inside of each GRAPH block, and each run of triples
    outside one (without the dots around it)."""
    opening, close = block
    pieces: list[str] = []
    run: int | None = None
    i = opening + 1
    while i <= close:
        graph = i < close and is_word(found, i, "GRAPH") and opens(found, i + 2)
        if i == close or graph:
            if run is not None:
                last = i - 1
                while last > run and found[last][1] == ".":
                    last -= 1
                pieces.append(update[found[run][2] : found[last][3]])
                run = None
            if i == close:
                break
            inner = closing_brace(found, i + 2)
            if inner > i + 3:
                pieces.append(update[found[i + 3][2] : found[inner - 1][3]])
            i = inner + 1
            continue
        if run is None and found[i][1] != ".":
            run = i
        i += 1
    return pieces


__all__ = ["DEFAULT", "Step", "journaled"]
