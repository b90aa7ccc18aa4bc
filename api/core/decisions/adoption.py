"""Adopting records into the graph with their provenance.

Each adopted record gets a named graph of its own (``…/graph/decisions/<id>`` or
``…/graph/compliance/<id>``, :func:`~records.record_graph`); adopting it again replaces that
graph, and the old version's statements wherever they were (a decision first loaded from a file
can be revised this way). Its provenance accumulates in ``…/graph/provenance/<kind>/<id>`` in
PROV-O: one prov:Entity per version (which record it specialises, when, by whom, from which
input, revising which earlier version), the activity that generated it, and the input itself
with its text and SHA-256. :mod:`catalogue` reads them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import rdflib
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD
from rdflib.term import Node, URIRef

from .. import dependencies
from .. import sparql_terms as sparql
from ..namespaces import ID, RSI, SPARQL_PREFIXES
from ..store import GraphStore
from .dry_run import Check, FocusedShapes, StatusChange, check
from .records import (
    PROVENANCE_BASE,
    Candidate,
    RecordInput,
    provenance_graph,
    record_graph,
    slug,
)

Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Adopted:
    """One record committed: its graph, and the version it now has."""

    record: URIRef
    graph: str
    version: int
    revised: bool

    def as_json(self) -> dict[str, object]:
        return {
            "record": str(self.record),
            "graph": self.graph,
            "version": self.version,
            "revised": self.revised,
            "provenance": provenance_graph(self.record),
        }


def adopt(
    store: GraphStore,
    candidate: Candidate,
    shapes: rdflib.Graph | FocusedShapes,
    agent: str,
    *,
    graph: dependencies.DependencyGraph | None = None,
) -> tuple[Check, list[Adopted] | None]:
    """Check the candidate, then commit it with its provenance. With a Violation nothing is
    written and the second value is None."""
    found = check(store, candidate, shapes, graph=graph)
    if not found.conforms:
        return found, None
    update, adopted = adoption_update(store, found, agent)
    store.update(update)
    return found, adopted


@dataclass(frozen=True)
class _Adoption:
    """What every record adopted in one update shares: when, by whom, from which inputs, and
    the status changes it makes."""

    stamp: rdflib.Literal
    agent: str
    agent_node: URIRef
    inputs: list[RecordInput]
    changed: str

    @staticmethod
    def of(found: Check, agent: str, now: datetime) -> _Adoption:
        ident = re.sub(r"[^A-Za-z0-9._-]+", "-", agent).strip("-").lower() or "unknown"
        changed = ", ".join(f"{c.decision} {slug(c.before)} → {slug(c.after)}" for c in found.changes)
        stamp = rdflib.Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime)
        return _Adoption(stamp, agent, ID[f"agent/{ident}"], found.candidate.inputs, changed)


def adoption_update(
    store: GraphStore, found: Check, agent: str, now: datetime | None = None
) -> tuple[str, list[Adopted]]:
    """The SPARQL Update that adopts a checked candidate, and what it will have adopted."""
    if not found.conforms:
        raise AssertionError("a candidate with Violations is never adopted")
    adoption = _Adoption.of(found, agent, now or datetime.now(UTC))
    operations: list[str] = []
    adopted: list[Adopted] = []
    for record, triples in _own_triples(found.candidate).items():
        graph = record_graph(record)
        earlier = _graphs_holding(store, record)
        previous = _versions(store, record)
        for old in earlier:  # the earlier version's statements, wherever they were
            operations.append(f"DELETE WHERE {{ GRAPH {sparql.iri(old)} {{ {sparql.term(record)} ?p ?o }} }}")
        operations.append(f"DROP SILENT GRAPH {sparql.iri(graph)}")
        operations.append(_insert(graph, triples))
        provenance = _provenance(record, graph, previous, earlier, adoption)
        operations.append(_insert(provenance_graph(record), provenance))
        adopted.append(Adopted(record, graph, previous + 1, bool(earlier) or previous > 0))
    operations += [_status_update(change) for change in found.changes]
    return " ;\n".join(operations), adopted


def _own_triples(candidate: Candidate) -> dict[URIRef, rdflib.Graph]:
    """The candidate's triples by the record they belong to: each record's own, and those of the
    nodes only it points to (the source document the reader made for it)."""
    parts: dict[URIRef, rdflib.Graph] = {r: rdflib.Graph() for r in candidate.records}
    owner: dict[Node, URIRef] = {r: r for r in candidate.records}
    for record in candidate.records:
        for obj in candidate.graph.objects(record, None):
            owner.setdefault(obj, record)
    first = candidate.records[0]
    for triple in candidate.graph:
        parts[owner.get(triple[0], first)].add(triple)
    return parts


def _insert(graph: str, triples: Iterable[Triple]) -> str:
    return f"INSERT DATA {{ GRAPH {sparql.iri(graph)} {{\n{sparql.triples_block(triples)}\n}} }}"


def _versions(store: GraphStore, record: URIRef) -> int:
    result = store.select(
        f"""{SPARQL_PREFIXES}
        SELECT (COUNT(DISTINCT ?version) AS ?n) WHERE {{
            GRAPH {sparql.iri(provenance_graph(record))} {{
                ?version prov:specializationOf {sparql.term(record)}
            }}
        }}"""
    )
    n = result.rows[0][0]
    return int(n) if isinstance(n, rdflib.Literal) else 0


def _graphs_holding(store: GraphStore, record: URIRef) -> list[str]:
    result = store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {sparql.term(record)} ?p ?o }} }}")
    return sorted(str(row[0]) for row in result.rows if not str(row[0]).startswith(PROVENANCE_BASE))


def _provenance(
    record: URIRef, graph: str, previous: int, earlier: list[str], adoption: _Adoption
) -> list[Triple]:
    """The PROV-O of the record's next version: the entity, the activity that generated it,
    the agent, and the input it came from."""
    version = previous + 1
    entity = URIRef(f"{record}/version/{version}")
    activity = URIRef(f"{record}/version/{version}/adoption")
    source = URIRef(f"{record}/version/{version}/input")
    agent, stamp = adoption.agent_node, adoption.stamp
    prov: list[Triple] = [
        (entity, RDF.type, PROV.Entity),
        (entity, PROV.specializationOf, record),
        (entity, DCTERMS.identifier, rdflib.Literal(version)),
        (entity, PROV.generatedAtTime, stamp),
        (entity, PROV.wasGeneratedBy, activity),
        (entity, PROV.wasAttributedTo, agent),
        (entity, PROV.wasDerivedFrom, source),
        (entity, PROV.atLocation, URIRef(graph)),
        (activity, RDF.type, PROV.Activity),
        (activity, RDFS.label, rdflib.Literal(f"Vedtagelse af {slug(record)}, version {version}", lang="da")),
        (activity, RDFS.label, rdflib.Literal(f"Adoption of {slug(record)}, version {version}", lang="en")),
        (activity, PROV.startedAtTime, stamp),
        (activity, PROV.endedAtTime, stamp),
        (activity, PROV.wasAssociatedWith, agent),
        (activity, PROV.used, source),
        (agent, RDF.type, PROV.Agent),
        (agent, RDFS.label, rdflib.Literal(adoption.agent)),
    ]
    if previous:
        prov.append((entity, PROV.wasRevisionOf, URIRef(f"{record}/version/{previous}")))
        prov.append((activity, PROV.used, URIRef(f"{record}/version/{previous}")))
    else:
        for old in earlier:  # first adopted version of a record loaded from a file
            prov.append((entity, PROV.wasRevisionOf, URIRef(old)))
    if adoption.changed:
        prov.append(
            (activity, RDFS.comment, rdflib.Literal(f"Status changed: {adoption.changed}", lang="en"))
        )
    return prov + _input_triples(source, adoption.inputs)


def _input_triples(source: URIRef, inputs: list[RecordInput]) -> list[Triple]:
    """The inputs a version was read from, with their text and its SHA-256."""
    triples: list[Triple] = []
    for item in inputs:
        triples += [
            (source, RDF.type, PROV.Entity),
            (source, DCTERMS.title, rdflib.Literal(item.name)),
            (source, DCTERMS.format, rdflib.Literal(item.media_type)),
            (source, PROV.value, rdflib.Literal(item.text)),
            (source, DCTERMS.identifier, rdflib.Literal(f"sha256:{item.sha256}")),
        ]
    return triples


def _status_update(change: StatusChange) -> str:
    """The update that makes a status change wherever the old status is stated."""
    before = [(change.decision, RSI.status, change.before)]
    after = [(change.decision, RSI.status, change.after)]
    return (
        f"DELETE {{ GRAPH ?g {{ {sparql.triples_block(before)} }} }}\n"
        f"INSERT {{ GRAPH ?g {{ {sparql.triples_block(after)} }} }}\n"
        f"WHERE {{ GRAPH ?g {{ {sparql.triples_block(before)} }} }}"
    )
