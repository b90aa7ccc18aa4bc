"""Quads on their way into the store: read from N-Quads lines, written for the journal, or
spelled as one SPARQL update. Nothing here touches a store; everything here can refuse a
change before the store is touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox
import rdflib

from ...errors import InputError, Location
from ..sparql_terms import iri, triples_block
from .base import MAX_NOTED_QUADS, Changed
from .terms import to_rdflib

MAX_TERM_BYTES = 16 * 2**20
"""The longest RDF term Oxigraph's N-Quads (and Turtle) reader accepts: its buffer
(pyoxigraph 0.5 says "Reached the buffer maximal size of 16777216"). Diffs and journals are
N-Quads, so a term beyond it could be written but never read back: it is refused up front."""


def _too_long(where: Location) -> InputError:
    return InputError(
        f"an RDF term is longer than {MAX_TERM_BYTES // 2**20} MiB, the most the store can read "
        "back (its N-Quads reader's buffer); nothing was written: split the value",
        where,
    )


def changed(*quads: Sequence[ox.Quad]) -> Changed | None:
    """What a write of these quads changed (see :class:`~rsikg.core.store.base.Changed`); None
    beyond MAX_NOTED_QUADS."""
    if sum(len(q) for q in quads) > MAX_NOTED_QUADS:
        return None
    return Changed(frozenset((_subject(q.subject), q.predicate.value) for group in quads for q in group))


def _subject(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def read_nquads(lines: Sequence[str], where: Location) -> list[ox.Quad]:
    """The quads of N-Quads lines, blank-node labels kept; every line is read before the
    caller writes anything."""
    if not lines:
        return []
    try:
        return list(ox.parse("\n".join(lines), format=ox.RdfFormat.N_QUADS))
    except MemoryError as err:
        if "buffer" in str(err):
            raise _too_long(where) from None
        raise


def to_nquads(quads: Sequence[ox.Quad], where: Location) -> bytes:
    """Quads as N-Quads (one per line, blank-node labels kept), after checking that each line
    can be read back: a journal that cannot be replayed would be worse than none."""
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    if data is None:  # no output file: pyoxigraph returns the bytes
        raise TypeError("pyoxigraph wrote the quads nowhere")
    if len(data) > MAX_TERM_BYTES:  # only then can one line be too long: look at those
        for line in data.split(b"\n"):
            if len(line) > MAX_TERM_BYTES:
                read_nquads([line.decode()], where)
    return data


def has_blank_nodes(quads: Iterable[ox.Quad]) -> bool:
    """Whether a quad has a blank node (or a triple term, which may hide one) anywhere."""
    simple = (ox.NamedNode, ox.Literal, ox.DefaultGraph)
    return any(
        not isinstance(t, simple) for q in quads for t in (q.subject, q.predicate, q.object, q.graph_name)
    )


def _rdflib(term: object) -> rdflib.term.Node:
    """An IRI or a literal, as the SPARQL builder takes it (lexical form as it is: rdflib's
    normalisation could spell a literal differently from the quad to delete)."""
    if isinstance(term, ox.NamedNode) or (isinstance(term, ox.Literal) and not term.direction):
        return to_rdflib(term, normalize=False)  # a direction, which SPARQL 1.1 lacks, is refused
    raise ValueError(f"{term} cannot be written as SPARQL data here")


Triple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]


def _by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[Triple]]:
    groups: dict[str, list[Triple]] = {}
    for q in quads:
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        groups.setdefault(graph, []).append((_rdflib(q.subject), _rdflib(q.predicate), _rdflib(q.object)))
    return groups


def _data(operation: str, quads: Iterable[ox.Quad]) -> list[str]:
    """DELETE DATA or INSERT DATA blocks, one per graph."""
    blocks = []
    for graph, triples in _by_graph(quads).items():
        if operation == "DELETE":
            if graph:
                blocks.append(f"DELETE DATA {{ GRAPH {iri(graph)} {{\n{triples_block(triples)}\n}} }}")
            else:
                blocks.append(f"DELETE DATA {{\n{triples_block(triples)}\n}}")
        elif graph:
            blocks.append(f"INSERT DATA {{ GRAPH {iri(graph)} {{\n{triples_block(triples)}\n}} }}")
        else:
            blocks.append(f"INSERT DATA {{\n{triples_block(triples)}\n}}")
    return blocks


def diff_update(
    removed: Sequence[ox.Quad], added: Sequence[ox.Quad], dropped: Iterable[str], created: Iterable[str]
) -> str:
    """A diff with no blank node as one SPARQL update, which Oxigraph runs as one transaction.
    Raises ValueError or InputError for a term the builder will not write (then the caller
    takes the journal instead)."""
    operations = [*_data("DELETE", removed), *_data("INSERT", added)]
    operations += [f"DROP SILENT GRAPH {iri(graph)}" for graph in dropped]
    operations += [f"CREATE SILENT GRAPH {iri(graph)}" for graph in created]
    return " ;\n".join(operations)
