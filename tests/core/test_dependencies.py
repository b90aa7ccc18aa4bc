"""The dependency graph: neighbourhoods, impact, cycles, critical nodes and paths, on small graphs
made by hand (whose answers are known) and on the project's own sourced dependencies."""

from __future__ import annotations

import itertools
import math
import sys
import threading
from collections.abc import Iterable

import networkx as nx
import pytest
from rsikg.core import dependencies
from rsikg.core.dependencies import (
    MAX_DEPTH,
    MAX_SAMPLES,
    MIN_SAMPLES,
    RELATIONS,
    DependencyGraph,
    NoPathError,
    NotInGraphError,
    TooLargeError,
)
from rsikg.core.store import OxigraphStore
from rsikg.errors import InputError, QueryDeadlineError

ID = "https://w3id.org/rsikg/id/"
SYS = f"{ID}system/"
RSI = "https://w3id.org/rsikg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
REGIONS = {
    f"{ID}region/region-{r}" for r in ("hovedstaden", "sjaelland", "syddanmark", "midtjylland", "nordjylland")
}


def s(name: str) -> str:
    return f"{SYS}{name}"


def insert(store: OxigraphStore, triples: Iterable[tuple[str, str, str]]) -> None:
    """Add (subject local name, relation, object local name) statements; names are under
    system/ unless they are full IRIs. A relation may also be a full IRI."""

    def iri(name: str) -> str:
        return f"<{name}>" if "://" in name else f"<{s(name)}>"

    body = " ".join(
        f"{iri(a)} {'<' + p + '>' if '://' in p else '<' + RSI + p + '>'} {iri(b)} ." for a, p, b in triples
    )
    store.update(f"INSERT DATA {{ {body} }}")


def label(store: OxigraphStore, name: str, text: str, lang: str = "da") -> None:
    store.update(f'INSERT DATA {{ <{s(name)}> <{SKOS}prefLabel> "{text}"@{lang} }}')


def dependents(graph: DependencyGraph, root: str) -> dict[str, int]:
    return {d.node: d.distance for d in graph.impact(root).dependents}


@pytest.fixture
def diamond(store: OxigraphStore) -> DependencyGraph:
    """d → b → a and d → c → a, along rsi:dependsOn; b is also run by an organisation."""
    insert(store, [("d", "dependsOn", "b"), ("d", "dependsOn", "c"), ("b", "dependsOn", "a")])
    insert(store, [("c", "dependsOn", "a"), ("b", "operatedBy", f"{ID}org/driftsleverandoer")])
    return dependencies.build(store)


# -- impact --------------------------------------------------------------------------------------


def test_impact_of_a_diamond_counts_each_dependent_once_at_its_shortest_distance(diamond):
    found = diamond.impact("a")
    assert found.roots == [s("a")]
    assert {d.node: d.distance for d in found.dependents} == {s("b"): 1, s("c"): 1, s("d"): 2}
    assert [d.distance for d in found.dependents] == sorted(d.distance for d in found.dependents)
    (top,) = [d for d in found.dependents if d.node == s("d")]
    assert top.path in ([s("d"), s("b"), s("a")], [s("d"), s("c"), s("a")])
    assert top.via == top.path[1]
    for d in found.dependents:
        assert d.path[0] == d.node and d.path[-1] == s("a") and len(d.path) == d.distance + 1
        # each step of the path is a dependsOn edge of the graph
        for u, v in itertools.pairwise(d.path):
            assert "dependsOn" in diamond.graph.get_edge_data(u, v)
    # operatedBy is not a dependency: the organisation is not affected, and b's impact is d only
    assert dependents(diamond, "b") == {s("d"): 1}
    assert dependents(diamond, "d") == {}
    assert dependents(diamond, f"{ID}org/driftsleverandoer") == {}


def test_impact_as_json_and_as_graph(diamond):
    found = diamond.impact("system/a")
    data = found.as_json()
    assert data["root"] == {"iri": s("a"), "id": "system/a", "label": "system/a", "type": ""}
    assert [(d["iri"], d["distance"]) for d in data["dependents"]][2] == (s("d"), 2)
    assert data["pathsOmitted"] is False
    assert all(d["path"][-1] == s("a") for d in data["dependents"])
    assert data["regions"] == [] and data["sectors"] == []
    graph = found.as_graph()
    assert set(graph.nodes) == {s("a"), s("b"), s("c"), s("d")}
    assert {(u, v) for u, v in graph.edges()} == {
        (s("d"), s("b")),
        (s("d"), s("c")),
        (s("b"), s("a")),
        (s("c"), s("a")),
    }
    assert {n: graph.nodes[n]["distance"] for n in graph} == {s("a"): 0, s("b"): 1, s("c"): 1, s("d"): 2}


def test_impact_of_several_roots_counts_from_the_nearest(diamond):
    found = diamond.impact_of([s("b"), s("c"), s("nowhere"), s("b")])  # unknown skipped, repeats once
    assert found.roots == [s("b"), s("c")]
    assert [(d.node, d.distance) for d in found.dependents] == [(s("d"), 1)]
    assert found.dependents[0].via in (s("b"), s("c"))
    data = found.as_json()
    assert data["root"] is None
    assert [r["iri"] for r in data["roots"]] == [s("b"), s("c")]
    assert dict(found.as_graph().nodes(data="distance")) == {s("b"): 0, s("c"): 0, s("d"): 1}
    # a single root has both "root" and "roots"
    single = diamond.impact("a").as_json()
    assert single["roots"] == [single["root"]]


def test_impact_names_the_regions_and_sectors_that_use_the_affected_systems(store):
    region = f"{ID}region/region-test"
    sector = f"{ID}vocab/sectors/regionerne"
    insert(store, [("portal", "dependsOn", "register"), ("portal", "usedBy", region)])
    store.update(
        f"INSERT DATA {{ <{region}> a <{RSI}Region> ; <{RSI}inSector> <{sector}> . "
        f"<{s('register')}> <{RSI}usedInSector> <{ID}vocab/sectors/staten> }}"
    )
    found = dependencies.build(store).impact("register")
    assert found.regions == {region: [s("portal")]}
    assert found.sectors == {sector: [s("portal")], f"{ID}vocab/sectors/staten": [s("register")]}


def test_impact_summary_counts_what_impact_finds(store, project_store):
    """The page's summary is the impact's counts, regions and sectors: over the sectors test's
    graph, and over every system of the project's."""
    region = f"{ID}region/region-test"
    sector = f"{ID}vocab/sectors/regionerne"
    insert(
        store,
        [("portal", "dependsOn", "register"), ("portal", "usedBy", region), ("app", "dependsOn", "portal")],
    )
    store.update(
        f"INSERT DATA {{ <{region}> a <{RSI}Region> ; <{RSI}inSector> <{sector}> . "
        f"<{s('register')}> <{RSI}usedInSector> <{ID}vocab/sectors/staten> }}"
    )
    for graph in (dependencies.build(store), dependencies.build(project_store)):
        systems = [n for n, t in graph.graph.nodes(data="type") if t != "rsi:Region"]
        assert len(systems) >= 3
        for node in systems:
            found = graph.impact(node)
            assert graph.impact_summary(node) == (
                len(found.dependents),
                sorted(found.regions),
                sorted(found.sectors),
            )
    assert dependencies.build(store).impact_summary("register") == (
        2,
        [region],
        sorted([sector, f"{ID}vocab/sectors/staten"]),
    )


def test_impact_along_a_chain_of_1500_reaches_every_link_without_recursion(store):
    length = 1500
    insert(store, [(f"c{i}", "dependsOn", f"c{i + 1}") for i in range(length - 1)])
    graph = dependencies.build(store)
    last = s(f"c{length - 1}")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # anything recursive would fail far above this depth
    try:
        found = graph.impact(last)
        up = graph.neighbourhood(last, depth=MAX_DEPTH, direction="up")
        path = graph.path(s("c0"), last)
    finally:
        sys.setrecursionlimit(limit)
    assert len(found.dependents) == length - 1
    assert {d.node: d.distance for d in found.dependents} == {
        s(f"c{i}"): length - 1 - i for i in range(length - 1)
    }
    assert all(d.via == s(f"c{int(d.node.rsplit('c', 1)[1]) + 1}") for d in found.dependents)
    # the paths would add up to over a million steps: they are left out, each keeps its via
    assert found.as_json()["pathsOmitted"] is True
    assert {n: d for n, d in up.nodes(data="distance")} == {
        s(f"c{length - 1 - k}"): k for k in range(MAX_DEPTH + 1)
    }
    assert len(path) == length and path.nodes[last]["distance"] == length - 1
    assert dependencies.build(store).cycles() == []


def test_short_chains_keep_their_whole_paths(store):
    insert(store, [(f"c{i}", "dependsOn", f"c{i + 1}") for i in range(30)])
    found = dependencies.build(store).impact("c30")
    assert found.as_json()["pathsOmitted"] is False
    (far,) = [d for d in found.dependents if d.node == s("c0")]
    assert far.path == [s(f"c{i}") for i in range(31)]


# -- cycles --------------------------------------------------------------------------------------


def _is_cycle(graph: DependencyGraph, cycle: list[str], relation: str = "dependsOn") -> bool:
    return cycle[0] == cycle[-1] and all(
        relation in graph.graph.get_edge_data(u, v, default={}) for u, v in itertools.pairwise(cycle)
    )


def test_cycles_finds_a_loop_and_a_self_loop_and_nothing_else(store):
    insert(store, [("a", "dependsOn", "b"), ("b", "dependsOn", "c"), ("c", "dependsOn", "a")])
    insert(store, [("e", "dependsOn", "e"), ("c", "dependsOn", "x"), ("y", "dependsOn", "a")])
    insert(store, [("x", "usedBy", "y")])  # closes a loop, but not along dependsOn
    graph = dependencies.build(store)
    found = graph.cycles()
    assert [c["nodes"] for c in found] == [[s("a"), s("b"), s("c")], [s("e")]]
    assert found[1]["cycle"] == [s("e"), s("e")]
    assert _is_cycle(graph, found[0]["cycle"]) and len(found[0]["cycle"]) == 4
    assert set(found[0]["cycle"]) == {s("a"), s("b"), s("c")}
    # along dependsOn and usedBy, x and y join the big loop
    both = graph.cycles(["dependsOn", "usedBy"])
    assert both[0]["nodes"] == sorted([s("a"), s("b"), s("c"), s("x"), s("y")])
    # the impact of a node on a loop is the loop (and what depends on it), and terminates
    assert dependents(graph, "a") == {s("c"): 1, s("y"): 1, s("b"): 2}


def test_a_cycle_through_a_node_with_a_self_loop_is_still_a_cycle(store):
    insert(store, [("a", "dependsOn", "b"), ("b", "dependsOn", "a"), ("a", "dependsOn", "a")])
    graph = dependencies.build(store)
    (found,) = graph.cycles()
    assert found["nodes"] == [s("a"), s("b")]
    assert _is_cycle(graph, found["cycle"])


def test_cycles_refuses_unknown_relations(diamond):
    with pytest.raises(InputError, match="unknown relation"):
        diamond.cycles(["dependsOn", "requires"])
    with pytest.raises(InputError, match="none given"):
        diamond.cycles([])


# -- critical ------------------------------------------------------------------------------------


def test_critical_names_articulation_points_and_betweenness(store):
    # a → b → c → d, e → c: undirected, b and c cut the graph; f usedBy g is no dependency
    insert(store, [("a", "dependsOn", "b"), ("b", "dependsOn", "c"), ("c", "dependsOn", "d")])
    insert(store, [("e", "dependsOn", "c"), ("f", "usedBy", "g")])
    graph = dependencies.build(store)
    found = graph.critical()
    assert [p["iri"] for p in found["articulationPoints"]] == [s("b"), s("c")]
    assert found["articulationPoints"][0] == {
        "iri": s("b"),
        "id": "system/b",
        "label": "system/b",
        "type": "",
    }
    assert found["nodes"] == 5
    assert found["betweennessSamples"] is None
    ranked = [(b["iri"], b["betweenness"]) for b in found["betweenness"]]
    # directed, normalised by (n-1)(n-2) = 12: c lies on a→d, b→d, e→d; b on a→c, a→d
    assert ranked[:2] == [(s("c"), 0.25), (s("b"), round(2 / 12, 6))]
    assert {iri for iri, b in ranked[2:]} == {s("a"), s("d"), s("e")}
    assert all(b == 0 for _, b in ranked[2:])
    assert len(graph.critical(top=2)["betweenness"]) == 2
    assert graph.critical() is found  # remembered
    sampled = graph.critical(samples=3)
    assert sampled["betweennessSamples"] == 3
    assert [p["iri"] for p in sampled["articulationPoints"]] == [s("b"), s("c")]


def test_critical_of_a_graph_without_dependencies(store):
    insert(store, [("f", "usedBy", "g")])
    found = dependencies.build(store).critical()
    assert found == {"articulationPoints": [], "betweenness": [], "betweennessSamples": None, "nodes": 0}


@pytest.mark.parametrize("seed", range(4))
def test_chunked_betweenness_equals_networkx(seed):
    """Exact, and from k sampled sources (the same sources networkx samples for the seed)."""
    graph = nx.gnp_random_graph(40, 0.07, seed=seed, directed=True)
    graph = nx.relabel_nodes(graph, {n: f"n{n}" for n in graph})
    exact = dependencies.betweenness(graph)
    assert exact == pytest.approx(nx.betweenness_centrality(graph), abs=1e-12)
    assert any(value > 0 for value in exact.values())
    for k in (2, 3, 11, 39, 40):
        expected = nx.betweenness_centrality(graph, k=k, seed=1)
        assert dependencies.betweenness(graph, k) == pytest.approx(expected, abs=1e-12), k
        assert all(math.isfinite(v) for v in dependencies.betweenness(graph, k).values())


def test_samples_out_of_bounds_are_refused_naming_the_limit(store):
    insert(store, [("a", "dependsOn", "b"), ("b", "dependsOn", "c")])
    graph = dependencies.build(store)
    for samples in (-1, 0, 1, MAX_SAMPLES + 1, 5000):
        with pytest.raises(InputError, match=f"between {MIN_SAMPLES} and {MAX_SAMPLES}") as caught:
            graph.critical(samples=samples)
        assert caught.value.location.field == "samples"
    assert graph.critical(samples=MIN_SAMPLES)["betweennessSamples"] == MIN_SAMPLES


def test_betweenness_stops_at_the_deadline_and_when_cancelled():
    graph = nx.gnp_random_graph(300, 0.02, seed=1, directed=True)
    calls = []

    def check() -> None:
        calls.append(1)
        if len(calls) == 3:
            raise QueryDeadlineError(0.5)

    with pytest.raises(QueryDeadlineError):
        dependencies.betweenness(graph, check=check)
    assert len(calls) == 3  # stopped between chunks, not after all 300 sources
    timed_out = dependencies._checker(0.0, None)
    with pytest.raises(QueryDeadlineError):
        dependencies.betweenness(graph, check=timed_out)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(dependencies.Cancelled):
        dependencies.betweenness(graph, check=dependencies._checker(60.0, cancel))


def test_critical_passes_its_deadline_and_remembers_only_finished_answers(store):
    insert(store, [("a", "dependsOn", "b"), ("b", "dependsOn", "c"), ("c", "dependsOn", "a")])
    graph = dependencies.build(store)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(dependencies.Cancelled):
        graph.critical(cancel=cancel)
    with pytest.raises(QueryDeadlineError):
        graph.critical(deadline=0.0)
    assert graph.critical(deadline=60.0)["nodes"] == 3


# -- paths ---------------------------------------------------------------------------------------


def test_path_follows_edges_and_says_when_there_is_none(diamond):
    found = diamond.path("d", "a")
    assert len(found) == 3
    order = sorted(found.nodes, key=lambda n: found.nodes[n]["distance"])
    assert order[0] == s("d") and order[-1] == s("a") and order[1] in (s("b"), s("c"))
    assert sorted((u, v, r) for u, v, r in found.edges(data="relation")) == sorted(
        [(s("d"), order[1], "dependsOn"), (order[1], s("a"), "dependsOn")]
    )
    with pytest.raises(NoPathError, match="try directed=false"):
        diamond.path("a", "d")
    back = diamond.path("a", "d", directed=False)
    assert [n for n in sorted(back, key=lambda n: back.nodes[n]["distance"])][::2] == [s("a"), s("d")]
    # edges keep their own direction in the answer
    assert all(u in (s("b"), s("c"), s("d")) for u, _v in back.edges())
    # b reaches the organisation only along operatedBy
    assert len(diamond.path("b", "driftsleverandoer")) == 2
    with pytest.raises(NoPathError):
        diamond.path("b", "driftsleverandoer", ["dependsOn"])
    with pytest.raises(NotInGraphError):
        diamond.path("d", "nowhere")


# -- neighbourhoods and bounds -------------------------------------------------------------------


def test_neighbourhood_down_up_and_both(diamond):
    def nodes(**kwargs: object) -> dict[str, int]:
        sub = diamond.neighbourhood(**kwargs)  # type: ignore[arg-type]
        return dict(sub.nodes(data="distance"))

    assert nodes(root="d") == {s("d"): 0, s("b"): 1, s("c"): 1}
    assert nodes(root="d", depth=2) == {
        s("d"): 0,
        s("b"): 1,
        s("c"): 1,
        s("a"): 2,
        f"{ID}org/driftsleverandoer": 2,
    }
    assert nodes(root="d", depth=2, relations=["dependsOn"]) == {s("d"): 0, s("b"): 1, s("c"): 1, s("a"): 2}
    assert nodes(root="a", direction="up") == {s("a"): 0, s("b"): 1, s("c"): 1}
    assert nodes(root="b", direction="both") == {
        s("b"): 0,
        s("a"): 1,
        s("d"): 1,
        f"{ID}org/driftsleverandoer": 1,
    }
    assert nodes(root="d", depth=0) == {s("d"): 0}
    sub = diamond.neighbourhood("d", depth=2, relations=["dependsOn"])
    assert sorted(sub.edges(data="relation")) == sorted(
        [
            (s("d"), s("b"), "dependsOn"),
            (s("d"), s("c"), "dependsOn"),
            (s("b"), s("a"), "dependsOn"),
            (s("c"), s("a"), "dependsOn"),
        ]
    )


def test_a_pair_linked_by_two_relations_has_two_edges(store):
    insert(store, [("a", "dependsOn", "b"), ("a", "operatedBy", "b")])
    graph = dependencies.build(store)
    assert sorted(graph.neighbourhood("a").edges(data="relation")) == [
        (s("a"), s("b"), "dependsOn"),
        (s("a"), s("b"), "operatedBy"),
    ]
    assert list(graph.neighbourhood("a", relations=["operatedBy"]).edges(data="relation")) == [
        (s("a"), s("b"), "operatedBy")
    ]


def test_depth_direction_and_relations_are_bounded(diamond):
    assert len(diamond.neighbourhood("d", depth=MAX_DEPTH)) == 5
    for depth in (MAX_DEPTH + 1, -1, 1000):
        with pytest.raises(InputError, match="depth must be between 0 and 10") as caught:
            diamond.neighbourhood("d", depth=depth)
        assert caught.value.location.field == "depth"
    with pytest.raises(InputError, match="direction must be one of down, up, both"):
        diamond.neighbourhood("d", direction="sideways")
    with pytest.raises(InputError, match=r"unknown relation\(s\) requires") as caught:
        diamond.neighbourhood("d", relations=["dependsOn", "requires"])
    assert caught.value.location.field == "relations"
    with pytest.raises(InputError, match="none given"):
        diamond.neighbourhood("d", relations=[""])
    # spaces around names are forgiven, as in "dependsOn, usedBy"
    assert len(diamond.neighbourhood("d", relations=[" dependsOn"])) == 3


def test_max_nodes_exceeded_is_an_input_error(store):
    insert(store, [(f"leaf{i}", "dependsOn", "hub") for i in range(10)])
    graph = dependencies.build(store)
    assert len(graph.neighbourhood("hub", direction="up", max_nodes=11)) == 11
    with pytest.raises(dependencies.TooLargeError, match="more than 10 nodes") as caught:
        graph.neighbourhood("hub", direction="up", max_nodes=10)
    assert caught.value.location.field == "depth"
    with pytest.raises(InputError, match="more than 5 nodes"):
        graph.neighbourhood("hub", direction="up", max_nodes=5)
    assert len(graph.neighbourhood("hub", max_nodes=1)) == 1  # down from the hub: nothing


# -- finding nodes -------------------------------------------------------------------------------


def test_resolve_by_iri_local_id_short_id_and_label(store):
    insert(store, [("sp", "dependsOn", "nsp")])
    label(store, "sp", "Sundhedsplatformen")
    label(store, "sp", "The Health Platform", "en")
    graph = dependencies.build(store)
    for name in (
        s("sp"),
        "system/sp",
        "sp",
        "SP",
        "Sundhedsplatformen",
        "sundhedsplatformen ",
        "the health platform",
    ):
        assert graph.resolve(name) == s("sp"), name
    assert graph.graph.nodes[s("sp")]["label"] == "Sundhedsplatformen"


def test_unknown_root_suggests_the_closest_names(store):
    insert(store, [("sp", "dependsOn", "nsp"), ("fmk", "dependsOn", "nsp")])
    label(store, "sp", "Sundhedsplatformen")
    label(store, "fmk", "Fælles Medicinkort")
    graph = dependencies.build(store)
    for ask in (graph.impact, graph.neighbourhood, lambda name: graph.path(name, "nsp")):
        with pytest.raises(NotInGraphError) as caught:
            ask("sundhedsplatform")
        assert caught.value.name == "sundhedsplatform"
        assert "Sundhedsplatformen (system/sp)" in caught.value.suggestions
        assert "did you mean Sundhedsplatformen (system/sp)" in str(caught.value)
    with pytest.raises(NotInGraphError) as caught:
        graph.resolve("fælles medicinkor")
    assert caught.value.suggestions == ["Fælles Medicinkort (system/fmk)"]
    with pytest.raises(NotInGraphError) as caught:
        graph.resolve("qqqqqqqq")
    assert caught.value.suggestions == []
    assert "did you mean" not in str(caught.value)


# -- what build reads ----------------------------------------------------------------------------


def test_build_reads_labels_sources_and_the_most_specific_class(store):
    insert(store, [("a", "dependsOn", "b")])
    label(store, "a", "Alfa")
    label(store, "a", "Alpha", "en")
    label(store, "b", "Beta", "en")
    store.update(
        f"INSERT DATA {{ <{RSI}SharedSystem> <{RDFS}subClassOf> <{RSI}ITSystem> . "
        f"<{RSI}ITSystem> <{RDFS}subClassOf> <{RSI}Thing> . "
        f"<{s('a')}> a <{RSI}ITSystem> , <{RSI}SharedSystem> ; "
        f"<{DCT}source> <https://example.org/s1> , <https://example.org/s2> . "
        f"<{s('a')}> <{RSI}dependsOn> 'not an IRI' }}"
    )
    graph = dependencies.build(store)
    assert dict(graph.graph.nodes[s("a")]) == {
        "label_da": "Alfa",
        "label_en": "Alpha",
        "iri": s("a"),
        "type": "rsi:SharedSystem",
        "label": "Alfa",
        "sectors": "",
    }
    assert graph.graph.nodes[s("b")]["label"] == "Beta"  # no Danish label: the English one
    assert list(graph.graph.edges(data=True)) == [
        (
            s("a"),
            s("b"),
            {"relation": "dependsOn", "sources": "https://example.org/s1 https://example.org/s2"},
        )
    ]


def test_a_statement_in_several_graphs_is_one_edge(store):
    statement = f"<{s('a')}> <{RSI}dependsOn> <{s('b')}>"
    store.update(f"INSERT DATA {{ GRAPH <urn:x:one> {{ {statement} }} GRAPH <urn:x:two> {{ {statement} }} }}")
    store.update(f"INSERT DATA {{ {statement} }}")
    graph = dependencies.build(store)
    assert graph.graph.number_of_edges() == 1
    assert dependents(graph, "b") == {s("a"): 1}


def test_a_class_without_superclasses_is_still_the_type(store):
    insert(store, [("a", "dependsOn", "b")])
    store.update(f"INSERT DATA {{ <{s('a')}> a <{RSI}SharedSystem> }}")
    assert dependencies.build(store).graph.nodes[s("a")]["type"] == "rsi:SharedSystem"


def test_local_id():
    assert dependencies.local_id(s("fmk")) == "system/fmk"
    assert dependencies.local_id("urn:x") == "urn:x"


# -- the project's own graph ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(project_store: OxigraphStore) -> DependencyGraph:
    return dependencies.build(project_store)


def test_the_sourced_dependencies_of_the_project_graph(project):
    edges = sorted((u, v) for u, v, r in project.graph.edges(data="relation") if r == "dependsOn")
    assert edges == sorted(
        [
            (s("sundhedsjournalen"), s("e-journal")),
            (s("sundhedsjournalen"), s("fmk")),
            (s("sundhedsjournalen"), s("mitid")),
            (s("fmk"), s("nsp")),
            (s("laboratoriedatabasen"), s("labdatabank")),
        ]
    )
    for u, _v, data in project.graph.edges(data=True):
        if data["relation"] == "dependsOn":
            assert data["sources"], u  # every dependency is sourced


def test_an_outage_of_fmk_touches_sundhedsjournalen_and_the_regions_using_it(project):
    found = project.impact("fmk")
    assert [(d.node, d.distance, d.path) for d in found.dependents] == [
        (s("sundhedsjournalen"), 1, [s("sundhedsjournalen"), s("fmk")])
    ]
    assert set(found.regions) == REGIONS
    assert all(uses == [s("sundhedsjournalen")] for uses in found.regions.values())
    assert project.impact("Fælles Medicinkort (FMK)").roots == [s("fmk")]


def test_an_outage_of_nsp_reaches_sundhedsjournalen_through_fmk(project):
    found = project.impact("nsp")
    assert [(d.node, d.distance, d.via, d.path) for d in found.dependents] == [
        (s("fmk"), 1, s("nsp"), [s("fmk"), s("nsp")]),
        (s("sundhedsjournalen"), 2, s("fmk"), [s("sundhedsjournalen"), s("fmk"), s("nsp")]),
    ]
    assert set(found.regions) == REGIONS


def test_outages_of_e_journal_mitid_and_labdatabank(project):
    assert dependents(project, "e-journal") == {s("sundhedsjournalen"): 1}
    assert dependents(project, "mitid") == {s("sundhedsjournalen"): 1}
    assert dependents(project, "labdatabank") == {s("laboratoriedatabasen"): 1}
    assert project.impact("labdatabank").regions == {}
    # nothing depends on these
    for root in ("sundhedsjournalen", "laboratoriedatabasen", "ppj"):
        assert dependents(project, root) == {}, root


def test_project_graph_has_no_cycles_and_fmk_is_critical(project):
    assert project.cycles() == []
    found = project.critical()
    assert [p["iri"] for p in found["articulationPoints"]] == [s("fmk"), s("sundhedsjournalen")]
    assert found["betweenness"][0]["iri"] == s("fmk")
    assert found["nodes"] == 7


def test_project_neighbourhood_of_sundhedsjournalen(project):
    sub = project.neighbourhood("sundhedsjournalen", depth=2, relations=["dependsOn"])
    assert dict(sub.nodes(data="distance")) == {
        s("sundhedsjournalen"): 0,
        s("e-journal"): 1,
        s("fmk"): 1,
        s("mitid"): 1,
        s("nsp"): 2,
    }
    assert sub.nodes[s("fmk")]["label_da"] == "Fælles Medicinkort (FMK)"
    assert sub.nodes[s("fmk")]["label_en"] == "Shared Medication Record (FMK)"
    assert sub.nodes[s("fmk")]["type"] == "rsi:InfrastructureService"
    path = project.path("sundhedsjournalen", "nsp")
    assert sorted(path.nodes(data="distance"), key=lambda nd: nd[1]) == [
        (s("sundhedsjournalen"), 0),
        (s("fmk"), 1),
        (s("nsp"), 2),
    ]


def test_a_system_with_no_relations_yet_is_still_a_node(project):
    """Telemedicinløsninger has no dependency, operator or user in the sources: it is found, alone."""
    alone = project.neighbourhood("telemedicinloesninger", depth=2, direction="both")
    assert list(alone.nodes) == ["https://w3id.org/rsikg/id/system/telemedicinloesninger"]
    assert project.impact("telemedicinloesninger").dependents == []


def _deepest_that_fits(graph: DependencyGraph, root: str, depth: int, direction: str, max_nodes: int) -> int:
    """The reference: the neighbourhood asked for at each depth down from ``depth``."""
    for tried in range(depth, -1, -1):
        try:
            graph.neighbourhood(
                root, depth=tried, direction=direction, relations=RELATIONS, max_nodes=max_nodes
            )
        except TooLargeError:
            continue
        return tried
    raise AssertionError("depth 0 fits")


def test_the_neighbourhood_that_fits_is_the_deepest_one_within_the_bound(project_store):
    """One walk gives what asking at each depth down from the one wanted gives, over every
    system of the project, both ways, for bounds from tight to loose."""
    graph = dependencies.build(project_store)
    systems = sorted(n for n in graph.graph.nodes if "/id/system/" in n)
    assert len(systems) > 20
    narrowed = 0
    for root, direction, max_nodes in itertools.product(systems, ("up", "both"), (3, 12, 60)):
        found, drawn = graph.neighbourhood_that_fits(
            root, depth=4, direction=direction, relations=RELATIONS, max_nodes=max_nodes
        )
        assert drawn == _deepest_that_fits(graph, root, 4, direction, max_nodes), (root, direction, max_nodes)
        reference = graph.neighbourhood(
            root, depth=drawn, direction=direction, relations=RELATIONS, max_nodes=max_nodes
        )
        assert nx.utils.edges_equal(found.edges(keys=True), reference.edges(keys=True))
        assert dict(found.nodes(data="distance")) == dict(reference.nodes(data="distance"))
        narrowed += drawn < 4
    assert narrowed > 10  # the bound was reached often enough to test the fallback
