"""The namespaces rsikg uses, and compact display of terms."""

from __future__ import annotations

import rdflib
from rdflib.term import Node

from .sparql_terms import prologue

RSI = rdflib.Namespace("https://w3id.org/rsikg/ontology#")
ID = rdflib.Namespace("https://w3id.org/rsikg/id/")
RSISH = rdflib.Namespace("https://w3id.org/rsikg/shapes#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
"""SPARQL 1.1 Service Description, for the endpoint's description and the dataset's."""
W3C_FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")
"""The W3C's format IRIs, which the format registry's ``w3c`` names are local names of."""

PREFIXES: tuple[tuple[str, str], ...] = (
    ("rsi", str(RSI)),
    ("id", str(ID)),
    ("rsish", str(RSISH)),
    ("org", str(ORG)),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("time", "http://www.w3.org/2006/time#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("sh", "http://www.w3.org/ns/shacl#"),
)
"""Prefixes used when printing, and by the queries rsikg writes itself (:data:`SPARQL_PREFIXES`)."""

SPARQL_PREFIXES = prologue(PREFIXES)
"""The prefixes above as a SPARQL prologue, for queries written in code."""

_VOCAB = "https://w3id.org/rsikg/id/vocab/"
VOCABULARY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("sector", f"{_VOCAB}sectors/"),
    ("syskind", f"{_VOCAB}system-kinds/"),
    ("role", f"{_VOCAB}roles/"),
    ("focus", f"{_VOCAB}focus-areas/"),
    ("axis", f"{_VOCAB}focus-axes/"),
    ("pstatus", f"{_VOCAB}project-status/"),
    ("mandate", f"{_VOCAB}decision-kinds/"),
    ("dstatus", f"{_VOCAB}decision-status/"),
    ("cstatus", f"{_VOCAB}compliance-status/"),
)
"""The project's SKOS vocabularies (ontology/vocab/), by the prefixes graph_data/ gives them. Not
in :data:`PREFIXES`, so that displays and serialisations stay as they are (``id:`` names them)."""

PREDECLARED: tuple[tuple[str, str], ...] = PREFIXES + VOCABULARY_PREFIXES
"""The prefixes every SPARQL query and update sent to rsikg may use without declaring them (over
/sparql, ``rsikg query``, the named queries, the editor), as Virtuoso and GraphDB predeclare
theirs; a request's own ``PREFIX`` of the same name wins. The service description lists them."""

PREDECLARED_NAMESPACES: dict[str, str] = dict(PREDECLARED)
""":data:`PREDECLARED` as Oxigraph's ``prefixes=`` takes them (made once: the request path only
passes it)."""


_XSD = "http://www.w3.org/2001/XMLSchema#"
_PLAIN_XSD = {"integer", "decimal", "double", "boolean"}


def angled(iri: str) -> str:
    """An IRI as messages and displays name it, whole, in angle brackets: ``<urn:x>``. For people
    only, never query text: SPARQL gets its IRIs from :func:`rsikg.core.sparql_terms.iri`, which
    refuses what cannot be written.

    >>> angled("https://w3id.org/rsikg/graph/reform-2027")
    '<https://w3id.org/rsikg/graph/reform-2027>'
    """
    return f"<{iri}>"


def compact(term: Node | None) -> str:
    """A term as a person reads it: ``rsi:ITSystem``, ``"tekst"@da``, ``_:b0``."""
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        iri = str(term)
        for prefix, namespace in PREFIXES:
            local = iri[len(namespace) :]
            # For display only: a slash in the local part reads well (id:region/region-sjaelland).
            if iri.startswith(namespace) and local and all(c.isalnum() or c in "-_./" for c in local):
                return f"{prefix}:{local}"
        return angled(iri)
    if isinstance(term, rdflib.Literal):
        if term.language:
            return f'"{term}"@{term.language}'
        if term.datatype is None or str(term.datatype) == _XSD + "string":
            return f'"{term}"'
        if str(term.datatype)[len(_XSD) :] in _PLAIN_XSD:
            return str(term)  # numbers and booleans read best bare, as in Turtle
        return f'"{term}"^^{compact(term.datatype)}'
    return term.n3()


def display(term: Node | None) -> str:
    """A term for a table cell: IRIs compacted, literals as their plain text."""
    if isinstance(term, rdflib.Literal):
        return str(term)
    return compact(term)
