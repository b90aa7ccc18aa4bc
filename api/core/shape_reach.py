"""What each SHACL shape reads around its focus node, derived from the shapes graph alone.

A write can change the result of a shape only on the focus nodes from which the shape reads a
triple the write added or removed. This module finds, for every shape with a target, those
reads: a :class:`Read` is "the triples along ``step``, from the nodes that every chain of
``chains`` reaches from the root", the root being the focus node, or for the reads that do not
start at the focus node, a constant of the shape (``?region a rsi:Region`` reads from
``rsi:Region``). They come from

- the targets (a focus node's type and its superclasses, or the property it is subject or
  object of);
- ``sh:path`` expressions (sequence, inverse, alternative, zero-or-more, ...), the value
  constraints that read more than the value (``sh:class``: its types and their superclasses;
  ``sh:equals`` and the other pair constraints; ``sh:closed``), and the shapes applied to the
  focus or value nodes (``sh:node``, ``sh:property``, ``sh:qualifiedValueShape``, ``sh:and``,
  ``sh:or``, ``sh:xone``, ``sh:not``);
- the triple patterns of ``sh:sparql`` constraints (:func:`sparql_reach`).

Nothing is listed per shape, so a shape added to the shapes graph is covered as it is. Where a
shape reads what cannot be bounded so (a SPARQL pattern joined to neither ``$this`` nor a
constant, a custom constraint component, a SPARQL target, a recursive shape), it is marked
``unbounded`` with the reason, and callers validate the whole graph. Approximations are always
wider, never narrower: a path that is not a plain sequence is read as the repetition of all its
predicates, a negated property set as any predicate.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import BNode, Literal, Node, URIRef, Variable

from .sparql_terms import iri, prologue
from .validation import PerShapesGraph

ANY = URIRef("urn:x-rsikg:any-predicate")
"""The predicate of a step that reads every predicate (a variable predicate, ``sh:closed``)."""

_SHAPE_PATH = URIRef("urn:x-rsikg:shape-path")
_THIS = Variable("this")
MAX_ALTERNATIVES = 4096
"""The most conjunctive alternatives (UNION branches times OPTIONALs taken or not) a SPARQL
constraint is expanded into; the project's largest has 80. Beyond it the shape is unbounded."""


class _Unbounded(Exception):
    """A shape reads something no :class:`Read` describes."""


# --------------------------------------------------------------------------------------------
# Steps, chains and reads
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Step:
    """One step of a walk: any of ``atoms`` (predicate, forward?), once (``1``), at most once
    (``?``), any number of times (``*``) or at least once (``+``)."""

    atoms: frozenset[tuple[URIRef, bool]]
    repeat: str = "1"

    @staticmethod
    def of(predicate: URIRef, forward: bool = True, repeat: str = "1") -> Step:
        return Step(frozenset({(predicate, forward)}), repeat)

    def inverse(self) -> Step:
        return Step(frozenset((p, not forward) for p, forward in self.atoms), self.repeat)

    @property
    def repeated(self) -> bool:
        return self.repeat in ("*", "+")

    def closure(self) -> Step:
        """Zero or more of this step: the nodes from which a repeated step reads."""
        return Step(self.atoms, "*")


Chain = tuple[Step, ...]


def inverse(chain: Chain) -> Chain:
    return tuple(step.inverse() for step in reversed(chain))


@dataclass(frozen=True)
class Read:
    """The triples along ``step`` from the nodes that every chain in ``chains`` reaches from
    ``root`` (the focus node when None, else that constant) to nodes that every chain in
    ``ends`` reaches too. All the chains hold in any solution that uses such a triple, so a
    changed triple concerns only the roots that reach its two ends so; ``ends`` is only
    known for a pattern of one step (``?value rsi:statedBy ?region``, its ``?value`` reached
    from the decision as well)."""

    root: Node | None
    chains: frozenset[Chain]
    step: Step
    ends: frozenset[Chain] = frozenset()

    def prefixed(self, prefix: Chain) -> Read:
        if self.root is not None or not prefix:
            return self
        return Read(
            None,
            frozenset(prefix + c for c in self.chains),
            self.step,
            frozenset(prefix + c for c in self.ends),
        )

    def sources(self) -> frozenset[Chain]:
        """The chains to the nodes the step's triples start from: for a repeated step, also
        those reached by repeating it."""
        if not self.step.repeated:
            return self.chains
        return frozenset((*c, self.step.closure()) for c in self.chains)


@dataclass
class Reach:
    reads: set[Read] = field(default_factory=set)
    unbounded: list[str] = field(default_factory=list)

    def add(self, other: Reach, prefix: Chain = ()) -> None:
        self.reads |= {r.prefixed(prefix) for r in other.reads}
        self.unbounded += other.unbounded

    def steps(self, chain: Chain, steps: Iterable[Step], root: Node | None = None) -> Chain:
        """Read each of ``steps`` in turn from the end of ``chain``; the chain to their end."""
        for step in steps:
            self.reads.add(Read(root, frozenset({chain}), step))
            chain = (*chain, step)
        return chain


# --------------------------------------------------------------------------------------------
# Paths: SHACL property paths and SPARQL property paths, as steps
# --------------------------------------------------------------------------------------------


def _widened(steps: list[Step], repeat: str) -> list[Step]:
    """A path that is not a plain sequence, read as any number of any of its atoms: wider."""
    if len(steps) == 1 and steps[0].repeat == "1":
        return [Step(steps[0].atoms, repeat)]
    return [Step(frozenset(a for s in steps for a in s.atoms), "*")]


def _alternatives(options: list[list[Step]]) -> list[Step]:
    if all(len(o) == 1 and o[0].repeat == "1" for o in options):
        return [Step(frozenset(a for o in options for a in o[0].atoms))]
    return _widened([s for o in options for s in o], "*")


def shacl_path(shapes: rdflib.Graph, node: Node) -> list[Step]:
    """A SHACL property path (SHACL 2.3.1) as steps."""
    if isinstance(node, URIRef):
        return [Step.of(node)]
    if shapes.value(node, RDF.first) is not None:
        return [s for item in Collection(shapes, node) for s in shacl_path(shapes, item)]
    for predicate, repeat in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = shapes.value(node, predicate)
        if inner is not None:
            return _widened(shacl_path(shapes, inner), repeat)
    inner = shapes.value(node, SH.inversePath)
    if inner is not None:
        return list(inverse(tuple(shacl_path(shapes, inner))))
    options = shapes.value(node, SH.alternativePath)
    if options is not None:
        return _alternatives([shacl_path(shapes, o) for o in Collection(shapes, options)])
    raise _Unbounded(f"the path {node!r} is not a SHACL property path")


def sparql_path(path: Node | Path, shape_path: list[Step]) -> list[Step]:
    """A predicate or SPARQL property path of a triple pattern as steps; a variable predicate
    reads any predicate, ``$PATH`` the shape's path."""
    if path == _SHAPE_PATH:
        return list(shape_path)
    if isinstance(path, URIRef):
        return [Step.of(path)]
    if isinstance(path, (Variable, BNode)):
        return [Step.of(ANY)]
    if isinstance(path, InvPath):
        return list(inverse(tuple(sparql_path(path.arg, shape_path))))
    if isinstance(path, SequencePath):
        return [s for arg in path.args for s in sparql_path(arg, shape_path)]
    if isinstance(path, AlternativePath):
        return _alternatives([sparql_path(arg, shape_path) for arg in path.args])
    if isinstance(path, MulPath):
        return _widened(sparql_path(path.path, shape_path), path.mod)
    if isinstance(path, NegatedPath):
        directions = {not isinstance(arg, InvPath) for arg in path.args} or {True}
        return [Step(frozenset((ANY, forward) for forward in directions))]
    raise _Unbounded(f"the SPARQL path {path!r} is not supported")


# --------------------------------------------------------------------------------------------
# SPARQL constraints: the algebra as conjunctive alternatives
# --------------------------------------------------------------------------------------------

Pattern = tuple[Node, Node, Node]


@dataclass(frozen=True)
class _Alternative:
    """Patterns that all hold in one solution, the groups evaluated against it (EXISTS, NOT
    EXISTS: with its bindings; MINUS, sub-selects: with $this alone) and its BINDs."""

    patterns: tuple[Pattern, ...] = ()
    scopes: tuple[tuple[bool, CompValue], ...] = ()
    binds: tuple[tuple[Variable, object], ...] = ()

    def __add__(self, other: _Alternative) -> _Alternative:
        return _Alternative(
            self.patterns + other.patterns, self.scopes + other.scopes, self.binds + other.binds
        )


def _exists_groups(expr: object) -> Iterator[CompValue]:
    """The graph patterns of the EXISTS and NOT EXISTS in an expression."""
    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            # rdflib keeps the translated group as an attribute (what it evaluates), the
            # parsed one, its filters taken out, as the item
            yield expr.graph
            return
        for value in expr.values():
            yield from _exists_groups(value)
    elif isinstance(expr, (list, tuple)):
        for value in expr:
            yield from _exists_groups(value)


def _with_scopes(alternatives: list[_Alternative], expr: object) -> list[_Alternative]:
    scopes = tuple((True, g) for g in _exists_groups(expr))
    return [a + _Alternative(scopes=scopes) for a in alternatives] if scopes else alternatives


def _product(left: list[_Alternative], right: list[_Alternative]) -> list[_Alternative]:
    if len(left) * len(right) > MAX_ALTERNATIVES:
        raise _Unbounded(f"the query has more than {MAX_ALTERNATIVES} alternatives")
    return [a + b for a, b in itertools.product(left, right)]


_PASS_THROUGH = (
    "SelectQuery", "Project", "Distinct", "Reduced", "Slice", "OrderBy", "Group", "AggregateJoin",
)  # fmt: skip


def alternatives(node: CompValue) -> list[_Alternative]:
    """The conjunctive alternatives of a graph pattern (SPARQL algebra)."""
    name = node.name
    if name in ("GroupGraphPatternSub", "TriplesBlock"):  # an EXISTS group is left untranslated
        return alternatives(translateGroupGraphPattern(node))
    if name == "BGP":
        return [_Alternative(patterns=tuple((s, p, o) for s, p, o in node["triples"]))]
    if name == "Join":
        return _product(alternatives(node["p1"]), alternatives(node["p2"]))
    if name == "LeftJoin":
        left = alternatives(node["p1"])
        return left + _with_scopes(_product(left, alternatives(node["p2"])), node.get("expr"))
    if name == "Union":
        return alternatives(node["p1"]) + alternatives(node["p2"])
    if name == "Minus":
        return [a + _Alternative(scopes=((False, node["p2"]),)) for a in alternatives(node["p1"])]
    if name == "Filter":
        return _with_scopes(alternatives(node["p"]), node["expr"])
    if name == "Extend":
        bind = _Alternative(binds=((node["var"], node["expr"]),))
        return _with_scopes([a + bind for a in alternatives(node["p"])], node["expr"])
    if name == "ToMultiSet" and node.get("p") is not None:  # a sub-select: $this alone inside
        return [_Alternative(scopes=((False, node["p"]),))]
    if name in _PASS_THROUGH:
        return alternatives(node["p"])
    raise _Unbounded(f"the query uses {name}, which is not analysed")


# --------------------------------------------------------------------------------------------
# SPARQL constraints: what each alternative reads, from $this and from constants
# --------------------------------------------------------------------------------------------

Anchor = tuple[Node | None, frozenset[Chain]]  # the root (None: the focus node) and the chains


def _is_variable(term: Node) -> bool:
    return isinstance(term, (Variable, BNode))  # a blank node in a pattern is a variable


def _merge(entries: list[Anchor]) -> Anchor:
    """A variable reached at once by several patterns: all their chains hold together. From
    the focus node if any is, else from one constant (any one of them holds)."""
    focus = [chains for root, chains in entries if root is None]
    if focus:
        return None, frozenset().union(*focus)
    root = min((r for r, _ in entries), key=str)
    return root, frozenset().union(*(c for r, c in entries if r == root))


class _AlternativeWalk:
    """Walk one alternative's patterns out from its anchors, level by level (shortest chains
    first), recording a read for each pattern from the end that is reached first."""

    def __init__(self, shape_path: list[Step], reach: Reach) -> None:
        self.shape_path = shape_path
        self.reach = reach
        self._single: list[tuple[Node | None, frozenset[Chain], Step, Node]] = []

    def _read(self, anchor: Anchor, steps: list[Step], end: Node) -> Anchor:
        root, chains = anchor
        if len(steps) == 1 and not steps[0].repeated:  # its end's chains are added at finish()
            self._single.append((root, chains, steps[0], end))
        else:
            for step in steps:
                self.reach.reads.add(Read(root, chains, step))
                chains = frozenset((*c, step) for c in chains)
            return root, chains
        return root, frozenset((*c, steps[0]) for c in chains)

    @staticmethod
    def _start(s: Node, o: Node, anchors: dict[Node, Anchor]) -> bool | None:
        """Whether to read the pattern from its subject (True) or object (False); None if
        neither is reached yet. From both: the focus node's end, by the shortest chain."""
        ends = [(end, anchors[term]) for end, term in ((True, s), (False, o)) if term in anchors]
        if not ends:
            return None
        return min(ends, key=lambda e: (e[1][0] is not None, min(map(len, e[1][1]))))[0]

    def run(self, patterns: list[Pattern], anchors: dict[Node, Anchor], binds: dict[Variable, Node]) -> None:
        while patterns:
            reached: dict[Node, list[Anchor]] = {}
            for pattern in list(patterns):
                s, p, o = pattern
                forward = self._start(s, o, anchors)
                if forward is None:
                    continue
                steps = sparql_path(p, self.shape_path)
                start, end = (s, o) if forward else (o, s)
                anchor = self._read(anchors[start], steps if forward else list(inverse(tuple(steps))), end)
                patterns.remove(pattern)
                if _is_variable(end) and end not in anchors:
                    reached.setdefault(end, []).append(anchor)
            if not reached:
                return
            for var, entries in reached.items():
                anchors[var] = _merge(entries)
            for alias, source in binds.items():  # BIND (?x AS ?y): ?y is where ?x is
                if source in anchors and alias not in anchors:
                    anchors[alias] = anchors[source]

    def finish(self, anchors: dict[Node, Anchor]) -> None:
        """The one-step reads, each with the chains that reach its other end."""
        for root, chains, step, end in self._single:
            found = anchors.get(end) if _is_variable(end) else None
            ends = found[1] if found is not None and found[0] == root else frozenset()
            ends -= {(*c, step) for c in chains}  # what the read's own chains imply
            self.reach.reads.add(Read(root, chains, step, ends))


def _constant_bindings(alt: _Alternative) -> tuple[dict[Variable, Node], dict[Variable, Node]]:
    """BINDs of one variable to another (aliases) and of a variable to a constant."""
    aliases: dict[Variable, Node] = {}
    constants: dict[Variable, Node] = {}
    for var, expr in alt.binds:
        if isinstance(expr, Variable):
            aliases[var] = expr
        elif isinstance(expr, (URIRef, Literal)):
            constants[var] = expr
    return aliases, constants


def _analyse_alternative(
    alt: _Alternative, inherited: dict[Node, Anchor], shape_path: list[Step], reach: Reach
) -> None:
    # first from the focus node (the enclosing group's variables bound from it included), so
    # that a pattern joined to it is read from it; then what is left, from constants
    anchors = {k: a for k, a in inherited.items() if a[0] is None}
    aliases, constants = _constant_bindings(alt)
    walk = _AlternativeWalk(shape_path, reach)
    pending = list(dict.fromkeys(alt.patterns))
    walk.run(pending, anchors, aliases)
    for var, anchor in inherited.items():
        anchors.setdefault(var, anchor)
    for var, value in constants.items():
        anchors.setdefault(var, (value, frozenset({()})))
    for s, _p, o in pending:  # ?region a rsi:Region reads from rsi:Region
        for term in (s, o):
            if not _is_variable(term):
                anchors[term] = (term, frozenset({()}))
    walk.run(pending, anchors, aliases)
    walk.finish(anchors)
    if pending:
        raise _Unbounded(f"the pattern {pending[0]} joins neither $this nor a constant")
    variables = {k: a for k, a in anchors.items() if _is_variable(k)}
    for inherits, group in alt.scopes:
        outer: dict[Node, Anchor] = variables if inherits else {_THIS: inherited[_THIS]}
        for inner in alternatives(group):
            _analyse_alternative(inner, outer, shape_path, reach)


_PATH_VARIABLE = re.compile(r"([\s{}()])[$?]PATH")  # as pySHACL finds $PATH in the text


def sparql_reach(select: str, prefixes: dict[str, str], shape_path: list[Step]) -> Reach:
    """What a SPARQL constraint's SELECT reads from ``$this`` (pre-bound by pySHACL in every
    group of the query, MINUS and sub-selects too) and from its constants."""
    text = _PATH_VARIABLE.sub(rf"\1{iri(_SHAPE_PATH)}", select)
    try:
        query = prepareQuery(prologue(prefixes.items()) + text)
    except Exception as err:  # rdflib raises many kinds of parser errors; pySHACL would fail too
        raise _Unbounded(f"the query does not parse: {err}") from None
    reach = Reach()
    start: dict[Node, Anchor] = {_THIS: (None, frozenset({()}))}
    for alt in alternatives(query.algebra):
        _analyse_alternative(alt, start, shape_path, reach)
    return reach


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------

_TYPE = Step.of(RDF.type)
_SUPERCLASSES = Step.of(RDFS.subClassOf, repeat="*")
_INSTANCE = [_TYPE, _SUPERCLASSES]  # sh:class and sh:targetClass follow rdfs:subClassOf
_PAIRS = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)  # read from the focus node
_NESTED = (SH.node, SH.property, SH.qualifiedValueShape, SH["not"])  # applied to the value nodes
_LISTS = (SH["and"], SH["or"], SH.xone)
TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
_DEFAULT_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}  # as pySHACL's
_CLASSES = (RDFS.Class, OWL.Class)


class _ShapeAnalysis:
    """Each shape's reach relative to its own focus node, made once per shape."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.shapes = shapes
        self._reaches: dict[Node, Reach] = {}
        self._active: set[Node] = set()
        # parameters of declared constraint components (SHACL 6): their validators read
        # whatever their SPARQL says, which is not analysed
        self._custom = {
            p
            for c in shapes.subjects(RDF.type, SH.ConstraintComponent)
            for param in shapes.objects(c, SH.parameter)
            for p in shapes.objects(param, SH.path)
        }

    def local(self, shape: Node) -> Reach:
        if shape in self._reaches:
            return self._reaches[shape]
        if shape in self._active:
            return Reach(unbounded=[f"{shape} is recursive"])
        self._active.add(shape)
        try:
            reach = self._shape(shape)
        except _Unbounded as err:
            reach = Reach(unbounded=[f"{shape}: {err}"])
        finally:
            self._active.discard(shape)
        self._reaches[shape] = reach
        return reach

    def _shape(self, shape: Node) -> Reach:
        g, reach = self.shapes, Reach()
        if (shape, SH.deactivated, Literal(True)) in g:
            return reach
        if self._custom.intersection(g.predicates(shape)):
            raise _Unbounded("it uses a custom constraint component")
        path = g.value(shape, SH.path)
        path_steps = shacl_path(g, path) if path is not None else []
        values = reach.steps((), path_steps)
        if (shape, SH["class"], None) in g:
            reach.steps(values, _INSTANCE)
        for pair in _PAIRS:
            for other in g.objects(shape, pair):
                if isinstance(other, URIRef):
                    reach.steps((), [Step.of(other)])
        if (shape, SH.closed, Literal(True)) in g:
            reach.steps(values, [Step.of(ANY)])
        for nested in self._nested(shape):
            reach.add(self.local(nested), values)
        for constraint in g.objects(shape, SH.sparql):
            if (constraint, SH.deactivated, Literal(True)) not in g:
                reach.add(self._sparql(constraint, path_steps))
        return reach

    def _nested(self, shape: Node) -> Iterator[Node]:
        g = self.shapes
        for predicate in _NESTED:
            yield from g.objects(shape, predicate)
        for predicate in _LISTS:
            for members in g.objects(shape, predicate):
                yield from Collection(g, members)
        if (shape, SH.qualifiedValueShapesDisjoint, Literal(True)) in g:
            # the sibling shapes' qualified value shapes are checked on the same values
            for parent in g.subjects(SH.property, shape):
                for sibling in g.objects(parent, SH.property):
                    yield from g.objects(sibling, SH.qualifiedValueShape)

    def _sparql(self, constraint: Node, path_steps: list[Step]) -> Reach:
        select = self.shapes.value(constraint, SH.select)
        if select is None:
            raise _Unbounded("a SPARQL constraint without sh:select")
        return sparql_reach(str(select), self._prefixes(constraint), path_steps)

    def _prefixes(self, constraint: Node) -> dict[str, str]:
        prefixes = dict(_DEFAULT_PREFIXES)
        for holder in self.shapes.objects(constraint, SH.prefixes):
            for declaration in self.shapes.objects(holder, SH.declare):
                name = self.shapes.value(declaration, SH.prefix)
                namespace = self.shapes.value(declaration, SH.namespace)
                if name is not None and namespace is not None:
                    prefixes[str(name)] = str(namespace)
        return prefixes


@dataclass(frozen=True)
class RootReach:
    """A shape with targets: its targets, what it reads from each focus node, and what it reads
    from constants (a change there can change its result on every node it targets)."""

    shape: Node
    targets: tuple[tuple[URIRef, Node], ...]
    reads: frozenset[Read]
    free: frozenset[Read]


def _targets(shapes: rdflib.Graph, shape: Node) -> tuple[tuple[URIRef, Node], ...]:
    found = [(kind, value) for kind in TARGETS for value in shapes.objects(shape, kind)]
    if any((shape, RDF.type, c) in shapes for c in _CLASSES):
        found.append((SH.targetClass, shape))  # an implicit class target (SHACL 2.1.3.3)
    return tuple(sorted(found))


def _target_reads(targets: Iterable[tuple[URIRef, Node]]) -> Reach:
    """What makes a node a target: its types, or the property it is subject or object of."""
    reach = Reach()
    for kind, value in targets:
        if kind == SH.targetClass:
            reach.steps((), _INSTANCE)
        elif kind in (SH.targetSubjectsOf, SH.targetObjectsOf) and isinstance(value, URIRef):
            reach.steps((), [Step.of(value, kind == SH.targetSubjectsOf)])
    return reach


def _subsumed(reads: set[Read]) -> set[Read]:
    """The reads without those another one reads all of: the same steps with fewer ends."""
    unconstrained = {(r.root, r.chains, r.step) for r in reads if not r.ends}
    return {r for r in reads if not r.ends or (r.root, r.chains, r.step) not in unconstrained}


class ShapesReach:
    """The reach of every targeted shape of a shapes graph, and an index from predicates to
    the reads a triple with that predicate can be part of."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        analysis = _ShapeAnalysis(shapes)
        self.roots: list[RootReach] = []
        self.unbounded: list[str] = [
            f"{s}: a SPARQL-based target (sh:target) is not analysed"
            for s in shapes.subjects(SH.target, None)
        ]
        candidates = {s for kind in TARGETS for s in shapes.subjects(kind, None)}
        candidates |= {
            s
            for c in _CLASSES
            for s in shapes.subjects(RDF.type, c)
            if (s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes
        }
        for shape in sorted(candidates, key=str):
            targets = _targets(shapes, shape)
            reach = _target_reads(targets)
            reach.add(analysis.local(shape))
            self.unbounded += reach.unbounded
            reads = _subsumed(reach.reads)
            focus = frozenset(r for r in reads if r.root is None)
            self.roots.append(RootReach(shape, targets, focus, frozenset(reads - focus)))
        self._index: dict[URIRef, list[tuple[int, Read, bool]]] = {}
        for i, root in enumerate(self.roots):
            for read in root.reads | root.free:
                for predicate, forward in read.step.atoms:
                    self._index.setdefault(predicate, []).append((i, read, forward))

    def matching(self, predicate: Node) -> list[tuple[int, Read, bool]]:
        """(root index, read, forward?) for each read a triple with ``predicate`` can be in."""
        if not isinstance(predicate, URIRef):
            return []
        return self._index.get(predicate, []) + self._index.get(ANY, [])

    @property
    def focus_reads(self) -> frozenset[Read]:
        return frozenset().union(*(root.reads for root in self.roots))

    @staticmethod
    def of(shapes: rdflib.Graph) -> ShapesReach:
        """The reach of a shapes graph, made on first use and kept for as long as the graph is."""
        return _REACH(shapes)


_REACH = PerShapesGraph(ShapesReach)


__all__ = [
    "ANY",
    "TARGETS",
    "Chain",
    "Reach",
    "Read",
    "RootReach",
    "ShapesReach",
    "Step",
    "inverse",
    "sparql_reach",
]
