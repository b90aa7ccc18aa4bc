"""The impact of a proposed decision: what depends on the systems it affects (the dependency
graph's :class:`~rsikg.core.dependencies.Impact` of them), and the regions that must comply or
explain, with the statements they have made."""

from __future__ import annotations

from dataclasses import dataclass, field

import rdflib
from rdflib.term import URIRef

from .. import dependencies
from ..namespaces import RSI, compact
from ..sparql_terms import values
from ..store import GraphStore
from .catalogue import select
from .records import Candidate

SHOWN_DEPENDENTS = 20
"""Dependents listed in the text for a terminal; the JSON lists all."""


@dataclass
class DecisionImpact:
    """Who and what the candidate touches: the dependency graph's impact of the systems it
    affects (``reach``), and the regions that must comply or explain."""

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

    def to_lines(self, lang: str = "en") -> list[str]:
        """The impact for a terminal, a line each."""

        def name(node: object) -> str:
            label = self.label(str(node), lang)
            return label if label != str(node) else compact(URIRef(str(node)))

        reach = self.reach
        lines = ["Impact", f"  affects:     {', '.join(name(s) for s in self.systems) or '(no systems)'}"]
        if reach.dependents:
            lines.append(f"  depended on by {len(reach.dependents)} system(s):")
            for d in reach.dependents[:SHOWN_DEPENDENTS]:
                route = " → ".join(name(p) for p in d.path) if d.path else f"via {name(d.via)}"
                lines.append(f"    {name(d.node)} (distance {d.distance}: {route})")
            if len(reach.dependents) > SHOWN_DEPENDENTS:
                more = len(reach.dependents) - SHOWN_DEPENDENTS
                lines.append(f"    … and {more} more (--format json lists all)")
        regions = ", ".join(sorted(name(r) for r in reach.regions)) or "(no regions recorded)"
        lines.append(f"  used by:     {regions}")
        sectors = ", ".join(sorted(name(s) for s in reach.sectors)) or "(none recorded)"
        lines.append(f"  sectors:     {sectors}")
        if self.comply_or_explain:
            lines.append("  comply or explain:")
            for row in self.comply_or_explain:
                state = compact(URIRef(str(row["status"]))) if row["status"] else "no statement yet"
                lines.append(f"    {name(row['region'])}: {state}")
        return lines


def assess_impact(
    store: GraphStore,
    candidate: Candidate,
    graphs: list[str],
    graph: dependencies.DependencyGraph | None = None,
) -> DecisionImpact:
    """The candidate's impact, on ``graph`` (the server's cached dependency graph), or on one
    built now from the store."""
    systems = candidate.named(RSI.affects)
    graph = graph if graph is not None else dependencies.build(store)
    impact = DecisionImpact(
        systems, graph.impact_of([str(s) for s in systems]), _comply_or_explain(store, candidate, graphs)
    )
    outside = {
        str(row["region"]) for row in impact.comply_or_explain if str(row["region"]) not in graph.graph
    } | {str(sector) for sector in impact.reach.sectors if str(sector) not in graph.graph}
    impact.labels = _labels(store, {URIRef(n) for n in outside}, graphs)
    return impact


def _comply_or_explain(
    store: GraphStore, candidate: Candidate, graphs: list[str]
) -> list[dict[str, str | None]]:
    """Each region a candidate decision applies to, with its statement if it has made one."""
    statements: dict[tuple[str, str], tuple[str, str]] = {}
    if candidate.decisions:
        rows = select(
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
    rows = select(
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
