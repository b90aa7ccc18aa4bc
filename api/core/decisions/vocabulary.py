"""The controlled words of decisions and statements: status, kind, compliance status.

Each enumeration holds the ``skos:notation`` of every concept of one SKOS scheme in
``ontology/vocab/`` (tests/core/test_sparql_terms.py checks that they agree), so a web parameter
can be typed by it (FastAPI answers 400 naming the allowed words) and a MADR record's word is
checked against it before it becomes an IRI.
"""

from __future__ import annotations

from enum import StrEnum

from rdflib.term import URIRef

VOCAB = "https://w3id.org/rsikg/id/vocab/"
DECISION_STATUS = VOCAB + "decision-status/"
DECISION_KIND = VOCAB + "decision-kinds/"
COMPLIANCE_STATUS = VOCAB + "compliance-status/"


class DecisionStatus(StrEnum):
    """ontology/vocab/decision-status.ttl"""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEPRECATED = "deprecated"
    SUPERSEDED = "superseded"


class DecisionKind(StrEnum):
    """ontology/vocab/decision-kinds.ttl"""

    ARCHITECTURE = "architecture"
    OPERATIONS = "operations"
    PROJECTS = "projects"
    STRATEGY = "strategy"


class ComplianceStatus(StrEnum):
    """ontology/vocab/compliance-status.ttl"""

    COMPLIES = "complies"
    DEVIATES = "deviates"


SCHEMES: dict[str, type[StrEnum]] = {
    DECISION_STATUS: DecisionStatus,
    DECISION_KIND: DecisionKind,
    COMPLIANCE_STATUS: ComplianceStatus,
}
"""Each scheme's namespace (the concepts' IRIs are namespace + word), with its words."""


def concept(namespace: str, word: str) -> URIRef | None:
    """The concept ``word`` names in the scheme of ``namespace``, or None if it names none."""
    return URIRef(namespace + word) if word in words(namespace) else None


def words(namespace: str) -> list[str]:
    """The words of the scheme of ``namespace``, in the vocabulary's order."""
    return [member.value for member in SCHEMES[namespace]]
