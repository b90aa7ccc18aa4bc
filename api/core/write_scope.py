"""Validate what a write can change, not the whole graph.

A write (SPARQL Update, Graph Store PUT/POST/DELETE, an adoption, a load) adds and removes
triples. A shape's result on a focus node can change only if the shape reads one of those
triples from that node, and what each shape reads is derived from the shapes themselves
(:mod:`rsikg.core.shape_reach`). So:

1. the *focus nodes*, each with its shapes: for each changed triple and each read it can be
   part of, the nodes from which the read's chains reach the triple's ends, in the store before
   the write and after it (one SELECT on each), with the shape whose read it is. A change to
   what a shape reads from a constant (``?region a rsi:Region``) makes every node that shape
   targets a focus node of it.
2. the *extract*: the triples those shapes read from the focus nodes and from their constants
   (CONSTRUCT queries built from the reads, over the data graphs only, as
   :func:`rsikg.core.validation.validation_data` takes them).
3. the extract after the write validated on the focus nodes, each against the shapes whose
   reads the write touched from it (sh:targetNode on an untargeted copy of the shapes, as
   :class:`~rsikg.core.decisions.dry_run.FocusedShapes` does for every shape of a node), and, only
   if that finds a Violation, the extract before it too. The results on a focus node equal the
   whole graph's (the extract holds every triple any solution on it uses), and no other
   (node, shape) result changed; so the Violations the write adds are those after it that were
   not there before, by :func:`violation_key`, as whole-graph validation before and after would
   say (tests/core/test_write_scope.py compares the two over random writes).

Where a shape cannot be bounded so (:attr:`ShapesReach.unbounded`), the whole graph is
validated before and after instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import cast

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import BNode, Literal, Node, URIRef

from ..settings import Settings
from .loading import is_data_graph
from .shape_reach import ANY, TARGETS, Chain, Read, ShapesReach, Step
from .sparql_terms import group, integer, iri, one_of, term, values, variable
from .store import DEFAULT_GRAPH, GraphStore, nquads_terms
from .validation import (
    PerShapesGraph,
    ShapesPool,
    ValidationReport,
    ValidationResult,
    validate_graph,
    validation_data,
)

Triple = tuple[Node, Node, Node]
ViolationKey = tuple[Node | None, Node | None, Node | None, Node | None]
Change = str | tuple[Node, ...]
"""A changed quad: an N-Quads line (as OxigraphStore.quads_nquads gives it), or rdflib terms
(subject, predicate, object[, graph IRI]); a triple or a quad in the default graph has no graph."""


def violation_key(result: ValidationResult) -> ViolationKey:
    """What makes a Violation the same one before and after a write. The path is left out:
    the shape fixes it, and a blank-node path differs in every report."""
    return (result.focus_node, result.source_shape, result.component, result.value)


@dataclass
class WriteCheck:
    """What a write does to the shapes' results on the focus nodes: the reports after it and
    before it, and the Violations it adds (a write that adds any is to be refused). ``before``
    is None when it was not needed: nothing after the write is a Violation."""

    focus: dict[Node, set[Node]]  # each focus node, with the shapes validated on it
    before: ValidationReport | None
    after: ValidationReport
    new: list[ValidationResult]
    whole: bool = False  # the whole graph was validated (no focus): a shape reads what cannot be bounded

    @property
    def refused(self) -> ValidationReport:
        """The report to refuse the write with: its new Violations."""
        return ValidationReport(self.new, self.after.graph)


# --------------------------------------------------------------------------------------------
# The changed triples
# --------------------------------------------------------------------------------------------


def _parse_lines(lines: list[str]) -> list[tuple[Node | None, ...]]:
    # each blank node keeps its label, the store's own, so that it can be looked up there
    return list(nquads_terms(lines))


def changed_triples(removed: Iterable[Change], added: Iterable[Change]) -> set[Triple]:
    """The triples a write added or removed in the data graphs (the default graph included;
    the shapes and the inferred graphs are not validated)."""
    found: set[Triple] = set()
    for changes in (removed, added):
        items = list(changes)
        lines = [c for c in items if isinstance(c, str)]
        quads = [c for c in items if not isinstance(c, str)] + _parse_lines(lines)
        for quad in quads:
            graph = quad[3] if len(quad) > 3 else None
            name = "" if graph is None or isinstance(graph, rdflib.Graph) else str(graph)
            if name in ("", DEFAULT_GRAPH, "urn:x-rdflib:default") or is_data_graph(name):
                found.add(cast(Triple, (quad[0], quad[1], quad[2])))  # only a graph can be None
    return found


# --------------------------------------------------------------------------------------------
# SPARQL from reads
# --------------------------------------------------------------------------------------------

_NO_PREDICATE = "urn:x-rsikg:no-predicate"  # !<it> is any predicate


def _atom(predicate: URIRef, forward: bool) -> str:
    text = f"!{iri(_NO_PREDICATE)}" if predicate == ANY else term(predicate)
    return text if forward else f"^{text}"


def _step(step: Step) -> str:
    atoms = "|".join(sorted(_atom(p, forward) for p, forward in step.atoms))
    return f"({atoms}){'' if step.repeat == '1' else step.repeat}"


def _path(chain: Chain) -> str:
    return "/".join(_step(s) for s in chain)


def _origin(root: Node | None) -> str:
    """Where a read starts: the focus node ?f, or a constant."""
    return variable("f") if root is None else term(root)


def _reaching(root: Node | None, chains: Iterable[Chain], node: str) -> str:
    """Patterns: ``?node`` is reached from the root by every chain; both are bound by the
    patterns around (the empty chain: ``?node`` is the root)."""
    return " ".join(
        f"{_origin(root)} {_path(chain)} {variable(node)} ."
        if chain
        else f"FILTER ({variable(node)} = {variable('f') if root is None else term(root)})"
        for chain in sorted(chains)
    )


@dataclass(frozen=True)
class _Data:
    """How to read a store as validation reads it (validation_data): its data graphs and the
    default graph, without the shapes and the inferred graphs (``others``)."""

    store: GraphStore
    graphs: list[str]
    others: list[str]
    default_empty: bool

    @staticmethod
    def of(store: GraphStore) -> _Data | None:
        """None when the store holds no data graph: validation then reads the project's ontology
        files instead, which only whole-graph validation does."""
        named = store.named_graphs()
        graphs = [g for g in named if is_data_graph(g)]
        if not graphs:
            return None
        empty = store.query("ASK { ?s ?p ?o }", default_graphs=[DEFAULT_GRAPH]) is False
        return _Data(store, [*graphs, DEFAULT_GRAPH], [g for g in named if not is_data_graph(g)], empty)

    @property
    def exclude(self) -> list[URIRef] | None:
        """How a branch keeps to the data graphs while it walks all of them (None: it cannot).

        Asked for the data graphs as its default graph, Oxigraph looked every pattern up in
        each of them: an extract took 30 ms against 18 ms over all graphs at 700k triples. So
        the walk goes through every graph (a walk through a shapes or inferred triple only
        reaches more nodes, whose data triples are true ones) and the triples kept are those of
        the data graphs, unless the default graph holds some, which GRAPH ?g cannot name."""
        return [URIRef(g) for g in self.others] if self.default_empty else None

    def rows(self, query: str, bindings: dict[str, Node] | None = None) -> list[tuple[Node | None, ...]]:
        """A SELECT's rows over all the graphs: the walks back may cross any (more focus nodes)."""
        result = self.store.query(query, bindings=bindings)
        if isinstance(result, (bool, rdflib.Graph)):
            raise TypeError("a SELECT query answers rows")
        return result.rows

    def construct(self, branches: list[str], bindings: dict[str, Node] | None = None) -> rdflib.Graph:
        query = f"CONSTRUCT {group([_TEMPLATE])} WHERE {group([' UNION '.join(branches)])}"
        graphs = self.graphs if self.exclude is None else None
        found = self.store.query(query, bindings=bindings, default_graphs=graphs)
        if not isinstance(found, rdflib.Graph):
            raise TypeError("a CONSTRUCT query answers a graph")
        return found


# --------------------------------------------------------------------------------------------
# 1. The focus nodes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Walk:
    """Changed triples to walk back from: their ends ``x`` (where the read starts) and ``y``
    (where it ends), through the chains of one kind of read."""

    root: Node | None
    chains: frozenset[Chain]
    ends: frozenset[Chain]


def _walks(
    reach: ShapesReach, triples: Iterable[Triple]
) -> dict[_Walk, tuple[set[int], set[tuple[Node, Node]]]]:
    """For each kind of read a changed triple can be part of: the shapes whose read it is and
    the (x, y) ends to walk back from."""
    walks: dict[_Walk, tuple[set[int], set[tuple[Node, Node]]]] = {}
    for s, p, o in triples:
        for index, read, forward in reach.matching(p):
            x, y = (s, o) if forward else (o, s)
            ends = read.ends if not isinstance(y, BNode) else frozenset()  # a blank y: looser
            chains = read.sources()
            if () in chains:  # the start is the root itself: the other chains add nothing
                chains = frozenset({()})
            roots, pairs = walks.setdefault(_Walk(read.root, chains, ends), (set(), set()))
            roots.add(index)
            pairs.add((x, y))
    return walks


def _back_branch(number: int, walk: _Walk, pairs: Sequence[tuple[Node, Node]] | None) -> str:
    """One UNION branch: ?f, the roots that reach the pairs' x (and y) by the walk's chains;
    for a constant root, ?k alone when it does. Without pairs, ?x (or ?f when the root is x
    itself) is bound by the caller. Each branch binds its own rows (VALUES): outside a UNION,
    Oxigraph evaluated the branches unbound, whole scans."""
    direct = walk.root is None and walk.chains == frozenset({()})
    x = "f" if direct else "x"
    rows = ""
    if pairs is not None:
        rows = values([x, "y"], pairs) if walk.ends else values(x, [p[0] for p in pairs])
    reached = "" if direct else _reaching(walk.root, walk.chains, "x")
    number_it = f"BIND ({integer(number)} AS {variable('k')})"
    return group([rows, reached, _reaching(walk.root, walk.ends, "y"), number_it])


Focus = dict[Node, set[int]]
"""Focus nodes, each with the shapes (indices into ShapesReach.roots) to validate it against:
those whose reads the write touched from it. Another shape's result on it cannot change."""


def _walk_back(
    data: _Data, walks: dict[_Walk, tuple[set[int], set[tuple[Node, Node]]]]
) -> tuple[Focus, set[int]]:
    """The focus nodes the changed triples reach back to in the store, and the shapes that a
    change to what they read from their constants triggers (all their targets are focus nodes)."""
    focus: Focus = {}
    triggered: set[int] = set()
    branches: list[str] = []
    kinds: list[tuple[_Walk, set[int]]] = []
    for walk, (roots, pairs) in walks.items():
        if walk.chains == frozenset({()}) and not walk.ends:  # the root is x itself
            xs = {x for x, _y in pairs}
            if walk.root is None:
                for x in xs:
                    focus.setdefault(x, set()).update(roots)
            elif walk.root in xs:
                triggered |= roots
            continue
        named = sorted(((x, y) for x, y in pairs if not isinstance(x, BNode)), key=str)
        if named:
            branches.append(_back_branch(len(kinds), walk, named))
            kinds.append((walk, roots))
        for x in {x for x, _y in pairs if isinstance(x, BNode)}:  # no VALUES for a blank node
            loose = _Walk(walk.root, walk.chains, frozenset())
            # Oxigraph binds only a projected variable
            branch = _back_branch(0, loose, None)
            query = f"SELECT DISTINCT {variable('k')} {variable('f')} {variable('x')} WHERE {group([branch])}"
            bound = "f" if walk.root is None and walk.chains == frozenset({()}) else "x"
            _collect(data.rows(query, {bound: x}), [(walk, roots)], focus, triggered)
    if branches:
        query = f"SELECT DISTINCT {variable('k')} {variable('f')} WHERE {group([' UNION '.join(branches)])}"
        _collect(data.rows(query), kinds, focus, triggered)
    return focus, triggered


def _collect(
    rows: list[tuple[Node | None, ...]],
    kinds: list[tuple[_Walk, set[int]]],
    focus: Focus,
    triggered: set[int],
) -> None:
    for number, node, *_x in rows:
        walk, roots = kinds[int(cast(Literal, number).toPython())]
        if walk.root is None and node is not None:
            focus.setdefault(node, set()).update(roots)
        elif walk.root is not None:
            triggered |= roots


def _target_branch(number: int, kind: URIRef, value: Node) -> str:
    """A UNION branch: ?f, the nodes a target selects, numbered ?k."""
    number_it = f"BIND ({integer(number)} AS {variable('k')})"
    if kind == SH.targetClass:
        found = f"{variable('f')} {term(RDF.type)}/{term(RDFS.subClassOf)}* {term(value)} ."
    elif kind == SH.targetSubjectsOf:
        found = f"{variable('f')} {term(value)} {variable('o')} ."
    elif kind == SH.targetObjectsOf:
        found = f"{variable('s')} {term(value)} {variable('f')} ."
    else:
        found = values("f", [value])
    return group([found, number_it])


def _targets(data: _Data, reach: ShapesReach, roots: Iterable[int]) -> Focus:
    """Every node the shapes ``roots`` target in the store (in any graph: perhaps more), each
    with those of the shapes that target it."""
    chosen = [(index, kind, value) for index in roots for kind, value in reach.roots[index].targets]
    branches = [_target_branch(number, kind, value) for number, (_i, kind, value) in enumerate(chosen)]
    found: Focus = {}
    if branches:
        query = f"SELECT DISTINCT {variable('k')} {variable('f')} WHERE {group([' UNION '.join(branches)])}"
        for number, node in data.rows(query):
            if node is not None:
                found.setdefault(node, set()).add(chosen[int(cast(Literal, number).toPython())][0])
    return found


def _merged(into: Focus, found: Focus) -> None:
    for node, roots in found.items():
        into.setdefault(node, set()).update(roots)


def focus_nodes(reach: ShapesReach, stores: Sequence[_Data], triples: Iterable[Triple]) -> Focus:
    """The nodes whose results the changed triples can change, with the shapes whose results
    on them can: found in each store (before and after the write), and every target of a
    shape whose constants' data changed."""
    walks = _walks(reach, triples)
    focus: Focus = {}
    triggered: set[int] = set()
    for data in stores:
        found, shapes = _walk_back(data, walks)
        _merged(focus, found)
        triggered |= shapes
    if triggered:
        for data in stores:
            _merged(focus, _targets(data, reach, triggered))
    return focus


# --------------------------------------------------------------------------------------------
# 2. The extract
# --------------------------------------------------------------------------------------------


_TEMPLATE = "?s ?p ?o . ?f ?fp ?fo . ?bs ?bp ?f"
"""The extract's triples: ?s ?p ?o from a walk; ?f ?fp ?fo and ?bs ?bp ?f read at the focus
node itself (a CONSTRUCT template with an unbound variable gives no triple)."""


def _triple(s: str, p: str, o: str, exclude: Sequence[URIRef] | None) -> str:
    """The triple pattern whose triples a branch keeps: in the graphs given as the default
    graph (``exclude`` None), else in any graph but those excluded."""
    triple = f"{s} {p} {o} ."
    if not exclude:
        return triple
    return f"GRAPH {variable('g')} {group([triple])} {one_of('g', exclude, negated=True)}"


@dataclass(frozen=True)
class _Kind:
    """One kind of read: from the chains ``sources`` to the chains ``ends``, forward or not."""

    sources: frozenset[Chain]
    ends: frozenset[Chain]
    forward: bool


def _extract_branches_of(
    root: Node | None, rows: str, kind: _Kind, predicates: set[URIRef], exclude: Sequence[URIRef] | None
) -> list[str]:
    """UNION branches of the extract: the triples along one kind of read, from the focus node
    ?f (``root`` None, bound by ``rows``) or from the constant ``root``.

    Each branch names its predicates in a FILTER or a triple pattern, never in VALUES: Oxigraph
    joined a VALUES of predicates with ``?s ?p ?o`` evaluated alone, a scan of every triple
    with those predicates. Forward, a FILTER over the start node's triples (few); backward,
    one branch per predicate, so that a node many triples point to (a region, a class) is
    looked up by predicate and object, not scanned."""
    if root is None and kind.sources == frozenset({()}):  # read at the focus node itself
        start, (s, p, o) = "f", ("f", "fp", "fo") if kind.forward else ("bs", "bp", "f")
        walk = ""
    else:
        start, (s, p, o) = ("s" if kind.forward else "o"), ("s", "p", "o")
        if root is not None and kind.sources == frozenset({()}):  # read at the constant itself
            rows, walk = values(start, [root]), ""
        else:
            walk = _reaching(root, kind.sources, start)
    end = _reaching(root, kind.ends, o if kind.forward else s)
    if kind.forward or ANY in predicates:
        among = "" if ANY in predicates else one_of(p, sorted(predicates, key=str))
        triple = _triple(variable(s), variable(p), variable(o), exclude)
        return [group([rows, walk, triple, end, among])]
    # BIND last: it closes the group's basic pattern, and what follows would be joined apart
    return [
        group(
            [
                rows,
                walk,
                _triple(variable(s), term(q), variable(o), exclude),
                end,
                f"BIND ({term(q)} AS {variable(p)})",
            ]
        )
        for q in sorted(predicates, key=str)
    ]


_SUPERCLASS = (RDFS.subClassOf, True)


def _hierarchy(exclude: Sequence[URIRef] | None) -> str:
    """The class hierarchy, whole: sh:class and sh:targetClass follow rdfs:subClassOf up from
    every type read, and walking it up from each (a path with *) cost more than the few
    rdfs:subClassOf triples a graph has."""
    triple = _triple(variable("s"), term(RDFS.subClassOf), variable("o"), exclude)
    return group([triple, f"BIND ({term(RDFS.subClassOf)} AS {variable('p')})"])


def _kinds(reads: Iterable[Read]) -> dict[_Kind, set[URIRef]]:
    """The reads by kind, with their predicates (the class hierarchy apart). Forward reads one
    step past the same chain are one kind: ``?f (rsi:usedBy|rsi:vendor) ?s`` then the
    predicates of both, a few more triples read for many fewer branches (a query of 56
    branches took 15 ms at 700k triples, most of it Oxigraph's, whatever it found)."""
    kinds: dict[_Kind, set[URIRef]] = {}
    for read in reads:
        sources = read.sources()
        if () in sources:  # the start is the root itself: the other chains add nothing
            sources = frozenset({()})
        for predicate, forward in read.step.atoms - {_SUPERCLASS}:
            kinds.setdefault(_Kind(sources, read.ends, forward), set()).add(predicate)
    merged: dict[_Kind, set[URIRef]] = {}
    past: dict[Chain, _Kind] = {}  # the merged kind one step past each chain
    for kind, predicates in kinds.items():
        chain = _one_chain(kind)
        if chain is None:
            merged.setdefault(kind, set()).update(predicates)
            continue
        earlier = past.get(chain[:-1])
        if earlier is not None:
            predicates = predicates | merged.pop(earlier)
            (before,) = earlier.sources
            chain = (*chain[:-1], Step(before[-1].atoms | chain[-1].atoms))
        past[chain[:-1]] = joined = _Kind(frozenset({chain}), frozenset(), True)
        merged[joined] = set(predicates)
    return merged


def _one_chain(kind: _Kind) -> Chain | None:
    """The chain of a forward kind without ends whose last step is taken once, else None."""
    if not kind.forward or kind.ends or len(kind.sources) != 1:
        return None
    (chain,) = kind.sources
    return chain if chain and chain[-1].repeat == "1" else None


@functools.lru_cache(maxsize=64)
def _focus_branches(
    reach: ShapesReach, roots: frozenset[int], exclude: tuple[URIRef, ...] | None
) -> tuple[str, ...]:
    """The extract's branches for what the shapes ``roots`` read from the focus nodes, their
    rows left as ``_ROWS``: the same for every write (writing them took 6 ms)."""
    reads = frozenset().union(*(reach.roots[i].reads for i in roots))
    return tuple(
        branch
        for kind, predicates in sorted(_kinds(reads).items(), key=str)
        for branch in _extract_branches_of(None, _ROWS, kind, predicates, exclude)
    )


_ROWS = "#ROWS\n"  # a comment: a branch without its rows still parses


def _extract_branches(reads: Iterable[Read], root: Node, exclude: Sequence[URIRef] | None) -> list[str]:
    """The UNION branches of an extract from a constant."""
    return [
        branch
        for kind, predicates in sorted(_kinds(reads).items(), key=str)
        for branch in _extract_branches_of(root, "", kind, predicates, exclude)
    ]


def _targeting(data: rdflib.Graph, node: Node, targets: Iterable[tuple[URIRef, Node]]) -> bool:
    """Whether one of ``targets`` selects ``node`` in ``data`` (as pySHACL would)."""
    classes = {c for t in data.objects(node, RDF.type) for c in data.transitive_objects(t, RDFS.subClassOf)}
    return any(
        (kind == SH.targetClass and value in classes)
        or (kind == SH.targetSubjectsOf and (node, value, None) in data)
        or (kind == SH.targetObjectsOf and (None, value, node) in data)
        or (kind == SH.targetNode and value == node)
        for kind, value in targets
    )


CHUNK = 256
"""Focus nodes per extract query: each branch lists them, so a query grows with both."""
MAX_GROUPS = 8
"""Focus nodes are extracted in groups by the shapes they are validated against, a query each;
past this many groups, as one group reading what all those shapes read (a little more)."""


def _groups(focus: Focus) -> dict[frozenset[int], list[Node]]:
    groups: dict[frozenset[int], list[Node]] = {}
    for node, roots in focus.items():
        groups.setdefault(frozenset(roots), []).append(node)
    if len(groups) > MAX_GROUPS:
        return {frozenset().union(*groups): [n for nodes in groups.values() for n in nodes]}
    return groups


def extract(data: _Data, reach: ShapesReach, focus: Focus) -> rdflib.Graph:
    """What the shapes read in the store from the focus nodes they are validated on, and from
    their constants."""
    exclude = data.exclude
    found = data.construct([_hierarchy(exclude)])
    for roots, nodes in _groups(focus).items():
        branches = _focus_branches(reach, roots, None if exclude is None else tuple(exclude))
        named = sorted((n for n in nodes if not isinstance(n, BNode)), key=str)
        for i in range(0, len(named), CHUNK):
            rows = values("f", named[i : i + CHUNK])
            found += data.construct([b.replace(_ROWS, rows) for b in branches])
        for node in nodes:
            if isinstance(node, BNode):  # no VALUES for a blank node: bound instead
                found += data.construct(list(branches), {"f": node})
    by_constant: dict[Node, list[Read]] = {}
    for index in sorted(set().union(*focus.values())):
        for read in reach.roots[index].free:
            by_constant.setdefault(cast(Node, read.root), []).append(read)
    free = [b for c, reads in sorted(by_constant.items()) for b in _extract_branches(reads, c, exclude)]
    if free:
        found += data.construct(free)
    return found


# --------------------------------------------------------------------------------------------
# 3. Validation
# --------------------------------------------------------------------------------------------


class _Targeted:
    """The shapes without their targets, given for each run ``sh:targetNode`` for the (shape,
    focus node) pairs to validate, and nothing else.

    Not :class:`~rsikg.core.decisions.dry_run.FocusedShapes`, which validates a focus node against
    every shape that targets it: a new region changes what rsish:SameSystemForAllShape reads for
    every decision, and validating each of the 1,000 decisions of the 700k-triple graph against
    every decision shape took 549 s, where SameSystemForAllShape alone is all that can change.
    Like FocusedShapes, runs take copies from a :class:`ShapesPool`."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        untargeted = rdflib.Graph()
        untargeted += shapes
        for kind in TARGETS:
            untargeted.remove((None, kind, None))
        for shape in ShapesReach.of(shapes).roots:  # implicit class targets (SHACL 2.1.3.3)
            untargeted.remove((shape.shape, RDF.type, RDFS.Class))
            untargeted.remove((shape.shape, RDF.type, OWL.Class))
        self._pool = ShapesPool(untargeted)

    def run(self, targets: Sequence[Triple]) -> AbstractContextManager[rdflib.Graph]:
        return self._pool.run(targets)


_TARGETED = PerShapesGraph(_Targeted)


def validate_focus(
    data: rdflib.Graph, shapes: rdflib.Graph, focus: dict[Node, set[Node]]
) -> ValidationReport:
    """Validate each focus node of ``data`` against its shapes (those of them that target it in
    ``data``), and nothing else."""
    reach = ShapesReach.of(shapes)
    targets = {root.shape: root.targets for root in reach.roots}
    pairs = sorted(
        {
            (shape, SH.targetNode, node)
            for node, chosen in focus.items()
            for shape in chosen
            if _targeting(data, node, targets.get(shape, ()))
        },
        key=str,
    )
    with _TARGETED(shapes).run(pairs) as targeted:
        return validate_graph(data, targeted).restricted_to(focus)


def _new(before: ValidationReport, after: ValidationReport) -> list[ValidationResult]:
    known = {violation_key(r) for r in before.results if r.severity == "Violation"}
    return [r for r in after.results if r.severity == "Violation" and violation_key(r) not in known]


def check_whole(
    before: GraphStore, after: GraphStore, shapes: rdflib.Graph, settings: Settings
) -> WriteCheck:
    """The reference: validate the whole graph before and after the write."""
    reports = [validate_graph(validation_data(store, settings), shapes) for store in (before, after)]
    return WriteCheck({}, reports[0], reports[1], _new(*reports), whole=True)


def check_write(
    before: GraphStore,
    after: GraphStore,
    removed: Iterable[Change],
    added: Iterable[Change],
    shapes: rdflib.Graph,
    settings: Settings,
    elsewhere: Callable[[], WriteCheck] | None = None,
) -> WriteCheck:
    """Validate a write on what it can change: ``before`` and ``after`` are the store before
    and after it, ``removed`` and ``added`` its quads. Neither store is written. ``elsewhere``:
    the same check in another process (api/core/check_process.py), called instead when the
    focus passes ``settings.check_process_focus`` nodes."""
    reach = ShapesReach.of(shapes)
    stores = [_Data.of(before), _Data.of(after)]
    if reach.unbounded or None in stores:
        return check_whole(before, after, shapes, settings) if elsewhere is None else elsewhere()
    before_data, after_data = cast(list[_Data], stores)
    focus = focus_nodes(reach, [before_data, after_data], changed_triples(removed, added))
    if elsewhere is not None and len(focus) > settings.check_process_focus:
        return elsewhere()
    shapes_of = {node: {reach.roots[i].shape for i in roots} for node, roots in focus.items()}
    if not focus:
        return WriteCheck({}, None, ValidationReport([], rdflib.Graph()), [])
    after_report = validate_focus(extract(after_data, reach, focus), shapes, shapes_of)
    if after_report.conforms:  # nothing after the write is a Violation: it adds none
        return WriteCheck(shapes_of, None, after_report, [])
    before_report = validate_focus(extract(before_data, reach, focus), shapes, shapes_of)
    return WriteCheck(shapes_of, before_report, after_report, _new(before_report, after_report))


__all__ = [
    "WriteCheck",
    "changed_triples",
    "check_whole",
    "check_write",
    "extract",
    "focus_nodes",
    "validate_focus",
    "violation_key",
]
