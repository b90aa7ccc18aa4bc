"""The dependency graph patched from what each write changed equals the graph built from the
store after it (the full build is the reference), for random sequences of writes, as a whole
and as of days before, on and after the 2027 reform; and a patch never changes the graph it
started from (a request may be reading it)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from rsikg.core import dependencies, dependency_updates
from rsikg.core.dependencies import DependencyGraph
from rsikg.core.loading import load_project
from rsikg.core.store import open_store
from rsikg.core.store.oxigraph import OxigraphStore
from rsikg.settings import MEMORY, Settings

RSI = "https://w3id.org/rsikg/ontology#"
ID = "https://w3id.org/rsikg/id/"
ROOT = Path(__file__).resolve().parents[2]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
SOURCE = "http://purl.org/dc/terms/source"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
WRITES = "urn:x-test:writes"
MERGED = "https://w3id.org/rsikg/graph/all"  # kept by the store: never written directly
DAYS = (date(2026, 6, 1), date(2027, 1, 1), date(2027, 6, 1))
RELATIONS = ("dependsOn", "usedBy", "operatedBy", "systemManager", "governedBy", "affects")


def _quad(s: str, p: str, o: str, graph: str = WRITES) -> str:
    return f"<{s}> <{p}> {o} <{graph}> ."


def _iri(value: str) -> str:
    return f"<{value}>"


def _shape(found: DependencyGraph) -> tuple[object, ...]:
    """Everything a request can read of a graph, the order of each node's data included."""
    g = found.graph
    nodes = sorted((n, list(d.items())) for n, d in g.nodes(data=True))
    edges = sorted((u, v, k, sorted(d.items())) for u, v, k, d in g.edges(keys=True, data=True))
    claims = sorted((name, sorted(c)) for name, c in found.claims.items()) if found.day is None else []
    return nodes, edges, sorted(found.names.items()), sorted(found.successors.items()), dict(g.graph), claims


class Writer:
    """Random writes of every kind the graph reads, against a real store."""

    def __init__(self, store: OxigraphStore, rng: random.Random) -> None:
        self.store, self.rng, self.made = store, rng, 0

    def nodes(self, graph: DependencyGraph, kind: str | None = None) -> list[str]:
        found = [n for n, d in graph.graph.nodes(data=True) if kind is None or d.get("type") == kind]
        return sorted(found)

    def step(self, graph: DependencyGraph) -> str:
        rng, nodes = self.rng, self.nodes(graph)
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = rng.choices(
            [
                "edge",
                "unedge",
                "system",
                "label",
                "period",
                "hand",
                "region",
                "sector",
                "source",
                "untype",
                "class",
            ],
            weights=[20, 12, 8, 8, 8, 6, 3, 5, 5, 4, 1],
        )[0]
        added: list[str] = []
        removed: list[str] = []
        if kind == "edge":
            added.append(_quad(a, RSI + rng.choice(RELATIONS), _iri(b)))
        elif kind == "unedge":  # a stated edge out of a, from whichever graph states it
            found = self.store.select_values(
                f'SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{a}> ?p ?o }} FILTER (STRSTARTS(STR(?p), "{RSI}")) '
                f"FILTER (isIRI(?o)) FILTER (?g != <{MERGED}>) }}"
            )
            if found:
                p, o, g = rng.choice(found)
                removed.append(_quad(a, str(p), _iri(str(o)), str(g)))
        elif kind == "system":
            self.made += 1
            new = f"{ID}system/x-test-{self.made}"
            added += [
                _quad(new, RDF_TYPE, _iri(RSI + "ITSystem")),
                _quad(new, LABEL, f'"System {self.made}"@da'),
                _quad(new, SOURCE, _iri("https://www.regioner.dk/")),
                _quad(new, RSI + "dependsOn", _iri(b)),
            ]
        elif kind == "label":
            added.append(
                _quad(
                    a,
                    LABEL,
                    f'"{rng.choice(["Aa", "Zz", "fmk", "nsp"])} {self.made}"@{rng.choice(["da", "en"])}',
                )
            )
        elif kind == "period":
            day = rng.choice(["2026-12-31", "2027-01-01", "2027-03-01"])
            added.append(
                _quad(
                    a,
                    RSI + rng.choice(["startDate", "endDate"]),
                    f'"{day}"^^<http://www.w3.org/2001/XMLSchema#date>',
                )
            )
        elif kind == "hand":  # a use of a region that ceases in the reform: handed over after it
            region = f"{ID}region/region-{rng.choice(['sjaelland', 'hovedstaden'])}"
            added.append(_quad(a, RSI + rng.choice(["usedBy", "operatedBy"]), _iri(region)))
        elif kind == "region":
            region = rng.choice(self.nodes(graph, "rsi:Region"))
            added.append(_quad(region, LABEL, f'"Region {self.made}"@en'))
        elif kind == "sector":
            added.append(_quad(a, RSI + "usedInSector", _iri(f"{ID}sector/x-test-{rng.randint(1, 3)}")))
        elif kind == "source":
            added.append(_quad(a, SOURCE, _iri(f"https://example.org/source/{rng.randint(1, 3)}")))
        elif kind == "untype":
            found = self.store.select_values(
                f"SELECT ?c ?g WHERE {{ GRAPH ?g {{ <{a}> a ?c }} FILTER (?g != <{MERGED}>) }}"
            )
            removed += [_quad(a, RDF_TYPE, _iri(str(c)), str(g)) for c, g in found]
        elif kind == "class":  # the hierarchy: only a build can follow it
            added.append(_quad(RSI + "XTestClass", SUBCLASS, _iri(RSI + "ITSystem")))
        present = set(self.store.quads_nquads())
        self.store.apply_diff([q for q in removed if q in present], [q for q in added if q not in present])
        return kind


@pytest.fixture
def store() -> OxigraphStore:
    found = open_store(None)
    load_project(found, Settings(store=MEMORY, project_dir=ROOT))
    return found


@pytest.mark.parametrize("seed", range(6))
def test_a_patched_graph_equals_the_graph_built_after_random_writes(store: OxigraphStore, seed: int) -> None:
    writer = Writer(store, random.Random(seed))
    graph = dependencies.build(store)
    patched = rebuilt = 0
    for _ in range(25):
        for day in DAYS:  # kept before the write, so that the patch has days to patch
            graph.as_of(day)
        before = _shape(graph), [_shape(graph.as_of(day)) for day in DAYS]
        mark = store.change_mark()
        kind = writer.step(graph)
        now, changes = store.changes_since(mark)
        assert now == mark + 1 and changes is not None, kind
        found = dependency_updates.patched(graph, store, changes)
        assert (_shape(graph), [_shape(graph.as_of(day)) for day in DAYS]) == before, (
            f"{kind} changed the old graph"
        )
        reference = dependencies.build(store)
        if found is None:
            rebuilt += 1
            assert kind == "class", kind  # the hierarchy; every other write is patched
            graph = reference
            continue
        patched += 1
        assert _shape(found) == _shape(reference), kind
        for day in DAYS:
            assert _shape(found.as_of(day)) == _shape(reference.as_of(day)), (kind, day)
        graph = found
    assert patched >= 15, (patched, rebuilt)


def test_a_write_of_no_statement_the_graph_reads_gives_the_same_graph(store: OxigraphStore) -> None:
    graph = dependencies.build(store)
    mark = store.change_mark()
    store.apply_diff([], [_quad(f"{ID}system/x", "https://example.org/unread", '"x"')])
    _now, changes = store.changes_since(mark)
    assert changes is not None and dependency_updates.patched(graph, store, changes) is graph


def test_writes_the_store_cannot_describe_call_for_a_build(store: OxigraphStore) -> None:
    graph = dependencies.build(store)
    mark = store.change_mark()
    store.update(f"INSERT DATA {{ GRAPH <{WRITES}> {{ <{ID}system/x> <{RSI}dependsOn> <{ID}system/y> }} }}")
    now, changes = store.changes_since(mark)  # an update is a diff: known
    assert changes is not None and dependency_updates.patched(graph, store, changes) is not None
    blank = store.change_mark()
    store.apply_diff([], [f"_:b <{RSI}dependsOn> <{ID}system/y> <{WRITES}> ."])
    _now, changes = store.changes_since(blank)
    assert changes is not None and dependency_updates.patched(graph, store, changes) is None
    assert store.changes_since(now - 1)[1] is not None and store.changes_since(-100)[1] is None
