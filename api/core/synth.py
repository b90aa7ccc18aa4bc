"""A synthetic, national-scale graph in rsikg's own ontology, for benchmarks and load tests.

Not data about RSI: every resource lives under https://w3id.org/rsikg/id/synth/ and cites one
source document that says it is synthetic. The graph conforms to the shapes when validated
with the ontology and vocabularies (and alone: it has its own regions and fora). With N
systems it holds 5 regions (two of which merge into a sixth on 2027-01-01, as in the 2027
reform), 98 municipalities, the RSI fora with two seats per region, vendors,
N systems with about five dependencies each (mostly on earlier systems, plus a chain through
the first ``chain`` systems that is deeper than a thousand links, and a few small cycles),
projects, architecture decisions with supersession, and comply-or-explain statements.
N = 25,000 gives about 700,000 triples. The same seed gives the same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import sparql_terms

BASE = "https://w3id.org/rsikg/id/synth/"
RSI = "https://w3id.org/rsikg/ontology#"
VOCAB = "https://w3id.org/rsikg/id/vocab/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
XSD = "http://www.w3.org/2001/XMLSchema#"

SYSTEM_KINDS = [
    "epj",
    "praehospital-journal",
    "borgerportal",
    "telemedicin",
    "logistik",
    "administration",
    "infrastruktur",
    "identitet-og-adgang",
    "billeddeling",
    "laboratorie",
    "henvisning",
    "mobilapp",
    "register",
]
REGIONS = ["hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland"]
FORA = [  # slug, class, mandate, seats per region
    ("direktoerkreds", "Forum", "strategy", 2),
    ("digitaliseringskreds", "SteeringGroup", "projects", 2),
    ("systemforvaltning", "SteeringGroup", "operations", 0),
    ("arkitekturraad", "ArchitectureCouncil", "architecture", 0),
]


@dataclass(frozen=True)
class SynthStats:
    triples: int
    systems: int
    dependencies: int
    chain_depth: int
    decisions: int
    statements: int


# N-Triples writes IRIs and strings as SPARQL does: one builder for both.
_iri = sparql_terms.iri


def _text(value: str, lang: str | None = None) -> str:
    return sparql_terms.literal(value, lang=lang)


def _typed(value: str, datatype: str) -> str:
    return sparql_terms.literal(value, datatype=XSD + datatype)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.source = _iri(BASE + "source")

    def triple(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{_iri(s)} {_iri(p)} {o} .\n")

    def resource(self, iri: str, cls: str, da: str, en: str) -> None:
        self.triple(iri, RDF_TYPE, _iri(cls))
        self.triple(iri, SKOS + "prefLabel", _text(da, "da"))
        self.triple(iri, SKOS + "prefLabel", _text(en, "en"))
        self.triple(iri, DCT + "source", self.source)


SUCCESSOR = "oestlig"
MERGER_DAY, MERGED_END = "2027-01-01", "2026-12-31"


def _merger(w: _Writer, originals: list[str], successor: str) -> None:
    """Like the 2027 reform: ``originals`` end on MERGED_END, and an org:ChangeEvent on
    MERGER_DAY has ``successor`` as its result."""
    event = BASE + "event/merger"
    w.resource(event, ORG + "ChangeEvent", "Syntetisk sammenlægning", "Synthetic merger")
    w.triple(event, RSI + "startDate", _typed(MERGER_DAY, "date"))
    for original in originals:
        w.triple(original, RSI + "endDate", _typed(MERGED_END, "date"))
        w.triple(original, ORG + "changedBy", _iri(event))
        w.triple(event, ORG + "originalOrganization", _iri(original))
    w.resource(successor, RSI + "Region", "Syntetisk region øst", "Synthetic region east")
    w.triple(successor, RSI + "inSector", _iri(VOCAB + "sectors/regionerne"))
    w.triple(successor, RSI + "startDate", _typed(MERGER_DAY, "date"))
    w.triple(successor, ORG + "resultedFrom", _iri(event))
    w.triple(event, ORG + "resultingOrganization", _iri(successor))


def _graph(systems: int, seed: int, chain: int) -> Iterator[str]:
    """The lines of the N-Triples file, then a comment with the counts. One random generator
    runs through the parts in this order, so the same seed gives the same bytes."""
    rng = random.Random(seed)  # noqa: S311 (reproducible synthetic data, no secret)
    w = _Writer()
    _source(w, seed)
    parties = _organisations(w)
    _fora(w, parties)
    system_iris = [BASE + f"system/{i}" for i in range(systems)]
    dependencies = _systems(w, rng, system_iris, chain, parties)
    _projects(w, rng, system_iris, parties)
    statements = _decisions(w, rng, system_iris, parties)
    yield from w.lines
    yield f"# systems={systems} dependencies={dependencies} chain={chain} statements={statements}\n"


@dataclass
class _Parties:
    """The organisations the systems, seats and decisions refer to."""

    regions: list[str]
    merged: list[str]  # the regions that end in the merger
    successor: str  # the region they merge into
    users: list[str]  # regions, then municipalities
    vendors: list[str]
    fora: dict[str, str] = field(default_factory=dict)  # mandate → forum


def _source(w: _Writer, seed: int) -> None:
    w.resource(
        BASE + "source",
        RSI + "SourceDocument",
        f"Syntetiske data (seed {seed})",
        f"Synthetic data (seed {seed})",
    )
    w.triple(BASE + "source", RSI + "illustrative", _typed("true", "boolean"))


def _organisations(w: _Writer) -> _Parties:
    """Regions (with the merger), municipalities and vendors."""
    regions = [BASE + f"region/{r}" for r in REGIONS]
    for slug, iri in zip(REGIONS, regions, strict=True):
        w.resource(iri, RSI + "Region", f"Syntetisk region {slug}", f"Synthetic region {slug}")
        w.triple(iri, RSI + "inSector", _iri(VOCAB + "sectors/regionerne"))
        w.triple(iri, RSI + "startDate", _typed("2007", "gYear"))
    # The 2027 reform in miniature: two regions end on 2026-12-31 and merge into a successor.
    merged, successor = regions[:2], BASE + f"region/{SUCCESSOR}"
    _merger(w, merged, successor)
    municipalities = [BASE + f"municipality/{i}" for i in range(98)]
    for i, iri in enumerate(municipalities):
        w.resource(iri, RSI + "PublicOrganisation", f"Syntetisk kommune {i}", f"Synthetic municipality {i}")
        w.triple(iri, RSI + "inSector", _iri(VOCAB + "sectors/kommunerne"))
        w.triple(iri, RSI + "startDate", _typed("2007", "gYear"))
    vendors = [BASE + f"vendor/{i}" for i in range(60)]
    for i, iri in enumerate(vendors):
        w.resource(iri, RSI + "Company", f"Syntetisk leverandør {i}", f"Synthetic vendor {i}")
    return _Parties(regions, merged, successor, regions + municipalities, vendors)


def _fora(w: _Writer, parties: _Parties) -> None:
    """The fora of FORA, by mandate in ``parties.fora``, and their seats."""
    for slug, cls, mandate, seats in FORA:
        forum = parties.fora[mandate] = BASE + f"forum/{slug}"
        w.resource(forum, RSI + cls, f"Syntetisk forum {slug}", f"Synthetic forum {slug}")
        w.triple(forum, SKOS + "definition", _text(f"Syntetisk forum med mandat til {mandate}.", "da"))
        w.triple(forum, RSI + "mandate", _iri(VOCAB + f"decision-kinds/{mandate}"))
        if seats:
            w.triple(forum, RSI + "seatsPerRegion", _typed(str(seats), "integer"))
            _seats(w, slug, forum, seats, parties)


def _seats(w: _Writer, slug: str, forum: str, seats: int, parties: _Parties) -> None:
    """``seats`` seats per region; those of the merged regions end with them, the successor's
    begin on the day of the merger."""
    regions = [*parties.regions, parties.successor]
    for region, region_slug in zip(regions, [*REGIONS, SUCCESSOR], strict=True):
        for role in ("koncerndirektoer", "it-direktoer")[:seats]:
            membership = BASE + f"membership/{slug}/{region_slug}/{role}"
            w.resource(membership, ORG + "Membership", f"Plads i {slug}", f"Seat in {slug}")
            w.triple(membership, ORG + "organization", _iri(forum))
            w.triple(membership, ORG + "member", _iri(region))
            w.triple(membership, ORG + "role", _iri(VOCAB + f"roles/{role}"))
            if region in parties.merged:
                w.triple(membership, RSI + "endDate", _typed(MERGED_END, "date"))
            elif region == parties.successor:
                w.triple(membership, RSI + "startDate", _typed(MERGER_DAY, "date"))


def _systems(w: _Writer, rng: random.Random, system_iris: list[str], chain: int, parties: _Parties) -> int:
    """The systems and their dependencies; returns the number of dependencies."""
    dependencies = 0
    for i, iri in enumerate(system_iris):
        _system(w, rng, i, iri, parties)
        dependencies += _depends(w, rng, i, system_iris, chain)
    for start in range(chain, min(len(system_iris) - 2, chain + 30), 10):  # a few three-system cycles
        a, b, c = system_iris[start : start + 3]
        for user, used in ((a, c), (c, b), (b, a)):  # a → c → b → a (N-Triples allows repeats)
            w.triple(user, RSI + "dependsOn", _iri(used))
        dependencies += 3
    return dependencies


def _system(w: _Writer, rng: random.Random, i: int, iri: str, parties: _Parties) -> None:
    """The i-th system: what it is, when, who uses, manages and (for a shared one) runs it."""
    shared = i % 10 == 0
    w.resource(iri, RSI + ("SharedSystem" if shared else "ITSystem"), f"System {i}", f"System {i}")
    w.triple(iri, SKOS + "definition", _text(f"Syntetisk it-system nummer {i}.", "da"))
    w.triple(iri, SKOS + "definition", _text(f"Synthetic IT system number {i}.", "en"))
    w.triple(iri, DCT + "identifier", _text(f"SYS-{i:06d}"))
    w.triple(iri, SKOS + "altLabel", _text(f"S{i}", "da"))
    w.triple(iri, SKOS + "notation", _text(f"s{i}"))
    w.triple(iri, RSI + "systemKind", _iri(VOCAB + f"system-kinds/{rng.choice(SYSTEM_KINDS)}"))
    w.triple(iri, RSI + "vendor", _iri(rng.choice(parties.vendors)))
    started = rng.randint(1995, 2025)
    w.triple(iri, RSI + "startDate", _typed(str(started), "gYear"))
    if i % 20 == 7:  # retired after every decision's date (2010–2024), so none affects a retired one
        w.triple(iri, RSI + "endDate", _typed(str(max(started, rng.choice((2025, 2026)))), "gYear"))
    chosen = rng.sample(parties.users, rng.randint(4, 8))
    for user in chosen:
        w.triple(iri, RSI + "usedBy", _iri(user))
    for sector in sorted({"regionerne" if u in parties.regions else "kommunerne" for u in chosen}):
        w.triple(iri, RSI + "usedInSector", _iri(VOCAB + f"sectors/{sector}"))
    w.triple(iri, RSI + "systemManager", _iri(rng.choice(parties.regions)))
    if shared:
        w.triple(iri, RSI + "governedBy", _iri(parties.fora["operations"]))
        w.triple(iri, RSI + "operatedBy", _iri(rng.choice(parties.regions)))


def _depends(w: _Writer, rng: random.Random, i: int, system_iris: list[str], chain: int) -> int:
    """What the i-th system depends on: the one before it within the chain, three to seven
    earlier ones beyond it. Returns how many."""
    targets: set[int] = set()
    if 0 < i < chain:
        targets.add(i - 1)  # the deep chain
    elif i >= chain:
        targets.update(rng.randrange(i) for _ in range(rng.randint(3, 7)))
    for j in sorted(targets):
        w.triple(system_iris[i], RSI + "dependsOn", _iri(system_iris[j]))
    return len(targets)


def _projects(w: _Writer, rng: random.Random, system_iris: list[str], parties: _Parties) -> None:
    for i in range(len(system_iris) // 50):
        project = BASE + f"project/{i}"
        w.resource(project, RSI + "Project", f"Projekt {i}", f"Project {i}")
        w.triple(project, RSI + "governedBy", _iri(parties.fora["projects"]))
        w.triple(project, RSI + "delivers", _iri(rng.choice(system_iris)))


def _decisions(w: _Writer, rng: random.Random, system_iris: list[str], parties: _Parties) -> int:
    """Architecture decisions, about one in ten superseding an accepted one, and the regions'
    compliance statements on them; returns the number of statements."""
    decisions: list[str] = []  # accepted, so they can still be superseded
    claimed: dict[tuple[str, str], str] = {}  # (system, kind) → the accepted decision on it
    status: dict[str, str] = {}
    statements = 0
    for i in range(max(1, len(system_iris) // 25)):
        decision = BASE + f"decision/{i}"
        kind = "architecture" if i % 3 else "operations"
        superseded = bool(decisions) and rng.random() < 0.1
        old = rng.choice(decisions) if superseded else None
        _decision(w, i, decision, kind, parties)
        if old is not None:  # its systems are free again for decisions of its kind
            claimed = {key: d for key, d in claimed.items() if d != old}
        _affects(w, rng, decision, kind, system_iris, claimed)
        for region in parties.regions:
            w.triple(decision, RSI + "appliesTo", _iri(region))
        if old is not None:
            w.triple(decision, RSI + "supersedes", _iri(old))
            decisions.remove(old)
            status[old] = "superseded"
        status[decision] = "accepted"
        decisions.append(decision)
        statements += _statements(w, rng, i, decision, parties.regions)
    for decision, value in status.items():
        w.triple(decision, RSI + "status", _iri(VOCAB + f"decision-status/{value}"))
    return statements


def _decision(w: _Writer, i: int, decision: str, kind: str, parties: _Parties) -> None:
    """The i-th decision's own statements: title, date, texts, forum and kind."""
    w.resource(decision, RSI + "ArchitectureDecision", f"Beslutning {i}", f"Decision {i}")
    w.triple(decision, DCT + "title", _text(f"Syntetisk beslutning {i}", "da"))
    w.triple(decision, DCT + "date", _typed(f"20{10 + i % 15:02d}-{1 + i % 12:02d}-01", "date"))
    w.triple(decision, RSI + "context", _text("Syntetisk kontekst.", "da"))
    w.triple(decision, RSI + "decisionOutcome", _text("Syntetisk beslutning.", "da"))
    w.triple(decision, RSI + "consequences", _text("Syntetiske konsekvenser.", "da"))
    w.triple(decision, RSI + "decidedBy", _iri(parties.fora[kind]))
    w.triple(decision, RSI + "decisionKind", _iri(VOCAB + f"decision-kinds/{kind}"))


def _affects(
    w: _Writer,
    rng: random.Random,
    decision: str,
    kind: str,
    system_iris: list[str],
    claimed: dict[tuple[str, str], str],
) -> None:
    """One to three systems the decision affects, and claims in ``claimed``: no two accepted
    decisions of one kind on one system."""
    wanted, affected = min(len(system_iris), rng.randint(1, 3)), list[str]()
    while len(affected) < wanted:
        system = rng.choice(system_iris)
        if (system, kind) not in claimed and system not in affected:
            affected.append(system)
    for system in affected:
        w.triple(decision, RSI + "affects", _iri(system))
        claimed[(system, kind)] = decision


def _statements(w: _Writer, rng: random.Random, i: int, decision: str, regions: list[str]) -> int:
    """Most regions' compliance statements on the i-th decision, one in five deviating;
    returns how many."""
    statements = 0
    for region, slug in zip(regions, REGIONS, strict=True):
        if rng.random() >= 0.8:
            continue
        statement = BASE + f"statement/{i}/{slug}"
        deviates = rng.random() < 0.2
        w.resource(statement, RSI + "ComplianceStatement", f"Erklæring {i} {slug}", f"Statement {i} {slug}")
        w.triple(statement, RSI + "complianceOf", _iri(decision))
        w.triple(statement, DCT + "date", _typed(f"20{10 + i % 15:02d}-{1 + i % 12:02d}-15", "date"))
        w.triple(statement, RSI + "statedBy", _iri(region))
        status = "deviates" if deviates else "complies"
        w.triple(statement, RSI + "complianceStatus", _iri(VOCAB + f"compliance-status/{status}"))
        if deviates:
            w.triple(statement, RSI + "explanation", _text("Syntetisk forklaring.", "da"))
        statements += 1
    return statements


def synthesise(systems: int, out: Path, *, seed: int = 1, chain: int = 1200) -> SynthStats:
    """Write the synthetic graph as N-Triples to ``out``."""
    chain = min(chain, systems)
    triples = 0
    stats_line = ""
    with out.open("w", encoding="utf-8") as f:
        for line in _graph(systems, seed, chain):
            if line.startswith("#"):
                stats_line = line
            else:
                triples += 1
            f.write(line)
    fields = dict(part.split("=") for part in stats_line[2:].split())
    decisions = max(1, systems // 25)
    return SynthStats(
        triples, systems, int(fields["dependencies"]), max(0, chain - 1), decisions, int(fields["statements"])
    )
