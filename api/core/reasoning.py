"""OWL reasoning: consistency with HermiT (through owlready2), and optional materialisation
with owlrl.

HermiT runs on Java. Literals of datatypes outside the OWL 2 datatype map (xsd:date,
xsd:gYear, xsd:gYearMonth, which the data uses for honest dates) are ignored by the reasoner;
the SHACL shapes check those literals instead.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from ..errors import ReasonerUnavailableError
from .loading import INFERRED_GRAPH
from .namespaces import compact
from .store import GraphStore, Source, rdf_format

JAVA_PACKAGE_HINT = (
    "HermiT needs Java 11 or later and no 'java' was found on PATH; "
    "install it (Debian/Ubuntu: apt-get install default-jre-headless) and try again"
)

_SCHEMA_TYPES = {
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.Ontology,
    OWL.Restriction,
    OWL.AllDisjointClasses,
    RDFS.Datatype,
    RDFS.Class,
    RDF.Property,
    OWL.TransitiveProperty,
    OWL.FunctionalProperty,
    OWL.SymmetricProperty,
    OWL.InverseFunctionalProperty,
}


@dataclass
class ReasoningReport:
    consistent: bool
    unsatisfiable_classes: list[str] = field(default_factory=list)
    inconsistent_individuals: list[str] = field(default_factory=list)
    seconds: float = 0.0
    triples: int = 0

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable_classes

    def to_text(self) -> str:
        lines = []
        if self.consistent:
            lines.append(
                f"Consistent: ontology and data ({self.triples} triples) have a model "
                f"(HermiT, {self.seconds:.1f} s)."
            )
        else:
            lines.append(
                f"Inconsistent: ontology and data ({self.triples} triples) have no "
                f"model (HermiT, {self.seconds:.1f} s)."
            )
            if self.inconsistent_individuals:
                lines.append("Individuals whose descriptions together cause it:")
                lines += [f"  {compact(rdflib.URIRef(i))}" for i in self.inconsistent_individuals]
        if self.unsatisfiable_classes:
            lines.append("Unsatisfiable classes (can have no members):")
            lines += [f"  {compact(rdflib.URIRef(c))}" for c in self.unsatisfiable_classes]
        elif self.consistent:
            lines.append("No unsatisfiable classes.")
        return "\n".join(lines)


def java_executable() -> str:
    java = shutil.which("java")
    if java is None:
        raise ReasonerUnavailableError(JAVA_PACKAGE_HINT)
    return java


_OWLREADY = "http://www.lesfleursdunormal.fr/static/_downloads/owlready_ontology.owl#"
"""owlready2's own annotations; its ``python_module`` makes it import the Python module named."""


def _reaches_out(predicate: Node) -> bool:
    """Whether owlready2 acts beyond the file it reads on a triple with this predicate: it
    downloads every owl:imports target (over HTTP, from anywhere), and imports the Python
    module an owlready python_module annotation names."""
    return predicate == OWL.imports or str(predicate).startswith(_OWLREADY)


def local_only(graph: rdflib.Graph) -> rdflib.Graph:
    """``graph`` without the triples that would make owlready2 fetch or import anything: the
    reasoner sees exactly the data it is given, which already holds the ontology (rsikg loads
    it as a file), so an import is never needed and never followed."""
    outward = [t for t in graph if _reaches_out(t[1])]
    if not outward:
        return graph
    kept = rdflib.Graph()
    kept += graph
    for triple in outward:
        kept.remove(triple)
    return kept


def _run_hermit(graph: rdflib.Graph) -> tuple[bool, list[str]]:
    """(consistent, unsatisfiable class IRIs) for one graph, in a fresh owlready2 world that
    reads it from a local file, and nothing else."""
    import owlready2  # imported here: it is slow to import and only this needs it

    owlready2.JAVA_EXE = java_executable()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "closure.nt"
        local_only(graph).serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        ontology = world.get_ontology(path.as_uri())
        with path.open("rb") as f:
            ontology.load(fileobj=f, format="ntriples")
        try:
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
        except owlready2.OwlReadyInconsistentOntologyError:
            return False, []
        except owlready2.OwlReadyJavaError as err:
            raise ReasonerUnavailableError(f"HermiT failed: {err}") from err
        unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))
        world.close()
        return True, unsatisfiable


def _description(graph: rdflib.Graph, start: Node) -> Iterator[tuple[Node, Node, Node]]:
    """The triples of ``start`` and of the blank nodes they lead to (its bounded description)."""
    stack: list[Node] = [start]
    seen: set[Node] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            yield node, p, o
            if isinstance(o, rdflib.BNode):
                stack.append(o)


def _split_abox(graph: rdflib.Graph) -> tuple[rdflib.Graph, dict[str, rdflib.Graph]]:
    """The schema part, and each named individual's own description (with its blank nodes)."""
    schema_subjects = {s for s, t in graph.subject_objects(RDF.type) if t in _SCHEMA_TYPES}
    individuals: dict[str, rdflib.Graph] = {}
    schema = rdflib.Graph()
    for s in set(graph.subjects()):
        if isinstance(s, rdflib.URIRef):
            target = schema if s in schema_subjects else individuals.setdefault(str(s), rdflib.Graph())
        elif not any(graph.subjects(None, s)):
            target = schema  # blank nodes no IRI reaches (e.g. owl:AllDisjointClasses axioms)
        else:
            continue
        for triple in _description(graph, s):
            target.add(triple)
    return schema, individuals


def _first_needed(
    base: rdflib.Graph,
    parts: Sequence[tuple[str, rdflib.Graph]],
    consistent: Callable[[rdflib.Graph], bool],
) -> int:
    """The smallest k such that base + parts[0..k] is inconsistent (bisection)."""
    low, high = 0, len(parts) - 1
    while low < high:
        middle = (low + high) // 2
        trial = rdflib.Graph()
        trial += base
        for _, g in parts[: middle + 1]:
            trial += g
        if consistent(trial):
            low = middle + 1
        else:
            high = middle
    return low


def locate_inconsistency(graph: rdflib.Graph) -> list[str]:
    """Name individuals whose descriptions together make the graph inconsistent.

    Bisection over the individuals: the first one whose addition makes the schema plus the
    individuals before it inconsistent, then, with that one fixed, the earliest other one it
    needs. A few HermiT runs (about 2 log2 n); used only once an inconsistency is known.
    """

    def consistent(g: rdflib.Graph) -> bool:
        return _run_hermit(g)[0]

    schema, individuals = _split_abox(graph)
    if not consistent(schema) or not individuals:
        return []  # the schema alone is inconsistent: no individual is to blame
    parts = sorted(individuals.items())
    k = _first_needed(schema, parts, consistent)
    culprit_name, culprit = parts[k]
    base = rdflib.Graph()
    base += schema
    base += culprit
    if not consistent(base):
        return [culprit_name]
    partner = _first_needed(base, parts[:k], consistent)
    return sorted({culprit_name, parts[partner][0]})


def check_consistency(graph: rdflib.Graph, *, locate: bool = True) -> ReasoningReport:
    """Check ontology + data with HermiT: consistency, unsatisfiable classes, and, when
    inconsistent, the individuals to blame."""
    start = time.perf_counter()
    consistent, unsatisfiable = _run_hermit(graph)
    report = ReasoningReport(consistent, unsatisfiable, triples=len(graph))
    if not consistent and locate:
        report.inconsistent_individuals = locate_inconsistency(graph)
    report.seconds = time.perf_counter() - start
    return report


def materialise(store: GraphStore, graph: rdflib.Graph, profile: str) -> int:
    """Compute the RDFS or OWL 2 RL closure of ``graph`` with owlrl and store the triples it
    adds in their own graph (replacing an earlier materialisation). Returns how many."""
    import owlrl

    semantics = {"rdfs": owlrl.RDFS_Semantics, "owlrl": owlrl.OWLRL_Semantics}[profile]
    closure = rdflib.Graph()
    closure += graph
    owlrl.DeductiveClosure(semantics, axiomatic_triples=False).expand(closure)
    inferred = rdflib.Graph()
    for s, p, o in closure - graph:  # owlrl's generalised RDF (literal subjects) cannot be stored
        if isinstance(s, rdflib.URIRef | rdflib.BNode) and isinstance(p, rdflib.URIRef):
            inferred.add((s, p, o))
    data = inferred.serialize(format="nt", encoding="utf-8")
    store.load([Source(name="inferred", graph=INFERRED_GRAPH, format=rdf_format("ntriples"), data=data)])
    return len(inferred)
