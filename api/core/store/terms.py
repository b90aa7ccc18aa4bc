"""The one term codec: pyoxigraph terms ↔ rdflib terms, and both ↔ the SPARQL 1.1 JSON form
(``{"type": "uri", "value": ...}``) that carries terms between processes and into results.

rdflib terms are what the rest of rsikg sees (:mod:`.base`); pyoxigraph terms are what the
store holds; the JSON form is how a query's bindings reach a worker process and how a capped
SELECT answer is written (:mod:`.results`). A plain-string form, an IRI's text or a literal's
lexical form, is read in bulk by :meth:`.OxigraphStore.select_values` from Oxigraph's own CSV,
which is faster than converting term by term.

Imported by a worker only to answer a query (where :mod:`rsikg.core.namespaces` has loaded rdflib
already), never by one that only parses: that one keeps to :mod:`.parsing`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from ...errors import InputError, Location
from .base import QueryResult, SelectResult

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
Substitutions = dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
"""What pyoxigraph's ``query(substitutions=...)`` takes (a triple term too, which rsikg never binds)."""
JsonTerm = dict[str, str]
"""A term in the SPARQL 1.1 Query Results JSON form."""


class UnsupportedTermError(ValueError):
    """An RDF-star triple term, which rsikg does not write in SPARQL results."""


def to_rdflib(term: object, normalize: bool | None = None) -> Node:
    """A pyoxigraph term as an rdflib term. ``normalize=False`` keeps a literal's lexical form
    exactly as stored (rdflib would spell "01"^^xsd:integer as "1"); None: rdflib's default.
    A literal's base direction (RDF 1.2) has no rdflib form and is dropped."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language, normalize=normalize)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return rdflib.Literal(term.value, normalize=normalize)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype), normalize=normalize)
    raise InputError(f"RDF-star triple terms are not supported here: {term}")


def answer(result: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]) -> QueryResult:
    """A pyoxigraph answer as the interface gives it: an ASK's bool, a SELECT's solutions as
    rdflib terms, a CONSTRUCT's or DESCRIBE's triples as an rdflib graph."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [tuple(None if s[v] is None else to_rdflib(s[v]) for v in variables) for s in result]
        return SelectResult(variables, rows)
    graph = rdflib.Graph()
    for t in result:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def selected(result: QueryResult) -> SelectResult:
    """``result`` if it is a SELECT's solutions; an InputError else (``select`` was given
    another form of query)."""
    if not isinstance(result, SelectResult):
        raise InputError("select takes a SELECT query", Location(field="query"))
    return result


def csv_values(text: str) -> list[tuple[str | None, ...]]:
    """The rows of a SPARQL CSV answer as plain strings (None for unbound and for "")."""
    rows = csv.reader(io.StringIO(text, newline=""))
    next(rows, None)  # the header
    return [tuple(value or None for value in row) for row in rows]


def to_json(term: Node) -> JsonTerm:
    """An rdflib term in the SPARQL JSON form (a binding on its way to a worker)."""
    if isinstance(term, rdflib.URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, rdflib.BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, rdflib.Literal):
        if term.language:
            return {"type": "literal", "value": str(term), "xml:lang": term.language}
        if term.datatype is not None and str(term.datatype) != RDF_LANG_STRING:
            return {"type": "literal", "value": str(term), "datatype": str(term.datatype)}
        return {"type": "literal", "value": str(term)}
    raise InputError(f"cannot use {term!r} as an RDF term")


def from_json(spec: Mapping[str, str]) -> OxTerm:
    """A term in the SPARQL JSON form as a pyoxigraph term."""
    kind = spec["type"]
    if kind == "uri":
        return ox.NamedNode(spec["value"])
    if kind == "bnode":
        return ox.BlankNode(spec["value"])
    if "xml:lang" in spec:
        return ox.Literal(spec["value"], language=spec["xml:lang"])
    if "datatype" in spec:
        return ox.Literal(spec["value"], datatype=ox.NamedNode(spec["datatype"]))
    return ox.Literal(spec["value"])


def to_ox(term: Node) -> OxTerm:
    """An rdflib term as a pyoxigraph term (a binding used in this process)."""
    return from_json(to_json(term))


def ox_json(term: object) -> JsonTerm:
    """A pyoxigraph term in the SPARQL JSON form (a cell of a SELECT answer)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        if term.datatype.value == XSD_STRING:
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    raise UnsupportedTermError(f"cannot write {term!r} in SPARQL results")


def substitutions(bindings: Mapping[str, Node] | None) -> Substitutions | None:
    """Query bindings as pyoxigraph substitutions (SEP-0007), None for none."""
    if not bindings:
        return None
    return {ox.Variable(name): to_ox(value) for name, value in bindings.items()}


def json_substitutions(bindings: Mapping[str, Mapping[str, str]]) -> Substitutions:
    """Bindings that came from another process in the SPARQL JSON form, as substitutions."""
    return {ox.Variable(name): from_json(spec) for name, spec in bindings.items()}


def nquads_terms(lines: Sequence[str]) -> list[tuple[Node, Node, Node, Node | None]]:
    """N-Quads lines as rdflib quads (None for the default graph), blank-node labels kept, read
    by Oxigraph: rdflib's N-Quads parser takes time quadratic in a literal's length (15 s for
    one of 1.6 MB, measured), and a write's diff is read on every write."""
    if not lines:
        return []
    quads = ox.parse("\n".join(lines), format=ox.RdfFormat.N_QUADS)
    return [
        (
            to_rdflib(q.subject),
            to_rdflib(q.predicate),
            to_rdflib(q.object),
            None if isinstance(q.graph_name, ox.DefaultGraph) else to_rdflib(q.graph_name),
        )
        for q in quads
    ]
