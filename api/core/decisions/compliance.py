"""The comply-or-explain matrix: each decision in force × each region, as of a day, with each
region's statement, and for a region that results from a merger what it inherits (§ 126)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import cast

from rdflib.term import Node, URIRef

from .. import mergers
from .. import sparql_terms as sparql
from ..derive import RULE_SECTION_126_OBLIGATIONS
from ..store import GraphStore
from . import vocabulary
from .catalogue import optional_text as _text
from .catalogue import select as _rows
from .records import slug as _slug
from .vocabulary import COMPLIANCE_STATUS, DECISION_STATUS, DecisionStatus

COMPLIES, DEVIATES = COMPLIANCE_STATUS + "complies", COMPLIANCE_STATUS + "deviates"


def _status_concept(status: DecisionStatus) -> URIRef:
    concept = vocabulary.concept(DECISION_STATUS, status.value)
    if concept is None:  # every member is a word of the scheme; a test holds the two together
        raise LookupError(f"{status.value} is not in the decision-status scheme")
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
            cells = cast("dict[str, dict[str, object]]", row["cells"])
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
    shown = {iri for iri, _label in regions}
    merged = {o: s for o, s in mergers.successors(store).items() if s in shown}
    if not merged:
        return {}
    rows = _rows(
        store,
        f"""SELECT ?original (SAMPLE(?l) AS ?label) WHERE {{
            {sparql.values("original", [URIRef(iri) for iri in sorted(merged)])}
            ?original a rsi:Region .
            OPTIONAL {{ ?original skos:prefLabel ?l FILTER (LANG(?l) = "da") }}
        }} GROUP BY ?original""",
    )
    labels = {str(r["original"]): str(r.get("label", r["original"])) for r in rows}
    found: dict[str, list[tuple[str, str]]] = {}
    for original, successor in sorted(merged.items(), key=lambda pair: (pair[1], pair[0])):
        if original in labels:  # a region: the matrix is of regions
            found.setdefault(successor, []).append((original, labels[original]))
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


def _decisions(store: GraphStore, status: DecisionStatus | None, as_of: date | None) -> list[dict[str, Node]]:
    """The matrix's rows: decisions of ``status`` (all when None) dated by ``as_of``, with their
    Danish title and the regions they apply to (space-separated)."""
    # The status is a member of the vocabulary's enumeration, never a client's text, and still
    # goes through the builder as every term does.
    return _rows(
        store,
        f"""SELECT ?decision (SAMPLE(?t) AS ?title) (SAMPLE(?status) AS ?s) (SAMPLE(?k) AS ?kind)
                  (GROUP_CONCAT(DISTINCT STR(?r); separator=" ") AS ?applies) WHERE {{
            {sparql.values("status", [_status_concept(status)]) if status else ""}
            ?decision a rsi:ArchitectureDecision ; rsi:status ?status .
            {sparql.dated_by("decision", as_of) if as_of else ""}
            OPTIONAL {{ ?decision dct:title ?t FILTER (LANG(?t) = "da") }}
            OPTIONAL {{ ?decision rsi:appliesTo ?r }}
            OPTIONAL {{ ?decision rsi:decisionKind ?k }}
        }} GROUP BY ?decision ORDER BY ?decision""",
    )


def _statements(store: GraphStore, as_of: date | None) -> dict[str, dict[str, dict[str, Node]]]:
    """The statements dated by ``as_of``: decision → region → the statement's row."""
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
    return stated


def compliance_matrix(
    store: GraphStore,
    *,
    status: DecisionStatus | None = DecisionStatus.ACCEPTED,
    as_of: date | None = None,
    kind: str | None = None,
    decision: str | None = None,
) -> ComplianceMatrix:
    """Each cell: ``complies`` or ``deviates`` (with the explanation) where the region has
    stated it, ``missing`` where the decision applies to the region and it has not, and
    ``not-applicable`` elsewhere. Decisions of the given status (all when None).

    As of a day: the regions that exist on it, the decisions and statements dated on or before
    it. A region that results from a merger inherits its originals' obligations (Overgangsloven
    § 126): a decision that applies to an original applies to it, and with no statement of its
    own its cell is ``complies`` (``derived``) where every original it applies to complied, and
    ``needed`` otherwise, with the originals' statements under ``inheritedFrom``. ``kind``: the
    decisions of that kind (a concept of the decision-kind vocabulary) alone; ``decision``: that
    decision's row alone (an IRI)."""
    regions = _matrix_regions(store, as_of)
    originals = _originals(store, regions)
    decisions = _decisions(store, status, as_of)
    stated = _statements(store, as_of)
    rows: list[dict[str, object]] = []
    for d in decisions:
        if kind is not None and str(d.get("kind", "")) != kind:
            continue
        if decision is not None and str(d["decision"]) != decision:
            continue
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
                "kind": None if d.get("kind") is None else str(d["kind"]),
                "cells": cells,
            }
        )
    return ComplianceMatrix(regions, rows, as_of)
