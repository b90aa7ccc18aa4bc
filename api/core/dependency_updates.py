"""A dependency graph brought up to date by what writes changed, instead of read again whole.

:func:`~rsikg.core.dependencies.build` reads the whole store (about 11 s at 700k triples). A
write changes a few statements, and the dependency graph of a node depends on statements of
which it is the subject alone (its edges, types, labels, sources, sectors, period), so
:func:`patched` reads again only the subjects the write changed, each query anchored at them,
and gives back a graph equal to what a full build would read: the full build stays the
reference, and ``tests/core/test_dependency_updates.py`` compares the two after random
sequences of writes. The days kept of the graph (``as_of``) are patched the same way.

Some statements bear on the whole graph; a write that changes one makes the caller build
again (:func:`patched` gives None): the class hierarchy (``rdfs:subClassOf``: which nodes are
systems or organisations, and each node's most specific class), mergers (``org:`` change
events: who succeeds whom), statements about a blank node (which a query cannot name), and
writes that changed too many subjects or that the store could not describe. A day's graph is
also made again, from the patched full graph, when the write touches a region (a region's
users are handed to its successor on the days after a merger).

Copy on write: a graph a request may be reading is never changed (a request iterating over
an adjacency dict that changes under it fails). A patch makes a new graph object whose
top-level dicts are copies, a few milliseconds at 25,000 systems, sharing the inner dicts of
every node the write did not touch; a touched node gets new ones.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import networkx as nx
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from . import periods
from .dependencies import (
    REGION,
    RELATIONS,
    DependencyGraph,
    edges_in,
    edges_out,
    hand_over,
    name_holder,
    node_names,
    read_attributes,
    read_edges,
    read_members,
)
from .namespaces import ORG, RSI
from .store import Changed, GraphStore

READ = frozenset(
    [
        *(str(RSI[relation]) for relation in RELATIONS),
        str(RDF.type),
        str(DCTERMS.source),
        str(SKOS.prefLabel),
        str(RSI.usedInSector),
        str(RSI.inSector),
        str(RSI.startDate),
        str(RSI.endDate),
    ]
)
"""The predicates whose statements the graph reads, each about its subject."""

WHOLE = frozenset([str(RDFS.subClassOf), str(ORG.originalOrganization), str(ORG.resultingOrganization)])
"""The predicates whose statements bear on the whole graph: a change to one, and it is built again."""

MAX_SUBJECTS = 2000
"""Beyond this many subjects changed, a build (one scan per predicate) costs less than reading
each subject again."""


def changed_subjects(changes: Sequence[Changed]) -> set[str] | None:
    """The subjects whose statements the graph reads that ``changes`` changed; None when the
    graph must be built again (see the module)."""
    subjects: set[str] = set()
    for change in changes:
        for subject, predicate in change.statements:
            if predicate in WHOLE:
                return None
            if predicate in READ:
                if subject.startswith("_:"):
                    return None
                subjects.add(subject)
    return subjects if len(subjects) <= MAX_SUBJECTS else None


def patched(old: DependencyGraph, store: GraphStore, changes: Sequence[Changed]) -> DependencyGraph | None:
    """``old`` (a full graph, not a day of one) brought up to date with ``changes``, which the
    store holds already; None when only a build can (see the module). Nothing of ``old`` is
    changed."""
    subjects = changed_subjects(changes)
    if subjects is None:
        return None
    if not subjects:
        return old
    started = time.perf_counter()
    fork, refresh, removed = _reread(old, store, subjects)
    claims, names, moved = _renamed(old, fork.graph, refresh, removed)
    new = DependencyGraph(
        fork.graph,
        time.perf_counter() - started,
        names,
        old.successors,
        claims=claims,
        class_depth=old.class_depth,
    )
    touched = refresh | removed
    for key, kept in list(old._memo.items()):
        if key[0] == "as_of" and isinstance(kept, DependencyGraph):
            day = _day_patched(kept, old, new, touched, moved)
            if day is not None:
                new._memo[key] = day
    return new


def _reread(old: DependencyGraph, store: GraphStore, subjects: set[str]) -> tuple[_Fork, set[str], set[str]]:
    """A fork of ``old``'s graph with ``subjects``' edges and data read again; the nodes whose
    data was read (the subjects and any node new to the graph) and the nodes that left it
    (nothing is or points to them any more)."""
    before = old.graph
    fork = _Fork(before)
    neighbours = {v for s in subjects if s in before for v in before._succ[s]}
    for s in subjects:
        if s in before:
            fork.clear_out(s)
    added: set[str] = set()
    for s, relation, o in read_edges(store, subjects):
        for node in (s, o):
            if node not in fork.graph:
                fork.add_node(node)
                added.add(node)
        fork.add_edge(s, o, relation, {"relation": relation})
    # what a node is matters only to one with no edge: it stays (or comes) if it is a member
    unanchored = {n for n in subjects | neighbours if n not in fork.graph or fork.isolated(n)}
    members = read_members(store, unanchored) if unanchored else set()
    for s in subjects & members:
        if s not in fork.graph:
            fork.add_node(s)
            added.add(s)
    removed = {n for n in unanchored if n in fork.graph and n not in members and fork.isolated(n)}
    for node in removed:
        fork.remove_node(node)
    refresh = {n for n in subjects | added if n in fork.graph}
    for node in refresh - added:
        fork.set_data(node, {})
    read_attributes(store, fork.graph, refresh, old.class_depth)
    return fork, refresh, removed


def _renamed(
    old: DependencyGraph, graph: nx.MultiDiGraph, refresh: set[str], removed: set[str]
) -> tuple[dict[str, set[tuple[int, str]]], dict[str, str], set[str]]:
    """``old``'s name claims and names, with the claims of the nodes read again and of the
    nodes gone replaced (copies: ``old``'s are not changed); and the names whose claims changed."""
    claims, names = dict(old.claims), dict(old.names)
    moved: set[str] = set()
    for node in refresh | removed:
        if node not in old.graph:
            continue
        for name, kind in node_names(node, old.graph._node[node]):
            claims[name] = claims[name] - {(kind, node)}
            moved.add(name)
    for node in refresh:
        for name, kind in node_names(node, graph._node[node]):
            claims[name] = claims.get(name, set()) | {(kind, node)}
            moved.add(name)
    for name in moved:
        if claims[name]:
            names[name] = name_holder(claims[name])
        else:
            del claims[name]
            names.pop(name, None)
    return claims, names, moved


def _day_patched(
    day: DependencyGraph, old: DependencyGraph, new: DependencyGraph, touched: set[str], moved: set[str]
) -> DependencyGraph | None:
    """``day`` (``old`` as of a day) as ``new`` is on that day, ``touched`` being the nodes whose
    data or edges out changed, or that came or went, and ``moved`` the names whose claims
    changed; None when it is to be made again from ``new`` (see :func:`_remade`)."""
    if day.day is None or _remade(day, old, new, touched):
        return None
    on, full = day.day, new.graph
    fork = _Fork(day.graph)
    for node in touched:
        fork.discard(node)
    present = set()
    for node in touched:
        data = full._node.get(node)
        if data is not None and periods.holds(data.get("startDate"), data.get("endDate"), on):
            fork.add_node(node, dict(data))
            present.add(node)
    for node in sorted(present):
        for v, edges in edges_out(full, node):
            if v in fork.graph:
                for key, data in edges.items():
                    fork.add_edge(node, v, key, dict(data))
        for u, edges in edges_in(full, node):
            if u in fork.graph and u not in present:  # a present one adds its own
                for key, data in edges.items():
                    fork.add_edge(u, node, key, dict(data))
        hand_over(fork.graph, full, node, day.ceased, fork.add_edge)
    names = _day_names(day.names, new.names, fork.graph, moved)
    return DependencyGraph(fork.graph, 0.0, names, new.successors, day=on, ceased=day.ceased, full=new)


def _day_names(
    kept: dict[str, str], names: dict[str, str], graph: nx.MultiDiGraph, moved: set[str]
) -> dict[str, str]:
    """A day's names (the full graph's ``names`` of the nodes ``graph`` has), from those it
    ``kept`` with the ``moved`` names looked up again: a fraction of the 60 ms a whole pass
    over the 80,000 names of the 25,000-system graph took."""
    found = dict(kept)
    for name in moved:
        node = names.get(name)
        if node is not None and node in graph:
            found[name] = node
        else:
            found.pop(name, None)
    return found


def _remade(day: DependencyGraph, old: DependencyGraph, new: DependencyGraph, touched: set[str]) -> bool:
    """Whether the write touched a region or an organisation of a merger: what a day hands
    over depends on those, so the day is made again rather than patched."""
    mergers = {*new.successors, *new.successors.values(), *day.ceased, *day.ceased.values()}
    if touched & mergers:
        return True
    return any(
        node in full and full._node[node].get("type") == REGION
        for node in touched
        for full in (old.graph, new.graph)
    )


class _Fork:
    """A new MultiDiGraph that shares every inner dict of ``graph`` until it changes it (see
    the module). It keeps networkx's own invariant: the dict of an edge's keys between u and
    v is one object, in ``_succ[u][v]`` and in ``_pred[v][u]``."""

    _VIEWS = (
        "adj",
        "succ",
        "pred",
        "nodes",
        "edges",
        "out_edges",
        "in_edges",
        "degree",
        "in_degree",
        "out_degree",
    )

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        fork = nx.MultiDiGraph()
        fork.graph.update(graph.graph)
        fork._node = dict(graph._node)
        fork._adj = fork._succ = dict(graph._succ)
        fork._pred = dict(graph._pred)
        for view in self._VIEWS:  # cached views would still read the dicts made by __init__
            fork.__dict__.pop(view, None)
        self.graph = fork
        self._own_succ: set[str] = set()
        self._own_pred: set[str] = set()
        self._own_keys: set[int] = set()  # id() of the key dicts made here

    def _succ(self, node: str) -> dict[str, dict[str, dict[str, object]]]:
        if node not in self._own_succ:
            self.graph._succ[node] = dict(self.graph._succ[node])
            self._own_succ.add(node)
        return self.graph._succ[node]  # type: ignore[no-any-return]

    def _pred(self, node: str) -> dict[str, dict[str, dict[str, object]]]:
        if node not in self._own_pred:
            self.graph._pred[node] = dict(self.graph._pred[node])
            self._own_pred.add(node)
        return self.graph._pred[node]  # type: ignore[no-any-return]

    def add_node(self, node: str, data: dict[str, object] | None = None) -> None:
        self.graph._node[node] = {} if data is None else data
        self.graph._succ[node], self.graph._pred[node] = {}, {}
        self._own_succ.add(node)
        self._own_pred.add(node)

    def set_data(self, node: str, data: dict[str, object]) -> None:
        self.graph._node[node] = data

    def isolated(self, node: str) -> bool:
        return not self.graph._succ[node] and not self.graph._pred[node]

    def clear_out(self, node: str) -> None:
        """Remove every edge out of ``node``."""
        for v in list(self.graph._succ[node]):
            del self._pred(v)[node]
        self.graph._succ[node] = {}
        self._own_succ.add(node)

    def remove_node(self, node: str) -> None:
        self.clear_out(node)
        for u in list(self.graph._pred[node]):
            del self._succ(u)[node]
        del self.graph._succ[node], self.graph._pred[node], self.graph._node[node]
        self._own_succ.discard(node)
        self._own_pred.discard(node)

    def discard(self, node: str) -> None:
        """Remove ``node`` if the graph has it."""
        if node in self.graph._node:
            self.remove_node(node)

    def add_edge(self, u: str, v: str, key: str, data: dict[str, object]) -> None:
        out, into = self._succ(u), self._pred(v)
        keys = out.get(v)
        if keys is None or id(keys) not in self._own_keys:
            keys = {} if keys is None else dict(keys)
            self._own_keys.add(id(keys))
            out[v] = into[u] = keys
        keys[key] = data
