"""What rsikg says about one of its IRIs: the Linked Data description a machine gets and the
page a person reads (issue 15).

:func:`description` is the resource's concise bounded description (its own statements, and
those of the blank nodes they reach), the RDF a client gets from ``/id/{path}`` in Turtle,
JSON-LD, RDF/XML or N-Triples. :func:`resource` is what its HTML page shows: its labels,
types, statements with their values' labels in the page's language, what points to it and its
sources. :func:`suggestions` names the data IRIs closest to one that is not in the graph.

Every query goes through the store's interface (:class:`~rsikg.core.store.base.GraphStore`), so
the pages work over a remote store as over the embedded one; every term comes from the builder.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar, cast

import rdflib
from rdflib.term import Node

from . import periods
from .decisions.compliance import ComplianceMatrix
from .decisions.vocabulary import DECISION_STATUS, DecisionStatus
from .dependencies import DEPENDS_ON, DependencyGraph, Impact, edges_in
from .namespaces import ID, PREFIXES, RSI, SPARQL_PREFIXES, compact
from .sparql_terms import integer, iri, is_iri, literal, values
from .store.base import GraphStore

RDFS_LABEL = rdflib.RDFS.label
SKOS_PREF = rdflib.SKOS.prefLabel
DCT_SOURCE = rdflib.DCTERMS.source
LANGUAGES = ("da", "en")
"""The languages pages come in: Danish first (the sources' language), then English."""
INCOMING_SHOWN = 200
"""Statements pointing at a resource that its page lists (the page says how many there are)."""
ONTOLOGY = str(RSI)
ONTOLOGY_IRI = ONTOLOGY.rstrip("#")


@dataclass(frozen=True)
class Term:
    """A term on a page: what it is, its label in the page's language (if it has one), and
    whether it is a resource of rsikg's own (its IRI then has a page here)."""

    node: Node
    label: str | None = None

    @property
    def is_iri(self) -> bool:
        return isinstance(self.node, rdflib.URIRef)

    @property
    def shown(self) -> str:
        """The label, or the term as a person reads it (``rsi:ITSystem``, ``"tekst"@da``)."""
        if self.label:
            return self.label
        if isinstance(self.node, rdflib.Literal):
            return str(self.node)
        return compact(self.node)

    @property
    def language(self) -> str | None:
        return self.node.language if isinstance(self.node, rdflib.Literal) else None


@dataclass(frozen=True)
class Statement:
    """One statement on a page: the predicate and the other end (the object of an outgoing
    statement, the subject of an incoming one)."""

    predicate: Term
    value: Term


@dataclass(frozen=True)
class Resource:
    """What a resource's page shows."""

    iri: str
    lang: str
    label: str | None
    labels: dict[str, str]
    types: list[Term]
    statements: list[Statement]
    incoming: list[Statement]
    incoming_total: int
    sources: list[Term]
    comments: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.label or compact(rdflib.URIRef(self.iri))


def is_data_iri(value: str) -> bool:
    """Whether ``value`` is one of rsikg's data IRIs (``https://w3id.org/rsikg/id/…``)."""
    return value.startswith(str(ID)) and len(value) > len(str(ID))


def data_iri(path: str) -> str | None:
    """The data IRI of a path under /id/, or None where it makes no IRI the graph could hold."""
    subject = f"{ID}{path}"
    return subject if is_data_iri(subject) and is_iri(subject) else None


def description(store: GraphStore, subject: str) -> rdflib.Graph:
    """The concise bounded description of ``subject``: its statements, and those of the blank
    nodes it reaches (to one level: rsikg's data has no deeper ones); empty when the graph
    says nothing about it."""
    found = store.query(
        f"CONSTRUCT {{ {iri(subject)} ?p ?o . ?o ?q ?v }} WHERE {{ {iri(subject)} ?p ?o "
        "OPTIONAL { FILTER(isBlank(?o)) ?o ?q ?v } }"
    )
    return _with_prefixes(found)


def _with_prefixes(found: object) -> rdflib.Graph:
    """A CONSTRUCT's graph with rsikg's prefixes bound, for readable Turtle."""
    graph = found if isinstance(found, rdflib.Graph) else rdflib.Graph()
    for prefix, namespace in PREFIXES:
        graph.bind(prefix, namespace)
    return graph


def resource(store: GraphStore, subject: str, lang: str) -> Resource | None:
    """What the page of ``subject`` shows, in ``lang``; None when the graph neither says
    anything about it nor points at it."""
    outgoing = store.select(f"SELECT ?p ?o WHERE {{ {iri(subject)} ?p ?o }}").rows
    incoming = store.select(
        f"SELECT ?s ?p WHERE {{ ?s ?p {iri(subject)} FILTER(!isBlank(?s)) }} "
        f"ORDER BY ?p ?s LIMIT {integer(INCOMING_SHOWN)}"
    ).rows
    if not outgoing and not incoming:
        return None
    total = len(incoming)
    if total == INCOMING_SHOWN:
        counted = store.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p {iri(subject)} FILTER(!isBlank(?s)) }}"
        ).rows
        total = int(str(counted[0][0])) if counted and counted[0][0] is not None else total
    terms = {t for row in (*outgoing, *incoming) for t in row if isinstance(t, rdflib.URIRef)}
    labels = _labels(store, terms | {rdflib.URIRef(subject)})

    def term(value: Node | None) -> Term:
        if value is None:  # a pattern's own variables are always bound
            raise ValueError("an unbound term")
        return Term(value, _in(labels.get(value, {}), lang))

    own = labels.get(rdflib.URIRef(subject), {})
    shown = _in_language([(p, o) for p, o in outgoing if p is not None and o is not None], lang)
    statements = sorted(
        (Statement(term(p), term(o)) for p, o in shown if p not in _SHOWN_APART),
        key=lambda s: (s.predicate.shown.lower(), s.value.shown.lower()),
    )
    return Resource(
        iri=subject,
        lang=lang,
        label=_in(own, lang),
        labels=own,
        types=sorted((term(o) for p, o in outgoing if p == rdflib.RDF.type), key=lambda t: t.shown),
        statements=statements,
        incoming=[Statement(term(p), term(s)) for s, p in incoming],
        incoming_total=total,
        sources=[term(o) for p, o in outgoing if p == DCT_SOURCE],
        comments=[str(o) for note in _NOTES for p, o in shown if p == note],
    )


_NOTES = (rdflib.SKOS.definition, rdflib.RDFS.comment)
"""What a page shows under its title, as text, in the page's language."""
_SHOWN_APART = {RDFS_LABEL, SKOS_PREF, rdflib.RDF.type, DCT_SOURCE, *_NOTES}
"""Predicates a page shows in a place of their own, not among the statements."""


def _in_language(statements: list[tuple[Node, Node]], lang: str) -> list[tuple[Node, Node]]:
    """The statements a page in ``lang`` shows: of a predicate with text in several languages,
    the text in ``lang`` (all of it where there is none in ``lang``); everything else."""
    has_lang = {p for p, o in statements if isinstance(o, rdflib.Literal) and o.language == lang}
    return [
        (p, o)
        for p, o in statements
        if p not in has_lang or not isinstance(o, rdflib.Literal) or o.language in (lang, None)
    ]


def _labels(store: GraphStore, terms: Iterable[Node]) -> dict[Node, dict[str, str]]:
    """The labels (skos:prefLabel, else rdfs:label) of ``terms`` by language ('' for none)."""
    listed = sorted(terms, key=str)
    found: dict[Node, dict[str, str]] = {}
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        rows = store.select(
            f"{SPARQL_PREFIXES}SELECT ?x ?kind ?l WHERE {{ {values('x', chunk)} "
            "{ ?x skos:prefLabel ?l BIND(1 AS ?kind) } UNION { ?x rdfs:label ?l BIND(2 AS ?kind) } }"
        ).rows
        for x, _kind, label in sorted(rows, key=lambda r: -int(str(r[1]))):  # prefLabel wins
            if x is None or not isinstance(label, rdflib.Literal):
                continue
            found.setdefault(x, {})[label.language or ""] = str(label)
    return found


def labelled(store: GraphStore, nodes: Iterable[Node], lang: str) -> dict[Node, Term]:
    """Each of ``nodes`` as a page shows it: an IRI with its label in ``lang``, if it has one."""
    listed = list(dict.fromkeys(nodes))
    labels = _labels(store, [n for n in listed if isinstance(n, rdflib.URIRef)])
    return {node: Term(node, _in(labels.get(node, {}), lang)) for node in listed}


def notes(graph: rdflib.Graph, nodes: Iterable[Node], lang: str) -> dict[Node, str]:
    """What ``graph`` says each of ``nodes`` is for, in ``lang`` where it can: sh:description,
    else rdfs:comment, else sh:name (of a shapes graph, say)."""
    found: dict[Node, str] = {}
    for node in nodes:
        for predicate in (rdflib.SH.description, rdflib.RDFS.comment, rdflib.SH.name):
            texts = {
                (o.language or ""): str(o)
                for o in graph.objects(node, predicate)
                if isinstance(o, rdflib.Literal)
            }
            if texts:
                found[node] = _in(texts, lang) or ""
                break
    return found


def _in(labels: dict[str, str], lang: str) -> str | None:
    """The label in ``lang``, else in the other page language, else one without a language."""
    for choice in (lang, *(other for other in LANGUAGES if other != lang), ""):
        if choice in labels:
            return labels[choice]
    return next(iter(labels.values()), None)


def suggestions(store: GraphStore, wanted: str, *, at_most: int = 5) -> list[Term]:
    """The data IRIs nearest to ``wanted`` (a path under ``/id/``), by their path, their local
    name and their labels: the kind of resource first (``system/`` for ``system/fmk``), the
    whole graph when that kind has none (``nokind/fmk`` still finds ``system/fmk``)."""
    kind, _, _ = wanted.partition("/")
    candidates = _named_under(store, f"{ID}{kind}/") if kind and "/" in wanted else []
    if not candidates:
        candidates = _named_under(store, str(ID))
    keys: dict[str, Node] = {}
    for node, label in candidates:
        path = str(node)[len(str(ID)) :].lower()
        for key in (path, path.rsplit("/", 1)[-1], (label or "").lower()):
            if key:
                keys.setdefault(key, node)
    asked = wanted.lower()
    close = difflib.get_close_matches(asked, list(keys), n=at_most * 3, cutoff=0.5)
    close += difflib.get_close_matches(asked.rsplit("/", 1)[-1], list(keys), n=at_most * 3, cutoff=0.6)
    chosen: list[Node] = []
    for key in close:
        if keys[key] not in chosen:
            chosen.append(keys[key])
    labels = dict(candidates)
    return [Term(node, labels.get(node)) for node in chosen[:at_most]]


def _named_under(store: GraphStore, prefix: str) -> list[tuple[Node, str | None]]:
    """The subjects whose IRI starts with ``prefix``, each with a label if it has one."""
    rows = store.select(
        f"{SPARQL_PREFIXES}SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{ ?s a ?type "
        f"FILTER(STRSTARTS(STR(?s), {literal(prefix)})) "
        "OPTIONAL { ?s skos:prefLabel|rdfs:label ?l } } GROUP BY ?s"
    ).rows
    return [(s, None if label is None else str(label)) for s, label in rows if s is not None]


@dataclass(frozen=True)
class Kind:
    """A class of resource on the front page: how many the graph has, and the first of them."""

    type: Term
    count: int
    members: list[Term]


def overview(store: GraphStore, lang: str, *, shown: int = 50) -> list[Kind]:
    """The classes of rsikg's data resources, with how many each has and the first ``shown``
    of them by label: what the front page lists."""
    rows = store.select(
        "SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type "
        f"FILTER(STRSTARTS(STR(?s), {literal(str(ID))})) }} GROUP BY ?type"
    ).rows
    counts = {t: int(str(n)) for t, n in rows if t is not None and n is not None}
    labels = _labels(store, counts)
    kinds = []
    for kind, count in counts.items():
        members = store.select(
            f"SELECT DISTINCT ?s WHERE {{ ?s a {iri(str(kind))} "
            f"FILTER(STRSTARTS(STR(?s), {literal(str(ID))})) }} ORDER BY ?s LIMIT {integer(shown)}"
        ).rows
        nodes = [s for (s,) in members if s is not None]
        named = _labels(store, nodes)
        terms = sorted((Term(n, _in(named.get(n, {}), lang)) for n in nodes), key=lambda t: t.shown.lower())
        kinds.append(Kind(Term(kind, _in(labels.get(kind, {}), lang)), count, terms))
    return sorted(kinds, key=lambda k: k.type.shown.lower())


@dataclass(frozen=True)
class Ontology:
    """What the ontology's page shows: its own description, then its classes and properties,
    each as a resource whose anchor is its local name."""

    header: Resource | None
    classes: list[Resource]
    properties: list[Resource]


_CLASS_KINDS = (rdflib.OWL.Class, rdflib.RDFS.Class)
_PROPERTY_KINDS = (
    rdflib.OWL.ObjectProperty,
    rdflib.OWL.DatatypeProperty,
    rdflib.OWL.AnnotationProperty,
    rdflib.RDF.Property,
)


def _ontology_terms(store: GraphStore) -> tuple[list[str], list[str]]:
    """rsikg's own classes and properties (the ``rsi:`` namespace), sorted."""
    rows = store.select(
        f"SELECT DISTINCT ?s ?kind WHERE {{ {values('kind', [*_CLASS_KINDS, *_PROPERTY_KINDS])} ?s a ?kind "
        f"FILTER(STRSTARTS(STR(?s), {literal(ONTOLOGY)})) }}"
    ).rows
    classes = sorted({str(s) for s, kind in rows if kind in _CLASS_KINDS and s is not None})
    properties = sorted(
        {str(s) for s, kind in rows if kind in _PROPERTY_KINDS and s is not None} - set(classes)
    )
    return classes, properties


def ontology(store: GraphStore, lang: str) -> Ontology:
    """The ontology's page: its header, then each class and property with its statements."""
    classes, properties = _ontology_terms(store)
    return Ontology(
        header=resource(store, ONTOLOGY_IRI, lang),
        classes=[r for r in (resource(store, term, lang) for term in classes) if r is not None],
        properties=[r for r in (resource(store, term, lang) for term in properties) if r is not None],
    )


def ontology_description(store: GraphStore) -> rdflib.Graph:
    """The ontology as RDF: its header and every statement about a term of its namespace."""
    classes, properties = _ontology_terms(store)
    subjects = [rdflib.URIRef(term) for term in (ONTOLOGY_IRI, *classes, *properties)]
    found = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {values('s', subjects)} ?s ?p ?o }}")
    return _with_prefixes(found)


def local_path(subject: str) -> str | None:
    """The path of a data IRI under ``/id/`` (``system/fmk``), or None for another IRI."""
    return subject[len(str(ID)) :] if is_data_iri(subject) else None


def in_languages(labels: dict[str, str]) -> Sequence[tuple[str, str]]:
    """A resource's labels in the page languages, then any other, as (language, label)."""
    ordered = [(lang, labels[lang]) for lang in LANGUAGES if lang in labels]
    return ordered + [(lang, text) for lang, text in sorted(labels.items()) if lang not in LANGUAGES]


# -- the sections a page of a system, a forum, a decision or a region adds (issue 15) --------------

SECTION_CLASSES = {
    "system": RSI.ITSystem,
    "forum": RSI.Forum,
    "decision": RSI.ArchitectureDecision,
    "region": RSI.Region,
}
"""The kinds of resource whose pages have a section of their own, by the class (or a subclass)
the resource is of."""
PICTURE_SIDE = 15
"""Systems a dependency picture draws on each side; the rest are counted ("and 12 more")."""
CHAIN_STEPS = 100
"""How far a page follows a supersession chain each way (a chain is a handful of decisions)."""


def section_kinds(store: GraphStore, subject: str) -> set[str]:
    """Which of the type sections (``system``, ``forum``, ``decision``, ``region``) the page of
    ``subject`` has: those whose class it is of, directly or through a subclass."""
    rows = store.select(
        f"{SPARQL_PREFIXES}SELECT DISTINCT ?top WHERE {{ {values('top', list(SECTION_CLASSES.values()))} "
        f"{iri(subject)} a/rdfs:subClassOf* ?top }}"
    ).rows
    found = {row[0] for row in rows}
    return {kind for kind, cls in SECTION_CLASSES.items() if cls in found}


@dataclass(frozen=True)
class Placed:
    """A node drawn in a picture: the term, and where (pixels from the top left)."""

    term: Term
    x: int
    y: int


@dataclass(frozen=True)
class Column:
    """A column of a three-column picture: its nodes as drawn (at most a side's worth), how
    many there are in all, and how it is drawn. ``kind`` is its nodes' CSS class (and colour);
    a ``boxed`` column's nodes are boxes with the label inside (the centre), the others dots
    with the label beside; a ``linked`` one's nodes are links to their pages."""

    kind: str
    x: int
    nodes: list[Placed]
    total: int
    boxed: bool = False
    linked: bool = True

    @property
    def more(self) -> int:
        return self.total - len(self.nodes)


@dataclass(frozen=True)
class Edge:
    """An arrow between two drawn nodes, from the edge of one's mark to the edge of the
    other's; ``indirect``: it stands for a path through nodes not drawn (a dashed line)."""

    kind: str
    x1: int
    y1: int
    x2: int
    y2: int
    indirect: bool = False


@dataclass(frozen=True)
class Picture:
    """Nodes in three columns (left, centre, right) with arrows from each column to the next,
    laid out for a server-drawn SVG (the ``picture`` macro draws it)."""

    columns: tuple[Column, Column, Column]
    edges: list[Edge]
    width: int
    height: int
    box: int  # half the width of a boxed node

    @property
    def box_height(self) -> int:
        """A boxed node's height: a lone one (a system's own) stands taller than a column's."""
        return 28 if len(self.columns[1].nodes) <= 1 else _ROW - 4

    @property
    def more_y(self) -> int:
        """Where the "and N more" line goes: a row below the longer column."""
        return self.height - _PAD // 2


@dataclass(frozen=True)
class DependencyPicture(Picture):
    """A system with what depends on it (left) and what it depends on (right), one step each
    way along rsi:dependsOn."""

    @property
    def root(self) -> Placed:
        return self.columns[1].nodes[0]

    @property
    def users(self) -> list[Placed]:
        return self.columns[0].nodes

    @property
    def needs(self) -> list[Placed]:
        return self.columns[2].nodes

    @property
    def users_total(self) -> int:
        return self.columns[0].total

    @property
    def needs_total(self) -> int:
        return self.columns[2].total

    @property
    def users_more(self) -> int:
        return self.columns[0].more

    @property
    def needs_more(self) -> int:
        return self.columns[2].more


@dataclass(frozen=True)
class SystemSection:
    """What a system's page adds: its dependency picture and what an outage of it touches: how
    many systems depend on it through rsi:dependsOn at any depth, and the regions and sectors
    that use it or them. ``day``: the day the dependency graph is of (None: every period, as
    stored, for a system that does not exist today)."""

    path: str | None
    picture: DependencyPicture
    dependents: int
    regions: list[Term]
    sectors: list[Term]
    day: date | None


@dataclass(frozen=True)
class Layer:
    """A column to lay out: its kind, the nodes to draw (IRIs, in order, already cut to a
    side's worth), how many there are in all, and how it is drawn (see :class:`Column`)."""

    kind: str
    nodes: list[str]
    total: int
    boxed: bool = False
    linked: bool = True


@dataclass(frozen=True)
class Arrow:
    """An arrow to draw: from ``source`` to ``target``, each (column, IRI)."""

    kind: str
    source: tuple[int, str]
    target: tuple[int, str]
    indirect: bool = False


P = TypeVar("P", bound=Picture)


def _draw(
    cls: type[P], layers: tuple[Layer, Layer, Layer], arrows: Iterable[Arrow], shown: Mapping[Node, Term]
) -> P:
    """``layers`` placed in three columns (each centred on the middle row, as networkx's
    ``multipartite_layout`` centres a layer), with those of ``arrows`` whose both ends are
    drawn (once each, a direct one over an indirect one)."""
    # the layout's node keys say the column: a node may be drawn in two (a cycle)
    layout = _layers([[f"{i} {n}" for n in layer.nodes] for i, layer in enumerate(layers)])
    rows = max(*(len(layer.nodes) for layer in layers), 1)
    more = any(layer.total > len(layer.nodes) for layer in layers)
    middle = _PAD + (rows - 1) * _ROW / 2
    placed: dict[tuple[int, str], Placed] = {}
    for i, layer in enumerate(layers):
        for node in layer.nodes:
            column, row = layout[f"{i} {node}"]
            placed[i, node] = Placed(shown[rdflib.URIRef(node)], _COLUMNS[column], round(middle + row * _ROW))
    columns = cast(
        tuple[Column, Column, Column],
        tuple(
            Column(
                layer.kind,
                _COLUMNS[i],
                [placed[i, n] for n in layer.nodes],
                layer.total,
                layer.boxed,
                layer.linked,
            )
            for i, layer in enumerate(layers)
        ),
    )
    chosen: dict[tuple[tuple[int, str], tuple[int, str]], Arrow] = {}
    for arrow in arrows:
        ends = (arrow.source, arrow.target)
        if arrow.source in placed and arrow.target in placed and (ends not in chosen or not arrow.indirect):
            chosen[ends] = arrow
    edges = []
    for arrow in chosen.values():
        start, end = placed[arrow.source], placed[arrow.target]
        out = _BOX if layers[arrow.source[0]].boxed else 6
        into = _BOX + 2 if layers[arrow.target[0]].boxed else 7  # room for the arrowhead
        edges.append(Edge(arrow.kind, start.x + out, start.y, end.x - into, end.y, arrow.indirect))
    return cls(
        columns=columns,
        edges=edges,
        width=_WIDTH,
        height=round(_PAD * 2 + (rows - 1) * _ROW + (_ROW if more else 0)),
        box=_BOX,
    )


_ROW = 26  # pixels between two nodes in a column
_PAD = 34  # above the first row and below the last (the "and N more" line sits in it)
_WIDTH = 840
_COLUMNS = (250, 420, 590)  # x of the left column's nodes, the centre's boxes, the right column's
_BOX = 90


def _layers(layers: Sequence[Sequence[str]]) -> dict[str, tuple[int, float]]:
    """A multipartite layout (as networkx's ``multipartite_layout``, which needs numpy, not a
    dependency here): each layer a column, its nodes evenly spaced and centred on the middle
    row. Returns node → (column, row), rows counted from the middle."""
    placed: dict[str, tuple[int, float]] = {}
    for column, nodes in enumerate(layers):
        centre = (len(nodes) - 1) / 2
        for index, node in enumerate(nodes):
            placed[node] = (column, index - centre)
    return placed


def _by_label(shown: Mapping[Node, Term], nodes: Iterable[str]) -> list[str]:
    return sorted(nodes, key=lambda n: (shown[rdflib.URIRef(n)].shown.lower(), n))


def dependency_picture(
    store: GraphStore, graph: DependencyGraph, subject: str, lang: str, side: int = PICTURE_SIDE
) -> DependencyPicture:
    """The picture of ``subject`` (a node of ``graph``): what depends on it and what it depends
    on, one step each way along rsi:dependsOn, each side by label and cut at ``side``."""
    relations = (DEPENDS_ON,)
    everything = graph.graph.number_of_nodes() + 1  # no neighbourhood is refused as too big
    users = [
        n
        for n in graph.neighbourhood(subject, direction="up", relations=relations, max_nodes=everything)
        if n != subject
    ]
    needs = [
        n
        for n in graph.neighbourhood(subject, direction="down", relations=relations, max_nodes=everything)
        if n != subject
    ]
    shown = labelled(store, [rdflib.URIRef(n) for n in (subject, *users, *needs)], lang)
    left, right = _by_label(shown, users)[:side], _by_label(shown, needs)[:side]
    return _draw(
        DependencyPicture,
        (
            Layer("dep-up", left, len(users)),
            Layer("dep-root", [subject], 1, boxed=True, linked=False),
            Layer("dep-down", right, len(needs)),
        ),
        [
            *(Arrow("dep-up", (0, n), (1, subject)) for n in left),
            *(Arrow("dep-down", (1, subject), (2, n)) for n in right),
        ],
        shown,
    )


def impact_picture(
    store: GraphStore, systems: Sequence[Node], reach: Impact, lang: str, side: int = PICTURE_SIDE
) -> Picture | None:
    """The picture of a decision's impact: the ``systems`` it affects (centre), what depends on
    them (left, nearest first, then by label), and the regions that use any of them (right),
    each cut at ``side``; None when it affects none. Each dependent has an arrow to the
    affected system its shortest path leads to (dashed when through other systems); each
    region one from each affected system it uses (dashed: it uses only what depends on it)."""
    affected = [str(s) for s in dict.fromkeys(systems) if isinstance(s, rdflib.URIRef)]
    if not affected:
        return None
    dependents = {d.node: d for d in reach.dependents}
    shown = labelled(store, [rdflib.URIRef(n) for n in (*affected, *dependents, *reach.regions)], lang)

    def root(node: str) -> str:
        """The affected system the shortest path from ``node`` leads to."""
        while node in dependents:
            node = dependents[node].via
        return node

    nearest = sorted(
        dependents.values(), key=lambda d: (d.distance, shown[rdflib.URIRef(d.node)].shown.lower(), d.node)
    )
    left = [d.node for d in nearest[:side]]
    centre = _by_label(shown, affected)[:side]
    right = _by_label(shown, reach.regions)[:side]
    arrows = [Arrow("dep-up", (0, n), (1, root(n)), dependents[n].distance > 1) for n in left]
    for region in right:
        for used in reach.regions[region]:
            arrows.append(Arrow("used-by", (1, root(used)), (2, region), used in dependents))
    return _draw(
        Picture,
        (
            Layer("dep-up", left, len(dependents)),
            Layer("affected", centre, len(affected), boxed=True),
            Layer("used-by", right, len(reach.regions)),
        ),
        arrows,
        shown,
    )


def system_section(
    store: GraphStore, graph: DependencyGraph, subject: str, lang: str, day: date | None
) -> SystemSection | None:
    """A system's section, from ``graph`` (the dependency graph as of ``day``); None when the
    graph does not have the system."""
    if subject not in graph.graph:
        return None
    count, users, used_in = graph.impact_summary(subject)
    regions = [rdflib.URIRef(r) for r in users]
    sectors = [rdflib.URIRef(s) for s in used_in]
    shown = labelled(store, [*regions, *sectors], lang)
    return SystemSection(
        path=local_path(subject),
        picture=dependency_picture(store, graph, subject, lang),
        dependents=count,
        regions=sorted((shown[r] for r in regions), key=lambda t: t.shown.lower()),
        sectors=sorted((shown[s] for s in sectors), key=lambda t: t.shown.lower()),
        day=day,
    )


@dataclass(frozen=True)
class Member:
    """A member of a forum: who, in which role (an org:Membership's; None for a plain
    org:hasMember), in which period (the membership's, else the member's own), and whether that
    holds on the page's day (None: the membership is known only for a period, org:memberDuring)."""

    member: Term
    role: Term | None
    start: str | None
    end: str | None
    during: Term | None
    holds: bool | None


@dataclass(frozen=True)
class Mandate:
    """A kind of decision a forum has the mandate for (rsi:mandate), with the reading it rests
    on (rsi:qualifiedMandate) and that reading's wording (rsi:statement) where there is one."""

    kind: Term
    reading: Term | None
    wording: str | None


@dataclass(frozen=True)
class ForumSection:
    members: list[Member]
    mandates: list[Mandate]
    day: date


def _period(rows: Iterable[tuple[Node | None, Node | None]]) -> tuple[str | None, str | None]:
    """The period of stated starts and ends (lexical forms): the earliest start, the latest end
    (a date stated twice at two precisions)."""
    stated = list(rows)
    starts = [str(s) for s, _ in stated if s is not None]
    ends = [str(e) for _, e in stated if e is not None]
    return min(starts, default=None), max(ends, default=None)


def _member_order(member: Member) -> tuple[str, str, str]:
    return (member.member.shown.lower(), member.role.shown.lower() if member.role else "", member.start or "")


def forum_section(store: GraphStore, subject: str, lang: str, day: date) -> ForumSection:
    """A forum's members (each org:Membership whose org:organization it is, and each
    org:hasMember / org:memberOf member with no membership) and its mandates."""
    forum = [rdflib.URIRef(subject)]
    memberships = store.select(
        f"{SPARQL_PREFIXES}SELECT ?m ?member ?role ?start ?end ?during WHERE {{ {values('forum', forum)} "
        "?m org:organization ?forum ; org:member ?member . OPTIONAL { ?m org:role ?role } "
        "OPTIONAL { ?m rsi:startDate ?start } OPTIONAL { ?m rsi:endDate ?end } "
        "OPTIONAL { ?m org:memberDuring ?during } }"
    ).rows
    plain = store.select(
        f"{SPARQL_PREFIXES}SELECT ?member ?start ?end WHERE {{ {values('forum', forum)} "
        "{ ?forum org:hasMember ?member } UNION { ?member org:memberOf ?forum } "
        "OPTIONAL { ?member rsi:startDate ?start } OPTIONAL { ?member rsi:endDate ?end } }"
    ).rows
    grouped: dict[Node, list[tuple[Node | None, ...]]] = {}
    for row in memberships:
        if row[0] is not None:
            grouped.setdefault(row[0], []).append(row)
    seen = {row[1] for rows in grouped.values() for row in rows}
    plain_members: dict[Node, list[tuple[Node | None, Node | None]]] = {}
    for member, began, ended in plain:
        if member is not None and member not in seen:
            plain_members.setdefault(member, []).append((began, ended))
    mandates = store.select(
        f"{SPARQL_PREFIXES}SELECT ?kind ?reading ?wording WHERE {{ {values('forum', forum)} "
        "?forum rsi:mandate ?kind OPTIONAL { ?forum rsi:qualifiedMandate ?reading . "
        "?reading rsi:mandateKind ?kind OPTIONAL { ?reading rsi:statement ?wording } } }"
    ).rows
    nodes = [n for rows in grouped.values() for row in rows for n in (row[1], row[2], row[5])]
    nodes += [*plain_members, *(n for row in mandates for n in row[:2])]
    shown = labelled(store, [n for n in nodes if n is not None], lang)
    members = []
    for rows in grouped.values():
        first = rows[0]
        start, end = _period((row[3], row[4]) for row in rows)
        during = first[5]
        unknown = during is not None and start is None and end is None  # known for a period only
        members.append(
            Member(
                member=shown[first[1]],  # type: ignore[index]  # bound: the pattern's own variable
                role=None if first[2] is None else shown[first[2]],
                start=start,
                end=end,
                during=None if during is None else shown[during],
                holds=None if unknown else periods.holds(start, end, day),
            )
        )
    for member, stated in plain_members.items():
        start, end = _period(stated)
        members.append(Member(shown[member], None, start, end, None, periods.holds(start, end, day)))
    members.sort(key=_member_order)
    by_kind: dict[Node, dict[str, object]] = {}
    for kind, reading, wording in mandates:
        if kind is None:
            continue
        entry = by_kind.setdefault(kind, {"reading": None, "wordings": {}})
        if reading is not None:
            entry["reading"] = reading
        if isinstance(wording, rdflib.Literal):
            entry["wordings"][wording.language or ""] = str(wording)  # type: ignore[index]
    found = [
        Mandate(
            shown[kind],
            None if entry["reading"] is None else shown[entry["reading"]],  # type: ignore[index]
            _in(entry["wordings"], lang),  # type: ignore[arg-type]
        )
        for kind, entry in by_kind.items()
    ]
    return ForumSection(members, sorted(found, key=lambda m: m.kind.shown.lower()), day)


@dataclass(frozen=True)
class ChainLink:
    """A decision in a supersession chain: ``distance`` steps before the page's decision
    (negative: one it supersedes, directly or through others), after it (positive: one that
    supersedes it) or the decision itself (0); with its status and date."""

    decision: Term
    distance: int
    status: Term | None
    date: str | None


@dataclass(frozen=True)
class DecisionSection:
    status: list[Term]
    chain: list[ChainLink]  # empty when the decision neither supersedes nor is superseded


def _superseded_step(store: GraphStore, frontier: list[Node], *, older: bool) -> set[Node]:
    """The decisions one supersession step from ``frontier``: those they supersede (``older``)
    or those that supersede them, by rsi:supersedes or its inverse rsi:supersededBy."""
    if older:
        query = (
            f"{SPARQL_PREFIXES}SELECT DISTINCT ?next WHERE {{ {values('d', frontier)} "
            "{ ?d rsi:supersedes ?next } UNION { ?next rsi:supersededBy ?d } FILTER(isIRI(?next)) }"
        )
    else:
        query = (
            f"{SPARQL_PREFIXES}SELECT DISTINCT ?next WHERE {{ {values('d', frontier)} "
            "{ ?next rsi:supersedes ?d } UNION { ?d rsi:supersededBy ?next } FILTER(isIRI(?next)) }"
        )
    return {row[0] for row in store.select(query).rows if row[0] is not None}


def supersession_chain(store: GraphStore, subject: str) -> dict[Node, int]:
    """Each decision ``subject`` supersedes (negative distance) or is superseded by (positive),
    transitively, breadth first, with ``subject`` itself at 0; a cycle ends where it returns."""
    own = rdflib.URIRef(subject)
    distance: dict[Node, int] = {own: 0}
    for sign, older in ((-1, True), (1, False)):
        frontier: list[Node] = [own]
        for step in range(1, CHAIN_STEPS + 1):
            found = sorted(_superseded_step(store, frontier, older=older) - distance.keys(), key=str)
            if not found:
                break
            distance.update(dict.fromkeys(found, sign * step))
            frontier = found
    return distance


def decision_section(store: GraphStore, subject: str, lang: str) -> DecisionSection:
    """A decision's status and its supersession chain, in order: the earliest it supersedes
    first, the latest that supersedes it last."""
    distance = supersession_chain(store, subject)
    rows = store.select(
        f"{SPARQL_PREFIXES}SELECT ?d ?status ?date WHERE {{ {values('d', list(distance))} "
        "OPTIONAL { ?d rsi:status ?status } OPTIONAL { ?d dct:date ?date } }"
    ).rows
    statuses: dict[Node, Node] = {}
    dates: dict[Node, str] = {}
    own_status: list[Node] = []
    for d, status, day in rows:
        if d is None:
            continue
        if status is not None:
            statuses.setdefault(d, status)
            if d == rdflib.URIRef(subject) and status not in own_status:
                own_status.append(status)
        if day is not None:
            dates[d] = min(dates.get(d, str(day)), str(day))
    shown = labelled(store, [*distance, *statuses.values()], lang)
    chain = [
        ChainLink(shown[d], n, shown[statuses[d]] if d in statuses else None, dates.get(d))
        for d, n in distance.items()
    ]
    chain.sort(key=lambda link: (link.distance, link.date or "", str(link.decision.node)))
    return DecisionSection(
        status=[shown[s] for s in own_status],
        chain=chain if len(chain) > 1 else [],
    )


@dataclass(frozen=True)
class UsedSystem:
    """A system a region uses (rsi:usedBy); ``via``: where the use is handed over to the region
    from regions that merged into it (Overgangsloven § 126), the regions it came from."""

    system: Term
    via: list[Term]


@dataclass(frozen=True)
class RegionStatement:
    """A region's cell in the comply-or-explain matrix for one decision: its state (as the
    matrix says it), the statement and explanation where it made one, and, for a region that
    results from a merger, the regions whose statements it inherits."""

    decision: Term
    state: str
    derived: bool
    explanation: str | None
    statement: Term | None
    inherited_from: list[Term]


@dataclass(frozen=True)
class RegionSection:
    systems: list[UsedSystem]
    statements: list[RegionStatement]
    day: date | None


ACCEPTED = rdflib.URIRef(DECISION_STATUS + DecisionStatus.ACCEPTED.value)


def region_section(
    store: GraphStore,
    graph: DependencyGraph,
    subject: str,
    lang: str,
    day: date | None,
    matrix: ComplianceMatrix,
) -> RegionSection:
    """The systems a region uses, from ``graph`` (the dependency graph as of ``day``), and its
    column of the comply-or-explain ``matrix``: each statement it made or inherits, and each
    accepted decision that applies to it and that it has not answered."""
    used: dict[str, list[str]] = {}
    if subject in graph.graph:
        for system, edges in edges_in(graph.graph, subject):
            data = edges.get("usedBy")
            if data is not None:
                used[system] = str(data.get("via", "")).split() if data.get("derived") else []
    cells = []
    for row in matrix.rows:
        cell = cast("dict[str, dict[str, object]]", row["cells"]).get(subject)
        if cell is None or cell["state"] == "not-applicable":
            continue
        if not cell.get("statement") and not cell.get("derived") and row["status"] != str(ACCEPTED):
            continue  # unanswered, but the decision is no longer (or not yet) in force
        cells.append((rdflib.URIRef(str(row["iri"])), cell))
    nodes: list[Node] = [rdflib.URIRef(n) for n in (*used, *(v for via in used.values() for v in via))]
    for decision, cell in cells:
        nodes.append(decision)
        if cell.get("statement"):
            nodes.append(rdflib.URIRef(str(cell["statement"])))
        inherited = cast("list[dict[str, object]]", cell.get("inheritedFrom") or [])
        nodes += [rdflib.URIRef(str(i["region"])) for i in inherited]
    shown = labelled(store, nodes, lang)
    systems = sorted(
        (
            UsedSystem(shown[rdflib.URIRef(s)], [shown[rdflib.URIRef(v)] for v in via])
            for s, via in used.items()
        ),
        key=lambda u: u.system.shown.lower(),
    )
    statements = [
        RegionStatement(
            decision=shown[decision],
            state=str(cell["state"]),
            derived=bool(cell.get("derived")),
            explanation=None if cell.get("explanation") is None else str(cell["explanation"]),
            statement=shown[rdflib.URIRef(str(cell["statement"]))] if cell.get("statement") else None,
            inherited_from=[
                shown[rdflib.URIRef(str(i["region"]))]
                for i in cast("list[dict[str, object]]", cell.get("inheritedFrom") or [])
            ],
        )
        for decision, cell in cells
    ]
    statements.sort(key=lambda s: s.decision.shown.lower())
    return RegionSection(systems, statements, day)


@dataclass(frozen=True)
class Sections:
    """The type sections of a page: each None where the resource is not of that kind."""

    system: SystemSection | None = None
    forum: ForumSection | None = None
    decision: DecisionSection | None = None
    region: RegionSection | None = None
