"""Adopting records into the graph with their provenance, reading them back, and the
comply-or-explain matrix.

Each adopted record gets a named graph of its own (``…/graph/decisions/<id>`` or
``…/graph/compliance/<id>``); adopting it again replaces that graph, and the old version's
statements wherever they were (a decision first loaded from a file can be revised this way).
Its provenance accumulates in ``…/graph/provenance/<kind>/<id>`` in PROV-O: one prov:Entity per
version (which record it specialises, when, by whom, from which input, revising which earlier
version), the activity that generated it, and the input itself with its text and SHA-256.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import rdflib
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD
from rdflib.term import Node, URIRef

from api.core import dependencies
from api.core import sparql_terms as sparql
from api.core.decisions import vocabulary
from api.core.decisions.check import Check, check
from api.core.decisions.records import COMPLIANCE_STATUS, DECISION_STATUS, Candidate
from api.core.decisions.vocabulary import DecisionStatus
from api.core.derive import RULE_SECTION_126_OBLIGATIONS
from api.core.loading import GRAPH_BASE
from api.core.namespaces import ID, RSI, SPARQL_PREFIXES
from api.core.store import GraphStore
from api.errors import InputError, Location

PROVENANCE_BASE = GRAPH_BASE + "provenance/"


def record_kind(record: URIRef) -> str:
    """'decision' or 'compliance', from the record's IRI."""
    return str(record).removeprefix(str(ID)).split("/", 1)[0]


def record_graph(record: URIRef) -> str:
    kind = record_kind(record)
    folder = "decisions" if kind == "decision" else kind
    return f"{GRAPH_BASE}{folder}/{_slug(record)}"


def provenance_graph(record: URIRef) -> str:
    return record_graph(record).replace(GRAPH_BASE, PROVENANCE_BASE, 1)


def _slug(record: URIRef) -> str:
    return str(record).rsplit("/", 1)[-1]


def record_iri(kind: str, ident: str) -> URIRef:
    """A record's IRI from its id (a slug) or its full IRI."""
    if ident.startswith(("http://", "https://")):
        return URIRef(sparql.checked_iri(ident, Location(field="id")))
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", ident):
        raise InputError(
            f"{ident!r} is not a record id (letters, digits, '.', '_', '-')", Location(field="id")
        )
    return ID[f"{kind}/{ident}"]


# --------------------------------------------------------------------------------------------
# Adoption
# --------------------------------------------------------------------------------------------


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


def _insert(graph: str, triples: Iterable[tuple[Node, Node, Node]]) -> str:
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


def adoption_update(
    store: GraphStore, found: Check, agent: str, now: datetime | None = None
) -> tuple[str, list[Adopted]]:
    """The SPARQL Update that adopts a checked candidate, and what it will have adopted."""
    if not found.conforms:
        raise AssertionError("a candidate with Violations is never adopted")
    now = now or datetime.now(UTC)
    stamp = rdflib.Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    agent_node = ID[f"agent/{re.sub(r'[^A-Za-z0-9._-]+', '-', agent).strip('-').lower() or 'unknown'}"]
    operations: list[str] = []
    adopted: list[Adopted] = []
    inputs = found.candidate.inputs
    changed = ", ".join(
        f"{c.decision} {c.before.rsplit('/', 1)[-1]} → {c.after.rsplit('/', 1)[-1]}" for c in found.changes
    )
    for record, triples in _own_triples(found.candidate).items():
        graph = record_graph(record)
        prov_graph = provenance_graph(record)
        earlier = _graphs_holding(store, record)
        previous = _versions(store, record)
        version = previous + 1
        for old in earlier:  # the earlier version's statements, wherever they were
            operations.append(f"DELETE WHERE {{ GRAPH {sparql.iri(old)} {{ {sparql.term(record)} ?p ?o }} }}")
        operations.append(f"DROP SILENT GRAPH {sparql.iri(graph)}")
        operations.append(_insert(graph, triples))
        entity = URIRef(f"{record}/version/{version}")
        activity = URIRef(f"{record}/version/{version}/adoption")
        source = URIRef(f"{record}/version/{version}/input")
        prov = [
            (entity, RDF.type, PROV.Entity),
            (entity, PROV.specializationOf, record),
            (entity, DCTERMS.identifier, rdflib.Literal(version)),
            (entity, PROV.generatedAtTime, stamp),
            (entity, PROV.wasGeneratedBy, activity),
            (entity, PROV.wasAttributedTo, agent_node),
            (entity, PROV.wasDerivedFrom, source),
            (entity, PROV.atLocation, URIRef(graph)),
            (activity, RDF.type, PROV.Activity),
            (
                activity,
                RDFS.label,
                rdflib.Literal(f"Vedtagelse af {_slug(record)}, version {version}", lang="da"),
            ),
            (
                activity,
                RDFS.label,
                rdflib.Literal(f"Adoption of {_slug(record)}, version {version}", lang="en"),
            ),
            (activity, PROV.startedAtTime, stamp),
            (activity, PROV.endedAtTime, stamp),
            (activity, PROV.wasAssociatedWith, agent_node),
            (activity, PROV.used, source),
            (agent_node, RDF.type, PROV.Agent),
            (agent_node, RDFS.label, rdflib.Literal(agent)),
        ]
        if previous:
            prov.append((entity, PROV.wasRevisionOf, URIRef(f"{record}/version/{previous}")))
            prov.append((activity, PROV.used, URIRef(f"{record}/version/{previous}")))
        else:
            for old in earlier:  # first adopted version of a record loaded from a file
                prov.append((entity, PROV.wasRevisionOf, URIRef(old)))
        if changed:
            prov.append((activity, RDFS.comment, rdflib.Literal(f"Status changed: {changed}", lang="en")))
        for item in inputs:
            prov += [
                (source, RDF.type, PROV.Entity),
                (source, DCTERMS.title, rdflib.Literal(item.name)),
                (source, DCTERMS.format, rdflib.Literal(item.media_type)),
                (source, PROV.value, rdflib.Literal(item.text)),
                (source, DCTERMS.identifier, rdflib.Literal(f"sha256:{item.sha256}")),
            ]
        operations.append(_insert(prov_graph, prov))
        adopted.append(Adopted(record, graph, version, bool(earlier) or previous > 0))
    for change in found.changes:
        before = [(change.decision, RSI.status, change.before)]
        after = [(change.decision, RSI.status, change.after)]
        operations.append(
            f"DELETE {{ GRAPH ?g {{ {sparql.triples_block(before)} }} }}\n"
            f"INSERT {{ GRAPH ?g {{ {sparql.triples_block(after)} }} }}\n"
            f"WHERE {{ GRAPH ?g {{ {sparql.triples_block(before)} }} }}"
        )
    return " ;\n".join(operations), adopted


def adopt(
    store: GraphStore,
    candidate: Candidate,
    shapes: rdflib.Graph,
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


# --------------------------------------------------------------------------------------------
# Reading back
# --------------------------------------------------------------------------------------------


def _rows(store: GraphStore, query: str) -> list[dict[str, Node]]:
    return store.select(SPARQL_PREFIXES + query).dicts()


def _text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def list_decisions(store: GraphStore) -> list[dict[str, object]]:
    """Every decision in the graph, newest first."""
    rows = _rows(
        store,
        """SELECT ?decision (SAMPLE(?t) AS ?title) (SAMPLE(?s) AS ?status) (SAMPLE(?d) AS ?date)
                  (SAMPLE(?k) AS ?kind) (SAMPLE(?f) AS ?decidedBy) WHERE {
            ?decision a rsi:ArchitectureDecision .
            OPTIONAL { ?decision dct:title ?t }
            OPTIONAL { ?decision rsi:status ?s }
            OPTIONAL { ?decision dct:date ?d }
            OPTIONAL { ?decision rsi:decisionKind ?k }
            OPTIONAL { ?decision rsi:decidedBy ?f }
        } GROUP BY ?decision ORDER BY DESC(?date) ?decision""",
    )
    return [
        {
            "id": _slug(row["decision"]),  # type: ignore[arg-type]
            "iri": str(row["decision"]),
            **{k: _text(row.get(k)) for k in ("title", "status", "date", "kind", "decidedBy")},
        }
        for row in rows
    ]


def describe_record(store: GraphStore, record: URIRef) -> rdflib.Graph:
    """The record's own statements (from every graph but provenance)."""
    result = store.query(
        f"""CONSTRUCT {{ {sparql.term(record)} ?p ?o }} WHERE {{
            GRAPH ?g {{ {sparql.term(record)} ?p ?o }}
            FILTER (!STRSTARTS(STR(?g), {sparql.literal(PROVENANCE_BASE)}))
        }}"""
    )
    assert isinstance(result, rdflib.Graph)
    return result


def history(store: GraphStore, record: URIRef) -> list[dict[str, object]]:
    """The record's adopted versions, oldest first."""
    rows = _rows(
        store,
        f"""SELECT ?version ?n ?time ?agent ?input ?sha ?format ?revisionOf ?graph WHERE {{
            GRAPH {sparql.iri(provenance_graph(record))} {{
                ?version prov:specializationOf {sparql.term(record)} ; dct:identifier ?n ;
                         prov:generatedAtTime ?time ; prov:atLocation ?graph ;
                         prov:wasAttributedTo [ rdfs:label ?agent ] ;
                         prov:wasDerivedFrom ?src .
                ?src dct:title ?input ; dct:identifier ?sha ; dct:format ?format .
                OPTIONAL {{ ?version prov:wasRevisionOf ?revisionOf }}
            }}
        }} ORDER BY ?n ?input""",
    )
    versions: dict[str, dict[str, object]] = {}
    for row in rows:
        entry = versions.setdefault(
            str(row["version"]),
            {
                "version": int(row["n"]),  # type: ignore[call-overload]
                "iri": str(row["version"]),
                "adoptedAt": str(row["time"]),
                "adoptedBy": str(row["agent"]),
                "graph": str(row["graph"]),
                "revisionOf": _text(row.get("revisionOf")),
                "inputs": [],
            },
        )
        inputs = entry["inputs"]
        assert isinstance(inputs, list)
        item = {
            "name": str(row["input"]),
            "mediaType": str(row["format"]),
            "sha256": str(row["sha"]).removeprefix("sha256:"),
        }
        if item not in inputs:
            inputs.append(item)
    return sorted(versions.values(), key=lambda v: v["version"])  # type: ignore[arg-type, return-value]


# --------------------------------------------------------------------------------------------
# The comply-or-explain matrix
# --------------------------------------------------------------------------------------------

COMPLIES, DEVIATES = COMPLIANCE_STATUS + "complies", COMPLIANCE_STATUS + "deviates"


def _status_concept(status: DecisionStatus) -> URIRef:
    concept = vocabulary.concept(DECISION_STATUS, status.value)
    assert concept is not None  # every member is a word of the scheme
    return concept


@dataclass(frozen=True)
class ComplianceMatrix:
    """Decisions × regions: each region's statement on each decision in force, as of a day
    (``as_of``) or over the whole record (None)."""

    regions: list[tuple[str, str]]  # (IRI, Danish label)
    rows: list[dict[str, object]]
    as_of: date | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "asOf": self.as_of.isoformat() if self.as_of else None,
            "regions": [{"iri": iri, "label": label} for iri, label in self.regions],
            "decisions": self.rows,
        }

    @staticmethod
    def shown(cell: dict[str, object]) -> str:
        """A cell as a word for a table or CSV: ``complies (derived)`` where it is inherited."""
        return f"{cell['state']} (derived)" if cell.get("derived") else str(cell["state"])

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["decision", "title", "status", *(label for _iri, label in self.regions)])
        for row in self.rows:
            cells = row["cells"]
            assert isinstance(cells, dict)
            writer.writerow(
                [
                    row["iri"],
                    row["title"] or "",
                    row["status"] or "",
                    *(self.shown(cells[iri]) for iri, _l in self.regions),
                ]
            )
        return buffer.getvalue()


_STATES = {COMPLIES: "complies", DEVIATES: "deviates"}


def _matrix_regions(store: GraphStore, as_of: date | None) -> list[tuple[str, str]]:
    """The regions that exist on ``as_of`` (every region ever, when None), with Danish names."""
    rows = _rows(
        store,
        f"""SELECT ?region (SAMPLE(?l) AS ?label) WHERE {{
            ?region a rsi:Region . {sparql.holds_on("region", as_of) if as_of else ""}
            OPTIONAL {{ ?region skos:prefLabel ?l FILTER (LANG(?l) = "da") }}
        }} GROUP BY ?region ORDER BY ?region""",
    )
    return [(str(r["region"]), str(r.get("label", r["region"]))) for r in rows]


def _originals(store: GraphStore, regions: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """For each region that results from a merger of regions (an org:ChangeEvent with that one
    result), the original regions with their Danish names."""
    if not regions:
        return {}
    rows = _rows(
        store,
        f"""SELECT ?successor ?original (SAMPLE(?l) AS ?label) WHERE {{
            {sparql.values("successor", [URIRef(iri) for iri, _l in regions])}
            ?event org:resultingOrganization ?successor ; org:originalOrganization ?original .
            ?original a rsi:Region .
            FILTER (?original != ?successor)
            FILTER NOT EXISTS {{ ?event org:resultingOrganization ?other FILTER (?other != ?successor) }}
            OPTIONAL {{ ?original skos:prefLabel ?l FILTER (LANG(?l) = "da") }}
        }} GROUP BY ?successor ?original ORDER BY ?successor ?original""",
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        label = str(r.get("label", r["original"]))
        found.setdefault(str(r["successor"]), []).append((str(r["original"]), label))
    return found


def _stated_cell(statement: dict[str, Node] | None, applies: bool) -> dict[str, object]:
    if statement is None:
        return {
            "state": "missing" if applies else "not-applicable",
            "derived": False,
            "statement": None,
            "explanation": None,
        }
    status = str(statement["cstatus"])
    return {
        "state": _STATES.get(status, status),
        "derived": False,
        "statement": str(statement["statement"]),
        "explanation": _text(statement.get("explanation")),
    }


def _inherited_cell(
    originals: list[tuple[str, str]], stated: dict[str, dict[str, Node]]
) -> dict[str, object]:
    """A successor's cell from the statements of the originals the decision applies to, by
    rule:overgangsloven-126-forpligtelser: all complied → complies (derived); otherwise a new
    statement is needed, shown with the originals' statements."""
    inherited = []
    for iri, label in originals:
        cell = _stated_cell(stated.get(iri), True)
        del cell["derived"]
        inherited.append({"region": iri, "label": label, **cell})
    complies = all(cell["state"] == "complies" for cell in inherited)
    return {
        "state": "complies" if complies else "needed",
        "derived": complies,
        "statement": None,
        "explanation": None,
        "inheritedFrom": inherited,
        "rule": str(RULE_SECTION_126_OBLIGATIONS),
    }


def compliance_matrix(
    store: GraphStore,
    *,
    status: DecisionStatus | None = DecisionStatus.ACCEPTED,
    as_of: date | None = None,
) -> ComplianceMatrix:
    """Each cell: ``complies`` or ``deviates`` (with the explanation) where the region has
    stated it, ``missing`` where the decision applies to the region and it has not, and
    ``not-applicable`` elsewhere. Decisions of the given status (all when None).

    As of a day: the regions that exist on it, the decisions and statements dated on or before
    it. A region that results from a merger inherits its originals' obligations (Overgangsloven
    § 126): a decision that applies to an original applies to it, and with no statement of its
    own its cell is ``complies`` (``derived``) where every original it applies to complied, and
    ``needed`` otherwise, with the originals' statements under ``inheritedFrom``."""
    regions = _matrix_regions(store, as_of)
    originals = _originals(store, regions)
    # The status is a member of the vocabulary's enumeration, never a client's text, and still
    # goes through the builder as every term does.
    decisions = _rows(
        store,
        f"""SELECT ?decision (SAMPLE(?t) AS ?title) (SAMPLE(?status) AS ?s)
                  (GROUP_CONCAT(DISTINCT STR(?r); separator=" ") AS ?applies) WHERE {{
            {sparql.values("status", [_status_concept(status)]) if status else ""}
            ?decision a rsi:ArchitectureDecision ; rsi:status ?status .
            {sparql.dated_by("decision", as_of) if as_of else ""}
            OPTIONAL {{ ?decision dct:title ?t FILTER (LANG(?t) = "da") }}
            OPTIONAL {{ ?decision rsi:appliesTo ?r }}
        }} GROUP BY ?decision ORDER BY ?decision""",
    )
    statements = _rows(
        store,
        f"""SELECT DISTINCT ?statement ?decision ?region ?cstatus ?explanation WHERE {{
            ?statement rsi:complianceOf ?decision ; rsi:statedBy ?region ; rsi:complianceStatus ?cstatus .
            {sparql.dated_by("statement", as_of) if as_of else ""}
            OPTIONAL {{ ?statement rsi:explanation ?explanation FILTER (LANG(?explanation) = "da") }}
        }}""",
    )
    stated: dict[str, dict[str, dict[str, Node]]] = {}
    for s in statements:
        stated.setdefault(str(s["decision"]), {})[str(s["region"])] = s
    rows: list[dict[str, object]] = []
    for d in decisions:
        applies = set(str(d.get("applies", "")).split())
        by_region = stated.get(str(d["decision"]), {})
        cells: dict[str, dict[str, object]] = {}
        for iri, _label in regions:
            merged = [o for o in originals.get(iri, []) if o[0] in applies]
            if iri not in by_region and merged:
                cells[iri] = _inherited_cell(merged, by_region)
            else:
                cells[iri] = _stated_cell(by_region.get(iri), iri in applies or bool(merged))
        rows.append(
            {
                "iri": str(d["decision"]),
                "id": _slug(d["decision"]),  # type: ignore[arg-type]
                "title": _text(d.get("title")),
                "status": _text(d.get("s")),
                "cells": cells,
            }
        )
    return ComplianceMatrix(regions, rows, as_of)
