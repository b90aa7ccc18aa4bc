"""What changes between two dates: the briefing for ``rsikg changes`` and ``GET /changes``.

A change "between ``start`` and ``end``" is one that happens after ``start`` up to and including
``end``: something that does not hold on ``start`` and holds on ``end`` (founded, begun), or the
reverse (dissolved, ended). "Holds on D" is the model's rule (queries/list_regions.rq): lexical
forms compared at the stored value's precision, so an xsd:gYear "2007" holds on every day of
2007. rsi:endDate is inclusive, so a thing whose last day is 2026-12-31 is gone on 2027-01-01,
the date its line gives.

Lines come from the sourced graphs and the derived graph (api/core/derive.py); a line is marked
derived when its statement lives in :data:`~rsikg.core.derive.DERIVED_GRAPH`, or, for systems whose
users or operators pass to a successor, when it is computed here by Overgangsloven § 126
(rule:overgangsloven-126-forpligtelser, S57). Those system lines are not stored: plain triples such
as ``?system rsi:usedBy ?region`` carry no period in this slice (no qualified usage nodes yet),
so the hand-over is reported, not written. So is a decision's comply-or-explain obligation,
which § 126 also hands to the successor (shown with the originals' statements). Where a change
event's originals are not regions, no source says who takes their systems over, and the line
says so instead of guessing.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import rdflib
from rdflib.namespace import XSD
from rdflib.term import Node

from ..errors import InputError, Location
from .derive import DERIVED_GRAPH, RULE_MEMBERSHIP_ENDS, RULE_SECTION_126_OBLIGATIONS
from .namespaces import SPARQL_PREFIXES
from .periods import parse_day
from .sparql_terms import begins_within, ends_within, values
from .store import GraphStore

KINDS = {
    "founded": ("Founded", "Oprettes"),
    "dissolved": ("Dissolved", "Ophører"),
    "begins": ("Begins", "Begynder"),
    "ends": ("Ends", "Slutter"),
    "change-event": ("Mergers and other change events", "Sammenlægninger og andre ændringer"),
    "membership-started": ("Memberships started", "Medlemskaber, der begynder"),
    "membership-ended": ("Memberships ended", "Medlemskaber, der slutter"),
    "system": ("Systems whose users, operators or managers pass on", "Systemer, der skifter hænder"),
    "decision": ("Decisions whose comply-or-explain obligation passes on", "Beslutninger, der følger med"),
    "open-question": ("Open questions", "Åbne spørgsmål"),
}
"""Each kind of line, in the order the briefing shows them, with its heading."""

FIELDS = ("kind", "subject", "label", "date", "text", "derived", "sources")

# The window is a VALUES row (?from ?to), so that these queries stay constants. "Begins in the
# window": not yet on ?from, so on ?to; "ends in the window": still on ?from, no longer on ?to;
# each compared at ?d's own precision (the model's lexical-prefix rule, written in the builder).
_FROM, _TO = rdflib.Variable("from"), rdflib.Variable("to")
_PERIODS = f"""SELECT ?x ?p ?d ?g ?isOrg ?isMembership
  (GROUP_CONCAT(DISTINCT STR(?src); separator=" ") AS ?sources)
  (GROUP_CONCAT(DISTINCT STR(?rule); separator=" ") AS ?rules)
WHERE {{
  %s
  VALUES ?p {{ rsi:startDate rsi:endDate }}
  # the sources stated with the date, in its own graph (not every source of the subject)
  GRAPH ?g {{ ?x ?p ?d OPTIONAL {{ ?x dct:source ?src }} }}
  FILTER NOT EXISTS {{ ?x a org:ChangeEvent }}
  FILTER((?p = rsi:startDate && {begins_within("d", _FROM, _TO)})
      || (?p = rsi:endDate && {ends_within("d", _FROM, _TO)}))
  OPTIONAL {{ ?x prov:wasDerivedFrom ?rule . ?rule a rsi:DerivationRule }}
  BIND(EXISTS {{ ?x a/rdfs:subClassOf* org:Organization }} AS ?isOrg)
  BIND(EXISTS {{ ?x a org:Membership }} AS ?isMembership)
}} GROUP BY ?x ?p ?d ?g ?isOrg ?isMembership ORDER BY ?p ?x"""

_MEMBERSHIPS = """SELECT ?x ?member ?forum ?role WHERE {
  %s
  ?x org:member ?member ; org:organization ?forum .
  OPTIONAL { ?x org:role ?role }
}"""

_EVENTS = f"""SELECT ?event ?d ?original ?result ?part
  (GROUP_CONCAT(DISTINCT STR(?src); separator=" ") AS ?sources)
WHERE {{
  %s
  ?event a org:ChangeEvent ; rsi:startDate ?d .
  FILTER({begins_within("d", _FROM, _TO)})
  OPTIONAL {{ ?event org:originalOrganization ?original }}
  OPTIONAL {{ ?event org:resultingOrganization ?result }}
  OPTIONAL {{ ?part dct:isPartOf ?event }}
  OPTIONAL {{ ?event dct:source ?src }}
}} GROUP BY ?event ?d ?original ?result ?part ORDER BY ?event ?original ?result ?part"""

# Systems tied to an original organisation of an event: who takes them over depends on the event.
_SYSTEMS = """SELECT DISTINCT ?system ?relation ?original ?isRegion WHERE {
  %s
  VALUES ?relation { rsi:usedBy rsi:operatedBy rsi:systemManager }
  ?system ?relation ?original .
  BIND(EXISTS { ?original a rsi:Region } AS ?isRegion)
} ORDER BY ?system ?relation ?original"""

# Decisions that apply to an original region, with the statement that region made, if any.
_DECISIONS = """SELECT DISTINCT ?decision ?original ?status WHERE {
  %s
  ?decision rsi:appliesTo ?original .
  OPTIONAL { ?statement rsi:complianceOf ?decision ; rsi:statedBy ?original ; rsi:complianceStatus ?status }
} ORDER BY ?decision ?original ?status"""

_QUESTIONS = """SELECT ?q ?event ?g
  (GROUP_CONCAT(DISTINCT STR(?src); separator=" ") AS ?sources)
  (GROUP_CONCAT(DISTINCT STR(?rule); separator=" ") AS ?rules)
WHERE {
  %s
  GRAPH ?g { ?q a rsi:OpenQuestion }
  ?q rsi:concerns ?event .
  OPTIONAL { ?q dct:source ?src }
  OPTIONAL { ?q prov:wasDerivedFrom ?rule . ?rule a rsi:DerivationRule }
} GROUP BY ?q ?event ?g ORDER BY ?q"""

_LABELS = """SELECT ?node ?label WHERE {
  %s
  ?node skos:prefLabel ?label FILTER(LANG(?label) IN ("da", "en"))
} ORDER BY ?node DESC(LANG(?label))"""

_REGIONS = """SELECT ?r WHERE { %s ?r a rsi:Region }"""

_IDENTIFIERS = """SELECT ?s ?id WHERE { %s ?s dct:identifier ?id }"""

_RULE_SOURCES = """SELECT ?source WHERE { %s ?rule dct:source ?source } ORDER BY ?source"""

_RELATION_TEXT = {"usedBy": "used by", "operatedBy": "operated by", "systemManager": "managed by"}


@dataclass(frozen=True)
class Change:
    """One line of the briefing."""

    kind: str
    subject: str
    label: str
    date: str
    text: str
    derived: bool
    sources: tuple[str, ...]
    source_ids: tuple[str, ...] = ()
    """The sources as people cite them (dct:identifier: S57), or a rule as rule:<slug>."""

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "label": self.label,
            "date": self.date,
            "text": self.text,
            "derived": self.derived,
            "sources": list(self.sources),
            "sourceIds": list(self.source_ids),
        }


@dataclass
class Report:
    """Every change after ``start`` up to and including ``end``, grouped by kind."""

    start: date
    end: date
    changes: list[Change] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "changes": [c.as_json() for c in self.changes],
        }


def _text(node: Node | None) -> str:
    return "" if node is None else str(node)


def _slug(node: Node | str) -> str:
    return str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _day_after(value: Node) -> str:
    """The first day something ending on ``value`` (inclusive) no longer holds; for a year or a
    month, the stored value as it is (the source gives no day)."""
    if isinstance(value, rdflib.Literal) and value.datatype == XSD.date:
        return (date.fromisoformat(str(value)) + timedelta(days=1)).isoformat()
    return f"after {value}"


class _Briefing:
    """The queries behind one report, over one store and one window."""

    def __init__(self, store: GraphStore, start: date, end: date) -> None:
        self.store = store
        self.window = values(
            ("from", "to"),
            [
                (
                    rdflib.Literal(start.isoformat(), datatype=XSD.date),
                    rdflib.Literal(end.isoformat(), datatype=XSD.date),
                )
            ],
        )
        self._labels: dict[str, str] = {}
        self._rules: dict[str, tuple[str, ...]] = {}
        self._regions: set[str] = set()

    def select(self, template: str, block: str | None = None) -> list[dict[str, Node]]:
        return self.store.select(SPARQL_PREFIXES + template % (block or self.window)).dicts()

    def is_region(self, node: Node) -> bool:
        if not self._regions:
            self._regions = {str(r["r"]) for r in self.select(_REGIONS)} or {""}
        return str(node) in self._regions

    def rule_sources(self, rule: str) -> tuple[str, ...]:
        """A rule and the sources it rests on (dct:source of the rule node, reform-2027.ttl)."""
        if rule not in self._rules:
            rows = self.select(_RULE_SOURCES, values("rule", [rdflib.URIRef(rule)]))
            self._rules[rule] = (rule, *(str(r["source"]) for r in rows))
        return self._rules[rule]

    def label(self, node: Node | str, otherwise: str | None = None) -> str:
        """The node's Danish label (else its English one), else ``otherwise`` or its slug."""
        return self._labels.get(str(node)) or otherwise or _slug(node)

    def load_labels(self, nodes: Sequence[Node]) -> None:
        wanted = sorted({n for n in nodes if isinstance(n, rdflib.URIRef)}, key=str)
        if not wanted:
            return
        for row in self.select(_LABELS, values("node", wanted)):
            label = row["label"]
            key = str(row["node"])
            if isinstance(label, rdflib.Literal) and (label.language == "da" or key not in self._labels):
                self._labels[key] = str(label)


def _yes(node: Node | None) -> bool:
    """Whether a variable bound to a test (``BIND (EXISTS { … } AS ?x)``) holds: xsd:boolean
    true, or the integer 1 Virtuoso gives for it (tests/core/test_virtuoso_deviations.py)."""
    return isinstance(node, rdflib.Literal) and node.toPython() in (True, 1)


def _sources(row: dict[str, Node]) -> tuple[str, ...]:
    return tuple(sorted(_text(row.get("sources")).split()))


def _periods(b: _Briefing) -> list[Change]:
    """Organisations founded and dissolved, other things begun and ended, memberships both."""
    rows = b.select(_PERIODS)
    memberships = [r["x"] for r in rows if _yes(r.get("isMembership"))]
    parts: dict[str, dict[str, Node]] = {}
    if memberships:
        for row in b.select(_MEMBERSHIPS, values("x", sorted(set(memberships), key=str))):
            parts.setdefault(str(row["x"]), row)
    b.load_labels([r["x"] for r in rows] + [n for p in parts.values() for n in p.values()])
    return [_period_line(b, row, parts.get(str(row["x"]))) for row in rows]


def _period_line(b: _Briefing, row: dict[str, Node], membership: dict[str, Node] | None) -> Change:
    starts = _slug(row["p"]) == "startDate"
    when = str(row["d"]) if starts else _day_after(row["d"])
    derived = str(row["g"]) == DERIVED_GRAPH
    sources = _derived_sources(b, row, derived)
    if membership is not None:
        role = f" ({b.label(membership['role'])})" if "role" in membership else ""
        # a membership's own label if it has one (the derived ones do), else member i forum (role)
        made = f"{b.label(membership['member'])} i {b.label(membership['forum'])}{role}"
        label = b.label(row["x"], made)
        text = "begins" if starts else f"ends (its last day is {row['d']})"
        kind = "membership-started" if starts else "membership-ended"
        return Change(kind, str(row["x"]), label, when, text, derived, sources)
    is_org = _yes(row.get("isOrg"))
    kind = ("founded" if starts else "dissolved") if is_org else ("begins" if starts else "ends")
    text = f"exists from {row['d']}" if starts else f"its last day is {row['d']}"
    return Change(kind, str(row["x"]), b.label(row["x"]), when, text, derived, sources)


def _derived_sources(b: _Briefing, row: dict[str, Node], derived: bool) -> tuple[str, ...]:
    """The sources stated with a line's statement; for a derived one, first the rule it was derived by
    and the rule's sources (an end date added to a membership is rule 1's, which leaves no
    prov:wasDerivedFrom on the membership it only ends)."""
    rules = _text(row.get("rules")).split()
    if derived and not rules and _slug(row.get("p", "")) == "endDate":
        rules = [str(RULE_MEMBERSHIP_ENDS)]
    cited = [s for rule in sorted(rules) for s in b.rule_sources(rule)] if derived else []
    return tuple(dict.fromkeys([*cited, *_sources(row)]))


@dataclass
class _Event:
    date: str
    originals: list[Node] = field(default_factory=list)
    results: list[Node] = field(default_factory=list)
    parts: list[Node] = field(default_factory=list)
    sources: tuple[str, ...] = ()


def _events(b: _Briefing) -> dict[Node, _Event]:
    events: dict[Node, _Event] = {}
    for row in b.select(_EVENTS):
        event = events.setdefault(row["event"], _Event(str(row["d"]), sources=_sources(row)))
        for key, found in (("original", event.originals), ("result", event.results), ("part", event.parts)):
            if key in row and row[key] not in found:
                found.append(row[key])
    b.load_labels([*events, *(n for e in events.values() for n in (*e.originals, *e.results, *e.parts))])
    return events


def _event_lines(b: _Briefing, events: dict[Node, _Event]) -> list[Change]:
    lines = []
    for node, event in events.items():
        originals = ", ".join(b.label(o) for o in event.originals) or "(none recorded)"
        results = ", ".join(b.label(r) for r in event.results) or "(none recorded)"
        text = f"{originals} → {results}"
        if not event.originals and not event.results and event.parts:  # an event made of others
            text = "made up of: " + "; ".join(b.label(p) for p in event.parts)
        lines.append(Change("change-event", str(node), b.label(node), event.date, text, False, event.sources))
    return lines


def _system_lines(b: _Briefing, events: dict[Node, _Event]) -> list[Change]:
    """Systems used, operated or managed by an original of an event in the window. A merger of
    regions hands them to its one result by § 126 (derived, computed here, not stored); for any
    other event no source says who takes a system over, and the line says so."""
    originals = {o: (node, e) for node, e in events.items() for o in e.originals}
    if not originals:
        return []
    rows = b.select(_SYSTEMS, values("original", sorted(originals, key=str)))
    b.load_labels([r["system"] for r in rows])
    grouped: dict[tuple[Node, Node], list[tuple[Node, Node]]] = defaultdict(list)
    for row in rows:
        grouped[row["system"], originals[row["original"]][0]].append((row["relation"], row["original"]))
    lines = []
    for (system, node), ties in grouped.items():
        event = events[node]
        how = "; ".join(
            f"{_RELATION_TEXT[_slug(rel)]} {', '.join(b.label(o) for r, o in ties if r == rel)}"
            for rel in dict.fromkeys(r for r, _ in ties)
        )
        by_126 = len(event.results) == 1 and all(
            _yes(r.get("isRegion")) for r in rows if r["system"] == system
        )
        if by_126:
            text = f"{how} → passes to {b.label(event.results[0])} (Overgangsloven § 126)"
            sources = b.rule_sources(str(RULE_SECTION_126_OBLIGATIONS))
        else:
            results = ", ".join(b.label(r) for r in event.results)
            text = f"{how}, which ceases; whether it passes to {results} the sources do not say"
            sources = event.sources
        lines.append(Change("system", str(system), b.label(system), event.date, text, by_126, sources))
    return lines


def _decision_lines(b: _Briefing, events: dict[Node, _Event]) -> list[Change]:
    """Decisions that apply to an original of a merger of regions: by § 126 (obligations pass
    to the successor) the obligation to comply or explain passes to the one resulting region,
    with the originals' statements shown, since its own statement is not made yet."""
    originals = {o: e for e in events.values() if len(e.results) == 1 for o in e.originals}
    rows = b.select(_DECISIONS, values("original", sorted(originals, key=str))) if originals else []
    rows = [r for r in rows if b.is_region(r["original"])]
    b.load_labels([n for r in rows for n in r.values()])
    grouped: dict[Node, list[dict[str, Node]]] = defaultdict(list)
    for row in rows:
        grouped[row["decision"]].append(row)
    lines = []
    for decision, found in grouped.items():
        event = originals[found[0]["original"]]
        regions = ", ".join(dict.fromkeys(b.label(r["original"]) for r in found))
        stated = "; ".join(
            f"{b.label(r['original'])}: {b.label(r['status'])}" for r in found if "status" in r
        )
        successor = b.label(event.results[0])
        text = f"applies to {regions} → the obligation passes to {successor} (Overgangsloven § 126)"
        text += f"; the originals' statements: {stated}" if stated else "; no statement by the originals"
        sources = b.rule_sources(str(RULE_SECTION_126_OBLIGATIONS))
        lines.append(Change("decision", str(decision), b.label(decision), event.date, text, True, sources))
    return lines


def _question_lines(b: _Briefing, events: dict[Node, _Event]) -> list[Change]:
    if not events:
        return []
    rows = b.select(_QUESTIONS, values("event", sorted(events, key=str)))
    b.load_labels([r["q"] for r in rows])
    return [
        Change(
            "open-question",
            str(row["q"]),
            b.label(row["q"]),
            events[row["event"]].date,
            f"raised by: {b.label(row['event'])}",
            str(row["g"]) == DERIVED_GRAPH,
            _derived_sources(b, row, str(row["g"]) == DERIVED_GRAPH),
        )
        for row in rows
    ]


def window(start: str | None, end: str | None, names: tuple[str, str]) -> tuple[date, date]:
    """The window (start, end] from the two given values, named as the caller's options or
    parameters (``--from``/``--to``, ``from``/``to``); the end may not be before the start."""
    first = parse_day(start, names[0], Location(field=names[0]))
    last = parse_day(end, names[1], Location(field=names[1]))
    if last < first:
        raise InputError(f"{names[1]} ({last}) is before {names[0]} ({first})", Location(field=names[1]))
    return first, last


def changes(store: GraphStore, start: date, end: date) -> Report:
    """What changes after ``start`` up to and including ``end``, over every graph merged
    (the sourced data and the derived graph)."""
    if end < start:
        raise ValueError("the end of the window is before its start")
    b = _Briefing(store, start, end)
    events = _events(b)
    found = [
        *_periods(b),
        *_event_lines(b, events),
        *_system_lines(b, events),
        *_decision_lines(b, events),
        *_question_lines(b, events),
    ]
    found = _with_source_ids(b, found)
    order = list(KINDS)
    found.sort(key=lambda c: (order.index(c.kind), c.date, c.label, c.subject))
    return Report(start, end, found)


def _with_source_ids(b: _Briefing, found: list[Change]) -> list[Change]:
    cited = sorted({rdflib.URIRef(s) for c in found for s in c.sources}, key=str)
    ids = {str(r["s"]): str(r["id"]) for r in b.select(_IDENTIFIERS, values("s", cited))} if cited else {}
    return [replace(c, source_ids=tuple(ids.get(s) or _slug_source(s) for s in c.sources)) for c in found]


# -- rendering ----------------------------------------------------------------------------------


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*FIELDS, "source_ids"])
    for c in report.changes:
        writer.writerow(
            [
                c.kind,
                c.subject,
                c.label,
                c.date,
                c.text,
                str(c.derived).lower(),
                " ".join(c.sources),
                " ".join(c.source_ids),
            ]
        )
    return buffer.getvalue()


def to_text(report: Report, *, markdown: bool = False) -> str:
    """A readable briefing grouped by kind; Markdown headings and bullets if ``markdown``."""
    title = f"Changes after {report.start.isoformat()} up to and including {report.end.isoformat()}"
    lines = [f"# {title}" if markdown else title, ""]
    if not report.changes:
        lines.append("No changes recorded in this window.")
    for kind, (heading, _) in KINDS.items():
        group = report.of_kind(kind)
        if not group:
            continue
        lines.append(f"## {heading} ({len(group)})" if markdown else f"{heading} ({len(group)}):")
        for c in group:
            mark = " [derived]" if c.derived else ""
            sources = ", ".join(c.source_ids)
            bullet = "- " if markdown else "  "
            lines.append(
                f"{bullet}{c.date}  {c.label}: {c.text}{mark}" + (f"  ({sources})" if sources else "")
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _slug_source(source: str) -> str:
    """A source IRI as a reader knows it: the rule's slug, or the IRI."""
    return f"rule:{_slug(source)}" if "/id/rule/" in source else source
