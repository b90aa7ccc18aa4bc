"""Dry-run a candidate against the graph: the SHACL results that concern it, and its impact.

Nothing is written. The candidate is merged, in memory, with what the rules need to see of the
graph: the *extract*. That is the candidate's own nodes and the nodes it touches (the decisions
it supersedes, the systems it affects), each with its description and its neighbours'
descriptions, plus what the cross-decision rules read: the supersession chains through them,
the other decisions on the same systems, the regions and their periods, the change events that
ended the organisations the candidate names (for "does not exist on the decision's date; its
successor is ..."), the other statements on the same decision and region, and the class
hierarchy. pySHACL validates that small graph against :class:`FocusedShapes`, and the results on
the concerned nodes are kept.

The result is the one validating the whole merged graph would give for the same focus nodes
(tests/decisions compares the two, and :func:`check_full` is the slow reference), at a cost
that does not grow with the graph: the rules look a bounded distance from the candidate, except
along supersession chains, which the extract follows to their ends.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

import rdflib
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node, URIRef

from .. import dependencies
from ..loading import data_extract, data_graphs
from ..namespaces import RSI, SPARQL_PREFIXES, compact
from ..sparql_terms import one_of, term, values
from ..store import GraphStore
from ..validation import PerShapesGraph, ShapesPool, ValidationReport, validate_graph
from .impact import DecisionImpact, assess_impact
from .records import Candidate
from .vocabulary import DECISION_STATUS

ACCEPTED = URIRef(DECISION_STATUS + "accepted")
SUPERSEDED = URIRef(DECISION_STATUS + "superseded")


@dataclass(frozen=True)
class StatusChange:
    """A change the candidate implies for a decision already in the graph."""

    decision: URIRef
    before: URIRef
    after: URIRef

    def as_json(self) -> dict[str, str]:
        return {"decision": str(self.decision), "from": str(self.before), "to": str(self.after)}


@dataclass
class Check:
    """What a dry run found: the report on the concerned nodes, the changes, the impact."""

    candidate: Candidate
    report: ValidationReport
    concerned: list[URIRef]
    revised: list[URIRef]
    changes: list[StatusChange]
    impact: DecisionImpact | None = None

    @property
    def conforms(self) -> bool:
        return self.report.conforms

    def as_json(self) -> dict[str, object]:
        return {
            **self.report.as_json(),
            "records": [str(r) for r in self.candidate.records],
            "revises": [str(r) for r in self.revised],
            "concerns": [str(c) for c in self.concerned],
            "changes": [c.as_json() for c in self.changes],
            "impact": self.impact.as_json() if self.impact else None,
        }


def to_text(found: Check, lang: str = "en") -> str:
    """The dry run for a terminal: the report, the implied changes, the impact."""
    lines = [found.report.to_text(lang)]
    for change in found.changes:
        lines.append(
            f"Change    {compact(change.decision)}: status {compact(change.before)} → {compact(change.after)}"
        )
    if found.impact is not None:
        lines += found.impact.to_lines(lang)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# What the candidate touches
# --------------------------------------------------------------------------------------------


def _existing(store: GraphStore, nodes: set[URIRef], graphs: list[str]) -> set[URIRef]:
    if not nodes:
        return set()
    result = store.select(
        f"SELECT DISTINCT ?s WHERE {{ {values('s', sorted(nodes))} ?s ?p ?o }}", default_graphs=graphs
    )
    return {row[0] for row in result.rows if isinstance(row[0], URIRef)}


def _status_changes(store: GraphStore, candidate: Candidate, graphs: list[str]) -> list[StatusChange]:
    """An accepted candidate supersedes: the accepted decisions it names become superseded."""
    targets = {
        (d, x)
        for d in candidate.decisions
        if (d, RSI.status, ACCEPTED) in candidate.graph
        for x in candidate.graph.objects(d, RSI.supersedes)
        if isinstance(x, URIRef)
    }
    if not targets:
        return []
    in_store = {x for _d, x in targets} - set(candidate.decisions)
    result = store.select(
        f"SELECT ?x WHERE {{ {values('x', sorted(in_store))} ?x {term(RSI.status)} {term(ACCEPTED)} }}",
        default_graphs=graphs,
    )
    accepted = {row[0] for row in result.rows if isinstance(row[0], URIRef)}
    return [StatusChange(x, ACCEPTED, SUPERSEDED) for x in sorted(accepted)]


def concern_set(candidate: Candidate) -> list[URIRef]:
    """The candidate's nodes and what it touches: the focus nodes of the report."""
    touched = {*candidate.named(RSI.supersedes), *candidate.named(RSI.affects)}
    return sorted(candidate.subjects() | touched)


# --------------------------------------------------------------------------------------------
# The extract
# --------------------------------------------------------------------------------------------

_CHAIN = "(rsi:supersedes|^rsi:supersedes|rsi:supersededBy|^rsi:supersededBy)"
_NEIGHBOUR_FACTS = (
    "rdf:type, rsi:mandate, rsi:startDate, rsi:endDate, rsi:status, skos:prefLabel, org:changedBy"
)
"""What the shapes read of a node the concerned nodes point to: its class (sh:class), a forum's
mandate, its period (a system's retirement, an organisation's existence on the decision's date),
a decision's status, and for the messages its label and the change event that ended it."""
_DECISION_LINKS = "rdf:type, rsi:status, rsi:decisionKind, rsi:affects, rsi:supersedes, rsi:supersededBy"


def _extract_query(concerned: list[URIRef], candidate: Candidate, graphs: list[str]) -> str:
    objects = {o for o in candidate.graph.objects() if isinstance(o, URIRef)}
    systems = candidate.named(RSI.affects)
    pairs = [
        (d, r)
        for s in candidate.statements
        for d in candidate.graph.objects(s, RSI.complianceOf)
        for r in candidate.graph.objects(s, RSI.statedBy)
        if isinstance(d, URIRef) and isinstance(r, URIRef)
    ]
    concerned = sorted(set(concerned))
    return f"""{SPARQL_PREFIXES}
CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ {values("s", concerned)} GRAPH ?g {{ ?s ?p ?o }} }}
  UNION {{
    {values("c", concerned)}
    ?c ?link ?s .
    GRAPH ?g {{ ?s ?p ?o }} FILTER (?p IN ({_NEIGHBOUR_FACTS}))
  }}
  UNION {{ {values("s", sorted(objects))} GRAPH ?g {{ ?s ?p ?o }} FILTER (?p IN ({_NEIGHBOUR_FACTS})) }}
  UNION {{
    {values("c", concerned)}
    ?c {_CHAIN}+ ?s .
    GRAPH ?g {{ ?s ?p ?o }} FILTER (?p IN ({_DECISION_LINKS}))
  }}
  UNION {{
    # no group of a VALUES block alone in a UNION: Virtuoso gives such a group no solution
    {{ {values("system", sorted(set(systems)))} ?s rsi:affects ?system }}
    UNION {{ {values("c", concerned)} ?c rsi:affects ?system . ?s rsi:affects ?system }}
    GRAPH ?g {{ ?s ?p ?o }} FILTER (?p IN ({_DECISION_LINKS}))
  }}
  UNION {{
    {values(("decision", "region"), pairs)}
    ?s rsi:complianceOf ?decision ; rsi:statedBy ?region .
    GRAPH ?g {{ ?s ?p ?o }} FILTER (?p IN (rdf:type, rsi:complianceOf, rsi:statedBy))
  }}
  UNION {{
    {{ {values("c", concerned)} ?c ?link ?org . ?org (org:changedBy|^org:originalOrganization) ?event }}
    UNION {{ {values("org", sorted(objects))} ?org (org:changedBy|^org:originalOrganization) ?event }}
    # what rsish:OrganisationExistsOnDecisionDateShape reads of the change event: its originals
    # and its result (whose label names the successor)
    {{ GRAPH ?g {{ ?event ?p ?o }} BIND (?event AS ?s)
       FILTER (?p IN (rdf:type, org:originalOrganization, org:resultingOrganization)) }}
    UNION {{ ?event org:resultingOrganization ?s . GRAPH ?g {{ ?s ?p ?o }} FILTER (?p IN (skos:prefLabel)) }}
  }}
  # each branch names its regions itself: with "?s a rsi:Region" outside a UNION of the two,
  # Oxigraph evaluated "?s ?p ?o" on its own, a scan of the whole store (0.4 s at 700k triples)
  UNION {{ GRAPH ?g {{ ?s a rsi:Region }} BIND (rdf:type AS ?p) BIND (rsi:Region AS ?o) }}
  UNION {{ ?s a rsi:Region . GRAPH ?g {{ ?s ?p ?o }} FILTER (?p IN (rsi:startDate, rsi:endDate)) }}
  UNION {{ GRAPH ?g {{ ?s rdfs:subClassOf ?o }} BIND (rdfs:subClassOf AS ?p) }}
  {one_of("g", [URIRef(g) for g in graphs])}
}}"""


def extract(
    store: GraphStore, candidate: Candidate, concerned: list[URIRef], graphs: list[str]
) -> rdflib.Graph:
    """What the rules read of the data graphs ``graphs`` around the candidate.

    The query walks the union of all the store's graphs and keeps only the triples that sit in
    ``graphs`` (``GRAPH ?g``, then ``?g IN``). Given the data graphs as its default graph instead,
    Oxigraph looked every pattern up in each of them: 37 ms against 10 ms for the same triples,
    on the 700k triples and 21 data graphs of benchmarks/decisions.py. A walk through a shapes
    or inferred triple can only reach more nodes, whose kept triples are data too: the extract
    still lies within the data graphs and holds all that the rules read.
    """
    found = store.query(_extract_query(concerned, candidate, graphs))
    if not isinstance(found, rdflib.Graph):
        raise TypeError("a CONSTRUCT query answers a graph")
    return found


def _merge(
    base: rdflib.Graph, candidate: Candidate, revised: set[URIRef], changes: list[StatusChange]
) -> rdflib.Graph:
    """``base`` with the candidate in place of the records it revises, and the changes made."""
    for subject in revised:
        base.remove((subject, None, None))
    base += candidate.graph
    for change in changes:
        base.remove((change.decision, RSI.status, change.before))
        base.add((change.decision, RSI.status, change.after))
    return base


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def _situation(
    store: GraphStore, candidate: Candidate
) -> tuple[list[str], list[URIRef], set[URIRef], list[StatusChange]]:
    """What both checks start from: the data graphs, the concerned nodes, the records the
    candidate revises and the status changes it implies."""
    graphs = list(data_graphs(store))
    revised = _existing(store, candidate.subjects(), graphs)
    return graphs, concern_set(candidate), revised, _status_changes(store, candidate, graphs)


def check(
    store: GraphStore,
    candidate: Candidate,
    shapes: rdflib.Graph | FocusedShapes,
    *,
    impact: bool = True,
    graph: dependencies.DependencyGraph | None = None,
) -> Check:
    """Validate the candidate against the shapes and the graph, on the extract."""
    graphs, concerned, revised, changes = _situation(store, candidate)
    data = _merge(extract(store, candidate, concerned, graphs), candidate, revised, changes)
    with FocusedShapes.of(shapes).run(data, concerned) as focused:
        report = validate_graph(data, focused).restricted_to(concerned)
    found = Check(candidate, report, concerned, sorted(revised), changes)
    if impact:
        found.impact = assess_impact(store, candidate, graphs, graph)
    return found


def check_full(store: GraphStore, candidate: Candidate, shapes: rdflib.Graph) -> Check:
    """The reference: validate the whole merged graph and keep the results on the concerned
    nodes. Slow on a large graph (minutes at 700k triples); for tests and ``--full``."""
    _graphs, concerned, revised, changes = _situation(store, candidate)
    data = _merge(data_extract(store), candidate, revised, changes)
    report = validate_graph(data, shapes).restricted_to(concerned)
    return Check(candidate, report, concerned, sorted(revised), changes)


_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


def _classes(data: rdflib.Graph, node: Node) -> set[Node]:
    """The node's classes and their superclasses, as sh:targetClass reads them."""
    types = data.objects(node, RDF.type)
    return {c for t in types for c in data.transitive_objects(t, RDFS.subClassOf) if c is not None}


Triple = tuple[Node, Node, Node]


class FocusedShapes:
    """The shapes with their targets replaced, for one run, by ``sh:targetNode`` on the concerned
    nodes each would target in the data: standard SHACL, so only those nodes are validated.

    Not pySHACL's ``focus_nodes`` option: pySHACL 0.40 applies that filter to the value nodes of
    nested shapes too (sh:qualifiedValueShape, sh:node), so a literal checked by a value shape is
    skipped and counted as conforming, and a missing @da or @en label went unreported.

    Each run targets a copy of the untargeted shapes from a :class:`ShapesPool`.
    """

    def __init__(self, shapes: rdflib.Graph) -> None:
        self._targets = [(s, p, o) for p in _TARGETS for s, o in shapes.subject_objects(p)]
        untargeted = rdflib.Graph()
        untargeted += shapes
        for triple in self._targets:
            untargeted.remove(triple)
        self._pool = ShapesPool(untargeted)

    @staticmethod
    def of(shapes: rdflib.Graph | FocusedShapes) -> FocusedShapes:
        """The focused shapes of a shapes graph: made on its first dry run, and kept for as long
        as the graph is (the service reads its shapes once, at start)."""
        return shapes if isinstance(shapes, FocusedShapes) else _FOCUSED(shapes)

    def targeting(self, data: rdflib.Graph, concerned: list[URIRef]) -> list[Triple]:
        """``sh:targetNode`` for each shape and each concerned node it targets in ``data``."""
        # what each target kind asks of a node, read once per node: asking the graph for each
        # target and node took 2 ms of a dry run whose target is 50 ms
        seen: dict[URIRef, dict[Node, set[Node]]] = {
            node: {
                SH.targetClass: _classes(data, node),
                SH.targetSubjectsOf: set(data.predicates(node, None)),
                SH.targetObjectsOf: set(data.predicates(None, node)),
                SH.targetNode: {node},
            }
            for node in concerned
        }
        return sorted(
            {
                (shape, SH.targetNode, node)
                for shape, kind, value in self._targets
                for node in concerned
                if value in seen[node][kind]
            }
        )

    def run(self, data: rdflib.Graph, concerned: list[URIRef]) -> AbstractContextManager[rdflib.Graph]:
        """The shapes targeting the concerned nodes of ``data``, this run's alone."""
        return self._pool.run(self.targeting(data, concerned))


_FOCUSED = PerShapesGraph(FocusedShapes)


__all__ = [
    "Check",
    "FocusedShapes",
    "StatusChange",
    "assess_impact",
    "check",
    "check_full",
    "concern_set",
    "extract",
    "to_text",
]
