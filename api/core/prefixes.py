"""The prefixes rsikg declares and predeclares, as plain strings, importable without rdflib: a
write's worker is forked for each write and needs :data:`PREDECLARED_NAMESPACES`, and rdflib's
import, which :mod:`rsikg.core.namespaces` brings, took 94 ms of each write (its ``apply`` phase
went from 50-100 ms to 150-300 ms at 700k triples; tests/core/test_worker_imports.py)."""

from __future__ import annotations

PREFIXES: tuple[tuple[str, str], ...] = (
    ("rsi", "https://w3id.org/rsikg/ontology#"),
    ("id", "https://w3id.org/rsikg/id/"),
    ("rsish", "https://w3id.org/rsikg/shapes#"),
    ("org", "http://www.w3.org/ns/org#"),
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
"""Prefixes used when printing, and by the queries rsikg writes itself
(:data:`rsikg.core.namespaces.SPARQL_PREFIXES`)."""

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
