"""Which project files are loaded, and into which graphs."""

from __future__ import annotations

from rsikg.core.derive import DERIVED_GRAPH
from rsikg.core.loading import (
    GRAPH_BASE,
    data_graphs,
    is_shapes_graph,
    load_project,
    project_files,
)

from tests.conftest import ROOT


def test_project_files_cover_every_folder_but_examples(settings):
    files = [p.relative_to(ROOT).as_posix() for p in project_files(settings)]
    assert "ontology/rsi.ttl" in files
    assert "ontology/vocab/sectors.ttl" in files
    assert "shapes/core.shapes.ttl" in files
    assert "graph_data/sources.ttl" in files
    assert not any("examples" in f for f in files)
    with_examples = project_files(settings, examples=True)
    assert any("examples" in p.parts for p in with_examples)


def test_each_file_has_its_own_graph_and_shapes_are_set_apart(store, settings):
    load_project(store, settings)
    graphs = store.named_graphs()
    # one graph per file, and the one rsikg derives from them (api/core/derive.py)
    assert len(graphs) == len(project_files(settings)) + 1
    assert DERIVED_GRAPH in graphs and DERIVED_GRAPH in data_graphs(store)
    assert GRAPH_BASE + "graph_data/systems.ttl" in graphs
    shapes = [g for g in graphs if is_shapes_graph(g)]
    assert shapes and not set(shapes) & set(data_graphs(store))


def test_loading_the_project_twice_changes_nothing(store, settings):
    load_project(store, settings)
    first = list(store.quads_nquads())
    load_project(store, settings)
    # blank nodes get fresh labels on every load; compare the rest exactly, and the count
    assert len(list(store.quads_nquads())) == len(first)
    assert [q for q in store.quads_nquads() if "_:" not in q] == [q for q in first if "_:" not in q]
