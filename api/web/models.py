"""The JSON answers of the web API as pydantic models, for the OpenAPI document (/docs).

Each model describes an answer exactly as the route sends it today: the same keys (camelCase
where the answer has it, through aliases), the same nesting, ``None`` where the answer has
``null``. Most answers are built by a core object's ``as_json()`` and sent as they are; the routes
declare these models for the schema only, so no answer is re-encoded through them (which could
reorder keys or add ``null`` for a key the answer leaves out). tests/web/test_openapi.py
validates live answers against them, so a model that drifts from its answer fails there.

Every model forbids keys it does not name: an answer that grows a key must grow its model too.
A key an answer leaves out where it does not apply (never ``null``) is declared with
:func:`absent`: not required, and no default shown.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """The base of every answer model: no key it does not name."""

    model_config = ConfigDict(extra="forbid")


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent(description: str, alias: str | None = None) -> Any:
    """A key the answer leaves out (rather than sending ``null``) where it does not apply."""
    return Field(default=None, alias=alias, description=description, json_schema_extra=_no_default)


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its definitions written in place: for a response content
    FastAPI does not know the model of (a second JSON media type), whose ``$ref`` to
    ``#/$defs/...`` would otherwise point nowhere in the OpenAPI document."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


# -- errors ---------------------------------------------------------------------------------


class ErrorLocation(Answer):
    """Where in the input something is wrong (keys without a value are left out)."""

    source: str = absent("The input: 'request body', 'query string', a file")
    line: int = absent("From 1")
    column: int = absent("From 1")
    field: str = absent("The parameter or record field")


class Problem(Answer):
    detail: str
    location: ErrorLocation


class ValidationResult(Answer):
    """One sh:ValidationResult."""

    severity: str = Field(description="Violation, Warning or Info")
    focus_node: str | None = Field(alias="focusNode")
    path: str | None
    value: str | None
    message: dict[str, str] = Field(description="The message by language tag")
    source_shape: str | None = Field(alias="sourceShape")
    source_constraint_component: str | None = Field(alias="sourceConstraintComponent")


class ValidationReport(Answer):
    """A SHACL validation report, counted by severity."""

    conforms: bool = Field(description="True when nothing is a Violation")
    violations: int
    warnings: int
    infos: int
    results: list[ValidationResult]


class Error(Answer):
    """Every error answer (4xx, 5xx): what was wrong and where."""

    detail: str
    location: ErrorLocation = absent("Where in the input (bad input only)")
    suggestions: list[str] = absent("The closest names (a node not in the graph)")
    problems: list[Problem] = absent("Each thing wrong, where a record has several")
    report: ValidationReport = absent("The SHACL report (a write refused for its Violations)")
    request_id: str = absent("An internal error: the id to quote, found in the server log")


def errors(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for error statuses (status → description), each with the error model."""
    return {status: {"model": Error, "description": text} for status, text in described.items()}


# -- the service ----------------------------------------------------------------------------


class Health(Answer):
    status: str = Field(description="'ok'")
    triples: int
    graphs: int = Field(description="Named graphs")
    writes: bool = Field(description="Whether writes are on (a token is configured)")
    workers_network_isolated: bool
    isolation: list[str] = Field(description="What cuts the query workers off the network")


class NamedQueryParam(Answer):
    name: str
    type: str = Field(description="iri, string, integer, decimal, boolean, date or language")
    description: str
    default: str | None
    required: bool
    enum: list[str] = absent("The allowed values, where the parameter has a list of them")


class NamedQueryInfo(Answer):
    name: str
    path: str
    summary: str
    description: str
    tags: list[str]
    pagination: int | None = Field(description="Rows per page, or null when not paged")
    params: list[NamedQueryParam]


class SparqlTerm(Answer):
    type: str = Field(description="uri, literal or bnode")
    value: str
    datatype: str = absent("A typed literal's datatype")
    lang: str = absent("A literal's language tag", alias="xml:lang")


class SparqlHead(Answer):
    vars: list[str] = absent("The variables (SELECT)")
    link: list[str] = absent("Links to metadata")


class SparqlBindings(Answer):
    bindings: list[dict[str, SparqlTerm]]


class SparqlResults(Answer):
    """SPARQL 1.1 Query Results JSON: results for SELECT, boolean for ASK."""

    head: SparqlHead
    results: SparqlBindings = absent("SELECT")
    boolean: bool = absent("ASK")


# -- dependency graphs ----------------------------------------------------------------------


class GraphNode(Answer):
    """A node of the dependency graph, as the JSON answers name it."""

    iri: str
    id: str = Field(description="The local id: system/fmk")
    label: str | None = Field(description="The Danish label, else the English, else the local id")
    type: str | None = Field(description="The most specific class, compacted: rsi:SharedSystem")


class Dependent(GraphNode):
    distance: int = Field(description="Steps from the root along rsi:dependsOn")
    via: str = Field(description="The next node on one shortest path to the root")
    path: list[str] = absent("That whole path, from the dependent to the root (left out past a limit)")


class RegionUse(GraphNode):
    uses: list[str] = Field(description="The affected systems the region uses")


class SectorUse(Answer):
    iri: str
    systems: list[str] = Field(description="The affected systems used in the sector")


class Impact(Answer):
    """GET /graph/impact/{ident}: everything that depends on a node, and who uses it."""

    root: GraphNode | None = Field(description="The node, or null for several roots")
    roots: list[GraphNode]
    dependents: list[Dependent] = Field(description="Nearest first")
    paths_omitted: bool = Field(alias="pathsOmitted")
    regions: list[RegionUse]
    sectors: list[SectorUse]


class Cycle(Answer):
    nodes: list[str] = Field(description="The nodes that depend on each other")
    cycle: list[str] = Field(description="One cycle through them, its first node repeated last")


class Cycles(Answer):
    cycles: list[Cycle] = Field(description="Largest group first")


class RankedNode(GraphNode):
    betweenness: float = Field(description="Betweenness centrality, rounded to 6 places")


class Critical(Answer):
    articulation_points: list[GraphNode] = Field(alias="articulationPoints")
    betweenness: list[RankedNode] = Field(description="Highest first")
    betweenness_samples: int | None = Field(
        alias="betweennessSamples", description="Sources betweenness was estimated from; null when exact"
    )
    nodes: int = Field(description="Nodes with a dependency")


class NodeAttributes(Answer):
    """What a node of a graph answer carries (node-link and Cytoscape.js)."""

    iri: str
    type: str
    label: str
    label_da: str
    label_en: str
    sectors: str = Field(description="Space-separated sector IRIs")
    start_date: str = absent("The period's start; absent when open", alias="startDate")
    end_date: str = absent("The period's end; absent when open", alias="endDate")
    distance: int = absent("Steps from the root (neighbourhood, impact, path)")


class EdgeAttributes(Answer):
    """What an edge of a graph answer carries: its relation, and the handed-over marks."""

    source: str
    target: str
    key: str = Field(description="The edge's id (e0, e1, … in the order of source, relation, target)")
    id: str = Field(description="The edge's id, unique in the answer and the same for the same request")
    relation: str = Field(description="dependsOn, usedBy, operatedBy, systemManager, ...")
    sources: str = Field(description="Space-separated IRIs of the documents saying so")
    derived: bool = absent("Handed over to a successor region (as of a day)")
    via: str = absent("The original region(s) the edge was handed over from")
    rule: str = absent("The rule that handed it over")


class NodeLinkNode(NodeAttributes):
    id: str = Field(description="The node's IRI")


class NodeLinkGraph(Answer):
    """networkx node-link JSON (format=node-link, application/json)."""

    directed: bool
    multigraph: bool
    graph: dict[str, str]
    nodes: list[NodeLinkNode]
    edges: list[EdgeAttributes]


class CytoscapeNodeData(NodeAttributes):
    id: str
    value: str = Field(description="The node's IRI")
    name: str = Field(description="The node's label")


class CytoscapeNode(Answer):
    data: CytoscapeNodeData


class CytoscapeEdge(Answer):
    data: EdgeAttributes


class CytoscapeElements(Answer):
    nodes: list[CytoscapeNode]
    edges: list[CytoscapeEdge]


class CytoscapeGraph(Answer):
    """Cytoscape.js JSON (format=cytoscape, application/vnd.cytoscape+json)."""

    data: list[Any] = Field(description="The graph's attributes as [key, value] pairs")
    directed: bool
    multigraph: bool
    elements: CytoscapeElements


# -- changes --------------------------------------------------------------------------------


class Change(Answer):
    kind: str
    subject: str
    label: str
    date: str = Field(description="As stored: a day, a month or a year")
    text: str
    derived: bool
    sources: list[str]
    source_ids: list[str] = Field(alias="sourceIds", description="The sources as people cite them: S57")


class Changes(Answer):
    """GET /changes: what changes after "from" up to and including "to"."""

    start: str = Field(alias="from")
    end: str = Field(alias="to")
    changes: list[Change]


# -- decisions and compliance ---------------------------------------------------------------


class DecisionSummary(Answer):
    id: str
    iri: str
    title: str | None
    status: str | None
    date: str | None
    kind: str | None
    decided_by: str | None = Field(alias="decidedBy")


class DecisionList(Answer):
    decisions: list[DecisionSummary] = Field(description="Newest first")


class VersionInput(Answer):
    name: str
    media_type: str = Field(alias="mediaType")
    sha256: str


class Version(Answer):
    version: int
    iri: str
    adopted_at: str = Field(alias="adoptedAt")
    adopted_by: str = Field(alias="adoptedBy")
    graph: str
    revision_of: str | None = Field(alias="revisionOf")
    inputs: list[VersionInput]


class DecisionHistory(Answer):
    iri: str
    history: list[Version] = Field(description="Oldest first")


class Decision(Answer):
    """GET /decisions/{ident} as JSON: the record's statements and its history."""

    iri: str
    graph: str
    properties: dict[str, list[str]] = Field(description="Predicate IRI → the objects, as text")
    history: list[Version]


class StatusChange(Answer):
    decision: str
    before: str = Field(alias="from")
    after: str = Field(alias="to")


class Labels(Answer):
    da: str
    en: str


class AffectedSystem(Answer):
    iri: str
    label: Labels


class ComplyOrExplain(Answer):
    decision: str
    region: str
    statement: str | None
    status: str | None
    label: str


class DecisionImpact(Answer):
    systems: list[AffectedSystem]
    dependents: list[Dependent]
    paths_omitted: bool = Field(alias="pathsOmitted")
    regions: list[RegionUse]
    sectors: list[SectorUse]
    comply_or_explain: list[ComplyOrExplain] = Field(alias="complyOrExplain")


class DryRun(ValidationReport):
    """POST /decisions/validate: the report on what the record concerns, and its impact."""

    records: list[str]
    revises: list[str]
    concerns: list[str]
    changes: list[StatusChange]
    impact: DecisionImpact | None


class AdoptedRecord(Answer):
    record: str
    graph: str
    version: int
    revised: bool
    provenance: str = Field(description="The graph of its provenance")


class Adoption(DryRun):
    """POST /decisions, POST /compliance: the records adopted, and the dry run's answer."""

    adopted: list[AdoptedRecord]


class Region(Answer):
    iri: str
    label: str


class InheritedCell(Answer):
    region: str
    label: str
    state: str
    statement: str | None
    explanation: str | None


class ComplianceCell(Answer):
    state: str = Field(description="complies, deviates, missing, not-applicable or needed")
    derived: bool
    statement: str | None
    explanation: str | None
    inherited_from: list[InheritedCell] = absent(
        "A merged region's originals (Overgangsloven § 126)", alias="inheritedFrom"
    )
    rule: str = absent("The rule it is derived by, with inheritedFrom")


class ComplianceRow(Answer):
    iri: str
    id: str
    title: str | None
    status: str | None
    kind: str | None = Field(description="The decision's kind (a concept of the decision-kind vocabulary)")
    cells: dict[str, ComplianceCell] = Field(description="Region IRI → the region's cell")


class Compliance(Answer):
    """GET /compliance: the decision × region matrix."""

    as_of: str | None = Field(alias="asOf", description="The day, or null for the whole record")
    regions: list[Region]
    decisions: list[ComplianceRow]
