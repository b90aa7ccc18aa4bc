"""The default graph a query reads is every graph merged, each triple once
(api/core/store/merged.py): counted once when two files state it, kept equal to the set union of
the other graphs by every kind of write (load, add, diff, graph removal, rsikg's own updates),
on disk and in memory, over random write sequences drawn with fixed seeds; and invisible as a
named graph, unwritable, and made for a store an earlier version wrote."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rsikg.core.formats import rdf_format
from rsikg.core.store import MERGED_GRAPH, OxigraphStore, Source
from rsikg.errors import InputError, QuerySyntaxError

from tests.core.test_sparql_journal import BASE, _update

M = ox.NamedNode(MERGED_GRAPH)
SHARED = "<urn:x:fmk> <urn:x:usedBy> <urn:x:region-h> ."


UNKEPT = f"""SELECT ?s ?p ?o WHERE {{
  {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{MERGED_GRAPH}>) }}
  FILTER NOT EXISTS {{ GRAPH <{MERGED_GRAPH}> {{ ?s ?p ?o }} }}
}} LIMIT 5"""
"""Triples of the store's graphs (its own default graph too) that the merged graph lacks."""
EXTRA = f"""SELECT ?s ?p ?o WHERE {{
  GRAPH <{MERGED_GRAPH}> {{ ?s ?p ?o }}
  FILTER NOT EXISTS {{ ?s ?p ?o }}
  FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{MERGED_GRAPH}>) }}
}} LIMIT 5"""
"""Triples of the merged graph that no other graph holds."""


def assert_kept(store: OxigraphStore, what: str = "") -> None:
    """The merged graph is the set union of the others: checked by pyoxigraph itself (a Python
    set of every triple took 2 s a store in the durability tests)."""
    native = store.native
    missing, extra = list(native.query(UNKEPT)), list(native.query(EXTRA))  # plain pyoxigraph: no union
    assert not missing and not extra, f"{what}: merged graph lacks {missing}, has extra {extra}"
    assert M in set(native.named_graphs()), what  # the marker an open looks for


def _open(where: str, tmp_path: Path) -> OxigraphStore:
    if where == "memory":
        return OxigraphStore()
    path = tmp_path / "store"
    path.mkdir(exist_ok=True)
    return OxigraphStore(path)


def _turtle(name: str, text: str) -> Source:
    return Source(name=name, graph=f"urn:file:{name}", format=rdf_format("turtle"), data=text.encode())


def _count(store: OxigraphStore, query: str) -> int:
    (row,) = store.select(query).rows
    return int(row[0])  # type: ignore[arg-type]


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_count_over_the_default_graph_counts_a_triple_two_files_state_once(where, tmp_path):
    store = _open(where, tmp_path)
    one, two = tmp_path / "systems.ttl", tmp_path / "regions.ttl"
    one.write_text(f'{SHARED}\n<urn:x:fmk> <urn:x:label> "FMK" .\n')
    two.write_text(f"{SHARED}\n")
    fmt = rdf_format("turtle")
    store.load(
        [
            Source("systems.ttl", "urn:file:systems", fmt, path=one),
            Source("regions.ttl", "urn:file:regions", fmt, path=two),
        ]
    )
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 2
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { <urn:x:fmk> <urn:x:usedBy> ?r }") == 1
    # GRAPH ?g still says where each statement came from, and only the files' graphs answer
    by_graph = store.select("SELECT ?g WHERE { GRAPH ?g { <urn:x:fmk> <urn:x:usedBy> ?r } } ORDER BY ?g").rows
    assert [str(row[0]) for row in by_graph] == ["urn:file:regions", "urn:file:systems"]
    assert len(store) == 3 and store.triple_count() == 2
    assert_kept(store)


def test_the_merged_graph_is_no_named_graph_to_anyone_outside_the_store(tmp_path):
    store = _open("disk", tmp_path)
    store.load([_turtle("a", SHARED)])
    store.load([_turtle("b", SHARED)])
    assert store.named_graphs() == ["urn:file:a", "urn:file:b"]
    assert not store.has_graph(MERGED_GRAPH)
    assert _count(store, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == 2
    assert MERGED_GRAPH.encode() not in store.export("nquads")
    assert store.export("ntriples").count(b"\n") == 1  # a graph format: merged, the triple once
    assert all(MERGED_GRAPH not in line for line in store.quads_nquads())
    assert len(store.to_rdflib()) == 1


def test_a_store_an_earlier_version_wrote_gets_its_merged_graph_when_opened(tmp_path):
    path = tmp_path / "old"
    raw = ox.Store(str(path))
    s, p = ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p")
    raw.extend(
        [
            ox.Quad(s, p, ox.Literal("1"), ox.NamedNode("urn:g:a")),
            ox.Quad(s, p, ox.Literal("1"), ox.NamedNode("urn:g:b")),
            ox.Quad(s, p, ox.Literal("2"), ox.DefaultGraph()),
        ]
    )
    raw.flush()
    del raw
    store = OxigraphStore(path)
    assert_kept(store)
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 2


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_a_triple_leaves_the_default_graph_when_its_last_graphs_lose_it_in_one_write(where, tmp_path):
    store = _open(where, tmp_path)
    for name in ("a", "b", "c"):
        store.load([_turtle(name, SHARED)])
    in_a_and_b = [line for line in store.quads_nquads() if "urn:file:c" not in line]
    store.apply_diff(in_a_and_b, [])  # two of its three graphs: still stated in c
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 1
    store.load([_turtle("a", SHARED)])
    in_c = [line for line in store.quads_nquads() if "urn:file:c" in line]
    store.apply_diff(in_c, [], dropped=["urn:file:a"])  # its last two graphs, a quad and a graph
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 0
    assert_kept(store)


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.update(f"INSERT DATA {{ GRAPH <{MERGED_GRAPH}> {{ <urn:x:a> <urn:x:b> 1 }} }}"),
        lambda s: s.update(
            "PREFIX g: <https://w3id.org/rsikg/graph/> DELETE WHERE { GRAPH g:all { ?s ?p ?o } }"
        ),
        lambda s: s.update(f"CLEAR GRAPH <{MERGED_GRAPH}>"),
        lambda s: s.apply_diff([], [f'<urn:x:a> <urn:x:b> "1" <{MERGED_GRAPH}> .']),
        lambda s: s.apply_diff([], [], dropped=[MERGED_GRAPH]),
        lambda s: s.remove_graph(MERGED_GRAPH),
        lambda s: s.create_graph(MERGED_GRAPH),
        lambda s: s.load(
            [
                Source(
                    "x.trig",
                    "urn:file:x",
                    rdf_format("trig"),
                    data=f"<{MERGED_GRAPH}> {{ <urn:x:a> <urn:x:b> 1 }}".encode(),
                )
            ]
        ),
    ],
    ids=[
        "insert data",
        "delete where by prefix",
        "clear",
        "diff adds",
        "diff drops",
        "remove",
        "create",
        "load",
    ],
)
def test_a_write_that_names_the_merged_graph_is_refused_and_changes_nothing(write, tmp_path):
    store = _open("disk", tmp_path)
    store.load([_turtle("a", SHARED)])
    before = set(store.native)
    with pytest.raises(InputError) as refused:
        write(store)
    assert MERGED_GRAPH in refused.value.message and "cannot be written" in refused.value.message
    assert set(store.native) == before


# --------------------------------------------------------------------------------------------
# Random write sequences
# --------------------------------------------------------------------------------------------

TERMS = ["<urn:s1>", "<urn:s2>", "<urn:s3>", "<urn:ex:s4>"]
VALUES = ['"x"', '"x"@da', "1", "<urn:s2>", "<urn:ex:s4>"]
NQUADS_VALUES = ['"x"', '"x"@da', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', "<urn:s2>"]


def _random_turtle(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(0, 6)):
        subject = "_:b" if rng.random() < 0.15 else rng.choice(TERMS)
        lines.append(f"{subject} {rng.choice(['<urn:p1>', '<urn:p2>'])} {rng.choice(VALUES)} .")
    return "\n".join(lines)


def _reference(store: OxigraphStore) -> ox.Store:
    """A plain pyoxigraph store holding what ``store`` holds (its merged graph too)."""
    copy = ox.Store()
    copy.extend(store.native)
    return copy


def _others(quads: object) -> list[str]:
    """A store's quads but the merged graph's, blank nodes masked (an update makes new ones)."""
    lines = [str(q) for q in quads if q.graph_name != M]  # type: ignore[attr-defined]
    return sorted(re.sub(r"_:[A-Za-z0-9]+", "_:b", line) for line in lines)


def _step(store: OxigraphStore, rng: random.Random) -> str:
    """One random write; returns what it was, for the failure message."""
    kind = rng.choice(["load", "add", "update", "update", "update", "diff", "remove"])
    graph = rng.choice(["urn:file:a", "urn:file:b", "urn:g1", "urn:g2"])
    if kind in ("load", "add"):
        source = Source("random.ttl", graph, rdf_format("turtle"), data=_random_turtle(rng).encode())
        (store.load if kind == "load" else lambda s: store.add(s[0]))([source])
        return f"{kind} {graph}"
    if kind == "update":
        text = _update(rng)
        reference = _reference(store)
        try:
            reference.update(text)
        except SyntaxError:
            with pytest.raises(QuerySyntaxError):
                store.update(text)
            return f"refused {text}"
        store.update(text)
        assert _others(store.native) == _others(reference), text  # what Oxigraph itself makes of it
        return text
    if kind == "diff":
        present = [line for line in store.quads_nquads() if "_:" not in line]
        removed = rng.sample(present, k=min(len(present), rng.randint(0, 3)))
        added = [
            f"{rng.choice(TERMS)} <urn:p1> {rng.choice(NQUADS_VALUES)} <{graph}> ."
            for _ in range(rng.randint(0, 3))
        ]
        store.apply_diff(removed, added)
        return f"diff -{removed} +{added}"
    store.remove_graph(graph)
    return f"remove {graph}"


@pytest.mark.parametrize("where", ["memory", "disk"])
def test_random_writes_keep_the_merged_graph_the_set_union_of_the_others(where, tmp_path):
    rng = random.Random(f"20261129-{where}")
    store = _open(where, tmp_path)
    store.update(BASE)
    assert_kept(store, "the base")
    done = []
    for _ in range(60 if where == "disk" else 150):
        done.append(_step(store, rng))
        assert_kept(store, " ;\n".join(done[-3:]))
    assert sum(not d.startswith(("load", "add", "diff", "remove", "refused")) for d in done) > 10


def _open_under(folder: Path) -> list[str]:
    """The files under ``folder`` this process holds open (its /proc/self/fd links)."""
    fds = Path("/proc/self/fd")
    held = []
    for fd in fds.iterdir():
        try:
            target = str(fd.readlink())
        except OSError:  # closed while listed
            continue
        if target.startswith(str(folder)):
            held.append(target)
    return held


def test_a_refused_update_closes_its_copy_before_the_copy_is_removed(tmp_path):
    """The copy an update runs on was held open by the syntax error's frames while its folder
    was removed: RocksDB still wrote there and the removal failed, a random sequence's refusal
    turning into an OSError (a CI failure). Now nothing under the scratch folder stays open."""
    store = _open("disk", tmp_path)
    store.update(BASE)
    text = "INSERT DATA { _:n <urn:p1> 1 } ;\nINSERT DATA { _:n <urn:p2> 2 }"
    with pytest.raises(QuerySyntaxError, match="blank node"):
        store.update(text)
    assert _open_under(store.scratch_dir()) == []
    assert list(store.scratch_dir().iterdir()) == []
    assert_kept(store, "after the refusal")
