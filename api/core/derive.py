"""Statements rsikg derives from sourced facts by stated rules, in a graph of their own.

Where a source states a rule rather than a fact (Overgangsloven § 126: Region Østdanmark takes
over the two regions' rights and obligations), the consequences are derived here, not typed into
graph_data/. Every derived statement goes into :data:`DERIVED_GRAPH`, which is described with
``prov:wasDerivedFrom`` the rules used and their sources; every node made here has
``prov:wasDerivedFrom`` its rule and the facts it came from, and ``dct:source`` its rule's
sources, so the unsourced-subject rule holds for derived nodes too. The rules themselves are
described, with their sources, in graph_data/reform-2027.ttl.

Rules, in order (each reads only the sourced graphs, never an earlier derivation, so a reload
derives the same graph again):

1. a membership cannot outlive its member: an ``org:Membership`` with no ``rsi:endDate`` whose
   member has an ``rsi:endDate`` gets that end date (the 2010 memberships too: with no end date
   they would read as still holding, which a dissolved member contradicts);
2. § 126: for each membership of an original region of a change event that ends by (1), in a
   forum that continues past the event, the event's one resulting organisation gets a membership
   in the same forum with the same role from its start date ("two members per region" stays).
   Not for a membership known only for a period (``org:memberDuring``, the 2010 steering
   group): that the region still held it when it ceased, no source says;
3. where the sources are silent: each organisation that continues after a change event and of
   which an original (that ends) was a member gets an ``rsi:OpenQuestion`` on its composition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from .mergers import successors
from .namespaces import ID, ORG, RSI, SPARQL_PREFIXES
from .sparql_terms import iri, not_ended_before, triples_block, values
from .store import GraphStore, SelectResult

DERIVED_GRAPH = "https://w3id.org/rsikg/graph/derived/reform-2027"
RULE_MEMBERSHIP_ENDS = ID["rule/medlemskab-slutter-med-medlemmet"]
RULE_SECTION_126 = ID["rule/overgangsloven-126-medlemskaber"]
RULE_OPEN_QUESTIONS = ID["rule/aabne-spoergsmaal-om-fora"]
# Applied when an answer is made (the compliance matrix, the changes briefing), not stored:
# which statements a successor inherits depends on the statements made so far.
RULE_SECTION_126_OBLIGATIONS = ID["rule/overgangsloven-126-forpligtelser"]

Triple = tuple[Node, Node, Node]

_ENDED_WITH_MEMBER = (
    SPARQL_PREFIXES
    + """SELECT ?membership (MIN(?end) AS ?last) WHERE {
  ?membership a org:Membership ; org:member ?member .
  ?member rsi:endDate ?end .
  FILTER NOT EXISTS { ?membership rsi:endDate ?own }
} GROUP BY ?membership ORDER BY ?membership"""
)

# Rules 2 and 3 keep ?org only if it has not ended before ?date, the ontology's way (the
# builder's not_ended_before): lexical forms cut to the stored value's precision, so gYear,
# gYearMonth and date compare alike. Rule 2's (member, successor) pairs are a VALUES block read
# by api.core.mergers, the one reading of "the one result of a merger".
_DATE = rdflib.Variable("date")
_SUCCESSIONS = f"""SELECT ?membership ?org ?role ?successor ?date WHERE {{
  %s
  %s
  ?membership org:organization ?org ; org:member ?member ; org:role ?role .
  FILTER NOT EXISTS {{ ?membership org:memberDuring ?seen }}
  ?member a rsi:Region .
  ?successor rsi:startDate ?date .
  {not_ended_before("org", _DATE)}
}} ORDER BY ?org ?role ?membership"""

_SILENT = (
    SPARQL_PREFIXES
    + f"""SELECT DISTINCT ?org ?event ?date WHERE {{
  ?event a org:ChangeEvent ; org:originalOrganization ?original ; rsi:startDate ?date .
  ?original rsi:endDate ?originalEnd .
  {{ ?org org:hasMember ?original }}
  UNION {{ ?m org:organization ?org ; org:member ?original FILTER NOT EXISTS {{ ?m org:memberDuring ?p }} }}
  FILTER NOT EXISTS {{ ?event org:resultingOrganization ?org }}
  FILTER NOT EXISTS {{ ?org rsi:attestedDuring ?seen }}
  {not_ended_before("org", _DATE)}
}} ORDER BY ?event ?org"""
)

_LABELS = """SELECT ?node ?label WHERE {
  %s
  ?node skos:prefLabel ?label FILTER(LANG(?label) IN ("da", "en"))
}"""

_RULE_SOURCES = """SELECT ?rule ?source WHERE { %s ?rule dct:source ?source } ORDER BY ?rule ?source"""


@dataclass
class Derivation:
    """What the rules derived: the triples, and which rules and sources they rest on."""

    triples: list[Triple] = field(default_factory=list)
    rules: set[rdflib.URIRef] = field(default_factory=set)

    def add(self, rule: rdflib.URIRef, triples: Iterable[Triple]) -> None:
        new = list(triples)
        if new:
            self.triples.extend(new)
            self.rules.add(rule)


def _select(store: GraphStore, sparql: str, graphs: Sequence[str]) -> SelectResult:
    return store.select(sparql, default_graphs=graphs)


def _slug(node: Node) -> str:
    """The last path segment of a data IRI (``.../region/region-sjaelland`` → ``region-sjaelland``)."""
    return str(node).rstrip("/").rsplit("/", 1)[-1]


def _labels(store: GraphStore, graphs: Sequence[str], nodes: Iterable[Node]) -> dict[tuple[Node, str], str]:
    """Each node's skos:prefLabel in da and en, keyed (node, language)."""
    wanted = sorted(set(nodes), key=str)
    if not wanted:
        return {}
    result = _select(store, SPARQL_PREFIXES + _LABELS % values("node", wanted), graphs)
    labels = {}
    for row in result.dicts():
        label = row["label"]
        if isinstance(label, rdflib.Literal) and label.language:
            labels[row["node"], label.language] = str(label)
    return labels


def rule_sources(store: GraphStore, graphs: Sequence[str], rules: Iterable[Node]) -> dict[Node, list[Node]]:
    """The dct:source of each rule, as graph_data/reform-2027.ttl describes it."""
    wanted = sorted(set(rules), key=str)
    found: dict[Node, list[Node]] = defaultdict(list)
    if wanted:
        for row in _select(store, SPARQL_PREFIXES + _RULE_SOURCES % values("rule", wanted), graphs).dicts():
            found[row["rule"]].append(row["source"])
    return found


def memberships_ending_with_member(store: GraphStore, graphs: Sequence[str]) -> dict[Node, Node]:
    """Rule 1: {membership: the end date it gets from its member}."""
    return {row["membership"]: row["last"] for row in _select(store, _ENDED_WITH_MEMBER, graphs).dicts()}


def _labelled(node: Node, labels: dict[tuple[Node, str], str], da: str, en: str) -> list[Triple]:
    """skos:prefLabel in da and en, from templates over the labels of the nodes involved."""
    try:
        return [
            (node, SKOS.prefLabel, rdflib.Literal(da.format_map(_Lang(labels, "da")), lang="da")),
            (node, SKOS.prefLabel, rdflib.Literal(en.format_map(_Lang(labels, "en")), lang="en")),
        ]
    except KeyError:  # a node without a label in that language: no made-up label
        return []


class _Lang(dict[str, str]):
    """Template values: ``{<slug>}`` is that node's label in one language."""

    def __init__(self, labels: dict[tuple[Node, str], str], lang: str) -> None:
        super().__init__({_slug(node): text for (node, language), text in labels.items() if language == lang})


def _provenance(node: Node, rule: Node, facts: Iterable[Node], sources: Sequence[Node]) -> list[Triple]:
    return [
        (node, PROV.wasDerivedFrom, rule),
        *((node, PROV.wasDerivedFrom, fact) for fact in sorted(set(facts), key=str)),
        *((node, DCTERMS.source, source) for source in sources),
    ]


def successor_memberships(
    store: GraphStore, graphs: Sequence[str], ended: dict[Node, Node], sources: Sequence[Node]
) -> list[Triple]:
    """Rule 2 (§ 126): the resulting region's memberships, one per (forum, role)."""
    merged = successors(store, graphs) if ended else {}
    if not merged:
        return []
    pairs = [(rdflib.URIRef(original), rdflib.URIRef(result)) for original, result in sorted(merged.items())]
    query = SPARQL_PREFIXES + _SUCCESSIONS % (
        values("membership", sorted(ended, key=str)),
        values(("member", "successor"), pairs),
    )
    groups: dict[tuple[Node, Node, Node, Node], list[Node]] = defaultdict(list)
    for row in _select(store, query, graphs).dicts():
        groups[row["org"], row["role"], row["successor"], row["date"]].append(row["membership"])
    labels = _labels(store, graphs, {n for key in groups for n in key[:3]})
    triples: list[Triple] = []
    for (forum, role, successor, start), originals in groups.items():
        node = ID[f"membership/{_slug(forum)}/{_slug(successor)}/{_slug(role)}"]
        triples += [
            (node, RDF.type, ORG.Membership),
            (node, ORG.organization, forum),
            (node, ORG.member, successor),
            (node, ORG.role, role),
            (node, RSI.startDate, start),
            *_labelled(
                node,
                labels,
                f"{{{_slug(successor)}}} i {{{_slug(forum)}}}: {{{_slug(role)}}}",
                f"{{{_slug(successor)}}} in {{{_slug(forum)}}}: {{{_slug(role)}}}",
            ),
            *_provenance(node, RULE_SECTION_126, originals, sources),
        ]
    return triples


def open_questions(store: GraphStore, graphs: Sequence[str], sources: Sequence[Node]) -> list[Triple]:
    """Rule 3: an open question on the composition of each organisation a change leaves
    without some of its members, rather than a guess at it."""
    rows = _select(store, _SILENT, graphs).dicts()
    labels = _labels(store, graphs, {row["org"] for row in rows})
    triples: list[Triple] = []
    for row in rows:
        org, event, date = row["org"], row["event"], row["date"]
        node = ID[f"question/{_slug(event)}/{_slug(org)}"]
        triples += [
            (node, RDF.type, RSI.OpenQuestion),
            (node, RSI.concerns, org),
            (node, RSI.concerns, event),
            *_labelled(
                node,
                labels,
                f"Hvordan er {{{_slug(org)}}} sammensat fra {date}?",
                f"How is {{{_slug(org)}}} composed from {date}?",
            ),
            (node, RDFS.comment, rdflib.Literal(_QUESTION_DA, lang="da")),
            (node, RDFS.comment, rdflib.Literal(_QUESTION_EN, lang="en")),
            *_provenance(node, RULE_OPEN_QUESTIONS, [event], sources),
        ]
    return triples


_QUESTION_DA = (
    "Kilderne siger ikke, hvordan organisationen sammensættes, efter at et af dens medlemmer er "
    "ophørt; ud over de medlemskaber, rsikg udleder efter Overgangsloven § 126, er spørgsmålet åbent."
)
_QUESTION_EN = (
    "The sources do not say how the organisation is composed after one of its members has ceased "
    "to exist; beyond the memberships rsikg derives by Transition Act section 126, the question is open."
)


def derive(store: GraphStore, graphs: Sequence[str]) -> Derivation:
    """Run the rules over ``graphs`` (the sourced data, not an earlier derivation)."""
    sources = rule_sources(store, graphs, [RULE_MEMBERSHIP_ENDS, RULE_SECTION_126, RULE_OPEN_QUESTIONS])
    derivation = Derivation()
    ended = memberships_ending_with_member(store, graphs)
    derivation.add(RULE_MEMBERSHIP_ENDS, ((m, RSI.endDate, end) for m, end in ended.items()))
    derivation.add(RULE_SECTION_126, successor_memberships(store, graphs, ended, sources[RULE_SECTION_126]))
    derivation.add(RULE_OPEN_QUESTIONS, open_questions(store, graphs, sources[RULE_OPEN_QUESTIONS]))
    derivation.triples += _graph_description(derivation.rules, sources)
    return derivation


def _graph_description(rules: set[rdflib.URIRef], sources: dict[Node, list[Node]]) -> list[Triple]:
    """The derived graph says what it was derived from: the rules used and their sources."""
    if not rules:
        return []
    graph = rdflib.URIRef(DERIVED_GRAPH)
    cited = sorted({source for rule in rules for source in sources.get(rule, [])}, key=str)
    return [
        (graph, RDF.type, PROV.Entity),
        (graph, SKOS.prefLabel, rdflib.Literal("Udledt af rsikg: 2027-reformens følger", lang="da")),
        (
            graph,
            SKOS.prefLabel,
            rdflib.Literal("Derived by rsikg: the consequences of the 2027 reform", lang="en"),
        ),
        *((graph, PROV.wasDerivedFrom, rule) for rule in sorted(rules, key=str)),
        *((graph, PROV.wasDerivedFrom, source) for source in cited),
    ]


def write_derived(store: GraphStore, graphs: Sequence[str]) -> int:
    """Replace :data:`DERIVED_GRAPH` with what the rules derive from ``graphs``, in one update
    (one transaction: a reader sees the old derivation or the new one, never half). Returns
    how many triples it holds."""
    sourced = [g for g in graphs if g != DERIVED_GRAPH]
    triples = derive(store, sourced).triples
    update = f"DROP SILENT GRAPH {iri(DERIVED_GRAPH)}"
    if triples:
        update += f" ;\nINSERT DATA {{ GRAPH {iri(DERIVED_GRAPH)} {{\n{triples_block(triples)}\n}} }}"
    store.update(update)
    return len(set(triples))
