"""The merged graph: the embedded store's default graph as queries read it.

Every file and record is a named graph of its own, so that ``GRAPH ?g`` tells where a fact came
from. The default graph a query reads is every graph merged, each triple once: a named graph of
the store (:data:`~rsikg.core.store.base.MERGED_GRAPH`) that every write keeps equal to the set
union of all the others, in the same transaction or journal entry as the write itself.

Why a graph of its own rather than Oxigraph's union of all graphs: the union is a multiset (a
triple stated in two files counted twice by ``COUNT``), and it is slower, since every pattern is
matched over the quad indexes with the graph left open. At 684k triples, in process, p50, over
the union / this graph / Oxigraph's plain default graph (each store compacted): a 4-way join
with LIMIT 100 5.3 / 4.2 / 4.2 ms, an aggregate 8.4 / 8.2 / 8.1 ms, a transitive path 5.9 / 4.8 /
4.8 ms; a point lookup 0.15 ms on all three. The store's own default graph is not used because
updates move triples through it (api/core/sparql_dataset.py).

The graph is not one of the store's named graphs to anyone outside this package: not listed,
not exported, not counted, never diffed, and a write that names it is refused. Everything here
works on pyoxigraph's own values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyoxigraph as ox

from ..sparql_terms import iri
from .base import MERGED_GRAPH

MERGED = ox.NamedNode(MERGED_GRAPH)
NQUADS_GRAPH = " " + str(MERGED) + " ."  # str(): the IRI as N-Quads writes it
"""How an N-Quads line of the merged graph ends (a literal cannot end so: its quote comes first)."""


def merged(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The merged graph's quads for ``quads`` (those in it already left out)."""
    for q in quads:
        if q.graph_name != MERGED:
            yield ox.Quad(q.subject, q.predicate, q.object, MERGED)


def gone(
    store: ox.Store,
    removed: Sequence[ox.Quad],
    added: Sequence[ox.Quad],
    dropped: Iterable[ox.NamedNode | ox.DefaultGraph],
) -> list[ox.Quad]:
    """The merged graph's quads that a change takes away: the triples of ``removed`` and of the
    graphs ``dropped`` that no graph holds once ``added`` is in. Read before the change."""
    leaving: dict[ox.Triple, set[object]] = {}
    for q in removed:
        leaving.setdefault(q.triple, set()).add(q.graph_name)
    for graph in dropped:
        for q in store.quads_for_pattern(None, None, None, graph):
            leaving.setdefault(q.triple, set()).add(graph)
    if not leaving:  # a load into new graphs: nothing to look up (1.2 s for 684k quads)
        return []
    staying = {q.triple for q in added if q.graph_name != MERGED}
    out = []
    for triple, leaves in leaving.items():
        if triple in staying:
            continue
        holders = store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        if not any(h.graph_name != MERGED and h.graph_name not in leaves for h in holders):
            out.append(ox.Quad(triple.subject, triple.predicate, triple.object, MERGED))
    return out


COUNT = f"SELECT (COUNT(*) AS ?n) {{ GRAPH {iri(MERGED_GRAPH)} {{ ?s ?p ?o }} }}"
"""How many triples the merged graph holds: the distinct triples of every graph."""


def is_kept(store: ox.Store) -> bool:
    """Whether the store has a merged graph (a store written by an earlier version has none)."""
    return store.contains_named_graph(MERGED)


def dataset(store: ox.Store) -> dict[str, object]:
    """pyoxigraph's query options for the dataset of a query without one of its own: this
    graph as the default graph, every other graph named; the union of all graphs on a store
    that has no merged graph (written by an earlier version, or a write's scratch copy)."""
    if not is_kept(store):
        return {"use_default_graph_as_union": True}
    return {"default_graph": [MERGED], "named_graphs": list(without_graph(store.named_graphs()))}


def without_graph(graphs: Iterable[ox.NamedNode | ox.BlankNode]) -> Iterator[ox.NamedNode | ox.BlankNode]:
    """The store's named graphs but the merged graph."""
    return (g for g in graphs if g != MERGED)


def without(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """``quads`` but the merged graph's."""
    return (q for q in quads if q.graph_name != MERGED)


__all__ = [
    "COUNT",
    "MERGED",
    "NQUADS_GRAPH",
    "dataset",
    "gone",
    "is_kept",
    "merged",
    "without",
    "without_graph",
]
