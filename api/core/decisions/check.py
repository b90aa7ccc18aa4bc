"""Dry-run a candidate against the graph: the SHACL results that concern it, and its impact.

Nothing is written. The candidate is merged, in memory, with what the rules need to see of the
graph: the *extract*. That is the candidate's own nodes and the nodes it touches (the decisions
it supersedes, the systems it affects), each with its description and its neighbours'
descriptions, plus what the cross-decision rules read: the supersession chains through them,
the other decisions on the same systems, the regions and their periods, the change events that
ended the organisations the candidate names (for "does not exist on the decision's date; its
successor is ..."), the other statements on the same decision and region, and the class
hierarchy. pySHACL validates that small graph, and the results on the concerned nodes are kept.

The result is the one validating the whole merged graph would give for the same focus nodes
(tests/decisions compares the two, and :func:`check_full` is the slow reference), at a cost
that does not grow with the graph: the rules look a bounded distance from the candidate, except
along supersession chains, which the extract follows to their ends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node, URIRef

from api.core import dependencies
from api.core.decisions.records import DECISION_STATUS, Candidate
from api.core.loading import data_extract, data_graphs
from api.core.namespaces import RSI, SPARQL_PREFIXES, compact
from api.core.sparql_terms import term, values
from api.core.store import GraphStore
from api.core.validation import ValidationReport, validate_graph

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
    impact: Impact | None = None

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


# --------------------------------------------------------------------------------------------
# What the candidate touches
# --------------------------------------------------------------------------------------------


def _iri_objects(graph: rdflib.Graph, predicate: URIRef, subjects: list[URIRef]) -> list[URIRef]:
    found = {o for s in subjects for o in graph.objects(s, predicate) if isinstance(o, URIRef)}
    return sorted(found)


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
    decisions = candidate.decisions
    touched = {
        *_iri_objects(candidate.graph, RSI.supersedes, decisions),
        *_iri_objects(candidate.graph, RSI.affects, decisions),
    }
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


def _extract_query(concerned: list[URIRef], candidate: Candidate) -> str:
    objects = {o for o in candidate.graph.objects() if isinstance(o, URIRef)}
    systems = _iri_objects(candidate.graph, RSI.affects, candidate.decisions)
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
  {{ {values("s", concerned)} ?s ?p ?o }}
  UNION {{
    {values("c", concerned)}
    ?c ?link ?s .
    ?s ?p ?o . FILTER (?p IN ({_NEIGHBOUR_FACTS}))
  }}
  UNION {{ {values("s", sorted(objects))} ?s ?p ?o . FILTER (?p IN ({_NEIGHBOUR_FACTS})) }}
  UNION {{
    {values("c", concerned)}
    ?c {_CHAIN}+ ?s .
    ?s ?p ?o . FILTER (?p IN ({_DECISION_LINKS}))
  }}
  UNION {{
    {{ {values("system", sorted(set(systems)))} }}
    UNION {{ {values("c", concerned)} ?c rsi:affects ?system }}
    ?s rsi:affects ?system .
    ?s ?p ?o . FILTER (?p IN ({_DECISION_LINKS}))
  }}
  UNION {{
    {values(("decision", "region"), pairs)}
    ?s rsi:complianceOf ?decision ; rsi:statedBy ?region .
    ?s ?p ?o . FILTER (?p IN (rdf:type, rsi:complianceOf, rsi:statedBy))
  }}
  UNION {{
    {{ {values("c", concerned)} ?c ?link ?org }} UNION {{ {values("org", sorted(objects))} }}
    {{ ?org org:changedBy ?event }} UNION {{ ?event org:originalOrganization ?org }}
    # what rsish:OrganisationExistsOnDecisionDateShape reads of the change event: its originals
    # and its result (whose label names the successor)
    {{ ?event ?p ?o . BIND (?event AS ?s)
       FILTER (?p IN (rdf:type, org:originalOrganization, org:resultingOrganization)) }}
    UNION {{ ?event org:resultingOrganization ?s . ?s ?p ?o . FILTER (?p IN (skos:prefLabel)) }}
  }}
  UNION {{
    ?s a rsi:Region .
    {{ BIND (rdf:type AS ?p) BIND (rsi:Region AS ?o) }}
    UNION {{ ?s ?p ?o . FILTER (?p IN (rsi:startDate, rsi:endDate)) }}
  }}
  UNION {{ ?s rdfs:subClassOf ?o . BIND (rdfs:subClassOf AS ?p) }}
}}"""


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
    shapes: rdflib.Graph,
    *,
    impact: bool = True,
    graph: dependencies.DependencyGraph | None = None,
) -> Check:
    """Validate the candidate against the shapes and the graph, on the extract."""
    graphs, concerned, revised, changes = _situation(store, candidate)
    extract = store.query(_extract_query(concerned, candidate), default_graphs=graphs)
    assert isinstance(extract, rdflib.Graph)
    data = _merge(extract, candidate, revised, changes)
    report = _validate(data, shapes, concerned)
    found = Check(candidate, report, concerned, sorted(revised), changes)
    if impact:
        found.impact = assess_impact(store, candidate, graphs, graph)
    return found


def check_full(store: GraphStore, candidate: Candidate, shapes: rdflib.Graph) -> Check:
    """The reference: validate the whole merged graph and keep the results on the concerned
    nodes. Slow on a large graph (minutes at 700k triples); for tests and ``--full``."""
    _graphs, concerned, revised, changes = _situation(store, candidate)
    data = _merge(data_extract(store), candidate, revised, changes)
    report = _validate(data, shapes, concerned, focused=False)
    return Check(candidate, report, concerned, sorted(revised), changes)


_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


class _FocusedShapes:
    """The shapes with their targets replaced, for one run, by ``sh:targetNode`` on the concerned
    nodes each would target in the data: standard SHACL, so only those nodes are validated.

    Not pySHACL's ``focus_nodes`` option: pySHACL 0.40 applies that filter to the value nodes of
    nested shapes too (sh:qualifiedValueShape, sh:node), so a literal checked by a value shape is
    skipped and counted as conforming, and a missing @da or @en label went unreported.
    """

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.graph = rdflib.Graph()
        self.graph += shapes
        self.targets = [(s, p, o) for p in _TARGETS for s, o in shapes.subject_objects(p)]
        for triple in self.targets:
            self.graph.remove(triple)
        self.lock = threading.Lock()  # the graph is changed for each run

    def targeting(self, data: rdflib.Graph, concerned: list[URIRef]) -> list[tuple[Node, Node, Node]]:
        classes = {
            node: {
                c for t in data.objects(node, RDF.type) for c in data.transitive_objects(t, RDFS.subClassOf)
            }
            for node in concerned
        }
        chosen = set()
        for shape, kind, value in self.targets:
            for node in concerned:
                if (
                    (kind == SH.targetClass and value in classes[node])
                    or (kind == SH.targetSubjectsOf and (node, value, None) in data)
                    or (kind == SH.targetObjectsOf and (None, value, node) in data)
                    or (kind == SH.targetNode and value == node)
                ):
                    chosen.add((shape, SH.targetNode, node))
        return sorted(chosen)


_FOCUSED: dict[int, tuple[rdflib.Graph, _FocusedShapes]] = {}


def _focused(shapes: rdflib.Graph) -> _FocusedShapes:
    entry = _FOCUSED.get(id(shapes))
    if entry is None or entry[0] is not shapes:
        entry = _FOCUSED[id(shapes)] = (shapes, _FocusedShapes(shapes))
    return entry[1]


def _validate(
    data: rdflib.Graph, shapes: rdflib.Graph, concerned: list[URIRef], *, focused: bool = True
) -> ValidationReport:
    """The results on the concerned nodes: validated alone (``focused``) or with the whole
    data graph, the results on other nodes then dropped."""
    if not focused:
        return validate_graph(data, shapes).restricted_to(concerned)
    focus = _focused(shapes)
    with focus.lock:
        targets = focus.targeting(data, concerned)
        for triple in targets:
            focus.graph.add(triple)
        try:
            return validate_graph(data, focus.graph).restricted_to(concerned)
        finally:
            for triple in targets:
                focus.graph.remove(triple)


def to_text(found: Check, lang: str = "en") -> str:
    """The dry run for a terminal: the report, the implied changes, the impact."""
    lines = [found.report.to_text(lang)]
    for change in found.changes:
        lines.append(
            f"Change    {compact(change.decision)}: status {compact(change.before)} → {compact(change.after)}"
        )
    impact = found.impact
    if impact is not None:

        def name(node: object) -> str:
            label = impact.label(str(node), lang)
            return label if label != str(node) else compact(URIRef(str(node)))

        reach = impact.reach
        lines.append("Impact")
        lines.append(f"  affects:     {', '.join(name(s) for s in impact.systems) or '(no systems)'}")
        if reach.dependents:
            lines.append(f"  depended on by {len(reach.dependents)} system(s):")
            for d in reach.dependents[:20]:
                route = " → ".join(name(p) for p in d.path) if d.path else f"via {name(d.via)}"
                lines.append(f"    {name(d.node)} (distance {d.distance}: {route})")
            if len(reach.dependents) > 20:
                lines.append(f"    … and {len(reach.dependents) - 20} more (--format json lists all)")
        lines.append(f"  used by:     {', '.join(name(r) for r in reach.regions) or '(no regions recorded)'}")
        sectors = ", ".join(name(s) for s in reach.sectors) or "(none recorded)"
        lines.append(f"  sectors:     {sectors}")
        if impact.comply_or_explain:
            lines.append("  comply or explain:")
            for row in impact.comply_or_explain:
                state = compact(URIRef(str(row["status"]))) if row["status"] else "no statement yet"
                lines.append(f"    {name(row['region'])}: {state}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Impact
# --------------------------------------------------------------------------------------------


MAX_PATH_ENTRIES = 200_000
"""Full paths are listed while their lengths add up to no more than this; beyond, each dependent
keeps only ``via``, the next step of its path (deep chains would give gigabytes otherwise)."""


@dataclass
class Impact:
    """Who and what the candidate touches: the dependency graph's impact of the systems it
    affects, and the regions that must comply or explain."""

    systems: list[URIRef]
    reach: dependencies.Impact
    comply_or_explain: list[dict[str, str | None]]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # for nodes outside the graph

    def label(self, node: str, lang: str = "da") -> str:
        data = self.reach.source.graph.nodes.get(node) or {}
        own = self.labels.get(node, {})
        return str(data.get(f"label_{lang}") or data.get("label") or own.get(lang) or own.get("da") or node)

    def _node(self, node: str) -> dict[str, object]:
        return {"iri": node, "label": {lang: self.label(node, lang) for lang in ("da", "en")}}

    def as_json(self) -> dict[str, object]:
        reach = self.reach.as_json()
        return {
            "systems": [self._node(str(s)) for s in self.systems],
            "dependents": reach["dependents"],
            "pathsOmitted": reach["pathsOmitted"],
            "regions": reach["regions"],
            "sectors": reach["sectors"],
            "complyOrExplain": [
                {**row, "label": self.label(str(row["region"]))} for row in self.comply_or_explain
            ],
        }


def _select(store: GraphStore, query: str, graphs: list[str]) -> list[dict[str, Node]]:
    return store.select(SPARQL_PREFIXES + query, default_graphs=graphs).dicts()


def assess_impact(
    store: GraphStore,
    candidate: Candidate,
    graphs: list[str],
    graph: dependencies.DependencyGraph | None = None,
) -> Impact:
    """The candidate's impact, on ``graph`` (the server's cached dependency graph), or on one
    built now from the store."""
    systems = _iri_objects(candidate.graph, RSI.affects, candidate.decisions)
    graph = graph if graph is not None else dependencies.build(store)
    impact = Impact(
        systems, graph.impact_of([str(s) for s in systems]), _comply_or_explain(store, candidate, graphs)
    )
    outside = {
        str(row["region"]) for row in impact.comply_or_explain if str(row["region"]) not in graph.graph
    }
    impact.labels = _labels(store, {URIRef(n) for n in outside}, graphs)
    return impact


def _comply_or_explain(
    store: GraphStore, candidate: Candidate, graphs: list[str]
) -> list[dict[str, str | None]]:
    """Each region a candidate decision applies to, with its statement if it has made one."""
    statements: dict[tuple[str, str], tuple[str, str]] = {}
    if candidate.decisions:
        rows = _select(
            store,
            f"""SELECT ?decision ?region ?statement ?status WHERE {{
                {values("decision", sorted(set(candidate.decisions)))}
                ?statement rsi:complianceOf ?decision ; rsi:statedBy ?region ;
                           rsi:complianceStatus ?status .
            }}""",
            graphs,
        )
        statements = {
            (str(r["decision"]), str(r["region"])): (str(r["statement"]), str(r["status"])) for r in rows
        }
    out: list[dict[str, str | None]] = []
    for decision in candidate.decisions:
        for region in sorted(candidate.graph.objects(decision, RSI.appliesTo), key=str):
            statement, status = statements.get((str(decision), str(region)), (None, None))
            out.append(
                {"decision": str(decision), "region": str(region), "statement": statement, "status": status}
            )
    return out


def _labels(store: GraphStore, nodes: set[URIRef], graphs: list[str]) -> dict[str, dict[str, str]]:
    if not nodes:
        return {}
    rows = _select(
        store,
        f"""SELECT ?s ?label WHERE {{
            {values("s", sorted(nodes))}
            ?s skos:prefLabel ?label .
        }}""",
        graphs,
    )
    labels: dict[str, dict[str, str]] = {}
    for row in rows:
        node, label = row["s"], row["label"]
        if isinstance(node, URIRef) and isinstance(label, rdflib.Literal):
            labels.setdefault(str(node), {}).setdefault(label.language or "und", str(label))
    return labels
