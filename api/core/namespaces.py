"""The namespaces rsikg uses, and compact display of terms."""

from __future__ import annotations

import rdflib
from rdflib.term import Node

from .prefixes import PREDECLARED, PREDECLARED_NAMESPACES, PREFIXES, VOCABULARY_PREFIXES
from .sparql_terms import prologue

__all__ = [
    "ID",
    "ORG",
    "PREDECLARED",
    "PREDECLARED_NAMESPACES",
    "PREFIXES",
    "RSI",
    "RSISH",
    "SD",
    "SPARQL_PREFIXES",
    "VOCABULARY_PREFIXES",
    "W3C_FORMATS",
    "angled",
    "compact",
    "display",
]

_DECLARED = dict(PREFIXES)
RSI = rdflib.Namespace(_DECLARED["rsi"])
ID = rdflib.Namespace(_DECLARED["id"])
RSISH = rdflib.Namespace(_DECLARED["rsish"])
ORG = rdflib.Namespace(_DECLARED["org"])
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
"""SPARQL 1.1 Service Description, for the endpoint's description and the dataset's."""
W3C_FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")
"""The W3C's format IRIs, which the format registry's ``w3c`` names are local names of."""

SPARQL_PREFIXES = prologue(PREFIXES)
""":data:`PREFIXES` as a SPARQL prologue, for queries written in code."""


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
