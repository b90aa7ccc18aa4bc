"""The dataset's description of itself, made from the store: VoID (how much, of what, where to
query it and get it whole) and DCAT (a catalogue with the dataset, its distributions and its
SPARQL service), as ``/.well-known/void`` serves it (RFC 5785, VoID §7.2), and the JSON-LD context
made from the ontology.

The counts are the store's as it is: ``void:triples`` is what ``rsikg stats`` counts (the
triples of every named graph), each named graph is a ``void:subset`` with its own count, and each
class a ``void:classPartition`` with its number of resources. The licence is the ontology's own
``dct:license``. Nothing here is a fact about Danish health IT, so none of it has a ``dct:source``.
"""

from __future__ import annotations

import json
from typing import Any

import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD

from .formats import BY_NAME
from .namespaces import ID, PREFIXES, RSI, SD
from .namespaces import W3C_FORMATS as FORMATS
from .resources import ONTOLOGY_IRI
from .sparql_terms import iri, literal, values
from .stats import Stats
from .store import GraphStore

MEDIA = "http://www.iana.org/assignments/media-types/"

DOCUMENT = "/.well-known/void"
"""Where the description is served, under the service's base URL."""
DUMPS = {"trig": "/dump.trig", "nquads": "/dump.nq"}
"""The whole dataset, every named graph kept: format name (of the registry) → path."""

TITLE = {
    "da": "rsikg: regionernes sundheds-it som vidensgraf",
    "en": "rsikg: the knowledge graph of Danish regional health IT",
}
DESCRIPTION = {
    "da": "Aktører, fora, fælles systemer, principper og arkitekturbeslutninger i Regionernes "
    "Sundheds-it (RSI) og sektorerne omkring dem, hvert faktum med sin kilde.",
    "en": "The actors, fora, shared systems, principles and architecture decisions of "
    "Regionernes Sundheds-it (RSI), the Danish regions' shared health IT governance, and the "
    "sectors around them; every fact with its source.",
}
PUBLISHER = {"da": "rsikg-projektet", "en": "The rsikg project"}

PREDICATES = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"
ENTITIES = (
    "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type "
    f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {literal(str(ID))})) }}"
)
"""The typed IRIs under the URI space (every resource the shapes accept has a type): 0.13 s at
690k triples, where every subject under it took 2.3 s, for the same count."""
LICENCE = f"SELECT ?l WHERE {{ {iri(ONTOLOGY_IRI)} {iri(DCTERMS.license)} ?l }} ORDER BY ?l LIMIT 1"
PUBLISHERS = (
    f"SELECT ?who ?name WHERE {{ {iri(ONTOLOGY_IRI)} {iri(DCTERMS.publisher)} ?who "
    f"OPTIONAL {{ ?who {iri(FOAF.name)} ?name }} }} ORDER BY ?who ?name"
)


def _count(store: GraphStore, query: str) -> int:
    rows = store.select(query).rows
    return int(str(rows[0][0])) if rows and rows[0][0] is not None else 0


def _vocabularies(used: set[str]) -> list[str]:
    """The namespaces of :data:`PREFIXES` that some of the ``used`` terms are from."""
    return sorted(ns for _, ns in PREFIXES if ns != str(ID) and any(t.startswith(ns) for t in used))


def _titled(g: rdflib.Graph, node: rdflib.term.Node, texts: dict[str, dict[str, str]]) -> None:
    for predicate, by_language in texts.items():
        for lang, text in by_language.items():
            g.add((node, DCTERMS[predicate], rdflib.Literal(text, lang=lang)))


def _publisher(store: GraphStore, fallback: rdflib.URIRef) -> tuple[rdflib.URIRef, list[rdflib.Literal]]:
    """The ontology's publisher and its names, as the store has them; ``fallback`` with the
    project's names where it has none."""
    named = [(row[0], row[1]) for row in store.select(PUBLISHERS).rows if isinstance(row[0], rdflib.URIRef)]
    if not named:
        return fallback, [rdflib.Literal(name, lang=lang) for lang, name in PUBLISHER.items()]
    who = named[0][0]
    return who, [name for w, name in named if w == who and isinstance(name, rdflib.Literal)]


def _counts(g: rdflib.Graph, dataset: rdflib.URIRef, store: GraphStore, stats: Stats) -> None:
    """VoID's counts, a subset per named graph and a partition per class."""
    predicates = {str(row[0]) for row in store.select(PREDICATES).rows if row[0] is not None}
    for predicate, value in (
        (VOID.triples, stats.quads),
        (VOID.classes, len(stats.by_class)),
        (VOID.properties, len(predicates)),
        (VOID.entities, _count(store, ENTITIES)),
    ):
        g.add((dataset, predicate, rdflib.Literal(value, datatype=XSD.integer)))
    for vocabulary in _vocabularies(predicates | {cls for cls, _ in stats.by_class}):
        g.add((dataset, VOID.vocabulary, rdflib.URIRef(vocabulary)))
    for cls, resources in stats.by_class:
        partition = rdflib.BNode()
        g.add((dataset, VOID.classPartition, partition))
        g.add((partition, VOID["class"], rdflib.URIRef(cls)))
        g.add((partition, VOID.entities, rdflib.Literal(resources, datatype=XSD.integer)))
    for graph, triples in stats.by_graph:
        subset = rdflib.URIRef(graph)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, RDF.type, SD.NamedGraph))
        g.add((subset, SD.name, subset))
        g.add((subset, VOID.triples, rdflib.Literal(triples, datatype=XSD.integer)))


def _distributions(g: rdflib.Graph, here: rdflib.Namespace, base_url: str) -> list[rdflib.URIRef]:
    """The dumps (also VoID's ``void:dataDump``) and the SPARQL endpoint, as distributions."""
    dataset, endpoint = here.dataset, rdflib.URIRef(f"{base_url}/sparql")
    made = []
    for name, path in DUMPS.items():
        media, w3c = BY_NAME[name].media_type, BY_NAME[name].w3c
        dump, distribution = rdflib.URIRef(f"{base_url}{path}"), here[f"dump-{name}"]
        g.add((dataset, VOID.dataDump, dump))
        g.add((distribution, DCTERMS.title, rdflib.Literal(f"The whole dataset, as {w3c}", lang="en")))
        g.add((distribution, DCAT.accessURL, dump))
        g.add((distribution, DCAT.downloadURL, dump))
        g.add((distribution, DCAT.mediaType, rdflib.URIRef(f"{MEDIA}{media}")))
        g.add((distribution, DCTERMS["format"], FORMATS[w3c]))
        made.append(distribution)
    queried = here["sparql-endpoint"]
    g.add((queried, DCTERMS.title, rdflib.Literal("Queried over SPARQL 1.1", lang="en")))
    g.add((queried, DCAT.accessURL, endpoint))
    g.add((queried, DCAT.accessService, here.sparql))
    for distribution in (*made, queried):
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
    return [*made, queried]


def _ranges_stated(g: rdflib.Graph) -> None:
    """What DCAT and DCTERMS give as their properties' ranges, stated: DCAT-AP's shapes check
    them without inference."""
    for url in {*g.objects(None, DCAT.accessURL), *g.objects(None, DCAT.downloadURL)}:
        g.add((url, RDF.type, RDFS.Resource))
    for url in {*g.objects(None, DCAT.endpointURL), *g.objects(None, DCAT.endpointDescription)}:
        g.add((url, RDF.type, RDFS.Resource))
    for media in set(g.objects(None, DCAT.mediaType)):
        g.add((media, RDF.type, DCTERMS.MediaType))
    for fmt in set(g.objects(None, DCTERMS["format"])):
        g.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
    for standard in set(g.objects(None, DCTERMS.conformsTo)):
        g.add((standard, RDF.type, DCTERMS.Standard))
    for licence in set(g.objects(None, DCTERMS.license)):
        g.add((licence, RDF.type, DCTERMS.LicenseDocument))


def describe(store: GraphStore, stats: Stats, base_url: str) -> rdflib.Graph:
    """VoID and DCAT for the dataset served at ``base_url``, with ``stats`` (the store's
    :func:`~rsikg.core.stats.store_stats`) and a few counts of its own."""
    here = rdflib.Namespace(f"{base_url}{DOCUMENT}#")
    dataset, catalog, service = here.dataset, here.catalog, here.sparql
    endpoint = rdflib.URIRef(f"{base_url}/sparql")
    g = rdflib.Graph()
    for name, namespace in (("void", VOID), ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("sd", SD)):
        g.bind(name, namespace)
    g.bind("formats", FORMATS)
    publisher, names = _publisher(store, here.publisher)
    g.add((publisher, RDF.type, FOAF.Agent))
    for name in names:
        g.add((publisher, FOAF.name, name))

    g.add((catalog, RDF.type, DCAT.Catalog))
    _titled(g, catalog, {"title": TITLE, "description": DESCRIPTION})
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, DCAT.dataset, dataset))
    g.add((catalog, DCAT.service, service))

    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    _titled(g, dataset, {"title": TITLE, "description": DESCRIPTION})
    g.add((dataset, DCTERMS.publisher, publisher))
    g.add((dataset, FOAF.homepage, rdflib.URIRef(f"{base_url}/")))
    g.add((dataset, VOID.sparqlEndpoint, endpoint))
    g.add((dataset, VOID.uriSpace, rdflib.Literal(str(ID))))
    _counts(g, dataset, store, stats)

    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, RDF.type, SD.Service))
    g.add((service, DCTERMS.title, rdflib.Literal("SPARQL 1.1", lang="en")))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.endpointDescription, endpoint))
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, DCTERMS.conformsTo, rdflib.URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((service, SD.endpoint, endpoint))
    distributions = _distributions(g, here, base_url)

    rows = store.select(LICENCE).rows
    if rows and rows[0][0] is not None:  # the ontology's licence
        for node in (catalog, dataset, service, *distributions):
            g.add((node, DCTERMS.license, rows[0][0]))
    _ranges_stated(g)
    return g


# -- the JSON-LD context ---------------------------------------------------------------------------

TERMS = f"""
SELECT ?term ?kind ?range WHERE {{
  ?term a ?kind .
  {values("kind", [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty])}
  OPTIONAL {{ ?term {iri(RDFS.range)} ?range FILTER(isIRI(?range)) }}
  FILTER(isIRI(?term) && STRSTARTS(STR(?term), {literal(str(RSI))}))
}} ORDER BY ?term ?range
"""


def context(store: GraphStore) -> dict[str, Any]:
    """A JSON-LD context for the ontology: the usual prefixes, and each term of ``rsi:`` by its
    local name (object properties typed ``@id``, datatype properties by their range when it is
    one XSD datatype)."""
    terms: dict[str, Any] = {prefix: namespace for prefix, namespace in PREFIXES}
    kinds: dict[str, set[str]] = {}
    ranges: dict[str, set[str]] = {}
    for row in store.select(TERMS).rows:
        kinds.setdefault(str(row[0]), set()).add(str(row[1]))
        if row[2] is not None:
            ranges.setdefault(str(row[0]), set()).add(str(row[2]))
    for iri_text, found in sorted(kinds.items()):
        name = iri_text[len(str(RSI)) :]
        if not name or name in terms:
            continue
        found_ranges = ranges.get(iri_text, set())
        datatype = next(iter(found_ranges)) if len(found_ranges) == 1 else ""
        if str(OWL.ObjectProperty) in found:
            terms[name] = {"@id": iri_text, "@type": "@id"}
        elif str(OWL.DatatypeProperty) in found and datatype.startswith(str(XSD)):
            terms[name] = {"@id": iri_text, "@type": datatype}
        else:
            terms[name] = iri_text
    return {"@context": terms}


CONTEXT_PATH = "/context.jsonld"
"""Where the context is served, under the service's base URL."""


def compact_json_ld(graph: rdflib.Graph, made: dict[str, Any], context_url: str) -> bytes:
    """``graph`` as JSON-LD compacted with the context ``made`` (:func:`context`), which the
    document names by its URL rather than repeating it."""
    text = graph.serialize(format="json-ld", context=made["@context"], auto_compact=True)
    document = json.loads(text)
    document["@context"] = context_url
    return json.dumps(document, ensure_ascii=False, indent=2).encode()
