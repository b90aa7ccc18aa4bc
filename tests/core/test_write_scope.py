"""Focused validation of a write (api/core/write_scope.py) gives what validating the whole graph
before and after it gives, over random writes on the project graph and on a synthetic one; the
reach of a shape is derived from the shapes graph, so a shape added to it is covered as it is.

The writes are drawn with fixed seeds from each graph's own vocabulary: triples added and
removed at random, labels without a language tag, sources removed, types added and removed,
a system's usedBy moved to a node that is not an organisation, class hierarchy changes, new
regions, end dates, blank nodes, whole graphs dropped. Each case checks more than the new
Violations (all severities): on each focus node and its shapes the extract gives the results the
whole graph gives, every result that changed on a focus node is among them, and off the focus
nodes no result changed.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from rsikg.core.loading import is_data_graph, load_files, load_project, shapes_files
from rsikg.core.shape_reach import ShapesReach, Step
from rsikg.core.sparql_terms import term
from rsikg.core.store import OxigraphStore, open_store
from rsikg.core.synth import synthesise
from rsikg.core.validation import (
    ValidationReport,
    ValidationResult,
    read_shapes,
    validate_graph,
    validation_data,
)
from rsikg.core.write_scope import WriteCheck, check_write, validate_focus, violation_key
from rsikg.settings import MEMORY, Settings

from tests.conftest import ROOT

RSI = rdflib.Namespace("https://w3id.org/rsikg/ontology#")
RSISH = rdflib.Namespace("https://w3id.org/rsikg/shapes#")
SETTINGS = Settings(store=MEMORY, project_dir=ROOT)
# about 40 s in all on an idle two-core machine; RSIKG_WRITE_CASES=N runs N of each for a longer sweep
PROJECT_CASES = int(os.environ.get("RSIKG_WRITE_CASES", "16"))
SYNTH_CASES = int(os.environ.get("RSIKG_WRITE_CASES", "12"))
_GRAPH_OF_LINE = re.compile(r"<([^<>]*)> \.$")


def _line(s: rdflib.term.Node, p: rdflib.term.Node, o: rdflib.term.Node, graph: str) -> str:
    return f"{term(s)} {term(p)} {term(o)} {term(URIRef(graph))} ."


@dataclass
class Base:
    """A store to write to, its whole-graph report, and its vocabulary to draw writes from."""

    store: OxigraphStore
    data: rdflib.Graph
    whole: ValidationReport
    lines: list[str] = field(default_factory=list)
    data_lines: list[str] = field(default_factory=list)
    triples: list[tuple[rdflib.term.Node, ...]] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)

    @staticmethod
    def of(store: OxigraphStore, shapes: rdflib.Graph) -> Base:
        data = validation_data(store, SETTINGS)
        base = Base(store, data, validate_graph(data, shapes))
        base.lines = list(store.quads_nquads())
        base.data_lines = [
            line for line in base.lines if (m := _GRAPH_OF_LINE.search(line)) and is_data_graph(m.group(1))
        ]
        rows = store.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
        base.triples = [r for r in rows if is_data_graph(str(r[3]))]
        base.graphs = sorted({str(r[3]) for r in base.triples})
        return base

    def after(self, removed: list[str], added: list[str]) -> OxigraphStore:
        store = open_store(None)
        store.apply_diff([], self.lines)
        store.apply_diff(removed, added)
        return store


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return read_shapes(shapes_files(SETTINGS))


@pytest.fixture(scope="module")
def project(shapes) -> Base:
    store = open_store(None)
    load_project(store, SETTINGS, examples=True)  # the examples: decisions and statements too
    return Base.of(store, shapes)


@pytest.fixture(scope="module")
def synthetic(shapes, tmp_path_factory) -> Base:
    out = tmp_path_factory.mktemp("synth") / "synth.nt"
    synthesise(60, out, seed=5, chain=20)
    store = open_store(None)
    background = [ROOT / "ontology" / "rsi.ttl", *sorted((ROOT / "ontology" / "vocab").glob("*.ttl"))]
    load_files(store, [*background, out], SETTINGS)
    return Base.of(store, shapes)


# --------------------------------------------------------------------------------------------
# Random writes
# --------------------------------------------------------------------------------------------


class Writes:
    """Random writes drawn from a base graph's own nodes, predicates and values."""

    def __init__(self, base: Base, rng: random.Random) -> None:
        self.base, self.rng = base, rng
        self.subjects = sorted({t[0] for t in base.triples}, key=str)
        self.nodes = sorted({t[2] for t in base.triples if isinstance(t[2], URIRef)}, key=str)
        self.by_predicate: dict[rdflib.term.Node, list[tuple[rdflib.term.Node, ...]]] = {}
        for t in base.triples:
            self.by_predicate.setdefault(t[1], []).append(t)
        self.predicates = sorted(self.by_predicate, key=str)
        self.classes = sorted({t[2] for t in self.by_predicate[RDF.type]}, key=str)

    def _pick(self, predicate: URIRef) -> tuple[rdflib.term.Node, ...]:
        return self.rng.choice(self.by_predicate[predicate])

    def _graph(self) -> str:
        return self.rng.choice(self.base.graphs)

    def _removing(self, s: rdflib.term.Node, p: rdflib.term.Node) -> list[str]:
        start = f"{term(s)} {term(p)} "
        return [line for line in self.base.data_lines if line.startswith(start)]

    def add_triple(self) -> tuple[list[str], list[str]]:
        predicate = self.rng.choice(self.predicates)
        value = self._pick(predicate)[2] if self.rng.random() < 0.7 else self.rng.choice(self.nodes)
        return [], [_line(self.rng.choice(self.subjects), predicate, value, self._graph())]

    def remove_lines(self) -> tuple[list[str], list[str]]:
        return self.rng.sample(self.base.data_lines, self.rng.randint(1, 3)), []

    def label_without_language(self) -> tuple[list[str], list[str]]:
        s = self._pick(SKOS.prefLabel)[0]
        return [], [_line(s, SKOS.prefLabel, Literal(f"navn {self.rng.randint(0, 99)}"), self._graph())]

    def remove_sources(self) -> tuple[list[str], list[str]]:
        return self._removing(self._pick(DCTERMS.source)[0], DCTERMS.source), []

    def add_type(self) -> tuple[list[str], list[str]]:
        node = self.rng.choice(self.subjects + self.nodes)
        return [], [_line(node, RDF.type, self.rng.choice(self.classes), self._graph())]

    def remove_type(self) -> tuple[list[str], list[str]]:
        s = self._pick(RDF.type)[0]
        return self.rng.sample(self._removing(s, RDF.type), 1), []

    def move_used_by(self) -> tuple[list[str], list[str]]:
        system, _p, _region, graph = self._pick(RSI.usedBy)
        other = self.rng.choice([self.rng.choice(self.nodes), Literal("en region")])
        removed = [line for line in self._removing(system, RSI.usedBy) if line.endswith(f"<{graph}> .")]
        return removed[:1], [_line(system, RSI.usedBy, other, str(graph))]

    def class_hierarchy(self) -> tuple[list[str], list[str]]:
        if self.rng.random() < 0.5:
            a, b = self.rng.sample(self.classes, 2)
            return [], [_line(a, RDFS.subClassOf, b, self._graph())]
        s = self._pick(RDFS.subClassOf)[0]
        return self._removing(s, RDFS.subClassOf)[:1], []

    def new_region(self) -> tuple[list[str], list[str]]:
        region = URIRef(f"https://w3id.org/rsikg/id/region/ny-{self.rng.randint(0, 999)}")
        node = region if self.rng.random() < 0.5 else self.rng.choice(self.subjects)
        added = [_line(node, RDF.type, RSI.Region, self._graph())]
        if self.rng.random() < 0.5:
            added.append(_line(node, RSI.startDate, Literal("2027-01-01", datatype=XSD.date), self._graph()))
        return [], added

    def end_date(self) -> tuple[list[str], list[str]]:
        if self.rng.random() < 0.3:
            return self.rng.sample(self._removing(self._pick(RSI.endDate)[0], RSI.endDate), 1), []
        value = self.rng.choice(
            [Literal("2009", datatype=XSD.gYear), Literal("2030-06-30", datatype=XSD.date), Literal("snart")]
        )
        return [], [_line(self.rng.choice(self.subjects), RSI.endDate, value, self._graph())]

    def blank_node(self) -> tuple[list[str], list[str]]:
        with_blank = [line for line in self.base.data_lines if "_:" in line]
        if with_blank and self.rng.random() < 0.5:
            return self.rng.sample(with_blank, 1), []
        node, graph = BNode(f"ny{self.rng.randint(0, 999)}"), self._graph()
        predicate = self.rng.choice(self.predicates)
        added = [_line(self.rng.choice(self.subjects), predicate, node, graph)]
        return [], [*added, _line(node, RDF.type, self.rng.choice(self.classes), graph)]

    def drop_graph(self) -> tuple[list[str], list[str]]:
        small = [g for g in self.base.graphs if sum(g in line for line in self.base.data_lines) < 80]
        graph = self.rng.choice(small)
        return [line for line in self.base.data_lines if line.endswith(f"<{graph}> .")], []

    def write(self) -> tuple[list[str], list[str]]:
        """One to three of the writes above, as one diff."""
        kinds: list[Callable[[], tuple[list[str], list[str]]]] = [
            self.add_triple, self.add_triple, self.remove_lines, self.remove_lines,
            self.label_without_language, self.remove_sources, self.add_type, self.remove_type,
            self.move_used_by, self.class_hierarchy, self.new_region, self.end_date, self.blank_node,
            self.drop_graph,
        ]  # fmt: skip
        removed: set[str] = set()
        added: set[str] = set()
        for kind in self.rng.sample(kinds, self.rng.randint(1, 3)):
            gone, new = kind()
            removed |= set(gone)
            added |= set(new)
        return sorted(removed - added), sorted(added - removed)


# --------------------------------------------------------------------------------------------
# The property
# --------------------------------------------------------------------------------------------


def _keys(
    results: list[ValidationResult], keep: Callable[[ValidationResult], bool] | None = None
) -> set[tuple[object, ...]]:
    return {(r.severity, *violation_key(r)) for r in results if keep is None or keep(r)}


def assert_same_as_whole(base: Base, after: OxigraphStore, check: WriteCheck, shapes: rdflib.Graph) -> None:
    """The focused check says what whole-graph validation says: the extract holds what the
    focus nodes' shapes read (the same results on them as on the whole graph), no result off
    the focus nodes changed, and so the new Violations are the same."""
    everything = validation_data(after, SETTINGS)
    whole = validate_graph(everything, shapes)
    assert _keys(check.after.results) == _keys(validate_focus(everything, shapes, check.focus).results)
    if check.before is not None:  # else nothing after the write is a Violation on the focus nodes
        assert _keys(check.before.results) == _keys(validate_focus(base.data, shapes, check.focus).results)
    on, off = (lambda r: r.focus_node in check.focus), (lambda r: r.focus_node not in check.focus)
    assert _keys(base.whole.results, off) == _keys(whole.results, off)
    # on them, what changed is among what the focused check validated
    assert _keys(whole.results, on) - _keys(base.whole.results, on) <= _keys(check.after.results)
    if check.before is not None:
        assert _keys(base.whole.results, on) - _keys(whole.results, on) <= _keys(check.before.results)
    known = {violation_key(r) for r in base.whole.results if r.severity == "Violation"}
    expected = {violation_key(r) for r in whole.results if r.severity == "Violation"} - known
    assert {violation_key(r) for r in check.new} == expected


def _run_cases(base: Base, shapes: rdflib.Graph, cases: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    writes = Writes(base, rng)
    found = []
    for case in range(cases):
        removed, added = writes.write()
        after = base.after(removed, added)
        check = check_write(base.store, after, removed, added, shapes, SETTINGS)
        assert not check.whole
        try:
            assert_same_as_whole(base, after, check, shapes)
        except AssertionError as err:
            raise AssertionError(f"case {case} (seed {seed}): removed {removed}, added {added}") from err
        found.append(len(check.new))
    return found


def test_focused_equals_whole_on_random_writes_to_the_project_graph(project, shapes):
    new = _run_cases(project, shapes, PROJECT_CASES, seed=12)
    # the writes are not all harmless: a good part of them add Violations, and some do not
    assert PROJECT_CASES // 4 <= sum(1 for n in new if n) < PROJECT_CASES


def test_focused_equals_whole_on_random_writes_to_a_synthetic_graph(synthetic, shapes):
    new = _run_cases(synthetic, shapes, SYNTH_CASES, seed=34)
    assert SYNTH_CASES // 4 <= sum(1 for n in new if n) < SYNTH_CASES


# --------------------------------------------------------------------------------------------
# The reach comes from the shapes
# --------------------------------------------------------------------------------------------

NEW_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rsi: <https://w3id.org/rsikg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <https://example.org/shapes#> .
ex:prefixes sh:declare [ sh:prefix "skos" ; sh:namespace "http://www.w3.org/2004/02/skos/core#" ] .
ex:VendorNamedShape a sh:NodeShape ;
    sh:targetClass rsi:ITSystem ;
    sh:sparql [
        sh:prefixes ex:prefixes ;
        sh:message "The vendor {?value} has no name."@en ;
        sh:select '''SELECT $this ?value WHERE {
            $this <https://w3id.org/rsikg/ontology#vendor> ?value .
            FILTER NOT EXISTS { ?value skos:prefLabel ?name } }''' ;
    ] .
"""


def test_a_shape_added_to_the_shapes_graph_is_followed_with_no_code_change(project, shapes):
    extended = rdflib.Graph()
    extended += shapes
    extended.parse(data=NEW_SHAPE, format="turtle")
    shape = URIRef("https://example.org/shapes#VendorNamedShape")
    (root,) = [r for r in ShapesReach.of(extended).roots if r.shape == shape]
    labels = [r for r in root.reads if r.step == Step.of(SKOS.prefLabel)]
    assert [sorted(r.chains) for r in labels] == [[(Step.of(RSI.vendor),)]]
    # a write that takes a vendor's names away reaches back to its systems
    system, _p, vendor, _g = next(t for t in project.triples if t[1] == RSI.vendor)
    removed = [
        line for line in project.data_lines if line.startswith(f"{term(vendor)} {term(SKOS.prefLabel)} ")
    ]
    after = project.after(removed, [])
    check = check_write(project.store, after, removed, [], extended, SETTINGS)
    assert shape in check.focus[system] and not check.whole
    assert (system, shape) in {(r.focus_node, r.source_shape) for r in check.new}
    assert_same_as_whole(Base.of(project.store, extended), after, check, extended)


LITERAL_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rsi: <https://w3id.org/rsikg/ontology#> .
<https://example.org/shapes#NothingSaysXShape> a sh:NodeShape ;
    sh:targetClass rsi:Region ;
    sh:sparql [ sh:select "SELECT $this WHERE { ?any ?p %s }" ] .
"""


def _with(shapes: rdflib.Graph, extra: str) -> rdflib.Graph:
    extended = rdflib.Graph()
    extended += shapes
    return extended.parse(data=extra, format="turtle")


def test_a_change_to_what_a_shape_reads_from_a_constant_revalidates_all_it_targets(project, shapes):
    extended = _with(shapes, LITERAL_SHAPE % '\\"X\\"')  # reads the subjects of "X", whatever the focus
    assert not ShapesReach.of(extended).unbounded
    system = next(t[0] for t in project.triples if t[1] == RSI.usedBy)
    added = [_line(system, RSI.usedBy, Literal("X"), project.graphs[0])]
    after = project.after([], added)
    check = check_write(project.store, after, [], added, extended, SETTINGS)
    regions = {t[0] for t in project.triples if t[1:3] == (RDF.type, RSI.Region)}
    assert regions <= set(check.focus) and not check.whole
    assert regions <= {r.focus_node for r in check.new}
    assert_same_as_whole(Base.of(project.store, extended), after, check, extended)


def test_a_shape_that_reads_beyond_bounds_makes_the_write_validate_the_whole_graph(project, shapes):
    extended = _with(shapes, LITERAL_SHAPE % "?x")  # any triple at all
    reasons = ShapesReach.of(extended).unbounded
    assert any("NothingSaysX" in reason and "joins neither" in reason for reason in reasons)
    system = next(t[0] for t in project.triples if t[1] == RSI.usedBy)
    added = [_line(system, RSI.usedBy, Literal("X"), project.graphs[0])]
    after = project.after([], added)
    check = check_write(project.store, after, [], added, extended, SETTINGS)
    assert check.whole  # whole-graph validation before and after: the new Violation is the literal
    assert {(r.focus_node, r.source_shape) for r in check.new} == {(system, RSISH.UsedByRangeShape)}


def test_a_path_through_sequences_inverses_and_repetition_is_read_along_its_steps():
    shapes = rdflib.Graph().parse(
        format="turtle",
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetNode ex:n ;
            sh:property [ sh:path ( ex:a [ sh:inversePath ex:b ] [ sh:zeroOrMorePath ex:c ] ) ;
                          sh:class ex:C ] .
        """,
    )
    (root,) = ShapesReach.of(shapes).roots
    ex = rdflib.Namespace("https://example.org/")
    a, b, c = Step.of(ex.a), Step.of(ex.b, forward=False), Step.of(ex.c, repeat="*")
    chains = {(r.step, *sorted(r.chains)) for r in root.reads}
    assert (b, (a,)) in chains and (c, (a, b)) in chains
    assert (Step.of(RDF.type), (a, b, c)) in chains  # sh:class reads the values' types
