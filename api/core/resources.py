"""What rsikg says about one of its IRIs: the Linked Data description a machine gets and the
page a person reads (issue 15).

:func:`description` is the resource's concise bounded description (its own statements, and
those of the blank nodes they reach), the RDF a client gets from ``/id/{path}`` in Turtle,
JSON-LD, RDF/XML or N-Triples. :func:`resource` is what its HTML page shows: its labels,
types, statements with their values' labels in the page's language, what points to it and its
sources. :func:`suggestions` names the data IRIs closest to one that is not in the graph.

Every query goes through the store's interface (:class:`~api.core.store.base.GraphStore`), so
the pages work over a remote store as over the embedded one; every term comes from the builder.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import rdflib
from rdflib.term import Node

from api.core.namespaces import ID, PREFIXES, RSI, SPARQL_PREFIXES, compact
from api.core.sparql_terms import integer, iri, is_iri, literal, values
from api.core.store.base import GraphStore

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
